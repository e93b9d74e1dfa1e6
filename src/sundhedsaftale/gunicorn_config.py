"""gunicorn's hooks for `sundhedsaftale serve` (and the web benchmark, which starts gunicorn
the same way): `--config python:sundhedsaftale.gunicorn_config`. The command line
(`serve.gunicorn_arguments`) holds the settings; this module only what must run in gunicorn's
processes."""

from __future__ import annotations

import sys
from typing import Any


def on_starting(server: Any) -> None:
    """In the master, before the workers fork: the search turns they share."""
    from sundhedsaftale.portal import turns

    turns.create_shared(turns.configured_count())


#: Python's default is 5 ms: a search running in one thread of a worker could keep the
#: interpreter that long while a page request in another thread of the same worker waited.
SWITCH_INTERVAL_SECONDS = 0.001


def post_fork(server: Any, worker: Any) -> None:
    """In each worker: hand the interpreter between threads every millisecond."""
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
