"""Public portal pages on the demo data, through the Django test client."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from sundhedsaftale.agreements.models import Agreement, AgreementVersion, Goal
from sundhedsaftale.agreements.services import goal_update
from sundhedsaftale.bodies.models import Membership
from sundhedsaftale.portal import search as portal_search

# A date inside the clusters' period (2022-07-01 – 2026-12-31), so the tests keep passing
# after the clusters have been replaced by health councils.
ON = "2025-06-01"


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: object) -> Iterator[None]:
    """The demo data, loaded once for this module and removed afterwards."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("demo", verbosity=0)
    yield
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("flush", interactive=False, verbosity=0)




@pytest.fixture
def site(demo: None, db: None, client: object) -> Iterator[object]:
    # Pages rendered inside a test's transaction are never cached (portal/caching.py).
    yield client


class Page(HTMLParser):
    """Just enough of a page to assert what a visitor (or a screen reader) meets."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = html
        self.lang = ""
        self.title = ""
        self.headings: list[tuple[int, str]] = []
        self.links: list[tuple[str, str]] = []
        self.tables: list[dict[str, object]] = []
        self.landmarks: list[str] = []
        self._stack: list[tuple[str, dict[str, str | None]]] = []
        self._text: list[str] = []
        self._link_text: list[str] = []
        self._link: str | None = None
        self._heading: int | None = None
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang") or ""
        if tag == "title":
            self._in_title = True
        if tag in {"header", "nav", "main", "footer"}:
            self.landmarks.append(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = int(tag[1])
            self._text = []
        if tag == "a":
            self._link = attributes.get("href") or ""
            self._link_text = []
        if tag == "table":
            self.tables.append({"caption": False, "th": 0, "th_scoped": 0})
        if tag == "caption" and self.tables:
            self.tables[-1]["caption"] = True
        if tag == "th" and self.tables:
            self.tables[-1]["th"] = int(self.tables[-1]["th"]) + 1  # type: ignore[call-overload]
            if attributes.get("scope") in {"col", "row"}:
                self.tables[-1]["th_scoped"] = int(self.tables[-1]["th_scoped"]) + 1  # type: ignore[call-overload]

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "a" and self._link is not None:
            self.links.append((self._link, " ".join("".join(self._link_text).split())))
            self._link = None
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append((self._heading, " ".join("".join(self._text).split())))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        self._text.append(data)
        if self._link is not None:
            self._link_text.append(data)

    def hrefs(self, prefix: str) -> set[str]:
        return {href.split("#")[0] for href, _text in self.links if href.startswith(prefix)}


def get(client: object, url: str, status: int = 200) -> Page:
    response = client.get(url)  # type: ignore[attr-defined]
    assert response.status_code == status, f"{url}: {response.status_code}"
    return Page(response.content.decode())


# --- structure and accessibility basics, on every kind of page --------------------------------

PAGES = [
    "/",
    "/aftaler/",
    "/aftaler/2024-2027/",
    "/aftaler/2015-2018/",
    "/klynger/",
    f"/klynger/syd/?dato={ON}",
    f"/kommuner/?dato={ON}",
    "/kommuner/101/",
    "/organisation/",
    "/soeg/?q=ældre",
    "/tilgaengelighed/",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_page_has_landmarks_one_h1_ordered_headings_and_captioned_tables(
    site: object, url: str
) -> None:
    page = get(site, url)
    assert page.lang == "da"
    assert page.title.strip() and "–" in page.title, "each page has its own title"
    for landmark in ("header", "nav", "main", "footer"):
        assert landmark in page.landmarks
    assert 'href="#main-content"' in page.html and 'id="main-content"' in page.html
    levels = [level for level, _text in page.headings]
    assert levels.count(1) == 1, page.headings
    for previous, current in itertools.pairwise(levels):
        assert current <= previous + 1, f"heading order jumps from h{previous} to h{current}"
    for table in page.tables:
        assert table["caption"], f"a table on {url} has no caption"
        assert table["th"] == table["th_scoped"], f"a th on {url} lacks scope"
    vague = [text for _href, text in page.links if text.lower() in {"her", "klik her", "læs mere"}]
    assert not vague


def test_page_titles_differ_between_pages(site: object) -> None:
    titles = {get(site, url).title for url in PAGES}
    assert len(titles) == len(PAGES)


def test_accessibility_statement_has_the_usual_danish_sections(site: object) -> None:
    page = get(site, "/tilgaengelighed/")
    headings = [text for level, text in page.headings if level == 2]
    for section in ("Hvad erklæringen dækker", "Overholdelse af kravene", "Kendte problemer",
                    "Sådan giver du besked om problemer", "Klage og håndhævelse"):
        assert section in headings
    assert "Digitaliseringsstyrelsen" in page.html and "WCAG 2.1" in page.html
    assert any(href.startswith("mailto:") for href, _ in page.links)
    assert "/tilgaengelighed/" in get(site, "/").hrefs("/tilgaengelighed/")


def test_a_malformed_date_falls_back_to_today_instead_of_failing(site: object) -> None:
    # The whole page, for today, with a message saying the date was not understood; status
    # 400 so the wrong address is not cached or indexed as fine (issue 11 §5, portal.dating).
    page = get(site, "/klynger/syd/?dato=ikke-en-dato", status=400)
    assert page.headings[0][1] == "Sundhedsklynge Syd"
    assert "Datoen kunne ikke forstås" in page.html
    page = get(site, "/kommuner/?dato=2025-13-45", status=400)
    assert page.hrefs("/kommuner/") and "Datoen kunne ikke forstås" in page.html


# --- agreements ---------------------------------------------------------------------------------

def test_agreement_2024_2027_shows_visions_principles_focus_areas_and_goals(site: object) -> None:
    page = get(site, "/aftaler/2024-2027/")
    assert len(re.findall(r'<h3 id="vision-', page.html)) == 4
    principles = page.html.split('id="principper"')[1].split("</ol>")[0]
    assert principles.count("<li>") == 8
    assert len(page.hrefs("/aftaler/2024-2027/fokusomraader/")) == 3
    assert len(page.hrefs("/aftaler/2024-2027/maal/")) == 6
    assert 'id="bilag"' in page.html


def test_agreement_2015_2018_shows_four_visions_and_eleven_numbered_goals(site: object) -> None:
    page = get(site, "/aftaler/2015-2018/")
    assert len(re.findall(r'<h3 id="vision-', page.html)) == 4
    goals = page.hrefs("/aftaler/2015-2018/maal/")
    assert len(goals) == 11
    numbers = sorted(int(n) for n in re.findall(r'<li value="(\d+)"><a href="/aftaler/2015-2018/maal/',
                                                 page.html))
    assert numbers == list(range(1, 12))


def test_annexes_carried_over_link_back_to_the_earlier_agreement(site: object) -> None:
    page = get(site, "/aftaler/2024-2027/")
    annexes = page.html.split('id="bilag"')[1]
    assert "/aftaler/2015-2018/" in annexes
    assert "KOL" in annexes


def test_focus_area_page_lists_its_goals_with_initiatives(site: object) -> None:
    agreement = get(site, "/aftaler/2024-2027/")
    focus_url = min(agreement.hrefs("/aftaler/2024-2027/fokusomraader/"))
    page = get(site, focus_url)
    goal_links = page.hrefs("/aftaler/2024-2027/maal/")
    assert len(goal_links) == 2
    assert 'id="indsats-' in page.html
    goal = get(site, min(goal_links))
    assert [level for level, _ in goal.headings].count(1) == 1
    assert focus_url in {href for href, _ in goal.links}


def test_goal_page_says_when_the_published_version_was_frozen_not_the_live_edit(
        site: object) -> None:
    # The public sees the published version: a live edit does not show, and "last changed" is
    # the day that version was frozen.
    goal = Goal.objects.filter(agreement__slug="2024-2027").first()
    assert goal is not None
    title = goal.title
    goal_update(goal=goal, by=None, title="Et mål med en ny formulering")
    page = get(site, f"/aftaler/2024-2027/maal/{goal.slug}/")
    assert title in page.html and "Et mål med en ny formulering" not in page.html
    assert "Senest ændret" in page.html
    version = AgreementVersion.objects.get(agreement__slug="2024-2027", stage="published")
    frozen = timezone.localtime(version.frozen_at).date()
    assert f'datetime="{frozen.isoformat()}' in page.html


def test_drafts_are_not_found_and_not_listed(site: object) -> None:
    drafts = list(Agreement.objects.exclude(status__in=Agreement.PUBLIC_STATUSES))
    assert drafts, "the demo data has a draft"
    listing = get(site, "/aftaler/")
    for draft in drafts:
        get(site, f"/aftaler/{draft.slug}/", status=404)
        assert f"/aftaler/{draft.slug}/" not in listing.hrefs("/aftaler/")
        for focus_area in draft.focus_areas.all():
            get(site, f"/aftaler/{draft.slug}/fokusomraader/{focus_area.slug}/", status=404)
        for goal in draft.goals.all():
            get(site, f"/aftaler/{draft.slug}/maal/{goal.slug}/", status=404)
            results = get(site, "/soeg/?q=" + goal.title.split()[0])
            assert f"/aftaler/{draft.slug}/" not in page_hrefs(results)


def test_a_reader_sees_a_draft_marked_as_draft_and_the_public_still_gets_404(
    site: object, django_user_model: object
) -> None:
    from django.contrib.auth.models import Permission

    draft = Agreement.objects.exclude(status__in=Agreement.PUBLIC_STATUSES).first()
    assert draft is not None
    reader = django_user_model.objects.create_user(  # type: ignore[attr-defined]
        username="laeser-test", password="not-used-x9")
    reader.user_permissions.add(Permission.objects.get(codename="view_agreement"))
    get(site, f"/aftaler/{draft.slug}/", status=404)
    site.force_login(reader)  # type: ignore[attr-defined]
    page = get(site, f"/aftaler/{draft.slug}/")
    assert "Udkast: denne aftale er ikke offentliggjort" in page.html
    site.logout()  # type: ignore[attr-defined]
    get(site, f"/aftaler/{draft.slug}/", status=404)


def test_search_finds_annexes_and_links_them_to_their_page(site: object) -> None:
    page = get(site, "/soeg/?q=KOL")
    assert "/bilag/forlobsprogram-kol/" in {href for href, _ in page.links}


def page_hrefs(page: Page) -> str:
    return " ".join(href for href, _ in page.links)


def test_unknown_agreement_is_a_danish_404_page(site: object) -> None:
    page = get(site, "/aftaler/findes-ikke/", status=404)
    assert "Siden findes ikke" in page.html


# --- geography ----------------------------------------------------------------------------------

def test_municipality_list_shows_29_municipalities_with_code_and_cluster(site: object) -> None:
    page = get(site, f"/kommuner/?dato={ON}")
    rows = re.findall(
        r'<th scope="row"><a href="/kommuner/(\d{3})/\?dato=2025-06-01">([^<]+)</a></th>\s*'
        r'<td>(\d{3})</td>\s*'
        r"<td>(.*?)</td>", page.html, re.DOTALL)
    assert len(rows) == 29
    for code, _name, shown_code, clusters in rows:
        assert code == shown_code
        assert "/klynger/" in clusters, f"municipality {code} shows no cluster"
    by_code = {code: clusters for code, _n, _c, clusters in rows}
    # Links keep the date asked for (issue 11 §5).
    assert "/klynger/byen/?dato=2025-06-01" in by_code["101"]
    assert "/klynger/syd/?dato=2025-06-01" in by_code["101"]
    assert "/klynger/bornholm/?dato=2025-06-01" in by_code["400"]


def test_cluster_list_shows_the_five_clusters(site: object) -> None:
    page = get(site, "/klynger/")
    assert page.hrefs("/klynger/") >= {f"/klynger/{code}/" for code in
                                       ("byen", "syd", "midt", "nord", "bornholm")}
    assert "Bispebjerg og Frederiksberg Hospital" in page.html


def test_copenhagen_appears_under_byen_and_syd_with_its_districts(site: object) -> None:
    byen = get(site, f"/klynger/byen/?dato={ON}")
    syd = get(site, f"/klynger/syd/?dato={ON}")
    assert f"/kommuner/101/?dato={ON}" in byen.hrefs("/kommuner/")
    assert f"/kommuner/101/?dato={ON}" in syd.hrefs("/kommuner/")
    for district in ("Indre By", "Østerbro", "Nørrebro", "Vanløse", "Bispebjerg"):
        assert district in byen.html
    for district in ("Valby", "Amager Øst", "Amager Vest"):
        assert district in syd.html and district not in byen.html
    assert "Hvidovre" in syd.html and "Amager og Hvidovre Hospital" in syd.html
    municipality = get(site, f"/kommuner/101/?dato={ON}")
    assert {f"/klynger/byen/?dato={ON}", f"/klynger/syd/?dato={ON}"} <= municipality.hrefs(
        "/klynger/")
    assert "101-05" in municipality.html


def test_cluster_page_has_population_table_by_age_and_sex_and_marks_uncertain_facts(
    site: object
) -> None:
    page = get(site, f"/klynger/syd/?dato={ON}")
    population = page.html.split("Befolkning efter alder og køn</h2>")[1]
    assert "Mænd" in population and "Kvinder" in population and "80+ år" in population
    assert "Kilde:" in page.html
    assert "usikker" in page.html


def _seat_date(body_slug_prefix: str) -> str:
    """A day on which the demo's members of these bodies hold their seats."""
    membership = (Membership.objects.filter(body__slug__startswith=body_slug_prefix,
                                            valid_from__isnull=False)
                  .order_by("valid_from").first())
    assert membership is not None
    return membership.valid_from.isoformat()


