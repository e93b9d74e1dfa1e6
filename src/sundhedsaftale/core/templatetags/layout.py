"""The shared layout in Django templates: `{% layout "header" %}` renders the same Jinja2 partial
(`jinja2/layout/_header.jinja`) that Jinja2 pages include, so the markup has one source."""

from __future__ import annotations

from django import template

from sundhedsaftale.core.jinja import render_partial

register = template.Library()

PARTS = {"head": "layout/_head.jinja", "header": "layout/_header.jinja",
         "footer": "layout/_footer.jinja"}


@register.simple_tag(takes_context=True)
def layout(context: template.Context, part: str) -> str:
    request = context.get("request")
    return render_partial(PARTS[part], {"section": context.get("section") or "",
                                        "query": context.get("query") or ""}, request)
