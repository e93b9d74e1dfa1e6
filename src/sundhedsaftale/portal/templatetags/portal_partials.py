"""Django template tags for the portal's Jinja2 partials that Django pages still include
(the population table and the members table), so their markup has one source."""

from __future__ import annotations

from typing import Any

from django import template

from sundhedsaftale.core.jinja import render_partial

register = template.Library()


@register.simple_tag(takes_context=True)
def population_table(context: template.Context, population: Any, caption: str) -> str:
    """{% population_table page.population caption %}: `portal/_population.jinja`."""
    return render_partial("portal/_population.jinja",
                          {"population": population, "caption": caption},
                          context.get("request"))


@register.simple_tag(takes_context=True)
def members_table(context: template.Context, members: Any, body: Any) -> str:
    """{% members_table body.current_memberships body %}: `portal/_members.jinja`."""
    return render_partial("portal/_members.jinja", {"members": members, "body": body},
                          context.get("request"))
