"""Template tags of the ways in: the citizen page of a focus area, for a link to it."""

from __future__ import annotations

from typing import Any

from django import template

from sundhedsaftale.agreements.selectors import can_view_drafts

from ..models import CitizenPage

register = template.Library()


@register.simple_tag(takes_context=True)
def citizen_page_of(context: template.Context, focus_area: Any) -> CitizenPage | None:
    """The focus area's citizen page if this visitor may open it: published, or any for staff
    who read drafts. `focus_area` is a live row or a published version's node (same pk)."""
    request = context.get("request")
    pages = CitizenPage.objects.filter(focus_area_id=focus_area.pk)
    if request is None or not can_view_drafts(request.user):
        pages = pages.published()
    return pages.first()
