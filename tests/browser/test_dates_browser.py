"""Issue 11 §5 in a real browser: the dated pages (a 2027 date, an invalid date) and the staff
page that sets up the successor structure, each checked with axe-core."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from .test_portal_browser import assert_accessible

WARN_FROM = datetime.date(2026, 11, 2)  # 60 days before the clusters end


@pytest.fixture
def staff_cookie(transactional_db: None, settings: Any) -> dict[str, str]:
    """A logged-in regional secretariat session, made before Playwright starts (the page
    fixture comes after this one), with "today" fixed inside the warning window."""
    from django.test import Client

    from sundhedsaftale.core.services import SECRETARIAT_GROUP, groups_ensure

    settings.STRUCTURE_CHECK_TODAY = WARN_FROM
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="dates-staff", password="not-used-x9",
                                                is_staff=True)
    user.groups.add(groups_ensure()[SECRETARIAT_GROUP])
    client = Client()
    client.force_login(user)
    return {"name": settings.SESSION_COOKIE_NAME,
            "value": client.cookies[settings.SESSION_COOKIE_NAME].value}


def test_a_2027_date_and_an_invalid_date_on_the_public_pages(page: Any, live_server: Any) -> None:
    for path in ("/klynger/", "/kommuner/"):
        page.goto(f"{live_server.url}{path}?dato=2027-06-01")
        assert "Ingen sundhedsklynger på denne dato" in page.locator("main").inner_text()
        assert "Viser strukturen pr. 1. juni 2027." in page.locator("main").inner_text()
        assert_accessible(page, f"{path} in 2027")
    response = page.goto(f"{live_server.url}/klynger/?dato=i-morgen")
    assert response.status == 400
    assert page.get_by_role("alert").inner_text().startswith("Datoen kunne ikke forstås")
    assert_accessible(page, "invalid date")
    # The date form takes the visitor to the same page on another date.
    page.fill("#id_dato", "2025-06-01")
    page.get_by_role("button", name="Vis", exact=True).click()
    page.wait_for_url(re.compile(r"/klynger/\?dato=2025-06-01$"))
    assert page.locator("main table tbody tr").count() == 5


def test_staff_see_the_warning_and_set_up_the_successor(staff_cookie: dict[str, str], page: Any,
                                                       live_server: Any) -> None:
    page.context.add_cookies([{**staff_cookie, "url": live_server.url}])
    page.goto(live_server.url + "/admin/")
    warning = page.locator("#structure-warning")
    assert "Advarsel om overgangen: om 60 dage" in warning.inner_text()
    warning.get_by_role("link", name="Opret efterfølgende struktur").click()
    page.wait_for_url(re.compile(r"/efterfoelgende-struktur/$"))
    assert page.locator("#content-main table tbody tr").count() == 5
    assert_accessible(page, "successor preview")
    page.get_by_role("button", name="Opret efterfølgende struktur").click()
    page.wait_for_url(re.compile(r"/efterfoelgende-struktur/$"))
    assert "5 sundhedsråd er oprettet som udkast" in page.locator(".messagelist").first.inner_text()
    assert_accessible(page, "successor drafts")
    page.get_by_role("button", name="Offentliggør udkastene").click()
    page.wait_for_url(re.compile(r"/admin/geography/healthcluster/$"))
    assert page.locator("#structure-warning").count() == 0
    page.goto(live_server.url + "/kommuner/?dato=2027-06-01")
    assert "Ingen sundhedsklynger på denne dato" not in page.locator("main").inner_text()
    assert page.locator("main table tbody a[href*='/klynger/sundhedsraad-']").count() >= 29
