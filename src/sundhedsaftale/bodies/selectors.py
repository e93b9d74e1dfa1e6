"""Reads of bodies and their members."""

from __future__ import annotations

import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import Body, Membership

ROLE_ORDER = {Membership.Role.CHAIR: 0, Membership.Role.CO_CHAIR: 1,
              Membership.Role.VICE_CHAIR: 2, Membership.Role.MEMBER: 3,
              Membership.Role.OBSERVER: 4, Membership.Role.SECRETARY: 5}


def body_list(*, on: datetime.date | None = None) -> QuerySet[Body]:
    """Bodies valid on `on` (default today) with cluster and region; `current_memberships`
    holds the seats valid that day."""
    on = on or timezone.localdate()
    members = Membership.objects.valid_on(on).select_related("organisation")
    return (Body.objects.valid_on(on).select_related("cluster", "region", "parent")
            .prefetch_related(Prefetch("memberships", queryset=members,
                                       to_attr="current_memberships")))


def body_detail(*, slug: str, on: datetime.date | None = None) -> Body:
    """One body; `current_memberships` lists the seats valid on `on`, chairs first.
    Raises Body.DoesNotExist."""
    on = on or timezone.localdate()
    body = Body.objects.select_related("cluster", "region", "parent").get(slug=slug)
    members = list(body.memberships.valid_on(on).select_related("organisation"))
    members.sort(key=lambda m: (ROLE_ORDER.get(m.role, 9), m.person_name))
    body.current_memberships = members  # type: ignore[attr-defined]
    return body
