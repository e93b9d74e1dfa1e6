"""Search that finds things: a table of Danish queries and what each must (or must not) find,
run on whichever database DATABASE_URL names (SQLite by default, PostgreSQL in CI), plus the
index's upkeep and the results page (grouping, echo of the query, limits)."""

from __future__ import annotations

import io
import multiprocessing
import os
import re
import threading
from html import unescape
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from sundhedsaftale.agreements.models import Agreement
from sundhedsaftale.bodies.models import Body
from sundhedsaftale.portal import turns
from sundhedsaftale.portal.search import search_turn
from sundhedsaftale.portal.turns import semaphore
from sundhedsaftale.search import text
from sundhedsaftale.search.index import index_is_current
from sundhedsaftale.search.models import FTS_TABLE, SearchDocument, SearchIndexState


@pytest.fixture
def site(demo: None, db: None, client: Client) -> Client:
    return client


def results(client: Client, query: str, status: int = 200) -> str:
    response = client.get("/soeg/", {"q": query})
    assert response.status_code == status
    return response.content.decode()


def result_links(html: str) -> list[str]:
    """The result links in order (the hits' <h4> headings)."""
    return [unescape(href) for href in re.findall(r'<h4[^>]*><a href="([^"]+)"', html)]


def group_headings(html: str) -> list[str]:
    return [re.sub(r"\s*<span.*", "", h, flags=re.DOTALL).strip()
            for h in re.findall(r'<h3 id="gruppe-[^"]+">(.*?)</h3>', html, re.DOTALL)]


# (query, a link that must be among the results, the group heading it appears under)
MUST_FIND = [
    # Readmission content: the two readmission indicators ("genindlæggelser" in their titles).
    ("genindlæggelser", "/opfoelgning/readmission_somatic_30d/", "Opfølgning: indikatorer"),
    ("genindlæggelse", "/opfoelgning/readmission_somatic_30d/", "Opfølgning: indikatorer"),
    ("genindlæggelsen", "/opfoelgning/readmission_psychiatric_30d/",
     "Opfølgning: indikatorer"),
    ("Albertslund", "/kommuner/165/", "Kommuner"),
    ("albertslund", "/kommuner/165/", "Kommuner"),
    # "ældres" is not in the content; "ældre" is (the focus area and goal of 2024-2027).
    ("ældres", "/aftaler/2024-2027/fokusomraader/aeldre-og-kronisk-syge/", "Fokusområder"),
    ("ældre", "/aftaler/2024-2027/maal/rette-sted/", "Mål"),
    ("ÆLDRE", "/aftaler/2024-2027/maal/rette-sted/", "Mål"),
    ("rehabilitering", "/regelsaet/vej-9005-2013/", "Regelsæt og krav"),
    ("rehabiliteringsforløb", "/regelsaet/vej-9005-2013/", "Regelsæt og krav"),
    # "medicin" begins "Medicinkort" (requirement 4.4.b) and "medicinske" (an indicator).
    ("medicin", "/regelsaet/vej-9005-2013/", "Regelsæt og krav"),
    ("sundhedsklynge", "/klynger/syd/", "Sundhedsklynger"),
    ("sundhedsklynger", "/klynger/byen/", "Sundhedsklynger"),
    ("Sundhedsklynge Syd", "/klynger/syd/", "Sundhedsklynger"),
    ("KOL", "/bilag/forlobsprogram-kol/", "Bilag"),
    # The responsibility catalogue: "udskrivningen" is an inflected form of the task's word.
    ("udskrivningen", "/ansvar/demo-varsel-om-udskrivning/", "Opgaver og ansvar"),
    ("børnene", "/aftaler/2024-2027/fokusomraader/born-og-unge/", "Fokusområder"),
    ("ældre borgere kronisk", "/aftaler/2024-2027/fokusomraader/aeldre-og-kronisk-syge/",
     "Fokusområder"),
]

# Queries that must find nothing at all.
MUST_FIND_NOTHING = [
    "xylofonundervisning",          # no such word
    "ældre xylofonundervisning",    # every word must match
    "og i at",                      # only stop words
    "ældrexyz",                     # a longer word is not a prefix of "ældre"
    "klyngesundhed",                # parts in the wrong order are another word
]


@pytest.mark.parametrize(("query", "link", "heading"), MUST_FIND,
                         ids=[q for q, _l, _h in MUST_FIND])
