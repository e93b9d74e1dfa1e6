"""Phones and desktops (issue 11 §4): the main pages at 390 px and 1280 px in a real Chromium
have no horizontal overflow and their table captions show in full; tables reflow into stacked,
labelled rows on a phone; the new pages (contact, a citizen page) pass axe-core.

Screenshots of every page at both widths go to a temporary directory (printed).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import CHROMIUM
from .test_portal_browser import assert_accessible

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Elements reaching outside the viewport, and scroll containers that scroll sideways. An
# element clipped by an ancestor with overflow hidden inside the viewport does not count
# (nothing sticks out); one inside a sideways-scrolling container does (the reader must scroll).
# Visually hidden helper text (1x1 px) and hidden elements are skipped.
OVERFLOW_JS = """() => {
  const vw = document.documentElement.clientWidth;
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (typeof el.className === 'string' && el.className.trim()) {
      s += '.' + el.className.trim().split(/\\s+/).slice(0, 3).join('.');
    }
    const p = el.parentElement;
    const ps = p ? p.tagName.toLowerCase() + (typeof p.className === 'string' && p.className.trim()
      ? '.' + p.className.trim().split(/\\s+/)[0] : '') : '';
    return (ps ? ps + ' > ' : '') + s;
  };
  const clipped = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.overflowX === 'hidden' || cs.overflowX === 'clip') {
        const r = a.getBoundingClientRect();
        if (r.left >= -1 && r.right <= vw + 1) return true;
      }
    }
    return false;
  };
  const offenders = [];
  const scrollers = [];
  for (const el of document.body.querySelectorAll('*')) {
    const cs = getComputedStyle(el);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;
    if ((cs.overflowX === 'auto' || cs.overflowX === 'scroll')
        && el.scrollWidth > el.clientWidth + 1) {
      scrollers.push(describe(el) + ' scrolls ' + el.scrollWidth + ' > ' + el.clientWidth);
    }
    if ((r.right > vw + 1 || r.left < -1) && !clipped(el)) {
      offenders.push(describe(el) + ' at ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, viewport: vw,
          innerWidth: window.innerWidth,
          offenders: offenders.slice(0, 12), scrollers: scrollers.slice(0, 12)};
}"""

# Every table caption in the main content: shown, inside the viewport, not cut off.
CAPTIONS_JS = """() => Array.from(document.querySelectorAll('main caption')).map((c) => {
  const vw = document.documentElement.clientWidth;
  const r = c.getBoundingClientRect();
  const cs = getComputedStyle(c);
  return {text: c.textContent.trim().replace(/\\s+/g, ' ').slice(0, 70),
          visible: r.width > 1 && r.height > 1 && cs.display !== 'none'
                   && cs.visibility !== 'hidden',
          inside: r.left >= -1 && r.right <= vw + 1,
          cut: c.scrollWidth > c.clientWidth + 1};
})"""


def _main_pages() -> list[tuple[str, str]]:
    """(name, path) of the main pages, looked up in the demo data (before Playwright runs)."""
    from sundhedsaftale.agreements.selectors import agreement_published
    from sundhedsaftale.followup.models import Indicator
    from sundhedsaftale.hearings.models import Hearing
    from sundhedsaftale.meetings.models import Meeting

    agreement = agreement_published(slug="2024-2027")
    focus_area = agreement.focus_areas[0]
    goal = focus_area.goals[0]
    indicator = Indicator.objects.order_by("code").first()
    meeting = Meeting.objects.filter(slug="ssu-2025-12-10").first() or Meeting.objects.first()
    hearing = Hearing.objects.exclude(status=Hearing.Status.DRAFT).first()
    assert indicator and meeting and hearing, "the demo has an indicator, meeting and hearing"
    base = f"/aftaler/{agreement.slug}/"
    return [
        ("front page", "/"),
        ("agreement list", "/aftaler/"),
        ("agreement", base),
        ("focus area", f"{base}fokusomraader/{focus_area.slug}/"),
        ("citizen page", f"{base}fokusomraader/{focus_area.slug}/for-borgere/"),
        ("goal", f"{base}maal/{goal.slug}/"),
        ("municipality list", "/kommuner/"),
        ("municipality", "/kommuner/101/"),
        ("cluster list", "/klynger/"),
        ("cluster", "/klynger/syd/"),
        ("organisation", "/organisation/"),
        ("body", "/organisation/ssu/"),
        ("search", "/soeg/?q=%C3%A6ldre"),
        ("follow-up", "/opfoelgning/"),
        ("indicator", f"/opfoelgning/{indicator.code}/"),
        ("meeting", f"/moeder/{meeting.slug}/"),
        ("hearing", f"/hoeringer/{hearing.slug}/"),
        ("contact", "/kontakt/"),
    ]


@pytest.fixture
def site(live_server: Any, transactional_db: None,
         plain_static_files: None) -> Iterator[tuple[Any, list[tuple[str, str]]]]:
    """A browser and the main pages' paths; the demo data is loaded (and the paths looked up)
    before Playwright's event loop exists on this thread."""
    from django.core.management import call_command
    from playwright.sync_api import sync_playwright

    call_command("demo", verbosity=0, no_users=True)
    pages = _main_pages()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"],
        )
        yield browser, pages
        browser.close()


