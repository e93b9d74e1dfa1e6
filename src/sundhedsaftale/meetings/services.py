"""Writes of the meetings app. Every write is a service (own transaction, audit event).

Permissions are checked by the callers (views, API, the import command) with
`access.rules.require(user, "meetings.…", obj)`; the services check the domain rules: the
meeting's and the minutes' status transitions, numbering, members valid on the meeting's date,
annex size and content type.
"""

from __future__ import annotations

import datetime
from typing import Any

import filetype
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sundhedsaftale.bodies.models import Body, Membership
from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.services import content_save, content_update, service
from sundhedsaftale.core.text import danish_slugify

from .models import AgendaItem, Annex, Attendance, Case, CaseLink, Decision, Meeting, Minutes

S = Meeting.Status
M = Minutes.Status
# Meeting status transitions: (from, to) -> the rule that must allow the user. Anything not
# listed is refused. Minutes approval moves the meeting to "minutes_approved"
# (minutes_transition). Plain strings: the values of Meeting.Status and Minutes.Status.
MEETING_TRANSITIONS: dict[tuple[str, str], str] = {
    ("planned", "agenda_published"): "meetings.meeting.edit",
    ("planned", "cancelled"): "meetings.meeting.edit",
    ("agenda_published", "planned"): "meetings.meeting.edit",  # withdraw the agenda
    ("agenda_published", "held"): "meetings.meeting.edit",
    ("agenda_published", "cancelled"): "meetings.meeting.edit",
    ("cancelled", "planned"): "meetings.meeting.edit",
    ("held", "minutes_approved"): "meetings.minutes.edit",
}
MINUTES_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "approved"): "meetings.minutes.edit",
    ("approved", "draft"): "meetings.minutes.edit",  # reopen before publishing
    ("approved", "published"): "meetings.minutes.edit",
}

# Annex files: at most this size, and only these content types (detected from the bytes with
# `filetype`, never from the name or the browser's claim).
ANNEX_MAX_BYTES = 20 * 1024 * 1024
ANNEX_TYPES = {
    "application/pdf", "image/png", "image/jpeg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
}


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


# ------------------------------------------------------------------------------ cases

@service
def case_ensure(*, journal_number: str, title: str, by: Any | None, summary: str = "",
                is_demo: bool = False) -> Case:
    """The case with this journal number, created if new (an existing title is kept)."""
    journal_number = journal_number.strip()
    case = Case.objects.filter(journal_number=journal_number).first()
    if case is not None:
        return case
    case = Case(journal_number=journal_number, title=title.strip() or journal_number,
                summary=summary, is_demo=is_demo)
    content_save(instance=case, by=by)
    audit_record(actor=by, action="meetings.case.create", obj=case,
                 changes={"journal_number": journal_number})
    return case


@service
def case_link(*, case: Case, target: models.Model, kind: str, by: Any | None,
              label: str = "") -> CaseLink:
    """Link the case to what it is about (idempotent)."""
    ct = ContentType.objects.get_for_model(type(target))
    link = CaseLink.objects.filter(case=case, target_type=ct, target_id=target.pk).first()
    if link is not None:
        return link
    link = CaseLink(case=case, kind=kind, target_type=ct, target_id=target.pk,
                    label=(label or str(target))[:300])
    content_save(instance=link, by=by)
    audit_record(actor=by, action="meetings.case.link", obj=case,
                 changes={"target": f"{ct.app_label}.{ct.model}:{target.pk}", "kind": kind})
    return link


# ------------------------------------------------------------------------------ meetings

def _free_slug(body: Body, starts_at: datetime.datetime) -> str:
    local = timezone.localtime(starts_at) if timezone.is_aware(starts_at) else starts_at
    base = danish_slugify(f"{body.slug}-{local:%Y-%m-%d}")[:110]
    slug, n = base, 1
    while Meeting.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@service
