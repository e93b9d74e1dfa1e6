"""Meetings in a real browser: from the meeting list to a meeting and on to its case, with
axe-core's WCAG 2.1 A/AA checks (no serious or critical violation) on each page."""

from __future__ import annotations

import re
from typing import Any

from .test_portal_browser import assert_accessible


def test_visitor_follows_a_meeting_to_its_case_and_every_page_passes_axe(
    page: Any, live_server: Any
) -> None:
    page.goto(live_server.url + "/moeder/")
    assert page.locator("h1").inner_text() == "Møder"
    assert_accessible(page, "meeting list")

    # Filter by body with the form, then open the practice planning committee's meeting.
    page.get_by_label("Organ").select_option("praksisplanudvalget")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url(re.compile(r"/moeder/\?organ=praksisplanudvalget$"))
    page.get_by_role("link", name=re.compile("14. maj 2014")).click()
    page.wait_for_url(re.compile(r"/moeder/praksisplanudvalget-2014-05-14/$"))
    main = page.locator("main").inner_text()
    for heading in ("Baggrund for sagens fremlæggelse", "Indstilling", "Sagsfremstilling",
                    "Tidsplan og videre proces", "Journalnummer", "Bilagsfortegnelse"):
        assert heading in main
    page.screenshot(path="/tmp/sundhedsaftale-meeting.png", full_page=True)
    assert_accessible(page, "meeting page")

    # The hearing item's journal number leads to the case and its history.
    page.locator("#punkt-2").get_by_role("link", name="14004009").click()
    page.wait_for_url(re.compile(r"/sager/14004009/$"))
    history = page.locator("main").inner_text()
    assert history.index("14. maj 2014") < history.index("25. november 2014")
    assert_accessible(page, "case page")

    # A meeting with a closed item: only "Lukket punkt" shows.
    page.goto(live_server.url + "/moeder/ssu-2025-12-10/")
    assert "Lukket punkt" in page.locator("main").inner_text()
    assert "FORTROLIGT" not in page.content()
    assert_accessible(page, "meeting page with a closed item")
