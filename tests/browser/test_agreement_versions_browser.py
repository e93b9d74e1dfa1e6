"""An agreement's versions in a real browser: from the agreement to its versions, comparing
two versions, and the councils' approval board; axe-core on each of those pages."""

from __future__ import annotations

import re
from typing import Any

from .test_portal_browser import assert_accessible


def test_visitor_compares_two_versions_and_reads_the_approval_board(
    page: Any, live_server: Any
) -> None:
    page.goto(live_server.url + "/aftaler/2015-2018/")
    page.get_by_role("link", name="Alle versioner").click()
    page.wait_for_url(re.compile(r"/aftaler/2015-2018/versioner/$"))
    rows = page.locator("main table tbody tr")
    assert rows.count() == 2  # version 2014-2 (published) and 2014-1 (superseded)
    assert "Offentliggjort" in rows.nth(0).inner_text()
    assert_accessible(page, "version list")

    page.get_by_role("link", name=re.compile("Ændringer siden 2014-1")).click()
    page.wait_for_url(re.compile(r"/versioner/2014-2/sammenlign/2014-1/$"))
    assert page.locator("h1").inner_text() == "Ændringer fra version 2014-1 til 2014-2"
    assert "1 tilføjet" in page.locator("#opsummering").inner_text()
    assert page.locator("h2#tilfoejet + ul").inner_text().count("demo") >= 1
    assert_accessible(page, "change list")

    page.get_by_role("link", name="Godkendelse i byråd og regionsråd").first.click()
    page.wait_for_url(re.compile(r"/aftaler/2015-2018/godkendelse/"))
    # Version 2 was a revision that was not significant: the board shows version 1's decisions.
    assert page.locator("#status strong").inner_text() == "30/30"
    assert "20. januar 2015" in page.locator("#status").inner_text()
    assert page.locator("main table tbody tr").count() == 30
    assert_accessible(page, "approval board")
