"""Meetings and cases: agendas in the case template, closed items, decisions and minutes, the
agenda PDF, the calendar feed, the case history, the agenda import and who may do what."""

from __future__ import annotations

import datetime
import io
import itertools
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.template import Context, Template
from django.test import RequestFactory
from icalendar import Calendar
from pypdf import PdfReader

from sundhedsaftale.access.models import Role
from sundhedsaftale.access.rules import can
from sundhedsaftale.access.services import role_grant
from sundhedsaftale.bodies.models import Body
from sundhedsaftale.core.models import AuditEvent
from sundhedsaftale.geography.models import Municipality, Region
from sundhedsaftale.meetings import demo, services
from sundhedsaftale.meetings.models import AgendaItem, Case, Decision, Meeting, Minutes

TZ = ZoneInfo("Europe/Copenhagen")
PPU_2014 = "/moeder/praksisplanudvalget-2014-05-14/"
CLOSED_MARKER = "FORTROLIGT-DEMO"
CLOSED_TITLE = "Udpegning til arbejdsgruppe"
# The case template's headings as a Danish committee agenda prints them.
HEADINGS = ["Baggrund for sagens fremlæggelse", "Indstilling", "Beslutning", "Sagsfremstilling",
            "Tidsplan og videre proces", "Journalnummer"]


@pytest.fixture
def meetings_demo(demo_content):
    demo.load(stdout=io.StringIO())


@pytest.fixture
def ppu(demo_content) -> Body:
    return Body.objects.get(slug="praksisplanudvalget")


def _user(django_user_model, name: str, **extra):
    return django_user_model.objects.create_user(username=name, password=None, **extra)


def _meeting(body: Body, *, day: int = 3, items: int = 3, closed: set[int] = frozenset()
             ) -> Meeting:
    meeting = services.meeting_create(body=body, by=None, place="Mødelokale 1",
                                      starts_at=datetime.datetime(2026, 3, day, 10, tzinfo=TZ))
    for n in range(1, items + 1):
        services.item_add(meeting=meeting, title=f"Punkt nummer {n}", by=None,
                          is_closed=n in closed, background=f"Baggrundstekst {n}",
                          recommendation=f"Indstillingstekst {n}",
                          case_description=f"Sagsfremstillingstekst {n}",
                          timeline=f"Tidsplantekst {n}")
    return meeting


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# ------------------------------------------------------------------------------ pages

def test_meeting_list_shows_the_demo_meetings_and_filters_by_body(client, meetings_demo):
    page = client.get("/moeder/").content.decode()
    for slug in ("praksisplanudvalget-2014-05-14", "ssu-2014-11-25", "ssu-2025-12-10",
                 "klynge-syd-politisk-2026-09-24", "ssu-2026-12-09"):
        assert f"/moeder/{slug}/" in page
    assert "Kommende møder" in page and "Tidligere møder" in page
    assert "fiktiv" in page

    only_ppu = client.get("/moeder/?organ=praksisplanudvalget").content.decode()
    assert "/moeder/praksisplanudvalget-2014-05-14/" in only_ppu
    assert "/moeder/ssu-2025-12-10/" not in only_ppu
    assert client.get("/moeder/?organ=findes-ikke").status_code == 404


def test_meeting_page_shows_the_agenda_in_the_case_template(client, meetings_demo):
    response = client.get(PPU_2014)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Møde i Praksisplanudvalget, 14. maj 2014" in page
    for heading in [*HEADINGS, "Bilagsfortegnelse", "Tidligere behandling"]:
        assert heading in page
    for number in ("14002206", "14004009", "14003596"):
        assert f'href="/sager/{number}/"' in page
    titles = re.findall(r'<h3 class="agenda-item__title">(\d+)\. ', page)
    assert titles == ["1", "2", "3", "4", "5"]
    assert "Administrationen indstiller, at Praksisplanudvalget drøfter høringsudkastet" in page
    assert "Høringsbrev af 9. april 2014" in page  # an annex in the list
    # The minutes are published: decisions show with their number per body and year.
    assert "Beslutning nr. 2014-2" in page


