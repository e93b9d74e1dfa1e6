"""Answer a query from the index: full-text match with Danish stemming on both databases.

PostgreSQL: the stored `danish` vector (GIN index) against a prefix tsquery of the query's
words. SQLite: the FTS5 table of Snowball-stemmed terms (search/text.py) against the query's
stemmed terms as prefix queries. Every word must match. Hits whose title holds every term come
first, then the database's relevance (ts_rank with title weighted above text, FTS5's bm25 with
the title column ten times the text). One query per search plus the index freshness check; no
scan of the content in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection
from django.utils.functional import Promise

from . import text
from .index import index_ensure_current
from .models import FTS_TABLE, SearchDocument
from .registry import kind_of

# Matches read from the database per search (ranked), and hits shown per group.
MAX_MATCHES = 200
MAX_PER_KIND = 20


@dataclass
class SearchHit:
    kind: str
    kind_label: str | Promise
    title: str
    summary: str
    url: str
    context: str
    language: str
    title_hit: bool
    score: float  # higher is better


@dataclass
class SearchGroup:
    kind: str
    heading: str | Promise
    hits: list[SearchHit] = field(default_factory=list)


def _pg_tsquery(words: list[tuple[str, str]]) -> str:
    # Words are letters and digits only (text._WORD), so quoting them is enough.
    return " & ".join(f"'{w}'" + (":*" if text.is_prefix_term(t) else "") for w, t in words)


def _matches_postgresql(words: list[tuple[str, str]]) -> list[tuple[SearchDocument, float]]:
    from django.contrib.postgres.search import SearchQuery, SearchRank
    from django.db.models import F

    query = SearchQuery(_pg_tsquery(words), search_type="raw", config="danish")
    docs = (SearchDocument.objects.filter(vector=query)
            .annotate(rank=SearchRank(F("vector"), query))
            .defer("vector").order_by("-rank", "position")[:MAX_MATCHES])
    return [(doc, float(doc.rank)) for doc in docs]


def _fts5_query(terms: list[str]) -> str:
    return " ".join(f'"{t}"' + ("*" if text.is_prefix_term(t) else "") for t in terms)


def _matches_sqlite(terms: list[str]) -> list[tuple[SearchDocument, float]]:
    docs = SearchDocument.objects.raw(
        "SELECT d.id, d.kind, d.key, d.url, d.title, d.body, d.context, d.language, "
        f"d.position, d.title_terms, bm25({FTS_TABLE}, 10.0, 1.0) AS score "
        f"FROM {FTS_TABLE} JOIN search_searchdocument AS d ON d.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH %s ORDER BY score, d.position LIMIT %s",
        [_fts5_query(terms), MAX_MATCHES])
    return [(doc, -float(doc.score)) for doc in docs]  # bm25: lower is better


def search_index(query: str) -> list[SearchHit]:
    """Ranked hits for `query` (already normalised); [] when it has no searchable word."""
    terms = text.query_terms(query)
    if not terms:
        return []
    index_ensure_current()
    if connection.vendor == "postgresql":
        matches = _matches_postgresql(text.query_words(query))
    else:
        matches = _matches_sqlite(terms)
    hits = []
    for doc, score in matches:
        kind = kind_of(doc.kind)
        hits.append(SearchHit(
            kind=doc.kind, kind_label=kind.label, title=doc.title, summary=doc.body,
            url=doc.url, context=doc.context, language=doc.language,
            title_hit=text.matches_all(terms, doc.title_terms.split()), score=score))
    hits.sort(key=lambda h: (not h.title_hit, -h.score))
    return hits


def group_hits(hits: list[SearchHit]) -> list[SearchGroup]:
    """Hits grouped by kind; a group's place is its best hit's (ties: the kinds' order)."""
    groups: dict[str, SearchGroup] = {}
    best: dict[str, int] = {}
    for position, hit in enumerate(hits):
        group = groups.get(hit.kind)
        if group is None:
            group = groups[hit.kind] = SearchGroup(hit.kind, kind_of(hit.kind).heading)
            best[hit.kind] = position
        if len(group.hits) < MAX_PER_KIND:
            group.hits.append(hit)
    return sorted(groups.values(),
                  key=lambda g: (not g.hits[0].title_hit, kind_of(g.kind).order, best[g.kind]))
