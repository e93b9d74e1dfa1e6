"""Writes of the hearings app. Every function is a service (own transaction, audited); e-mail
is sent after commit. Audit events never carry response texts, names or addresses."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sundhedsaftale.access.models import ExternalOrganisation
from sundhedsaftale.access.rules import require
from sundhedsaftale.agreements.models import AgreementVersion
from sundhedsaftale.bodies.models import Body
from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.services import content_save, service
from sundhedsaftale.core.text import danish_slugify
from sundhedsaftale.geography.models import Municipality

from . import screening, signals
from .models import (
    Attachment,
    BlockedTerm,
    Hearing,
    HearingParty,
    Memo,
    MemoSection,
    ReminderSent,
    Response,
    ScreeningHit,
    Subscription,
    token_hash,
)

S = Hearing.Status
DRAFT, SCHEDULED, OPEN, CLOSED, CONCLUDED = "draft", "scheduled", "open", "closed", "concluded"
# (from, to) -> what the acting user must be allowed (every step is the secretariat's).
TRANSITIONS: dict[tuple[str, str], str] = {
    (DRAFT, SCHEDULED): "hearings.manage",
    (SCHEDULED, DRAFT): "hearings.manage",
    (DRAFT, OPEN): "hearings.manage",
    (SCHEDULED, OPEN): "hearings.manage",
    (OPEN, CLOSED): "hearings.manage",
    (CLOSED, CONCLUDED): "hearings.manage",
}
EDITABLE = (DRAFT, SCHEDULED)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = {
    "application/pdf": "PDF",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
}
SUBSCRIPTION_SALT = "sundhedsaftale.hearings.subscription"


def site_url() -> str:
    return getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def _require(by: Any | None, action: str, obj: Any) -> None:
    """Permission check for a user; `by=None` is the system (commands, the demo loader).
    Views always pass request.user (AnonymousUser when not logged in), never None."""
    if by is not None:
        require(by, action, obj)


def _send_after_commit(messages: list[EmailMessage]) -> None:
    if not messages:
        return

    def send() -> None:
        get_connection().send_messages(messages)

    transaction.on_commit(send)


def _mail(template: str, context: dict[str, Any], to: Sequence[str], subject: str
          ) -> EmailMessage:
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(f"hearings/email/{template}.txt", {**context,
                                                                  "site_url": site_url()})
    return EmailMessage(subject=subject, body=body, to=list(to))


# ------------------------------------------------------------------ the hearing and its parties

HEARING_FIELDS = ("title", "purpose", "start", "deadline", "response_address", "next_steps",
                  "is_public", "letter_date", "letter_text", "letter_signature")


@service
def hearing_create(*, by: Any | None, version: AgreementVersion, title: str,
                   start: datetime.date, deadline: datetime.date, slug: str = "",
                   is_demo: bool = False, **fields: Any) -> Hearing:
    _require(by, "hearings.manage", None)
    unknown = set(fields) - set(HEARING_FIELDS)
    if unknown:
        raise ValueError(f"unknown hearing fields: {sorted(unknown)}")
    if deadline < start:
        raise ValidationError({"deadline": _("The deadline is before the start.")})
    hearing = Hearing(version=version, title=title, start=start, deadline=deadline,
                      slug=slug or danish_slugify(title)[:120], is_demo=is_demo,
                      created_by=by if getattr(by, "is_authenticated", False) else None,
                      **fields)
    hearing.full_clean()
    hearing.save()
    audit_record(actor=by, action="hearings.hearing.create", obj=hearing,
                 changes={"version": str(version), "start": start, "deadline": deadline})
    return hearing


@service
def hearing_update(*, hearing: Hearing, by: Any | None, **fields: Any) -> Hearing:
    """Change the hearing's text and dates; only before it opens (next steps also later)."""
    _require(by, "hearings.manage", hearing)
    unknown = set(fields) - set(HEARING_FIELDS)
    if unknown:
        raise ValueError(f"unknown hearing fields: {sorted(unknown)}")
    if hearing.status not in EDITABLE and set(fields) - {"next_steps"}:
        raise ValidationError(_("A hearing that has opened cannot be changed."))
    changes = {}
    for name, value in fields.items():
        if getattr(hearing, name) != value:
            changes[name] = {"before": getattr(hearing, name) if name != "letter_text" else "…",
                             "after": value if name != "letter_text" else "…"}
            setattr(hearing, name, value)
    if changes:
        hearing.full_clean()
        hearing.save()
        audit_record(actor=by, action="hearings.hearing.update", obj=hearing, changes=changes)
    return hearing


