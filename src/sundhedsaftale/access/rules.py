"""Permission checks: predicates over (user, action, object), in one place.

Views, the admin, the API and services all ask `can(user, action, obj)` (or `require`, which
raises PermissionDenied). Each app registers its actions with `@rule("app.action")`; a rule is a
plain function (user, obj) -> bool, tested for every role. An action nobody registered is
refused (never allowed by default).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from .models import Role, RoleAssignment

Predicate = Callable[[Any, Any], bool]
_RULES: dict[str, Predicate] = {}


def rule(action: str) -> Callable[[Predicate], Predicate]:
    """Register the predicate for `action` (one per action)."""

    def register(pred: Predicate) -> Predicate:
        if action in _RULES and _RULES[action] is not pred:
            raise ValueError(f"a rule for {action!r} is registered already")
        _RULES[action] = pred
        return pred

    return register


def actions() -> list[str]:
    return sorted(_RULES)


def can(user: Any, action: str, obj: Any = None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        pred = _RULES.get(action)
        return bool(pred and getattr(pred, "allows_anonymous", False) and pred(user, obj))
    if user.is_superuser:
        return True
    pred = _RULES.get(action)
    return bool(pred and pred(user, obj))


def require(user: Any, action: str, obj: Any = None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(action)


def roles_of(user: Any, *, on: datetime.date | None = None) -> models.QuerySet[RoleAssignment]:
    """The user's roles valid on `on` (today by default)."""
    on = on or timezone.localdate()
    return RoleAssignment.objects.valid_on(on).filter(user=user)  # type: ignore[attr-defined]


def holds_role(user: Any, roles: str | Role | tuple[str, ...], organisation: models.Model,
               *, on: datetime.date | None = None) -> bool:
    """True if the user holds one of `roles` for exactly `organisation` on `on`."""
    if not getattr(user, "is_authenticated", False):
        return False
    wanted = (roles,) if isinstance(roles, str) else tuple(roles)
    ct = ContentType.objects.get_for_model(type(organisation))
    return roles_of(user, on=on).filter(
        role__in=wanted, organisation_type=ct, organisation_id=organisation.pk).exists()


def organisations_of(user: Any, roles: str | tuple[str, ...], model: type[models.Model],
                     *, on: datetime.date | None = None) -> models.QuerySet:
    """The organisations of kind `model` for which the user holds one of `roles`."""
    wanted = (roles,) if isinstance(roles, str) else tuple(roles)
    ct = ContentType.objects.get_for_model(model)
    ids = roles_of(user, on=on).filter(role__in=wanted, organisation_type=ct).values(
        "organisation_id")
    return model._default_manager.filter(pk__in=ids)


def region_role(user: Any, roles: str | tuple[str, ...]) -> bool:
    """True if the user holds one of `roles` for any region (the regional secretariat)."""
    from sundhedsaftale.geography.models import Region

    return organisations_of(user, roles, Region).exists()


# ------------------------------------------------------------------ the access app's own rules

@rule("access.manage_roles")
def manage_roles(user: Any, organisation: Any) -> bool:
    """Grant and revoke roles for `organisation`: the regional secretariat for any
    organisation; an organisation's own secretariat for that organisation only."""
    if user.has_perm("access.add_roleassignment") or region_role(user, Role.SECRETARIAT):
        return True
    return organisation is not None and holds_role(user, Role.SECRETARIAT, organisation)


@rule("access.view_audit")
def view_audit(user: Any, obj: Any) -> bool:
    """Read the audit log: the regional secretariat (and staff with the audit permission)."""
    return user.has_perm("core.view_auditevent") or region_role(user, Role.SECRETARIAT)
