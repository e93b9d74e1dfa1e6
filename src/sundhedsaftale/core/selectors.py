"""Reads shared by all apps: the change history of a record."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any
    old_display: str = ""
    """The old value as people read it: the related record's name, a choice's label."""
    new_display: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    time: datetime.datetime
    user: str
    """The user's username, or "" when the change was made outside a logged-in session."""
    kind: str
    """"+" created, "~" changed, "-" deleted (django-simple-history's history_type)."""
    changes: list[FieldChange] = field(default_factory=list)
    reason: str = ""

    @property
    def kind_label(self) -> str:
        from django.utils.translation import gettext as _

        return {"+": _("created"), "~": _("changed"), "-": _("deleted")}.get(self.kind, self.kind)


def _display(model_field: Any, value: Any) -> str:
    if value is None or value == "":
        return ""
    if model_field.many_to_many:
        # simple_history gives the through rows as dicts; name the linked records.
        from simple_history.utils import get_m2m_reverse_field_name

        target = get_m2m_reverse_field_name(model_field)
        ids = [row[target] for row in value]
        names = sorted(str(o) for o in model_field.related_model.objects.filter(pk__in=ids))
        return ", ".join(names)
    if model_field.is_relation and model_field.related_model is not None:
        related = model_field.related_model.objects.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


def history_for(*, instance: models.Model) -> list[HistoryEntry]:
    """The record's history, newest first: time, user and the fields changed (old → new).

    The first entry (creation) lists no changes; later entries list only the fields that differ
    from the version before.
    """
    records = list(instance.history.select_related("history_user").order_by("-history_date",
                                                                              "-history_id"))
    meta = instance._meta
    entries: list[HistoryEntry] = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes: list[FieldChange] = []
        if previous is not None:
            delta = record.diff_against(previous)
            for change in delta.changes:
                try:
                    model_field = meta.get_field(change.field)
                except FieldDoesNotExist:  # a field removed since
                    changes.append(FieldChange(change.field, change.field, change.old,
                                               change.new, str(change.old), str(change.new)))
                    continue
                changes.append(FieldChange(
                    change.field, str(model_field.verbose_name), change.old, change.new,
                    _display(model_field, change.old), _display(model_field, change.new)))
        user = record.history_user.get_username() if record.history_user else ""
        entries.append(HistoryEntry(time=record.history_date, user=user,
                                    kind=record.history_type, changes=changes,
                                    reason=record.history_change_reason or ""))
    return entries
