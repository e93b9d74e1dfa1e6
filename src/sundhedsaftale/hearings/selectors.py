"""Reads of the hearings app. Public reads only ever return published text."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from sundhedsaftale.access.rules import can, organisations_of

from . import screening
from .models import Hearing, HearingParty, Memo, Response, ScreeningHit

S = Hearing.Status
SECTION_KINDS = ("vision", "principle", "focus_area", "goal", "annex")


def hearing_list_for_user(user: Any) -> dict[str, list[Hearing]]:
    """Hearings grouped as open, upcoming (scheduled; drafts too for staff) and closed."""
    hearings = Hearing.objects.select_related("version__agreement").annotate(
        party_count=Count("parties", distinct=True),
        published_count=Count("responses", filter=Q(responses__status="published"),
                              distinct=True))
    if not can(user, "hearings.view_internal"):
        hearings = hearings.exclude(status=S.DRAFT)
    groups: dict[str, list[Hearing]] = {"open": [], "upcoming": [], "closed": []}
    for hearing in hearings:
        if hearing.status == S.OPEN:
            groups["open"].append(hearing)
        elif hearing.status in (S.DRAFT, S.SCHEDULED):
            groups["upcoming"].append(hearing)
        else:
            groups["closed"].append(hearing)
    return groups


def hearing_get_for_user(*, slug: str, user: Any) -> Hearing:
    hearing = Hearing.objects.select_related("version__agreement").filter(slug=slug).first()
    if hearing is None or (hearing.status == S.DRAFT
                           and not can(user, "hearings.view_internal", hearing)):
        raise Http404("hearing")
    return hearing


def parties_of(hearing: Hearing) -> QuerySet[HearingParty]:
    return hearing.parties.select_related("municipality", "body", "organisation")


def party_groups(hearing: Hearing) -> list[tuple[str, list[HearingParty]]]:
    """The parties in the letter's groups (municipalities, committees, organisations...)."""
    grouped: dict[str, list[HearingParty]] = defaultdict(list)
    for party in parties_of(hearing):
        grouped[party.group].append(party)
    return [(str(HearingParty.Group(g).label), grouped[g]) for g in HearingParty.Group.values
            if grouped.get(g)]


def status_counts(hearing: Hearing) -> list[tuple[str, int]]:
    counts = dict(hearing.parties.values_list("status").annotate(n=Count("id")))
    return [(str(label), counts.get(value, 0)) for value, label in HearingParty.Status.choices
            if counts.get(value)]


def published_responses(hearing: Hearing) -> QuerySet[Response]:
    return (hearing.responses.filter(status=Response.Status.PUBLISHED)
            .select_related("party__municipality", "party__body", "party__organisation",
                            "hearing__version")
            .order_by("party__number", "received_on", "id"))


@dataclass
class Section:
    key: str
    title: str
    kind: str
    number: int
    parent: str | None
    level: int
    responses: list[Response] = field(default_factory=list)


def sections_of(hearing: Hearing, responses: list[Response] | None = None) -> list[Section]:
    """General first, then the version's parts (visions, principles, focus areas, goals,
    annexes) in reading order, each with its published responses."""
    if responses is None:
        responses = list(published_responses(hearing))
    by_key: dict[str, list[Response]] = defaultdict(list)
    for response in responses:
        by_key[response.anchor_key].append(response)
    sections = [Section("", "", "general", 0, None, 1, by_key.get("", []))]
    for item in hearing.version.items():
        if item["kind"] in SECTION_KINDS:
            sections.append(Section(item["key"], item["title"], item["kind"],
                                    item.get("number", 0), item.get("parent"),
                                    2 if item.get("parent") else 1,
                                    by_key.get(item["key"], [])))
    return sections


def anchor_choices(hearing: Hearing) -> list[tuple[str, str]]:
    from django.utils.translation import gettext as _

    labels = {"vision": _("Vision"), "principle": _("Principle"),
              "focus_area": _("Focus area"), "goal": _("Goal"), "annex": _("Annex")}
    choices = [("", _("General (the whole draft)"))]
    for item in hearing.version.items():
        if item["kind"] in SECTION_KINDS:
            number = f" {item['number']}" if item.get("number") else ""
            choices.append((item["key"], f"{labels[item['kind']]}{number}: {item['title']}"))
    return choices


def parties_represented_by(user: Any, hearing: Hearing) -> list[HearingParty]:
    """The hearing's parties the user may answer for (party_representative role)."""
    if not getattr(user, "is_authenticated", False):
        return []
    from sundhedsaftale.access.models import ExternalOrganisation
    from sundhedsaftale.bodies.models import Body
    from sundhedsaftale.geography.models import Municipality

    rep = ("party_representative",)
    q = (Q(municipality__in=organisations_of(user, rep, Municipality))
         | Q(body__in=organisations_of(user, rep, Body))
         | Q(organisation__in=organisations_of(user, rep, ExternalOrganisation)))
    return list(parties_of(hearing).filter(q))


@dataclass
class HitView:
    hit: ScreeningHit
    before: str
    text: str
    after: str


def hits_in_context(response: Response) -> list[HitView]:
    """Each hit with the text around it; CPR numbers masked (staff only)."""
    views = []
    for hit in response.hits.all():
        before, text, after = screening.context(response.original_text, hit.start, hit.end)
        views.append(HitView(hit, before, text, after))
    return views


def responses_for_staff(hearing: Hearing) -> QuerySet[Response]:
    return (hearing.responses.select_related("party__municipality", "party__body",
                                             "party__organisation")
            .annotate(pending_hits=Count("hits", filter=Q(hits__decision="pending")))
            .order_by("-submitted_at"))


def memo_of(hearing: Hearing, *, issued_only: bool) -> Memo | None:
    memo = Memo.objects.filter(hearing=hearing).first()
    if memo is None or (issued_only and memo.status != Memo.Status.ISSUED):
        return None
    return memo


@dataclass
class MemoSectionView:
    section: Any
    responses: list[Response]
    changed_item: dict | None


def memo_sections(memo: Memo) -> list[MemoSectionView]:
    """The memo's sections in order, each with its published responses and, when the next
    version is set and the section's part changed in it, that part as it now reads."""
    responses = list(published_responses(memo.hearing))
    by_key: dict[str, list[Response]] = defaultdict(list)
    for response in responses:
        by_key[response.anchor_key].append(response)
    views = []
    for section in memo.sections.all():
        changed = None
        if memo.next_version and section.anchor_key:
            old = memo.hearing.version.item(section.anchor_key)
            new = memo.next_version.item(section.anchor_key)
            if new is not None and (old is None or (old.get("title"), old.get("summary"))
                                    != (new.get("title"), new.get("summary"))):
                changed = new
        views.append(MemoSectionView(section, by_key.get(section.anchor_key, []), changed))
    return views
