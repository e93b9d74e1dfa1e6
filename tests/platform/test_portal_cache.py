"""Public pages: the shared page cache and its generation, bounded query counts, invalid input
(400/404, never 500, on SQLite and PostgreSQL) and CSV downloads without formula injection."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.test import Client

from sundhedsaftale.agreements.models import Agreement, Goal
from sundhedsaftale.core.csv import csv_safe_cell, csv_safe_writer
from sundhedsaftale.core.services import service
from sundhedsaftale.geography.models import Municipality
from sundhedsaftale.portal import caching
from sundhedsaftale.portal.generation import (
    cache_generation,
    cache_generation_bump,
    cache_generation_bump_on_commit,
)

ON = "2025-06-01"


@pytest.fixture
def site(demo: None, db: None, client: Client) -> Client:
    return client


@pytest.fixture
def cached_site(site: Client, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """The page cache on inside the test's transaction, starting empty, with a generation."""
    monkeypatch.setattr(caching, "allow_in_transactions", True)
    caches["default"].clear()
    cache_generation_bump()
    yield site
    caches["default"].clear()


def html(response: object) -> str:
    assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]
    return response.content.decode()  # type: ignore[attr-defined]


@service
def _edit(obj: object, **fields: object) -> None:
    """A write as a service would make it (these tests do not depend on other apps' services)."""
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save()  # type: ignore[attr-defined]


# --- the shared page cache ------------------------------------------------------------------


def test_a_repeated_anonymous_page_costs_one_query(cached_site: Client,
                                                   django_assert_num_queries: object) -> None:
    first = html(cached_site.get("/kommuner/"))
    with django_assert_num_queries(1):  # type: ignore[operator]  # the generation
        again = html(cached_site.get("/kommuner/"))
    assert without_token(again) == without_token(first)