@service
def hearing_parties_set(*, hearing: Hearing, by: Any | None,
                        municipalities: Iterable[Municipality] = (),
                        bodies: Iterable[Body] = (),
                        organisations: Iterable[ExternalOrganisation] = (),
                        emails: dict[tuple[str, int], str] | None = None) -> list[HearingParty]:
    """Make the hearing's party list exactly these organisations (before it opens), in the
    order municipalities, bodies, organisations. `emails` maps ("municipality"|"body"|
    "organisation", pk) to the invitation address; an outside organisation defaults to its own
    e-mail."""
    _require(by, "hearings.manage", hearing)
    if hearing.status not in EDITABLE:
        raise ValidationError(_("The parties cannot be changed after the hearing has opened."))
    emails = emails or {}
    wanted: list[tuple[str, models.Model]] = (
        [("municipality", m) for m in municipalities] + [("body", b) for b in bodies]
        + [("organisation", o) for o in organisations])
    existing = {(kind, getattr(p, f"{kind}_id")): p for p in hearing.parties.all()
                for kind in ("municipality", "body", "organisation")
                if getattr(p, f"{kind}_id")}
    keep: set[int] = set()
    new: list[HearingParty] = []
    changed: list[HearingParty] = []
    for number, (kind, target) in enumerate(wanted, start=1):
        party = existing.get((kind, target.pk))
        email = emails.get((kind, target.pk), "") or (
            getattr(target, "email", "") if party is None else party.email)
        if party is None:
            new.append(HearingParty(hearing=hearing, number=number, email=email,
                                    **{kind: target}))
            continue
        if party.number != number or party.email != email:
            party.number, party.email = number, email
            changed.append(party)
        keep.add(party.pk)
    # The database constraints (exactly one organisation, each once) guard the rows.
    created = HearingParty.objects.bulk_create(new)
    keep.update(p.pk for p in created)
    HearingParty.objects.bulk_update(changed, ["number", "email"])
    added = len(created)
    result = list(hearing.parties.filter(pk__in=keep))
    removed = hearing.parties.exclude(pk__in=keep)
    removed_count = removed.count()
    removed.delete()
    if added or removed_count:
        audit_record(actor=by, action="hearings.parties.set", obj=hearing,
                     changes={"parties": len(result), "added": added, "removed": removed_count})
    return result


def _invitation(party: HearingParty, token: str, to: list[str]) -> EmailMessage:
    hearing = party.hearing
    return _mail("invitation", {"hearing": hearing, "party": party,
                                "link": f"{site_url()}/hoeringer/{hearing.slug}/svar/{token}/"},
                 to, _("Hearing: %(title)s") % {"title": hearing.title})


def _representative_emails() -> dict[tuple[int, int], list[str]]:
    """(content type id, organisation id) -> e-mail addresses of the users who hold the
    party_representative role for that organisation today."""
    from sundhedsaftale.access.models import Role, RoleAssignment

    found: dict[tuple[int, int], list[str]] = {}
    assignments = RoleAssignment.objects.valid_on(timezone.localdate()).filter(  # type: ignore[attr-defined]
        role=Role.PARTY_REPRESENTATIVE).select_related("user")
    for assignment in assignments:
        if assignment.user.email:
            found.setdefault((assignment.organisation_type_id, assignment.organisation_id),
                             []).append(assignment.user.email)
    return found


def _party_addresses(party: HearingParty,
                     representatives: dict[tuple[int, int], list[str]] | None = None
                     ) -> list[str]:
    """The party's invitation address and its representatives' e-mail addresses."""
    from django.contrib.contenttypes.models import ContentType

    if representatives is None:
        representatives = _representative_emails()
    target = party.target
    ct = ContentType.objects.get_for_model(type(target))
    addresses = [party.email] if party.email else []
    for email in representatives.get((ct.pk, target.pk), []):
        if email not in addresses:
            addresses.append(email)
    return addresses


