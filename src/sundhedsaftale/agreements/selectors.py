"""Reads of agreements. Public reads only ever return published or archived agreements."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Prefetch, QuerySet

from sundhedsaftale.bodies.models import Body
from sundhedsaftale.core.columns import json_value
from sundhedsaftale.geography.models import HealthCluster, Municipality, Region

from .models import (
    Agreement,
    AgreementAnnex,
    AgreementVersion,
    CouncilDecision,
    FocusArea,
    Goal,
    Initiative,
    LegalRegime,
    Vision,
)
from .published import PublishedAgreement, Rel, carried_over_slugs

DRAFT_VIEW_PERMISSION = "agreements.view_agreement"


def user_can_view_drafts(user: Any) -> bool:
    """Staff in the Læser or Sekretariat group (view permission on agreements) see drafts."""
    return bool(user and user.is_authenticated and user.is_active
                and user.has_perm(DRAFT_VIEW_PERMISSION))


def agreement_public_list() -> QuerySet[Agreement]:
    """Published and archived agreements, newest period first, with their legal regime."""
    return Agreement.objects.public().select_related("regime").order_by("-period_start")


def agreement_list_for_user(*, user: Any) -> QuerySet[Agreement]:
    """Every agreement for a user who may read drafts, else the public list."""
    if user_can_view_drafts(user):
        return Agreement.objects.select_related("regime").order_by("-period_start")
    return agreement_public_list()


def _with_content(qs: QuerySet[Agreement]) -> QuerySet[Agreement]:
    initiatives = Initiative.objects.select_related("owner_body", "owner_cluster")
    goals = Goal.objects.prefetch_related(Prefetch("initiatives", queryset=initiatives))
    return qs.select_related("regime", "party_region").prefetch_related(
        Prefetch("visions", queryset=Vision.objects.prefetch_related(
            Prefetch("goals", queryset=goals))),
        "principles",
        Prefetch("focus_areas", queryset=FocusArea.objects.prefetch_related(
            Prefetch("goals", queryset=goals))),
        "followup_sources",
        Prefetch("annex_links", queryset=AgreementAnnex.objects.select_related(
            "annex", "carried_over_from")),
        "party_municipalities",
        "bodies",
        "clusters",
    )


def agreement_get_public(*, slug: str) -> Agreement:
    """A public agreement with all its content prefetched (visions → goals → initiatives,
    principles, focus areas → goals → initiatives, follow-up sources, annex links, parties,
    bodies). Raises Agreement.DoesNotExist for unknown slugs and for drafts."""
    return _with_content(Agreement.objects.public()).get(slug=slug)


def agreement_get_for_user(*, slug: str, user: Any) -> Agreement:
    """Like agreement_get_public, but a user who may read drafts gets any status."""
    qs = Agreement.objects.all() if user_can_view_drafts(user) else Agreement.objects.public()
    return _with_content(qs).get(slug=slug)


def focus_area_get(*, agreement_slug: str, slug: str, user: Any = None) -> FocusArea:
    """A focus area of a public agreement (or any agreement for a draft reader), with goals and
    initiatives. Raises FocusArea.DoesNotExist."""
    agreements = (Agreement.objects.all() if user_can_view_drafts(user)
                  else Agreement.objects.public())
    initiatives = Initiative.objects.select_related("owner_body", "owner_cluster")
    return (FocusArea.objects.select_related("agreement", "agreement__regime")
            .prefetch_related(Prefetch("goals", queryset=Goal.objects.prefetch_related(
                Prefetch("initiatives", queryset=initiatives))))
            .get(agreement__in=agreements, agreement__slug=agreement_slug, slug=slug))


def goal_get(*, agreement_slug: str, slug: str, user: Any = None) -> Goal:
    """A goal of a public agreement (or any agreement for a draft reader), with its parent and
    initiatives. Raises Goal.DoesNotExist."""
    agreements = (Agreement.objects.all() if user_can_view_drafts(user)
                  else Agreement.objects.public())
    return (Goal.objects.select_related("agreement", "focus_area", "vision")
            .prefetch_related(Prefetch("initiatives", queryset=Initiative.objects.select_related(
                "owner_body", "owner_cluster")))
            .get(agreement__in=agreements, agreement__slug=agreement_slug, slug=slug))


def legal_regime_list() -> QuerySet[LegalRegime]:
    return LegalRegime.objects.all()


# ------------------------------------------------------------------------ frozen versions

def can_view_drafts(user: Any) -> bool:
    """Staff with a role (or the view permission) see drafts and every version."""
    from sundhedsaftale.access.rules import can

    return user_can_view_drafts(user) or can(user, "agreements.draft.view")


def _public_versions() -> QuerySet[AgreementVersion]:
    """Versions that have been published (the current one and the superseded ones)."""
    return AgreementVersion.objects.filter(published_on__isnull=False)


def version_published(*, agreement: Agreement) -> AgreementVersion | None:
    """The version the public sees: the newest published one."""
    return (AgreementVersion.objects.filter(agreement=agreement,
                                            stage=AgreementVersion.Stage.PUBLISHED)
            .order_by("-published_on", "-election_period_start", "-number").first())


def agreement_published(*, slug: str) -> PublishedAgreement:
    """The agreement as its published version shows it. Raises Agreement.DoesNotExist when the
    agreement is unknown, has no published version, or was withdrawn (a non-public status)."""
    version = (AgreementVersion.objects.select_related("agreement", "agreement__regime")
               .filter(agreement__slug=slug, stage=AgreementVersion.Stage.PUBLISHED,
                       agreement__status__in=Agreement.PUBLIC_STATUSES)
               .order_by("-published_on", "-election_period_start", "-number").first())
    if version is None:
        raise Agreement.DoesNotExist(slug)
    return PublishedAgreement(version.agreement, version)


# The public agreement page in two plain SQL queries (issue 12): the ORM spent more time
# compiling the page's four queries than the database spent answering them. The columns are the
# ones the page reads, in each model's field order (Model.from_db() takes them so); the
# instances defer the rest (reading one of those loads it).
_PAGE_VERSION = (
    ("agreementversion", AgreementVersion,
     ("id", "agreement_id", "published_on", "election_period_start", "number", "stage",
      "snapshot")),
    ("agreement", Agreement,
     ("id", "title", "slug", "kind", "period_start", "period_end", "regime_id", "status",
      "summary", "party_region_id", "parties_text", "is_demo")),
    ("regime", LegalRegime, ("id", "source", "source_url", "certainty", "code", "name")),
)
_PAGE_VERSION_SQL = """
    SELECT {columns}
    FROM agreements_agreementversion agreementversion
    JOIN agreements_agreement agreement ON agreement.id = agreementversion.agreement_id
    JOIN agreements_legalregime regime ON regime.id = agreement.regime_id
    WHERE agreement.slug = %s AND agreementversion.stage = %s AND agreement.status IN ({statuses})
    ORDER BY agreementversion.published_on DESC, agreementversion.election_period_start DESC,
             agreementversion.number DESC
    LIMIT 1""".format(
    columns=", ".join(f"{alias}.{column}"
                      for alias, _model, columns in _PAGE_VERSION for column in columns),
    statuses=", ".join(["%s"] * len(Agreement.PUBLIC_STATUSES)))
# The live rows the page lists beside the snapshot, in one round trip: the agreement's bodies
# and health clusters (each in its model's order, number then name) and the agreements its
# annexes are carried over from.
_PAGE_RELATED_SQL = """
    SELECT 'body', body.number, body.name, body.id, body.slug, body.short_name
    FROM bodies_body body
    JOIN agreements_agreement_bodies link ON link.body_id = body.id
    WHERE link.agreement_id = %s
    UNION ALL
    SELECT 'cluster', cluster.number, cluster.name, cluster.id, cluster.code, ''
    FROM geography_healthcluster cluster
    JOIN agreements_agreement_clusters link ON link.healthcluster_id = cluster.id
    WHERE link.agreement_id = %s"""
_PAGE_CARRIED_SQL = """
    UNION ALL
    SELECT 'agreement', 0, agreement.title, agreement.id, agreement.slug, agreement.status
    FROM agreements_agreement agreement
    WHERE agreement.slug IN ({slugs})"""


def _db_date(value: Any) -> datetime.date | None:
    """A DATE column as a date (SQLite answers ISO text, PostgreSQL a date)."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