def test_query_finds(site: Client, query: str, link: str, heading: str) -> None:
    html = results(site, query)
    links = result_links(html)
    assert link in links, f"{query!r} did not find {link} ({connection.vendor}): {links}"
    assert heading in group_headings(html)
    # The link is listed under its group's heading.
    section = re.search(rf"<h3 id=\"gruppe-[^\"]+\">{re.escape(heading)}\s*<span.*?</section>",
                        html, re.DOTALL)
    assert section and f'href="{link}"' in section.group(0)


@pytest.mark.parametrize("query", MUST_FIND_NOTHING)
def test_query_finds_nothing(site: Client, query: str) -> None:
    html = results(site, query)
    assert result_links(html) == []
    assert "0 resultater for" in html
    assert "Prøv et andet eller et kortere søgeord." in html


def test_a_title_hit_comes_first(site: Client) -> None:
    # "Albertslund" is the municipality's name and only in the text of its cluster.
    links = result_links(results(site, "Albertslund"))
    assert links[0] == "/kommuner/165/"
    assert "/klynger/syd/" in links[1:]


def test_drafts_are_not_in_the_index(site: Client) -> None:
    draft = Agreement.objects.exclude(status__in=Agreement.PUBLIC_STATUSES).first()
    assert draft is not None, "the demo data has a draft agreement"
    assert not SearchDocument.objects.filter(url__startswith=f"/aftaler/{draft.slug}/").exists()
    for goal in draft.goals.all():
        links = result_links(results(site, goal.title))
        assert not [link for link in links if link.startswith(f"/aftaler/{draft.slug}/")]


def test_every_kind_of_public_content_is_indexed(site: Client) -> None:
    kinds = set(SearchDocument.objects.values_list("kind", flat=True))
    assert {"agreement", "vision", "principle", "focus_area", "goal", "initiative", "annex",
            "municipality", "cluster", "body", "indicator", "requirement", "hearing",
            "meeting", "responsibility"} <= kinds


def test_the_query_is_echoed_shortened(site: Client) -> None:
    query = "sundhedsaftale " * 10  # 149 characters once trimmed
    html = results(site, query)
    shown = query.strip()[:79] + "…"
    assert f"„{shown}“" in html
    assert re.search(r"<title>\s*Søgning: " + re.escape(shown), html)
    assert query.strip() not in re.sub(r'value="[^"]*"', "", html)  # only in the search box


def test_a_query_over_200_characters_is_refused_with_400(site: Client) -> None:
    html = results(site, "ord " * 60, status=400)
    assert "Søgningen er for lang: højst 200 tegn." in html


@pytest.mark.parametrize("concurrency", [1, 2])
def test_a_search_without_a_turn_gets_503_and_may_retry(site: Client, settings: Any,
                                                        concurrency: int) -> None:
    """Every turn busy (other searches running): the next search waits SEARCH_WAIT_SECONDS,
    then is told in Danish to retry, with Retry-After; pages are not held up; once a turn is
    free the same search answers."""
    settings.SEARCH_CONCURRENCY = concurrency
    settings.SEARCH_WAIT_SECONDS = 0.05
    busy = semaphore(concurrency)  # the turns the searches take
    held = [busy.acquire(timeout=1) for _ in range(concurrency)]
    try:
        assert all(held)
        with search_turn() as granted:
            assert not granted
        response = site.get("/soeg/", {"q": "ældre"})
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        html = response.content.decode()
        assert "Søgningen har travlt lige nu. Prøv igen om lidt." in html
        assert result_links(html) == []
        assert site.get("/kommuner/").status_code == 200
        assert site.get("/soeg/").status_code == 200  # the empty form waits for no turn
    finally:
        for _ in held:
            busy.release()
    assert "/aftaler/2024-2027/maal/rette-sted/" in result_links(results(site, "ældre"))


def test_search_turns_are_shared_by_forked_workers() -> None:
    """gunicorn's master makes the semaphore before the workers fork: a turn taken in one
    process is missing in another."""
    ctx = multiprocessing.get_context("fork")
    turns.create_shared(1)
    try:
        shared = turns.semaphore(1)
        assert shared.acquire(timeout=1)
        child = ctx.Process(target=_exit_with_turn, args=(0.05,))
        child.start()
        child.join(10)
        assert child.exitcode == 1  # no turn in the child while the parent holds it
        shared.release()
        child = ctx.Process(target=_exit_with_turn, args=(5.0,))
        child.start()
        child.join(10)
        assert child.exitcode == 0
    finally:
        turns._shared = None


def _exit_with_turn(wait: float) -> None:
    granted = turns.semaphore(1).acquire(timeout=wait)
    os._exit(0 if granted else 1)