def meeting_create(*, body: Body, starts_at: datetime.datetime, by: Any | None,
                   ends_at: datetime.datetime | None = None, place: str = "",
                   online_url: str = "", title: str = "", body_name_then: str = "",
                   note: str = "", source: str = "", is_demo: bool = False,
                   slug: str = "") -> Meeting:
    meeting = Meeting(body=body, starts_at=starts_at, ends_at=ends_at, place=place,
                      online_url=online_url, title=title, body_name_then=body_name_then,
                      note=note, source=source, is_demo=is_demo,
                      slug=slug or _free_slug(body, starts_at))
    if not place and not online_url:
        raise ValidationError({"place": _("Angiv et mødested eller et link til onlinemødet.")})
    if ends_at and ends_at < starts_at:
        raise ValidationError({"ends_at": _("Mødet slutter før det begynder.")})
    content_save(instance=meeting, by=by)
    audit_record(actor=by, action="meetings.meeting.create", obj=meeting,
                 changes={"body": body.slug, "starts_at": starts_at.isoformat()})
    return meeting


@service
def meeting_update(*, meeting: Meeting, by: Any | None, **fields: Any) -> Meeting:
    """Change date, time, place, link, title or note (not the status: meeting_transition)."""
    allowed = {"starts_at", "ends_at", "place", "online_url", "title", "note",
               "body_name_then", "source"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"meeting_update cannot change {sorted(unknown)}")
    before = {name: getattr(meeting, name) for name in fields}
    meeting, changed = content_update(instance=meeting, by=by, **fields)
    if changed:
        audit_record(actor=by, action="meetings.meeting.update", obj=meeting,
                     changes={n: {"before": before[n], "after": getattr(meeting, n)}
                              for n in changed})
    return meeting


def meeting_transition_allowed(meeting: Meeting, to: str) -> str | None:
    """The rule that governs moving `meeting` to `to`, or None if the move is not allowed."""
    return MEETING_TRANSITIONS.get((meeting.status, to))


@service
def meeting_transition(*, meeting: Meeting, to: str, by: Any | None) -> Meeting:
    if to not in S.values:
        raise ValidationError(_("Ukendt mødestatus: %(status)s") % {"status": to})
    if meeting_transition_allowed(meeting, to) is None:
        raise ValidationError(
            _("Et møde kan ikke skifte fra “%(from)s” til “%(to)s”.")
            % {"from": meeting.get_status_display(), "to": S(to).label})
    if to == S.AGENDA_PUBLISHED and not meeting.items.exists():
        raise ValidationError(_("Dagsordenen har ingen punkter."))
    before = meeting.status
    meeting.status = to
    content_save(instance=meeting, by=by)
    audit_record(actor=by, action="meetings.meeting.transition", obj=meeting,
                 changes={"status": {"before": before, "after": to}})
    return meeting


@service
def attendance_set(*, meeting: Meeting, by: Any | None, present: list[Membership],
                   apologies: list[Membership] | None = None) -> list[Attendance]:
    """Record who took part and who sent apologies: members of the meeting's body whose seat
    is valid on the meeting's date."""
    apologies = apologies or []
    on = timezone.localtime(meeting.starts_at).date()
    valid = set(meeting.body.memberships.valid_on(on).values_list("pk", flat=True))
    both = {m.pk for m in present} & {m.pk for m in apologies}
    if both:
        raise ValidationError(_("Et medlem kan ikke både deltage og have meldt afbud."))
    for membership in [*present, *apologies]:
        if membership.pk not in valid:
            raise ValidationError(
                _("%(name)s er ikke medlem af %(body)s den %(date)s.")
                % {"name": membership.person_name, "body": meeting.body.name,
                   "date": on.strftime("%d.%m.%Y")})
    meeting.attendances.all().delete()
    rows = [Attendance(meeting=meeting, membership=m, kind=Attendance.Kind.PRESENT)
            for m in present]
    rows += [Attendance(meeting=meeting, membership=m, kind=Attendance.Kind.APOLOGY)
             for m in apologies]
    Attendance.objects.bulk_create(rows)
    audit_record(actor=by, action="meetings.meeting.attendance", obj=meeting,
                 changes={"present": len(present), "apologies": len(apologies)})
    return rows


