"""Who may edit regimes (requirements, steps, deadlines) and link content to requirements."""

from __future__ import annotations

from typing import Any

from sundhedsaftale.access.models import Role
from sundhedsaftale.access.rules import region_role, rule


@rule("regimes.requirement.edit")
def can_edit_requirement(user: Any, obj: Any) -> bool:
    return user.has_perm("regimes.change_requirement") or region_role(user, Role.SECRETARIAT)


@rule("regimes.link.edit")
def can_edit_link(user: Any, obj: Any) -> bool:
    return user.has_perm("agreements.change_agreement") or region_role(user, Role.SECRETARIAT)
