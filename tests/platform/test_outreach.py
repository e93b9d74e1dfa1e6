"""Ways in (issue 11 §6): the contact page per secretariat (data, service, rule, admin), a
page per focus area on what it means for citizens, sitemap.xml with published content only,
robots.txt and the favicon; and no inline style left for the CSP to allow."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from sundhedsaftale.access.models import Role
from sundhedsaftale.access.rules import actions, can
from sundhedsaftale.access.services import role_grant
from sundhedsaftale.agreements.models import Agreement, FocusArea
from sundhedsaftale.bodies.models import Body
from sundhedsaftale.core.audit import events_for_object
from sundhedsaftale.core.services import content_update, service
from sundhedsaftale.geography.models import HealthCluster, Region
from sundhedsaftale.meetings.models import AgendaItem, Meeting
from sundhedsaftale.outreach.models import CitizenPage, ContactPoint
from sundhedsaftale.outreach.services import (
    citizen_page_save,
    contact_point_create,
    contact_point_update,
)

CITIZEN = "/aftaler/2024-2027/fokusomraader/born-og-unge/for-borgere/"
FOCUS = "/aftaler/2024-2027/fokusomraader/born-og-unge/"


@pytest.fixture
def site(demo: None, db: None, client: Any) -> Any:
    return client


def _locs(client: Any) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return [re.sub(r"^https?://[^/]+", "", loc)
            for loc in re.findall(r"<loc>([^<]+)</loc>", response.content.decode())]


@service
def _set_status(agreement: Agreement, status: str) -> None:
    """Withdraw an agreement to a non-public status (no transition in the status table leads
    back from published, so this stands in for whatever withdrawal another service offers)."""
    content_update(instance=agreement, by=None, status=status)


# --- sitemap.xml --------------------------------------------------------------------------

def test_sitemap_lists_the_public_pages(site: Any) -> None:
    locs = _locs(site)
    assert len(locs) == len(set(locs)), "no page twice"
    for path in ("/", "/aftaler/", "/aftaler/2024-2027/", FOCUS, CITIZEN, "/kontakt/",
                 "/klynger/syd/", "/kommuner/101/", "/organisation/ssu/", "/opfoelgning/",
                 "/moeder/ssu-2025-12-10/", "/hoeringer/sundhedsaftale-2015-2018-politisk-del/"):
        assert path in locs, path
    assert any(p.startswith("/aftaler/2024-2027/maal/") for p in locs)
    assert any(re.fullmatch(r"/opfoelgning/[\w-]+/", p) and p != "/opfoelgning/indsatser/"
               for p in locs)
    # Every listed page opens for an anonymous visitor.
    for path in locs:
        assert site.get(path).status_code == 200, path


def test_sitemap_leaves_out_drafts_withdrawn_agreements_and_staff_pages(site: Any) -> None:
    locs = _locs(site)
    # The demo's draft agreement (never published) is not listed, nor its parts.
    draft = Agreement.objects.get(slug="naersundhedsplan-2027-udkast")
    assert draft.status == Agreement.Status.DRAFT
    assert not any(p.startswith(f"/aftaler/{draft.slug}/") for p in locs)
    # No staff page, annex file, agenda item or closed item's anything.
    closed = AgendaItem.objects.filter(is_closed=True).select_related("meeting").first()
    assert closed is not None
    assert not any(re.search(r"/(sekretariat|punkter|bilag|status|indsatser|svar)/", p)
                   for p in locs)
    assert not any("/admin/" in p or "/api/" in p for p in locs)
    meeting = f"/moeder/{closed.meeting.slug}/"
    assert meeting in locs
    assert [p for p in locs if p.startswith(meeting)] == [meeting]

    # A citizen page taken back to draft disappears from the sitemap and from the public.
    page = CitizenPage.objects.get(focus_area__slug="born-og-unge")
    citizen_page_save(focus_area=page.focus_area, by=None, lead=page.lead, body=page.body,
                      is_published=False, is_demo=True)
    assert CITIZEN not in _locs(site)
    assert site.get(CITIZEN).status_code == 404

    # A withdrawn agreement takes its focus areas, goals and citizen pages with it.
    _set_status(Agreement.objects.get(slug="2024-2027"), Agreement.Status.DRAFT)
    locs = _locs(site)
    assert not any(p.startswith("/aftaler/2024-2027/") for p in locs)
    assert not any("/for-borgere/" in p for p in locs)


def test_sitemap_leaves_out_a_cancelled_meeting(site: Any) -> None:
    from sundhedsaftale.meetings.services import meeting_transition

    meeting = Meeting.objects.get(slug="ssu-2027-03-10")
    assert f"/moeder/{meeting.slug}/" in _locs(site)
    meeting_transition(meeting=meeting, to=Meeting.Status.CANCELLED, by=None)
    assert f"/moeder/{meeting.slug}/" not in _locs(site)


# --- robots.txt and the favicon -----------------------------------------------------------

def test_robots_txt_allows_the_portal_keeps_out_staff_pages_and_names_the_sitemap(
        site: Any) -> None:
    response = site.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Allow: /" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /hoeringer/*/sekretariat/" in lines
    assert "Disallow: /" not in lines  # the portal itself stays open
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_every_page_links_the_svg_favicon_and_favicon_ico_leads_to_it(site: Any) -> None:
    from django.contrib.staticfiles import finders

    html = site.get("/").content.decode()
    assert re.search(r'<link rel="icon" href="[^"]*outreach/favicon\.svg" type="image/svg\+xml">',
                     html)
    response = site.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("outreach/favicon.svg")
    svg = Path(finders.find("outreach/favicon.svg")).read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "viewBox" in svg


# --- the contact page ---------------------------------------------------------------------

def test_contact_page_shows_each_secretariat_and_every_page_links_to_it(site: Any) -> None:
    html = site.get("/kontakt/").content.decode()
    assert "<h1>Kontakt</h1>" in html
    names = re.findall(r'<h2 id="kontakt-[\w-]+">([^<]+)', html)
    assert names[0].strip() == "Sekretariatet for sundhedsaftalen"  # the region's first
    assert "Sekretariatet for Sundhedssamarbejdsudvalget" in [n.strip() for n in names]
    assert len(names) == ContactPoint.objects.count() == 8
    assert 'href="mailto:sundhedsaftale@regionh.example"' in html
    assert 'href="tel:+4510000001"' in html
    assert "Demovej 2<br>3400 Hillerød" in html
    assert "opdigtede" in html  # fictitious demo details are said to be so
    assert 'href="/klynger/syd/"' in html and 'href="/organisation/ssu/"' in html
    for path in ("/", "/kommuner/", "/aftaler/2024-2027/"):
        footer = site.get(path).content.decode().split("<footer", 1)[1]
        assert 'href="/kontakt/"' in footer, path


def test_contact_page_in_english(site: Any) -> None:
    site.cookies["django_language"] = "en"
    html = site.get("/kontakt/").content.decode()
    assert "<h1>Contact</h1>" in html
    assert "Telefontid" not in html and "Phone hours" in html
    # The secretariats' Danish names are marked as Danish for screen readers.
    assert '<h2 id="kontakt-sekretariatet-for-sundhedsaftalen" lang="da">' in html


def test_a_contact_point_belongs_to_exactly_one_organisation_and_has_a_way_to_reach_it(
        site: Any) -> None:
    region = Region.objects.get(code="1084")
    cluster = HealthCluster.objects.get(code="syd")
    with pytest.raises(ValidationError):
        contact_point_create(by=None, name="Dobbelt", region=region, cluster=cluster,
                             email="dobbelt@regionh.example")
    with pytest.raises(ValidationError):
        contact_point_create(by=None, name="Uden vej ind", region=region)
    assert not ContactPoint.objects.filter(name__in=["Dobbelt", "Uden vej ind"]).exists()


# --- rules, services, admin ---------------------------------------------------------------

@pytest.fixture
def people(site: Any, groups: Any, django_user_model: Any) -> dict[str, Any]:
    from sundhedsaftale.core.services import READER_GROUP, SECRETARIAT_GROUP

    region = Region.objects.get(code="1084")
    users: dict[str, Any] = {"anonymous": AnonymousUser()}
    for name, how in {
        "plain": None,
        "group_sekretariat": ("group", SECRETARIAT_GROUP),
        "group_laeser": ("group", READER_GROUP),
        "region_secretariat": (Role.SECRETARIAT, region),
        "region_reader": (Role.READER, region),
        "tss_secretariat": (Role.SECRETARIAT, Body.objects.get(slug="tss")),
        "syd_secretariat": (Role.SECRETARIAT, HealthCluster.objects.get(code="syd")),
    }.items():
        user = django_user_model.objects.create_user(name, password="x-not-used-4",
                                                     is_staff=how is not None)
        if how and how[0] == "group":
            user.groups.add(groups[how[1]])
        elif how:
            role_grant(user=user, role=how[0], organisation=how[1], by=None)
        users[name] = user
    return users


def test_every_role_may_edit_exactly_the_contact_points_and_pages_it_should(
        people: dict[str, Any]) -> None:
    tss = contact_point_create(by=None, name="Sekretariatet for TSS",
                               body=Body.objects.get(slug="tss"),
                               email="tss@regionh.example", is_demo=True)
    objects = {
        "region": ContactPoint.objects.get(slug="sekretariatet-for-sundhedsaftalen"),
        "syd": ContactPoint.objects.get(slug="sekretariatet-for-sundhedsklynge-syd"),
        "tss": tss,
        "page": CitizenPage.objects.get(focus_area__slug="born-og-unge"),
    }
    regional = {"group_sekretariat", "region_secretariat"}
    expected = {
        ("outreach.contact.edit", "region"): regional,
        ("outreach.contact.edit", "syd"): regional | {"syd_secretariat"},
        ("outreach.contact.edit", "tss"): regional | {"tss_secretariat"},
        ("outreach.citizen_page.edit", "page"): regional,
    }
    assert {action for action, _ in expected} <= set(actions())
    wrong = [(action, key, name) for (action, key), allowed in expected.items()
             for name, user in people.items()
             if can(user, action, objects[key]) != (name in allowed)]
    assert wrong == []


def test_a_body_secretariat_updates_its_own_contact_point_audited_and_no_other(
        people: dict[str, Any]) -> None:
    tss = contact_point_create(by=None, name="Sekretariatet for TSS",
                               body=Body.objects.get(slug="tss"), email="tss@regionh.example")
    user = people["tss_secretariat"]
    contact_point_update(contact_point=tss, by=user, phone="+45 10 00 00 99")
    tss.refresh_from_db()
    assert tss.phone == "+45 10 00 00 99"
    events = [e.action for e in events_for_object(tss)]
    assert "outreach.contact_point.create" in events
    assert "outreach.contact_point.update" in events
    region_point = ContactPoint.objects.get(slug="sekretariatet-for-sundhedsaftalen")
    with pytest.raises(PermissionDenied):
        contact_point_update(contact_point=region_point, by=user, phone="+45 10 00 00 98")
    region_point.refresh_from_db()
    assert region_point.phone == "+45 10 00 00 01"
    with pytest.raises(PermissionDenied):
        citizen_page_save(focus_area=FocusArea.objects.get(slug="born-og-unge"), by=user,
                          lead="Ny tekst")


def test_the_secretariat_edits_contact_points_in_the_admin(people: dict[str, Any],
                                                           client: Any) -> None:
    client.force_login(people["group_sekretariat"])
    listing = client.get("/admin/outreach/contactpoint/")
    assert listing.status_code == 200
    assert "Sekretariatet for Sundhedsklynge Syd" in listing.content.decode()
    point = ContactPoint.objects.get(slug="sekretariatet-for-sundhedsklynge-syd")
    form = client.get(f"/admin/outreach/contactpoint/{point.pk}/change/")
    assert form.status_code == 200
    token = re.search(r'name="_base_version" value="([^"]*)"', form.content.decode())
    data = {"name": point.name, "slug": point.slug, "number": point.number,
            "cluster": point.cluster_id, "description": point.description,
            "email": "ny-adresse@regionh.example", "phone": point.phone,
            "address": point.address, "opening_hours": point.opening_hours,
            "is_demo": "on", "_base_version": token.group(1) if token else ""}
    response = client.post(f"/admin/outreach/contactpoint/{point.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    point.refresh_from_db()
    assert point.email == "ny-adresse@regionh.example"
    assert any(e.action.endswith("update") for e in events_for_object(point))
    assert client.get("/admin/outreach/citizenpage/").status_code == 200


# --- citizen pages ------------------------------------------------------------------------

def test_focus_area_page_links_to_its_page_for_citizens(site: Any) -> None:
    html = site.get(FOCUS).content.decode()
    assert f'href="{CITIZEN}"' in html
    page = site.get(CITIZEN)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Hvad betyder „Børn og unges sundhed“ for dig?" in text
    lead = CitizenPage.objects.get(focus_area__slug="born-og-unge").lead
    assert lead in text
    assert text.count('<p class="citizen-text"') == 3  # three paragraphs of text
    assert "ikke en del af den vedtagne aftale" in text
    assert f'href="{FOCUS}"' in text  # back to the goals and initiatives


def test_a_draft_citizen_page_is_hidden_from_the_public_and_shown_to_staff(
        site: Any, reader_user: Any) -> None:
    focus_area = FocusArea.objects.get(agreement__slug="2024-2027", slug="born-og-unge")
    citizen_page_save(focus_area=focus_area, by=None, lead="Et udkast til en forklaring.",
                      is_published=False)
    assert site.get(CITIZEN).status_code == 404
    assert f'href="{CITIZEN}"' not in site.get(FOCUS).content.decode()
    site.force_login(reader_user)
    text = site.get(CITIZEN).content.decode()
    assert "Et udkast til en forklaring." in text and "Kladde" in text


def test_unknown_focus_area_or_agreement_gives_404(site: Any) -> None:
    assert site.get("/aftaler/2024-2027/fokusomraader/findes-ikke/for-borgere/"
                    ).status_code == 404
    assert site.get("/aftaler/findes-ikke/fokusomraader/born-og-unge/for-borgere/"
                    ).status_code == 404


# --- no inline style: the CSP refuses style attributes ------------------------------------

def test_population_bars_are_svg_and_the_csp_allows_no_inline_style(site: Any) -> None:
    response = site.get("/klynger/syd/")
    html = response.content.decode()
    assert " style=" not in html
    widths = [float(w) for w in re.findall(
        r'<svg class="bar-svg"[^>]*><rect width="([\d.]+)"', html)]
    assert widths and max(widths) == 100.0 and min(widths) < 100.0
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "style-src 'self'" in policy
