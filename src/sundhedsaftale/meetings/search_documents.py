"""Searchable meetings: meetings whose agenda is public, and their open agenda items (closed
items and unpublished agendas never enter the index)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.search.registry import Document, register_kind, search_provider

register_kind("meeting", label=_("Møde"), heading=_("Møder og dagsordenspunkter"), order=70)


@search_provider(models=("meetings.meeting", "meetings.agendaitem"))
def meetings() -> Iterator[Document]:
    from .models import Meeting
    from .selectors import public_items

    public = [Meeting.Status.AGENDA_PUBLISHED, Meeting.Status.HELD,
              Meeting.Status.MINUTES_APPROVED]
    urls = {}
    for meeting in (Meeting.objects.filter(status__in=public).select_related("body")
                    .order_by("-starts_at")):
        urls[meeting.pk] = reverse("meetings:meeting_detail", args=[meeting.slug])
        when = formats.date_format(timezone.localtime(meeting.starts_at), "j. F Y")
        title = meeting.title or f"{meeting.body_label} {when}"
        yield Document("meeting", f"meeting:{meeting.slug}", urls[meeting.pk], title,
                       body=" ".join(p for p in (meeting.body_label, when, meeting.place) if p))
    for item in public_items().order_by("meeting__starts_at", "number"):
        url = urls.get(item.meeting_id)
        if url is None:
            continue
        body = " ".join(p for p in (item.background, item.recommendation,
                                    item.case_description) if p)
        yield Document("meeting", f"item:{item.pk}", f"{url}#punkt-{item.number}", item.title,
                       body=body, context=item.meeting.body_label)
