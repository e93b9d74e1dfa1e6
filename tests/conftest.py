"""Marks tests by folder: tests/engine -> engine, tests/browser -> browser."""

from pathlib import Path

import pytest

ROOT = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT).parts
        if parts and parts[0] == "engine":
            item.add_marker(pytest.mark.engine)
        if parts and parts[0] == "browser":
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def plain_static_files(settings):
    """Tests run with DEBUG off and no collected manifest: resolve static URLs from the finders."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