def _layout_problems(page: Any, name: str, path: str) -> list[str]:
    found = page.evaluate(OVERFLOW_JS)
    problems = []
    if found["scrollWidth"] > found["innerWidth"]:
        problems.append(f"page is {found['scrollWidth']} px wide in a "
                        f"{found['innerWidth']} px window")
    problems += [f"sticks out: {o}" for o in found["offenders"]]
    problems += [f"scrolls sideways: {s}" for s in found["scrollers"]]
    for caption in page.evaluate(CAPTIONS_JS):
        if not (caption["visible"] and caption["inside"] and not caption["cut"]):
            problems.append(f"caption not shown in full: {caption}")
    return [f"{name} ({path}): {p}" for p in problems]


def test_main_pages_have_no_horizontal_overflow_at_390_and_1280_px(site: Any,
                                                                   live_server: Any) -> None:
    browser, pages = site
    shots = Path(tempfile.mkdtemp(prefix="sundhedsaftale-layout-"))
    print(f"screenshots in {shots}")
    problems: list[str] = []
    captions_seen = {}
    for viewport in (PHONE, DESKTOP):
        context = browser.new_context(locale="da-DK", viewport=viewport)
        page = context.new_page()
        page.set_default_timeout(15_000)
        for name, path in pages:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, (name, path)
            problems += [f"{viewport['width']} px: {p}"
                         for p in _layout_problems(page, name, path)]
            captions_seen[(viewport["width"], name)] = page.locator("main caption").count()
            page.screenshot(path=str(shots / f"{viewport['width']}-{name.replace(' ', '-')}.png"),
                            full_page=True)
        context.close()
    assert problems == []
    # The check looked at tables: pages with population and member tables have captions.
    for width in (390, 1280):
        assert captions_seen[(width, "cluster")] >= 2
        assert captions_seen[(width, "municipality list")] >= 1


def test_tables_become_stacked_labelled_rows_on_a_phone(site: Any, live_server: Any) -> None:
    browser, _pages = site
    context = browser.new_context(locale="da-DK", viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/kommuner/")
    row = page.locator("main table tbody tr").first
    cells = row.locator("th, td")
    assert cells.count() >= 3
    lefts = {round(cells.nth(i).bounding_box()["x"]) for i in range(cells.count())}
    assert len(lefts) == 1, f"cells side by side on a phone: {lefts}"
    # Each stacked cell shows its column heading, taken from the table's own header.
    headings = page.locator("main table thead th").all_inner_texts()
    label = cells.nth(1).evaluate("(c) => getComputedStyle(c, '::before').content")
    assert label.strip('"') == headings[1].strip()
    context.close()

    # On a desktop the same table is an ordinary table: one row, cells side by side.
    context = browser.new_context(locale="da-DK", viewport=DESKTOP)
    page = context.new_page()
    page.goto(live_server.url + "/kommuner/")
    cells = page.locator("main table tbody tr").first.locator("th, td")
    lefts = {round(cells.nth(i).bounding_box()["x"]) for i in range(cells.count())}
    assert len(lefts) == cells.count()
    assert page.locator("main table thead").is_visible()
    context.close()


def test_breadcrumbs_run_inline_on_a_desktop_not_one_item_per_line(site: Any,
                                                                    live_server: Any) -> None:
    browser, pages = site
    focus_path = next(path for name, path in pages if name == "focus area")
    goal_path = next(path for name, path in pages if name == "goal")
    context = browser.new_context(locale="da-DK", viewport=DESKTOP)
    page = context.new_page()

    def lines(path: str) -> tuple[int, int]:
        page.goto(live_server.url + path)
        items = page.locator("nav.breadcrumbs li")
        tops = {round(items.nth(i).bounding_box()["y"]) for i in range(items.count())}
        return items.count(), len(tops)

    items, rows = lines(focus_path)
    assert items == 4 and rows == 1, f"{items} breadcrumb items on {rows} lines"
    # A long trail wraps like text: the first items share a line.
    items, rows = lines(goal_path)
    assert items == 5 and rows <= 2, f"{items} breadcrumb items on {rows} lines"
    context.close()


def test_front_page_cluster_cards_keep_clear_of_the_screen_edge_on_a_phone(
        site: Any, live_server: Any) -> None:
    browser, _pages = site
    context = browser.new_context(locale="da-DK", viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/")
    cards = page.locator("main .card")
    assert cards.count() >= 5
    for i in range(cards.count()):
        box = cards.nth(i).bounding_box()
        assert box["x"] >= 12, f"card {i} starts {box['x']} px from the left edge"
        assert box["x"] + box["width"] <= PHONE["width"] - 12, f"card {i} reaches the right edge"
    context.close()


def test_contact_and_citizen_pages_pass_axe_on_a_desktop_and_a_phone(site: Any,
                                                                      live_server: Any) -> None:
    browser, pages = site
    citizen_path = next(path for name, path in pages if name == "citizen page")
    focus_path = next(path for name, path in pages if name == "focus area")
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(locale="da-DK", viewport=viewport)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(live_server.url + "/")
        page.locator("footer").get_by_role("link", name="Kontakt").click()
        page.wait_for_url(live_server.url + "/kontakt/")
        assert page.locator("h1").inner_text() == "Kontakt"
        assert page.get_by_role("heading", name="Sekretariatet for sundhedsaftalen").count() == 1
        assert page.locator("main a[href^='mailto:']").count() >= 5
        assert_accessible(page, f"contact page at {viewport['width']} px")

        page.goto(live_server.url + focus_path)
        page.get_by_role("link", name="Hvad betyder fokusområdet for dig?", exact=False).click()
        page.wait_for_url(live_server.url + citizen_path)
        assert page.locator("h1").inner_text().startswith("Hvad betyder")
        assert_accessible(page, f"citizen page at {viewport['width']} px")
        context.close()
