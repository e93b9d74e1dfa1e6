"""The Jinja2 environment of the public portal's pages and of the layout both engines share.

Why two template engines: the portal's most visited pages (agreement, clusters, municipalities,
indicators) must render in a few milliseconds without a page cache (issues 12 and 13), and a
Django template costs several times what the same Jinja2 template does (the layout alone took
1.1 ms in Django templates). Admin, forms and the staff pages stay on Django templates.

One source of layout markup: the header, footer, breadcrumbs, source notes and the dating form
are Jinja2 partials under `jinja2/layout/`; Jinja2 pages include them, and Django templates render
the same files through the tags in `core.templatetags.layout` (`render_partial`).

Translations: `{% trans %}` blocks and `_()` use Django's gettext, so the message ids are the
ones Django templates use (`{% trans name=x %}… {{ name }}{% endtrans %}` has the same id as
`{% blocktranslate with name=x %}… {{ name }}{% endblocktranslate %}`); the catalogue test checks
every id in a `.jinja` file is in the English catalogue.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.signals import setting_changed
from django.template import defaultfilters
from django.template.backends.jinja2 import Jinja2
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from jinja2 import Environment, pass_context
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream
from markupsafe import Markup

from .numbers import grouped, number_formatter
from .text import escape_text


@functools.lru_cache(maxsize=8192)
def _reverse(language: str, prefix: str, name: str, args: tuple[Any, ...],
             kwargs: tuple[tuple[str, Any], ...]) -> str:
    return reverse(name, args=args or None, kwargs=dict(kwargs) or None)


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """`{{ url("portal:cluster_detail", code) }}`: Django's reverse(), remembered per language,
    script prefix and arguments (reversing is pure; a page used to spend 2 ms on 60 of them)."""
    return _reverse(translation.get_language() or "", get_script_prefix(), name,
                    tuple(str(a) for a in args), tuple(sorted(kwargs.items())))


@functools.lru_cache(maxsize=512)
def static(path: str) -> str:
    """`{{ static("portal/portal.css") }}`: the hashed file name from the static manifest."""
    return staticfiles_storage.url(path)


class _Translator:
    """gettext/ngettext of one language for Jinja2's new-style i18n, remembering each message's
    translation: a page asks for ~40 of them, and Django's gettext looks up the active language
    every time. As in Jinja2's own new-style gettext, a message is always a format string: a
    literal percent sign is written "%%" (`{% trans %}` blocks do that themselves), which is also
    how Django's templates write it in the catalogues ("95 %%-interval"); values are escaped."""

    def __init__(self, language: str) -> None:
        from django.utils.translation import trans_real

        self.catalogue = trans_real.translation(language)
        self.memo: dict[str, Markup] = {}
        self.plain: dict[str, Markup] = {}  # formatted without values: "%%" read as "%"

    def gettext(self, message: str, **variables: Any) -> str:
        if not variables:
            plain = self.plain.get(message)
            if plain is None:
                plain = self.plain[message] = self._template(message) % {}
            return plain
        return self._template(message) % variables

    def _template(self, message: str) -> Markup:
        template = self.memo.get(message)
        if template is None:
            template = self.memo[message] = Markup(self.catalogue.gettext(message))
        return template

    def ngettext(self, singular: str, plural: str, number: int, **variables: Any) -> str:
        variables.setdefault("num", number)
        return Markup(self.catalogue.ngettext(singular, plural, number)) % variables


@functools.lru_cache(maxsize=16)
def _translator(language: str) -> _Translator:
    return _Translator(language)


def translate(message: str) -> str:
    """A fixed message in the active language, from the same memo as the templates' `_()`
    (for filters that put words in tables: "stigende", "diskretioneret")."""
    return _translator(translation.get_language() or "da").gettext(message)


