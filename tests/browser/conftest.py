"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's
live_server, with the demo data loaded inside each test's transactional database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# Django's live_server runs in a thread; Playwright's sync API runs an event loop in this one,
# which makes Django refuse ORM calls from "async" context without this.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent: install Debian's chromium "
                                   "(scripts/setup --test) to run the browser tests")
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def plain_static_files(settings: object) -> None:
    """Serve static files straight from the finders: the live server has no collected
    manifest, and DEBUG is off in tests."""
    settings.STORAGES = {  # type: ignore[attr-defined]
        **settings.STORAGES,  # type: ignore[attr-defined]
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def page(browser: object, live_server: object, transactional_db: None,
         plain_static_files: None) -> Iterator[object]:
    from django.core.management import call_command

    call_command("demo", verbosity=0)
    context = browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
