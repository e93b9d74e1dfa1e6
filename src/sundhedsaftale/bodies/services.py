"""Writes to bodies and their members. Each is a service (one transaction) with an audit
event; the admin uses the generic content services of core (ServiceAdminMixin)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from sundhedsaftale.access.rules import require
from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.concurrency import version_check
from sundhedsaftale.core.services import content_save, content_update, service

from .models import Body, Membership, Organisation


def _require_edit(by: Any | None, body: Body) -> None:
    if by is not None:
        require(by, "bodies.edit", body)


@service
def body_update(*, body: Body, by: Any | None, base_version: str | None = None,
                **fields: Any) -> Body:
    """Change a body's fields; a body's own secretariat may edit it (rule bodies.edit)."""
    _require_edit(by, body)
    if base_version is not None:
        version_check(instance=body, token=base_version, yours=fields)
    before = {name: getattr(body, name) for name in fields}
    body, changed = content_update(instance=body, by=by, **fields)
    if changed:
        audit_record(actor=by, action="bodies.body.update", obj=body, changes={
            name: {"before": before[name], "after": getattr(body, name)} for name in changed})
    return body


@service
def membership_create(*, body: Body, person_name: str, by: Any | None,
                      role: str = "member",
                      organisation: Organisation | None = None,
                      valid_from: datetime.date | None = None,
                      valid_to: datetime.date | None = None, is_synthetic: bool = False,
                      note: str = "") -> Membership:
    """Give a person a seat in a body for a period."""
    _require_edit(by, body)
    membership = Membership(body=body, person_name=person_name, role=role,
                            organisation=organisation, valid_from=valid_from,
                            valid_to=valid_to, is_synthetic=is_synthetic, note=note)
    content_save(instance=membership, by=by)
    audit_record(actor=by, action="bodies.membership.create", obj=membership,
                 changes={"body": str(body), "role": role})
    return membership


@service
def membership_end(*, membership: Membership, by: Any | None, on: datetime.date) -> Membership:
    """End a seat on `on` (the row stays: who sat when is history)."""
    _require_edit(by, membership.body)
    if membership.valid_from and on < membership.valid_from:
        raise ValidationError(_("The end date is before the start date."))
    before = membership.valid_to
    content_update(instance=membership, by=by, valid_to=on)
    audit_record(actor=by, action="bodies.membership.end", obj=membership,
                 changes={"valid_to": {"before": before, "after": on}})
    return membership
