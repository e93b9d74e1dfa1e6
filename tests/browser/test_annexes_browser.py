"""Annex pages and the responsibility catalogue in a real browser (full demo): from the
agreement page to an annex page and its demo PDF; the catalogue's GET form filtering by
sector and cluster without JavaScript; axe-core finds no serious or critical violation on the
annex list, an annex page, the catalogue (filtered too) and a catalogue entry."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .test_portal_browser import assert_accessible


@pytest.fixture
def annex_media(settings: Any, tmp_path: Any) -> Any:
    """The demo's annex PDFs go to the test's own folder (set before `page` loads the demo)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path


def test_annex_page_from_the_agreement_opens_its_document_and_passes_axe(
        annex_media: Any, page: Any, live_server: Any) -> None:
    page.goto(live_server.url + "/aftaler/2024-2027/")
    page.locator("#bilag ~ div table a[href='/bilag/forlobsprogram-kol/']").click()
    page.wait_for_url(re.compile(r"/bilag/forlobsprogram-kol/$"))
    assert page.locator("h1").inner_text() == "Forløbsprogram for KOL"
    assert_accessible(page, "annex page")
    link = page.locator("a[href^='/bilag/forlobsprogram-kol/dokument/']")
    assert "PDF" in link.inner_text()
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.body().startswith(b"%PDF-")

    page.goto(live_server.url + "/bilag/")
    assert page.locator("main li a[href^='/bilag/']").count() >= 7
    assert_accessible(page, "annex list")


def test_catalogue_filters_with_the_get_form_and_passes_axe(
        annex_media: Any, page: Any, live_server: Any) -> None:
    # The catalogue must work without JavaScript: a second context with JavaScript off.
    no_js = page.context.browser.new_context(java_script_enabled=False, locale="da-DK",
                                             viewport={"width": 1280, "height": 900})
    page = no_js.new_page()
    page.goto(live_server.url + "/ansvar/")
    assert page.locator("h1").inner_text().startswith("Snitfladekatalog")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 8
    assert page.locator("main form select").count() == 3
    page.select_option("#ansvar-sektor", "municipality")
    page.select_option("#ansvar-klynge", "byen")
    page.get_by_role("button", name="Vis opgaver").click()
    page.wait_for_url(re.compile(r"sektor=municipality.*klynge=byen"))
    tasks = page.locator("main table tbody th a").all_inner_texts()
    assert tasks == ["Tilbyde rehabilitering med træning og undervisning",  # KOL pathway first
                     "Sende oplysninger om borgerens hjælp i hjemmet"]
    page.locator("main table tbody a").first.click()
    page.wait_for_url(re.compile(r"/ansvar/demo-kol-rehabilitering/$"))
    assert "Kommunen afholder udgiften" in page.locator("main").inner_text()
    no_js.close()


def test_catalogue_and_entry_pages_pass_axe(annex_media: Any, page: Any,
                                            live_server: Any) -> None:
    page.goto(live_server.url + "/ansvar/?sektor=hospital&klynge=syd")
    assert page.locator("main table tbody tr").count() >= 1
    assert_accessible(page, "responsibility catalogue (filtered)")
    page.goto(live_server.url + "/ansvar/")
    assert_accessible(page, "responsibility catalogue")
    page.goto(live_server.url + "/ansvar/demo-kol-forvaerring/")
    assert page.locator("h1").inner_text() == "Behandle svær forværring"
    assert_accessible(page, "responsibility entry")


@pytest.fixture
def staff_cookie(annex_media: Any, transactional_db: None, django_user_model: Any) -> str:
    """A logged-in secretariat session, made before Playwright starts (no ORM after that)."""
    from django.test import Client

    from sundhedsaftale.core.services import SECRETARIAT_GROUP, groups_ensure

    user = django_user_model.objects.create_user("bilag-sekretariat", password="x-not-used-5",
                                                 is_staff=True)
    user.groups.add(groups_ensure()[SECRETARIAT_GROUP])
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_staff_upload_page_refuses_a_wrong_type_then_stores_a_pdf_and_passes_axe(
        staff_cookie: str, page: Any, live_server: Any) -> None:
    page.context.add_cookies([{"name": "sessionid", "value": staff_cookie,
                               "url": live_server.url}])
    page.goto(live_server.url + "/bilag/forlobsprogram-demens/")
    page.get_by_role("link", name="Læg en ny version af dokumentet op").click()
    page.wait_for_url(re.compile(r"/bilag/forlobsprogram-demens/nyt-dokument/$"))
    assert "Virusscanning er slået fra" in page.locator("main").inner_text()
    assert_accessible(page, "annex upload page")

    page.set_input_files("#id_file", files=[{"name": "demens.pdf", "mimeType": "application/pdf",
                                             "buffer": b"this is not a PDF"}])
    page.get_by_role("button", name="Læg dokumentet op").click()
    error = page.locator(".form-error-message")
    assert "indhold passer ikke til filtypen" in error.inner_text()
    assert_accessible(page, "annex upload page with an error")

    pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
           b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
    page.set_input_files("#id_file", files=[{"name": "demens-v2.pdf",
                                             "mimeType": "application/pdf", "buffer": pdf}])
    page.get_by_role("button", name="Læg dokumentet op").click()
    page.wait_for_url(re.compile(r"/bilag/forlobsprogram-demens/$"))
    assert "Dokumentet er lagt op." in page.locator("main").inner_text()
    assert page.locator("h3", has_text="Tidligere versioner").count() == 1  # the demo PDF
