"""The portal's search: the query's limits and the answer from the search index.

The index (app `sundhedsaftale.search`) holds every public document: the published version of
each agreement (agreement, visions, principles, focus areas, goals, initiatives, annexes),
municipalities, health clusters, bodies, indicators, legal regimes, hearings and public
meetings, each contributed by its app (`<app>/search_documents.py`). Full-text search with
Danish stemming on both databases: PostgreSQL's `danish` configuration over a stored, indexed
search vector; SQLite's FTS5 over terms stemmed by the Danish Snowball stemmer in Python.
Drafts never appear: the providers read published content only.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from django.conf import settings
from django.utils.text import Truncator

from sundhedsaftale.search.query import SearchGroup, SearchHit, group_hits, search_index

from .turns import semaphore

__all__ = ["MAX_QUERY_LENGTH", "SearchGroup", "SearchHit", "group_hits", "normalise_query",
           "search", "search_turn", "shown_query"]

MAX_QUERY_LENGTH = 200
# The query is echoed in the title and the heading shortened to 80 characters (with an
# ellipsis, shown_query()); the search box keeps it whole.
SHOWN_QUERY_LENGTH = 80

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalise_query(raw: str) -> str:
    """Whitespace collapsed, control characters (a NUL byte) dropped, at most 200 characters."""
    return " ".join(_CONTROL.sub(" ", raw).split())[:MAX_QUERY_LENGTH]


def shown_query(query: str) -> str:
    """The query as the page's title and heading echo it: at most 80 characters, cut with an
    ellipsis (Django's `truncatechars:80`)."""
    return Truncator(query).chars(SHOWN_QUERY_LENGTH)


def search(query: str) -> list[SearchHit]:
    """Ranked hits for `query` in public content (title hits first); [] for an empty query."""
    query = normalise_query(query)
    if not query:
        return []
    return search_index(query)


# --- searches at once -------------------------------------------------------------------------
# Search is the one public page no cache can hold (any words can be searched), and it costs
# several cached pages' worth of CPU. So the server as a whole (every worker process together)
# runs at most SEARCH_CONCURRENCY searches at once (default: half the CPU cores, at least one;
# `portal.turns`). The others wait for a turn in their own thread, not holding the interpreter,
# for up to SEARCH_WAIT_SECONDS, then get a 503 with Retry-After. A flood of searches then
# cannot take more than those cores, and the rest keep serving pages (what the web benchmark's
# "cached page under search load" measures).


@contextlib.contextmanager
def search_turn() -> Iterator[bool]:
    """Wait for a turn to search: True once it is this request's turn, False when
    SEARCH_WAIT_SECONDS passed first (answer 503). The turn ends with the block."""
    turns = semaphore(int(settings.SEARCH_CONCURRENCY))
    granted = turns.acquire(timeout=float(settings.SEARCH_WAIT_SECONDS))
    try:
        yield granted
    finally:
        if granted:
            turns.release()
