"""The Jinja2 side of the portal (core/jinja.py): every message is translated, and the layout
that both engines share looks the same from a Django page and a Jinja2 page."""

from pathlib import Path

import pytest
from django.template import engines

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "sundhedsaftale"


def jinja_messages():
    env = engines["jinja2"].env
    for path in sorted(PACKAGE.rglob("*.jinja")):
        for lineno, _function, message in env.extract_translations(path.read_text()):
            text = message[0] if isinstance(message, tuple) else message  # plural: its singular
            if text:
                yield f"{path.relative_to(PACKAGE)}:{lineno}", text


def test_there_are_jinja_templates_with_messages():
    assert len(list(jinja_messages())) > 30


def test_every_message_in_a_jinja_template_is_in_a_catalogue():
    from django.utils.translation.trans_real import translation as catalogue_of

    catalogues = [catalogue_of("en")._catalog, catalogue_of("da")._catalog]
    untranslated = [f"{where}: {text!r}" for where, text in jinja_messages()
                    if not any(c.get(text) or c.get((text, 0)) for c in catalogues)]
    assert untranslated == []


@pytest.mark.django_db
@pytest.mark.parametrize("path, current", [("/aftaler/", "/aftaler/"), ("/kommuner/", "/kommuner/")])
def test_the_menu_marks_the_current_page_from_either_engine(client, path, current):
    html = client.get(path).content.decode()
    assert html.count(f'href="{current}" class="nav-link" aria-current="page"') == 2  # desktop, mobile
    assert html.count('aria-current="page"><span>') == 2
    assert "Gå til sideindhold" in html and "Tilgængelighedserklæring" in html


@pytest.mark.django_db
def test_the_layout_follows_the_visitors_language(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ORIGIN="http://testserver")
    html = client.get("/kommuner/").content.decode()
    assert '<html lang="en"' in html and "Skip to content" in html
    assert "Gå til sideindhold" not in html


@pytest.mark.parametrize("language", ["da", "en"])
def test_whole_numbers_are_grouped_as_djangos_number_format_groups_them(language):
    from django.utils import translation
    from django.utils.formats import number_format

    from sundhedsaftale.core.numbers import grouped

    values = [0, 7, -7, 999, 1000, -1000, 12345, 1891871, -1891871, 10**20, 653664]
    with translation.override(language):
        assert [grouped(v) for v in values] == [
            number_format(v, decimal_pos=None, force_grouping=True) for v in values]
        assert grouped(None) == "" and grouped(1891871) in {"1.891.871", "1,891,871"}


@pytest.mark.django_db
def test_the_layout_rendered_once_per_worker_still_fits_each_page_and_language(client):
    """The head, header and footer are remembered per language, section and path
    (core.jinja.chrome): one page's language-switch target, current menu item or search words
    must never show on another page, nor one language's words in the other."""
    import re

    def header_of(path):
        html = client.get(path).content.decode()
        back = re.search(r'name="next" value="([^"]*)"', html).group(1)
        current = re.findall(r'href="([^"]*)" class="nav-link" aria-current="page"', html)
        words = re.search(r'id="header-search" name="q" value="([^"]*)"', html).group(1)
        return back, sorted(set(current)), words, re.search(r'<html lang="(\w+)"', html).group(1)

    assert header_of("/kommuner/") == ("/kommuner/", ["/kommuner/"], "", "da")
    assert header_of("/aftaler/") == ("/aftaler/", ["/aftaler/"], "", "da")
    assert header_of("/kommuner/?dato=2023-01-01") == ("/kommuner/?dato=2023-01-01",
                                                       ["/kommuner/"], "", "da")
    assert header_of("/soeg/?q=%C3%A6ldre") == ("/soeg/?q=%C3%A6ldre", [], "ældre", "da")
    assert header_of("/soeg/?q=hjerte") == ("/soeg/?q=hjerte", [], "hjerte", "da")
    assert header_of("/soeg/?q=%22%3E%3Cscript%3E")[2] == "&#34;&gt;&lt;script&gt;"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ORIGIN="http://testserver")
    assert header_of("/kommuner/") == ("/kommuner/", ["/kommuner/"], "", "en")
    html = client.get("/kommuner/").content.decode()
    assert "Skip to content" in html and "Gå til sideindhold" not in html


@pytest.mark.parametrize("language, expected", [
    ("da", "Søg|50 % -|Menu: Kommuner|Hele kommunen"),
    ("en", "Search|50 % -|Menu: Municipalities|The whole municipality"),
])
def test_fixed_messages_are_translated_when_the_template_is_compiled(language, expected):
    """core.jinja.FoldTranslations: in the language's overlay, `_("…")` is the translation
    itself (no call left in the compiled code), and the page reads as with the runtime call;
    a message with values, or a variable, stays a call."""
    from django.test import RequestFactory
    from django.utils import translation

    from sundhedsaftale.core.jinja import _backend

    source = ('{{ _("Søg") }}|{{ _("50 %%") ~ " -" }}|'
              '{{ _("Menu") }}: {{ _(label) }}|{% set whole = _("Hele kommunen") %}{{ whole }}')
    with translation.override(language):
        backend = _backend()
        overlay = backend.environment_for(language)
        code = overlay.compile(source, raw=True)
        assert code.count("context.call(") == 1  # only _(label), a variable, is still called
        request = RequestFactory().get("/")
        at_runtime = backend.from_string(source)  # the base environment: _() is called
        at_compile = overlay.from_string(source)
        context = {"label": "Kommuner"}
        runtime = at_runtime.render(dict(context), request)
        from sundhedsaftale.core.jinja import per_render

        compiled = at_compile.render({**context, **per_render(request)})
    assert runtime == compiled == expected