def test_the_index_follows_a_committed_change(site: Client,
                                              django_capture_on_commit_callbacks: object) -> None:
    from sundhedsaftale.bodies.services import body_update

    body = Body.objects.order_by("pk").first()
    assert body is not None
    assert not result_links(results(site, "xylofonundervisning"))
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        body_update(body=body, by=None,
                    description=body.description + " Vi prøver xylofonundervisning.")
    assert index_is_current()
    assert f"/organisation/{body.slug}/" in result_links(results(site, "xylofonundervisning"))


def test_a_long_text_is_stored_casefolded_and_its_change_refreshes_it(
        site: Client, django_capture_on_commit_callbacks: object) -> None:
    """A hit's summary looks for the query's words in the casefolded text the index stores
    (body_folded, for texts longer than a summary); the write that changes the text refreshes
    it, and the summary then shows the passage with the word."""
    from sundhedsaftale.bodies.services import body_update
    from sundhedsaftale.search.models import SUMMARY_LENGTH

    for doc in SearchDocument.objects.all():
        assert doc.body_folded == (doc.body.casefold() if len(doc.body) > SUMMARY_LENGTH
                                   else "")
    body = Body.objects.order_by("pk").first()
    assert body is not None
    filler = "Klyngen Mødes Jævnligt Med Kommunerne. " * 10
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        body_update(body=body, by=None,
                    description=f"{filler}Vi prøver XYLOFONUNDERVISNING i Åbenrå.")
    doc = SearchDocument.objects.get(url=f"/organisation/{body.slug}/")
    assert len(doc.body) > SUMMARY_LENGTH
    assert doc.body_folded == doc.body.casefold()
    assert "xylofonundervisning i åbenrå" in doc.body_folded
    html = results(site, "xylofonundervisning")
    assert re.search(r"<p>… [^<]*Vi prøver XYLOFONUNDERVISNING i Åbenrå\.</p>", html)


def test_hits_are_escaped(site: Client) -> None:
    """The results are written as text in one pass (portal.search_sections): what the index
    holds is escaped as the template escapes it."""
    from markupsafe import escape

    hostile = "<script>alert('x')</script> & \"q\""
    escaped = str(escape(hostile))
    SearchDocument.objects.filter(url="/kommuner/165/").update(
        title=f"Albertslund {hostile}", context=hostile, body=hostile,
        url=f"/kommuner/165/?a=1&b={hostile}")
    SearchDocument.objects.filter(url="/klynger/syd/").update(url="", body="")
    for language, lang in (("da", ""), ("en", ' lang="da"')):
        site.cookies["django_language"] = language
        html = results(site, "Albertslund")
        assert hostile not in html
        assert (f'<p class="result-kind">{"Kommune" if language == "da" else "Municipality"}'
                f" · {escaped}</p>\n      <h4 class=\"h5\"{lang}>"
                f'<a href="/kommuner/165/?a=1&amp;b={escaped}">Albertslund {escaped}</a></h4>\n'
                f"      <p{lang}>{escaped}</p>\n    </li>") in html
        syd = re.search(r"<h4[^>]*>Sundhedsklynge Syd</h4>\n      \n    </li>", html)
        assert syd and syd.group(0).startswith(f'<h4 class="h5"{lang}>')


def test_a_stale_index_is_rebuilt_before_it_answers(site: Client) -> None:
    SearchIndexState.objects.all().delete()
    SearchDocument.objects.all().delete()
    assert not index_is_current()
    assert "/kommuner/165/" in result_links(results(site, "Albertslund"))
    assert index_is_current()


def test_search_rebuild_command(site: Client) -> None:
    out = StringIO()
    call_command("search_rebuild", stdout=out)
    count = SearchDocument.objects.count()
    assert count > 100
    assert f"search index: {count} documents" in out.getvalue()
    if connection.vendor == "sqlite":  # the full-text table is whole after the rebuild
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rank) "
                           "VALUES ('integrity-check', 1)")
    assert "/kommuner/165/" in result_links(results(site, "Albertslund"))


def test_search_pages_run_few_queries(site: Client,
                                      django_assert_max_num_queries: object) -> None:
    results(site, "ældre")  # the index is current
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        results(site, "sundhedsklynger")


# --- the Danish terms, without a database ----------------------------------------------------

