"""Turns to search, shared by every worker process of one server, and turns to serve a page,
per worker (see `portal.search` and `sundhedsaftale.wsgi`).

Search is the one public page no cache can hold. A flood of searches used to take every
thread and both cores, and cached pages fell to a third of their throughput. Now:
- at most SEARCH_CONCURRENCY searches run at once in the whole server; the others wait for a
  turn, blocked without holding the interpreter;
- a worker serves at most half its threads' worth of other requests at once. The other half
  stays free for searches, running or waiting, so waiting searches never take the threads the
  pages need. Nor do more pages run at once than the worker had threads before (4): every
  thread more that waits for the interpreter made each page slower.

Only the standard library: gunicorn's master imports this module before any worker exists
(`sundhedsaftale.gunicorn_config.on_starting`) and makes the search semaphore that the
workers inherit when they fork, so "at most N searches at once" holds for the whole server and
a freed turn wakes a waiting search at once. Without gunicorn (tests, `runserver`, a shell)
each process has its own search turns and no page turns.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from typing import Protocol


class Semaphore(Protocol):
    def acquire(self, block: bool = True, timeout: float | None = None) -> bool: ...

    def release(self) -> None: ...


_shared: Semaphore | None = None
_pages: Semaphore | None = None
_own: dict[int, Semaphore] = {}
_own_lock = threading.Lock()


def configured_count() -> int:
    """SEARCH_CONCURRENCY from the environment: searches at once, default half the cores."""
    return max(1, int(os.environ.get("SEARCH_CONCURRENCY", "") or
                      max(1, (os.cpu_count() or 2) // 2)))


def create_shared(count: int) -> None:
    """Make the server's semaphore (in gunicorn's master, before the workers fork)."""
    global _shared
    _shared = multiprocessing.get_context("fork").BoundedSemaphore(max(1, count))


def semaphore(count: int) -> Semaphore:
    """The server's semaphore when gunicorn made one, else this process's own for `count`."""
    if _shared is not None:
        return _shared
    with _own_lock:
        own = _own.get(count)
        if own is None:
            own = _own[count] = threading.BoundedSemaphore(max(1, count))
        return own


def create_page_turns(count: int) -> None:
    """Make this worker's page turns (in each gunicorn worker, after it forks)."""
    global _pages
    _pages = threading.BoundedSemaphore(max(1, count))


def page_turns() -> Semaphore | None:
    """This worker's page turns, or None (no limit) outside gunicorn."""
    return _pages