class Formats:
    """What a render needs of its language, looked up once: numbers, dates and fixed words.

    `per_render` puts the one of the request's language in the render context as `_formats`;
    the number, date and word filters read it from there (`formats_of`) instead of asking
    Django for the active language for every figure (a table of 30 rows asked ~90 times)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.translator = _translator(language)
        self.number = number_formatter(language)

    def grouped(self, value: Any) -> str:
        return grouped(value, self.language)

    def date(self, value: Any, fmt: str = "DATE_FORMAT") -> str:
        if value is None or value == "":
            return ""
        return _date(self.language, value, fmt)


@functools.lru_cache(maxsize=16)
def formats(language: str) -> Formats:
    return Formats(language)


def formats_of(context: Any) -> Formats:
    """The render's `Formats` (from `per_render`), or the active language's for a render
    without a request."""
    found = context.parent.get("_formats")
    return found if found is not None else formats(translation.get_language() or "da")


def per_render(request: Any) -> dict[str, Any]:
    """Jinja2 context processor: translation and URL functions bound to the request's language
    once, so the layout's ~40 messages and ~15 links skip the per-call language lookup."""
    language = translation.get_language() or "da"
    translator = _translator(language)
    prefix = get_script_prefix()
    return {"_": translator.gettext, "gettext": translator.gettext,
            "ngettext": translator.ngettext, "url": _bound_url(language, prefix),
            "_formats": formats(language), "_url_base": (language, prefix)}


def _bound_url(language: str, prefix: str) -> Callable[..., str]:
    """`url()` for one language and script prefix (see `url`)."""

    def bound_url(name: str, *args: Any, **kwargs: Any) -> str:
        return _reverse(language, prefix, name, tuple(str(a) for a in args),
                        tuple(sorted(kwargs.items())))

    return bound_url


def _forget(**_kwargs: Any) -> None:
    _reverse.cache_clear()
    static.cache_clear()
    _languages.cache_clear()
    _translator.cache_clear()
    _date.cache_clear()
    formats.cache_clear()
    _chrome.cache_clear()
    _overlays.clear()


setting_changed.connect(_forget, dispatch_uid="core.jinja.forget")


@pass_context
def new_id(context: Any, prefix: str) -> str:
    """An id unique within the page ("tabel-3"), shared with the Django tag of the same name."""
    from sundhedsaftale.portal.templatetags.portal import next_id

    request = context.get("request")
    return next_id(request if request is not None else context.eval_ctx, prefix)


def menu_items() -> list[tuple[str, str, str]]:
    """The main menu: (section, URL name, message id of the label); the template translates the
    label and marks the page's section as current."""
    from django.utils.translation import gettext_noop as _

    return [
        ("front", "portal:front", _("Forside")),
        ("agreements", "portal:agreement_list", _("Aftaler")),
        ("clusters", "portal:cluster_list", _("Sundhedsklynger")),
        ("municipalities", "portal:municipality_list", _("Kommuner")),
        ("bodies", "portal:body_list", _("Organisation")),
        ("followup", "followup:catalogue", _("Opfølgning")),
        ("hearings", "hearings:list", _("Hearings")),
        ("meetings", "meetings:meeting_list", _("Meetings")),
    ]


@functools.lru_cache(maxsize=1)
def _languages() -> tuple[tuple[str, str], ...]:
    from django.conf import settings

    return tuple((code, capfirst(translation.get_language_info(code)["name_local"]))
                 for code, _name in settings.LANGUAGES)


def languages() -> tuple[tuple[str, str], ...]:
    """(code, name in that language) for the language switcher: "Dansk", "English"."""
    return _languages()


def content_lang() -> str:
    """` lang="da"` on Danish-only content when the page is in another language (WCAG 3.1.2)."""
    return "" if (translation.get_language() or "da").startswith("da") else Markup(' lang="da"')


@functools.lru_cache(maxsize=4096)
def _date(language: str, value: Any, fmt: str) -> str:
    """Django's `date` filter, formats and month names included ("1. juli 2024"), remembered
    per language (a pure function of the date, the format and the language's catalogue)."""
    return defaultfilters.date(value, fmt)


@pass_context
def dated_url(context: Any, name: str, *args: Any) -> str:
    """A link to another dated page that keeps the visitor's ?dato= (portal.dating)."""
    from sundhedsaftale.portal.templatetags.dating import dated

    return dated(context.get("request"), name, *args)