def test_the_agenda_pdf_has_the_template_headings_for_every_item(client, meetings_demo):
    response = client.get(PPU_2014 + "dagsorden.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(_pdf_text(response.content).split())
    upper = text.upper()
    # Front page: body, date, place.
    assert "Dagsorden" in text and "Praksisplanudvalget" in text
    assert "14. maj 2014" in text and "Regionsgården, Hillerød" in text
    # Every case item carries every heading of the template, in its own section.
    starts = [upper.rindex(f"{n}. {title.upper()}") for n, title in (
        (2, "Høring over sundhedsaftalen – politisk del"),
        (3, "Indledende drøftelse af temaer"),
        (4, "Orientering om etablering af Patientinddragelsesudvalget"),
        (5, "Eventuelt"))]
    for begin, end in itertools.pairwise(starts):
        section = upper[begin:end]
        missing = [h for h in HEADINGS if h.upper() not in section]
        assert not missing, (missing, section[:300])
        positions = [section.index(h.upper()) for h in HEADINGS]
        assert positions == sorted(positions), "headings out of the template's order"
    approval = upper[upper.rindex("1. GODKENDELSE AF DAGSORDEN"):starts[0]]
    assert "BESLUTNING" in approval and "JOURNALNUMMER 14002206" in approval
    assert "BILAGSFORTEGNELSE" in upper[starts[0]:starts[1]]
    assert "VEJLEDNING NR. 9005" in upper
    # The agenda leaves the decision blank; the decision text is in the minutes.
    assert "Udvalget drøftede høringsudkastet" not in text
    minutes = _pdf_text(client.get(PPU_2014 + "referat.pdf").content)
    assert "Referat" in minutes and "Udvalget drøftede høringsudkastet" in minutes


def test_a_closed_item_is_on_no_public_page_pdf_feed_or_api_response(
        client, meetings_demo, django_user_model):
    meeting = Meeting.objects.get(slug="ssu-2025-12-10")
    assert meeting.items.filter(is_closed=True, title=CLOSED_TITLE).exists()
    slug = meeting.slug
    responses = {url: client.get(url) for url in [
        "/moeder/", f"/moeder/{slug}/", f"/moeder/{slug}/dagsorden.pdf",
        f"/moeder/{slug}/referat.pdf", "/organisation/ssu/moeder.ics", "/sager/",
        "/sager/DEMO-2025-0101/", "/api/v1/moeder/", f"/api/v1/moeder/{slug}/",
        "/api/v1/moeder/punkter/", "/api/v1/moeder/sager/",
        "/api/v1/moeder/sager/DEMO-2025-0101/", "/soeg/?q=FORTROLIGT",
    ]}
    for url, response in responses.items():
        assert response.status_code == 200, url
        body = (_pdf_text(response.content) if url.endswith(".pdf")
                else response.content.decode())
        assert CLOSED_MARKER not in body, url
        assert CLOSED_TITLE not in body, url
    # The meeting page and the PDF show that there is a closed item, and nothing more.
    assert "Lukket punkt" in responses[f"/moeder/{slug}/"].content.decode()
    assert "Lukket punkt" in _pdf_text(responses[f"/moeder/{slug}/referat.pdf"].content)
    api_items = responses[f"/api/v1/moeder/{slug}/"].json()["items"]
    assert [i["number"] for i in api_items] == [1, 2, 4]

    # A reader of the body (e.g. a member) sees it on the page; the PDF stays public.
    reader = _user(django_user_model, "ssu-laeser")
    role_grant(user=reader, role=Role.READER, organisation=meeting.body, by=None)
    client.force_login(reader)
    assert CLOSED_MARKER in client.get(f"/moeder/{slug}/").content.decode()
    assert CLOSED_MARKER not in _pdf_text(client.get(f"/moeder/{slug}/referat.pdf").content)


def test_decisions_are_public_only_once_the_minutes_are_published(client, ppu):
    meeting = _meeting(ppu)
    services.meeting_transition(meeting=meeting, to=Meeting.Status.AGENDA_PUBLISHED, by=None)
    item = meeting.items.get(number=1)
    services.decision_record(item=item, text="Tiltrådt af et enigt udvalg", by=None)
    url = f"/moeder/{meeting.slug}/"
    assert "Tiltrådt af et enigt udvalg" not in client.get(url).content.decode()
    assert "Beslutningen offentliggøres med referatet" in client.get(url).content.decode()
    assert client.get(url + "referat.pdf").status_code == 404

    services.meeting_transition(meeting=meeting, to=Meeting.Status.HELD, by=None)
    minutes = services.minutes_write(meeting=meeting, text="", by=None)
    services.minutes_transition(minutes=minutes, to=Minutes.Status.APPROVED, by=None)
    assert "Tiltrådt af et enigt udvalg" not in client.get(url).content.decode()
    services.minutes_transition(minutes=minutes, to=Minutes.Status.PUBLISHED, by=None)
    assert "Tiltrådt af et enigt udvalg" in client.get(url).content.decode()
    assert client.get(url + "referat.pdf").status_code == 200


def test_a_planned_meetings_agenda_is_not_public(client, ppu):
    meeting = _meeting(ppu)
    page = client.get(f"/moeder/{meeting.slug}/").content.decode()
    assert "Dagsordenen er ikke offentliggjort endnu" in page
    assert "Baggrundstekst 1" not in page
    assert client.get(f"/moeder/{meeting.slug}/dagsorden.pdf").status_code == 404
    assert client.get(f"/api/v1/moeder/{meeting.slug}/").json()["items"] == []


# ------------------------------------------------------------------------------ calendar

def test_the_calendar_feed_validates_and_holds_the_bodys_meetings(client, meetings_demo):
    response = client.get("/organisation/ssu/moeder.ics")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    events = calendar.walk("VEVENT")
    ssu = Meeting.objects.filter(body__slug="ssu")
    assert len(events) == ssu.count() == 5
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    for event in events:
        for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert prop in event, prop
        assert event.decoded("DTEND") > event.decoded("DTSTART")
    starts = sorted(e.decoded("DTSTART") for e in events)
    assert starts == sorted(m.starts_at for m in ssu)
    assert any("Sundhedskoordinationsudvalget" in str(e["SUMMARY"]) for e in events)
    # Round trip: what the library writes, it reads again unchanged.
    assert Calendar.from_ical(calendar.to_ical()).to_ical() == calendar.to_ical()
    assert client.get("/organisation/findes-ikke/moeder.ics").status_code == 404


# ------------------------------------------------------------------------------ cases

def test_the_case_page_shows_the_2014_hearing_case_in_order(client, meetings_demo):
    page = client.get("/sager/14004009/").content.decode()
    assert "Høring over Sundhedsaftale 2015–2018, politisk del" in page
    history = page[page.index("Sagens forløb"):]
    steps = ["14. maj 2014: Praksisplanudvalget",
             "5. september 2014: Sundhedskoordinationsudvalget",
             "25. november 2014: Sundhedskoordinationsudvalget"]
    positions = [history.index(step) for step in steps]
    assert positions == sorted(positions)
    assert history.index("Udvalget godkendte Sundhedsaftale 2015–2018") > positions[-1]
    assert client.get("/sager/00000000/").status_code == 404


def test_the_demo_links_the_hearing_case_to_the_version_and_the_adoption_decision(
        client, demo_content):
    from sundhedsaftale.agreements.models import Agreement
    from sundhedsaftale.agreements.services import version_freeze

    version = version_freeze(agreement=Agreement.objects.get(slug="2015-2018"), by=None,
                             election_period_start=2014)
    demo.load(stdout=io.StringIO())
    case = Case.objects.get(journal_number="14004009")
    assert [link.target for link in case.links.all()] == [version]
    adoption = Decision.objects.get(process_id=version.pk)
    assert adoption.item.meeting.starts_at.date() == datetime.date(2014, 11, 25)

    request = RequestFactory().get("/")
    html = Template("{% load meetings %}{% meetings_about obj %}").render(
        Context({"obj": version, "request": request}))
    assert "Sager og møder" in html and 'href="/sager/14004009/"' in html
    assert html.index("14. maj 2014") < html.index("25. november 2014")


def test_the_demo_is_idempotent(demo_content):
    demo.load(stdout=io.StringIO())
    counts = (Meeting.objects.count(), AgendaItem.objects.count(), Decision.objects.count(),
              Case.objects.count(), AuditEvent.objects.count())
    demo.load(stdout=io.StringIO())
    assert (Meeting.objects.count(), AgendaItem.objects.count(), Decision.objects.count(),
            Case.objects.count(), AuditEvent.objects.count()) == counts
    assert counts[0] == 7


# ------------------------------------------------------------------------------ domain rules

def test_items_are_renumbered_when_moved_and_removed(ppu):
    meeting = _meeting(ppu, items=4)
    item = meeting.items.get(number=4)
    services.item_move(item=item, to=1, by=None)
    assert list(meeting.items.order_by("number").values_list("title", flat=True)) == [
        "Punkt nummer 4", "Punkt nummer 1", "Punkt nummer 2", "Punkt nummer 3"]
    services.item_remove(item=meeting.items.get(number=2), by=None)
    assert list(meeting.items.order_by("number").values_list("number", "title")) == [
        (1, "Punkt nummer 4"), (2, "Punkt nummer 2"), (3, "Punkt nummer 3")]
    first = services.item_add(meeting=meeting, title="Godkendelse af dagsorden", by=None,
                              kind=AgendaItem.Kind.AGENDA_APPROVAL, position=1)
    assert first.number == 1 and meeting.items.count() == 4


def test_decisions_are_numbered_per_body_and_year_and_close_the_item(demo_content, ppu):
    ssu = Body.objects.get(slug="ssu")
    first, second = _meeting(ppu, day=3), _meeting(ssu, day=4)
    for meeting in (first, second):
        services.meeting_transition(meeting=meeting, to=Meeting.Status.AGENDA_PUBLISHED,
                                    by=None)
    a = services.decision_record(item=first.items.get(number=1), text="Ja", by=None,
                                 not_participating="Et medlem (inhabil)", dissent="Et mindretal")
    b = services.decision_record(item=first.items.get(number=2), text="Ja", by=None)
    c = services.decision_record(item=second.items.get(number=1), text="Ja", by=None)
    assert (a.reference, b.reference, c.reference) == ("2026-1", "2026-2", "2026-1")
    assert first.items.get(number=1).state == AgendaItem.State.DECIDED
    with pytest.raises(ValidationError, match="allerede en beslutning"):
        services.decision_record(item=first.items.get(number=1), text="Igen", by=None)


def test_refused_transitions_say_why_in_danish(ppu):
    meeting = _meeting(ppu)
    with pytest.raises(ValidationError, match="kan ikke skifte fra “planlagt” til “afholdt”"):
        services.meeting_transition(meeting=meeting, to=Meeting.Status.HELD, by=None)
    with pytest.raises(ValidationError, match="dagsorden"):
        services.decision_record(item=meeting.items.first(), text="x", by=None)
    empty = services.meeting_create(body=ppu, by=None, online_url="https://moede.example/x",
                                    starts_at=datetime.datetime(2026, 4, 1, 9, tzinfo=TZ))
    with pytest.raises(ValidationError, match="ingen punkter"):
        services.meeting_transition(meeting=empty, to=Meeting.Status.AGENDA_PUBLISHED, by=None)
    services.meeting_transition(meeting=meeting, to=Meeting.Status.AGENDA_PUBLISHED, by=None)
    minutes = services.minutes_write(meeting=meeting, text="", by=None)
    with pytest.raises(ValidationError, match="afholdt"):
        services.minutes_transition(minutes=minutes, to=Minutes.Status.APPROVED, by=None)
    with pytest.raises(ValidationError, match="kan ikke skifte"):
        services.minutes_transition(minutes=minutes, to=Minutes.Status.PUBLISHED, by=None)
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.AGENDA_PUBLISHED


def test_participants_are_the_bodys_members_on_the_meeting_date(demo_content):
    ssu = Body.objects.get(slug="ssu")
    meeting = _meeting(ssu)
    members = list(ssu.memberships.valid_on(datetime.date(2026, 3, 3)))
    services.attendance_set(meeting=meeting, present=members[:-1], apologies=members[-1:],
                            by=None)
    assert meeting.attendances.count() == len(members)
    gone = ssu.memberships.get(valid_to=datetime.date(2025, 12, 31))
    with pytest.raises(ValidationError, match="er ikke medlem"):
        services.attendance_set(meeting=meeting, present=[gone], by=None)
    assert meeting.attendances.count() == len(members)


def test_annex_files_are_checked_by_content_and_size(ppu, settings, tmp_path):
    settings.MEETINGS_ANNEX_ROOT = str(tmp_path)
    item = _meeting(ppu).items.get(number=1)
    pdf = SimpleUploadedFile("bilag.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    annex = services.annex_add(item=item, title="Notat", upload=pdf, by=None)
    assert annex.mime_type == "application/pdf" and annex.number == 1
    with pytest.raises(ValidationError, match="Filtypen er ikke tilladt"):
        services.annex_add(item=item, title="Falsk PDF", by=None,
                           upload=SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf"))
    settings.MEETINGS_ANNEX_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="for stor"):
        services.annex_add(item=item, title="Stor", by=None,
                           upload=SimpleUploadedFile("stor.pdf", b"%PDF-1.4" + b"0" * 100))
    link = services.annex_add(item=item, title="Vejledning", url="https://example.org/v",
                              by=None)
    assert link.number == 2 and item.annexes.count() == 2
    assert list(tmp_path.rglob("*.pdf"))  # stored under the configured folder


def test_annex_files_are_served_only_for_visible_items(client, ppu, settings, tmp_path):
    settings.MEETINGS_ANNEX_ROOT = str(tmp_path)
    meeting = _meeting(ppu, closed={2})
    content = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
    open_annex, closed_annex = (
        services.annex_add(item=meeting.items.get(number=n), title=f"Bilag {n}", by=None,
                           upload=SimpleUploadedFile(f"bilag{n}.pdf", content))
        for n in (1, 2))
    url = f"/moeder/{meeting.slug}/bilag/{{}}/"
    assert client.get(url.format(open_annex.pk)).status_code == 404  # agenda not published
    services.meeting_transition(meeting=meeting, to="agenda_published", by=None)
    response = client.get(url.format(open_annex.pk))
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    assert client.get(url.format(closed_annex.pk)).status_code == 404


# ------------------------------------------------------------------------------ import

def _agenda(**changes) -> dict:
    data = {
        "format": "sundhedsaftale.meeting/1", "body": "praksisplanudvalget",
        "starts_at": "2026-06-10T16:00:00+02:00", "place": "Regionsgården, Hillerød",
        "items": [
            {"title": "Godkendelse af dagsorden", "kind": "agenda_approval"},
            {"title": "Praksisplan 2027", "journal_number": "26001234",
             "background": "B", "recommendation": "I", "case_description": "S",
             "timeline": "T", "annexes": [{"title": "Udkast", "url": "https://example.org/u"}]},
            {"title": "Eventuelt", "kind": "aob"},
        ],
    }
    data.update(changes)
    return data


def _write(tmp_path: Path, data: object, name: str = "dagsorden.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def _counts() -> tuple[int, ...]:
    return (Meeting.objects.count(), AgendaItem.objects.count(), Case.objects.count())


def test_an_agenda_is_imported_from_json(ppu, tmp_path):
    out = io.StringIO()
    call_command("meetings_import", str(_write(tmp_path, _agenda())), stdout=out)
    meeting = Meeting.objects.get(body=ppu, starts_at__date=datetime.date(2026, 6, 10))
    assert "importeret med 3 punkter" in out.getvalue()
    assert list(meeting.items.values_list("number", "kind")) == [
        (1, "agenda_approval"), (2, "case"), (3, "aob")]
    item = meeting.items.get(number=2)
    assert item.case.journal_number == "26001234"
    assert item.annexes.get().url == "https://example.org/u"


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda d: d["items"][2].update(title=""), "items[2].title"),
    (lambda d: d["items"][1]["annexes"][0].update(url="ftp://x"), "items[1].annexes[0].url"),
    (lambda d: d.update(body="findes-ikke"), "body"),
    (lambda d: d.update(starts_at="14/5/2014"), "starts_at"),
    (lambda d: d["items"][0].update(kind="other"), "items[0].kind"),
    (lambda d: d["items"][1].update(closed="ja"), "items[1].closed"),
    (lambda d: d["items"][1].update(secret="x"), "items[1].secret"),
    (lambda d: d.update(place="", online_url=""), "place"),
])
def test_a_malformed_agenda_is_refused_with_the_field_named_and_nothing_changes(
        ppu, tmp_path, mutate, field):
    data = _agenda()
    mutate(data)
    before = _counts()
    with pytest.raises(CommandError) as refused:
        call_command("meetings_import", str(_write(tmp_path, data)))
    message = str(refused.value)
    assert f"dagsorden.json: {field}:" in message
    assert "intet er importeret" in message
    assert _counts() == before


