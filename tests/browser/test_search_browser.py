"""The search page in a real browser: grouped results for Danish word forms, and axe-core's
WCAG 2.1 A/AA checks on the results, the empty answer and the too-long query."""

from __future__ import annotations

import re
from typing import Any

from .test_portal_browser import assert_accessible


def test_visitor_searches_word_forms_sees_groups_and_every_page_passes_axe(
    page: Any, live_server: Any
) -> None:
    page.goto(live_server.url + "/soeg/")
    assert_accessible(page, "empty search page")

    form = page.get_by_role("search", name="Søg i aftalerne")
    form.get_by_role("searchbox").fill("genindlæggelser")
    form.get_by_role("button", name="Søg").click()
    page.wait_for_url(re.compile(r"/soeg/\?q="))
    main = page.locator("main")
    assert main.get_by_role("heading", level=3, name=re.compile("Opfølgning: indikatorer")
                            ).is_visible()
    assert main.get_by_role("link", name=re.compile("genindlæggelser")).count() >= 2
    assert_accessible(page, "search results (grouped)")

    form = page.get_by_role("search", name="Søg i aftalerne")
    form.get_by_role("searchbox").fill("Albertslund")
    form.get_by_role("searchbox").press("Enter")
    page.wait_for_url(re.compile(r"q=Albertslund"))
    headings = main.get_by_role("heading", level=3).all_inner_texts()
    assert headings[0].startswith("Kommuner")  # the title hit's group comes first
    main.locator(".search-result").first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/kommuner/165/$"))
    assert page.locator("h1").inner_text().startswith("Albertslund")

    page.goto(live_server.url + "/soeg/?q=xylofonundervisning")
    assert "Prøv et andet eller et kortere søgeord." in page.locator("main").inner_text()
    assert_accessible(page, "search without results")

    page.goto(live_server.url + "/soeg/?q=" + "ord+" * 60)
    assert "højst 200 tegn" in page.locator("main").inner_text()
    assert_accessible(page, "search query too long")
