"""Reads of bodies and their members."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from sundhedsaftale.core.statements import Statement, fetch_all

from .models import Body, Membership, Organisation

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


# The cluster page lists its bodies with their seats; it reads them as plain rows in one SQL
# statement (the ORM's two queries and model instances were a large part of that page's time).

_ROLE_LABELS = dict(Membership.Role.choices)
_ROLE_RANK: dict[str, int] = {str(role): rank for role, rank in ROLE_ORDER.items()}


@dataclass(slots=True, unsafe_hash=True)
class OrganisationName:
    name: str


@dataclass(slots=True, unsafe_hash=True)
class Seat:
    """A member as the members table shows one (the Membership fields it reads)."""

    person_name: str
    role: str
    is_synthetic: bool
    valid_from: datetime.date | None
    valid_to: datetime.date | None
    organisation: OrganisationName | None

    def get_role_display(self) -> str:
        return str(_ROLE_LABELS.get(self.role, self.role))


@dataclass(slots=True)
class BodySeats:
    """A body (slug, name) with the seats valid on a day, chairs first (`current_members`)."""

    pk: int
    slug: str
    name: str
    current_members: list[Seat] = field(default_factory=list)


def _day(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


@functools.lru_cache(maxsize=4)
def _cluster_bodies_statement(vendor: str) -> Statement:
    """cluster_bodies' statement, built once per database vendor."""
    quote = connection.ops.quote_name
    return Statement(f"SELECT b.id, b.slug, b.name, s.id, s.person_name, s.role, s.is_synthetic,"
            f" s.valid_from, s.valid_to, o.id, o.name"
            f" FROM {quote(Body._meta.db_table)} b"
            f" LEFT JOIN {quote(Membership._meta.db_table)} s ON s.body_id = b.id"
            f" AND (s.valid_from IS NULL OR s.valid_from <= %s)"
            f" AND (s.valid_to IS NULL OR s.valid_to >= %s)"
            f" LEFT JOIN {quote(Organisation._meta.db_table)} o ON o.id = s.organisation_id"
            f" WHERE b.cluster_id = %s ORDER BY b.number, b.name, b.id", vendor)


def cluster_bodies(*, cluster_id: int, on: datetime.date) -> list[BodySeats]:
    """The bodies of a cluster by number and name, each with its seats valid on `on` ordered
    as body_detail orders them, in one query."""
    db = connections[DEFAULT_DB_ALIAS]
    day = db.ops.adapt_datefield_value(on)
    rows = fetch_all(_cluster_bodies_statement(db.vendor), [day, day, cluster_id], db)
    bodies: dict[int, BodySeats] = {}
    for (body_id, slug, name, seat_id, person_name, role, synthetic, valid_from, valid_to,
         organisation_id, organisation_name) in rows:
        body = bodies.get(body_id)
        if body is None:
            body = bodies[body_id] = BodySeats(body_id, slug, name)
        if seat_id is not None:
            body.current_members.append(Seat(
                person_name, role, bool(synthetic), _day(valid_from), _day(valid_to),
                None if organisation_id is None else OrganisationName(organisation_name)))
    for body in bodies.values():
        body.current_members.sort(key=lambda m: (_ROLE_RANK.get(m.role, 9), m.person_name))
    return list(bodies.values())