def test_an_import_file_that_is_not_json_is_refused_with_its_line(ppu, tmp_path):
    path = _write(tmp_path, '{"format": "sundhedsaftale.meeting/1",\n "items": [,]}')
    with pytest.raises(CommandError, match=r"dagsorden.json: \(fil\): er ikke gyldig JSON "
                                           r"\(linje 2"):
        call_command("meetings_import", str(path))


def test_an_import_that_fails_half_way_leaves_nothing(ppu, tmp_path, monkeypatch):
    """Even an error after the checks (here: a failing annex write) rolls everything back."""
    def broken(**kwargs):
        raise ValidationError("disk full")

    monkeypatch.setattr(services, "annex_add", broken)
    before = _counts()
    with pytest.raises(CommandError, match="disk full"):
        call_command("meetings_import", str(_write(tmp_path, _agenda())))
    assert _counts() == before


# ------------------------------------------------------------------------------ permissions

ACTIONS = ["meetings.meeting.create", "meetings.meeting.edit", "meetings.item.edit",
           "meetings.item.view_closed", "meetings.decision.record", "meetings.minutes.edit",
           "meetings.meeting.import"]
EXPECTED = {
    # who -> the actions allowed on the practice planning committee's meeting
    "ppu_secretariat": set(ACTIONS),
    "ppu_editor": {"meetings.item.edit", "meetings.item.view_closed"},
    "ppu_reader": {"meetings.item.view_closed"},
    "ssu_secretariat": set(),
    "municipality_secretariat": set(),
    "region_secretariat": set(),
    "staff_without_role": set(),
    "anonymous": set(),
}


