"""Read endpoints of the hearings app in the platform API (/api/v1/hoeringer/).

Only what the public pages show: hearings that are not drafts, the parties' status and the
published (screened, redacted) responses. Never the text as received, names or e-mail addresses
of private persons, or attachments.
"""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from .models import Hearing
from .selectors import parties_of, published_responses

router = Router(tags=["hearings"])


class HearingOut(Schema):
    slug: str
    title: str
    status: str
    start: datetime.date
    deadline: datetime.date
    is_public: bool
    version: str
    agreement: str
    url: str


class PartyOut(Schema):
    name: str
    group: str
    status: str
    answered_at: datetime.datetime | None


class ResponseOut(Schema):
    id: int
    party: str
    section_key: str
    section_title: str
    received_on: datetime.date
    is_late: bool
    text: str
    is_demo: bool


def _hearing_out(hearing: Hearing) -> HearingOut:
    return HearingOut(slug=hearing.slug, title=hearing.title, status=hearing.status,
                      start=hearing.start, deadline=hearing.deadline,
                      is_public=hearing.is_public, version=str(hearing.version),
                      agreement=hearing.version.agreement.slug,
                      url=f"/hoeringer/{hearing.slug}/")


def _public(slug: str) -> Hearing:
    hearing = (Hearing.objects.select_related("version__agreement")
               .exclude(status=Hearing.Status.DRAFT).filter(slug=slug).first())
    if hearing is None:
        raise Http404("hearing")
    return hearing


@router.get("/", response=list[HearingOut])
def hearings(request: HttpRequest) -> list[HearingOut]:
    """Every hearing that is not a draft (newest first)."""
    return [_hearing_out(h) for h in Hearing.objects.select_related("version__agreement")
            .exclude(status=Hearing.Status.DRAFT)]


@router.get("/{slug}/", response=HearingOut)
def hearing(request: HttpRequest, slug: str) -> HearingOut:
    return _hearing_out(_public(slug))


@router.get("/{slug}/parter/", response=list[PartyOut])
def parties(request: HttpRequest, slug: str) -> list[PartyOut]:
    """The named parties and their status (invited, opened, answered, declined, no answer)."""
    return [PartyOut(name=p.name, group=p.group, status=p.status, answered_at=p.answered_at)
            for p in parties_of(_public(slug))]


@router.get("/{slug}/svar/", response=list[ResponseOut])
def responses(request: HttpRequest, slug: str) -> list[ResponseOut]:
    """The published responses, with personal data redacted."""
    return [ResponseOut(id=r.pk, party=r.sender_label, section_key=r.anchor_key,
                        section_title=r.anchor_title, received_on=r.received_on,
                        is_late=r.is_late, text=r.published_text, is_demo=r.is_demo)
            for r in published_responses(_public(slug))]
