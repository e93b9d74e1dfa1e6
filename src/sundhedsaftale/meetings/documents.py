"""Documents made from meetings: the agenda and the minutes as PDF (WeasyPrint, from the same
item template as the web page, with a print stylesheet) and the calendar feed per body
(RFC 5545 via the `icalendar` library). All of them are the public version (selectors'
`public=True`): a closed item shows only its number and "Lukket punkt"."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sundhedsaftale.bodies.models import Body

from . import selectors
from .models import Meeting

PRINT_CSS = Path(__file__).resolve().parent / "static" / "meetings" / "print.css"
DEFAULT_LENGTH = datetime.timedelta(hours=2)


def _render_pdf(template: str, context: dict[str, Any], request: HttpRequest | None) -> bytes:
    from weasyprint import CSS, HTML

    html = render_to_string(template, {**context, "for_print": True}, request=request)
    base_url = request.build_absolute_uri("/") if request is not None else None
    return HTML(string=html, base_url=base_url).write_pdf(
        stylesheets=[CSS(filename=str(PRINT_CSS))])


def agenda_pdf(page: selectors.MeetingPage, *, request: HttpRequest | None = None) -> bytes:
    return _render_pdf("meetings/print/document.html",
                       {"page": page, "meeting": page.meeting, "document": "agenda"}, request)


def minutes_pdf(page: selectors.MeetingPage, *, request: HttpRequest | None = None) -> bytes:
    return _render_pdf("meetings/print/document.html",
                       {"page": page, "meeting": page.meeting, "document": "minutes"}, request)


def _uid(meeting: Meeting) -> str:
    domain = getattr(settings, "MEETINGS_CALENDAR_DOMAIN", "sundhedsaftale.regionh.example")
    return f"moede-{meeting.pk}@{domain}"


def body_calendar(body: Body, *, request: HttpRequest | None = None) -> bytes:
    """The body's meetings as an iCalendar feed. A published agenda's open items are listed in
    the description; closed items appear only as "Lukket punkt"."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Sundhedsaftale//Moeder//DA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Meetings: %(body)s") % {"body": body.name})
    now = timezone.now()
    for meeting in selectors.meetings_for_feed(body):
        page = selectors.meeting_page(slug=meeting.slug, public=True)
        event = Event()
        event.add("uid", _uid(meeting))
        event.add("dtstamp", now)
        event.add("dtstart", meeting.starts_at.astimezone(datetime.UTC))
        event.add("dtend", (meeting.ends_at or meeting.starts_at + DEFAULT_LENGTH)
                  .astimezone(datetime.UTC))
        summary = _("Meeting: %(body)s") % {"body": meeting.body_label}
        if meeting.is_demo:
            summary += " " + _("(fictitious)")
        event.add("summary", summary)
        if meeting.place or meeting.online_url:
            event.add("location", meeting.place or meeting.online_url)
        path = reverse("meetings:meeting_detail", args=[meeting.slug])
        if request is not None:
            event.add("url", request.build_absolute_uri(path))
        event.add("status", "CANCELLED" if meeting.status == Meeting.Status.CANCELLED
                  else "CONFIRMED")
        lines = [f"{item.number}. {item.title}" for item in page.items]
        if lines:
            event.add("description", _("Agenda") + ":\n" + "\n".join(lines))
        calendar.add_component(event)
    return calendar.to_ical()
