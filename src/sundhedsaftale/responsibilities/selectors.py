"""Reads of the responsibility catalogue: the public list with its filters, one entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from sundhedsaftale.access.rules import can
from sundhedsaftale.geography.models import HealthCluster

from .models import Responsibility


def published_responsibilities() -> QuerySet[Responsibility]:
    """Every published entry (for the public pages and the search index: `search_text()`)."""
    return Responsibility.objects.filter(is_published=True).select_related(
        "annex", "cluster")


def visible_responsibilities(user: Any) -> QuerySet[Responsibility]:
    if can(user, "responsibilities.view_draft"):
        return Responsibility.objects.select_related("annex", "cluster")
    return published_responsibilities()


@dataclass
class CatalogueFilter:
    q: str = ""
    sector: str = ""
    target_group: str = ""
    cluster: str = ""  # a HealthCluster code


def catalogue_filter_from(params: Any) -> CatalogueFilter:
    """The filter from GET parameters; unknown values are dropped (not an error)."""
    sector = params.get("sektor", "")
    return CatalogueFilter(
        q=" ".join(params.get("q", "").split())[:200],
        sector=sector if sector in Responsibility.Sector.values else "",
        target_group=params.get("maalgruppe", "")[:200],
        cluster=params.get("klynge", "")[:50],
    )


def catalogue(user: Any, f: CatalogueFilter) -> QuerySet[Responsibility]:
    """Entries matching the filter. A cluster filter keeps the entries for that cluster and the
    ones that apply in the whole region (no cluster)."""
    entries = visible_responsibilities(user)
    for word in f.q.split():
        entries = entries.filter(Q(task__icontains=word) | Q(description__icontains=word)
                                 | Q(pathway__icontains=word) | Q(phase__icontains=word))
    if f.sector:
        entries = entries.filter(sector=f.sector)
    if f.target_group:
        entries = entries.filter(target_group=f.target_group)
    if f.cluster:
        entries = entries.filter(Q(cluster__code=f.cluster) | Q(cluster__isnull=True))
    return entries


def target_groups(user: Any) -> list[str]:
    return sorted(set(visible_responsibilities(user).values_list("target_group", flat=True)))


def clusters_in_use() -> QuerySet[HealthCluster]:
    """The clusters one can filter by (every published area, by name; a draft successor is
    staff-only)."""
    return HealthCluster.objects.filter(is_draft=False).order_by("name")
