"""`sundhedsaftale serve`: serve the platform with gunicorn (static files through WhiteNoise)."""

from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the platform with gunicorn on 127.0.0.1:8000 (or --bind)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")))

    def handle(self, *args, bind: str, workers: int, **options):
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Serving on http://{bind}/")
        os.execvp(
            sys.executable,
            [
                sys.executable, "-m", "gunicorn", "sundhedsaftale.wsgi:application",
                "--bind", bind, "--workers", str(workers), "--access-logfile", "-",
            ],
        )
