"""The indicator page and the catalogue in Jinja2 (issue 13): the same page in a few queries,
every fixed text translated, figures in the language's notation, the funnel table agreeing
with the chart's limits, and a chart that is drawn already served without reading figures."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.formats import number_format

from sundhedsaftale.followup import selectors, services
from sundhedsaftale.followup.models import Indicator
from sundhedsaftale.followup.templatetags.followup import num
from sundhedsaftale.geography.models import Municipality

from .followup_fixtures import write_results

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "sundhedsaftale"
PAGE = "/opfoelgning/readmission_somatic_30d/"


@pytest.fixture
def published(demo_content: object, tmp_path: Path) -> object:
    run = services.run_import(path=write_results(tmp_path / "results.parquet"),
                              label="Testkørsel", by=None).run
    services.run_publish(run=run, by=None)
    return run


def _texts() -> Iterator[tuple[str, str]]:
    from django.template import engines

    env = engines["jinja2"].env
    for path in sorted((PACKAGE / "followup" / "jinja2").rglob("*.jinja")):
        for _line, _function, message in env.extract_translations(path.read_text()):
            text = message[0] if isinstance(message, tuple) else message
            if text:
                yield f"{path.relative_to(PACKAGE)}", text


def test_every_fixed_text_of_the_follow_up_pages_is_in_the_english_catalogue() -> None:
    from django.utils.translation.trans_real import translation as catalogue_of

    catalogue = catalogue_of("en")._catalog
    texts = list(_texts())
    assert len(texts) > 40
    # Message ids as Jinja2 extracts them: a literal percent sign is written "%%", as
    # Django's templates write it in the catalogue.
    missing = [f"{where}: {text!r}" for where, text in texts
               if not (catalogue.get(text) or catalogue.get((text, 0)))]
    assert missing == []


@pytest.mark.parametrize("query", [
    "?niveau=kommune&tid=aar", "?niveau=kommune&tid=aar&maal=std",
    "?niveau=region&tid=aar", "?niveau=bydel&tid=maaned&maal=std",
])
def test_the_indicator_page_reads_three_queries(published: object, client: Client,
                                               query: str) -> None:
    client.get(PAGE + query)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE + query)
    assert response.status_code == 200
    assert len(queries) <= 3, [q["sql"] for q in queries]  # indicator, run, figures


def test_the_page_in_english(published: object, client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ORIGIN="http://testserver")
    html = client.get(PAGE + "?niveau=kommune&tid=aar").content.decode()
    assert "95 % interval" in html and "95 %-interval" not in html
    assert "Download the figures" in html and "Funnel plot" in html and ">Area<" in html
    assert "Hent tallene" not in html
    assert "Areas in the funnel plot (raw values)" in html


def test_a_hidden_cell_stays_hidden_on_the_standardised_page(published: object,
                                                             client: Client) -> None:
    html = client.get(PAGE + "?niveau=kommune&tid=aar&maal=std").content.decode()
    name = Municipality.objects.get(code="151").name
    start = html.index(f'<th scope="row">{name}</th>')
    row = html[start:html.index("</tr>", start)]
    assert "diskretioneret" in row
    assert not any(ch.isdigit() for ch in row.split("</th>", 1)[1].replace("151", ""))


def test_the_funnel_table_agrees_with_the_limits_the_chart_draws(published: object) -> None:
    indicator = Indicator.objects.get(code="readmission_somatic_30d")
    for measure in ("crude", "std"):
        page = selectors.indicator_page(indicator=indicator, level="municipality",
                                        grain="year", measure=measure)
        assert page.funnel and page.funnel_centre is not None
        centre = page.funnel_centre
        for point in page.funnel:
            limits = selectors._funnel_limits(indicator, centre,
                                              [float(point.row.denominator or 0)])[0]
            expected = "over" if point.row.value > limits["high95"] else (
                "under" if point.row.value < limits["low95"] else "")
            assert point.outside == expected
        assert page.funnel_limits == selectors._funnel_limits(
            indicator, centre, [float(p.row.denominator or 0) for p in page.funnel])


def test_a_drawn_chart_is_served_without_reading_the_figures(published: object,
                                                             client: Client) -> None:
    url = PAGE + "graf/tragt.svg?niveau=kommune&tid=aar"
    first = client.get(url)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.content == first.content
    assert not any("followup_result" in q["sql"] for q in queries)


@pytest.mark.parametrize("language", ["da", "en"])
def test_num_writes_what_djangos_number_format_writes(language: str) -> None:
    values = [0, -0.0, -0.04, 0.05, -0.05, 0.25, 1.005, 2.675, 999.95, -999.95, 1234567.891,
              -1e9, 12, "12.5", Decimal("3.25")]
    with translation.override(language):
        for value in values:
            for places in (0, 1, 2):
                rounded = Decimal(f"{float(value):.{places}f}")
                assert num(value, places) == number_format(
                    rounded, decimal_pos=places, use_l10n=True, force_grouping=True)
        assert num(None) == "" and num("") == ""


def test_area_names_are_escaped_in_the_tables_where_figures_are_not(published: object,
                                                                    client: Client) -> None:
    """The table rows of the indicator page are written with autoescape off for the figures
    (indicator_detail.jinja); every text column must still be escaped."""
    from sundhedsaftale.core.guard import writes_unguarded

    with writes_unguarded():  # a name no service would accept, to prove the escaping
        Municipality.objects.filter(code="151").update(name='Ballerup<script>alert(1)</script>')
    for query in ("?niveau=kommune&tid=aar", "?niveau=kommune&tid=aar&maal=std"):
        html = client.get(PAGE + query).content.decode()
        assert "<script>alert(1)" not in html
        assert '<th scope="row">Ballerup&lt;script&gt;alert(1)&lt;/script&gt;</th>' in html
        assert 'class="hidden-cell"' in html  # the hidden-cell mark is still HTML, not text
