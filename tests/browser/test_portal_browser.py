"""The public portal in a real browser: a visitor's journey by clicking, the keyboard, the
language switch, and axe-core's WCAG 2.1 A/AA checks on every kind of page."""

from __future__ import annotations

import json
import re
from typing import Any

from .conftest import AXE

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}


def assert_accessible(page: Any, name: str) -> None:
    """Run axe-core on the page; fail on serious or critical violations (printed in full)."""
    # Evaluated through the DevTools protocol: a <script> tag would be an inline script, which
    # the site's Content-Security-Policy (rightly) refuses.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: tags})", AXE_TAGS)
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    for violation in result["violations"]:
        print(f"[{name}] {violation['impact']}: {violation['id']} - {violation['help']}")
        for node in violation["nodes"][:5]:
            print("    ", node["target"], node.get("failureSummary", "").replace("\n", " "))
    assert not blocking, f"axe found serious/critical violations on {name}:\n" + json.dumps(
        [{"id": v["id"], "impact": v["impact"], "help": v["help"],
          "nodes": [n["target"] for n in v["nodes"]]} for v in blocking], indent=2)
    assert result["passes"], "axe ran no checks"


def test_visitor_reads_the_agreement_down_to_a_goal_and_every_page_passes_axe(
    page: Any, live_server: Any
) -> None:
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.locator("h1").inner_text() == "Sundhedsaftalen i Region Hovedstaden"
    # The design system really is loaded: its font and its header styles apply.
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "IBM Plex Sans" in font
    page.screenshot(path="/tmp/sundhedsaftale-front.png", full_page=True)
    assert_accessible(page, "front page")

    # The current agreement, then one of its focus areas.
    page.get_by_role("link", name=re.compile(r"Sundhedsaftale.*2024")).first.click()
    page.wait_for_url(re.compile(r"/aftaler/2024-2027/$"))
    assert page.locator("h2#visioner").is_visible()
    page.screenshot(path="/tmp/sundhedsaftale-agreement.png", full_page=True)
    assert_accessible(page, "agreement page")
    page.locator("#fokusomraader h3 a, h2#fokusomraader ~ h3 a").first.click()
    page.wait_for_url(re.compile(r"/aftaler/2024-2027/fokusomraader/[\w-]+/$"))
    assert_accessible(page, "focus area page")
    page.locator("main h2 a").first.click()
    page.wait_for_url(re.compile(r"/aftaler/2024-2027/maal/[\w-]+/$"))
    assert_accessible(page, "goal page")


def test_visitor_finds_a_cluster_a_municipality_searches_and_every_page_passes_axe(
    page: Any, live_server: Any
) -> None:
    page.goto(live_server.url + "/")
    # A cluster from the main menu, then a municipality in it.
    page.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Sundhedsklynger").click()
    page.wait_for_url(re.compile(r"/klynger/$"))
    page.get_by_role("link", name=re.compile("Syd")).first.click()
    page.wait_for_url(re.compile(r"/klynger/syd/$"))
    assert "Befolkning efter alder og køn" in page.locator("main").inner_text()
    assert_accessible(page, "cluster page")
    page.locator("main table").first.get_by_role("link", name="Hvidovre").click()
    page.wait_for_url(re.compile(r"/kommuner/167/$"))
    assert page.locator("h1").inner_text().startswith("Hvidovre")
    assert_accessible(page, "municipality page")

    # The search form in the header.
    search = page.get_by_role("search", name="Søg på siden")
    search.get_by_role("searchbox").fill("ældre")
    search.get_by_role("searchbox").press("Enter")
    page.wait_for_url(re.compile(r"/soeg/\?q="))
    results = page.locator("main .search-result")
    assert results.count() > 0
    assert_accessible(page, "search results")
    results.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/aftaler/2024-2027/"))

    # The accessibility statement from the footer.
    page.locator("footer").get_by_role("link", name="Tilgængelighedserklæring").click()
    page.wait_for_url(re.compile(r"/tilgaengelighed/$"))
    assert "Digitaliseringsstyrelsen" in page.locator("main").inner_text()
    assert_accessible(page, "accessibility statement")


def test_language_switch_shows_the_same_page_in_english_and_back(page: Any,
                                                                  live_server: Any) -> None:
    page.goto(live_server.url + "/klynger/")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.url == live_server.url + "/klynger/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Health clusters"
    assert_accessible(page, "cluster list in English")
    with page.expect_navigation():
        page.get_by_role("button", name="Dansk").click()
    assert page.locator("html").get_attribute("lang") == "da"
    assert page.locator("h1").inner_text() == "Sundhedsklynger"


def test_keyboard_user_skips_to_main_content_with_visible_focus(page: Any,
                                                                live_server: Any) -> None:
    page.goto(live_server.url + "/aftaler/2024-2027/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "skipnav" in focused
    assert page.evaluate("document.activeElement.textContent.trim()") == "Gå til sideindhold"
    # The skip link slides into view (a 0.2 s transition) and has a focus outline.
    # (Polled from Python: wait_for_function evaluates a string in the page, which the strict
    # CSP refuses as eval.)
    for _ in range(30):
        if page.evaluate("document.activeElement.getBoundingClientRect().top >= 0"):
            break
        page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.getBoundingClientRect().top >= 0")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"
    assert page.evaluate("document.activeElement.tagName") == "MAIN"
    # The next Tab stop is inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate(
        "document.getElementById('main-content').contains(document.activeElement)")


def test_phone_visitor_opens_the_menu_and_navigates(page: Any, live_server: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    assert not page.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Kommuner").is_visible()
    page.get_by_role("button", name="Menu").click()
    drawer = page.get_by_role("navigation", name="Mobilmenu")
    drawer.get_by_role("link", name="Kommuner").click()
    page.wait_for_url(re.compile(r"/kommuner/$"))
    assert page.locator("h1").inner_text() == "Kommuner"
    assert_accessible(page, "municipality list on a phone")
    # Wide tables scroll sideways on a phone: the scrolling region must be reachable by keyboard.
    page.goto(live_server.url + "/klynger/syd/")
    assert_accessible(page, "cluster page on a phone")
