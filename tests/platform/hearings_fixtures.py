"""Fixtures for the hearings tests: a frozen version, the secretariat, representatives, and a
hearing with a few parties."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from sundhedsaftale.access.models import ExternalOrganisation, Role
from sundhedsaftale.access.services import role_grant
from sundhedsaftale.agreements.models import Agreement
from sundhedsaftale.agreements.services import version_freeze
from sundhedsaftale.geography.models import Municipality, Region
from sundhedsaftale.hearings import services

LINK_RE = re.compile(r"/hoeringer/[\w-]+/svar/([\w-]+)/")


def token_from(message: Any) -> str:
    match = LINK_RE.search(message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def version(demo_content):
    agreement = Agreement.objects.get(slug="2015-2018")
    return version_freeze(agreement=agreement, by=None, election_period_start=2014)


@pytest.fixture
def secretary(django_user_model, demo_content):
    user = django_user_model.objects.create_user(username="sekr", email="sekr@regionh.example")
    role_grant(user=user, role=Role.SECRETARIAT, organisation=Region.objects.get(code="1084"),
               by=None)
    return user


def _rep(django_user_model, username: str, organisation: Any) -> Any:
    user = django_user_model.objects.create_user(username=username,
                                                 email=f"{username}@kommune.example")
    role_grant(user=user, role=Role.PARTY_REPRESENTATIVE, organisation=organisation, by=None)
    return user


@pytest.fixture
def gentofte(demo_content):
    return Municipality.objects.get(name="Gentofte")


@pytest.fixture
def gladsaxe(demo_content):
    return Municipality.objects.get(name="Gladsaxe")


@pytest.fixture
def rep_gentofte(django_user_model, gentofte):
    return _rep(django_user_model, "rep-gentofte", gentofte)


@pytest.fixture
def rep_gladsaxe(django_user_model, gladsaxe):
    return _rep(django_user_model, "rep-gladsaxe", gladsaxe)


@pytest.fixture
def patients(demo_content):
    return services.outside_organisation_ensure(
        name="Danske Patienter (test)", kind=ExternalOrganisation.Kind.PATIENT,
        email="hoering@patienter.example", by=None)


def goal_key(version: Any, slug: str) -> str:
    return next(i["key"] for i in version.items("goal") if i["slug"] == slug)


@pytest.fixture
def draft_hearing(version, secretary, gentofte, gladsaxe, patients):
    hearing = services.hearing_create(
        by=secretary, version=version, title="Testhøring 2015-2018",
        start=datetime.date.today() - datetime.timedelta(days=3),
        deadline=datetime.date.today() + datetime.timedelta(days=10),
        response_address="hoering@regionh.example", next_steps="Drøftes i udvalget.",
        letter_text="Kære parter.\n\nHer er udkastet.", purpose="Politisk høring.")
    services.hearing_parties_set(
        hearing=hearing, by=secretary, municipalities=[gentofte, gladsaxe],
        organisations=[patients],
        emails={("municipality", gentofte.pk): "sundhed@gentofte.example",
                ("municipality", gladsaxe.pk): "sundhed@gladsaxe.example"})
    return hearing


@pytest.fixture
def open_hearing(draft_hearing, secretary, django_capture_on_commit_callbacks, mailoutbox):
    """The hearing, opened; `open_hearing.tokens` maps party name -> personal link token."""
    with django_capture_on_commit_callbacks(execute=True):
        services.hearing_open(hearing=draft_hearing, by=secretary)
    draft_hearing.refresh_from_db()
    tokens = {}
    for party in draft_hearing.parties.all():
        message = next(m for m in mailoutbox if party.email in m.to)
        tokens[party.name] = token_from(message)
    draft_hearing.tokens = tokens
    mailoutbox.clear()
    return draft_hearing
