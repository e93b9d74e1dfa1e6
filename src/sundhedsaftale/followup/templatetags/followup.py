"""Template helpers of the followup app: Danish number formatting, hidden cells, and the
"Opfølgning" sections the portal's cluster, municipality and goal pages include."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import template
from django.core.signals import setting_changed
from django.utils import translation
from django.utils.formats import get_format, number_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.core.jinja import render_partial

from .. import selectors

register = template.Library()

TREND_WORDS = {"up": _("stigende"), "down": _("faldende"), "flat": _("uændret"),
               "": _("ukendt")}
TRACK_WORDS = {"reached": _("Målet er nået"), "on_track": _("På rette vej"),
               "off_track": _("Ikke på rette vej"), "unknown": _("Kan ikke vurderes endnu")}
TRACK_MARKS = {"reached": "✔", "on_track": "↗", "off_track": "✖", "unknown": "?"}


@functools.lru_cache(maxsize=16)
def _separators(language: str) -> tuple[str, str] | None:
    """The language's decimal and thousand separators, to put in place of Python's own in
    "1,234.5"; None where grouping is not by threes (then Django formats)."""
    if get_format("NUMBER_GROUPING", language, use_l10n=True) != 3:
        return None
    return (str(get_format("DECIMAL_SEPARATOR", language, use_l10n=True)),
            str(get_format("THOUSAND_SEPARATOR", language, use_l10n=True)))


setting_changed.connect(lambda **_kwargs: _separators.cache_clear(), weak=False,
                        dispatch_uid="followup.num.separators")


@register.filter
def num(value: Any, decimals: int = 1) -> str:
    """A figure in Danish notation; empty for None (hidden cells are shown by `cell`).

    The same text as Django's number_format (grouped, the language's separators) for a
    fraction of its cost: a page formats hundreds of figures."""
    return number_formatter()(value, decimals)


_SPECS = {0: ",.0f", 1: ",.1f", 2: ",.2f"}


def number_formatter() -> Callable[[Any, int], str]:
    """`num` with the current language's separators looked up once, for code that formats a
    table's figures in a loop: `fmt = number_formatter(); fmt(12.34, 1)` -> "12,3"."""
    separators = _separators(translation.get_language() or "")
    decimal, thousand = separators or (".", ",")
    swap = (decimal, thousand) != (".", ",")

    def fmt(value: Any, decimals: int = 1) -> str:
        if value is None or value == "":
            return ""
        number = value if type(value) is float else float(value)
        if separators is None or not -math.inf < number < math.inf:
            places = int(decimals)
            rounded = Decimal(f"{number:.{places}f}")  # round half to even, then format
            return number_format(rounded, decimal_pos=places, use_l10n=True,
                                 force_grouping=True)
        text = format(number, _SPECS.get(decimals) or f",.{int(decimals)}f")
        if text[0] == "-" and not text.strip("-0.,"):
            text = text[1:]  # as Django: a figure that rounds to zero has no sign
        if swap:  # str.replace three times is faster than str.translate
            text = text.replace(",", "\0").replace(".", decimal).replace("\0", thousand)
        return text

    return fmt


def hidden_cell() -> str:
    """The mark of a hidden cell (`cell` shows it for a suppressed row)."""
    return format_html('<span class="hidden-cell">{}</span>', gettext("diskretioneret"))


@register.filter
def cell(row: Any) -> str:
    """{{ row|cell }}: a row's value in Danish notation, "diskretioneret" for a hidden cell, "–"
    for no value. A filter, not an included template: tables call it once per row."""
    if row is None or row == "":
        return "–"
    # A Row, or a report's frozen row (a dict), as the template's row.value would read it.
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name, None)
    if get("suppressed"):
        return hidden_cell()
    value = get("value")
    return "–" if value is None else num(value)


@register.filter
def trend_word(value: str) -> str:
    return str(TREND_WORDS.get(value or "", TREND_WORDS[""]))


@register.filter
def track_word(value: str) -> str:
    return str(TRACK_WORDS.get(value, value))


@register.filter
def track_mark(value: str) -> str:
    return TRACK_MARKS.get(value, "?")


@register.simple_tag(takes_context=True)
def followup_area(context: template.Context, level: str, code: str) -> str:
    """{% followup_area "municipality" municipality.code %}: the area's figures beside the
    region (`followup/_area_section.jinja`; Jinja2 pages include it with `figures`)."""
    return render_partial("followup/_area_section.jinja",
                          {"figures": selectors.area_followup(level=level, code=code),
                           "level": level}, context.get("request"))


@register.inclusion_tag("followup/_goal_section.html")
def followup_goal(goal: Any) -> dict[str, Any]:
    """{% followup_goal goal %}: measures with baseline, target, latest value and progress.

    `goal` is a live Goal or a goal of a published version (which carries the live pk)."""
    from sundhedsaftale.agreements.models import Goal

    if not isinstance(goal, Goal):
        goal = Goal.objects.filter(pk=getattr(goal, "pk", None)).first()
    if goal is None:
        return {"measures": [], "progress": None}
    return selectors.goal_followup(goal=goal)
