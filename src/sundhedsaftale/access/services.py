"""Writes of the access app: granting and revoking roles (audited)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.services import service

from .models import Role, RoleAssignment
from .rules import require


@service
def role_grant(*, user: Any, role: str | Role, organisation: models.Model, by: Any | None,
               valid_from: datetime.date | None = None,
               valid_to: datetime.date | None = None) -> RoleAssignment:
    """Give `user` a role for `organisation` (by=None: the system, e.g. the demo loader).
    The granting user must be allowed access.manage_roles for that organisation."""
    if by is not None:
        require(by, "access.manage_roles", organisation)
    assignment = RoleAssignment(
        user=user, role=str(role),
        organisation_type=ContentType.objects.get_for_model(type(organisation)),
        organisation_id=organisation.pk, valid_from=valid_from, valid_to=valid_to,
        granted_by=by if getattr(by, "is_authenticated", False) else None)
    assignment.full_clean()
    assignment.save()
    audit_record(actor=by, action="access.role.grant", obj=assignment,
                 changes={"user": str(user), "role": str(role),
                          "organisation": str(organisation)})
    return assignment


@service
def role_revoke(*, assignment: RoleAssignment, by: Any | None,
                on: datetime.date | None = None) -> RoleAssignment:
    """End a role: valid_to is set to `on` (yesterday by default), the row stays for history."""
    if by is not None:
        require(by, "access.manage_roles", assignment.organisation)
    end = on or (timezone.localdate() - datetime.timedelta(days=1))
    assignment.valid_to = end
    assignment.save(update_fields=["valid_to"])
    audit_record(actor=by, action="access.role.revoke", obj=assignment,
                 changes={"valid_to": end.isoformat()})
    return assignment
