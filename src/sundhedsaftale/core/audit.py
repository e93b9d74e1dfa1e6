"""The one audit log: who did what, when, to which object (with before/after where it matters).

Every service records an event with `audit_record`; staff read the log per object and per user
(`events_for_object`, `events_for_user`). Values that could be personal are never put in
`changes` (a CPR number, a response text): name the field instead.
"""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"pk": value.pk, "str": str(value)}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def audit_record(*, actor: Any | None, action: str, obj: models.Model | None = None,
                 changes: dict[str, Any] | None = None, note: str = "") -> AuditEvent:
    """Record one event. `action` is dotted, e.g. "agreements.goal.update",
    "versions.version.freeze"; `changes` maps field -> {"before": .., "after": ..} or any
    JSON-able detail."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    event = AuditEvent(
        actor=user,
        actor_label=str(actor) if actor is not None else "system",
        action=action,
        note=note[:500],
        changes=_jsonable(changes or {}),
    )
    if obj is not None:
        event.content_type = ContentType.objects.get_for_model(type(obj))
        event.object_id = str(obj.pk)
        event.object_label = str(obj)[:300]
    event.save()
    return event


def events_for_object(obj: models.Model) -> models.QuerySet[AuditEvent]:
    ct = ContentType.objects.get_for_model(type(obj))
    return AuditEvent.objects.filter(content_type=ct, object_id=str(obj.pk))


def events_for_user(user: Any) -> models.QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(actor=user)
