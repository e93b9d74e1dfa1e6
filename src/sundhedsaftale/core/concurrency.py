"""No lost updates: every edit carries the version of the object it was based on.

A version token is a signed snapshot of the object's field values when the form (or API
response) was made: `version_token(obj)`. A write sends it back; `version_check` compares it with
the row as it is now (locked for the rest of the transaction) and refuses the write with
`StaleVersionError` when anything changed meanwhile, listing each field with the value someone
else saved and the value this user sent. Nothing is overwritten.

Fingerprints need no schema change: any model works, including other apps' models. Use it from
the admin (core.admin.ServiceAdmin does), staff pages and the API:

    token = version_token(goal)                    # put in the form / the API response
    version_check(instance=goal, token=token, yours=form.cleaned_data)   # inside the service
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

SALT = "sundhedsaftale.core.concurrency"
FORM_FIELD = "_base_version"


def version_values(instance: models.Model) -> dict[str, str]:
    """The object's stored field values as strings (foreign keys as primary keys, many-to-many
    as sorted lists of primary keys)."""
    values: dict[str, str] = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key:
            continue
        values[field.name] = field.value_to_string(instance)
    if instance.pk is not None:
        for m2m in instance._meta.many_to_many:
            pks = getattr(instance, m2m.name).values_list("pk", flat=True)
            values[m2m.name] = ",".join(sorted(str(pk) for pk in pks))
    return values


def version_token(instance: models.Model) -> str:
    """A signed token of the object's current values; send it with the edit."""
    return signing.dumps({"m": instance._meta.label_lower, "pk": str(instance.pk),
                          "v": version_values(instance)}, salt=SALT, compress=True)


@dataclass(frozen=True)
class Conflict:
    field: str
    label: str
    theirs: str
    yours: str

    def __str__(self) -> str:
        return _("%(field)s: now “%(theirs)s” (saved by someone else), yours “%(yours)s”") % {
            "field": self.label, "theirs": self.theirs, "yours": self.yours}


class StaleVersionError(ValidationError):
    """The edit was based on an older version of the object; nothing was saved."""

    def __init__(self, conflicts: list[Conflict], message: str | None = None) -> None:
        self.conflicts = conflicts
        if message is None:
            message = _("Someone else saved this while you were editing it, so your changes "
                        "were not saved. Changed meanwhile: %(changes)s. Reload the page to "
                        "edit the current version.") % {
                "changes": "; ".join(str(c) for c in conflicts)}
        super().__init__(message, code="stale")


def _display(instance: models.Model | None, field: models.Field, raw: Any) -> str:
    """A value as a person reads it: choice labels, related objects by name."""
    if raw is None or raw == "":
        return "—"
    if isinstance(raw, models.Model):
        return str(raw)
    if field.many_to_many:
        if isinstance(raw, str):
            pks = [p for p in raw.split(",") if p]
            objects = field.related_model._default_manager.filter(pk__in=pks)
        else:
            objects = list(raw)
        return ", ".join(sorted(str(o) for o in objects)) or "—"
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=raw).first()
        return str(related) if related is not None else str(raw)
    if field.choices:
        return str(dict(field.flatchoices).get(raw, raw))
    text = str(raw)
    return text if len(text) <= 200 else text[:197] + "…"


def version_conflicts(*, instance: models.Model, token: str | None,
                      yours: dict[str, Any] | None = None, lock: bool = False
                      ) -> list[Conflict]:
    """The fields changed since `token` was made (empty: the edit is based on the current
    version). `yours` maps field names to the values being saved (for the message). Raises
    StaleVersionError when the token is missing or not one of ours."""
    if not token:
        raise StaleVersionError([], _("The form did not say which version it was based on; "
                                      "reload the page and make the change again."))
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise StaleVersionError([], _("The form's version could not be read; reload the page "
                                      "and make the change again.")) from None
    model = type(instance)
    if data.get("m") != model._meta.label_lower or data.get("pk") != str(instance.pk):
        raise StaleVersionError([], _("The form belongs to another object; reload the page."))
    queryset = model._default_manager.filter(pk=instance.pk)
    if lock:
        queryset = queryset.select_for_update()
    current = queryset.first()
    if current is None:
        raise StaleVersionError([], _("Someone else deleted this while you were editing it."))
    base: dict[str, str] = data.get("v", {})
    now = version_values(current)
    yours = yours or {}
    conflicts = []
    for name, before in base.items():
        if now.get(name) == before:
            continue
        field = model._meta.get_field(name)
        mine = yours.get(name, before)
        conflicts.append(Conflict(
            field=name, label=str(field.verbose_name),
            theirs=_display(current, field, getattr(current, field.attname)
                            if not field.many_to_many else now[name]),
            yours=_display(None, field, mine)))
    return conflicts


def version_check(*, instance: models.Model, token: str | None,
                  yours: dict[str, Any] | None = None, lock: bool = True) -> None:
    """Refuse (StaleVersionError) unless `token` is the object's current version. Call it
    inside the service, before saving: the row stays locked until the transaction ends."""
    conflicts = version_conflicts(instance=instance, token=token, yours=yours, lock=lock)
    if conflicts:
        raise StaleVersionError(conflicts)