# ------------------------------------------------------------------------------ items

ITEM_TEXT_FIELDS = ("title", "background", "recommendation", "case_description", "timeline",
                    "earlier_handling", "is_closed", "kind")


def _renumber(meeting: Meeting, ordered: list[AgendaItem], by: Any | None) -> None:
    for number, item in enumerate(ordered, start=1):
        if item.number != number:
            item.number = number
            content_save(instance=item, by=by, validate=False)


@service
def item_add(*, meeting: Meeting, title: str, by: Any | None, position: int | None = None,
             kind: str = "case", is_closed: bool = False, background: str = "",
             recommendation: str = "", case_description: str = "", timeline: str = "",
             earlier_handling: str = "", case: Case | None = None) -> AgendaItem:
    """Add an item at `position` (1-based; at the end by default); the others are renumbered."""
    if meeting.status in (S.MINUTES_APPROVED, S.CANCELLED):
        raise ValidationError(_("Dagsordenen for et afsluttet eller aflyst møde kan ikke ændres."))
    items = list(meeting.items.order_by("number"))
    item = AgendaItem(meeting=meeting, number=len(items) + 1, title=title, kind=kind,
                      is_closed=is_closed, background=background,
                      recommendation=recommendation, case_description=case_description,
                      timeline=timeline, earlier_handling=earlier_handling, case=case)
    content_save(instance=item, by=by)
    if position is not None:
        index = max(0, min(position - 1, len(items)))
        items.insert(index, item)
        _renumber(meeting, items, by)
    audit_record(actor=by, action="meetings.item.add", obj=item,
                 changes={"meeting": meeting.slug, "number": item.number,
                          "closed": item.is_closed})
    return item


@service
def item_update(*, item: AgendaItem, by: Any | None, **fields: Any) -> AgendaItem:
    unknown = set(fields) - set(ITEM_TEXT_FIELDS) - {"case"}
    if unknown:
        raise ValueError(f"item_update cannot change {sorted(unknown)}")
    item, changed = content_update(instance=item, by=by, **fields)
    if changed:
        # Field names only: a closed item's text never goes into the log.
        audit_record(actor=by, action="meetings.item.update", obj=item,
                     changes={"fields": changed})
    return item


@service
def item_move(*, item: AgendaItem, to: int, by: Any | None) -> AgendaItem:
    """Move the item to position `to` (1-based); every item keeps a number 1..n in order."""
    meeting = item.meeting
    items = [i for i in meeting.items.order_by("number") if i.pk != item.pk]
    before = item.number
    index = max(0, min(to - 1, len(items)))
    items.insert(index, item)
    _renumber(meeting, items, by)
    item.refresh_from_db()
    audit_record(actor=by, action="meetings.item.move", obj=item,
                 changes={"number": {"before": before, "after": item.number}})
    return item


@service
def item_remove(*, item: AgendaItem, by: Any | None) -> None:
    if hasattr(item, "decision"):
        raise ValidationError(_("Et punkt med en beslutning kan ikke fjernes."))
    meeting = item.meeting
    audit_record(actor=by, action="meetings.item.remove", obj=meeting,
                 changes={"number": item.number})
    item.delete()
    _renumber(meeting, list(meeting.items.order_by("number")), by)