def test_cluster_page_lists_bodies_with_members_and_roles(site: object) -> None:
    on = _seat_date("klynge-syd")
    page = get(site, f"/klynger/syd/?dato={on}")
    assert {f"/organisation/klynge-syd-politisk/?dato={on}",
            f"/organisation/klynge-syd-faglig/?dato={on}"} <= page.hrefs("/organisation/")
    members = page.html.split("Organer og medlemmer</h2>")[1]
    assert '<th scope="col">Repræsenterer</th>' in members
    assert "Hvidovre Kommune" in members
    assert "Medformand" in members


def test_cluster_page_rows_escape_names_and_keep_their_marks(site: object) -> None:
    """The areas and members tables are written as text in one pass with autoescape off
    (cluster_area_rows, member_rows): names from the database are still escaped, and the
    "fiktiv" and "usikker" marks, districts, roles and terms still show."""
    from sundhedsaftale.bodies.models import Organisation
    from sundhedsaftale.core.guard import writes_unguarded
    from sundhedsaftale.geography.models import District, Municipality

    on = _seat_date("klynge-syd")
    seat = (Membership.objects.filter(body__slug__startswith="klynge-syd",
                                      valid_from__lte=on, organisation__isnull=False)
            .select_related("organisation").order_by("pk").first())
    assert seat is not None
    hostile = "<script>alert(1)</script>"
    with writes_unguarded():  # names no service would accept, to prove the escaping
        Municipality.objects.filter(code="167").update(name=f"Hvidovre{hostile}")
        District.objects.filter(code="101-05").update(name=f"Valby{hostile}")
        Membership.objects.filter(pk=seat.pk).update(person_name=f"Person{hostile}",
                                                     is_synthetic=True)
        Organisation.objects.filter(pk=seat.organisation_id).update(name=f"Org{hostile}")
    html = get(site, f"/klynger/syd/?dato={on}").html
    assert hostile not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    areas = html.split("Kommuner og bydele</h2>")[1].split("</table>")[0]
    assert f'?dato={on}">Hvidovre{escaped}</a></th>' in areas
    assert f"<li>Valby{escaped} (101-05)</li>" in areas
    assert "Hele kommunen" in areas and "Bydelene" in areas
    members = html.split("Organer og medlemmer</h2>")[1]
    assert (f'<th scope="row">Person{escaped} <span class="badge badge-info">fiktiv</span>'
            "</th>") in members
    assert f"<td>Org{escaped}</td>" in members
    start = seat.valid_from
    assert f"<td>{start.day}.{start.month}.{start.year} – " in members


