"""Django template names that render a page now written in Jinja2.

`render_to_string("portal/agreement_detail.html", {...})` still finds the agreement page: that
template is one `{% jinja_page %}` tag rendering `portal/agreement_detail.jinja` with the same
context, so the page has one source of markup.
"""

from __future__ import annotations

from django import template

from sundhedsaftale.core.jinja import render_partial

register = template.Library()


@register.simple_tag(takes_context=True)
def jinja_page(context: template.Context, name: str) -> str:
    return render_partial(name, context.flatten(), context.get("request"))
