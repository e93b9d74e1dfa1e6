"""Hearing pages, staff pages, CSV export, PDFs and the API, as a visitor, a representative
and the secretariat would use them; and the demo hearing."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from sundhedsaftale.hearings import screening, services
from sundhedsaftale.hearings.models import Hearing, HearingParty, Response, ScreeningHit

from .hearings_fixtures import *
from .hearings_fixtures import goal_key

pytestmark = pytest.mark.django_db


def party(hearing, name):
    return next(p for p in hearing.parties.all() if p.name == name)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_hearing_list_shows_open_upcoming_and_closed_and_hides_drafts(
        client, draft_hearing, open_hearing, version, secretary):
    page = client.get("/hoeringer/").content.decode()
    assert "Åbne høringer" in page and "Kommende høringer" in page and "Afsluttede høringer" in page
    assert draft_hearing.title in page  # it is open now
    services.hearing_create(by=secretary, version=version, title="Kladde til senere",
                            start=open_hearing.deadline, deadline=open_hearing.deadline)
    assert "Kladde til senere" not in client.get("/hoeringer/").content.decode()
    assert client.get("/hoeringer/kladde-til-senere/").status_code == 404
    client.force_login(secretary)
    assert "Kladde til senere" in client.get("/hoeringer/").content.decode()


def test_hearing_page_shows_what_deadline_sections_parties_and_published_responses(
        client, open_hearing, secretary, version):
    key = goal_key(version, "flere-gode-leveaar")
    response = services.response_submit(hearing=open_hearing, channel="link",
                                        token=open_hearing.tokens["Gentofte"],
                                        text="Offentligt svar om leveår.", anchor_key=key)
    services.response_submit(hearing=open_hearing, channel="link",
                             token=open_hearing.tokens["Gladsaxe"], text="Endnu ikke screenet.")
    page = client.get(f"/hoeringer/{open_hearing.slug}/").content.decode()
    assert "Politisk høring." in page and "Drøftes i udvalget." in page
    assert "Høj kvalitet og sammenhæng for borgeren" in page  # a vision of the version
    assert "Gentofte" in page and "Besvaret" in page and "Inviteret" in page
    assert "Offentligt svar om leveår." not in page  # not yet screened and published
    services.response_publish(response=response, by=secretary)
    page = client.get(f"/hoeringer/{open_hearing.slug}/").content.decode()
    assert "Offentligt svar om leveår." in page and "Endnu ikke screenet." not in page
    assert f'href="#svar-{response.pk}"' in page  # listed under its section


def test_a_party_answers_through_its_personal_link(client, open_hearing, version):
    url = f"/hoeringer/{open_hearing.slug}/svar/{open_hearing.tokens['Gladsaxe']}/"
    page = client.get(url)
    assert page.status_code == 200 and "Gladsaxe" in page.content.decode()
    assert party(open_hearing, "Gladsaxe").status == HearingParty.Status.OPENED
    key = goal_key(version, "aktiv-part-i-eget-forloeb")
    done = client.post(url, {"text": "Vi har disse bemærkninger.", "anchor_key": key})
    assert "Tak for dit høringssvar" in done.content.decode()
    response = Response.objects.get()
    assert response.party.name == "Gladsaxe" and response.anchor_key == key
    assert party(open_hearing, "Gladsaxe").status == HearingParty.Status.ANSWERED
    assert client.get(f"/hoeringer/{open_hearing.slug}/svar/forkert/").status_code == 404


def test_a_representative_answers_only_for_own_municipality_in_the_form(
        client, open_hearing, rep_gentofte):
    client.force_login(rep_gentofte)
    url = f"/hoeringer/{open_hearing.slug}/svar/"
    form = client.get(url).content.decode()
    assert "Gentofte" in form and "Gladsaxe" not in form
    refused = client.post(url, {"party": party(open_hearing, "Gladsaxe").pk, "text": "Forsøg"})
    assert refused.status_code == 200 and not Response.objects.exists()
    client.post(url, {"party": party(open_hearing, "Gentofte").pk, "text": "Vores svar"})
    assert Response.objects.get().party.name == "Gentofte"


def test_staff_pages_need_the_secretariat(client, open_hearing, rep_gentofte, secretary):
    url = f"/hoeringer/{open_hearing.slug}/sekretariat/"
    assert client.get(url).status_code == 302  # to the log-in
    client.force_login(rep_gentofte)
    assert client.get(url).status_code == 403
    client.force_login(secretary)
    assert client.get(url).status_code == 200


def test_party_table_csv_export_is_formula_safe(client, draft_hearing, secretary, gentofte):
    evil = services.outside_organisation_ensure(name="=HYPERLINK(\"x\")", kind="other",
                                                email="-x@example.org", by=None)
    services.hearing_parties_set(hearing=draft_hearing, by=secretary, municipalities=[gentofte],
                                 organisations=[evil])
    client.force_login(secretary)
    response = client.get(f"/hoeringer/{draft_hearing.slug}/sekretariat/parter.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Part", "Gruppe", "E-mail", "Status"]
    assert ["Gentofte", "Kommuner"] == rows[1][:2]
    assert rows[2][0] == "'=HYPERLINK(\"x\")" and rows[2][2] == "'-x@example.org"


def test_screening_page_shows_hits_in_context_with_the_cpr_masked(
        client, open_hearing, secretary):
    response = services.response_submit(
        hearing=open_hearing, channel="link", token=open_hearing.tokens["Gentofte"],
        text="Borgeren (cpr 010203-1234) og Mette Hansen skrev til os.")
    client.force_login(secretary)
    url = f"/hoeringer/{open_hearing.slug}/sekretariat/svar/{response.pk}/"
    page = client.get(url).content.decode()
    assert "010203" not in page and "••••••-••••" in page
    assert "Mette Hansen" in page and "CPR-nummer" in page
    client.post(url, {"action": "publish"})
    response.refresh_from_db()
    assert response.status == Response.Status.RECEIVED  # refused: hits undecided
    for hit in response.hits.all():
        client.post(url, {"action": "redacted", "hit": hit.pk})
    client.post(url, {"action": "publish"})
    response.refresh_from_db()
    assert response.status == Response.Status.PUBLISHED
    assert response.published_text == ("Borgeren (cpr [CPR-nummer fjernet]) og [navn fjernet] "
                                       "skrev til os.")


def test_register_form_takes_a_docx_and_refuses_other_files(client, open_hearing, secretary):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(secretary)
    url = f"/hoeringer/{open_hearing.slug}/sekretariat/registrer/"
    bad = SimpleUploadedFile("svar.docx", b"MZ\x90\x00 not a document",
                             content_type="application/vnd.openxmlformats-officedocument."
                                          "wordprocessingml.document")
    page = client.post(url, {"channel": "email", "received_on": "2030-01-01", "text": "Svar",
                             "attachment": bad})
    assert "svar.docx" in page.content.decode() and not Response.objects.exists()


def test_memo_page_and_pdf_after_issue(client, open_hearing, secretary, version):
    key = goal_key(version, "faerre-forebyggelige-indlaeggelser")
    response = services.response_submit(hearing=open_hearing, channel="link",
                                        token=open_hearing.tokens["Gentofte"],
                                        text="Forslag om indikator.", anchor_key=key)
    services.response_publish(response=response, by=secretary)
    assert client.get(f"/hoeringer/{open_hearing.slug}/notat.pdf").status_code == 404
    services.hearing_close(hearing=open_hearing, by=secretary)
    memo = services.memo_generate(hearing=open_hearing, by=secretary)
    services.memo_section_update(section=memo.sections.get(anchor_key=key), by=secretary,
                                 comment="Sekretariatet er enigt.", change="Målet præciseres.")
    services.memo_issue(memo=memo, by=secretary)
    html = client.get(f"/hoeringer/{open_hearing.slug}/notat/").content.decode()
    assert "Generelle høringssvar" in html and "Sekretariatet er enigt." in html
    assert html.index("Generelle høringssvar") < html.index("Færre indlæggelser")
    pdf = client.get(f"/hoeringer/{open_hearing.slug}/notat.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert "Høringsnotat" in text and "Forslag om indikator." in text
    assert "Færre indlæggelser" in text and "Målet præciseres." in text
    assert "notat" in client.get(f"/hoeringer/{open_hearing.slug}/").content.decode()


def test_hearing_letter_pdf(client, open_hearing):
    pdf = client.get(f"/hoeringer/{open_hearing.slug}/brev.pdf")
    text = pdf_text(pdf.content)
    assert "Her er udkastet." in text and "Gentofte" in text and "hoering@regionh.example" in text


def test_api_lists_hearings_parties_and_only_published_responses(
        client, open_hearing, secretary, version):
    published = services.response_submit(hearing=open_hearing, channel="link",
                                         token=open_hearing.tokens["Gentofte"],
                                         text="Til offentligheden.")
    services.response_publish(response=published, by=secretary)
    services.response_submit(hearing=open_hearing, channel="link",
                             token=open_hearing.tokens["Gladsaxe"], text="Ikke endnu.")
    hearings = client.get("/api/v1/hoeringer/").json()
    assert [h["slug"] for h in hearings] == [open_hearing.slug]
    parties = client.get(f"/api/v1/hoeringer/{open_hearing.slug}/parter/").json()
    assert {p["name"]: p["status"] for p in parties}["Gentofte"] == "answered"
    responses = client.get(f"/api/v1/hoeringer/{open_hearing.slug}/svar/").json()
    assert [r["text"] for r in responses] == ["Til offentligheden."]
    assert "original_text" not in responses[0]
    services.hearing_create(by=secretary, version=version, title="Kladde",
                            start=open_hearing.start, deadline=open_hearing.deadline)
    assert client.get("/api/v1/hoeringer/kladde/").status_code == 404


def test_demo_hearing_of_2014_is_complete_fast_and_idempotent(demo_content):
    out = io.StringIO()
    from sundhedsaftale.hearings import demo

    demo.load(stdout=out)
    hearing = Hearing.objects.get(slug=demo.SLUG)
    assert (hearing.start.isoformat(), hearing.deadline.isoformat()) == (
        "2014-04-09", "2014-06-30")
    assert hearing.version.election_period_start == 2014 and hearing.version.number == 1
    groups = {}
    for p in hearing.parties.select_related("municipality", "body", "organisation"):
        groups[p.group] = groups.get(p.group, 0) + 1
    assert groups == {"municipality": 29, "regional": 4, "committee": 2, "patient": 3,
                      "other": 3, "professional": 12}
    responses = list(hearing.responses.all())
    assert len(responses) == 5 and all(r.is_demo for r in responses)
    assert all(r.status == Response.Status.PUBLISHED for r in responses)
    cpr_hits = ScreeningHit.objects.filter(response__hearing=hearing, kind="cpr")
    assert cpr_hits.count() == 1 and cpr_hits.get().decision == "redacted"
    assert not any(screening.contains_cpr(r.published_text) for r in responses)
    assert sum(r.is_late for r in responses) == 1
    assert hearing.memo.status == "issued" and hearing.status == Hearing.Status.CONCLUDED
    assert hearing.memo.issued_at.year == 2014
    demo.load(stdout=out)
    assert Hearing.objects.filter(slug=demo.SLUG).count() == 1
    assert Response.objects.filter(hearing=hearing).count() == 5
    assert "unchanged" in out.getvalue()


def test_demo_command_runs_the_hearing_step(demo_content):
    call_command("demo", "--no-users", stdout=io.StringIO())
    assert Hearing.objects.filter(is_demo=True).count() == 1


def test_demo_texts_are_in_our_own_words():
    """No run of eight words from the seed documents in the demo's letter, purpose, next
    steps, responses or memo comments (party names are facts and are not checked)."""
    import re
    from pathlib import Path

    from sundhedsaftale.hearings import demo

    seeds = Path("/work/shared/seeds")
    if not seeds.is_dir():
        pytest.skip("the seed documents are not on this machine")

    def runs(text: str) -> set[tuple[str, ...]]:
        w = re.findall(r"\w+", text.casefold())
        return {tuple(w[i:i + 8]) for i in range(len(w) - 7)}

    seed_runs: set[tuple[str, ...]] = set()
    for path in sorted(seeds.glob("0*.txt")):
        seed_runs |= runs(path.read_text(encoding="utf-8", errors="replace"))
    texts = [demo.PURPOSE, demo.LETTER, demo.NEXT_STEPS] + [r["text"] for r in demo.RESPONSES]
    texts += [t for pair in demo.MEMO_COMMENTS.values() for t in pair]
    assert [t[:40] for t in texts if runs(t) & seed_runs] == []


def test_the_secretariat_writes_the_hearing_and_chooses_parties_in_the_admin(
        client, version, gentofte, patients, django_user_model):
    from sundhedsaftale.core.audit import events_for_object

    admin = django_user_model.objects.create_superuser(username="admin-h", password="x-9-y-8z")
    client.force_login(admin)
    assert client.get("/admin/hearings/hearing/add/").status_code == 200
    response = client.post("/admin/hearings/hearing/add/", {
        "version": version.pk, "title": "Høring fra admin", "slug": "",
        "purpose": "Formål", "start": "2030-01-01", "deadline": "2030-02-01",
        "response_address": "svar@regionh.example", "next_steps": "", "letter_date": "",
        "letter_text": "Brevtekst", "letter_signature": "Formanden",
        "party_municipalities": [gentofte.pk], "party_organisations": [patients.pk]})
    assert response.status_code == 302, response.content.decode()[:2000]
    hearing = Hearing.objects.get(title="Høring fra admin")
    assert sorted(p.name for p in hearing.parties.all()) == ["Danske Patienter (test)",
                                                             "Gentofte"]
    assert {"hearings.hearing.create", "hearings.parties.set"} <= set(
        events_for_object(hearing).values_list("action", flat=True))
    change = client.post(f"/admin/hearings/hearing/{hearing.pk}/change/", {
        "title": "Høring fra admin, rettet", "slug": hearing.slug, "purpose": "Formål",
        "start": "2030-01-01", "deadline": "2030-02-15", "response_address": "",
        "next_steps": "", "letter_date": "", "letter_text": "Brevtekst",
        "letter_signature": "", "party_municipalities": [gentofte.pk]})
    assert change.status_code == 302, change.content.decode()[:2000]
    hearing.refresh_from_db()
    assert hearing.title == "Høring fra admin, rettet" and hearing.parties.count() == 1
    assert "hearings.hearing.update" in set(
        events_for_object(hearing).values_list("action", flat=True))


def test_hearing_pages_speak_english_after_the_language_switch(client, open_hearing):
    client.post("/i18n/setlang/", {"language": "en", "next": "/hoeringer/"}, HTTP_ORIGIN="http://testserver")
    page = client.get("/hoeringer/").content.decode()
    assert "<h1>Hearings</h1>" in page and "Open hearings" in page
    detail = client.get(f"/hoeringer/{open_hearing.slug}/").content.decode()
    assert "Deadline for responses" in detail and "Parties and their status" in detail
