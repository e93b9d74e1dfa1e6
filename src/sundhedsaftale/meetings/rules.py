"""Who may do what with meetings, items, decisions, minutes and cases.

Roles are held for a `bodies.Body` (access.RoleAssignment with the body as organisation):
- the body's **secretariat** prepares and runs its meetings: creates and edits meetings, moves
  items, changes the meeting's status, records decisions, approves and publishes minutes, imports
  agendas;
- the body's **editor** may edit the text of the items (the case template) but not change the
  status, decide or publish;
- the body's **reader** (e.g. a member) may read closed items.
A role for another body, for a municipality or the region gives nothing here. Superusers may
do everything (access.rules.can).
"""

from __future__ import annotations

from typing import Any

from sundhedsaftale.access.rules import holds_role, organisations_of, rule
from sundhedsaftale.bodies.models import Body


def body_of(obj: Any) -> Body | None:
    """The body an object of this app belongs to (a Body, Meeting, item, annex, decision,
    minutes)."""
    if isinstance(obj, Body):
        return obj
    for path in ("body", "meeting.body", "item.meeting.body"):
        current = obj
        for name in path.split("."):
            current = getattr(current, name, None)
            if current is None:
                break
        if isinstance(current, Body):
            return current
    return None


def _holds(user: Any, roles: tuple[str, ...], obj: Any) -> bool:
    body = body_of(obj)
    return body is not None and holds_role(user, roles, body)


# Values of access.models.Role.
SECRETARIAT = ("secretariat",)
EDITORS = ("secretariat", "editor")
READERS = ("secretariat", "editor", "reader")


@rule("meetings.meeting.create")
def meeting_create(user: Any, obj: Any) -> bool:
    """obj: the Body."""
    return _holds(user, SECRETARIAT, obj)


@rule("meetings.meeting.edit")
def meeting_edit(user: Any, obj: Any) -> bool:
    """Date, place, participants, status, order of the items."""
    return _holds(user, SECRETARIAT, obj)


@rule("meetings.item.edit")
def item_edit(user: Any, obj: Any) -> bool:
    return _holds(user, EDITORS, obj)


@rule("meetings.item.view_closed")
def item_view_closed(user: Any, obj: Any) -> bool:
    return _holds(user, READERS, obj)


@rule("meetings.decision.record")
def decision_record(user: Any, obj: Any) -> bool:
    return _holds(user, SECRETARIAT, obj)


@rule("meetings.minutes.edit")
def minutes_edit(user: Any, obj: Any) -> bool:
    """Write, approve and publish the minutes."""
    return _holds(user, SECRETARIAT, obj)


@rule("meetings.meeting.import")
def meeting_import(user: Any, obj: Any) -> bool:
    """obj: the Body the imported meeting belongs to."""
    return _holds(user, SECRETARIAT, obj)


@rule("meetings.case.edit")
def case_edit(user: Any, obj: Any) -> bool:
    """Cases span bodies: the secretariat of any body may create and link them."""
    return organisations_of(user, SECRETARIAT, Body).exists()
