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
from typing import Any

from django.db import connection
from django.utils import translation
from django.utils.functional import Promise

from . import text
from .index import index_ensure_current
from .models import FTS_TABLE, SUMMARY_LENGTH, SearchDocument
from .registry import kind_of, kind_words

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


# The columns a hit needs, then its score. Plain SQL (parameters bound by the driver): a search
# runs one statement and skips the ORM's query compilation.
_COLUMNS = "d.kind, d.url, d.title, d.body, d.body_folded, d.context, d.language, d.title_terms"
_TABLE = SearchDocument._meta.db_table


def _matches_postgresql(words: list[tuple[str, str]]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_COLUMNS}, ts_rank(d.vector, q) AS score "
            f"FROM {_TABLE} d, to_tsquery('danish', %s) q WHERE d.vector @@ q "
            "ORDER BY score DESC, d.position LIMIT %s", [_pg_tsquery(words), MAX_MATCHES])
        return cursor.fetchall()


def _fts5_query(terms: list[str]) -> str:
    return " ".join(f'"{t}"' + ("*" if text.is_prefix_term(t) else "") for t in terms)


def _matches_sqlite(terms: list[str]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {_COLUMNS}, -bm25({FTS_TABLE}, 10.0, 1.0) AS score "
            f"FROM {FTS_TABLE} JOIN {_TABLE} d ON d.id = {FTS_TABLE}.rowid "
            f"WHERE {FTS_TABLE} MATCH %s ORDER BY score DESC, d.position LIMIT %s",
            [_fts5_query(terms), MAX_MATCHES])  # bm25: lower is better, hence the minus
        return cursor.fetchall()


def _word_start(folded: str, term: str) -> int:
    r"""Where `term` first begins a word of `folded` (no letter, digit or underscore just
    before it), or -1: what `re.search(r"(?<!\w)" + re.escape(term), folded)` finds, by
    str.find instead of trying the pattern at every position of the text."""
    at = folded.find(term)
    while at > 0:
        before = folded[at - 1]
        if not (before.isalnum() or before == "_"):  # the regex's \w, one character
            break
        at = folded.find(term, at + 1)
    return at


def _summary(body: str, folded: str, terms: list[str]) -> str:
    """The start of `body`, or, when no term occurs in it, the passage around the first word
    that begins with a term (a Snowball stem is the start of its word), so the visitor sees
    why the hit matched. `folded`: the body casefolded (SearchDocument.body_folded, stored
    for a body longer than the summary)."""
    if len(body) <= SUMMARY_LENGTH:
        return body
    if not folded:  # not stored (an index built before the column): fold it here
        folded = body.casefold()
    found = [at for t in terms if (at := _word_start(folded, t)) >= 0]
    start = min(found) if found else 0
    if start + len(terms[0]) < SUMMARY_LENGTH - 20:
        start = 0
    prefix = ""
    if start:
        start = body.rfind(" ", 0, max(0, start - 60)) + 1
        prefix = "… "
    piece = body[start:start + SUMMARY_LENGTH]
    if start + SUMMARY_LENGTH < len(body):
        piece = piece.rsplit(" ", 1)[0].rstrip(",.;:") + " …"
    return prefix + piece


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
    if not matches:
        return []
    hits = []
    language = translation.get_language()
    labels: dict[str, str] = {}  # each kind's label, once per search
    needles = text.needles(terms)  # a title hit: every needle in its spaced title terms
    for (kind_code, url, title, body, folded, context, language_code, title_terms,
         score) in matches:
        label = labels.get(kind_code)
        if label is None:
            label = labels[kind_code] = kind_words(kind_code, language)[0]
        spaced = text.spaced(title_terms)
        hits.append(SearchHit(
            kind=kind_code, kind_label=label, title=title, summary=_summary(body, folded, terms),
            url=url, context=context, language=language_code,
            title_hit=all(n in spaced for n in needles), score=float(score)))
    hits.sort(key=lambda h: (not h.title_hit, -h.score))
    return hits


def group_hits(hits: list[SearchHit]) -> list[SearchGroup]:
    """Hits grouped by kind; a group's place is its best hit's (ties: the kinds' order)."""
    groups: dict[str, SearchGroup] = {}
    best: dict[str, int] = {}
    language = translation.get_language() if hits else None
    for position, hit in enumerate(hits):
        group = groups.get(hit.kind)
        if group is None:
            group = groups[hit.kind] = SearchGroup(hit.kind, kind_words(hit.kind, language)[1])
            best[hit.kind] = position
        if len(group.hits) < MAX_PER_KIND:
            group.hits.append(hit)
    return sorted(groups.values(),
                  key=lambda g: (not g.hits[0].title_hit, kind_of(g.kind).order, best[g.kind]))
