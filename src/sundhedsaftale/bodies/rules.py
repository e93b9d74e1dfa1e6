"""Who may edit bodies and their members (registered in access.rules).

The regional secretariat (and the Django group Sekretariat) edit every body; a body's own
secretariat edits that body and its memberships only.
"""

from __future__ import annotations

from typing import Any

from sundhedsaftale.access.models import Role
from sundhedsaftale.access.rules import holds_role, region_role, rule


@rule("bodies.edit")
def edit(user: Any, body: Any) -> bool:
    if user.has_perm("bodies.change_body") or region_role(user, Role.SECRETARIAT):
        return True
    return body is not None and holds_role(user, Role.SECRETARIAT, body)


@rule("bodies.delete")
def delete(user: Any, obj: Any) -> bool:
    """Deleting a mistaken body or membership: the regional secretariat."""
    return user.has_perm("bodies.change_body") or region_role(user, Role.SECRETARIAT)
