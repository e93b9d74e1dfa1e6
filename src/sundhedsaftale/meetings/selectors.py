"""Reads of the meetings app. Every page, PDF, feed and API response reads through here.

The public rule, in one place (`ItemView`):
- a meeting is listed with date, place and status from the moment it is planned;
- its agenda is shown once the agenda is published (or the meeting held);
- a closed item ("lukket punkt") shows its number and the words "Lukket punkt" only: no title,
  no template text, no journal number, no annexes, no decision;
- decisions and the minutes are shown once the minutes are published.
A user who may read the body's closed items (`meetings.item.view_closed`) sees everything on the
web page; PDFs, the calendar feed and the API are always the public version.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.access.rules import can
from sundhedsaftale.bodies.models import Body, Membership

from .models import AgendaItem, Annex, Attendance, Case, CaseLink, Decision, Meeting, Minutes

CLOSED_LABEL = _("Closed item")

@dataclass
class ItemView:
    """An agenda item as one viewer may see it (closed content blanked)."""

    item: AgendaItem
    show_content: bool
    show_decision: bool
    earlier: list[AgendaItem] = field(default_factory=list)

    @property
    def number(self) -> int:
        return self.item.number

    @property
    def is_closed(self) -> bool:
        return self.item.is_closed

    @property
    def kind(self) -> str:
        return self.item.kind

    @property
    def title(self) -> Any:
        return self.item.title if self.show_content else CLOSED_LABEL

    @property
    def anchor(self) -> str:
        return f"punkt-{self.item.number}"

    def _text(self, name: str) -> str:
        return getattr(self.item, name) if self.show_content else ""

    @property
    def background(self) -> str:
        return self._text("background")

    @property
    def recommendation(self) -> str:
        return self._text("recommendation")

    @property
    def case_description(self) -> str:
        return self._text("case_description")

    @property
    def timeline(self) -> str:
        return self._text("timeline")

    @property
    def earlier_handling(self) -> str:
        return self._text("earlier_handling")

    @property
    def journal_number(self) -> str:
        return self.item.journal_number if self.show_content else ""

    @property
    def case(self) -> Case | None:
        return self.item.case if self.show_content else None

    @property
    def annexes(self) -> list[Annex]:
        return list(self.item.annexes.all()) if self.show_content else []

    @property
    def decision(self) -> Decision | None:
        if not (self.show_content and self.show_decision):
            return None
        return getattr(self.item, "decision", None)

    @property
    def earlier_items(self) -> list[AgendaItem]:
        return self.earlier if self.show_content else []


@dataclass
class MeetingPage:
    meeting: Meeting
    insider: bool
    agenda_visible: bool
    minutes_visible: bool
    items: list[ItemView]
    present: list[Membership]
    apologies: list[Membership]
    members: list[Membership]
    minutes: Minutes | None
    can_edit: bool = False


def is_insider(user: Any, meeting: Meeting) -> bool:
    return user is not None and can(user, "meetings.item.view_closed", meeting)


def _items_query() -> models.QuerySet[AgendaItem]:
    return (AgendaItem.objects.select_related("case", "decision", "meeting", "meeting__body")
            .prefetch_related("annexes"))


def meeting_local_date(meeting: Meeting) -> datetime.date:
    return timezone.localtime(meeting.starts_at).date()


def meeting_list(*, body: Body | None = None, upcoming: bool | None = None,
                 now: datetime.datetime | None = None) -> models.QuerySet[Meeting]:
    """Meetings (every status; a planned meeting's date and place are public), soonest first
    for coming meetings, latest first for past ones."""
    now = now or timezone.now()
    qs = Meeting.objects.select_related("body")
    if body is not None:
        qs = qs.filter(body=body)
    if upcoming is True:
        return qs.filter(starts_at__gte=now).order_by("starts_at")
    if upcoming is False:
        return qs.filter(starts_at__lt=now).order_by("-starts_at")
    return qs.order_by("starts_at")


def bodies_with_meetings() -> models.QuerySet[Body]:
    return Body.objects.filter(meetings__isnull=False).distinct().order_by("number", "name")


def _members_on(meeting: Meeting) -> list[Membership]:
    on = meeting_local_date(meeting)
    return list(meeting.body.memberships.valid_on(on).select_related("organisation")
                .order_by("role", "person_name"))


def meeting_page(*, slug: str, user: Any = None, public: bool = False) -> MeetingPage:
    """One meeting as `user` may see it (public=True: as an anonymous visitor, for PDFs).
    Raises Meeting.DoesNotExist."""
    meeting = Meeting.objects.select_related("body").get(slug=slug)
    insider = not public and is_insider(user, meeting)
    agenda_visible = insider or meeting.agenda_is_public
    minutes = Minutes.objects.filter(meeting=meeting).first()
    minutes_published = minutes is not None and minutes.status == Minutes.Status.PUBLISHED
    minutes_visible = insider or minutes_published
    items: list[ItemView] = []
    if agenda_visible:
        for item in _items_query().filter(meeting=meeting).order_by("number"):
            view = ItemView(item=item, show_content=insider or not item.is_closed,
                            show_decision=minutes_visible)
            if view.show_content and item.case_id:
                view.earlier = [i for i in _earlier(item)
                                if insider or _item_public(i)]
            items.append(view)
    attendances = list(Attendance.objects.filter(meeting=meeting)
                       .select_related("membership", "membership__organisation"))
    return MeetingPage(
        meeting=meeting, insider=insider, agenda_visible=agenda_visible,
        minutes_visible=minutes_visible, items=items,
        present=[a.membership for a in attendances if a.kind == Attendance.Kind.PRESENT],
        apologies=[a.membership for a in attendances if a.kind == Attendance.Kind.APOLOGY],
        members=_members_on(meeting),
        minutes=minutes if minutes_visible else None,
        can_edit=not public and user is not None and can(user, "meetings.meeting.edit", meeting),
    )


def _earlier(item: AgendaItem) -> list[AgendaItem]:
    return list(AgendaItem.objects.filter(case_id=item.case_id,
                                          meeting__starts_at__lt=item.meeting.starts_at)
                .select_related("meeting", "meeting__body").order_by("meeting__starts_at"))


def _item_public(item: AgendaItem) -> bool:
    return not item.is_closed and item.meeting.agenda_is_public


def public_items() -> models.QuerySet[AgendaItem]:
    """Open items of meetings whose agenda is public (the API, search)."""
    return _items_query().filter(is_closed=False, meeting__status__in=[
        Meeting.Status.AGENDA_PUBLISHED, Meeting.Status.HELD, Meeting.Status.MINUTES_APPROVED])


def public_decision(item: AgendaItem) -> Decision | None:
    """The item's decision if the public may see it (open item, minutes published)."""
    if item.is_closed:
        return None
    minutes = getattr(item.meeting, "minutes", None)
    if minutes is None or minutes.status != Minutes.Status.PUBLISHED:
        return None
    return getattr(item, "decision", None)


# ------------------------------------------------------------------------------ cases

@dataclass
class CaseStep:
    """One step of a case's history: an item at a meeting (with its decision if visible)."""

    item: ItemView
    meeting: Meeting


@dataclass
class LinkView:
    link: CaseLink
    target: Any
    url: str


@dataclass
class CasePage:
    case: Case
    steps: list[CaseStep]
    links: list[LinkView]


def _object_url(obj: Any) -> str:
    getter = getattr(obj, "get_absolute_url", None)
    if getter is None:
        return ""
    try:
        return str(getter())
    except Exception:  # noqa: BLE001 - another app's URL may not exist yet
        return ""


def case_page(*, journal_number: str, user: Any = None) -> CasePage:
    """A case with its history in date order: every item (visible to `user`) at every meeting.
    Raises Case.DoesNotExist, also when nothing of the case is visible."""
    case = Case.objects.get(journal_number=journal_number)
    steps: list[CaseStep] = []
    items = (_items_query().filter(case=case).select_related("meeting__minutes")
             .order_by("meeting__starts_at", "number"))
    for item in items:
        meeting = item.meeting
        insider = is_insider(user, meeting)
        if not insider and not _item_public(item):
            continue
        minutes = getattr(meeting, "minutes", None)
        view = ItemView(item=item, show_content=True,
                        show_decision=insider or (minutes is not None and
                                                  minutes.status == Minutes.Status.PUBLISHED))
        steps.append(CaseStep(item=view, meeting=meeting))
    if not steps:
        raise Case.DoesNotExist(journal_number)
    links = []
    for link in case.links.select_related("target_type"):
        target = link.target
        links.append(LinkView(link=link, target=target,
                              url=_object_url(target) if target is not None else ""))
    return CasePage(case=case, steps=steps, links=links)


def public_cases() -> models.QuerySet[Case]:
    """Cases with at least one public item."""
    return Case.objects.filter(items__in=public_items()).distinct().order_by("journal_number")


@dataclass
class AboutObject:
    """Cases and meetings about one object of another app (for the include tag)."""

    cases: list[Case]
    steps: list[CaseStep]


def about_object(obj: models.Model, *, user: Any = None) -> AboutObject:
    """The public cases linked to `obj` (directly, or through a decision whose process record
    is `obj`) and their meetings, in date order."""
    ct = ContentType.objects.get_for_model(type(obj))
    case_ids = set(CaseLink.objects.filter(target_type=ct, target_id=obj.pk)
                   .values_list("case_id", flat=True))
    case_ids |= set(Decision.objects.filter(process_type=ct, process_id=obj.pk)
                    .exclude(item__case__isnull=True).values_list("item__case_id", flat=True))
    cases: list[Case] = []
    steps: list[CaseStep] = []
    for case in Case.objects.filter(pk__in=case_ids).order_by("journal_number"):
        try:
            page = case_page(journal_number=case.journal_number, user=user)
        except Case.DoesNotExist:
            continue
        cases.append(case)
        steps.extend(page.steps)
    steps.sort(key=lambda s: (s.meeting.starts_at, s.item.number))
    return AboutObject(cases=cases, steps=steps)


def decisions_for_process(record: models.Model) -> models.QuerySet[Decision]:
    """The decisions that are part of a process record (e.g. a version's approval): what an
    approval board shows next to the record. Not filtered for the public: callers that render
    publicly use `public_decision(decision.item)`."""
    ct = ContentType.objects.get_for_model(type(record))
    return (Decision.objects.filter(process_type=ct, process_id=record.pk)
            .select_related("item", "item__meeting", "item__meeting__body")
            .order_by("decided_on"))


def meetings_for_feed(body: Body) -> models.QuerySet[Meeting]:
    """Every meeting of the body (the .ics feed): planned, held and cancelled."""
    return Meeting.objects.filter(body=body).select_related("body").order_by("starts_at")
