"""Who may do what with agreement versions, approvals and submissions (access registry).

- freeze a version, move it between stages, start an agreement from a version: the
  secretariat (Django group Sekretariat, i.e. change permission on agreements, or the
  secretariat role for a region);
- publish: a separate act with its own permission (`agreements.publish_agreementversion`, not
  in the Sekretariat group) or the region's secretariat role;
- record a council's decision: only staff (secretariat or editor role) of *that* council's
  organisation (a municipality's staff for their own municipality, the region's for the region);
- submit and record the authority's answers: the region's secretariat (or add permission on
  submissions);
- see drafts and preview any version: view permission on agreements or any role.

- edit the live draft (`agreements.edit`): change permission or the region's secretariat/editor
  role; move the old agreement status (`agreements.publish`): the secretariat.
"""

from __future__ import annotations

from typing import Any

from sundhedsaftale.access.models import Role
from sundhedsaftale.access.rules import holds_role, region_role, roles_of, rule

COUNCIL_ROLES: tuple[str, ...] = ("secretariat", "editor")  # Role values


def _secretariat(user: Any) -> bool:
    return user.has_perm("agreements.change_agreement") or region_role(user, Role.SECRETARIAT)


@rule("agreements.version.freeze")
def can_freeze(user: Any, obj: Any) -> bool:
    return _secretariat(user)


@rule("agreements.version.transition")
def can_transition(user: Any, obj: Any) -> bool:
    return _secretariat(user)


@rule("agreements.agreement.start_from_version")
def can_start_from_version(user: Any, obj: Any) -> bool:
    return user.has_perm("agreements.add_agreement") or region_role(user, Role.SECRETARIAT)


@rule("agreements.version.publish")
def can_publish(user: Any, obj: Any) -> bool:
    return (user.has_perm("agreements.publish_agreementversion")
            or region_role(user, Role.SECRETARIAT))


@rule("agreements.draft.view")
def can_view_drafts(user: Any, obj: Any) -> bool:
    return user.has_perm("agreements.view_agreement") or roles_of(user).exists()


@rule("agreements.decision.record")
def can_record_decision(user: Any, council: Any) -> bool:
    """`council` is the Region or Municipality whose decision is recorded."""
    return council is not None and holds_role(user, COUNCIL_ROLES, council)


@rule("agreements.submission.create")
def can_submit(user: Any, obj: Any) -> bool:
    return user.has_perm("agreements.add_submission") or region_role(user, Role.SECRETARIAT)


@rule("agreements.answer.record")
def can_record_answer(user: Any, obj: Any) -> bool:
    return user.has_perm("agreements.add_authorityanswer") or region_role(user, Role.SECRETARIAT)


@rule("agreements.view_draft")
def view_draft(user: Any, obj: Any) -> bool:
    return user.has_perm("agreements.view_agreement") or region_role(
        user, (Role.SECRETARIAT, Role.EDITOR, Role.READER))


@rule("agreements.edit")
def edit(user: Any, obj: Any) -> bool:
    return user.has_perm("agreements.change_agreement") or region_role(
        user, (Role.SECRETARIAT, Role.EDITOR))


@rule("agreements.delete")
def delete(user: Any, obj: Any) -> bool:
    """Deleting a draft agreement or a part of one (a mistake): the secretariat; never
    published material (agreements.deletion), which can only be withdrawn."""
    if not (user.has_perm("agreements.change_agreement") or region_role(user, Role.SECRETARIAT)):
        return False
    from .deletion import deletion_refusal

    return obj is None or deletion_refusal(obj) is None


@rule("agreements.publish")
def publish(user: Any, obj: Any) -> bool:
    """Moving an approved agreement to published or archived: the secretariat only."""
    return user.has_perm("agreements.change_agreement") or region_role(user, Role.SECRETARIAT)


@rule("agreements.annex.upload")
def annex_upload(user: Any, obj: Any) -> bool:
    """Upload a new version of an annex's document: change permission on annexes (group
    Sekretariat) or the region's secretariat or editor role."""
    return user.has_perm("agreements.change_annex") or region_role(
        user, (Role.SECRETARIAT, Role.EDITOR))
