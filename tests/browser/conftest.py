"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's
live_server, with the demo data loaded inside each test's transactional database.

Playwright's sync API keeps an asyncio loop on this thread while it runs, and Django refuses ORM
calls from a thread with a running loop. Instead of switching that protection off
(DJANGO_ALLOW_ASYNC_UNSAFE, which would leak into later tests and fail `check --deploy`),
each test loads its data before Playwright starts and stops Playwright before pytest-django
empties the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent: install Debian's chromium "
                                   "(scripts/setup --test) to run the browser tests")
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(skip)




@pytest.fixture(autouse=True)
def _media_in_tmp(settings: object, tmp_path: Path) -> None:
    """Uploaded files (the demo's annex PDFs) go to the test's own folder, never var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")  # type: ignore[attr-defined]


@pytest.fixture
def page(live_server: object, transactional_db: None,
         plain_static_files: None) -> Iterator[object]:
    from django.core.management import call_command
    from playwright.sync_api import sync_playwright

    call_command("demo", verbosity=0)  # before Playwright's loop exists on this thread
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"],
        )
        context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()
        browser.close()