_PAGE_CONVERT: dict[str, Any] = {
    "published_on": _db_date, "period_start": _db_date, "period_end": _db_date,
    "is_demo": bool,
    "snapshot": json_value,
}


def agreement_page(*, slug: str) -> PublishedAgreement:
    """The agreement as its published version shows it, for the public agreement page: what
    agreement_published() answers, with the bodies, health clusters and carried-over
    agreements read as well (`bodies` and `clusters` are lists, no further queries), and
    without the goals' initiatives (the page does not show them).
    Raises Agreement.DoesNotExist like agreement_published()."""
    db = connection.alias
    with connection.cursor() as cursor:
        cursor.execute(_PAGE_VERSION_SQL, [slug, AgreementVersion.Stage.PUBLISHED,
                                           *Agreement.PUBLIC_STATUSES])
        row = cursor.fetchone()
        if row is None:
            raise Agreement.DoesNotExist(slug)
        instances: dict[str, Any] = {}
        start = 0
        for alias, model, columns in _PAGE_VERSION:
            values = [_PAGE_CONVERT.get(column, _same)(value)
                      for column, value in zip(columns, row[start:start + len(columns)])]
            instances[alias] = model.from_db(db, columns, values)
            start += len(columns)
        version, live = instances["agreementversion"], instances["agreement"]
        live.regime = instances["regime"]
        version.agreement = live

        carried_slugs = sorted(carried_over_slugs(version))
        sql = _PAGE_RELATED_SQL
        if carried_slugs:
            sql += _PAGE_CARRIED_SQL.format(slugs=", ".join(["%s"] * len(carried_slugs)))
        cursor.execute(sql + " ORDER BY 1, 2, 3", [live.pk, live.pk, *carried_slugs])
        related = cursor.fetchall()
    bodies: list[Body] = []
    clusters: list[HealthCluster] = []
    carried: dict[str, Agreement] = {}
    for kind, number, name, pk, key, extra in related:
        if kind == "body":
            bodies.append(Body.from_db(db, _BODY_COLUMNS, (pk, name, extra, key, number)))
        elif kind == "cluster":
            clusters.append(HealthCluster.from_db(db, _CLUSTER_COLUMNS, (pk, key, name, number)))
        else:
            carried[key] = Agreement.from_db(db, _CARRIED_COLUMNS, (pk, name, key, extra))
    return PublishedAgreement(live, version, carried=carried, bodies=Rel(bodies),
                              clusters=Rel(clusters), with_initiatives=False)


