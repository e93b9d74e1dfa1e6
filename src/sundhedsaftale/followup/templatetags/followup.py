"""Template helpers of the followup app: Danish number formatting, hidden cells, and the
"Opfølgning" sections the portal's cluster, municipality and goal pages include."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_noop as noop

from sundhedsaftale.core.jinja import render_partial, translate
from sundhedsaftale.core.numbers import number_formatter
from sundhedsaftale.core.text import escape_text

from .. import selectors

register = template.Library()

TREND_WORDS = {"up": noop("stigende"), "down": noop("faldende"), "flat": noop("uændret"),
               "": noop("ukendt")}
TRACK_WORDS = {"reached": noop("Målet er nået"), "on_track": noop("På rette vej"),
               "off_track": noop("Ikke på rette vej"), "unknown": noop("Kan ikke vurderes endnu")}
TRACK_MARKS = {"reached": "✔", "on_track": "↗", "off_track": "✖", "unknown": "?"}


@register.filter
def num(value: Any, decimals: int = 1) -> str:
    """A figure in Danish notation; empty for None (hidden cells are shown by `cell`).

    The same text as Django's number_format (grouped, the language's separators) for a
    fraction of its cost: a page formats hundreds of figures."""
    return number_formatter()(value, decimals)


def hidden_cell() -> str:
    """The mark of a hidden cell (`cell` shows it for a suppressed row)."""
    return _hidden_mark(translate("diskretioneret"))


def _hidden_mark(word: str) -> str:
    return format_html('<span class="hidden-cell">{}</span>', word)


def cell_text(row: Any, number: Callable[[Any, int], str],
              gettext: Callable[[str], str], hidden: str | None = None) -> str:
    """A row's value in the language's notation, "diskretioneret" for a hidden cell, "–" for
    no value (`cell`, and the Jinja2 filter of the same name with its render's formats).
    `hidden`: the hidden-cell mark, for a caller that made it once for a whole table."""
    if row is None or (isinstance(row, str) and not row):  # not `row == ""`: a Row's __eq__
        return "–"
    # A Row, or a report's frozen row (a dict), as the template's row.value would read it.
    if isinstance(row, dict):
        suppressed, value = row.get("suppressed"), row.get("value")
    else:
        suppressed, value = getattr(row, "suppressed", None), getattr(row, "value", None)
    if suppressed:
        return hidden if hidden is not None else _hidden_mark(gettext("diskretioneret"))
    return "–" if value is None else number(value, 1)


@register.filter
def cell(row: Any) -> str:
    """{{ row|cell }}: a row's value in Danish notation, "diskretioneret" for a hidden cell, "–"
    for no value. A filter, not an included template: tables call it once per row."""
    return cell_text(row, number_formatter(), translate)


TREND_ARROWS = {"up": "↑", "down": "↓", "flat": "→"}


def area_section_rows(figures: Any, number: Callable[[Any, int], str],
                      gettext: Callable[[str], str], link: Callable[[str], str]
                      ) -> list[tuple[str, ...]]:
    """The area section's rows as display text, in one pass (as the `cell` and `trend_word`
    filters would write them, which cost more than the rest of the section when called for
    every figure): link, title, unit, period, area, region and trend, escaped here (the
    figures are digits or the hidden-cell mark, which is safe HTML)."""
    better_word, worse_word = gettext("bedre"), gettext("dårligere")
    hidden = _hidden_mark(gettext("diskretioneret"))
    rows = []
    for f in figures:
        trend, better = f.trend_and_better()
        text = f"{TREND_ARROWS.get(trend, '')} {trend_word(trend, gettext)}"
        if better is True:
            text += f" ({better_word})"
        elif better is False:
            text += f" ({worse_word})"
        rows.append((escape_text(link(f.indicator.code)), escape_text(f.indicator.title),
                     escape_text(f.indicator.unit_label), f.period,
                     cell_text(f.area, number, gettext, hidden),
                     cell_text(f.region, number, gettext, hidden), escape_text(text)))
    return rows


def trend_word(value: str, gettext: Callable[[str], str] = translate) -> str:
    """"stigende", "faldende", "uændret" or "ukendt" (the Jinja2 `trend_word` filter)."""
    return gettext(TREND_WORDS.get(value or "", TREND_WORDS[""]))


def track_text(value: str, gettext: Callable[[str], str] = translate) -> str:
    """"Målet er nået", "På rette vej" … for a status (`track_word`, and the Jinja2 filter)."""
    message = TRACK_WORDS.get(value)
    return gettext(message) if message else value


@register.filter
def track_word(value: str) -> str:
    return track_text(value)


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
