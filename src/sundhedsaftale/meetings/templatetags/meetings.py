"""`{% load meetings %}{% meetings_about obj %}`: the cases and meetings about an object of
another app (an agreement, goal, hearing, version...), for its page. Renders nothing when there
are none. Only public items and decisions are shown (selectors.case_page)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from ..selectors import about_object

register = template.Library()


@register.inclusion_tag("meetings/_about.html", takes_context=True)
def meetings_about(context: template.Context, obj: models.Model | None,
                   heading_id: str = "sager-og-moeder") -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    about = about_object(obj, user=user) if isinstance(obj, models.Model) else None
    return {"about": about, "heading_id": heading_id, "request": request}
