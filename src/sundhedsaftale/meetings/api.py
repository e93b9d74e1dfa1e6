"""Read endpoints of the meetings app in the platform API (/api/v1/moeder/).

Always the public version, whoever asks: meetings (every status), open items of published
agendas only (a closed item is left out entirely), decisions only once the minutes are
published, and cases with at least one public item.
"""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Router, Schema

from . import selectors
from .models import AgendaItem, Case, Meeting

router = Router(tags=["meetings"])


class DecisionOut(Schema):
    reference: str
    text: str
    not_participating: str
    dissent: str
    decided_on: datetime.date


class AnnexOut(Schema):
    number: int
    title: str
    url: str


class ItemOut(Schema):
    meeting: str
    number: int
    kind: str
    title: str
    background: str
    recommendation: str
    case_description: str
    timeline: str
    journal_number: str
    annexes: list[AnnexOut]
    decision: DecisionOut | None
    url: str


class MeetingOut(Schema):
    slug: str
    body: str
    body_slug: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime | None
    place: str
    online_url: str
    status: str
    is_demo: bool
    url: str
    agenda_pdf: str | None
    minutes_pdf: str | None


class MeetingDetailOut(MeetingOut):
    items: list[ItemOut]


class CaseStepOut(Schema):
    meeting: str
    body: str
    starts_at: datetime.datetime
    item_number: int
    item_title: str
    decision: DecisionOut | None


class CaseOut(Schema):
    journal_number: str
    title: str
    url: str


class CaseDetailOut(CaseOut):
    summary: str
    history: list[CaseStepOut]


def _abs(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _decision(item: AgendaItem) -> DecisionOut | None:
    decision = selectors.public_decision(item)
    if decision is None:
        return None
    return DecisionOut(reference=decision.reference, text=decision.text,
                       not_participating=decision.not_participating,
                       dissent=decision.dissent, decided_on=decision.decided_on)


def _item(request: HttpRequest, item: AgendaItem) -> ItemOut:
    meeting = item.meeting
    annexes = [AnnexOut(number=a.number, title=a.title,
                        url=a.url or (_abs(request, reverse("meetings:annex_file",
                                                            args=[meeting.slug, a.pk]))
                                      if a.file else ""))
               for a in item.annexes.all()]
    return ItemOut(
        meeting=meeting.slug, number=item.number, kind=item.kind, title=item.title,
        background=item.background, recommendation=item.recommendation,
        case_description=item.case_description, timeline=item.timeline,
        journal_number=item.journal_number, annexes=annexes, decision=_decision(item),
        url=_abs(request, reverse("meetings:meeting_detail", args=[meeting.slug])
                 + f"#punkt-{item.number}"))


def _meeting(request: HttpRequest, meeting: Meeting) -> dict:
    minutes = getattr(meeting, "minutes", None)
    published = minutes is not None and minutes.status == "published"
    return {
        "slug": meeting.slug, "body": meeting.body_label, "body_slug": meeting.body.slug,
        "starts_at": meeting.starts_at, "ends_at": meeting.ends_at, "place": meeting.place,
        "online_url": meeting.online_url, "status": meeting.status, "is_demo": meeting.is_demo,
        "url": _abs(request, reverse("meetings:meeting_detail", args=[meeting.slug])),
        "agenda_pdf": (_abs(request, reverse("meetings:agenda_pdf", args=[meeting.slug]))
                       if meeting.agenda_is_public else None),
        "minutes_pdf": (_abs(request, reverse("meetings:minutes_pdf", args=[meeting.slug]))
                        if published else None),
    }


@router.get("/", response=list[MeetingOut], url_name="meetings_list")
def meetings_list(request: HttpRequest, organ: str = "") -> list[dict]:
    """Every meeting, oldest first; `organ` filters by the body's slug."""
    qs = selectors.meeting_list().select_related("minutes")
    if organ:
        qs = qs.filter(body__slug=organ)
    return [_meeting(request, m) for m in qs]


@router.get("/punkter/", response=list[ItemOut], url_name="meetings_items")
def items_list(request: HttpRequest, sag: str = "") -> list[ItemOut]:
    """Open items of published agendas; `sag` filters by journal number."""
    qs = selectors.public_items().select_related("meeting__minutes").order_by(
        "meeting__starts_at", "number")
    if sag:
        qs = qs.filter(case__journal_number=sag)
    return [_item(request, item) for item in qs]


@router.get("/sager/", response=list[CaseOut], url_name="meetings_cases")
def cases_list(request: HttpRequest) -> list[CaseOut]:
    return [CaseOut(journal_number=c.journal_number, title=c.title,
                    url=_abs(request, reverse("meetings:case_detail", args=[c.journal_number])))
            for c in selectors.public_cases()]


@router.get("/sager/{journal_number}/", response=CaseDetailOut, url_name="meetings_case")
def case_detail(request: HttpRequest, journal_number: str) -> CaseDetailOut:
    try:
        page = selectors.case_page(journal_number=journal_number, user=None)
    except Case.DoesNotExist:
        raise Http404("case not found") from None
    history = [CaseStepOut(meeting=s.meeting.slug, body=s.meeting.body_label,
                           starts_at=s.meeting.starts_at, item_number=s.item.number,
                           item_title=s.item.title, decision=_decision(s.item.item))
               for s in page.steps]
    case = page.case
    return CaseDetailOut(journal_number=case.journal_number, title=case.title,
                         summary=case.summary, history=history,
                         url=_abs(request, reverse("meetings:case_detail",
                                                   args=[case.journal_number])))


@router.get("/{slug}/", response=MeetingDetailOut, url_name="meetings_detail")
def meeting_detail(request: HttpRequest, slug: str) -> dict:
    """One meeting with the open items of its agenda (none until the agenda is published)."""
    try:
        meeting = Meeting.objects.select_related("body", "minutes").get(slug=slug)
    except Meeting.DoesNotExist:
        raise Http404("meeting not found") from None
    items = []
    if meeting.agenda_is_public:
        items = [_item(request, i) for i in selectors.public_items().filter(meeting=meeting)
                 .select_related("meeting__minutes").order_by("number")]
    return {**_meeting(request, meeting), "items": items}