@pytest.mark.parametrize("forms", [
    ("genindlæggelse", "genindlæggelser", "genindlæggelsen", "genindlæggelserne"),
    ("ældre", "ældres"),
    ("sundhedsklynge", "sundhedsklynger", "sundhedsklyngen", "sundhedsklyngerne"),
    ("rehabilitering", "rehabiliteringen"),
])
def test_inflected_forms_share_one_term(forms: tuple[str, ...]) -> None:
    assert len({text.terms(form)[0] for form in forms}) == 1


def test_a_query_term_matches_the_beginning_of_a_word_only() -> None:
    assert text.matches_all(text.query_terms("medicin"), text.terms("Fælles Medicinkort"))
    assert text.matches_all(text.query_terms("ældre"), text.terms("ældreområdet"))
    assert not text.matches_all(text.query_terms("ældre"), text.terms("forældre"))
    assert text.query_terms("og i at") == []


# Texts and terms where a word starts: after a space, a hyphen, a digit, an underscore, a
# combining accent, a Roman numeral, at the start of the text; "forældre" has no word "ældr".
_STARTS = ["ældre og forældre", "forældre, ældre", "før-ældre", "2ældre", "_ældre",
           "e\u0301ældre", "Ⅻældre", "ældre", "", "ældr", "x ældrældre ældre",
           "  medicinkort  medicin", "kol kollega", "kollega kol", "sundhedsklyngerne"]


@pytest.mark.parametrize("body", _STARTS)
@pytest.mark.parametrize("term", ["ældr", "medicin", "kol", "sundhedsklyng", "e"])
def test_a_word_start_is_found_as_the_regex_finds_it(body: str, term: str) -> None:
    from sundhedsaftale.search.query import _word_start

    found = re.search(r"(?<!\w)" + re.escape(term), body.casefold())
    assert _word_start(body.casefold(), term) == (found.start() if found else -1)


@pytest.mark.parametrize("title", ["Fælles Medicinkort", "ældreområdet", "forældre",
                                   "KOL-forløb", "Kollegaer", "ældre og kronisk syge", "",
                                   "Sundhedsklynge Syd", "medicin"])
@pytest.mark.parametrize("query", ["medicin", "ældre", "kol", "ældre syge", "sundhedsklyngen",
                                   "syd", "kronisk"])
def test_a_title_hit_is_what_matches_all_says(title: str, query: str) -> None:
    terms = text.query_terms(query)
    title_terms = " ".join(text.terms(title))  # as the index stores them
    spaced = text.spaced(title_terms)
    assert all(n in spaced for n in text.needles(terms)) == text.matches_all(
        terms, title_terms.split())


def test_kind_words_are_the_labels_in_the_request_language() -> None:
    from django.utils import translation

    from sundhedsaftale.search.registry import kind_of, kind_words

    for language in ("da", "en"):
        with translation.override(language):
            for kind in ("goal", "municipality", "indicator", "no-such-kind"):
                found = kind_of(kind)
                assert kind_words(kind, translation.get_language()) == (
                    str(found.label), str(found.heading))
    with translation.override("en"):
        assert kind_words("goal", "en") == ("Goal", "Goals")


def test_a_municipality_is_found_by_its_official_name_too(site: Client) -> None:
    # København's official name is "Københavns Kommune"; Bornholm's "Bornholms Regionskommune".
    assert result_links(results(site, "Københavns Kommune"))[0] == "/kommuner/101/"
    html = results(site, "regionskommune")
    assert result_links(html)[0] == "/kommuner/400/"
    assert "Bornholms Regionskommune" in html


def _wsgi_get(path: str) -> str:
    from sundhedsaftale.wsgi import application

    statuses: list[str] = []
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1",
               "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO()}
    b"".join(application(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    return statuses[0]


def test_under_gunicorn_pages_take_page_turns_and_search_does_not(site: Client) -> None:
    """A worker serves at most its page turns' worth of pages at once (half its threads);
    a page waits for a turn while a search goes by (it takes a search turn instead)."""
    turns.create_page_turns(1)
    try:
        pages = turns.page_turns()
        assert pages is not None and pages.acquire(timeout=1)  # another page is being served
        done = threading.Event()
        waiting = threading.Thread(target=lambda: (_wsgi_get("/healthz/"), done.set()))
        waiting.start()
        assert not done.wait(0.3)  # the page waits for its turn
        assert _wsgi_get("/soeg/") == "200 OK"  # a search is not held up by pages
        pages.release()
        assert done.wait(10)  # the page is served once a turn is free
        waiting.join(10)
    finally:
        turns._pages = None
    assert _wsgi_get("/healthz/") == "200 OK"  # outside gunicorn: no page turns