def hearing_transition(*, hearing: Hearing, to: str, by: Any | None,
                       notify: bool = True) -> Hearing:
    """Move a hearing along its lifecycle (see TRANSITIONS); refused moves raise
    ValidationError with a Danish message."""
    original = hearing
    hearing = Hearing.objects.select_for_update().get(pk=hearing.pk)
    before = hearing.status
    action = TRANSITIONS.get((before, to))
    if action is None:
        raise ValidationError(
            _("A hearing cannot go from “%(from)s” to “%(to)s”.")
            % {"from": S(before).label, "to": S(to).label if to in S.values else to})
    _require(by, action, hearing)
    now = timezone.now()
    if to == S.OPEN:
        if not hearing.parties.exists() and not hearing.is_public:
            raise ValidationError(_("A hearing limited to named parties needs parties."))
        hearing.opened_at = now
    elif to == S.CLOSED:
        hearing.closed_at = now
    elif to == S.CONCLUDED:
        memo = Memo.objects.filter(hearing=hearing).first()
        if memo is None or memo.status != Memo.Status.ISSUED:
            raise ValidationError(_("Issue the hearing memo before concluding the hearing."))
        hearing.concluded_at = now
    hearing.status = to
    hearing.save()
    audit_record(actor=by, action=f"hearings.hearing.{to}", obj=hearing,
                 changes={"status": {"before": before, "after": to}})
    if to == S.OPEN:
        _invite_all(hearing, by, send=notify)
        if notify:
            _notify_subscribers(hearing)
        signals.hearing_opened.send(sender=Hearing, hearing=hearing, by=by)
    elif to == S.CLOSED:
        hearing.parties.filter(status__in=[HearingParty.Status.INVITED,
                                           HearingParty.Status.OPENED,
                                           HearingParty.Status.PENDING]).update(
            status=HearingParty.Status.NO_ANSWER)
        signals.hearing_closed.send(sender=Hearing, hearing=hearing, by=by)
    elif to == S.CONCLUDED:
        signals.hearing_concluded.send(sender=Hearing, hearing=hearing, by=by)
    for name in ("status", "opened_at", "closed_at", "concluded_at"):
        setattr(original, name, getattr(hearing, name))  # the caller's instance is current
    return original


def _invite_all(hearing: Hearing, by: Any | None, *, send: bool = True) -> None:
    """Give each party a personal link and invite it (by e-mail after commit when `send`;
    otherwise the invitation went by letter, as in the demo's 2014 hearing)."""
    messages: list[EmailMessage] = []
    now = timezone.now()
    representatives = _representative_emails()
    parties = list(hearing.parties.select_related("hearing", "municipality", "body",
                                                  "organisation"))
    for party in parties:
        token = secrets.token_urlsafe(24)
        party.token_hash = token_hash(token)
        to = _party_addresses(party, representatives)
        if to or not send:
            party.status = HearingParty.Status.INVITED
            party.invited_at = now
            if send:
                messages.append(_invitation(party, token, to))
    HearingParty.objects.bulk_update(parties, ["token_hash", "status", "invited_at"])
    invited = sum(1 for p in parties if p.status == HearingParty.Status.INVITED)
    audit_record(actor=by, action="hearings.parties.invite", obj=hearing,
                 changes={"invited": invited, "by_email": send,
                          "without_address": len(parties) - invited})
    if send:
        _send_after_commit(messages)


@service
def hearing_schedule(*, hearing: Hearing, by: Any | None) -> Hearing:
    return hearing_transition(hearing=hearing, to=SCHEDULED, by=by)


@service
def hearing_open(*, hearing: Hearing, by: Any | None, notify: bool = True) -> Hearing:
    """Open the hearing: each party gets an invitation with its personal link (after commit),
    and confirmed subscribers are told. notify=False: the invitations went by letter."""
    return hearing_transition(hearing=hearing, to=OPEN, by=by, notify=notify)


@service
def hearing_close(*, hearing: Hearing, by: Any | None) -> Hearing:
    return hearing_transition(hearing=hearing, to=CLOSED, by=by)


@service
def hearing_conclude(*, hearing: Hearing, by: Any | None) -> Hearing:
    return hearing_transition(hearing=hearing, to=CONCLUDED, by=by)


