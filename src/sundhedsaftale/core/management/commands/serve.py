"""`sundhedsaftale serve`: serve the platform with gunicorn (static files through WhiteNoise).

Worker model: gthread, 2 processes × 8 threads by default (WEB_WORKERS, WEB_THREADS). With
plain sync workers one slow request (a search) holds a whole process, so a burst of searches
queued every other page behind it; with threads the operating system and Python switch
between requests, and cached pages keep flowing while searches run (bench/web_bench.py
measures both). Searches take turns across the whole server and pages take at most half a
worker's threads (portal.turns), so a flood of searches, waiting or running, leaves the pages
their threads; hence 8 threads a worker, of which at most 4 serve pages at once, as before.
Each worker listens on its own socket (`--reuse-port`).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

DEFAULT_WORKERS = 2
DEFAULT_THREADS = 8


def gunicorn_arguments(*, bind: str, workers: int, threads: int) -> list[str]:
    """The gunicorn command line used by `serve` and by the web benchmark."""
    return ["sundhedsaftale.wsgi:application", "--bind", bind, "--workers", str(workers),
            "--worker-class", "gthread" if threads > 1 else "sync", "--threads", str(threads),
            # The search turns the workers share (portal.turns), made before they fork.
            "--config", "python:sundhedsaftale.gunicorn_config",
            # Each worker its own listening socket: the kernel spreads new connections over
            # them, where one shared socket let whichever worker woke first take a burst of
            # keep-alive connections and leave the other idle.
            "--reuse-port"]


class Command(BaseCommand):
    help = "Serve the platform with gunicorn on 127.0.0.1:8000 (or --bind)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int,
                            default=int(os.environ.get("WEB_WORKERS", DEFAULT_WORKERS)))
        parser.add_argument("--threads", type=int,
                            default=int(os.environ.get("WEB_THREADS", DEFAULT_THREADS)))

    def handle(self, *args: Any, bind: str, workers: int, threads: int, **options: Any) -> None:
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Serving on http://{bind}/")
        os.execvp(sys.executable, [
            sys.executable, "-m", "gunicorn",
            *gunicorn_arguments(bind=bind, workers=workers, threads=threads),
            "--access-logfile", "-",
        ])
