"""gunicorn's hooks for `sundhedsaftale serve` (and the web benchmark, which starts gunicorn
the same way): `--config python:sundhedsaftale.gunicorn_config`. The command line
(`serve.gunicorn_arguments`) holds the settings; this module only what must run in gunicorn's
processes (`portal.turns` says why)."""

from __future__ import annotations

from typing import Any


def on_starting(server: Any) -> None:
    """In the master, before the workers fork: the search turns they share."""
    from sundhedsaftale.portal import turns

    turns.create_shared(turns.configured_count())


def post_fork(server: Any, worker: Any) -> None:
    """In each worker: half its threads may serve pages at once, the rest are for searches
    (running, or waiting for their turn)."""
    from sundhedsaftale.portal import turns

    turns.create_page_turns(max(1, int(worker.cfg.threads) // 2))