@pytest.fixture
def people(demo_content, django_user_model, ppu):
    from django.contrib.auth.models import AnonymousUser

    ssu = Body.objects.get(slug="ssu")
    users = {name: _user(django_user_model, name, is_staff=True) for name in EXPECTED
             if name != "anonymous"}
    for name, role, org in [
        ("ppu_secretariat", Role.SECRETARIAT, ppu), ("ppu_editor", Role.EDITOR, ppu),
        ("ppu_reader", Role.READER, ppu), ("ssu_secretariat", Role.SECRETARIAT, ssu),
        ("municipality_secretariat", Role.SECRETARIAT, Municipality.objects.get(code="167")),
        ("region_secretariat", Role.SECRETARIAT, Region.objects.get(code="1084")),
    ]:
        role_grant(user=users[name], role=role, organisation=org, by=None)
    users["anonymous"] = AnonymousUser()
    return users


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_may_do_exactly_its_actions_on_a_bodys_meeting(people, ppu, who):
    meeting = _meeting(ppu)
    target = {"meetings.meeting.create": ppu, "meetings.meeting.import": ppu}
    allowed = {a for a in ACTIONS if can(people[who], a, target.get(a, meeting))}
    assert allowed == EXPECTED[who]
    # Cases span bodies: any body's secretariat may create and link them.
    assert can(people[who], "meetings.case.edit", None) == (
        who in {"ppu_secretariat", "ssu_secretariat"})


