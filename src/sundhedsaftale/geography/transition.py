"""Is there a structure (clusters or health council areas) for every municipality ahead?

The five health clusters end on 31 December 2026; from 1 January 2027 health councils
(sundhedsråd) take over, but which municipalities each council covers is not known to the
platform (docs: domain.md, [NF]). Nothing in the data says a successor exists until staff add it,
so `structure_gap` looks ahead `WARNING_DAYS` days: when an area or membership ends and, on the
day after, some municipality is in no (published) area at all, staff are warned. The successor
can be set up from a copy of the structure that ends (`geography.services.successor_create`):
it is created as drafts, which the public pages do not show until staff publish them.

"Today" is `timezone.localdate()` unless the setting STRUCTURE_CHECK_TODAY (a date) says
otherwise, so tests and rehearsals can look at the warning from a fixed day.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AreaMembership, HealthCluster, Municipality

WARNING_DAYS = 60


def today() -> datetime.date:
    fixed = getattr(settings, "STRUCTURE_CHECK_TODAY", None)
    if isinstance(fixed, str):
        return datetime.date.fromisoformat(fixed)
    return fixed or timezone.localdate()


def _valid(prefix: str, on: datetime.date) -> Q:
    return ((Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": on}))
            & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": on})))


def memberships_in_effect(on: datetime.date, *,
                          drafts: bool = False) -> QuerySet[AreaMembership]:
    """Memberships valid on `on` in an area that is itself valid then (published areas only,
    unless `drafts`)."""
    qs = AreaMembership.objects.filter(_valid("", on), _valid("cluster__", on))
    if not drafts:
        qs = qs.filter(cluster__is_draft=False)
    return qs


def covered_municipality_ids(on: datetime.date, *, drafts: bool = False) -> set[int]:
    """Municipalities that belong, as a whole or through a district, to an area on `on`."""
    ids: set[int] = set()
    for municipality_id, district_municipality_id in memberships_in_effect(
            on, drafts=drafts).values_list("municipality_id", "district__municipality_id"):
        ids.add(municipality_id or district_municipality_id)
    return ids


@dataclass
class StructureGap:
    """The first day within the warning window on which some municipality is in no area."""

    date: datetime.date
    today: datetime.date
    uncovered: list[Municipality] = field(default_factory=list)
    drafts_cover: bool = False
    """Draft successor areas exist that would cover every municipality (not yet published)."""

    @property
    def last_day(self) -> datetime.date:
        """The last day of the structure that ends (the day before the gap)."""
        return self.date - datetime.timedelta(days=1)

    @property
    def days_left(self) -> int:
        return (self.date - self.today).days


def structure_gap(*, today: datetime.date) -> StructureGap | None:
    """The first date from `today` up to WARNING_DAYS days ahead on which the organisation
    has no published area for some municipality, or None. Only dates right after an area or a
    membership ends are looked at (and today itself, once a structure has existed)."""
    horizon = today + datetime.timedelta(days=WARNING_DAYS)
    all_ids = set(Municipality.objects.values_list("pk", flat=True))
    if not all_ids or not AreaMembership.objects.exists():
        return None
    ends = set(HealthCluster.objects.filter(
        valid_to__gte=today - datetime.timedelta(days=1),
        valid_to__lt=horizon, is_draft=False).values_list("valid_to", flat=True))
    ends |= set(AreaMembership.objects.filter(
        valid_to__gte=today - datetime.timedelta(days=1),
        valid_to__lt=horizon, cluster__is_draft=False).values_list("valid_to", flat=True))
    candidates = sorted({end + datetime.timedelta(days=1) for end in ends} | {today})
    for day in candidates:
        missing = all_ids - covered_municipality_ids(day)
        if not missing:
            continue
        if day == today and not AreaMembership.objects.filter(
                valid_to__lt=today, cluster__is_draft=False).exists():
            # Nothing has ended: municipalities that were never in an area are not a transition.
            continue
        with_drafts = covered_municipality_ids(day, drafts=True)
        return StructureGap(
            date=day, today=today,
            uncovered=list(Municipality.objects.filter(pk__in=missing).order_by("name")),
            drafts_cover=all_ids <= with_drafts)
    return None


def successor_plan(*, gap: StructureGap) -> list[tuple[HealthCluster, list[AreaMembership]]]:
    """What `successor_create` would copy: each published area in effect on the gap's last day
    with its memberships then, limited to municipalities that have no area on the gap's date."""
    uncovered = {m.pk for m in gap.uncovered}
    plan: list[tuple[HealthCluster, list[AreaMembership]]] = []
    memberships = (memberships_in_effect(gap.last_day)
                   .select_related("cluster", "cluster__hospital", "cluster__region",
                                   "municipality", "district", "district__municipality")
                   .order_by("cluster__number", "cluster__name", "municipality__name",
                             "district__code"))
    by_cluster: dict[int, tuple[HealthCluster, list[AreaMembership]]] = {}
    for membership in memberships:
        municipality = membership.area_municipality
        if municipality is None or municipality.pk not in uncovered:
            continue
        entry = by_cluster.get(membership.cluster_id)
        if entry is None:
            entry = (membership.cluster, [])
            by_cluster[membership.cluster_id] = entry
            plan.append(entry)
        entry[1].append(membership)
    return plan


def successor_name(cluster: HealthCluster) -> str:
    """The draft name of the health council area copied from `cluster`."""
    return _("Sundhedsråd %(name)s") % {"name": cluster.name}
