"""The agreement through its life: frozen versions, change lists, stages and publication,
the councils' approval, submission with its package, the regime's requirements and coverage."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from sundhedsaftale.access.models import Role
from sundhedsaftale.access.services import role_grant
from sundhedsaftale.agreements.changes import change_list, word_diff
from sundhedsaftale.agreements.demo import regimes_load
from sundhedsaftale.agreements.models import (
    Agreement,
    AgreementVersion,
    CouncilDecision,
    Goal,
    Vision,
)
from sundhedsaftale.agreements.services import (
    agreement_councils,
    agreement_start_from_version,
    council_decision_record,
    goal_create,
    goal_update,
    initiative_create,
    initiative_delete,
    submission_create,
    version_freeze,
    version_publish,
    version_transition,
)
from sundhedsaftale.core.audit import events_for_object
from sundhedsaftale.geography.models import Municipality, Region
from sundhedsaftale.regimes.models import Requirement
from sundhedsaftale.regimes.selectors import coverage_matrix, submission_deadline
from sundhedsaftale.regimes.services import (
    requirement_link_review,
    requirement_link_set,
    requirement_save,
)

Stage = AgreementVersion.Stage
D = datetime.date


@pytest.fixture
def agreement(demo_content) -> Agreement:
    regimes_load()
    return Agreement.objects.get(slug="2015-2018")


def _approve_all(version: AgreementVersion, *, skip: int = 0) -> None:
    councils = agreement_councils(version.agreement)
    for council in councils[:len(councils) - skip]:
        council_decision_record(version=version, council=council, by=None,
                                decision="approved", decided_on=D(2015, 1, 10))


def _adopted(agreement: Agreement, **kw) -> AgreementVersion:
    version = version_freeze(agreement=agreement, by=None, election_period_start=2014, **kw)
    return version_transition(version=version, to=Stage.ADOPTED, by=None)


# --- versions and numbers --------------------------------------------------------------------

def test_version_numbers_restart_at_1_in_a_new_election_period(agreement):
    first = version_freeze(agreement=agreement, by=None, election_period_start=2014)
    second = version_freeze(agreement=agreement, by=None, election_period_start=2014)
    next_period = version_freeze(agreement=agreement, by=None, election_period_start=2018)
    assert [(v.election_period_start, v.number) for v in (first, second, next_period)] == [
        (2014, 1), (2014, 2), (2018, 1)]
    assert next_period.ref == "2018-1" and next_period.based_on == second


# --- change list -----------------------------------------------------------------------------

def test_change_list_lists_added_removed_moved_and_edited_items(agreement):
    goal = Goal.objects.get(agreement=agreement, slug="samme-kvalitet-overalt")
    doomed = initiative_create(goal=goal, by=None, title="En indsats, der udgår")
    doomed_key = f"initiative:{doomed.pk}"
    mover = Goal.objects.get(agreement=agreement, slug="mestre-egen-sygdom")
    older = version_freeze(agreement=agreement, by=None, election_period_start=2014)

    goal_update(goal=goal, by=None, summary="Samme høje kvalitet i hele regionen, også om natten")
    initiative_delete(initiative=doomed, by=None)
    added = goal_create(by=None, title="Et helt nyt mål", number=12,
                        vision=Vision.objects.get(agreement=agreement, number=4))
    goal_update(goal=mover, by=None, vision=Vision.objects.get(agreement=agreement, number=3))
    newer = version_freeze(agreement=agreement, by=None, election_period_start=2014)

    changes = change_list(older, newer)
    assert [c.key for c in changes.added] == [f"goal:{added.pk}"]
    assert [c.key for c in changes.removed] == [doomed_key]
    assert [c.key for c in changes.moved] == [f"goal:{mover.pk}"]
    assert changes.moved[0].parent_changed
    assert [c.key for c in changes.changed] == [f"goal:{goal.pk}"]
    (summary,) = changes.changed[0].fields
    assert summary.field == "summary"
    inserted = "".join(s.text for s in summary.diff if s.op == "insert")
    assert "også om natten" in inserted
    assert "".join(s.text for s in summary.diff if s.op != "delete") == summary.after
    assert change_list(newer, newer).is_empty


def test_renumbering_an_item_is_a_move_and_the_word_diff_marks_words():
    assert [(s.op, s.text) for s in word_diff("færre indlæggelser i dag", "færre akutte "
                                              "indlæggelser i dag")] == [
        ("equal", "færre "), ("insert", "akutte "), ("equal", "indlæggelser i dag")]


def test_compare_page_shows_the_changes_with_word_diff(agreement, client, reader_user):
    goal = Goal.objects.get(agreement=agreement, slug="samme-kvalitet-overalt")
    older = version_freeze(agreement=agreement, by=None, election_period_start=2014)
    goal_update(goal=goal, by=None, title="Samme høje kvalitet overalt")
    newer = version_freeze(agreement=agreement, by=None, election_period_start=2014)
    client.force_login(reader_user)
    html = client.get(f"/aftaler/2015-2018/versioner/{newer.ref}/sammenlign/{older.ref}/"
                      ).content.decode()
    assert "0 tilføjet, 0 fjernet, 0 flyttet, 1 ændret" in html
    assert "<ins>" in html and "<del>" in html
    assert "(mål)" in html and "(goal)" not in html  # the kind in Danish


# --- stages, publication, audit --------------------------------------------------------------

def test_a_refused_transition_says_why_in_danish(agreement):
    version = version_freeze(agreement=agreement, by=None, election_period_start=2014)
    with pytest.raises(ValidationError, match="kan ikke gå fra"):
        version_transition(version=version, to=Stage.FROZEN, by=None)
    with pytest.raises(ValidationError, match="egen handling"):
        version_transition(version=version, to=Stage.AUTHORITY_APPROVED, by=None)
    with pytest.raises(ValidationError, match="egen handling"):
        version_transition(version=version, to=Stage.PUBLISHED, by=None)
    with pytest.raises(ValidationError, match="væsentlig"):
        version_publish(version=_adopted(agreement), by=None)


def test_transitions_are_audited_and_on_the_timeline(agreement, client):
    version = version_freeze(agreement=agreement, by=None, election_period_start=2014,
                             on=D(2014, 4, 5))
    version_transition(version=version, to=Stage.IN_HEARING, by=None, on=D(2014, 4, 9))
    actions = [e.action for e in events_for_object(version)]
    assert actions.count("agreements.version.transition") == 1
    assert [(e.stage_from, e.stage_to) for e in version.events.all()] == [
        ("", "frozen"), ("frozen", "in_hearing")]
    _approve_all(version_transition(version=version, to=Stage.ADOPTED, by=None))
    version_publish(version=version, by=None, on=D(2015, 2, 1))  # entry need not wait
    html = client.get(f"/aftaler/2015-2018/versioner/{version.ref}/forloeb/").content.decode()
    assert "9. april 2014" in html and "høring" in html.lower()


def test_publication_has_its_own_permission(agreement, secretariat_user, django_user_model):
    version = _adopted(agreement, significant=False)
    with pytest.raises(PermissionDenied):
        version_publish(version=version, by=secretariat_user)
    publisher = django_user_model.objects.create_user(username="udgiver", password="x-9-not")
    publisher.user_permissions.add(Permission.objects.get(codename="publish_agreementversion"))
    assert version_publish(version=version, by=publisher).stage == Stage.PUBLISHED
    # The secretariat group may move stages, a plain user may not.
    other = version_freeze(agreement=agreement, by=secretariat_user, election_period_start=2014)
    version_transition(version=other, to=Stage.IN_HEARING, by=secretariat_user)
    plain = django_user_model.objects.create_user(username="borger", password="x-9-not")
    with pytest.raises(PermissionDenied):
        version_transition(version=other, to=Stage.ADOPTED, by=plain)


def test_a_new_published_version_supersedes_the_old(agreement):
    first = _adopted(agreement, significant=False)
    version_publish(version=first, by=None)
    second = _adopted(agreement, significant=False)
    version_publish(version=second, by=None)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.stage == Stage.SUPERSEDED and second.stage == Stage.PUBLISHED


# --- public pages: the published version, never the live draft -------------------------------

def test_editing_the_live_draft_changes_nothing_public_until_a_new_version_is_published(
        agreement, client, reader_user):
    version_publish(version=_adopted(agreement, significant=False), by=None)
    goal = Goal.objects.get(agreement=agreement, slug="samme-kvalitet-overalt")
    goal_update(goal=goal, by=None, title="Et mål med en ny formulering")
    for url in ("/aftaler/2015-2018/", "/aftaler/2015-2018/maal/samme-kvalitet-overalt/"):
        html = client.get(url).content.decode()
        assert "Et mål med en ny formulering" not in html
        assert "Samme høje kvalitet" in html
    client.force_login(reader_user)
    staff = client.get("/aftaler/2015-2018/").content.decode()
    assert "Et mål med en ny formulering" in staff and "Udkast" in staff
    client.logout()
    version_publish(version=_adopted(agreement, significant=False), by=None)
    assert "Et mål med en ny formulering" in client.get("/aftaler/2015-2018/").content.decode()


def test_the_public_sees_only_published_versions(agreement, client, reader_user):
    published = _adopted(agreement, significant=False)
    version_publish(version=published, by=None)
    draft = version_freeze(agreement=agreement, by=None, election_period_start=2014)
    listing = client.get("/aftaler/2015-2018/versioner/").content.decode()
    assert f"/versioner/{published.ref}/" in listing and f"/versioner/{draft.ref}/" not in listing
    assert client.get(f"/aftaler/2015-2018/versioner/{draft.ref}/").status_code == 404
    assert client.get("/api/v1/aftaler/2015-2018/versioner/").json()[0]["ref"] == published.ref
    assert client.get(f"/api/v1/aftaler/2015-2018/versioner/{draft.ref}/").status_code == 404
    client.force_login(reader_user)
    page = client.get(f"/aftaler/2015-2018/versioner/{draft.ref}/").content.decode()
    assert "Udkast: denne version er ikke offentliggjort" in page
    content = client.get(f"/api/v1/aftaler/2015-2018/versioner/{draft.ref}/").json()["content"]
    assert len([i for i in content["items"] if i["kind"] == "goal"]) == 11


def test_start_a_new_agreement_from_a_version_copies_the_tree(agreement):
    version = version_freeze(agreement=agreement, by=None, election_period_start=2014)
    new = agreement_start_from_version(
        version=version, by=None, slug="2019-2022", title="Sundhedsaftale 2019-2022",
        period_start=D(2019, 1, 1), period_end=D(2022, 12, 31))
    assert new.status == "draft" and new.visions.count() == 4 and new.goals.count() == 11
    assert new.party_municipalities.count() == 29
    links = list(new.annex_links.all())
    assert links and all(link.carried_over_from == agreement for link in links)


# --- the councils' approval ------------------------------------------------------------------

def test_a_municipality_records_only_its_own_councils_decision(agreement, client,
                                                              django_user_model):
    version = _adopted(agreement)
    albertslund = Municipality.objects.get(name="Albertslund")
    ballerup = Municipality.objects.get(name="Ballerup")
    user = django_user_model.objects.create_user(username="albertslund", password="x-9-not")
    role_grant(user=user, role=Role.EDITOR, organisation=albertslund, by=None)
    record = council_decision_record(version=version, council=albertslund, by=user,
                                     decision="approved", decided_on=D(2014, 12, 10))
    assert record.recorded_by == user
    with pytest.raises(PermissionDenied):
        council_decision_record(version=version, council=ballerup, by=user,
                                decision="approved", decided_on=D(2014, 12, 10))
    client.force_login(user)
    url = f"/aftaler/2015-2018/godkendelse/?version={version.ref}"
    page = client.get(url).content.decode()
    assert f'value="municipality:{albertslund.pk}"' in page
    assert f'value="municipality:{ballerup.pk}"' not in page
    response = client.post(url, {"council": f"municipality:{ballerup.pk}",
                                 "decision": "rejected", "decided_on": "2014-12-11"})
    assert response.status_code == 200  # the form refuses a council that is not offered
    assert not CouncilDecision.objects.filter(version=version, municipality=ballerup).exists()
    # A region role does not let anyone record a municipality's decision either.
    region_user = django_user_model.objects.create_user(username="region", password="x-9-no")
    role_grant(user=region_user, role=Role.SECRETARIAT,
               organisation=Region.objects.get(code="1084"), by=None)
    with pytest.raises(PermissionDenied):
        council_decision_record(version=version, council=ballerup, by=region_user,
                                decision="approved", decided_on=D(2014, 12, 10))


def test_board_shows_30_of_30_and_the_day_the_agreement_was_entered(agreement, client):
    version = _adopted(agreement)
    _approve_all(version, skip=1)
    version.refresh_from_db()
    assert version.entered_on is None and version.stage == Stage.ADOPTED
    last = agreement_councils(agreement)[-1]
    council_decision_record(version=version, council=last, by=None, decision="approved",
                            decided_on=D(2015, 1, 20), journal_number="14002206")
    version.refresh_from_db()
    assert version.entered_on == D(2015, 1, 20) and version.stage == Stage.COUNCILS_APPROVED
    version_publish(version=version, by=None)
    html = client.get("/aftaler/2015-2018/godkendelse/").content.decode()
    assert "<strong>30/30</strong>" in html and "20. januar 2015" in html
    assert client.get("/api/v1/aftaler/2015-2018/godkendelse/").json()["approved"] == 30


# --- submission ------------------------------------------------------------------------------

def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def test_submission_is_refused_at_29_of_30_and_its_package_holds_the_required_parts(agreement):
    first = _adopted(agreement, entry_into_force=D(2015, 1, 1))
    _approve_all(first, skip=1)
    with pytest.raises(ValidationError, match="29 af 30"):
        submission_create(version=first, by=None, render_pdf=False)
    _approve_all(first)
    submission_create(version=first, by=None, on=D(2015, 1, 28), render_pdf=False)
    goal = Goal.objects.get(agreement=agreement, slug="faelles-midler")
    goal_update(goal=goal, by=None, title="En fælles pulje til sammenhængende løsninger")
    second = _adopted(agreement, entry_into_force=D(2016, 7, 1))
    _approve_all(second)
    submission = submission_create(version=second, by=None, on=D(2016, 6, 20))
    assert submission.deadline == D(2015, 1, 31) and submission.compared_with == first
    text = _pdf_text(submission.package_pdf)
    for expected in ("Valgperiode", "2014-2017", "Versionsnummer", "Ikrafttræden",
                     "Region Hovedstaden", "Medsendte bilag", "Kommunikationsaftale om",
                     "Ændret i forhold til senest indsendte version 2014-1",
                     "En fælles pulje", "Dækning af lovkravene"):
        assert expected in text, expected


def test_submission_deadline_comes_from_the_regime_and_the_staff_page_counts_days(
        agreement, client, reader_user):
    assert submission_deadline(regime=agreement.regime, election_period_start=2014) == D(
        2015, 1, 31)
    assert submission_deadline(regime=agreement.regime, election_period_start=2018) == D(
        2019, 1, 31)
    version_freeze(agreement=agreement, by=None, election_period_start=2026)
    client.force_login(reader_user)
    html = client.get("/aftaler/2015-2018/indsendelse/").content.decode()
    assert "31. januar 2027" in html and "dage" in html
    client.logout()
    assert client.get("/aftaler/2015-2018/indsendelse/").status_code == 302


# --- requirements, fingerprints, coverage ----------------------------------------------------

def test_editing_a_requirement_marks_its_links_suspect_until_reviewed(agreement, client,
                                                                      reader_user):
    version = version_freeze(agreement=agreement, by=None, election_period_start=2014)
    requirement = Requirement.objects.get(regime=agreement.regime, code="5.3")
    goal = Goal.objects.get(agreement=agreement, slug="aktiv-part-i-eget-forloeb")
    link = requirement_link_set(requirement=requirement, agreement=agreement,
                                item_key=f"goal:{goal.pk}", by=None)
    states = {r.requirement.code: r.state for r in coverage_matrix(version=version)}
    assert states["5.3"] == "met" and states["4.3"] == "not_met"
    requirement_save(regime=requirement.regime, code="5.3", title=requirement.title,
                     kind=requirement.kind, number=requirement.number, by=None,
                     text=requirement.text + " Også i udviklingen af nye tilbud.")
    link.refresh_from_db()
    assert link.is_suspect
    assert {r.requirement.code: r.state for r in coverage_matrix(version=version)}[
        "5.3"] == "suspect"
    client.force_login(reader_user)
    html = client.get(f"/aftaler/2015-2018/versioner/{version.ref}/daekning/").content.decode()
    assert "skal gennemgås" in html
    requirement_link_review(link=link, by=None)
    assert {r.requirement.code: r.state for r in coverage_matrix(version=version)}[
        "5.3"] == "met"


def test_partly_met_needs_a_note(agreement):
    requirement = Requirement.objects.get(regime=agreement.regime, code="4.1.a")
    with pytest.raises(ValidationError):
        requirement_link_set(requirement=requirement, agreement=agreement, item_key="goal:1",
                             coverage="partly", by=None)


def test_the_regime_texts_copy_no_sentence_from_the_seed_documents():
    from pathlib import Path

    from sundhedsaftale.agreements.demo import REGIMES_FILE

    from .test_demo_wording import SEEDS, shingles, strings

    if not SEEDS.is_dir():
        pytest.skip("the seed documents are not on this machine")
    seed_runs: set[tuple[str, ...]] = set()
    for path in sorted(Path(SEEDS).glob("0*.txt")):
        seed_runs |= shingles(path.read_text(encoding="utf-8", errors="replace"))
    import tomllib

    texts = strings(tomllib.loads(REGIMES_FILE.read_text(encoding="utf-8")))
    assert [t for t in texts if shingles(t) & seed_runs] == []


def test_a_refusal_names_unmet_requirements_and_a_new_deadline_that_the_staff_page_shows(
        agreement, client, reader_user):
    from sundhedsaftale.agreements.services import authority_answer_record

    version = _adopted(agreement)
    _approve_all(version)
    submission = submission_create(version=version, by=None, on=D(2015, 1, 28),
                                   render_pdf=False)
    with pytest.raises(ValidationError, match="ny frist"):
        authority_answer_record(submission=submission, kind="not_approved",
                                answered_on=D(2015, 3, 1), by=None)
    authority_answer_record(submission=submission, kind="not_approved",
                            answered_on=D(2015, 3, 1), by=None, unmet_requirements=["4.3"],
                            new_deadline=D(2027, 6, 1))
    version.refresh_from_db()
    assert version.stage == Stage.AUTHORITY_REJECTED
    client.force_login(reader_user)
    html = client.get("/aftaler/2015-2018/indsendelse/").content.decode()
    assert "Ny frist fra Sundhedsstyrelsen" in html and "1. juni 2027" in html
    # The package is rendered on first download when it was not stored.
    response = client.get(f"/aftaler/2015-2018/indsendelse/{submission.pk}/pakke.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert "Versionsnummer" in _pdf_text(response.content)


def test_the_secretariat_sees_the_drafts_coverage_before_freezing(agreement, client,
                                                                  reader_user):
    requirement = Requirement.objects.get(regime=agreement.regime, code="5.4")
    goal = Goal.objects.get(agreement=agreement, slug="tidlig-forebyggelse-saarbare")
    requirement_link_set(requirement=requirement, agreement=agreement,
                         item_key=f"goal:{goal.pk}", by=None, coverage="partly",
                         note="Mangler tilgængelighed for borgere med handicap.")
    assert client.get("/aftaler/2015-2018/daekning/").status_code == 302
    client.force_login(reader_user)
    html = client.get("/aftaler/2015-2018/daekning/").content.decode()
    assert "arbejdsversionen" in html and "Mangler tilgængelighed" in html
    assert "delvist opfyldt" in html


def test_the_demo_walks_2015_2018_through_its_history(db, client):
    from io import StringIO

    from django.core.management import call_command

    call_command("demo", "--no-users", stdout=StringIO())
    v1 = AgreementVersion.objects.get(agreement__slug="2015-2018", number=1)
    assert v1.election_period_start == 2014 and v1.entered_on == D(2015, 1, 20)
    assert [(e.stage_to, e.on) for e in v1.events.all()][:3] == [
        ("frozen", D(2014, 4, 5)), ("in_hearing", D(2014, 4, 9)), ("adopted", D(2014, 11, 25))]
    assert v1.council_decisions.filter(is_demo=True).count() == 30
    assert v1.submissions.get().deadline == D(2015, 1, 31)
    current = AgreementVersion.objects.get(agreement__slug="2024-2027", stage="published")
    assert current.ref == "2022-1" and current.published_on == D(2024, 1, 1)
    plan = AgreementVersion.objects.get(agreement__slug="naersundhedsplan-2027-udkast")
    assert plan.stage == "frozen" and plan.agreement.regime.code == "sundhedsreform-2027"
    states = {r.requirement.code: r.state for r in coverage_matrix(version=v1)}
    assert states["5.3"] == "met" and states["4.1.a"] == "partly" and states["4.3"] == "not_met"
    # The API, anonymously: published material only.
    api = "/api/v1/aftaler/"
    assert {a["slug"]: a["published_version"] for a in client.get(api).json()} == {
        "2024-2027": "2022-1", "2015-2018": "2014-2"}
    changes = client.get(api + "2015-2018/versioner/2014-2/sammenlign/2014-1/").json()
    assert [c["kind"] for c in changes["added"]] == ["initiative"] and not changes["removed"]
    coverage = {r["code"]: r["state"] for r in client.get(
        api + "2015-2018/versioner/2014-1/daekning/").json()}
    assert coverage["6.1"] == "met"
    assert client.get(api + "naersundhedsplan-2027-udkast/versioner/").status_code == 404
    assert len(client.get(api + "regelsaet/vej-9005-2013/krav/").json()) == 26
