"""Follow-up pages behind the shared page cache: a repeated anonymous visit costs one query,
the choices (level, grain, measure) are part of the key, and publishing or withdrawing a run
changes the indicator page, the catalogue and a cluster page's follow-up section at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client

from sundhedsaftale.followup import services
from sundhedsaftale.portal import caching
from sundhedsaftale.portal.generation import cache_generation, cache_generation_bump

from .followup_fixtures import write_results

PAGE = "/opfoelgning/readmission_somatic_30d/"
REGION_2024 = "9,0"  # 100 * 904 / 10000 with one decimal, as the page writes it


@pytest.fixture
def cached(demo_content: object, client: Client, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[Client]:
    """The page cache on inside the test's transaction, starting empty, with a generation."""
    monkeypatch.setattr(caching, "allow_in_transactions", True)
    caches["default"].clear()
    cache_generation_bump()
    yield client
    caches["default"].clear()


@contextmanager
def committed() -> Iterator[None]:
    """As if the block were its own transaction: its on-commit callbacks run at the end, and
    are then gone (a test runs inside one transaction that is never committed)."""
    start = len(connection.run_on_commit)
    yield
    while len(connection.run_on_commit) > start:
        _ids, callback, *_rest = connection.run_on_commit.pop(start)
        callback()


def _run(tmp_path: object) -> object:
    """An imported run, committed as the import command would."""
    with committed():
        return services.run_import(path=write_results(tmp_path / "r.parquet"),  # type: ignore
                                   label="T", by=None).run


def html(response: object) -> str:
    assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]
    return response.content.decode()  # type: ignore[attr-defined]


def test_a_repeated_indicator_page_costs_one_query(cached: Client, tmp_path: object,
                                                   django_assert_num_queries: object) -> None:
    with committed():
        services.run_publish(run=_run(tmp_path), by=None)
    url = PAGE + "?niveau=kommune&tid=aar"
    first = html(cached.get(url))
    for again_url in (url, url + "&x=1", PAGE + "?niveau=ukendt", PAGE):
        with django_assert_num_queries(1):  # type: ignore[operator]  # the generation
            again = html(cached.get(again_url))
        assert _no_token(again) == _no_token(first)
    # Another level is another page.
    region = html(cached.get(PAGE + "?niveau=region&tid=aar"))
    assert _no_token(region) != _no_token(first)


def test_publish_and_withdraw_change_cached_follow_up_pages_at_once(
        cached: Client, tmp_path: object) -> None:
    run = _run(tmp_path)
    url = PAGE + "?niveau=region&tid=aar"
    assert "Der er ingen offentliggjorte tal" in html(cached.get(url))
    assert "Der er ingen offentliggjorte indikatortal" in html(cached.get("/klynger/syd/"))
    html(cached.get("/opfoelgning/"))
    before = cache_generation()
    with committed():
        services.run_publish(run=run, by=None)
    assert cache_generation() != before
    assert REGION_2024 in html(cached.get(url))
    assert REGION_2024 in html(cached.get("/klynger/syd/"))
    with committed():
        services.run_withdraw(run=run, by=None)
    assert "Der er ingen offentliggjorte tal" in html(cached.get(url))
    assert "Der er ingen offentliggjorte indikatortal" in html(cached.get("/klynger/syd/"))


def test_the_chart_is_cached_with_its_content_type(cached: Client, tmp_path: object,
                                                   django_assert_num_queries: object) -> None:
    with committed():
        services.run_publish(run=_run(tmp_path), by=None)
    url = PAGE + "graf/sammenligning.svg?niveau=kommune&tid=aar"
    first = cached.get(url)
    with django_assert_num_queries(1):  # type: ignore[operator]
        again = cached.get(url)
    assert again.content == first.content and b"<svg" in again.content
    assert again["Content-Type"].startswith("image/svg+xml")
    assert again["Cache-Control"] == first["Cache-Control"]


def _no_token(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


@pytest.mark.parametrize(("url", "queries"), [
    (PAGE + "?niveau=kommune&tid=aar", 9),
    (PAGE + "?niveau=kommune&tid=aar&maal=std", 11),
    ("/opfoelgning/", 4),
    ("/klynger/syd/", 14),
])
def test_follow_up_pages_run_a_bounded_number_of_queries_uncached(
        demo_content: object, client: Client, tmp_path: object, url: str, queries: int,
        django_assert_max_num_queries: object) -> None:
    with committed():
        services.run_publish(run=_run(tmp_path), by=None)
    with django_assert_max_num_queries(queries):  # type: ignore[operator]
        page = html(client.get(url))
    assert "ingen offentliggjorte" not in page  # the figures are there


def test_area_figures_are_read_through_an_index(demo_content: object, tmp_path: object) -> None:
    """The follow-up section reads one area's rows by index, not every row of the run."""
    from sundhedsaftale.followup.models import Result
    from sundhedsaftale.followup.selectors import REGION_CODE

    run = _run(tmp_path)
    query = Result.objects.filter(run=run, grain="year", level__in=["cluster", "region"],
                                  code__in=["syd", REGION_CODE]).values_list("value")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "followup_result_area" in plan, plan
        else:
            names = {index.name for index in Result._meta.indexes}
            assert "followup_result_area" in names
