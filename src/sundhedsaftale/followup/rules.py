"""Who may do what in the followup app (registered in the access rule registry).

- The regional secretariat (role `secretariat` for the region) and users of the Django group
  "Sekretariat" edit the catalogue, publish and withdraw runs, set goal measures and draft and
  issue status reports.
- An initiative's owners' staff (role secretariat or editor for the owning body, health
  cluster or municipality) add progress entries and milestones to that initiative only.
"""

from __future__ import annotations

from typing import Any

from sundhedsaftale.access.rules import holds_role, region_role, rule

SECRETARIAT_GROUP = "Sekretariat"


def is_secretariat(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if region_role(user, "secretariat"):
        return True
    return user.groups.filter(name=SECRETARIAT_GROUP).exists()


def _secretariat(user: Any, obj: Any) -> bool:
    return is_secretariat(user)


rule("followup.catalogue.edit")(_secretariat)
rule("followup.run.publish")(_secretariat)
rule("followup.measure.edit")(_secretariat)
rule("followup.report.edit")(_secretariat)
rule("followup.report.issue")(_secretariat)


def initiative_owners(initiative: Any) -> list[Any]:
    owners = [o for o in (initiative.owner_body, initiative.owner_cluster) if o is not None]
    owners += [link.municipality for link in
               initiative.municipality_owners.select_related("municipality")]
    return owners


@rule("followup.progress.add")
def can_add_progress(user: Any, initiative: Any) -> bool:
    if is_secretariat(user):
        return True
    if initiative is None:
        return False
    return any(holds_role(user, ("secretariat", "editor"), owner)
               for owner in initiative_owners(initiative))


@rule("followup.staff.view")
def can_view_staff(user: Any, obj: Any) -> bool:
    return is_secretariat(user) or region_role(user, ("reader", "editor"))
