"""Hearings: lifecycle, invitations after commit, the party table, answering only for oneself,
screening (CPR numbers never published), reminders once, the memo, subscriptions."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from sundhedsaftale.access.rules import can
from sundhedsaftale.core.audit import events_for_object
from sundhedsaftale.core.models import AuditEvent
from sundhedsaftale.hearings import screening, services
from sundhedsaftale.hearings.models import (
    Hearing,
    HearingParty,
    Memo,
    ReminderSent,
    Response,
    ScreeningHit,
)

from .hearings_fixtures import *
from .hearings_fixtures import goal_key, token_from

pytestmark = pytest.mark.django_db

P = HearingParty.Status


def party(hearing, name):
    return next(p for p in hearing.parties.all() if p.name == name)


# ------------------------------------------------------------------ lifecycle and invitations


def test_opening_sends_one_invitation_per_party_after_commit(
        draft_hearing, secretary, rep_gentofte, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.hearing_open(hearing=draft_hearing, by=secretary)
    assert mailoutbox == []  # nothing is sent before the transaction commits
    for callback in callbacks:
        callback()
    assert len(mailoutbox) == 3 == draft_hearing.parties.count()
    recipients = sorted(tuple(sorted(m.to)) for m in mailoutbox)
    assert recipients == sorted([
        ("rep-gentofte@kommune.example", "sundhed@gentofte.example"),
        ("sundhed@gladsaxe.example",), ("hoering@patienter.example",)])
    tokens = {token_from(m) for m in mailoutbox}
    assert len(tokens) == 3  # a personal link each
    gentofte_mail = next(m for m in mailoutbox if "sundhed@gentofte.example" in m.to)
    assert "Gentofte" in gentofte_mail.body and "Testhøring 2015-2018" in gentofte_mail.subject
    # Tokens are stored hashed only.
    for token in tokens:
        assert not HearingParty.objects.filter(token_hash=token).exists()
    assert set(draft_hearing.parties.values_list("status", flat=True)) == {P.INVITED}


def test_every_step_is_audited_and_a_refused_transition_says_why_in_danish(
        draft_hearing, secretary, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationError) as refused:
        services.hearing_close(hearing=draft_hearing, by=secretary)
    assert "kan ikke gå fra" in " ".join(refused.value.messages)
    services.hearing_schedule(hearing=draft_hearing, by=secretary)
    with django_capture_on_commit_callbacks(execute=True):
        services.hearing_open(hearing=draft_hearing, by=secretary)
    services.hearing_close(hearing=draft_hearing, by=secretary)
    with pytest.raises(ValidationError):  # the memo must be issued first
        services.hearing_conclude(hearing=draft_hearing, by=secretary)
    memo = services.memo_generate(hearing=draft_hearing, by=secretary)
    services.memo_issue(memo=memo, by=secretary)
    services.hearing_conclude(hearing=draft_hearing, by=secretary)
    actions = list(events_for_object(draft_hearing).order_by("at", "id")
                   .values_list("action", flat=True))
    for step in ("create", "scheduled", "open", "closed", "concluded"):
        assert f"hearings.hearing.{step}" in actions
    draft_hearing.refresh_from_db()
    assert draft_hearing.status == Hearing.Status.CONCLUDED


def test_only_the_secretariat_moves_a_hearing(draft_hearing, rep_gentofte):
    with pytest.raises(PermissionDenied):
        services.hearing_open(hearing=draft_hearing, by=rep_gentofte)
    with pytest.raises(PermissionDenied):
        services.hearing_open(hearing=draft_hearing, by=AnonymousUser())


def test_party_table_updates_as_parties_answer_and_closing_marks_no_answer(
        open_hearing, secretary):
    tokens = open_hearing.tokens
    gentofte, gladsaxe = party(open_hearing, "Gentofte"), party(open_hearing, "Gladsaxe")
    services.party_link_open(party=gentofte)
    gentofte.refresh_from_db()
    assert gentofte.status == P.OPENED
    services.response_submit(hearing=open_hearing, channel="link", token=tokens["Gentofte"],
                             text="Vi støtter udkastet.")
    gentofte.refresh_from_db()
    assert gentofte.status == P.ANSWERED and gentofte.answered_at is not None
    services.party_decline(party=gladsaxe, by=None)
    services.hearing_close(hearing=open_hearing, by=secretary)
    statuses = {p.name: p.status for p in open_hearing.parties.all()}
    assert statuses == {"Gentofte": P.ANSWERED, "Gladsaxe": P.DECLINED,
                        "Danske Patienter (test)": P.NO_ANSWER}


def test_a_wrong_token_answers_for_nobody(open_hearing):
    with pytest.raises(PermissionDenied):
        services.response_submit(hearing=open_hearing, channel="link", token="guess",
                                 text="Hej")
    assert not Response.objects.exists()


# ------------------------------------------------------------------ answering only for oneself


def test_a_municipalitys_representative_cannot_answer_for_another_municipality(
        open_hearing, rep_gentofte):
    gladsaxe = party(open_hearing, "Gladsaxe")
    with pytest.raises(PermissionDenied):
        services.response_submit(hearing=open_hearing, channel="login", by=rep_gentofte,
                                 party=gladsaxe, text="Svar på Gladsaxes vegne")
    assert not Response.objects.exists()
    gladsaxe.refresh_from_db()
    assert gladsaxe.status == P.INVITED
    own = services.response_submit(hearing=open_hearing, channel="login", by=rep_gentofte,
                                   party=party(open_hearing, "Gentofte"), text="Vores svar")
    assert own.party.name == "Gentofte" and own.channel == Response.Channel.LOGIN


def test_rules_for_each_role(open_hearing, secretary, rep_gentofte, rep_gladsaxe,
                             reader_user, secretariat_user):
    gentofte = party(open_hearing, "Gentofte")
    assert can(secretary, "hearings.manage", open_hearing)
    assert can(secretariat_user, "hearings.manage", open_hearing)  # the admin group
    assert not can(reader_user, "hearings.manage", open_hearing)
    assert can(reader_user, "hearings.view_internal", open_hearing)
    assert not can(rep_gentofte, "hearings.manage", open_hearing)
    assert not can(rep_gentofte, "hearings.view_internal", open_hearing)
    assert can(rep_gentofte, "hearings.respond_for_party", gentofte)
    assert not can(rep_gladsaxe, "hearings.respond_for_party", gentofte)
    assert not can(secretary, "hearings.respond_for_party", gentofte)
    assert not can(AnonymousUser(), "hearings.respond_public", open_hearing)  # not public
    open_hearing.is_public = True
    assert can(AnonymousUser(), "hearings.respond_public", open_hearing)


def test_the_secretariat_registers_a_letter_with_an_attachment(open_hearing, secretary):
    pdf = b"%PDF-1.4\n" + b"0" * 200
    response = services.response_submit(
        hearing=open_hearing, channel="letter", by=secretary,
        party=party(open_hearing, "Gladsaxe"), text="Brev modtaget.",
        received_on=datetime.date.today(), attachments=[services.Upload("svar.pdf", pdf)])
    attachment = response.attachments.get()
    assert attachment.content_type == "application/pdf" and attachment.size == len(pdf)
    with pytest.raises(ValidationError, match="svar.pdf: only PDF and DOCX|svar.pdf"):
        services.response_submit(
            hearing=open_hearing, channel="email", by=secretary, text="x",
            attachments=[services.Upload("svar.pdf", b"just text, not a PDF")])
    with pytest.raises(ValidationError, match="stor.pdf"):
        services.response_submit(
            hearing=open_hearing, channel="email", by=secretary, text="x",
            attachments=[services.Upload("stor.pdf", b"%PDF-1.4\n" + b"0" * (11 * 2 ** 20))])
    with pytest.raises(PermissionDenied):
        services.response_submit(hearing=open_hearing, channel="email", by=AnonymousUser(),
                                 text="x")


def test_late_responses_are_accepted_and_marked_late(open_hearing, secretary):
    late = services.response_submit(
        hearing=open_hearing, channel="email", by=secretary, text="Sent svar",
        received_on=open_hearing.deadline + datetime.timedelta(days=2))
    on_time = services.response_submit(
        hearing=open_hearing, channel="email", by=secretary, text="Rettidigt svar",
        received_on=open_hearing.deadline)
    assert late.is_late and not on_time.is_late
    services.hearing_close(hearing=open_hearing, by=secretary)
    after_close = services.response_submit(  # a closed hearing still accepts responses
        hearing=open_hearing, channel="link", token=open_hearing.tokens["Gladsaxe"],
        text="Efter lukning", received_on=open_hearing.deadline + datetime.timedelta(days=9))
    assert after_close.is_late


def test_a_response_can_be_anchored_to_a_goal_of_the_version(open_hearing, version):
    key = goal_key(version, "flere-gode-leveaar")
    response = services.response_submit(hearing=open_hearing, channel="link",
                                        token=open_hearing.tokens["Gentofte"],
                                        text="Om målet", anchor_key=key)
    assert response.anchor_title == "Flere gode leveår for borgere med psykisk sygdom"
    with pytest.raises(ValidationError):
        services.response_submit(hearing=open_hearing, channel="link",
                                 token=open_hearing.tokens["Gladsaxe"], text="x",
                                 anchor_key="goal:999999")


def test_public_hearing_anyone_answers_with_a_confirmed_email(
        draft_hearing, secretary, django_capture_on_commit_callbacks, mailoutbox):
    services.hearing_update(hearing=draft_hearing, by=secretary, is_public=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.hearing_open(hearing=draft_hearing, by=secretary)
    mailoutbox.clear()
    with pytest.raises(ValidationError):
        services.response_submit(hearing=draft_hearing, channel="public", by=AnonymousUser(),
                                 text="Svar", author_name="", author_email="")
    with django_capture_on_commit_callbacks(execute=True):
        response = services.response_submit(
            hearing=draft_hearing, channel="public", by=AnonymousUser(), text="Mit svar",
            author_name="Borger Borgersen", author_email="borger@example.org")
    assert response.status == Response.Status.UNCONFIRMED
    assert response.sender_label == "Privatperson"
    link = mailoutbox[0].body
    token = link.split("/bekraeft/")[1].split("/")[0]
    assert services.response_confirm(hearing=draft_hearing, token=token) is not None
    response.refresh_from_db()
    assert response.status == Response.Status.RECEIVED
    assert services.response_confirm(hearing=draft_hearing, token=token) is None  # used


# ------------------------------------------------------------------ screening and publication


@pytest.mark.parametrize("cpr", ["010203-1234", "010203 1234", "0102031234", "01.02.03-1234",
                                 "01 02 03 1234"])
def test_screening_finds_cpr_numbers_in_every_form(cpr):
    text = f"Min mor har cpr {cpr} og bor i Gentofte."
    findings = screening.screen_text(text)
    assert [(f.kind, text[f.start:f.end]) for f in findings] == [("cpr", cpr)]


def test_screening_needs_a_real_date_and_finds_the_other_kinds():
    assert screening.find_cpr("320199-1234") == []  # day 32
    assert screening.find_cpr("290201-1234") == []  # 29 February 1901/2001: no leap year
    assert len(screening.find_cpr("290200-1234")) == 1  # 2000 was a leap year
    text = ("Skriv til mette@example.org eller ring 38 66 60 00.\n"
            "Vi har talt med Mette Hansen om det.\n\nMed venlig hilsen\nKarl Viggo Berg\n")
    kinds = [(f.kind, text[f.start:f.end]) for f in screening.screen_text(text, ["Berg"])]
    assert ("email", "mette@example.org") in kinds
    assert ("phone", "38 66 60 00") in kinds
    assert ("name", "Mette Hansen") in kinds
    assert ("name", "Karl Viggo Berg") in kinds  # the signature line wins over the term
    assert [f.kind for f in screening.screen_text("Ordet hemmelig står her", ["hemmelig"])] == [
        "term"]


@pytest.mark.parametrize("cpr", ["010203-1234", "010203 1234", "0102031234"])
def test_a_response_with_a_cpr_number_is_published_only_redacted(
        open_hearing, secretary, client, cpr):
    response = services.response_submit(
        hearing=open_hearing, channel="link", token=open_hearing.tokens["Gentofte"],
        text=f"Borgeren med cpr {cpr} ventede længe.")
    hit = response.hits.get()
    assert hit.kind == ScreeningHit.Kind.CPR
    with pytest.raises(ValidationError, match="godkendes eller anonymiseres"):
        services.response_publish(response=response, by=secretary)
    with pytest.raises(ValidationError):
        services.hit_decide(hit=hit, decision="cleared", by=secretary)  # CPR: redact only
    with pytest.raises(PermissionDenied):
        services.hit_decide(hit=hit, decision="redacted", by=AnonymousUser())
    services.hit_decide(hit=hit, decision="redacted", by=secretary)
    services.response_publish(response=response, by=secretary)
    response.refresh_from_db()
    digits = cpr.replace("-", "").replace(" ", "")
    assert response.published_text == "Borgeren med cpr [CPR-nummer fjernet] ventede længe."
    assert response.original_text.endswith("ventede længe.")  # the case file keeps it
    page = client.get(f"/hoeringer/{open_hearing.slug}/").content.decode()
    api = client.get(f"/api/v1/hoeringer/{open_hearing.slug}/svar/").content.decode()
    for text in (page, api, response.published_text, response.memo_summary):
        assert cpr not in text and digits not in text.replace(" ", "").replace("-", "")
        assert not screening.contains_cpr(text)
    assert "[CPR-nummer fjernet]" in page
    for event in AuditEvent.objects.all():
        assert not screening.contains_cpr(str(event.changes) + event.object_label)


def test_other_hits_can_be_cleared_and_every_hit_must_be_decided(open_hearing, secretary):
    services.blocked_term_add(term="hemmeligt", by=secretary)
    response = services.response_submit(
        hearing=open_hearing, channel="link", token=open_hearing.tokens["Gentofte"],
        text="Kontakt sundhed@gentofte.example. Det er hemmeligt.")
    kinds = sorted(response.hits.values_list("kind", flat=True))
    assert kinds == ["email", "term"]
    email_hit = response.hits.get(kind="email")
    services.hit_decide(hit=email_hit, decision="cleared", by=secretary)
    with pytest.raises(ValidationError):
        services.response_publish(response=response, by=secretary)
    services.hit_decide(hit=response.hits.get(kind="term"), decision="redacted", by=secretary)
    services.response_publish(response=response, by=secretary)
    response.refresh_from_db()
    assert response.published_text == "Kontakt sundhed@gentofte.example. Det er [fjernet]."


def test_memo_texts_refuse_cpr_numbers(open_hearing, secretary):
    services.hearing_close(hearing=open_hearing, by=secretary)
    memo = services.memo_generate(hearing=open_hearing, by=secretary)
    section = memo.sections.get()
    with pytest.raises(ValidationError):
        services.memo_section_update(section=section, by=secretary,
                                     comment="Se 0102031234", change="")


# ------------------------------------------------------------------ the memo


def test_the_memo_groups_responses_by_section_general_first_and_is_issued(
        open_hearing, secretary, version):
    goal_a = goal_key(version, "faerre-forebyggelige-indlaeggelser")
    goal_b = goal_key(version, "flere-gode-leveaar")
    for name, key, text in (("Danske Patienter (test)", goal_b, "Om leveår"),
                            ("Gentofte", goal_a, "Om indlæggelser"),
                            ("Gladsaxe", "", "Generelt svar")):
        response = services.response_submit(hearing=open_hearing, channel="link",
                                            token=open_hearing.tokens[name], text=text,
                                            anchor_key=key)
        services.response_publish(response=response, by=secretary)
    with pytest.raises(ValidationError):  # not before the hearing closes
        services.memo_issue(memo=services.memo_generate(hearing=open_hearing, by=secretary),
                            by=secretary)
    services.hearing_close(hearing=open_hearing, by=secretary)
    memo = services.memo_generate(hearing=open_hearing, by=secretary)
    titles = list(memo.sections.values_list("anchor_key", flat=True))
    assert titles == ["", goal_a, goal_b]  # general first, then the version's reading order
    section = memo.sections.get(anchor_key=goal_a)
    services.memo_section_update(section=section, by=secretary, comment="Godt forslag.",
                                 change="Målet præciseres.")
    services.memo_issue(memo=memo, by=secretary)
    memo.refresh_from_db()
    assert memo.status == Memo.Status.ISSUED
    with pytest.raises(ValidationError):
        services.memo_section_update(section=section, by=secretary, comment="x", change="")


# ------------------------------------------------------------------ reminders


def test_reminders_go_once_and_only_to_parties_that_have_not_answered(
        open_hearing, secretary, mailoutbox, django_capture_on_commit_callbacks):
    services.response_submit(hearing=open_hearing, channel="link",
                             token=open_hearing.tokens["Gentofte"], text="Svar")
    services.party_decline(party=party(open_hearing, "Gladsaxe"), by=None)
    today = open_hearing.deadline - datetime.timedelta(days=5)
    out = io.StringIO()

    def remind(days: str) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("hearings", "remind", "--days", days, "--today", today.isoformat(),
                         stdout=out)

    remind("3")  # too early: 5 days left, reminders at 3 days
    assert "reminders sent: 0" in out.getvalue()
    remind("7")
    assert "reminders sent: 1" in out.getvalue()
    assert [m.to for m in mailoutbox] == [["hoering@patienter.example"]]
    assert "5 dage" in mailoutbox[0].body
    remind("7")  # run again: nothing new
    assert out.getvalue().count("reminders sent: 0") == 2
    assert len(mailoutbox) == 1 and ReminderSent.objects.count() == 1


# ------------------------------------------------------------------ subscriptions


def test_citizens_subscribe_with_double_opt_in_and_can_unsubscribe(
        draft_hearing, secretary, django_capture_on_commit_callbacks, mailoutbox, client):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/hoeringer/abonnement/", {"email": "Borger@Example.org"})
    confirm = mailoutbox[0].body.split("/bekraeft/")[1].split("/")[0]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.hearing_schedule(hearing=draft_hearing, by=secretary)
    assert client.get(f"/hoeringer/abonnement/bekraeft/{confirm}/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.hearing_open(hearing=draft_hearing, by=secretary)
    notices = [m for m in mailoutbox if m.to == ["borger@example.org"]]
    assert len(notices) == 1 and draft_hearing.title in notices[0].subject
    unsubscribe = notices[0].body.split("/afmeld/")[1].split("/")[0]
    assert client.post(f"/hoeringer/abonnement/afmeld/{unsubscribe}/").status_code == 200
    assert client.get(f"/hoeringer/abonnement/bekraeft/{unsubscribe}/").content.decode().count(
        "ikke gyldigt") >= 1  # an unsubscribe token does not confirm


def test_unconfirmed_subscribers_hear_nothing(draft_hearing, secretary,
                                              django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        services.subscription_request(email="ny@example.org")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.hearing_open(hearing=draft_hearing, by=secretary)
    assert all(m.to != ["ny@example.org"] for m in mailoutbox)