def _in_page(context: Any, name: str, variables: dict[str, Any]) -> Markup:
    """A layout partial rendered in the page's own render context (its per-render gettext and
    url), without a second pass through Django's backend and its context processors."""
    template = context.environment.get_template(name)
    # The page's context already holds the globals: shared, the new one is not merged with
    # them again (what Template.render does).
    own = template.new_context({**context.get_all(), **variables}, shared=True)
    try:
        return Markup(template.environment.concat(  # type: ignore[attr-defined]
            template.root_render_func(own)))
    except Exception:  # noqa: BLE001 - re-raised with the template lines, as render() does
        return template.environment.handle_exception()


@pass_context
def source_note(context: Any, fact: Any) -> Markup:
    from sundhedsaftale.portal.templatetags.portal import source_context

    return _in_page(context, "layout/_source.jinja", source_context(fact))


@pass_context
def breadcrumbs_nav(context: Any, *parts: Any) -> Markup:
    from sundhedsaftale.portal.templatetags.portal import breadcrumbs_context

    return _in_page(context, "layout/_breadcrumbs.jinja", breadcrumbs_context(*parts))


@pass_context
def table_sources_note(context: Any, rows: Any, *attributes: str) -> Markup:
    from sundhedsaftale.portal.templatetags.portal import table_sources_context

    return _in_page(context, "layout/_table_sources.jinja",
                    table_sources_context(rows, *attributes))


def _globals() -> dict[str, Any]:
    return {"source": source_note, "breadcrumbs": breadcrumbs_nav, "chrome": chrome_in_page,
            "table_sources": table_sources_note, "dated_url": dated_url}


@pass_context
def _href(context: Any, value: Any, name: str, *before: Any) -> str:
    """`{{ row.code|href("portal:municipality_detail") }}`: the link to an object by its URL
    argument (`{{ goal.slug|href("portal:goal_detail", slug) }}`: arguments before it come
    after the name). A filter, not `url()`, for the links in lists and table rows: Jinja2
    calls a filter directly, and a function through its generic call machinery."""
    base = context.parent.get("_url_base")
    if base is None:
        return url(name, *before, value)
    args = (str(value),) if not before else (*(str(a) for a in before), str(value))
    return _reverse(base[0], base[1], name, args, ())


@pass_context
def _date_filter(context: Any, value: Any, fmt: str = "DATE_FORMAT") -> str:
    return formats_of(context).date(value, fmt)


@pass_context
def _thousands(context: Any, value: Any) -> str:
    return formats_of(context).grouped(value)


@pass_context
def _num(context: Any, value: Any, decimals: int = 1) -> str:
    return formats_of(context).number(value, decimals)


@pass_context
def _cell(context: Any, row: Any) -> str:
    from sundhedsaftale.followup.templatetags.followup import cell_text

    found = formats_of(context)
    return cell_text(row, found.number, found.translator.gettext)


@pass_context
def _area_rows(context: Any, figures: Any) -> list[tuple[str, ...]]:
    """`{% for ... in figures|area_rows %}`: the area section's rows as text, in one pass."""
    from sundhedsaftale.followup.templatetags.followup import area_section_rows

    found = formats_of(context)
    return area_section_rows(figures, found.number, found.translator.gettext,
                             lambda code: _href(context, code, "followup:indicator_detail"))


@pass_context
def _population_rows(context: Any, population: Any) -> list[tuple[str, ...]]:
    """`{{ population|population_rows|rows_html(row) }}`: the age-band table's rows as text in
    one pass (the label escaped, men, women, total, bar width), as the `thousands` and
    `percent_of` filters would write them."""
    from sundhedsaftale.portal.templatetags.portal import percent_of

    group = formats_of(context).grouped
    top = population.max_total
    return [(escape_text(row.label), group(row.men), group(row.women), group(row.men + row.women),
             f"{percent_of(row.men + row.women, top):.1f}") for row in population.rows]


@pass_context
def _cluster_area_rows(context: Any, areas: Any, query: str) -> list[tuple[str, ...]]:
    """`{{ summary.areas|cluster_area_rows(query)|rows_html(row) }}`: the cluster page's areas
    as text (the links with the page's date query)."""
    from sundhedsaftale.portal.templatetags.portal import cluster_area_rows

    found = formats_of(context)
    return cluster_area_rows(areas, query, found.grouped, found.translator.gettext,
                             lambda code: _href(context, code, "portal:municipality_detail"))


