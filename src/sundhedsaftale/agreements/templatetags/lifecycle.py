"""Template helpers of the agreement lifecycle pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`mapping|get_item:key` (empty string when absent)."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


# Snapshot item kinds as readers know them (Danish msgids, as the portal's templates).
ITEM_KINDS = {
    "vision": _("vision"), "principle": _("princip"), "focus_area": _("fokusområde"),
    "goal": _("mål"), "initiative": _("indsats"), "annex": _("bilag"),
    "follow_up_source": _("opfølgningskilde"),
}


@register.filter
def item_kind(kind: str) -> str:
    """The name of a snapshot item's kind ("initiative" -> "indsats")."""
    return str(ITEM_KINDS.get(kind, kind))
