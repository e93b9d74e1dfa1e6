"""`{% dated_url 'portal:cluster_detail' code %}`: a link to another dated page that keeps the
visitor's ?dato= (portal.dating), so following links never changes the date silently."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from sundhedsaftale.portal.dating import dating

register = template.Library()


@register.simple_tag(takes_context=True)
def dated_url(context: template.Context, name: str, *args: Any) -> str:
    url = reverse(name, args=args)
    request = context.get("request")
    if request is None:
        return url
    return url + dating(request).query