def test_municipality_list_rows_escape_names_and_keep_the_date(site: object) -> None:
    """The list's rows are written as text in one pass (municipality_rows) with autoescape
    off: names are still escaped, and the links keep the page's date."""
    from sundhedsaftale.core.guard import writes_unguarded
    from sundhedsaftale.geography.models import HealthCluster, Municipality

    hostile = "<script>alert(1)</script>"
    with writes_unguarded():  # names no service would accept, to prove the escaping
        Municipality.objects.filter(code="167").update(name=f"Hvidovre{hostile}")
        HealthCluster.objects.filter(code="syd").update(name=f"Syd{hostile}")
    html = get(site, f"/kommuner/?dato={ON}").html
    assert hostile not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert (f'<th scope="row"><a href="/kommuner/167/?dato={ON}">Hvidovre{escaped}</a></th>'
            in html)
    assert f'<a href="/klynger/syd/?dato={ON}">Syd{escaped}</a>' in html
    assert '<td class="numeric">' in html


def test_body_page_lists_members_with_role_organisation_and_term(site: object) -> None:
    listing = get(site, "/organisation/")
    assert "/organisation/ssu/" in listing.hrefs("/organisation/")
    page = get(site, f"/organisation/ssu/?dato={_seat_date('ssu')}")
    for column in ("Navn", "Rolle", "Repræsenterer", "Periode"):
        assert f'<th scope="col">{column}</th>' in page.html
    assert "Region Hovedstaden" in page.html.split("Medlemmer</h2>")[1]