# Model.from_db() takes the values in the model's field order.
_BODY_COLUMNS = ("id", "name", "short_name", "slug", "number")
_CLUSTER_COLUMNS = ("id", "code", "name", "number")
_CARRIED_COLUMNS = ("id", "title", "slug", "status")


def _same(value: Any) -> Any:
    return value


def agreement_published_list() -> list[PublishedAgreement]:
    """Every agreement with a published version, newest period first (an agreement withdrawn
    to a non-public status is left out although it has one)."""
    versions = (AgreementVersion.objects.select_related("agreement", "agreement__regime")
                .filter(stage=AgreementVersion.Stage.PUBLISHED,
                        agreement__status__in=Agreement.PUBLIC_STATUSES)
                .order_by("agreement_id", "-published_on", "-election_period_start", "-number"))
    newest: dict[int, AgreementVersion] = {}
    for version in versions:
        newest.setdefault(version.agreement_id, version)
    result = [PublishedAgreement(v.agreement, v) for v in newest.values()]
    return sorted(result, key=lambda a: a.live.period_start, reverse=True)


def version_list(*, agreement: Agreement, user: Any) -> list[AgreementVersion]:
    qs = AgreementVersion.objects.filter(agreement=agreement)
    if not can_view_drafts(user):
        qs = qs.filter(published_on__isnull=False)
    return list(qs.select_related("frozen_by").order_by("-election_period_start", "-number"))


