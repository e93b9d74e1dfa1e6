"""`{% structure_warning as gap %}`: the coming gap in the structure (geography.transition), for
staff allowed to set up the successor; None for everyone else and when there is no gap."""

from __future__ import annotations

from typing import Any

from django import template

from sundhedsaftale.access.rules import can
from sundhedsaftale.geography.transition import StructureGap, structure_gap, today

register = template.Library()


@register.simple_tag(takes_context=True)
def structure_warning(context: template.Context) -> StructureGap | None:
    request: Any = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not can(user, "geography.successor.create"):
        return None
    return structure_gap(today=today())
