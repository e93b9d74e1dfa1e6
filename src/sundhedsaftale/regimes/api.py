"""Read endpoints for agreements, their versions (full content), change lists, coverage and the
councils' approval board, mounted at /api/v1/aftaler/.

Anonymous callers (and users without a role) get published material only: agreements with a
published version and the versions that were published. Staff with a role (session login) get
every version, drafts included.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from sundhedsaftale.agreements import selectors
from sundhedsaftale.agreements.changes import change_list
from sundhedsaftale.agreements.models import Agreement, AgreementVersion, LegalRegime

from .models import Requirement
from .selectors import coverage_matrix

router = Router(tags=["agreements"])


class AgreementOut(Schema):
    slug: str
    title: str
    kind: str
    period_start: str
    period_end: str
    regime: str
    published_version: str | None


class VersionOut(Schema):
    ref: str
    number: int
    election_period: str
    stage: str
    frozen_at: str
    entry_into_force: str | None
    published_on: str | None
    entered_on: str | None
    significant: bool


class VersionFullOut(VersionOut):
    content: dict[str, Any]


class RequirementOut(Schema):
    code: str
    kind: str
    title: str
    text: str
    fingerprint: str


def _user(request: HttpRequest) -> Any:
    return getattr(request, "user", None)


def _version_out(v: AgreementVersion) -> dict[str, Any]:
    return {"ref": v.ref, "number": v.number, "election_period": v.election_period_label,
            "stage": v.stage, "frozen_at": v.frozen_at.isoformat(),
            "entry_into_force": v.entry_into_force.isoformat() if v.entry_into_force else None,
            "published_on": v.published_on.isoformat() if v.published_on else None,
            "entered_on": v.entered_on.isoformat() if v.entered_on else None,
            "significant": v.significant}


def _agreement(request: HttpRequest, slug: str) -> Agreement:
    try:
        return selectors.agreement_for_versions(slug=slug, user=_user(request))
    except Agreement.DoesNotExist:
        raise Http404 from None


def _version(request: HttpRequest, slug: str, ref: str) -> AgreementVersion:
    try:
        return selectors.version_get(agreement_slug=slug, ref=ref, user=_user(request))
    except AgreementVersion.DoesNotExist:
        raise Http404 from None


@router.get("/", response=list[AgreementOut])
def agreements(request: HttpRequest) -> list[dict[str, Any]]:
    if selectors.can_view_drafts(_user(request)):
        items = [(a, selectors.version_published(agreement=a))
                 for a in Agreement.objects.select_related("regime")]
    else:
        items = [(p.live, p.version) for p in selectors.agreement_published_list()]
    return [{"slug": a.slug, "title": v.snapshot["agreement"]["title"] if v else a.title,
             "kind": a.kind, "period_start": a.period_start.isoformat(),
             "period_end": a.period_end.isoformat(), "regime": a.regime.code,
             "published_version": v.ref if v else None} for a, v in items]


@router.get("/regelsaet/{code}/krav/", response=list[RequirementOut])
def requirements(request: HttpRequest, code: str) -> list[Requirement]:
    if not LegalRegime.objects.filter(code=code).exists():
        raise Http404
    return list(Requirement.objects.filter(regime__code=code))


@router.get("/{slug}/versioner/", response=list[VersionOut])
def versions(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    agreement = _agreement(request, slug)
    return [_version_out(v) for v in selectors.version_list(agreement=agreement,
                                                            user=_user(request))]


@router.get("/{slug}/versioner/{ref}/", response=VersionFullOut)
def version(request: HttpRequest, slug: str, ref: str) -> dict[str, Any]:
    v = _version(request, slug, ref)
    return {**_version_out(v), "content": v.snapshot}


@router.get("/{slug}/versioner/{ref}/sammenlign/{other}/")
def version_changes(request: HttpRequest, slug: str, ref: str, other: str) -> dict[str, Any]:
    return change_list(_version(request, slug, other), _version(request, slug, ref)).as_dict()


@router.get("/{slug}/versioner/{ref}/daekning/")
def version_coverage(request: HttpRequest, slug: str, ref: str) -> list[dict[str, Any]]:
    return [row.as_dict() for row in coverage_matrix(version=_version(request, slug, ref))]


@router.get("/{slug}/godkendelse/")
def approval(request: HttpRequest, slug: str, version: str = "") -> dict[str, Any]:
    agreement = _agreement(request, slug)
    v = selectors.approval_version(agreement=agreement, user=_user(request), ref=version)
    if v is None:
        raise Http404
    return selectors.approval_board(version=v).as_dict()
