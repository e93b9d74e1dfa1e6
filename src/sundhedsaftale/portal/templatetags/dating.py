"""`{% dated_url 'portal:cluster_detail' code %}`: a link to another dated page that keeps the
visitor's ?dato= (portal.dating), so following links never changes the date silently;
`{% dating_form %}`: the "Vis pr. dato" form (`jinja2/layout/_dating.jinja`, shared with Jinja2
pages, which call `dated_url` as a function)."""

from __future__ import annotations

from typing import Any

from django import template

from sundhedsaftale.core.jinja import render_partial, url
from sundhedsaftale.portal.dating import dating

register = template.Library()


def dated(request: Any, name: str, *args: Any) -> str:
    href = url(name, *args)  # reverse(), memoised per language and script prefix
    return href if request is None else href + dating(request).query


@register.simple_tag(takes_context=True)
def dated_url(context: template.Context, name: str, *args: Any) -> str:
    return dated(context.get("request"), name, *args)


@register.simple_tag(takes_context=True)
def dating_form(context: template.Context) -> str:
    request = context.get("request")
    return render_partial("layout/_dating.jinja", {"dating": context.get("dating")}, request)