def test_unknown_cluster_and_municipality_are_404(site: object) -> None:
    get(site, "/klynger/findes-ikke/", status=404)
    get(site, "/kommuner/999/", status=404)


def _csv_rows(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


@pytest.mark.parametrize("url", ["/kommuner.csv", "/kommuner/?format=csv"])
def test_municipality_list_downloads_as_csv(site: object, url: str) -> None:
    response = site.get(f"{url}{'&' if '?' in url else '?'}dato={ON}")  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response.content)
    assert rows[0] == ["kode", "kommune", "sundhedsklynger", "befolkning", "officielt navn"]
    assert len(rows) == 30
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["101"][1] == "København"
    assert by_code["101"][4] == "Københavns Kommune"
    assert by_code["400"][4] == "Bornholms Regionskommune"
    assert by_code["147"][4] == "Frederiksberg Kommune"
    assert "Byen" in by_code["101"][2] and "Syd" in by_code["101"][2]
    assert by_code["147"][3] == "104664"


def test_cluster_list_downloads_as_csv_with_districts(site: object) -> None:
    response = site.get(f"/klynger/?format=csv&dato={ON}")  # type: ignore[attr-defined]
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response.content)
    assert rows[0] == ["kode", "klynge", "akuthospital", "kommuner", "bydele", "befolkning"]
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {"byen", "syd", "midt", "nord", "bornholm"}
    assert "101-05" in by_code["syd"][4] and "101-01" in by_code["byen"][4]
    assert "Frederiksberg" in by_code["byen"][3]


