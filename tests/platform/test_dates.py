"""Issue 11 §5: `?dato=` means the same on every page, and the 2027 transition warning.

The demo's five health clusters (and their memberships) run 2022-07-01 – 2026-12-31; nothing
follows them until staff set up the successor. "Today" for the warning is fixed with the
setting STRUCTURE_CHECK_TODAY (geography.transition.today).
"""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from sundhedsaftale.core.models import AuditEvent
from sundhedsaftale.geography.models import AreaMembership, HealthCluster
from sundhedsaftale.geography.services import (
    SuccessorError,
    successor_create,
    successor_publish,
)
from sundhedsaftale.geography.transition import structure_gap
from sundhedsaftale.portal import caching

IN_PERIOD = "2025-06-01"
AFTER = "2027-06-01"
BEFORE = "2020-01-01"
WARN_FROM = datetime.date(2026, 11, 2)  # 60 days before 2027-01-01
NO_MESSAGE = "Ingen sundhedsklynger på denne dato"


def _csv(client: Client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
                if b";" in response.content.splitlines()[0] else
                csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def municipality_to_areas_from_klynger(client: Client, dato: str) -> dict[str, set[str]]:
    """Which area(s) each municipality (by code) is in, as /klynger/ says (its CSV)."""
    municipalities = {row["kode"]: row["kommune"] for row in _csv(client, f"/kommuner.csv?dato={dato}")}
    by_name = {name: code for code, name in municipalities.items()}
    answer: dict[str, set[str]] = {}
    for row in _csv(client, f"/klynger/?format=csv&dato={dato}"):
        for name in filter(None, (n.strip() for n in row["kommuner"].split(","))):
            answer.setdefault(by_name[name], set()).add(row["klynge"])
        for district in filter(None, (d.strip() for d in row["bydele"].split(","))):
            answer.setdefault(district.split("-")[0], set()).add(row["klynge"])
    return answer


def municipality_to_areas_from_kommuner(client: Client, dato: str) -> dict[str, set[str]]:
    """Which area(s) each municipality (by code) is in, as /kommuner/ says (its CSV)."""
    return {row["kode"]: {n.strip() for n in row["sundhedsklynger"].split(",")}
            for row in _csv(client, f"/kommuner.csv?dato={dato}") if row["sundhedsklynger"]}


def area_links(html: str) -> set[str]:
    return set(re.findall(r'href="/klynger/([a-z0-9-]+)/', html))


def assert_same_answer(client: Client, dato: str) -> dict[str, set[str]]:
    from_list = municipality_to_areas_from_klynger(client, dato)
    from_municipalities = municipality_to_areas_from_kommuner(client, dato)
    assert from_list == from_municipalities, dato
    klynger = client.get(f"/klynger/?dato={dato}").content.decode()
    kommuner = client.get(f"/kommuner/?dato={dato}").content.decode()
    assert area_links(klynger) == area_links(kommuner), dato
    assert (NO_MESSAGE in klynger) == (NO_MESSAGE in kommuner) == (not from_list), dato
    return from_list


@pytest.fixture
def site(demo_content: object, client: Client) -> Client:
    return client


@pytest.fixture
def demo_clusters_end_2026(demo_content: object) -> None:
    ends = set(HealthCluster.objects.values_list("valid_to", flat=True))
    assert ends == {datetime.date(2026, 12, 31)}, "the tests assume the demo's cluster period"


# --- ?dato= means the same everywhere -------------------------------------------------------


def test_a_date_in_the_clusters_period_gives_the_same_answer_on_both_lists(site: Client) -> None:
    answer = assert_same_answer(site, IN_PERIOD)
    assert len(answer) == 29
    names = {row.code: row.name for row in HealthCluster.objects.all()}
    assert answer["101"] == {names["byen"], names["syd"]}
    assert answer["400"] == {names["bornholm"]}


def test_a_date_before_the_clusters_lists_nothing_on_either_page(site: Client) -> None:
    # The bug: /klynger/?dato=2020-01-01 listed the memberships that began in 2022.
    assert assert_same_answer(site, BEFORE) == {}
    page = site.get(f"/klynger/?dato={BEFORE}").content.decode()
    assert NO_MESSAGE in page and "1. januar 2020" in page


def test_a_2027_date_gives_the_same_answer_before_and_after_the_successor(
        site: Client, secretariat_user: object, demo_clusters_end_2026: None) -> None:
    # Before: no cluster on either page (the bug: /klynger/ listed the full clusters).
    assert assert_same_answer(site, AFTER) == {}
    # Drafts are not shown publicly: still the same (empty) answer on both.
    drafts = successor_create(by=secretariat_user, today=WARN_FROM)
    assert assert_same_answer(site, AFTER) == {}
    # Published: both pages show the health councils, the same way.
    successor_publish(by=secretariat_user, clusters=drafts)
    answer = assert_same_answer(site, AFTER)
    assert len(answer) == 29
    assert all(name.startswith("Sundhedsråd ") for names in answer.values() for name in names)
    klynger = site.get(f"/klynger/?dato={AFTER}").content.decode()
    assert "Sundhedsklynger og sundhedsråd pr. 1. juni 2027" in klynger
    # And the old period is unchanged.
    assert all(not n.startswith("Sundhedsråd") for names in
               municipality_to_areas_from_kommuner(site, IN_PERIOD).values() for n in names)


def test_detail_pages_follow_the_same_rule(site: Client) -> None:
    ended = site.get(f"/klynger/nord/?dato={AFTER}").content.decode()
    assert "gjaldt ikke pr. 1. juni 2027" in ended
    assert not re.search(r'href="/kommuner/\d{3}/', ended)  # no municipality listed
    assert 'href="/klynger/nord/?dato=2026-12-31"' in ended  # its last day, one click away
    assert "Ingen kommuner eller bydele pr. 1. juni 2027." in ended
    during = site.get(f"/klynger/nord/?dato={IN_PERIOD}").content.decode()
    assert "gjaldt ikke" not in during and "/kommuner/223/?dato=2025-06-01" in during
    municipality = site.get(f"/kommuner/223/?dato={AFTER}").content.decode()
    assert NO_MESSAGE in municipality and "/klynger/nord/" not in municipality


def test_the_date_in_effect_is_shown_and_links_keep_it(site: Client) -> None:
    page = site.get(f"/kommuner/?dato={IN_PERIOD}").content.decode()
    assert "Viser strukturen pr. 1. juni 2025." in page
    assert 'href="/kommuner/101/?dato=2025-06-01"' in page
    assert 'href="/klynger/byen/?dato=2025-06-01"' in page
    assert 'href="/organisation/?dato=2025-06-01"' in page
    assert 'href="/kommuner.csv?dato=2025-06-01"' in page
    # Without a date: today, said so, and links without a date.
    today = site.get("/kommuner/").content.decode()
    assert "Viser strukturen pr." in today and "?dato=" not in today.split("<main")[1].split(
        'name="dato"')[0].replace('href="/kommuner/?dato', "")
    bodies = site.get(f"/organisation/?dato={IN_PERIOD}").content.decode()
    assert "Viser strukturen pr. 1. juni 2025." in bodies
    assert re.search(r'href="/organisation/[a-z0-9-]+/\?dato=2025-06-01"', bodies)


@pytest.mark.parametrize("url", ["/klynger/", "/klynger/byen/", "/kommuner/", "/kommuner/101/",
                                 "/organisation/"])
@pytest.mark.parametrize("bad", ["2027-13-01", "i-morgen", "20270601", "0001-01-01"])
def test_an_invalid_date_is_a_visible_danish_message(site: Client, url: str, bad: str) -> None:
    response = site.get(url, {"dato": bad})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Datoen kunne ikke forstås" in page and "ÅÅÅÅ-MM-DD" in page
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert bad not in main  # not echoed in the content (the language form keeps the address)
    assert "Viser strukturen pr." in page  # still a usable page (today's)


def test_an_invalid_date_on_the_csv_download_is_refused(site: Client) -> None:
    response = site.get("/kommuner.csv", {"dato": "31-12-2026"})
    assert response.status_code == 400
    assert "ÅÅÅÅ-MM-DD" in response.content.decode()


def test_the_page_cache_keeps_an_invalid_date_apart_from_today(
        site: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache import caches

    from sundhedsaftale.portal.generation import cache_generation_bump

    assert caching.PARAMS["dato"](" 2027-01-01 ") == "2027-01-01"
    assert caching.PARAMS["dato"]("") == ""
    assert caching.PARAMS["dato"]("nonsense") not in ("", "2027-01-01")
    monkeypatch.setattr(caching, "allow_in_transactions", True)
    caches["default"].clear()
    cache_generation_bump()
    assert site.get("/kommuner/").status_code == 200  # today's page, now cached
    response = site.get("/kommuner/", {"dato": "nonsense"})
    assert response.status_code == 400
    assert "Datoen kunne ikke forstås" in response.content.decode()
    caches["default"].clear()


# --- the transition warning -----------------------------------------------------------------


def test_the_gap_is_found_from_60_days_before_and_not_earlier(demo_clusters_end_2026: None) -> None:
    assert structure_gap(today=WARN_FROM - datetime.timedelta(days=1)) is None
    gap = structure_gap(today=WARN_FROM)
    assert gap is not None and gap.date == datetime.date(2027, 1, 1) and gap.days_left == 60
    assert len(gap.uncovered) == 29 and not gap.drafts_cover
    # After the end, with nothing set up, the warning stays.
    late = structure_gap(today=datetime.date(2027, 3, 1))
    assert late is not None and late.date == datetime.date(2027, 3, 1)


def test_staff_see_the_warning_on_the_admin_from_60_days_before(
        client: Client, secretariat_user: object, settings: object,
        demo_clusters_end_2026: None) -> None:
    client.force_login(secretariat_user)
    settings.STRUCTURE_CHECK_TODAY = WARN_FROM - datetime.timedelta(days=1)  # type: ignore[attr-defined]
    assert "Advarsel om overgangen" not in client.get("/admin/").content.decode()
    settings.STRUCTURE_CHECK_TODAY = WARN_FROM  # type: ignore[attr-defined]
    for url in ("/admin/", "/admin/geography/healthcluster/",
                "/admin/geography/areamembership/"):
        page = client.get(url).content.decode()
        assert "Advarsel om overgangen: om 60 dage (1. januar 2027) er 29 kommuner" in page, url
        assert "/admin/geography/healthcluster/efterfoelgende-struktur/" in page


def test_the_warning_is_for_staff_with_the_role_only(
        client: Client, reader_user: object, settings: object,
        demo_clusters_end_2026: None) -> None:
    settings.STRUCTURE_CHECK_TODAY = WARN_FROM  # type: ignore[attr-defined]
    client.force_login(reader_user)
    assert "Advarsel om overgangen" not in client.get("/admin/").content.decode()
    assert client.get("/admin/geography/healthcluster/efterfoelgende-struktur/").status_code == 403
    response = client.post("/admin/geography/healthcluster/efterfoelgende-struktur/",
                           {"action": "create"})
    assert response.status_code == 403
    assert not HealthCluster.objects.filter(kind=HealthCluster.Kind.HEALTH_COUNCIL).exists()


def test_staff_preview_create_and_publish_the_successor(
        client: Client, secretariat_user: object, settings: object,
        demo_clusters_end_2026: None) -> None:
    settings.STRUCTURE_CHECK_TODAY = WARN_FROM  # type: ignore[attr-defined]
    client.force_login(secretariat_user)
    url = "/admin/geography/healthcluster/efterfoelgende-struktur/"
    preview = client.get(url).content.decode()
    byen = HealthCluster.objects.get(code="byen").name
    assert "Forhåndsvisning" in preview and f"Sundhedsråd {byen}" in preview
    assert not HealthCluster.objects.filter(kind=HealthCluster.Kind.HEALTH_COUNCIL).exists()

    response = client.post(url, {"action": "create"})
    assert response.status_code == 302
    councils = list(HealthCluster.objects.filter(kind=HealthCluster.Kind.HEALTH_COUNCIL))
    assert len(councils) == 5 and all(c.is_draft for c in councils)
    assert all(c.valid_from == datetime.date(2027, 1, 1) and c.valid_to is None for c in councils)
    old = AreaMembership.objects.filter(cluster__kind=HealthCluster.Kind.HEALTH_CLUSTER).valid_on(
        datetime.date(2026, 12, 31))
    new = AreaMembership.objects.filter(cluster__in=councils)
    assert {(m.municipality_id, m.district_id) for m in old} == {
        (m.municipality_id, m.district_id) for m in new}
    assert AuditEvent.objects.filter(action="geography.successor.create").count() == 1
    # The warning is gone; a notice asks staff to publish the drafts.
    index = client.get("/admin/").content.decode()
    assert "Advarsel om overgangen" not in index
    assert "findes som udkast og er ikke offentliggjort" in index
    # Creating twice is refused with a message, nothing doubled.
    client.post(url, {"action": "create"})
    assert HealthCluster.objects.filter(kind=HealthCluster.Kind.HEALTH_COUNCIL).count() == 5

    response = client.post(url, {"action": "publish"})
    assert response.status_code == 302
    assert not HealthCluster.objects.filter(is_draft=True).exists()
    # Publishing again, with nothing left to publish, is an error and not "0 published".
    again = client.post(url, {"action": "publish"}, follow=True).content.decode()
    assert "Der er ingen udkast at offentliggøre." in again
    assert "0 sundhedsråd er offentliggjort" not in again
    assert AuditEvent.objects.filter(action="geography.health_cluster.publish").count() == 5
    index = client.get("/admin/").content.decode()
    assert "Advarsel om overgangen" not in index and "findes som udkast" not in index
    assert structure_gap(today=WARN_FROM) is None


def test_a_draft_area_is_not_public(site: Client, secretariat_user: object,
                                    demo_clusters_end_2026: None) -> None:
    draft = successor_create(by=secretariat_user, today=WARN_FROM)[0]
    assert site.get(f"/klynger/{draft.code}/?dato={AFTER}").status_code == 404
    # Nor listed where the public finds pages: sitemap, search, the catalogue's cluster filter.
    from sundhedsaftale.search.index import index_rebuild
    from sundhedsaftale.search.models import SearchDocument

    draft_url = f"/klynger/{draft.code}/"
    assert draft_url not in site.get("/sitemap.xml").content.decode()
    index_rebuild()
    assert not SearchDocument.objects.filter(url=draft_url).exists()
    assert SearchDocument.objects.filter(url="/klynger/byen/").exists()
    assert f'value="{draft.code}"' not in site.get("/ansvar/").content.decode()
    site.force_login(secretariat_user)
    staff_view = site.get(f"/klynger/{draft.code}/?dato={AFTER}")
    assert staff_view.status_code == 200 and "Udkast" in staff_view.content.decode()


def test_the_service_refuses_without_the_role_and_without_a_gap(
        reader_user: object, secretariat_user: object, demo_clusters_end_2026: None) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        successor_create(by=reader_user, today=WARN_FROM)
    with pytest.raises(SuccessorError):
        successor_create(by=secretariat_user, today=WARN_FROM - datetime.timedelta(days=1))
    assert not HealthCluster.objects.filter(kind=HealthCluster.Kind.HEALTH_COUNCIL).exists()


def test_structure_check_command_prints_the_warning(
        capsys: pytest.CaptureFixture[str], secretariat_user: object,
        demo_clusters_end_2026: None) -> None:
    call_command("structure_check", today=WARN_FROM - datetime.timedelta(days=1))
    assert "OK:" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        call_command("structure_check", today=WARN_FROM)
    assert exit_info.value.code == 1
    out = capsys.readouterr().out
    assert "WARNING: from 2027-01-01 (60 days) 29 municipalities" in out
    successor_publish(by=secretariat_user,
                      clusters=successor_create(by=secretariat_user, today=WARN_FROM))
    call_command("structure_check", today=WARN_FROM)
    assert "OK:" in capsys.readouterr().out


def test_the_date_texts_are_english_in_english(site: Client) -> None:
    site.post("/i18n/setlang/", {"language": "en", "next": "/klynger/"}, HTTP_ORIGIN="http://testserver")
    page = site.get(f"/klynger/?dato={AFTER}").content.decode()
    assert '<html lang="en"' in page
    assert "No health clusters on this date" in page and "Showing the structure as of" in page
    assert NO_MESSAGE not in page and "Viser strukturen" not in page
    invalid = site.get("/kommuner/?dato=nonsense").content.decode()
    assert "The date could not be understood" in invalid and "YYYY-MM-DD" in invalid


def test_the_front_page_shows_the_structure_in_effect_today(site: Client, monkeypatch) -> None:
    # In the clusters' period the front page has their five cards; on a day after they end
    # (and before any successor is published) it says so, as /klynger/ and /kommuner/ do,
    # instead of showing the ended clusters.
    from sundhedsaftale.portal import views

    monkeypatch.setattr(views.timezone, "localdate",
                        lambda *a: datetime.date.fromisoformat(IN_PERIOD))
    html = site.get("/").content.decode()
    assert len(re.findall(r'class="card-heading"><a href="/klynger/', html)) == 5
    assert NO_MESSAGE not in html
    monkeypatch.setattr(views.timezone, "localdate",
                        lambda *a: datetime.date.fromisoformat(AFTER))
    html = site.get("/").content.decode()
    assert not re.findall(r'class="card-heading"><a href="/klynger/', html)
    assert NO_MESSAGE in html
