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
