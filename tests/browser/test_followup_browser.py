"""Follow-up pages in a real browser (demo data incl. the region-scale demo run): axe-core on
the catalogue, an indicator page, a cluster page with its follow-up section and a status
report; switching level and grain with the GET form (no JavaScript needed)."""

from __future__ import annotations

import re
from typing import Any

from .test_portal_browser import assert_accessible


def test_catalogue_indicator_page_switching_level_and_grain(page: Any,
                                                            live_server: Any) -> None:
    page.goto(live_server.url + "/opfoelgning/")
    assert page.locator("h1").inner_text().startswith("Opfølgning")
    assert page.locator("main a[href^='/opfoelgning/readmission']").count() >= 2
    assert_accessible(page, "catalogue")

    page.locator("a[href='/opfoelgning/preventable_admissions_65plus/']").click()
    page.wait_for_url(re.compile(r"/opfoelgning/preventable_admissions_65plus/$"))
    # Default: municipalities per year, 29 rows in the comparison table, charts loaded.
    comparison = page.locator("h2#sammenligning + figure + div table tbody tr")
    assert comparison.count() == 29
    images = page.locator("figure.chart img")
    assert images.count() >= 2
    assert all(page.evaluate("(img) => img.naturalWidth > 0", images.nth(i).element_handle())
               for i in range(images.count()))
    assert_accessible(page, "indicator page")

    page.select_option("#niveau", "bydel")
    page.select_option("#tid", "kvartal")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url(re.compile(r"niveau=bydel&tid=kvartal"))
    assert page.locator("#niveau").input_value() == "bydel"
    heading = page.locator("h2#sammenligning").inner_text()
    assert "bydele" in heading.lower() and re.search(r"\d{4} K[1-4]", heading)
    rows = page.locator("h2#sammenligning + figure + div table tbody tr, "
                        "h2#sammenligning + div table tbody tr")
    assert rows.count() == 10
    table_text = page.locator("main").inner_text()
    assert re.search(r"\d{4} K[1-4]", table_text)

    page.select_option("#tid", "maaned")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url(re.compile(r"tid=maaned"))
    assert re.search(r"\d{4}-\d{2}", page.locator("h2#sammenligning").inner_text())


def test_cluster_page_with_follow_up_and_status_report_pass_axe(page: Any,
                                                                live_server: Any) -> None:
    page.goto(live_server.url + "/klynger/syd/")
    section = page.locator("section[aria-labelledby='opfoelgning']")
    assert section.locator("tbody tr").count() >= 7
    assert_accessible(page, "cluster page with follow-up")

    page.goto(live_server.url + "/aftaler/2024-2027/status/")
    page.get_by_role("link", name=re.compile("Slutstatus")).click()
    page.wait_for_url(re.compile(r"/aftaler/2024-2027/status/\d+/$"))
    assert page.locator("figure.chart img").count() >= 3
    assert "Udkast" in page.locator("main").inner_text()
    assert_accessible(page, "status report page")