def annex_check_file(upload: UploadedFile) -> str:
    """The detected content type of an upload; ValidationError if too big or not allowed."""
    limit = getattr(settings, "MEETINGS_ANNEX_MAX_BYTES", ANNEX_MAX_BYTES)
    if upload.size is not None and upload.size > limit:
        raise ValidationError({"file": _("Filen er for stor (højst %(mb)s MB).")
                               % {"mb": limit // (1024 * 1024)}})
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind else ""
    if mime == "application/zip" and upload.name and upload.name.lower().endswith(
            (".docx", ".xlsx", ".pptx")):
        mime = ""  # an OOXML file whose parts filetype could not see: refuse rather than guess
    if mime not in ANNEX_TYPES:
        raise ValidationError({"file": _("Filtypen er ikke tilladt (PDF, Word, Excel, "
                                         "PowerPoint, OpenDocument, PNG eller JPEG).")})
    return mime


@service
def annex_add(*, item: AgendaItem, title: str, by: Any | None,
              upload: UploadedFile | None = None, url: str = "") -> Annex:
    """Attach a file or a link to an item, numbered after the existing annexes. With neither,
    the annex is only listed (as in a printed "Bilagsfortegnelse" whose files are elsewhere)."""
    if upload and url:
        raise ValidationError(_("Et bilag er enten en fil eller et link, ikke begge."))
    number = (item.annexes.aggregate(n=Max("number"))["n"] or 0) + 1
    annex = Annex(item=item, number=number, title=title, url=url)
    if upload is not None:
        annex.mime_type = annex_check_file(upload)
        annex.size = upload.size or 0
        annex.file.save(upload.name or "bilag", upload, save=False)
    content_save(instance=annex, by=by)
    audit_record(actor=by, action="meetings.annex.add", obj=item,
                 changes={"annex": number,
                          "kind": "file" if upload else "link" if url else "listed"})
    return annex


# ------------------------------------------------------------------------------ decisions

def earlier_items(item: AgendaItem) -> models.QuerySet[AgendaItem]:
    """The same case's items at earlier meetings (any body), oldest first."""
    if not item.case_id:
        return AgendaItem.objects.none()
    return (AgendaItem.objects.filter(case_id=item.case_id,
                                      meeting__starts_at__lt=item.meeting.starts_at)
            .select_related("meeting", "meeting__body").order_by("meeting__starts_at"))


@service
def decision_record(*, item: AgendaItem, text: str, by: Any | None,
                    not_participating: str = "", dissent: str = "",
                    decided_on: datetime.date | None = None,
                    process: models.Model | None = None) -> Decision:
    """Record the decision on an item: it gets the body's next number in the year and the
    item is closed for further decisions."""
    meeting = item.meeting
    if meeting.status not in (S.AGENDA_PUBLISHED, S.HELD):
        raise ValidationError(_("Der kan kun træffes beslutninger på et møde, hvis dagsorden "
                                "er offentliggjort, eller som er afholdt."))
    if item.state == AgendaItem.State.DECIDED or Decision.objects.filter(item=item).exists():
        raise ValidationError(_("Punktet har allerede en beslutning."))
    if not text.strip():
        raise ValidationError({"text": _("Skriv beslutningen.")})
    on = decided_on or timezone.localtime(meeting.starts_at).date()
    body = Body.objects.select_for_update().get(pk=meeting.body_id)
    last = Decision.objects.filter(body=body, year=on.year).aggregate(n=Max("number"))["n"]
    decision = Decision(item=item, body=body, year=on.year, number=(last or 0) + 1,
                        text=text.strip(), not_participating=not_participating.strip(),
                        dissent=dissent.strip(), decided_on=on)
    if process is not None:
        decision.process_type = ContentType.objects.get_for_model(type(process))
        decision.process_id = process.pk
    content_save(instance=decision, by=by)
    item.state = AgendaItem.State.DECIDED
    content_save(instance=item, by=by, validate=False)
    audit_record(actor=by, action="meetings.decision.record", obj=decision,
                 changes={"reference": decision.reference, "item": item.number,
                          "process": (f"{decision.process_type.app_label}."
                                      f"{decision.process_type.model}:{decision.process_id}"
                                      if decision.process_type else None)})
    return decision


@service
def decision_link_process(*, decision: Decision, record: models.Model,
                          by: Any | None) -> Decision:
    """Point the decision to the process record it is part of (e.g. the versions app's
    approval of a version), so that record and the minutes show one and the same decision."""
    decision.process_type = ContentType.objects.get_for_model(type(record))
    decision.process_id = record.pk
    content_save(instance=decision, by=by, validate=False)
    audit_record(actor=by, action="meetings.decision.link_process", obj=decision,
                 changes={"process": f"{decision.process_type.app_label}."
                                     f"{decision.process_type.model}:{record.pk}"})
    return decision


# ------------------------------------------------------------------------------ minutes

@service
def minutes_write(*, meeting: Meeting, text: str, by: Any | None) -> Minutes:
    """Create or change the draft minutes' general remarks."""
    minutes = Minutes.objects.filter(meeting=meeting).first()
    if minutes is None:
        if meeting.status not in (S.AGENDA_PUBLISHED, S.HELD):
            raise ValidationError(_("Referat kan først skrives, når dagsordenen er "
                                    "offentliggjort."))
        minutes = Minutes(meeting=meeting, text=text)
        content_save(instance=minutes, by=by)
    else:
        if minutes.status != M.DRAFT:
            raise ValidationError(_("Kun et udkast til referat kan ændres."))
        minutes, _changed = content_update(instance=minutes, by=by, text=text)
    audit_record(actor=by, action="meetings.minutes.write", obj=minutes,
                 changes={"status": minutes.status})
    return minutes


@service
def minutes_transition(*, minutes: Minutes, to: str, by: Any | None,
                       on: datetime.date | None = None) -> Minutes:
    """draft → approved → published (approved → draft to reopen). Approving needs a held
    meeting and moves it to "minutes approved"."""
    if to not in M.values or (minutes.status, to) not in MINUTES_TRANSITIONS:
        label = M(to).label if to in M.values else to
        raise ValidationError(_("Et referat kan ikke skifte fra “%(from)s” til “%(to)s”.")
                              % {"from": minutes.get_status_display(), "to": label})
    meeting = minutes.meeting
    before = minutes.status
    if to == M.APPROVED:
        if meeting.status != S.HELD:
            raise ValidationError(_("Referatet kan først godkendes, når mødet er afholdt."))
        minutes.approved_on = on or timezone.localdate()
        meeting_transition(meeting=meeting, to="minutes_approved", by=by)
    elif to == M.DRAFT:
        minutes.approved_on = None
        meeting.status = S.HELD
        content_save(instance=meeting, by=by, validate=False)
    elif to == M.PUBLISHED:
        minutes.published_at = timezone.now()
    minutes.status = to
    content_save(instance=minutes, by=by)
    audit_record(actor=by, action="meetings.minutes.transition", obj=minutes,
                 changes={"status": {"before": before, "after": to}})
    return minutes


# ------------------------------------------------------------------------------ import

@service
def meeting_import(*, data: Any, by: Any | None, source: str = "import") -> Meeting:
    """Create one meeting with its items, cases and annex links from an import document.
    AgendaImportError (nothing written) if the document has any problem."""
    from .importer import AgendaImportError, check

    checked = check(data)
    if checked.errors:
        raise AgendaImportError(source, checked.errors)
    assert checked.body is not None and checked.starts_at is not None
    meeting = meeting_create(
        body=checked.body, starts_at=checked.starts_at, ends_at=checked.ends_at,
        place=(data.get("place") or "").strip(), online_url=data.get("online_url") or "",
        title=(data.get("title") or "").strip(), note=(data.get("note") or "").strip(),
        source=f"Importeret fra {source}"[:300], by=by)
    for raw in data["items"]:
        case = None
        journal_number = (raw.get("journal_number") or "").strip()
        if journal_number:
            case = case_ensure(journal_number=journal_number,
                                        title=(raw.get("case_title") or raw["title"]).strip(),
                                        by=by)
        item = item_add(
            meeting=meeting, title=raw["title"].strip(), by=by,
            kind=raw.get("kind", AgendaItem.Kind.CASE), is_closed=raw.get("closed", False),
            background=raw.get("background") or "", recommendation=raw.get("recommendation") or "",
            case_description=raw.get("case_description") or "", timeline=raw.get("timeline") or "",
            earlier_handling=raw.get("earlier_handling") or "", case=case)
        for annex in raw.get("annexes", []):
            annex_add(item=item, title=annex["title"].strip(), url=annex["url"], by=by)
    audit_record(actor=by, action="meetings.meeting.import", obj=meeting,
                 changes={"source": source, "items": len(data["items"])})
    return meeting
