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

import re

from django.utils.text import Truncator

from sundhedsaftale.search.query import SearchGroup, SearchHit, group_hits, search_index

__all__ = ["MAX_QUERY_LENGTH", "SearchGroup", "SearchHit", "group_hits", "normalise_query",
           "search", "shown_query"]

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
