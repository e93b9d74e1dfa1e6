"""Template helpers for the public portal: sources of facts and Danish number formatting."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import template
from django.utils.text import capfirst
from markupsafe import Markup

from sundhedsaftale.core.jinja import render_partial
from sundhedsaftale.core.numbers import grouped
from sundhedsaftale.core.text import escape_text

register = template.Library()


def source_context(fact: Any) -> dict[str, Any]:
    """Show where a fact comes from ("Kilde: ...") and mark it "usikker" unless verified.

    Works on any object with H1's `Sourced` fields (source, source_url, certainty); objects
    without them render nothing.
    """
    label = getattr(fact, "source_label", "") or ""
    url = getattr(fact, "source_url", "") or ""
    uncertain = bool(getattr(fact, "is_uncertain", False))
    return {"label": label, "href": url, "uncertain": uncertain}


@register.simple_tag
def source(fact: Any) -> str:
    """The source note of a fact (`jinja2/layout/_source.jinja`, shared with Jinja2 pages)."""
    return render_partial("layout/_source.jinja", source_context(fact))


@register.filter
def thousands(value: Any) -> str:
    """1891871 -> "1.891.871" in Danish, "1,891,871" in English; empty for None."""
    return grouped(value)


@register.filter
def percent_of(value: Any, total: Any) -> float:
    """value as a percentage of total (0 when total is empty), for bar widths."""
    try:
        return round(100.0 * float(value) / float(total), 1) if total else 0.0
    except (TypeError, ValueError):
        return 0.0


def cluster_area_rows(areas: Any, query: str, group: Callable[[Any], str],
                      gettext: Callable[[str], str], link: Callable[[str], str]
                      ) -> list[tuple[str, ...]]:
    """The cluster page's table of municipalities and districts as escaped HTML text, in one
    pass (as the `href`, `thousands` and `any_uncertain` filters would write it, which cost
    more than the rest of the table when called for every cell): link (with the page's date
    query), name, code, the "part of the municipality" cell and the population."""
    query = escape_text(query)
    whole, districts_of, uncertain = gettext("Hele kommunen"), gettext("Bydelene"), \
        gettext("usikker")
    badge = f' <span class="badge badge-warning">{escape_text(uncertain)}</span>'
    whole = escape_text(whole)
    rows = []
    for area in areas:
        municipality = area.municipality
        if area.is_whole:
            part = whole
        else:
            items = "".join(f"<li>{escape_text(d.name)} ({escape_text(d.code)})</li>"
                            for d in area.districts)
            part = (f"{escape_text(districts_of)}\n        "
                    f'<ul class="district-list">{items}</ul>')
        part += "\n        "
        if any_uncertain(area.districts) or any_uncertain(area.memberships):
            part += badge
        rows.append((escape_text(link(municipality.code)) + query, escape_text(municipality.name),
                     escape_text(municipality.code), part,
                     escape_text(group(area.population) or "–")))
    return rows


def municipality_rows(rows: Any, query: str, group: Callable[[Any], str],
                      link: Callable[[str], str], cluster_link: Callable[[str], str]
                      ) -> list[tuple[str, ...]]:
    """The municipality list's rows as escaped HTML text, in one pass: the link (with the
    page's date query), name, code, the linked clusters ("–" for none) and the population."""
    query = escape_text(query)
    out = []
    for row in rows:
        municipality = row.municipality
        clusters = ", ".join(
            f'<a href="{escape_text(cluster_link(cluster.code))}{query}">'
            f"{escape_text(cluster.name)}</a>" for cluster in row.clusters) or "–"
        out.append((escape_text(link(municipality.code)) + query,
                    escape_text(municipality.name), escape_text(municipality.code), clusters,
                    escape_text(group(row.population) or "–")))
    return out


def member_rows(members: Any, gettext: Callable[[str], str]) -> list[tuple[str, ...]]:
    """A members table's rows as escaped HTML text, in one pass: name (with the "fiktiv"
    badge), role, the organisation represented and the period (Django's "j.n.Y", which has no
    language in it)."""
    fictive = f' <span class="badge badge-info">{escape_text(gettext("fiktiv"))}</span>'
    rows = []
    for member in members:
        start, end = member.valid_from, member.valid_to
        organisation = member.organisation.name if member.organisation else ""
        rows.append((
            f"{escape_text(member.person_name)}{fictive if member.is_synthetic else ''}",
            escape_text(capfirst(member.get_role_display())),
            escape_text(organisation or "–"),
            f"{start.day}.{start.month}.{start.year:04d}" if start else "…",
            f"{end.day}.{end.month}.{end.year:04d}" if end else "…"))
    return rows