@service
def hearings_open_due(*, today: datetime.date | None = None) -> list[Hearing]:
    """Open every scheduled hearing whose start date has come (for a daily job)."""
    today = today or timezone.localdate()
    return [hearing_transition(hearing=h, to=OPEN, by=None)
            for h in Hearing.objects.filter(status=S.SCHEDULED, start__lte=today)]


def party_by_token(*, hearing: Hearing, token: str) -> HearingParty | None:
    if not token:
        return None
    return (hearing.parties.select_related("municipality", "body", "organisation")
            .filter(token_hash=token_hash(token)).first())


@service
def party_link_open(*, party: HearingParty) -> HearingParty:
    """The party opened its personal link: invited -> opened (once)."""
    if party.status == HearingParty.Status.INVITED:
        party.status = HearingParty.Status.OPENED
        party.opened_at = timezone.now()
        party.save(update_fields=["status", "opened_at"])
        audit_record(actor=None, action="hearings.party.open", obj=party)
    return party


@service
def party_decline(*, party: HearingParty, by: Any | None) -> HearingParty:
    """The party says it will not answer."""
    if party.status == HearingParty.Status.ANSWERED:
        raise ValidationError(_("The party has answered already."))
    if not party.hearing.accepts_responses:
        raise ValidationError(_("The hearing does not accept responses."))
    party.status = HearingParty.Status.DECLINED
    party.declined_at = timezone.now()
    party.save(update_fields=["status", "declined_at"])
    audit_record(actor=by, action="hearings.party.decline", obj=party)
    return party


# ------------------------------------------------------------------ reminders


@service
def reminders_send(*, days: int, today: datetime.date | None = None) -> int:
    """Remind parties of open hearings whose deadline is at most `days` days away and who have
    neither answered nor declined. Each (party, days) reminder is sent once; returns how many."""
    today = today or timezone.localdate()
    messages: list[EmailMessage] = []
    representatives = _representative_emails()
    for hearing in Hearing.objects.filter(status=S.OPEN, deadline__gte=today,
                                          deadline__lte=today + datetime.timedelta(days=days)):
        parties = (hearing.parties.filter(status__in=[HearingParty.Status.INVITED,
                                                      HearingParty.Status.OPENED])
                   .exclude(reminders__days_before=days)
                   .select_related("municipality", "body", "organisation"))
        for party in parties:
            to = _party_addresses(party, representatives)
            if not to:
                continue
            ReminderSent.objects.create(party=party, days_before=days)
            messages.append(_mail("reminder", {"hearing": hearing, "party": party,
                                               "days": (hearing.deadline - today).days}, to,
                                  _("Reminder: hearing %(title)s") % {"title": hearing.title}))
            audit_record(actor=None, action="hearings.party.remind", obj=party,
                         changes={"days_before": days})
    _send_after_commit(messages)
    return len(messages)


# ------------------------------------------------------------------ responses


@dataclass
class Upload:
    filename: str
    content: bytes