# --- search -------------------------------------------------------------------------------------

def test_search_finds_a_goal_by_a_danish_word(site: object) -> None:
    page = get(site, "/soeg/?q=ældre")
    assert page.hrefs("/aftaler/2024-2027/maal/"), "a goal about the elderly is found"


def test_search_matches_case_insensitively_with_danish_letters(site: object) -> None:
    lower = get(site, "/soeg/?q=ældre").hrefs("/aftaler/")
    upper = get(site, "/soeg/?q=ÆLDRE").hrefs("/aftaler/")
    assert lower and lower == upper


def test_search_finds_other_word_forms(site: object) -> None:
    # Danish stemming on both databases (SQLite: FTS5 with the Snowball stemmer).
    # "børnene" (the children) is stemmed to the same lexeme as "børn" in the goal titles.
    assert get(site, "/soeg/?q=børnene").hrefs("/aftaler/2024-2027/")


def test_search_matches_words_not_parts_of_other_words(site: object) -> None:
    hits = portal_search.search("ældre")
    assert hits
    for hit in hits:
        text = f"{hit.title} {hit.summary}".casefold()
        assert re.search(r"(?<!\w)ældr", text), f"{hit.title!r} matched inside another word"


def test_search_every_word_must_match(site: object) -> None:
    assert get(site, "/soeg/?q=ældre").hrefs("/aftaler/")
    assert not get(site, "/soeg/?q=ældre+xylofonundervisning").hrefs("/aftaler/2024-2027/maal/")


