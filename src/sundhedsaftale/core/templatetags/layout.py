"""The shared layout in Django templates: `{% layout "header" %}` renders the same Jinja2 partial
(`jinja2/layout/_header.jinja`) that Jinja2 pages include, so the markup has one source."""

from __future__ import annotations

from django import template

from sundhedsaftale.core.jinja import chrome

register = template.Library()


@register.simple_tag(takes_context=True)
def layout(context: template.Context, part: str) -> str:
    return chrome(part, context.get("request"), context.get("section") or "",
                  context.get("query") or "")
