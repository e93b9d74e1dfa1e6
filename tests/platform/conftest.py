"""Fixtures for platform tests: the demo content (TOML files), the demo population and users."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from sundhedsaftale.core.demo import POPULATION_FILE, demo_data_load
from sundhedsaftale.core.services import READER_GROUP, SECRETARIAT_GROUP, groups_ensure


@pytest.fixture
def demo_geography(db):
    """Only the region, municipalities, districts and clusters (fast)."""
    from sundhedsaftale.core.demo import DATA_FILES

    return demo_data_load(files=[DATA_FILES[0]])


@pytest.fixture(scope="module")
def _demo_content_for_module(django_db_setup, django_db_blocker):
    """Load the demo content once per test module; empty the database after the module."""
    with django_db_blocker.unblock():
        result = demo_data_load()
    yield result
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def demo_content(_demo_content_for_module, db):
    """Organisation, bodies and agreements from the demo data files (no population).

    Loaded once per module; each test runs in a transaction that is rolled back, so changes a
    test makes do not leak into the next one.
    """
    return _demo_content_for_module


@pytest.fixture
def demo_population(demo_content):
    """The demo FOLK1A file (2023K1), imported."""
    from sundhedsaftale.geography.services import population_import

    return population_import(path=POPULATION_FILE)


@pytest.fixture
def groups(db):
    return groups_ensure()


def _staff_user(django_user_model, groups, username: str, group: str):
    user = django_user_model.objects.create_user(username=username, password="not-used-x9",
                                                 is_staff=True)
    user.groups.add(groups[group])
    return user


@pytest.fixture
def secretariat_user(django_user_model, groups):
    return _staff_user(django_user_model, groups, "sekretariat", SECRETARIAT_GROUP)


@pytest.fixture
def reader_user(django_user_model, groups):
    return _staff_user(django_user_model, groups, "laeser", READER_GROUP)


@pytest.fixture(autouse=True)
def _plain_static_files(plain_static_files):
    """Every platform test renders pages without a collected static manifest."""


@pytest.fixture(scope="session", autouse=True)
def _media_in_tmp(tmp_path_factory):
    """Uploaded files (annex documents, also the demo's) go to a temporary folder, never
    var/media."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media"))):
        yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language (Danish) and leaves it so: a test that
    activates English must not make a later test's messages English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The whole demo (published versions, hearings, meetings, indicators; no users), loaded
    once for a test module and removed afterwards. A module may define its own `demo`."""
    with django_db_blocker.unblock():
        call_command("demo", verbosity=0, no_users=True)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
