"""Writes to the responsibility catalogue, each one transaction with an audit event."""

from __future__ import annotations

from typing import Any

from sundhedsaftale.access.rules import require
from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.services import content_save, content_update, service

from .models import Responsibility


def _check(by: Any | None) -> None:
    if by is not None:
        require(by, "responsibilities.edit")


@service
def responsibility_create(*, by: Any | None, **fields: Any) -> Responsibility:
    """A new catalogue entry (unpublished unless is_published=True is given)."""
    _check(by)
    entry = Responsibility(**fields)
    content_save(instance=entry, by=by)
    audit_record(actor=by, action="responsibilities.responsibility.create", obj=entry,
                 changes={"task": entry.task, "sector": entry.sector,
                          "is_published": entry.is_published})
    return entry


@service
def responsibility_update(*, responsibility: Responsibility, by: Any | None,
                          reason: str = "", **fields: Any) -> Responsibility:
    """Change fields of an entry; the audit event lists each change (before -> after)."""
    _check(by)
    before = {name: getattr(responsibility, name) for name in fields}
    entry, changed = content_update(instance=responsibility, by=by, reason=reason, **fields)
    if changed:
        audit_record(actor=by, action="responsibilities.responsibility.update", obj=entry,
                     note=reason, changes={
                         name: {"before": str(before[name]), "after": str(getattr(entry, name))}
                         for name in changed})
    return entry
