"""Writes shared by all apps: save a content record as a named user, with history."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction

M = TypeVar("M", bound=models.Model)
P = ParamSpec("P")
R = TypeVar("R")

# Depth of nested service calls in this thread/task; > 0 means "inside a service".
_SERVICE_DEPTH: contextvars.ContextVar[int] = contextvars.ContextVar("service_depth", default=0)


def service(func: Callable[P, R]) -> Callable[P, R]:
    """Mark `func` as a service: the one write path. It runs in its own transaction (nested
    services join the outer one) and model writes made inside it are allowed by the write guard.

    Services are named `<noun>_<verb>`, take keyword-only arguments and record an audit event
    (`sundhedsaftale.core.audit.audit_record`) for what they change. Side effects that others
    must hear about (mail, cache) are registered with `transaction.on_commit`.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        token = _SERVICE_DEPTH.set(_SERVICE_DEPTH.get() + 1)
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        finally:
            _SERVICE_DEPTH.reset(token)

    wrapper.is_service = True  # type: ignore[attr-defined]
    return wrapper


def in_service() -> bool:
    """True while a function decorated with @service is running (in this thread/task)."""
    return _SERVICE_DEPTH.get() > 0


def content_save(*, instance: M, by: Any | None, reason: str = "", validate: bool = True) -> M:
    """Validate and save `instance`, recording `by` (a user) and `reason` in its history.

    validate=False is for callers that validated already (the admin's forms).
    """
    fill_defaults = getattr(instance, "fill_defaults", None)
    if fill_defaults is not None:
        fill_defaults()
    if validate:
        instance.full_clean()
    if hasattr(type(instance), "history"):
        instance._history_user = by  # type: ignore[attr-defined]
        if reason:
            instance._change_reason = reason  # type: ignore[attr-defined]
    with transaction.atomic():
        instance.save()
    return instance


def content_update(*, instance: M, by: Any | None, reason: str = "",
                   **fields: Any) -> tuple[M, list[str]]:
    """Set `fields` on `instance` and save it if anything changed; returns the changed names.

    Unknown field names raise ValueError so a typo never passes silently.
    """
    changed: list[str] = []
    for name, value in fields.items():
        try:
            field = instance._meta.get_field(name)
        except FieldDoesNotExist as exc:
            raise ValueError(f"{type(instance).__name__} has no field {name!r}") from exc
        if field.is_relation and (value is None or isinstance(value, models.Model)):
            current = getattr(instance, field.attname)
            compare = value.pk if value is not None else None
        else:
            current = getattr(instance, name)
            compare = value
        if current != compare:
            setattr(instance, name, value)
            changed.append(name)
    if changed:
        content_save(instance=instance, by=by, reason=reason)
    return instance, changed


# ------------------------------------------------------------------ generic content services
# The admin (core.admin.ServiceAdmin) saves every model through these, unless the model admin
# names a domain service of its own.


def _action(instance: models.Model, verb: str) -> str:
    return f"{instance._meta.app_label}.{instance._meta.model_name}.{verb}"


def _require_perm(by: Any | None, instance: models.Model, perm: str) -> None:
    """`by=None` is the system (a command, the demo loader); a user needs the model permission."""
    from django.contrib.auth import get_permission_codename
    from django.core.exceptions import PermissionDenied

    if by is None:
        return
    codename = get_permission_codename(perm, instance._meta)
    if not by.has_perm(f"{instance._meta.app_label}.{codename}"):
        raise PermissionDenied(f"{instance._meta.label}: {perm}")


def _form_changes(form: Any) -> dict[str, Any]:
    return {name: {"before": form.initial.get(name), "after": form.cleaned_data.get(name)}
            for name in form.changed_data}


def _formset_changes(formsets: Iterable[Any]) -> dict[str, Any]:
    """Save inline formsets; return what they created, changed and deleted (for the audit)."""
    changes: dict[str, Any] = {}
    for formset in formsets:
        formset.save()
        prefix = formset.prefix
        if formset.new_objects:
            changes[f"{prefix}.created"] = [str(o) for o in formset.new_objects]
        if formset.changed_objects:
            changes[f"{prefix}.changed"] = {str(o): fields
                                            for o, fields in formset.changed_objects}
        if formset.deleted_objects:
            changes[f"{prefix}.deleted"] = [str(o) for o in formset.deleted_objects]
    return changes


@service
def content_create(*, instance: M, by: Any | None, reason: str = "") -> M:
    """Validate and save a new object, audited (for models without a service of their own)."""
    from .audit import audit_record

    _require_perm(by, instance, "add")
    content_save(instance=instance, by=by, reason=reason)
    audit_record(actor=by, action=_action(instance, "create"), obj=instance, note=reason)
    return instance


@service
def content_form_save(*, form: Any, by: Any | None, change: bool, formsets: Iterable[Any] = (),
                      base_version: str | None = None, reason: str = "") -> models.Model:
    """Save a validated model form with its many-to-many fields and inline formsets, as one
    audited write. A change must be based on the current version (`base_version`, see
    core.concurrency); a stale one is refused with StaleVersionError and nothing is saved."""
    from .audit import audit_record
    from .concurrency import version_check

    instance = form.instance
    _require_perm(by, instance, "change" if change else "add")
    if change:
        version_check(instance=instance, token=base_version, yours=form.cleaned_data)
    changes = _form_changes(form)
    content_save(instance=instance, by=by, reason=reason, validate=False)
    if hasattr(form, "save_m2m"):
        form.save_m2m()
        form.save_m2m = lambda: None  # done; a second call by the admin must not write again
    else:
        form._save_m2m()
    changes.update(_formset_changes(formsets))
    if change and not changes:
        return instance
    audit_record(actor=by, action=_action(instance, "update" if change else "create"),
                 obj=instance, changes=changes, note=reason)
    return instance


