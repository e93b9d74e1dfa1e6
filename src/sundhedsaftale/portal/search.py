"""Search across the public agreements' content: visions, principles, focus areas, goals,
initiatives and annexes.

On PostgreSQL: full-text search with the Danish configuration (stemming, so "ældre" also finds
"ældres"), ranked with title matches weighted above summary matches. Elsewhere (SQLite): every
word of the query must begin a word of the title or summary, compared case-insensitively in Python,
because SQLite's LIKE only folds ASCII letters ("Ældre" would not match "ældre"). The content is
small (hundreds of rows), so the fallback stays fast: the casefolded texts are kept per process and content generation
(see portal/generation.py), so a search scans strings instead of loading every row. Drafts
never appear: every query starts
from the public agreements.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from django.db import connection
from django.db.models import Model, QuerySet
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.agreements.models import (
    Agreement,
    Annex,
    FocusArea,
    Goal,
    Initiative,
    Principle,
    Vision,
)

MAX_QUERY_LENGTH = 200
MAX_RESULTS = 50


@dataclass
class SearchHit:
    kind: str
    kind_label: str | Promise
    title: str
    summary: str
    url: str
    agreement: Agreement | None
    rank: float


def _url(kind: str, obj: Model) -> str:
    if kind == "focus_area":
        return reverse("portal:focus_area_detail", args=[obj.agreement.slug, obj.slug])
    if kind == "goal":
        return reverse("portal:goal_detail", args=[obj.agreement.slug, obj.slug])
    if kind == "initiative":
        goal = obj.goal
        return reverse("portal:goal_detail", args=[goal.agreement.slug, goal.slug]) + (
            f"#indsats-{obj.pk}")
    if kind == "vision":
        return reverse("portal:agreement_detail", args=[obj.agreement.slug]) + (
            f"#vision-{obj.slug}")
    if kind == "principle":
        return reverse("portal:agreement_detail", args=[obj.agreement.slug]) + "#principper"
    raise ValueError(kind)


def _sources() -> list[tuple[str, str | Promise, QuerySet]]:
    """(kind, label, queryset of public rows) for every searchable kind of content."""
    public = Agreement.objects.public()
    return [
        ("vision", _("Vision"),
         Vision.objects.filter(agreement__in=public).select_related("agreement")),
        ("principle", _("Princip"),
         Principle.objects.filter(agreement__in=public).select_related("agreement")),
        ("focus_area", _("Fokusområde"),
         FocusArea.objects.filter(agreement__in=public).select_related("agreement")),
        ("goal", _("Mål"),
         Goal.objects.filter(agreement__in=public).select_related("agreement")),
        ("initiative", _("Indsats"),
         Initiative.objects.filter(goal__agreement__in=public)
         .select_related("goal", "goal__agreement")),
        ("annex", _("Bilag"),
         Annex.objects.filter(agreements__in=public).distinct()),
    ]


def _annex_hits(annexes: list[tuple[Annex, float]]) -> list[SearchHit]:
    """Annexes link to the newest public agreement they belong to (one extra query)."""
    if not annexes:
        return []
    newest: dict[int, Agreement] = {}
    links = (Agreement.annexes.through.objects
             .filter(annex_id__in=[a.pk for a, _rank in annexes],
                     agreement__in=Agreement.objects.public())
             .select_related("agreement").order_by("agreement__period_start"))
    for link in links:
        newest[link.annex_id] = link.agreement
    hits = []
    for annex, rank in annexes:
        agreement = newest.get(annex.pk)
        url = (reverse("portal:agreement_detail", args=[agreement.slug]) + "#bilag"
               if agreement else "")
        hits.append(SearchHit("annex", _("Bilag"), annex.title, annex.summary, url,
                              agreement, rank))
    return hits


def _hit(kind: str, label: str | Promise, obj: Model, rank: float) -> SearchHit:
    agreement = obj.goal.agreement if kind == "initiative" else obj.agreement
    return SearchHit(kind, label, obj.title, obj.summary, _url(kind, obj), agreement, rank)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalise_query(raw: str) -> str:
    """Whitespace collapsed, control characters (a NUL byte) dropped, at most 200 characters."""
    return " ".join(_CONTROL.sub(" ", raw).split())[:MAX_QUERY_LENGTH]


def search(query: str) -> list[SearchHit]:
    """Ranked hits for `query` in public agreement content; [] for an empty query."""
    query = normalise_query(query)
    if not query:
        return []
    if connection.vendor == "postgresql":
        hits = _search_postgresql(query)
    else:
        hits = _search_fallback(query)
    hits.sort(key=lambda h: (-h.rank, h.title))
    return hits[:MAX_RESULTS]


def _search_postgresql(query: str) -> list[SearchHit]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    search_query = SearchQuery(query, config="danish", search_type="websearch")
    vector = (SearchVector("title", weight="A", config="danish")
              + SearchVector("summary", weight="B", config="danish"))
    hits: list[SearchHit] = []
    annexes: list[tuple[Annex, float]] = []
    for kind, label, queryset in _sources():
        matches = (queryset.annotate(document=vector, rank=SearchRank(vector, search_query))
                   .filter(document=search_query).order_by("-rank")[:MAX_RESULTS])
        for obj in matches:
            if kind == "annex":
                annexes.append((obj, float(obj.rank)))
            else:
                hits.append(_hit(kind, label, obj, float(obj.rank)))
    return hits + _annex_hits(annexes)


_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class _Entry:
    kind: str
    label: str | Promise
    obj: Model
    title: str
    text: str


# The public content in a searchable form, built once per content generation and process:
# a search then costs one small query (the generation) and a scan of a few hundred strings.
_corpus: tuple[int | None, list[_Entry]] = (None, [])
_corpus_lock = threading.Lock()


def _corpus_entries() -> list[_Entry]:
    global _corpus
    from .generation import cache_generation

    generation = cache_generation()
    cached_generation, entries = _corpus
    if generation is not None and generation == cached_generation and not (
            connection.in_atomic_block):
        return entries
    entries = []
    for kind, label, queryset in _sources():
        for obj in queryset:
            title = obj.title.casefold()
            entries.append(_Entry(kind, label, obj, title,
                                  f"{title}\n{(obj.summary or '').casefold()}"))
    if generation is not None and not connection.in_atomic_block:
        with _corpus_lock:
            _corpus = (generation, entries)
    return entries


def _search_fallback(query: str) -> list[SearchHit]:
    # Each word must begin a word of the title or summary ("ældre" finds "ældres" and
    # "ældreområdet", not "forældre"), compared with Unicode-aware casefold (see the module).
    patterns = [re.compile(r"(?<!\w)" + re.escape(w.casefold())) for w in _WORD.findall(query)]
    if not patterns:
        return []
    hits: list[SearchHit] = []
    annexes: list[tuple[Annex, float]] = []
    for entry in _corpus_entries():
        if all(pattern.search(entry.text) for pattern in patterns):
            rank = 1.0 + sum(1 for pattern in patterns if pattern.search(entry.title))
            if entry.kind == "annex":
                annexes.append((entry.obj, rank))  # type: ignore[arg-type]
            else:
                hits.append(_hit(entry.kind, entry.label, entry.obj, rank))
    return hits + _annex_hits(annexes)