def search_hit_rows(hits: Any, lang_attr: str) -> list[tuple[str, ...]]:
    """A search group's hits as escaped HTML text, in one pass (what a template loop writing
    each field wrote; a page has up to 200 hits): the kind (with " · " and the context when
    there is one), the heading's `lang` attribute (`lang_attr`, safe markup from
    `content_lang()`), the title (a link when the hit has an address) and the summary's
    paragraph ("" without a summary). A hit none of whose fields has a character to escape
    (& < > ' ", most hits) is written as it is, after a look for each in its fields joined."""
    lang_attr = str(lang_attr)
    rows = []
    for hit in hits:
        kind, context, title, url, summary = (hit.kind_label, hit.context, hit.title, hit.url,
                                              hit.summary)
        joined = f"{kind}{context}{title}{url}{summary}"
        if ("&" in joined or "<" in joined or ">" in joined or "'" in joined
                or '"' in joined):
            kind, context, title, url, summary = (
                escape_text(kind), escape_text(context), escape_text(title), escape_text(url),
                escape_text(summary))
        if context:
            kind = f"{kind} · {context}"
        if url:
            title = f'<a href="{url}">{title}</a>'
        rows.append((kind, lang_attr, title, f"<p{lang_attr}>{summary}</p>" if summary else ""))
    return rows


def search_sections(groups: Any, lang_attr: str, section: str, row: str) -> Markup:
    """The search results as HTML in one pass: each group put into the section markup
    `section` (a `{% set %}` block whose `%s` take the kind, the kind again, the heading, the
    number of hits and the hits), its hits into the row markup `row` (search_hit_rows)."""
    section, row = str(section), str(row)  # a set block is a Markup, whose % would escape
    parts = []
    for group in groups:
        kind = escape_text(group.kind)
        hits = "".join([row % hit for hit in search_hit_rows(group.hits, lang_attr)])
        parts.append(section % (kind, kind, escape_text(group.heading), len(group.hits), hits))
    return Markup("".join(parts))


def breadcrumbs_context(*parts: Any) -> dict[str, Any]:
    *pairs, current = parts
    links = [(pairs[i], pairs[i + 1]) for i in range(0, len(pairs) - 1, 2)]
    return {"links": links, "current": current}


@register.simple_tag
def breadcrumbs(*parts: Any) -> str:
    """Breadcrumbs after "Forside": pairs of (label, url), then the current page's label.

    {% breadcrumbs _("Aftaler") agreements_url agreement.title %}
    """
    return render_partial("layout/_breadcrumbs.jinja", breadcrumbs_context(*parts))


@register.simple_tag
def content_lang() -> str:
    """` lang="da"` on Danish-only content (agreement texts, names) when the page is in
    another language, so screen readers pronounce it as Danish (WCAG 3.1.2)."""
    from sundhedsaftale.core.jinja import content_lang as lang_attribute

    return lang_attribute()


@register.simple_tag
def common_source(items: Any, attribute: str = "") -> Any:
    """The first fact if every fact in `items` has the same source and certainty, else None.

    Lets a table name a shared source once under it instead of on every row.
    {% common_source page.districts "district" as shared %}
    """
    facts = [getattr(item, attribute) if attribute else item for item in items]
    if not facts:
        return None
    first = facts[0]
    key = (getattr(first, "source_label", ""), getattr(first, "certainty", None))
    if all((getattr(f, "source_label", ""), getattr(f, "certainty", None)) == key for f in facts):
        return first
    return None


def next_id(holder: Any, prefix: str) -> str:
    """The next id of the page ("tabel-3"), counted on the request (or another holder), so ids
    stay unique across included templates and across both template engines."""
    count = getattr(holder, "_portal_id_count", 0) + 1
    holder._portal_id_count = count
    return f"{prefix}-{count}"


@register.simple_tag(takes_context=True)
def new_id(context: template.Context, prefix: str) -> str:
    """An id unique within the page ("tabel-3"), also across included templates."""
    request = context.get("request")
    return next_id(request if request is not None else context.render_context, prefix)


def _facts_of(rows: Any, attributes: tuple[str, ...]) -> list[Any]:
    """The facts of a table: each row itself (no attributes) or the items/objects under each
    of `attributes` (a list or one object)."""
    facts: list[Any] = []
    for row in rows or ():
        if not attributes:
            facts.append(row)
        for attribute in attributes:
            value = getattr(row, attribute, None)
            if value is None:
                continue
            if isinstance(value, (list, tuple)) or hasattr(value, "__iter__") and not hasattr(
                    value, "source_label"):
                facts.extend(value)
            else:
                facts.append(value)
    return facts


def table_sources_context(rows: Any, *attributes: str) -> dict[str, Any]:
    sources: list[tuple[str, str]] = []
    uncertain = False
    for fact in _facts_of(rows, attributes):
        label = getattr(fact, "source_label", "") or ""
        url = getattr(fact, "source_url", "") or ""
        if label and (label, url) not in sources:
            sources.append((label, url))
        uncertain = uncertain or bool(getattr(fact, "is_uncertain", False))
    return {"sources": sources, "uncertain": uncertain}


@register.simple_tag
def table_sources(rows: Any, *attributes: str) -> str:
    """One source note under a table for all its facts ("Kilde: A; B"), each source named
    once, instead of a note in every cell; "usikker" when any of them is not verified.

    {% table_sources page.summary.areas "districts" "memberships" %}
    """
    return render_partial("layout/_table_sources.jinja", table_sources_context(rows, *attributes))


@register.filter
def any_uncertain(facts: Any) -> bool:
    """True when any fact in the list is not verified (a cell's "usikker" mark)."""
    return any(getattr(fact, "is_uncertain", False) for fact in facts or ())