def _check_upload(upload: Upload) -> str:
    """The content type of an allowed attachment, else ValidationError naming the file."""
    if len(upload.content) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("%(file)s: the file is larger than %(mb)d MB.")
            % {"file": upload.filename, "mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)})
    kind = filetype.guess(upload.content)
    if kind is None or kind.mime not in ATTACHMENT_TYPES:
        raise ValidationError(_("%(file)s: only PDF and DOCX files can be attached.")
                              % {"file": upload.filename})
    return kind.mime


def _check_anchor(hearing: Hearing, anchor_key: str) -> None:
    if anchor_key and hearing.version.item(anchor_key) is None:
        raise ValidationError({"anchor_key": _("The chosen section is not part of the version.")})


@service
def response_submit(*, hearing: Hearing, channel: str, text: str, by: Any | None = None,
                    party: HearingParty | None = None, token: str = "", anchor_key: str = "",
                    author_name: str = "", author_email: str = "",
                    received_on: datetime.date | None = None,
                    attachments: Sequence[Upload] = (), is_demo: bool = False) -> Response:
    """Receive a response.

    - channel "link": `token` is the party's personal link (it decides the party);
    - channel "login": `by` must be a representative of `party`;
    - channels "email"/"letter": the secretariat registers a response it received;
    - channel "public": a public hearing, anyone, with name and e-mail (confirmed by a link).
    Responses after the deadline are accepted and marked late.
    """
    text = (text or "").strip()
    if not text and not attachments:
        raise ValidationError({"text": _("Write a response or attach a file.")})
    if not hearing.accepts_responses:
        raise ValidationError(_("The hearing does not accept responses."))
    _check_anchor(hearing, anchor_key)
    C = Response.Channel
    status = Response.Status.RECEIVED
    confirm_token = ""
    if channel == C.LINK:
        party = party_by_token(hearing=hearing, token=token)
        if party is None:
            raise PermissionDenied("hearings.respond_by_link")
    elif channel == C.LOGIN:
        if party is None or party.hearing_id != hearing.pk:
            raise ValidationError({"party": _("Choose the party you answer for.")})
        require(by, "hearings.respond_for_party", party)  # never skipped
    elif channel in (C.EMAIL, C.LETTER):
        _require(by, "hearings.manage", hearing)
        if party is not None and party.hearing_id != hearing.pk:
            raise ValidationError({"party": _("The party is not a party of this hearing.")})
    elif channel == C.PUBLIC:
        require(by, "hearings.respond_public", hearing)
        if not author_name.strip() or not author_email.strip():
            raise ValidationError(_("Name and e-mail are required."))
        party = None
        status = Response.Status.UNCONFIRMED
        confirm_token = secrets.token_urlsafe(24)
    else:
        raise ValueError(f"unknown channel {channel!r}")
    received_on = received_on or timezone.localdate()
    checked = [(upload, _check_upload(upload)) for upload in attachments]
    response = Response(
        hearing=hearing, party=party, channel=channel, anchor_key=anchor_key,
        original_text=text, author_name=author_name.strip(), author_email=author_email.strip(),
        confirm_token_hash=token_hash(confirm_token) if confirm_token else "",
        status=status, received_on=received_on, is_late=received_on > hearing.deadline,
        submitted_by=by if getattr(by, "is_authenticated", False) else None, is_demo=is_demo)
    response.full_clean()
    response.save()
    for upload, mime in checked:
        Attachment.objects.create(response=response, filename=upload.filename[:200],
                                  content_type=mime, size=len(upload.content),
                                  content=upload.content)
    _screen(response)
    if party is not None:
        party.status = HearingParty.Status.ANSWERED
        party.answered_at = timezone.now()
        party.save(update_fields=["status", "answered_at"])
    audit_record(actor=by, action="hearings.response.submit", obj=response,
                 changes={"channel": channel, "party": str(party) if party else None,
                          "section": anchor_key or "general", "late": response.is_late,
                          "attachments": len(checked)})
    if confirm_token:
        _send_after_commit([_mail(
            "confirm_response",
            {"hearing": hearing,
             "link": f"{site_url()}/hoeringer/{hearing.slug}/bekraeft/{confirm_token}/"},
            [response.author_email], _("Confirm your hearing response"))])
    return response


@service
def response_confirm(*, hearing: Hearing, token: str) -> Response | None:
    """A public responder confirmed their e-mail: the response goes to screening."""
    response = hearing.responses.filter(confirm_token_hash=token_hash(token),
                                        status=Response.Status.UNCONFIRMED).first() if token \
        else None
    if response is None:
        return None
    response.status = Response.Status.RECEIVED
    response.confirm_token_hash = ""
    response.save(update_fields=["status", "confirm_token_hash"])
    audit_record(actor=None, action="hearings.response.confirm", obj=response)
    return response


def _screen(response: Response) -> list[ScreeningHit]:
    response.hits.all().delete()
    terms = BlockedTerm.objects.values_list("term", flat=True)
    hits = [ScreeningHit(response=response, kind=f.kind, start=f.start, end=f.end)
            for f in screening.screen_text(response.original_text, terms)]
    ScreeningHit.objects.bulk_create(hits)
    response.screened_at = timezone.now()
    response.save(update_fields=["screened_at"])
    return list(response.hits.all())


@service
def response_screen(*, response: Response, by: Any | None) -> list[ScreeningHit]:
    """Screen (again, e.g. after the blocked terms changed) an unpublished response."""
    _require(by, "hearings.manage", response.hearing)
    if response.status == Response.Status.PUBLISHED:
        raise ValidationError(_("A published response is not screened again."))
    hits = _screen(response)
    audit_record(actor=by, action="hearings.response.screen", obj=response,
                 changes={kind: sum(1 for h in hits if h.kind == kind)
                          for kind in {h.kind for h in hits}})
    return hits


@service
def hit_decide(*, hit: ScreeningHit, decision: str, by: Any | None) -> ScreeningHit:
    """Clear (may be published as written) or redact one hit. A CPR-shaped number can only be
    redacted: it is never published, even if it is something else."""
    _require(by, "hearings.manage", hit.response.hearing)
    if decision not in (ScreeningHit.Decision.CLEARED, ScreeningHit.Decision.REDACTED):
        raise ValidationError(_("Choose clear or redact."))
    if hit.response.status == Response.Status.PUBLISHED:
        raise ValidationError(_("The response is published already."))
    if hit.kind == ScreeningHit.Kind.CPR and decision == ScreeningHit.Decision.CLEARED:
        raise ValidationError(_("A CPR number can only be redacted."))
    before = hit.decision
    hit.decision = decision
    hit.decided_by = by if getattr(by, "is_authenticated", False) else None
    hit.decided_at = timezone.now()
    hit.save()
    audit_record(actor=by, action="hearings.hit.decide", obj=hit.response,
                 changes={"hit": hit.pk, "kind": hit.kind,
                          "decision": {"before": before, "after": decision}})
    return hit


def published_text_for(response: Response) -> str:
    spans = [(h.kind, h.start, h.end) for h in response.hits.all()
             if h.decision == ScreeningHit.Decision.REDACTED]
    return screening.redact(response.original_text, spans)


@service
def response_publish(*, response: Response, by: Any | None) -> Response:
    """Publish the response with every redacted hit removed. Refused while a hit is undecided
    or the text would still contain a CPR-shaped number."""
    _require(by, "hearings.manage", response.hearing)
    if response.status not in (Response.Status.RECEIVED, Response.Status.WITHHELD):
        raise ValidationError(_("Only a received response can be published."))
    pending = response.hits.filter(decision=ScreeningHit.Decision.PENDING).count()
    if pending:
        raise ValidationError(
            _("%(count)d screening hit(s) must be cleared or redacted before publication.")
            % {"count": pending})
    text = published_text_for(response)
    if screening.contains_cpr(text):
        raise ValidationError(_("The text still contains a CPR number."))
    response.published_text = text
    response.status = Response.Status.PUBLISHED
    response.published_at = timezone.now()
    response.published_by = by if getattr(by, "is_authenticated", False) else None
    response.save()
    audit_record(actor=by, action="hearings.response.publish", obj=response,
                 changes={"redacted": response.hits.filter(
                     decision=ScreeningHit.Decision.REDACTED).count()})
    return response


@service
def response_withhold(*, response: Response, by: Any | None) -> Response:
    """Take a response off the public page (or decide not to publish it)."""
    _require(by, "hearings.manage", response.hearing)
    response.status = Response.Status.WITHHELD
    response.published_text = ""
    response.save(update_fields=["status", "published_text"])
    audit_record(actor=by, action="hearings.response.withhold", obj=response)
    return response


def _refuse_cpr(**texts: str) -> None:
    for name, text in texts.items():
        if text and screening.contains_cpr(text):
            raise ValidationError({name: _("The text contains a CPR number.")})


@service
def response_memo_summary_set(*, response: Response, summary: str, by: Any | None) -> Response:
    _require(by, "hearings.manage", response.hearing)
    _refuse_cpr(memo_summary=summary)
    if response.memo_summary != summary:
        response.memo_summary = summary
        response.save(update_fields=["memo_summary"])
        audit_record(actor=by, action="hearings.response.memo_summary", obj=response)
    return response


# ------------------------------------------------------------------ the memo

MEMO_KINDS = ("vision", "principle", "focus_area", "goal", "initiative", "annex")


@service
def memo_generate(*, hearing: Hearing, by: Any | None) -> Memo:
    """Create the memo (or add sections to it): "General" first, then one section per part of
    the version that has a published response, in the version's reading order. Edited texts
    are kept."""
    _require(by, "hearings.manage", hearing)
    memo, created = Memo.objects.get_or_create(hearing=hearing)
    if memo.status == Memo.Status.ISSUED:
        raise ValidationError(_("The memo is issued and can no longer be changed."))
    published = set(hearing.responses.filter(status=Response.Status.PUBLISHED)
                    .values_list("anchor_key", flat=True))
    existing = set(memo.sections.values_list("anchor_key", flat=True))
    wanted: list[tuple[str, str]] = [("", str(_("General responses")))]
    for item in hearing.version.items():
        if item["kind"] in MEMO_KINDS and item["key"] in published:
            wanted.append((item["key"], item["title"]))
    added = 0
    for number, (key, title) in enumerate(wanted):
        if key in existing:
            memo.sections.filter(anchor_key=key).update(number=number)
            continue
        MemoSection.objects.create(memo=memo, anchor_key=key, title=title[:300], number=number)
        added += 1
    audit_record(actor=by, action="hearings.memo.generate", obj=memo,
                 changes={"created": created, "sections_added": added})
    return memo


@service
def memo_update(*, memo: Memo, by: Any | None, introduction: str | None = None,
                next_version: AgreementVersion | None = None) -> Memo:
    _require(by, "hearings.manage", memo.hearing)
    if memo.status == Memo.Status.ISSUED:
        raise ValidationError(_("The memo is issued and can no longer be changed."))
    if introduction is not None:
        _refuse_cpr(introduction=introduction)
        memo.introduction = introduction
    if next_version is not None:
        memo.next_version = next_version
    memo.save()
    audit_record(actor=by, action="hearings.memo.update", obj=memo)
    return memo


@service
def memo_section_update(*, section: MemoSection, by: Any | None, comment: str,
                        change: str) -> MemoSection:
    _require(by, "hearings.manage", section.memo.hearing)
    if section.memo.status == Memo.Status.ISSUED:
        raise ValidationError(_("The memo is issued and can no longer be changed."))
    _refuse_cpr(comment=comment, change=change)
    section.comment, section.change = comment, change
    section.save()
    audit_record(actor=by, action="hearings.memo.section_update", obj=section.memo,
                 changes={"section": section.anchor_key or "general"})
    return section


@service
def memo_issue(*, memo: Memo, by: Any | None, at: datetime.datetime | None = None) -> Memo:
    """Issue the memo (HTML and PDF) once the hearing is closed and every response is either
    published or withheld. `at`: when it was issued, if not now (an older hearing entered
    afterwards, like the demo's)."""
    hearing = Hearing.objects.get(pk=memo.hearing_id)
    _require(by, "hearings.manage", hearing)
    if hearing.status != S.CLOSED:
        raise ValidationError(_("The memo is issued after the hearing has closed."))
    if memo.status == Memo.Status.ISSUED:
        raise ValidationError(_("The memo is issued already."))
    waiting = hearing.responses.filter(status=Response.Status.RECEIVED).count()
    if waiting:
        raise ValidationError(_("%(count)d response(s) still await screening.")
                              % {"count": waiting})
    memo.status = Memo.Status.ISSUED
    memo.issued_at = at or timezone.now()
    memo.issued_by = by if getattr(by, "is_authenticated", False) else None
    memo.save()
    audit_record(actor=by, action="hearings.memo.issue", obj=memo)
    return memo


# ------------------------------------------------------------------ citizens' subscriptions


def subscription_token(subscription: Subscription, purpose: str) -> str:
    return signing.dumps({"id": subscription.pk, "p": purpose}, salt=SUBSCRIPTION_SALT)


def _subscription_from(token: str, purpose: str) -> Subscription | None:
    try:
        data = signing.loads(token, salt=SUBSCRIPTION_SALT)
    except signing.BadSignature:
        return None
    if data.get("p") != purpose:
        return None
    return Subscription.objects.filter(pk=data.get("id")).first()


@service
def subscription_request(*, email: str) -> Subscription:
    """Ask to be told when a hearing opens; an e-mail with a confirmation link is sent."""
    subscription, _created = Subscription.objects.get_or_create(email=email.strip().lower())
    if subscription.unsubscribed_at is not None:
        subscription.unsubscribed_at = None
        subscription.confirmed_at = None
        subscription.save()
    if subscription.confirmed_at is None:
        token = subscription_token(subscription, "confirm")
        _send_after_commit([_mail(
            "subscription_confirm",
            {"link": f"{site_url()}/hoeringer/abonnement/bekraeft/{token}/"},
            [subscription.email], _("Confirm your subscription to hearings"))])
    audit_record(actor=None, action="hearings.subscription.request", obj=subscription)
    return subscription


@service
def subscription_confirm(*, token: str) -> Subscription | None:
    subscription = _subscription_from(token, "confirm")
    if subscription is None or subscription.unsubscribed_at is not None:
        return None
    if subscription.confirmed_at is None:
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at"])
        audit_record(actor=None, action="hearings.subscription.confirm", obj=subscription)
    return subscription


@service
def subscription_cancel(*, token: str) -> Subscription | None:
    subscription = _subscription_from(token, "unsubscribe")
    if subscription is None:
        return None
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = timezone.now()
        subscription.save(update_fields=["unsubscribed_at"])
        audit_record(actor=None, action="hearings.subscription.cancel", obj=subscription)
    return subscription


def _notify_subscribers(hearing: Hearing) -> None:
    messages = []
    for subscription in Subscription.objects.filter(confirmed_at__isnull=False,
                                                    unsubscribed_at__isnull=True):
        token = subscription_token(subscription, "unsubscribe")
        messages.append(_mail(
            "subscription_notice",
            {"hearing": hearing,
             "unsubscribe": f"{site_url()}/hoeringer/abonnement/afmeld/{token}/"},
            [subscription.email], _("New hearing: %(title)s") % {"title": hearing.title}))
    _send_after_commit(messages)


# ------------------------------------------------------------------ register and settings


@service
def blocked_term_add(*, term: str, by: Any | None, note: str = "") -> BlockedTerm:
    _require(by, "hearings.manage", None)
    blocked, _created = BlockedTerm.objects.get_or_create(term=term.strip(),
                                                          defaults={"note": note})
    audit_record(actor=by, action="hearings.blocked_term.add", obj=blocked)
    return blocked


@service
def blocked_term_remove(*, blocked: BlockedTerm, by: Any | None) -> None:
    _require(by, "hearings.manage", None)
    audit_record(actor=by, action="hearings.blocked_term.remove", obj=blocked)
    blocked.delete()


@service
def outside_organisation_ensure(*, name: str, kind: str, by: Any | None, email: str = "",
                                is_demo: bool = False) -> ExternalOrganisation:
    """An outside organisation by name (created once; its e-mail filled when empty)."""
    organisation = ExternalOrganisation.objects.filter(name=name).first()
    if organisation is None:
        organisation = content_save(instance=ExternalOrganisation(
            name=name, kind=kind, email=email, is_demo=is_demo), by=by)
        audit_record(actor=by, action="access.external_organisation.create", obj=organisation)
    return organisation


@service
def outside_organisations_ensure(*, organisations: Sequence[tuple[str, str]], by: Any | None,
                                 is_demo: bool = False) -> list[ExternalOrganisation]:
    """Many outside organisations by (name, kind) at once (one query, one insert), in order."""
    names = [name for name, _kind in organisations]
    found = {o.name: o for o in ExternalOrganisation.objects.filter(name__in=names)}
    missing = []
    for name, kind in organisations:
        if name not in found:
            organisation = ExternalOrganisation(name=name, kind=kind, is_demo=is_demo)
            organisation.fill_defaults()
            missing.append(organisation)
    for organisation in ExternalOrganisation.objects.bulk_create(missing):
        found[organisation.name] = organisation
    if missing:
        audit_record(actor=by, action="access.external_organisation.create", obj=None,
                     changes={"created": [o.name for o in missing]})
    return [found[name] for name in names]


@service
def party_body_ensure(*, slug: str, name: str, by: Any | None, **fields: Any) -> Body:
    """A body that is a hearing party (e.g. a regional council committee), created once."""
    body = Body.objects.filter(slug=slug).first()
    if body is None:
        body = content_save(instance=Body(slug=slug, name=name, **fields), by=by,
                            reason="hearing party")
        audit_record(actor=by, action="bodies.body.create", obj=body)
    return body