@pass_context
def _municipality_rows(context: Any, rows: Any, query: str) -> list[tuple[str, ...]]:
    """`{{ rows|municipality_rows(query)|rows_html(row) }}`: the municipality list as text (the
    links with the page's date query)."""
    from sundhedsaftale.portal.templatetags.portal import municipality_rows

    return municipality_rows(
        rows, query, formats_of(context).grouped,
        lambda code: _href(context, code, "portal:municipality_detail"),
        lambda code: _href(context, code, "portal:cluster_detail"))


@pass_context
def _member_rows(context: Any, members: Any) -> list[tuple[str, ...]]:
    """`{{ members|member_rows|rows_html(row) }}`: a members table's rows as text."""
    from sundhedsaftale.portal.templatetags.portal import member_rows

    return member_rows(members, formats_of(context).translator.gettext)


@pass_context
def _trend_word(context: Any, value: str) -> str:
    from sundhedsaftale.followup.templatetags.followup import trend_word

    return trend_word(value, formats_of(context).translator.gettext)


@pass_context
def _track_word(context: Any, value: str) -> str:
    from sundhedsaftale.followup.templatetags.followup import track_text

    return track_text(value, formats_of(context).translator.gettext)


def _rows_html(rows: Any, pattern: str) -> Markup:
    """`{{ rows|rows_html(row) }}`: each row (a tuple of escaped HTML text, from the view's
    one-pass row makers) put into the table's row markup `row`, whose `%s` take the columns
    in order; the rows joined. For tables of many rows, where a template loop writing each
    cell costs more than making the text."""
    pattern = str(pattern)  # a {% set %} block is a Markup, whose % would escape the values
    return Markup("".join([pattern % row for row in rows]))


def _filters() -> dict[str, Any]:
    from sundhedsaftale.followup.templatetags import followup
    from sundhedsaftale.portal.templatetags import portal

    return {
        "date": _date_filter, "capfirst": capfirst, "href": _href,
        "thousands": _thousands, "percent_of": portal.percent_of,
        "any_uncertain": portal.any_uncertain,
        "num": _num, "cell": _cell, "trend_word": _trend_word, "area_rows": _area_rows,
        "population_rows": _population_rows, "cluster_area_rows": _cluster_area_rows,
        "member_rows": _member_rows, "rows_html": _rows_html, "municipality_rows": _municipality_rows,
        "search_sections": portal.search_sections,
        "track_word": _track_word, "track_mark": followup.track_mark,
    }


def environment(**options: Any) -> Environment:
    """The environment Django's Jinja2 backend builds (settings.TEMPLATES)."""
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    env = Environment(**options)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext, translation.ngettext, newstyle=True,
        pgettext=translation.pgettext, npgettext=translation.npgettext)
    env.globals.update({
        "url": url, "static": static, "new_id": new_id, "content_lang": content_lang,
        "menu_items": menu_items, "languages": languages,
        "get_language": translation.get_language,
    })
    env.globals.update(_globals())
    env.filters.update(_filters())
    return env


class FoldTranslations(Extension):
    """Translates `_("a fixed message")` when a template is compiled, not when it renders.

    The backend keeps one overlay of the environment per language (`Backend`), each with this
    extension and its own template cache: there, `_("Søg")` is replaced by the message's
    translation in that language, marked safe as `_()` marks it, so it ends up as part of the
    template's static text. A call with anything but one string literal (`_(label)`, values
    to format), and `{% trans %}` blocks with values, stay calls. A page had 30-100 of these
    calls at a few microseconds each, through Jinja2's generic call machinery."""

    def filter_stream(self, stream: TokenStream) -> Any:
        language = getattr(self.environment, "fold_language", None)
        tokens = list(stream)
        if language is None:
            yield from tokens
            return
        gettext = _translator(language).gettext
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if (token.type == "name" and token.value == "_" and i + 3 < len(tokens)
                    and tokens[i + 1].type == "lparen" and tokens[i + 2].type == "string"
                    and tokens[i + 3].type == "rparen"
                    and (i == 0 or tokens[i - 1].type not in ("dot", "pipe"))):
                line = token.lineno
                yield Token(line, "lparen", "(")
                yield Token(line, "string", str(gettext(tokens[i + 2].value)))
                yield Token(line, "pipe", "|")
                yield Token(line, "name", "safe")
                yield Token(line, "rparen", ")")
                i += 4
                continue
            yield token
            i += 1


