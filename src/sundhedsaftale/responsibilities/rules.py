"""Who may do what with the responsibility catalogue (access registry).

- see unpublished entries: view permission or any role of the region;
- create and change entries: change permission (Django group Sekretariat) or the region's
  secretariat or editor role.
"""

from __future__ import annotations

from typing import Any

from sundhedsaftale.access.models import Role
from sundhedsaftale.access.rules import region_role, rule


@rule("responsibilities.view_draft")
def view_draft(user: Any, obj: Any) -> bool:
    return user.has_perm("responsibilities.view_responsibility") or region_role(
        user, (Role.SECRETARIAT, Role.EDITOR, Role.READER))


@rule("responsibilities.edit")
def edit(user: Any, obj: Any) -> bool:
    return user.has_perm("responsibilities.change_responsibility") or region_role(
        user, (Role.SECRETARIAT, Role.EDITOR))
