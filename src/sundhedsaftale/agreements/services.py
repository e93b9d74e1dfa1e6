"""Writes to agreements. Each service is one transaction and records who made the change."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.services import content_save, content_update, service
from sundhedsaftale.geography.models import Municipality

from .models import (
    Agreement,
    AgreementVersion,
    FocusArea,
    Goal,
    Initiative,
    Principle,
    Vision,
)


@transaction.atomic
def agreement_update(*, agreement: Agreement, by: Any | None, **fields: Any) -> Agreement:
    return content_update(instance=agreement, by=by, **fields)[0]


@transaction.atomic
def agreement_status_set(*, agreement: Agreement, status: str, by: Any | None) -> Agreement:
    """Move an agreement to a status (draft, hearing, approved, published, archived)."""
    if status not in Agreement.Status.values:
        raise ValueError(f"Unknown status {status!r}")
    reason = _("Status changed to %(status)s") % {"status": Agreement.Status(status).label}
    return content_update(instance=agreement, by=by, reason=reason, status=status)[0]


@transaction.atomic
def vision_update(*, vision: Vision, by: Any | None, **fields: Any) -> Vision:
    return content_update(instance=vision, by=by, **fields)[0]


@transaction.atomic
def principle_update(*, principle: Principle, by: Any | None, **fields: Any) -> Principle:
    return content_update(instance=principle, by=by, **fields)[0]


@transaction.atomic
def focus_area_update(*, focus_area: FocusArea, by: Any | None, **fields: Any) -> FocusArea:
    return content_update(instance=focus_area, by=by, **fields)[0]


@transaction.atomic
def goal_create(*, by: Any | None, title: str, focus_area: FocusArea | None = None,
                vision: Vision | None = None, number: int = 0, summary: str = "",
                slug: str = "") -> Goal:
    parent = focus_area or vision
    goal = Goal(title=title, focus_area=focus_area, vision=vision, number=number,
                summary=summary, slug=slug,
                agreement_id=parent.agreement_id if parent is not None else None)
    if not goal.slug:
        from sundhedsaftale.core.text import danish_slugify

        goal.slug = danish_slugify(title)[:100]
    return content_save(instance=goal, by=by)


@transaction.atomic
def goal_update(*, goal: Goal, by: Any | None, **fields: Any) -> Goal:
    """Change a goal's fields (title, summary, number, slug, parent) as user `by`."""
    return content_update(instance=goal, by=by, **fields)[0]


@transaction.atomic
def initiative_update(*, initiative: Initiative, by: Any | None, **fields: Any) -> Initiative:
    return content_update(instance=initiative, by=by, **fields)[0]


@transaction.atomic
def agreement_parties_set(*, agreement: Agreement, municipalities: Iterable[Municipality],
                          by: Any | None) -> Agreement:
    """Set the municipalities that are parties to the agreement (kept in its history)."""
    agreement._history_user = by  # type: ignore[attr-defined]
    agreement.party_municipalities.set(list(municipalities))
    return agreement


@service
def version_freeze(*, agreement: Agreement, by: Any | None, election_period_start: int,
                   entry_into_force: datetime.date | None = None, note: str = "",
                   is_demo: bool = False) -> AgreementVersion:
    """Freeze the live tree of `agreement` as its next version in the election period
    (numbers restart at 1 in each election period)."""
    from .snapshot import agreement_snapshot

    last = (AgreementVersion.objects.select_for_update()
            .filter(agreement=agreement, election_period_start=election_period_start)
            .order_by("-number").first())
    version = AgreementVersion(
        agreement=agreement, election_period_start=election_period_start,
        number=(last.number + 1) if last else 1, entry_into_force=entry_into_force,
        note=note, snapshot=agreement_snapshot(agreement), is_demo=is_demo,
        frozen_by=by if getattr(by, "is_authenticated", False) else None)
    version.full_clean()
    version.save()
    audit_record(actor=by, action="agreements.version.freeze", obj=version,
                 changes={"number": version.number,
                          "election_period": version.election_period_label})
    return version