def test_empty_search_shows_the_form_without_results(site: object) -> None:
    page = get(site, "/soeg/")
    assert 'name="q"' in page.html and "resultater for" not in page.html


# --- language -----------------------------------------------------------------------------------

def test_switching_to_english_translates_the_page_and_keeps_the_url(site: object) -> None:
    from django.conf import settings

    compiled = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.mo"
    assert compiled.exists(), f"{compiled} is missing: scripts/setup compiles the translations"
    response = site.post("/i18n/setlang/", {"language": "en", "next": "/klynger/"}, HTTP_ORIGIN="http://testserver")  # type: ignore[attr-defined]
    assert response.status_code == 302 and response["Location"] == "/klynger/"
    page = get(site, "/klynger/")
    assert page.lang == "en"
    assert ">Health clusters<" in page.html
    assert "Sundhedsklynger pr." not in page.html
    # Agreement texts stay Danish and say so, for screen readers (WCAG 3.1.2).
    agreement = get(site, "/aftaler/2024-2027/")
    assert ">Principles of the collaboration<" in agreement.html
    assert re.search(r'<h1 lang="da">', agreement.html)
    site.post("/i18n/setlang/", {"language": "da", "next": "/"}, HTTP_ORIGIN="http://testserver")  # type: ignore[attr-defined]
    danish = get(site, "/aftaler/2024-2027/")
    assert danish.lang == "da" and '<h1 lang="da">' not in danish.html


# --- speed: a constant number of queries ------------------------------------------------------

def test_agreement_page_runs_a_constant_number_of_queries(
    site: object, django_assert_max_num_queries: object
) -> None:
    with django_assert_max_num_queries(16):  # type: ignore[operator]
        get(site, "/aftaler/2024-2027/")


def test_cluster_page_runs_a_constant_number_of_queries(
    site: object, django_assert_max_num_queries: object
) -> None:
    with django_assert_max_num_queries(11):  # type: ignore[operator]  (3 are the follow-up's)
        get(site, f"/klynger/syd/?dato={ON}")


def test_municipality_list_runs_a_constant_number_of_queries(
    site: object, django_assert_max_num_queries: object
) -> None:
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        get(site, f"/kommuner/?dato={ON}")


def test_healthz_answers_ok_without_queries(
    site: object, django_assert_num_queries: object
) -> None:
    with django_assert_num_queries(0):  # type: ignore[operator]
        response = site.get("/healthz/")  # type: ignore[attr-defined]
    assert response.content == b"ok"


