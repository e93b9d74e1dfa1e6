"""Hearings in a real browser: a party answers through its personal link; axe-core finds no
serious or critical violation on the hearing list, a hearing page and the response form."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest

from .test_portal_browser import assert_accessible


@pytest.fixture
def open_hearing_link(live_server: Any, transactional_db: None, plain_static_files: None,
                      mailoutbox: list) -> dict[str, str]:
    """An open hearing with two municipalities; returns the hearing slug and Gentofte's link.
    Made before Playwright starts (the ORM refuses to run beside its event loop)."""
    from django.core.management import call_command

    from sundhedsaftale.agreements.models import Agreement
    from sundhedsaftale.agreements.services import version_freeze
    from sundhedsaftale.geography.models import Municipality
    from sundhedsaftale.hearings import services

    call_command("demo", "--no-users", verbosity=0, stdout=io.StringIO())
    agreement = Agreement.objects.get(slug="2024-2027")
    version = version_freeze(agreement=agreement, by=None, election_period_start=2022)
    today = datetime.date.today()
    hearing = services.hearing_create(
        by=None, version=version, title="Offentlig høring over testudkast", slug="testhoering",
        start=today, deadline=today + datetime.timedelta(days=30), is_public=True,
        purpose="En høring til browsertesten.", response_address="hoering@regionh.example")
    gentofte = Municipality.objects.get(name="Gentofte")
    services.hearing_parties_set(
        hearing=hearing, by=None, municipalities=[gentofte, Municipality.objects.get(
            name="Gladsaxe")],
        emails={("municipality", gentofte.pk): "sundhed@gentofte.example"})
    services.hearing_open(hearing=hearing, by=None)  # no transaction here: mail is sent now
    message = next(m for m in mailoutbox if "sundhed@gentofte.example" in m.to)
    link = re.search(r"https?://[^/]+(/hoeringer/testhoering/svar/[\w-]+/)", message.body)
    assert link
    return {"slug": hearing.slug, "path": link.group(1)}


@pytest.fixture
def hearing_page(open_hearing_link: dict[str, str], live_server: Any) -> Any:
    from playwright.sync_api import sync_playwright

    from .conftest import CHROMIUM

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"])
        context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()
        browser.close()


def test_a_party_answers_through_its_link_and_the_pages_pass_axe(
        hearing_page: Any, open_hearing_link: dict[str, str], live_server: Any) -> None:
    page = hearing_page
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Høringer").click()
    page.wait_for_url(re.compile(r"/hoeringer/$"))
    assert page.locator("h1").inner_text() == "Høringer"
    assert_accessible(page, "hearing list")
    page.get_by_role("link", name="Offentlig høring over testudkast").click()
    page.wait_for_url(re.compile(r"/hoeringer/testhoering/$"))
    assert "Gentofte" in page.locator("main").inner_text()
    assert_accessible(page, "hearing page")
    page.goto(live_server.url + "/hoeringer/sundhedsaftale-2015-2018-politisk-del/")
    assert "[CPR-nummer fjernet]" in page.locator("main").inner_text()
    assert_accessible(page, "demo hearing page with responses and memo")

    # The public response form (anyone may answer a public hearing).
    page.goto(live_server.url + "/hoeringer/testhoering/svar/")
    assert_accessible(page, "public response form")

    # Gentofte's personal link: choose a goal, write, send.
    page.goto(live_server.url + open_hearing_link["path"])
    assert "Gentofte" in page.locator("main").inner_text()
    assert_accessible(page, "response form by personal link")
    page.get_by_label("Hvad handler dit svar om?").select_option(index=2)
    page.get_by_label("Dit høringssvar").fill("Gentofte støtter udkastet med én bemærkning.")
    page.get_by_role("button", name="Send høringssvaret").click()
    page.wait_for_selector("text=Tak for dit høringssvar")
    assert_accessible(page, "response received")
    page.goto(live_server.url + "/hoeringer/testhoering/")
    parties = page.get_by_role("table", name="Kommuner")
    assert "Besvaret" in parties.get_by_role("row", name=re.compile("Gentofte")).inner_text()
