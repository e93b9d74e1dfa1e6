"""Who may edit the organisation's geography (registered in access.rules).

The regional secretariat (and the Django group Sekretariat) edit everything; a municipality's
own secretariat or editor edit that municipality only (its name, source, districts).
"""

from __future__ import annotations

from typing import Any

from sundhedsaftale.access.models import Role
from sundhedsaftale.access.rules import holds_role, region_role, rule


def _regional(user: Any) -> bool:
    return user.has_perm("geography.change_municipality") or region_role(user, Role.SECRETARIAT)


@rule("geography.edit")
def edit(user: Any, obj: Any) -> bool:
    return _regional(user)


@rule("geography.municipality.edit")
def municipality_edit(user: Any, municipality: Any) -> bool:
    if _regional(user):
        return True
    return municipality is not None and holds_role(
        user, (Role.SECRETARIAT, Role.EDITOR), municipality)


@rule("geography.successor.create")
def successor_create(user: Any, obj: Any) -> bool:
    """Set up (and publish) the successor structure copied from the areas that end: the
    regional secretariat only, since it changes every municipality's area."""
    return _regional(user)


@rule("geography.delete")
def delete(user: Any, obj: Any) -> bool:
    """Deleting a mistaken row (a membership, a district): the regional secretariat."""
    return _regional(user)
