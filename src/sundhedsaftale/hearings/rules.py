"""Who may do what with hearings (registered in access.rules).

- hearings.manage: the secretariat (the secretariat role for a region, or the Django group
  Sekretariat used by the admin): create and move hearings, choose parties, register, screen
  and publish responses, read the case file, edit and issue the memo.
- hearings.view_internal: the secretariat and staff readers (editor/reader for a region, group
  Læser): draft hearings and the party table.
- hearings.respond_for_party: a user holding the party_representative role for exactly the
  party's organisation (a municipality's representative answers only for that municipality).
- hearings.respond_public: anyone, also anonymous, in a public hearing that accepts responses.
"""

from __future__ import annotations

from typing import Any

from sundhedsaftale.access.rules import holds_role, region_role, rule
from sundhedsaftale.core.services import READER_GROUP, SECRETARIAT_GROUP


def is_secretariat(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or region_role(user, ("secretariat",))
                or user.groups.filter(name=SECRETARIAT_GROUP).exists())


@rule("hearings.manage")
def manage(user: Any, obj: Any) -> bool:
    return is_secretariat(user)


@rule("hearings.view_internal")
def view_internal(user: Any, obj: Any) -> bool:
    return is_secretariat(user) or bool(
        region_role(user, ("editor", "reader"))
        or user.groups.filter(name=READER_GROUP).exists())


@rule("hearings.respond_for_party")
def respond_for_party(user: Any, party: Any) -> bool:
    if party is None:
        return False
    return holds_role(user, ("party_representative",), party.target)


def respond_public(user: Any, hearing: Any) -> bool:
    return bool(hearing is not None and hearing.is_public and hearing.accepts_responses)


respond_public.allows_anonymous = True  # type: ignore[attr-defined]
rule("hearings.respond_public")(respond_public)