@service
def content_revert(*, form: Any, by: Any | None, history_id: int | str,
                   base_version: str | None = None) -> models.Model:
    """Save a historical version of an object (the admin's history form) as its current state.
    Needs the change permission, like any edit, and the current version as base."""
    from .audit import audit_record
    from .concurrency import version_check

    instance = form.instance
    _require_perm(by, instance, "change")
    version_check(instance=instance, token=base_version)
    changes = _form_changes(form)
    content_save(instance=instance, by=by, reason=f"revert to history {history_id}",
                 validate=False)
    if hasattr(form, "save_m2m"):
        form.save_m2m()
        form.save_m2m = lambda: None
    audit_record(actor=by, action=_action(instance, "revert"), obj=instance,
                 changes={"history_id": history_id, **changes})
    return instance


# Apps register why an object may not be deleted (published material can only be withdrawn):
# functions instance -> a sentence for staff, or None. See agreements.deletion.
DELETION_REFUSALS: list[Callable[[models.Model], str | None]] = []


def deletion_refusal(instance: models.Model) -> str | None:
    """Why `instance` may not be deleted whoever asks (a Danish sentence), or None."""
    for check in DELETION_REFUSALS:
        reason = check(instance)
        if reason:
            return reason
    return None


def _require_delete(by: Any | None, instance: models.Model) -> None:
    """The model's delete permission, or the app's delete rule ("<app>.delete", e.g. the
    secretariat deleting a draft agreement's parts)."""
    from django.contrib.auth import get_permission_codename
    from django.core.exceptions import PermissionDenied

    from sundhedsaftale.access.rules import can

    if by is None:
        return
    codename = get_permission_codename("delete", instance._meta)
    if by.has_perm(f"{instance._meta.app_label}.{codename}"):
        return
    if can(by, f"{instance._meta.app_label}.delete", instance):
        return
    raise PermissionDenied(f"{instance._meta.label}: delete")


@service
def content_delete(*, instance: models.Model, by: Any | None, reason: str = "") -> None:
    """Delete an object (its history keeps the last version), audited.

    Refused with a ValidationError (a Danish sentence, nothing deleted, no audit entry) when
    the object is published material (see `deletion_refusal`) or other rows still point to
    it; PermissionDenied without the model's delete permission or the app's delete rule."""
    from django.core.exceptions import ValidationError
    from django.db.models.deletion import ProtectedError, RestrictedError
    from django.utils.translation import gettext as _

    from .audit import audit_record

    refusal = deletion_refusal(instance)
    if refusal:
        raise ValidationError(refusal)
    _require_delete(by, instance)
    if hasattr(type(instance), "history"):
        instance._history_user = by  # type: ignore[attr-defined]
    audit_record(actor=by, action=_action(instance, "delete"), obj=instance, note=reason)
    try:
        with transaction.atomic():
            instance.delete()
    except (ProtectedError, RestrictedError):
        raise ValidationError(
            _("»%(object)s« kan ikke slettes, fordi andre oplysninger henviser til den. "
              "Fjern dem først.") % {"object": instance}) from None


@service
def login_lockout_record(*, username: str, ip_address: str) -> None:
    """Write a lock-out by django-axes to the audit log (no password, only who and where)."""
    from .audit import audit_record

    audit_record(actor=None, action="access.login.lockout",
                 changes={"username": username[:150], "ip_address": ip_address[:45]},
                 note="too many failed logins")


# ------------------------------------------------------------------ groups and demo users

SECRETARIAT_GROUP = "Sekretariat"
READER_GROUP = "Læser"
CONTENT_APPS = ("geography", "bodies", "agreements", "access", "responsibilities", "outreach")


def groups_ensure() -> dict[str, Any]:
    """Create or refresh the groups: Sekretariat (add, change and view on organisation and
    agreement content) and Læser (view only, which also lets them read drafts)."""
    from django.contrib.auth.models import Group, Permission

    content = Permission.objects.filter(content_type__app_label__in=CONTENT_APPS).exclude(
        content_type__model__startswith="historical")
    with transaction.atomic():
        secretariat, _ = Group.objects.get_or_create(name=SECRETARIAT_GROUP)
        secretariat.permissions.set(content.filter(
            codename__regex=r"^(add|change|view)_"))
        # The secretariat reads the audit log.
        secretariat.permissions.add(Permission.objects.get(
            content_type__app_label="core", codename="view_auditevent"))
        reader, _ = Group.objects.get_or_create(name=READER_GROUP)
        reader.permissions.set(content.filter(codename__startswith="view_"))
    return {SECRETARIAT_GROUP: secretariat, READER_GROUP: reader}


def demo_users_ensure(*, reset_passwords: bool = False) -> list[tuple[str, str | None]]:
    """Create the demo staff users `sekretariat` and `laeser` with random passwords.

    Returns (username, password) pairs; the password is None for a user that existed already
    and kept its password (use reset_passwords=True to set new ones).
    """
    import secrets

    from django.contrib.auth import get_user_model

    groups = groups_ensure()
    User = get_user_model()
    result: list[tuple[str, str | None]] = []
    with transaction.atomic():
        for username, group, full_name in (
            ("sekretariat", SECRETARIAT_GROUP, "Demo Sekretariat"),
            ("laeser", READER_GROUP, "Demo Læser"),
        ):
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": full_name, "is_staff": True})
            password: str | None = None
            if created or reset_passwords:
                password = secrets.token_urlsafe(12)
                user.set_password(password)
            user.is_staff = True
            user.save()
            user.groups.set([groups[group]])
            result.append((username, password))
    return result
