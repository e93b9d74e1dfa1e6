"""The areas' follow-up sections (followup.models.AreaSection): written by the services that
change the public figures, read by the cluster and municipality pages in one row, and always
the same figures as computing the section from the results."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sundhedsaftale.core.guard import writes_unguarded
from sundhedsaftale.followup import selectors, services
from sundhedsaftale.followup.models import AreaSection

from .followup_fixtures import CLUSTERS, MUNICIPALITIES, row, standard_rows, write_results

AREAS = [("cluster", code) for code in CLUSTERS] + [
    ("municipality", code) for code in MUNICIPALITIES]


def _shown(level: str, code: str) -> list[tuple[Any, ...]]:
    """What the section shows of each figure."""
    return [(f.indicator.code, f.period, f.area and (f.area.value, f.area.suppressed),
             f.region and f.region.value, f.previous and f.previous.value, f.trend,
             f.trend_better) for f in selectors.area_followup(level=level, code=code)]


def _computed(level: str, code: str) -> list[tuple[Any, ...]]:
    """The same, computed from the results (as without built sections)."""
    built = list(AreaSection.objects.all())
    _forget_sections()
    try:
        return _shown(level, code)
    finally:
        with writes_unguarded():
            AreaSection.objects.bulk_create(built)


def _forget_sections(**only: str) -> None:
    """As in a database from before the table (or, with `only`, one area's row gone)."""
    with writes_unguarded():
        AreaSection.objects.filter(**only).delete()


def _publish(tmp_path: Any, rows: list[dict[str, Any]] | None = None, name: str = "r") -> Any:
    path = write_results(tmp_path / f"{name}.parquet", rows)
    run = services.run_import(path=path, label=name, by=None).run
    return services.run_publish(run=run, by=None)


def test_publishing_builds_every_areas_section_with_the_computed_figures(
        demo_content: object, tmp_path: Any) -> None:
    _publish(tmp_path)
    assert AreaSection.objects.filter(level="", code="").exists()
    for level, code in AREAS:
        shown = _shown(level, code)
        assert shown, (level, code)
        assert shown == _computed(level, code), (level, code)
    # 151's 2024 figure is hidden: shown as hidden, with no value, in its section.
    (figure,) = selectors.area_followup(level="municipality", code="151")
    assert figure.period == "2024" and figure.area is not None
    assert figure.area.suppressed and figure.area.value is None


def test_a_page_reads_the_section_in_one_row(demo_content: object, tmp_path: Any) -> None:
    _publish(tmp_path)
    with CaptureQueriesContext(connection) as queries:
        figures = selectors.area_followup(level="cluster", code="syd")
    assert figures and len(queries.captured_queries) == 2  # the indicators, the section
    assert "followup_result" not in " ".join(q["sql"] for q in queries.captured_queries)


def test_a_second_run_withdrawal_and_reported_values_change_the_sections(
        demo_content: object, tmp_path: Any, secretariat_user: Any) -> None:
    first = _publish(tmp_path)
    before = _shown("cluster", "syd")
    # A newer run with other figures for 2025: the section moves to 2025.
    newer = [row(start=datetime.date(2025, 1, 1), level=level, code=code,
                 numerator=numerator, denominator=1000)
             for level, code, numerator in [("region", "1084", 80), ("cluster", "syd", 90)]]
    second = _publish(tmp_path, standard_rows() + newer, "r2")
    after = _shown("cluster", "syd")
    assert after != before and after[0][1] == "2025" and after == _computed("cluster", "syd")
    services.run_withdraw(run=second, by=None)
    assert _shown("cluster", "syd") == before
    services.run_withdraw(run=first, by=None)
    assert _shown("cluster", "syd") == []
    assert AreaSection.objects.exclude(level="").count() == 0
    # A hand-entered value of a reported indicator appears in its area's section.
    indicator = services.reported_indicator_create(
        by=secretariat_user, code="lup_test", title="LUP-test", unit="percent")
    services.reported_value_set(by=secretariat_user, indicator=indicator,
                                period_start=datetime.date(2024, 1, 1), level="cluster",
                                code="syd", value=61.5)
    (figure,) = selectors.area_followup(level="cluster", code="syd")
    assert figure.indicator.code == "lup_test" and figure.area is not None
    assert figure.area.value == 61.5 and figure.area.reported
    assert _shown("cluster", "syd") == _computed("cluster", "syd")


def test_without_built_sections_the_page_computes_them(
        demo_content: object, tmp_path: Any, client: Client) -> None:
    _publish(tmp_path)
    page = client.get("/klynger/syd/").content.decode()
    _forget_sections()
    assert client.get("/klynger/syd/").content.decode() == page
    assert "ingen offentliggjorte indikatortal" not in page


@pytest.mark.parametrize("built", [True, False])
def test_a_catalogue_change_rebuilds_the_sections_only_when_they_are_built(
        demo_content: object, tmp_path: Any, built: bool) -> None:
    _publish(tmp_path)
    if not built:
        _forget_sections()
    _forget_sections(level="cluster", code="syd")
    from sundhedsaftale.followup.models import Indicator

    with writes_unguarded():
        Indicator.objects.filter(code="readmission_somatic_30d").update(title="Gammel titel")
    result = services.catalogue_sync(by=None)
    assert result.updated
    assert AreaSection.objects.filter(level="cluster", code="syd").exists() is built
    assert _shown("cluster", "syd") == _computed("cluster", "syd")


def test_the_sections_text_is_escaped_where_its_figures_are_not(
        demo_content: object, tmp_path: Any, client: Client) -> None:
    """The section's rows are written with autoescape off for the figures
    (_area_section.jinja); the indicator's title must still be escaped, and the hidden-cell
    mark stay HTML."""
    from sundhedsaftale.followup.models import Indicator

    _publish(tmp_path)
    with writes_unguarded():  # a title no service would accept, to prove the escaping
        Indicator.objects.filter(code="readmission_somatic_30d").update(
            title="Genindlæggelser<script>alert(1)</script>")
    for url in ("/klynger/syd/", "/kommuner/151/"):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html, url
        assert "Genindlæggelser&lt;script&gt;alert(1)&lt;/script&gt;</a>" in html, url
    assert '<td class="numeric"><span class="hidden-cell">diskretioneret</span></td>' in html


@pytest.mark.django_db(transaction=True)
def test_two_rebuilds_at_once_both_commit_on_postgresql() -> None:
    """A second rebuild that starts while the first is still open waits for it, then replaces
    its rows (without the lock it would insert the same keys and fail). SQLite serialises
    writers itself (IMMEDIATE transactions), so only PostgreSQL has two at once."""
    import threading
    import time

    from django.db import connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("two writers at once happen only on PostgreSQL")
    first_wrote, second_started = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def rebuild(first: bool) -> None:
        try:
            if not first:
                first_wrote.wait(10)
                second_started.set()
            with writes_unguarded(), transaction.atomic():
                services._area_sections_rebuild()
                if first:
                    first_wrote.set()
                    second_started.wait(10)
                    time.sleep(0.5)  # the second one is now at its lock or its insert
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=rebuild, args=(first,)) for first in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert AreaSection.objects.filter(level="", code="").count() == 1