_overlays: dict[tuple[int, str], Environment] = {}


class Backend(Jinja2):
    """Django's Jinja2 backend, with templates compiled once per language (`FoldTranslations`):
    the template is taken from the overlay of the active language."""

    def environment_for(self, language: str | None) -> Environment:
        from django.conf import settings

        key = (id(self.env), language or "")
        overlay = _overlays.get(key)
        if overlay is None:
            if not language or language not in dict(settings.LANGUAGES):
                return self.env
            # cache_size=-1: every template kept in a plain dict. Jinja2's bounded cache is an
            # LRU that takes a lock and moves the name in a deque on every lookup (a dozen a
            # page); the portal has a few hundred templates at most.
            overlay = self.env.overlay(extensions=[FoldTranslations], cache_size=-1)
            overlay.fold_language = language  # type: ignore[attr-defined]
            overlay = _overlays.setdefault(key, overlay)
        return overlay

    def get_template(self, template_name: str) -> Any:
        import jinja2
        from django.template.backends.jinja2 import Template

        try:
            return Template(self.environment_for(translation.get_language())
                            .get_template(template_name), self)
        except (jinja2.TemplateNotFound, jinja2.TemplateSyntaxError):
            return super().get_template(template_name)  # raises Django's error for it


@functools.lru_cache(maxsize=1)
def _backend() -> Backend:
    from django.template import engines

    for backend in engines.all():
        if isinstance(backend, Backend):
            return backend
    raise LookupError("settings.TEMPLATES has no Jinja2 backend")


CHROME = {"head": "layout/_head.jinja", "header": "layout/_header.jinja",
          "footer": "layout/_footer.jinja"}


class _Location:
    """What the header reads of the request: the path (current menu item) and the full path
    (where the language switch returns to)."""

    def __init__(self, path: str, full_path: str) -> None:
        self.path = path
        self._full_path = full_path

    def get_full_path(self) -> str:
        return self._full_path


@functools.lru_cache(maxsize=2048)
def _chrome(part: str, language: str, prefix: str, section: str, path: str, full_path: str,
            query: str) -> Markup:
    translator = _translator(language)
    template = _backend().environment_for(language).get_template(CHROME[part])
    return Markup(template.render({
        "_": translator.gettext, "gettext": translator.gettext,
        "url": _bound_url(language, prefix),
        "_formats": formats(language), "section": section, "query": query,
        "request": _Location(path, full_path) if path else None}))


def chrome(part: str, request: Any, section: str = "", query: str = "") -> Markup:
    """The page's head links, header (skip link, language switch, menu, search) or footer.

    They hold no content from the database: the same markup for every visitor of a section in
    a language, depending only on the language, the URL prefix, the section, the path and the
    search words. So each is rendered once per worker for those inputs (an LRU of 2,048) and
    reused: building the menu, the language switch and ~40 messages cost as much as a whole
    bare request. Cleared with the other memos when settings change (tests)."""
    language = translation.get_language() or "da"
    path = full_path = ""
    if request is not None:
        path, full_path = request.path, request.get_full_path()
    return _chrome(part, language, get_script_prefix(), str(section or ""), path, full_path,
                   str(query or ""))


@pass_context
def chrome_in_page(context: Any, part: str) -> Markup:
    """`{{ chrome("header") }}` in base.jinja."""
    return chrome(part, context.get("request"), context.get("section") or "",
                  context.get("query") or "")


def render_partial(name: str, context: dict[str, Any], request: Any = None) -> str:
    """A Jinja2 partial as safe HTML, for Django template tags that share its markup."""
    return mark_safe(_backend().get_template(name).render(context, request))


__all__ = ["environment", "render_partial", "static", "url"]