def without_token(page: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_extra_query_parameters_do_not_bypass_the_cache(cached_site: Client,
                                                        django_assert_num_queries: object) -> None:
    html(cached_site.get("/kommuner/"))
    with django_assert_num_queries(1):  # type: ignore[operator]
        html(cached_site.get("/kommuner/?x=1&utm_source=mail"))
    # A parameter the page reads is part of the key: another date is another page.
    other = cached_site.get(f"/kommuner/?dato={ON}")
    assert other.status_code == 200


def test_a_withdrawn_agreement_is_gone_at_once(
        cached_site: Client, django_capture_on_commit_callbacks: object) -> None:
    assert "2024-2027" in html(cached_site.get("/aftaler/"))
    html(cached_site.get("/aftaler/2024-2027/"))
    agreement = Agreement.objects.get(slug="2024-2027")
    before = cache_generation()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        _edit(agreement, status=Agreement.Status.DRAFT)
        assert cache_generation() == before  # bumped only after commit
    assert cache_generation() != before
    assert cached_site.get("/aftaler/2024-2027/").status_code == 404
    assert "/aftaler/2024-2027/" not in html(cached_site.get("/aftaler/"))


def test_a_published_edit_shows_at_once_and_bumps_once_per_transaction(
        cached_site: Client, django_capture_on_commit_callbacks: object) -> None:
    html(cached_site.get("/aftaler/2024-2027/"))
    goals = list(Goal.objects.filter(agreement__slug="2024-2027")[:3])
    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        for number, goal in enumerate(goals):
            _edit(goal, title=f"Et helt nyt mål om tandpleje {number}")
            cache_generation_bump_on_commit()
        # The public page shows the published version: publish the edited draft.
        from sundhedsaftale.agreements.services import (
            version_freeze,
            version_publish,
            version_transition,
        )

        version = version_freeze(agreement=goals[0].agreement, by=None,
                                 election_period_start=2022, significant=False)
        version_transition(version=version, to="adopted", by=None)
        version_publish(version=version, by=None)
    assert len(callbacks) == 1
    before = cache_generation()
    callbacks[0]()
    assert cache_generation() == before + 1  # type: ignore[operator]
    assert "Et helt nyt mål om tandpleje 0" in html(cached_site.get("/aftaler/2024-2027/"))


def test_a_population_import_bumps_the_generation(
        cached_site: Client, django_capture_on_commit_callbacks: object) -> None:
    from sundhedsaftale.core.demo import POPULATION_FILE
    from sundhedsaftale.geography.services import population_import

    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        before = cache_generation()
        population_import(path=POPULATION_FILE)
    assert cache_generation() != before


def test_logged_in_users_always_get_a_fresh_page(cached_site: Client,
                                                 django_user_model: object) -> None:
    html(cached_site.get("/aftaler/2024-2027/"))
    user = django_user_model.objects.create_user("reader-x", is_staff=True)  # type: ignore
    cached_site.force_login(user)
    key_count = len(caches["default"]._cache)  # type: ignore[attr-defined]
    html(cached_site.get("/aftaler/2024-2027/"))
    assert len(caches["default"]._cache) == key_count  # type: ignore[attr-defined]


def test_without_a_generation_nothing_is_cached(site: Client, monkeypatch: pytest.MonkeyPatch,
                                                 django_assert_max_num_queries: object) -> None:
    monkeypatch.setattr(caching, "allow_in_transactions", True)
    caches["default"].clear()
    from sundhedsaftale.portal.models import ContentGeneration

    ContentGeneration.objects.all().delete()
    html(site.get("/kommuner/"))
    assert not caches["default"]._cache  # type: ignore[attr-defined]


def test_a_visitor_switches_language_from_a_cached_page_without_any_cookie_before(
        cached_site: Client) -> None:
    html(cached_site.get("/klynger/"))  # fills the cache
    visitor = Client(enforce_csrf_checks=True)
    first = visitor.get("/klynger/")
    assert not first.cookies  # an anonymous page view sets no cookie (no CSRF token needed)
    assert "csrfmiddlewaretoken" not in html(first)
    response = visitor.post("/i18n/setlang/", {"language": "en", "next": "/klynger/"},
                            HTTP_ORIGIN="http://testserver")
    assert response.status_code == 302
    assert '<html lang="en"' in html(visitor.get("/klynger/"))


def test_csv_downloads_are_cached_with_their_headers(cached_site: Client) -> None:
    first = cached_site.get("/kommuner.csv")
    again = cached_site.get("/kommuner.csv?x=2")
    assert again.content == first.content
    assert again["Content-Type"].startswith("text/csv")
    assert "attachment" in again["Content-Disposition"]


# --- renders are cheap: bounded query counts, uncached --------------------------------------


@pytest.mark.parametrize(("url", "queries"), [
    ("/", 8),
    ("/kommuner/", 7),
    ("/kommuner/101/", 12),  # + 3 for the follow-up section (latest figures beside the region)
    ("/kommuner.csv", 7),
    ("/klynger/", 6),
    ("/klynger/syd/", 11),
    ("/organisation/", 6),
    ("/aftaler/2024-2027/", 16),
    ("/soeg/?q=%C3%A6ldre", 12),
])
def test_pages_run_a_small_bounded_number_of_queries(site: Client, url: str, queries: int,
                                                     django_assert_max_num_queries: object
                                                     ) -> None:
    with django_assert_max_num_queries(queries):  # type: ignore[operator]
        response = site.get(url)
    assert response.status_code == 200


def test_population_on_pages_is_the_latest_complete_quarter(site: Client, tmp_path: object
                                                            ) -> None:
    from sundhedsaftale.geography.services import population_import

    path = tmp_path / "small.csv"  # type: ignore[operator]
    path.write_text("OMRÅDE;KØN;ALDER;TID;INDHOLD;KILDE\nDragør;I alt;Alder i alt;2024K1;1;real\n",
                    encoding="utf-8")
    population_import(path=path, replace=True)
    page = html(site.get("/kommuner/155/"))
    assert "2023K1" in page and "2024K1" not in page


# --- invalid input: 400 or 404, never 500 (run on SQLite and on PostgreSQL) -----------------


@pytest.mark.parametrize(("url", "status"), [
    ("/soeg/?q=%00", 400),
    ("/soeg/?q=a%00b", 400),
    ("/soeg/?q=" + "langt%20ord%20" * 200, 400),
    ("/kommuner/%00/", 400),
    ("/kommuner/1%0001/", 400),
    ("/organisation/%00abc/", 400),
    ("/aftaler/2024-2027/maal/%00/", 400),
    ("/kommuner/?dato=%00", 400),
    ("/klynger/%01/", 400),
    ("/admin/%00/", 400),
    ("/kommuner/" + "9" * 3000 + "/", 404),
    ("/kommuner/١٠١/", 404),
    ("/klynger/ab%C3%A6/", 404),
    ("/soeg/?q=%ED%A0%80", 200),  # not UTF-8: Django reads it as a replacement character
    ("/kommuner/?dato=99999-01-01", 400),  # not a date: a message, not silence (issue 11 §5)
])
def test_invalid_input_is_400_or_404_never_500(site: Client, url: str, status: int) -> None:
    response = site.get(url)
    assert response.status_code == status
    if status == 400:
        assert "\x00" not in response.content.decode()


def test_the_search_page_says_when_a_query_is_too_long(site: Client) -> None:
    response = site.get("/soeg/", {"q": "ord " * 100})
    assert response.status_code == 400
    assert "højst 200 tegn" in response.content.decode()


# --- CSV without formula injection ----------------------------------------------------------


@pytest.mark.parametrize(("value", "written"), [
    ("=HYPERLINK(\"http://evil.example\",\"klik\")", "'=HYPERLINK(\"http://evil.example\",\"klik\")"),
    ("+45 12 34", "'+45 12 34"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("\rcmd", "'\rcmd"),
    ("  =1+1", "'  =1+1"),
    ("＝1+1", "'＝1+1"),
    ("Dragør", "Dragør"),
    ("", ""),
    (-4, -4),
    (12.5, 12.5),
    (None, None),
])
def test_csv_safe_cell(value: object, written: object) -> None:
    assert csv_safe_cell(value) == written


def test_csv_safe_writer_writes_numbers_as_numbers() -> None:
    buffer = io.StringIO()
    csv_safe_writer(buffer, delimiter=";").writerows([["=1+1", -4, "ok"]])
    assert buffer.getvalue().strip() == "'=1+1;-4;ok"


@pytest.mark.parametrize("url", ["/kommuner.csv", "/kommuner/?format=csv", "/klynger/?format=csv"])
def test_public_csv_downloads_neutralise_formulas(site: Client, url: str) -> None:
    evil = '=HYPERLINK("http://evil.example")'
    Municipality.objects.filter(code="155").update(name=evil)
    response = site.get(url)
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "HYPERLINK" in text
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for row in rows for cell in row)
    if "kommuner" in url:
        assert "'" + evil in [cell for row in rows for cell in row]
