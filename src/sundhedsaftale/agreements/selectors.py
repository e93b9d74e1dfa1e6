"""Reads of agreements. Public reads only ever return published or archived agreements."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet

from .models import (
    Agreement,
    AgreementAnnex,
    FocusArea,
    Goal,
    Initiative,
    LegalRegime,
    Vision,
)

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
