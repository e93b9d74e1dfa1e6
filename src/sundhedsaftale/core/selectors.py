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
                    label = str(meta.get_field(change.field).verbose_name)
                except FieldDoesNotExist:  # a field removed since
                    label = change.field
                changes.append(FieldChange(change.field, label, change.old, change.new))
        user = record.history_user.get_username() if record.history_user else ""
        entries.append(HistoryEntry(time=record.history_date, user=user,
                                    kind=record.history_type, changes=changes,
                                    reason=record.history_change_reason or ""))
    return entries