def version_get(*, agreement_slug: str, ref: str, user: Any) -> AgreementVersion:
    """A version by its reference "2014-1" (election period's first year, number). The public
    gets only versions that were published. Raises AgreementVersion.DoesNotExist."""
    try:
        period, number = (int(part) for part in ref.split("-", 1))
    except ValueError:
        raise AgreementVersion.DoesNotExist(ref) from None
    qs = AgreementVersion.objects.select_related("agreement", "agreement__regime", "frozen_by")
    if not can_view_drafts(user):
        qs = qs.filter(published_on__isnull=False)
    return qs.get(agreement__slug=agreement_slug, election_period_start=period, number=number)


def agreement_for_versions(*, slug: str, user: Any) -> Agreement:
    """The agreement whose versions a user may list (the public: only with a published one)."""
    qs = Agreement.objects.select_related("regime")
    if not can_view_drafts(user):
        qs = qs.filter(versions__published_on__isnull=False).distinct()
    return qs.get(slug=slug)


@dataclass
class BoardRow:
    council: Region | Municipality
    is_region: bool
    decision: CouncilDecision | None

    @property
    def label(self) -> str:
        if self.decision is None:
            return str(dict(CouncilDecision.Decision.choices)["pending"])
        return str(self.decision.get_decision_display())

    @property
    def state(self) -> str:
        return self.decision.decision if self.decision else "pending"


@dataclass
class ApprovalBoard:
    version: AgreementVersion
    rows: list[BoardRow]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def approved(self) -> int:
        return sum(1 for r in self.rows if r.decision is not None and r.decision.is_approving)

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.rows if r.state == CouncilDecision.Decision.REJECTED)

    @property
    def is_entered(self) -> bool:
        return self.total > 0 and self.approved == self.total

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version.ref, "approved": self.approved, "total": self.total,
                "entered": self.is_entered,
                "entered_on": (self.version.entered_on.isoformat()
                               if self.version.entered_on else None),
                "councils": [{"council": str(r.council),
                              "kind": "region" if r.is_region else "municipality",
                              "decision": r.state,
                              "decided_on": (r.decision.decided_on.isoformat()
                                             if r.decision and r.decision.decided_on else None),
                              "journal_number": r.decision.journal_number if r.decision else "",
                              "minutes_url": r.decision.minutes_url if r.decision else ""}
                             for r in self.rows]}


def approval_board(*, version: AgreementVersion) -> ApprovalBoard:
    """The regional council and every municipal council party, with their decisions."""
    from .services import agreement_councils

    decisions = list(version.council_decisions.select_related("region", "municipality"))
    by_region = {d.region_id: d for d in decisions if d.region_id}
    by_municipality = {d.municipality_id: d for d in decisions if d.municipality_id}
    rows = []
    for council in agreement_councils(version.agreement):
        if isinstance(council, Region):
            rows.append(BoardRow(council, True, by_region.get(council.pk)))
        else:
            rows.append(BoardRow(council, False, by_municipality.get(council.pk)))
    return ApprovalBoard(version, rows)


def approval_version(*, agreement: Agreement, user: Any, ref: str = "") -> AgreementVersion | None:
    """The version an approval board shows: the one asked for, else the newest significant one
    the councils have been asked to approve (public: the newest published significant one;
    a revision that is not significant does not go to the councils)."""
    if ref:
        try:
            return version_get(agreement_slug=agreement.slug, ref=ref, user=user)
        except AgreementVersion.DoesNotExist:
            return None
    qs = AgreementVersion.objects.filter(agreement=agreement)
    if not can_view_drafts(user):
        qs = qs.filter(published_on__isnull=False)
    else:
        qs = qs.exclude(stage__in=[AgreementVersion.Stage.FROZEN,
                                   AgreementVersion.Stage.IN_HEARING])
    qs = qs.order_by("-election_period_start", "-number")
    return qs.filter(significant=True).first() or qs.first()
