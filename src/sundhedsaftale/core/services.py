"""Writes shared by all apps: save a content record as a named user, with history."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
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


# ------------------------------------------------------------------ groups and demo users

SECRETARIAT_GROUP = "Sekretariat"
READER_GROUP = "Læser"
CONTENT_APPS = ("geography", "bodies", "agreements")


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