def test_only_the_bodys_secretariat_changes_its_meetings_through_the_pages(
        client, people, ppu):
    meeting = _meeting(ppu)
    url = f"/moeder/{meeting.slug}/status/"
    for who in ("ssu_secretariat", "ppu_editor", "municipality_secretariat"):
        client.force_login(people[who])
        assert client.post(url, {"to": "agenda_published"}).status_code == 403
    client.logout()
    assert client.post(url, {"to": "agenda_published"}).status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.PLANNED

    client.force_login(people["ppu_secretariat"])
    page = client.get(f"/moeder/{meeting.slug}/").content.decode()
    assert "Skift mødets status" in page
    assert client.post(url, {"to": "agenda_published"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.AGENDA_PUBLISHED
    refused = client.post(url, {"to": "minutes_approved"})
    assert refused.status_code == 400
    assert "Handlingen blev afvist" in refused.content.decode()
    move = client.post(f"/moeder/{meeting.slug}/punkter/3/flyt/", {"to": "1"})
    assert move.status_code == 302 and meeting.items.get(number=1).title == "Punkt nummer 3"
    decide = client.post(f"/moeder/{meeting.slug}/punkter/1/beslutning/",
                         {"text": "Godkendt", "dissent": "", "not_participating": ""})
    assert decide.status_code == 302
    assert meeting.items.get(number=1).decision.text == "Godkendt"
    assert AuditEvent.objects.filter(action="meetings.decision.record",
                                     actor=people["ppu_secretariat"]).exists()

    client.force_login(people["ppu_editor"])
    assert "Skift mødets status" not in client.get(f"/moeder/{meeting.slug}/").content.decode()
    assert client.post(f"/moeder/{meeting.slug}/punkter/2/beslutning/",
                       {"text": "x"}).status_code == 403


def test_the_import_command_checks_the_users_role(people, tmp_path):
    path = _write(tmp_path, _agenda())
    with pytest.raises(CommandError):
        call_command("meetings_import", str(path), "--as", "ssu_secretariat")
    assert not Meeting.objects.filter(starts_at__date=datetime.date(2026, 6, 10)).exists()
    call_command("meetings_import", str(path), "--as", "ppu_secretariat", stdout=io.StringIO())
    assert Meeting.objects.filter(starts_at__date=datetime.date(2026, 6, 10)).exists()


def test_an_editor_edits_an_items_text_and_only_the_secretariat_creates_meetings(
        client, people, ppu):
    meeting = _meeting(ppu)
    edit = f"/moeder/{meeting.slug}/punkter/2/rediger/"
    client.force_login(people["ssu_secretariat"])
    assert client.get(edit).status_code == 403
    client.force_login(people["ppu_editor"])
    assert "Redigér punkt 2" in client.get(f"/moeder/{meeting.slug}/").content.decode()
    form = client.get(edit)
    assert form.status_code == 200 and 'for="id_recommendation"' in form.content.decode()
    data = {"title": "Nyt punkt", "kind": "case", "background": "B2",
            "recommendation": "Administrationen indstiller, at udvalget beslutter.",
            "case_description": "", "timeline": "", "earlier_handling": "",
            "journal_number": ""}
    assert client.post(edit, {**data, "title": ""}).status_code == 400
    assert client.post(edit, data).status_code == 302
    item = meeting.items.get(number=2)
    assert item.title == "Nyt punkt" and item.recommendation.startswith("Administrationen")
    event = AuditEvent.objects.get(action="meetings.item.update", actor=people["ppu_editor"])
    assert "Administrationen" not in json.dumps(event.changes)  # field names, not text

    create = f"/moeder/ny/{ppu.slug}/"
    assert client.get(create).status_code == 403
    client.force_login(people["ppu_secretariat"])
    assert f'href="{create}"' in client.get("/moeder/").content.decode()
    assert client.post(create, {"starts_at": "2026-10-01T10:00", "place": ""}
                       ).status_code == 400  # neither place nor link
    response = client.post(create, {"starts_at": "2026-10-01T10:00", "place": "Hillerød"})
    assert response.status_code == 302
    assert Meeting.objects.filter(body=ppu, starts_at__date=datetime.date(2026, 10, 1)).exists()


def test_the_demo_finds_a_hearing_on_the_version_only_if_the_hearings_model_exists(
        monkeypatch):
    """The hearings app is built in parallel: the demo looks its model up defensively."""
    from types import SimpleNamespace

    version = object()
    hearing = object()
    calls: list[dict] = []

    class Manager:
        def filter(self, **lookup):
            calls.append(lookup)
            return SimpleNamespace(order_by=lambda *a: SimpleNamespace(first=lambda: hearing))

    fake = SimpleNamespace(_meta=SimpleNamespace(get_fields=lambda: [
        SimpleNamespace(name="title"), SimpleNamespace(name="version")]),
        _default_manager=Manager())
    monkeypatch.setattr(demo.apps, "get_model", lambda app, model: fake)
    assert demo._hearing_on(version) is hearing and calls == [{"version": version}]
    assert demo._hearing_on(None) is None

    def missing(app, model):
        raise LookupError(model)

    monkeypatch.setattr(demo.apps, "get_model", missing)
    assert demo._hearing_on(version) is None
