"""Writes to agreements. Each service is one transaction and records who made the change."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.concurrency import version_check
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


def _update(instance: Any, by: Any | None, action: str, fields: dict[str, Any],
            reason: str = "", base_version: str | None = None) -> Any:
    """Change fields of one content object and audit what changed (before -> after)."""
    if base_version is not None:
        version_check(instance=instance, token=base_version, yours=fields)
    before = {name: getattr(instance, name) for name in fields}
    instance, changed = content_update(instance=instance, by=by, reason=reason, **fields)
    if changed:
        audit_record(actor=by, action=action, obj=instance, note=reason, changes={
            name: {"before": before[name], "after": getattr(instance, name)}
            for name in changed})
    return instance


@service
def agreement_update(*, agreement: Agreement, by: Any | None, base_version: str | None = None,
                     **fields: Any) -> Agreement:
    """Change an agreement's fields; the status only through agreement_status_set."""
    if "status" in fields:
        raise ValueError("use agreement_status_set to change the status")
    return _update(agreement, by, "agreements.agreement.update", fields,
                   base_version=base_version)


# Allowed status changes: (from, to) -> the action (access rule) the user must be allowed.
# (Plain strings: the values of Agreement.Status.)
STATUS_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "hearing"): "agreements.edit",
    ("hearing", "draft"): "agreements.edit",
    ("hearing", "approved"): "agreements.edit",
    ("draft", "approved"): "agreements.edit",
    ("approved", "draft"): "agreements.edit",
    ("approved", "published"): "agreements.publish",
    ("published", "archived"): "agreements.publish",
    ("archived", "published"): "agreements.publish",
}


def agreement_status_targets(agreement: Agreement) -> list[str]:
    """The statuses the agreement may move to from its current one."""
    return [to for (frm, to) in STATUS_TRANSITIONS if frm == agreement.status]


@service
def agreement_status_set(*, agreement: Agreement, status: str, by: Any | None) -> Agreement:
    """Move an agreement along STATUS_TRANSITIONS (draft -> hearing -> approved -> published
    -> archived). A move the table does not allow, or that the user may not make, is refused
    with a ValidationError or PermissionDenied in Danish."""
    from sundhedsaftale.access.rules import can

    if status not in Agreement.Status.values:
        raise ValidationError(_("Unknown status “%(status)s”.") % {"status": status})
    current = Agreement.objects.select_for_update().get(pk=agreement.pk).status
    if current == status:
        return agreement
    action = STATUS_TRANSITIONS.get((current, status))
    if action is None:
        allowed = ", ".join(str(Agreement.Status(t).label) for (f, t) in STATUS_TRANSITIONS
                            if f == current)
        raise ValidationError(
            _("An agreement cannot go from “%(current)s” to “%(status)s”. From “%(current)s” "
              "it can go to: %(allowed)s.") % {
                "current": Agreement.Status(current).label,
                "status": Agreement.Status(status).label, "allowed": allowed or "—"},
            code="transition")
    if by is not None and not can(by, action, agreement):
        raise PermissionDenied(
            _("You may not move the agreement from “%(current)s” to “%(status)s”.") % {
                "current": Agreement.Status(current).label,
                "status": Agreement.Status(status).label})
    reason = _("Status changed to %(status)s") % {"status": Agreement.Status(status).label}
    return _update(agreement, by, "agreements.agreement.status", {"status": status},
                   reason=reason)


@service
def vision_update(*, vision: Vision, by: Any | None, base_version: str | None = None,
                  **fields: Any) -> Vision:
    return _update(vision, by, "agreements.vision.update", fields, base_version=base_version)


@service
def principle_update(*, principle: Principle, by: Any | None, base_version: str | None = None,
                     **fields: Any) -> Principle:
    return _update(principle, by, "agreements.principle.update", fields,
                   base_version=base_version)


@service
def focus_area_update(*, focus_area: FocusArea, by: Any | None,
                      base_version: str | None = None, **fields: Any) -> FocusArea:
    return _update(focus_area, by, "agreements.focus_area.update", fields,
                   base_version=base_version)


@service
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
    content_save(instance=goal, by=by)
    audit_record(actor=by, action="agreements.goal.create", obj=goal,
                 changes={"title": title, "parent": str(parent)})
    return goal


@service
def goal_update(*, goal: Goal, by: Any | None, base_version: str | None = None,
                **fields: Any) -> Goal:
    """Change a goal's fields (title, summary, number, slug, parent) as user `by`. With
    `base_version` (core.concurrency.version_token) a change based on a stale goal is
    refused."""
    return _update(goal, by, "agreements.goal.update", fields, base_version=base_version)


@service
def initiative_update(*, initiative: Initiative, by: Any | None,
                      base_version: str | None = None, **fields: Any) -> Initiative:
    return _update(initiative, by, "agreements.initiative.update", fields,
                   base_version=base_version)


@service
def agreement_parties_set(*, agreement: Agreement, municipalities: Iterable[Municipality],
                          by: Any | None) -> Agreement:
    """Set the municipalities that are parties to the agreement (kept in its history)."""
    wanted = list(municipalities)
    before = sorted(str(m) for m in agreement.party_municipalities.all())
    agreement._history_user = by  # type: ignore[attr-defined]
    agreement.party_municipalities.set(wanted)
    after = sorted(str(m) for m in wanted)
    if before != after:
        audit_record(actor=by, action="agreements.agreement.parties", obj=agreement,
                     changes={"party_municipalities": {"before": before, "after": after}})
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