def test_a_newly_published_version_shows_at_once(site: object) -> None:
    # Editing the live draft does not show on the public page; publishing a new version does.
    from sundhedsaftale.agreements.services import (
        version_freeze,
        version_publish,
        version_transition,
    )

    goal = Goal.objects.filter(agreement__slug="2024-2027").first()
    assert goal is not None
    get(site, "/aftaler/2024-2027/")
    goal_update(goal=goal, by=None, title="Et helt nyt mål om tandpleje")
    assert "Et helt nyt mål om tandpleje" not in get(site, "/aftaler/2024-2027/").html
    version = version_freeze(agreement=goal.agreement, by=None, election_period_start=2022,
                             significant=False)
    version_transition(version=version, to="adopted", by=None)
    version_publish(version=version, by=None)
    assert "Et helt nyt mål om tandpleje" in get(site, "/aftaler/2024-2027/").html


# --- the cluster page in Jinja2 (issue 12) ------------------------------------------------------

@pytest.mark.parametrize("url", [f"/klynger/syd/?dato={ON}", f"/kommuner/101/?dato={ON}"])
def test_table_ids_are_unique_and_label_their_regions(site: object, url: str) -> None:
    # The follow-up section used to number its table from 1 again ("tabel-1" twice), so a
    # screen reader's region label could point at the wrong table.
    page = get(site, url)
    ids = re.findall(r'<caption id="([^"]+)"', page.html)
    assert len(ids) >= 3 and len(ids) == len(set(ids))
    assert re.findall(r'role="region" tabindex="0" aria-labelledby="([^"]+)"', page.html) == ids


def test_cluster_page_shows_its_follow_up_figures_beside_the_region(site: object) -> None:
    page = get(site, f"/klynger/syd/?dato={ON}")
    section = page.html.split('<h2 id="opfoelgning">')[1].split("</section>")[0]
    assert "/opfoelgning/" in section
    assert re.search(r'<td class="numeric">\d+,\d</td>\s*<td class="numeric">\d+,\d</td>',
                     section)
    site.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ORIGIN="http://testserver")  # type: ignore[attr-defined]
    english = get(site, f"/klynger/syd/?dato={ON}").html.split('<h2 id="opfoelgning">')[1]
    assert "Indicators for the area beside the region" in english
    assert re.search(r'<td class="numeric">\d+\.\d</td>', english)


def test_cluster_page_reads_in_few_queries(
    site: object, django_assert_max_num_queries: object
) -> None:
    # Cluster and population quarter, areas with population, bodies with seats, and the
    # follow-up section's runs, indicators and figures: plain rows, no query per row.
    with django_assert_max_num_queries(7):  # type: ignore[operator]
        get(site, f"/klynger/syd/?dato={ON}")


def test_municipality_list_reads_in_few_queries(
    site: object, django_assert_max_num_queries: object
) -> None:
    with django_assert_max_num_queries(3):  # type: ignore[operator]
        get(site, f"/kommuner/?dato={ON}")


def test_the_href_filter_gives_the_links_url_gives(site: object) -> None:
    from django.test import RequestFactory
    from django.urls import set_script_prefix

    from sundhedsaftale.core.jinja import _backend, url

    def href(source: str) -> str:
        return str(_backend().from_string(source).render({}, RequestFactory().get("/")))

    assert href('{{ "syd"|href("portal:cluster_detail") }}') == url(
        "portal:cluster_detail", "syd") == "/klynger/syd/"
    assert href('{{ 101|href("portal:municipality_detail") }}') == "/kommuner/101/"
    set_script_prefix("/portal/")  # a deployment under a sub-path: the prefix is part of the key
    try:
        assert href('{{ "syd"|href("portal:cluster_detail") }}') == "/portal/klynger/syd/"
    finally:
        set_script_prefix("/")
    assert href('{{ "syd"|href("portal:cluster_detail") }}') == "/klynger/syd/"
    assert str(_backend().from_string('{{ "syd"|href("portal:cluster_detail") }}').render(
        {})) == "/klynger/syd/"  # a render without a request