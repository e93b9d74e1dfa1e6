"""Who may edit contact points and citizen pages (registered in access.rules).

The regional secretariat (and the Django group Sekretariat, through the model permission) edit
every contact point and citizen page; a body's or a health cluster's own secretariat edits that
organisation's contact point only.
"""

from __future__ import annotations

from typing import Any

from sundhedsaftale.access.models import Role
from sundhedsaftale.access.rules import holds_role, region_role, rule


@rule("outreach.contact.edit")
def contact_edit(user: Any, contact_point: Any) -> bool:
    if user.has_perm("outreach.change_contactpoint") or region_role(user, Role.SECRETARIAT):
        return True
    if contact_point is None:
        return False
    owner = contact_point.body or contact_point.cluster
    return owner is not None and holds_role(user, Role.SECRETARIAT, owner)


@rule("outreach.citizen_page.edit")
def citizen_page_edit(user: Any, page: Any) -> bool:
    return user.has_perm("outreach.change_citizenpage") or region_role(user, Role.SECRETARIAT)
