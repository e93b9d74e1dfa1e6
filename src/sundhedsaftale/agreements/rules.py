"""Who may do what with agreements (registered in access.rules).

Region-wide content: the regional secretariat (a role for the Region) and staff in the Django
group Sekretariat edit and publish; an editor for the region edits but does not publish;
readers (role or group Læser) read drafts.
"""

from __future__ import annotations

from typing import Any

from sundhedsaftale.access.models import Role
from sundhedsaftale.access.rules import region_role, rule


@rule("agreements.view_draft")
def view_draft(user: Any, obj: Any) -> bool:
    return user.has_perm("agreements.view_agreement") or region_role(
        user, (Role.SECRETARIAT, Role.EDITOR, Role.READER))


@rule("agreements.edit")
def edit(user: Any, obj: Any) -> bool:
    return user.has_perm("agreements.change_agreement") or region_role(
        user, (Role.SECRETARIAT, Role.EDITOR))


@rule("agreements.publish")
def publish(user: Any, obj: Any) -> bool:
    """Moving an approved agreement to published or archived: the secretariat only."""
    return user.has_perm("agreements.change_agreement") or region_role(user, Role.SECRETARIAT)
