
"""Hearings (høringer) of a frozen agreement version.

A `Hearing` is opened on an `agreements.AgreementVersion`, so what the parties comment on never
changes under them. Its parties (`HearingParty`) come from the register: a municipality, a body
(regional committee, patient involvement or practice planning committee) or an outside
organisation (`access.ExternalOrganisation`). A party row has one typed foreign key per kind of
organisation and a check constraint that exactly one is set: the database keeps the references
honest (a generic reference could point at a deleted row) and queries stay plain joins.

A `Response` keeps the text as received (`original_text`, staff only: the case file) and, once
screened and published, the redacted `published_text` (the only text shown publicly, in the API
or in the memo). `ScreeningHit` rows record where personal data was found, by character offsets
into the original, never the value itself.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sundhedsaftale.access.models import ExternalOrganisation
from sundhedsaftale.agreements.models import AgreementVersion
from sundhedsaftale.bodies.models import Body
from sundhedsaftale.geography.models import Municipality


def token_hash(token: str) -> str:
    """Tokens in personal links are stored only as their SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


class Hearing(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SCHEDULED = "scheduled", _("scheduled")
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")
        CONCLUDED = "concluded", _("concluded")

    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT,
                                related_name="hearings", verbose_name=_("agreement version"))
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    purpose = models.TextField(_("purpose"), blank=True)
    start = models.DateField(_("start"))
    deadline = models.DateField(_("deadline"))
    response_address = models.EmailField(_("response address"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    is_public = models.BooleanField(
        _("public hearing"), default=False,
        help_text=_("Anyone may answer. Otherwise only the named parties may answer."))
    letter_date = models.DateField(_("date of the hearing letter"), null=True, blank=True)
    letter_text = models.TextField(
        _("hearing letter"), blank=True,
        help_text=_("The letter to the parties. Paragraphs are separated by a blank line."))
    letter_signature = models.CharField(_("signed by"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    is_demo = models.BooleanField(_("demo"), default=False)

    class Meta:
        ordering = ["-start", "title"]
        verbose_name = _("hearing")
        verbose_name_plural = _("hearings")
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=models.F("start")),
                                   name="hearing_deadline_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_visible_publicly(self) -> bool:
        return self.status != self.Status.DRAFT

    @property
    def accepts_responses(self) -> bool:
        """Open hearings accept responses; closed ones too (marked late) until concluded."""
        return self.status in (self.Status.OPEN, self.Status.CLOSED)


class HearingParty(models.Model):
    """A named party of a hearing: exactly one of municipality, body, organisation."""

    class Status(models.TextChoices):
        PENDING = "pending", _("not yet invited")
        INVITED = "invited", _("invited")
        OPENED = "opened", _("opened")
        ANSWERED = "answered", _("answered")
        DECLINED = "declined", _("declined")
        NO_ANSWER = "no_answer", _("no answer")

    class Group(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipalities")
        REGIONAL = "regional", _("Region Hovedstaden's committees")
        COMMITTEE = "committee", _("Other committees")
        PATIENT = "patient", _("Patient organisations")
        OTHER = "other", _("Other organisations")
        PROFESSIONAL = "professional", _("Professional organisations")

    hearing = models.ForeignKey(Hearing, on_delete=models.CASCADE, related_name="parties",
                                verbose_name=_("hearing"))
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("municipality"))
    body = models.ForeignKey(Body, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("body"))
    organisation = models.ForeignKey(ExternalOrganisation, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("outside organisation"))
    email = models.EmailField(_("e-mail for the invitation"), blank=True)
    number = models.PositiveIntegerField(_("number"), default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.PENDING)
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)

    class Meta:
        ordering = ["hearing", "number", "id"]
        verbose_name = _("hearing party")
        verbose_name_plural = _("hearing parties")
        constraints = [
            models.CheckConstraint(
                condition=(Q(municipality__isnull=False, body__isnull=True,
                             organisation__isnull=True)
                           | Q(municipality__isnull=True, body__isnull=False,
                               organisation__isnull=True)
                           | Q(municipality__isnull=True, body__isnull=True,
                               organisation__isnull=False)),
                name="hearing_party_exactly_one_organisation"),
            models.UniqueConstraint(fields=["hearing", "municipality"],
                                    name="hearing_party_unique_municipality"),
            models.UniqueConstraint(fields=["hearing", "body"], name="hearing_party_unique_body"),
            models.UniqueConstraint(fields=["hearing", "organisation"],
                                    name="hearing_party_unique_organisation"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def target(self) -> models.Model:
        return self.municipality or self.body or self.organisation  # type: ignore[return-value]

    @property
    def name(self) -> str:
        target = self.target
        return getattr(target, "name", str(target))

    @property
    def group(self) -> str:
        """The letter's party group: municipality, regional (committees of the regional
        council), committee (patient involvement, practice planning), patient, other,
        professional."""
        if self.municipality_id:
            return "municipality"
        if self.body_id:
            kind = self.body.kind if self.body else ""
            return "committee" if kind in ("patient_involvement", "practice_planning") \
                else "regional"
        kind = self.organisation.kind if self.organisation else ""
        return {"patient": "patient", "professional": "professional"}.get(kind, "other")

    @property
    def group_label(self) -> str:
        return str(self.Group(self.group).label)

    @property
    def has_answered(self) -> bool:
        return self.status == self.Status.ANSWERED


class ReminderSent(models.Model):
    """One reminder to one party, N days before the deadline: never sent twice."""

    party = models.ForeignKey(HearingParty, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["party", "days_before"],
                                               name="reminder_once_per_party_and_days")]


class BlockedTerm(models.Model):
    """A word or phrase screening flags in every response (configurable by the secretariat)."""

    term = models.CharField(_("term"), max_length=200, unique=True)
    note = models.CharField(_("why"), max_length=300, blank=True)

    class Meta:
        ordering = ["term"]
        verbose_name = _("blocked term")
        verbose_name_plural = _("blocked terms")

    def __str__(self) -> str:
        return self.term


class Response(models.Model):
    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("awaiting e-mail confirmation")
        RECEIVED = "received", _("received, awaiting screening")
        PUBLISHED = "published", _("published")
        WITHHELD = "withheld", _("not published")

    class Channel(models.TextChoices):
        LINK = "link", _("personal link")
        LOGIN = "login", _("representative's log-in")
        EMAIL = "email", _("e-mail, registered by the secretariat")
        LETTER = "letter", _("letter, registered by the secretariat")
        PUBLIC = "public", _("public form")

    hearing = models.ForeignKey(Hearing, on_delete=models.PROTECT, related_name="responses",
                                verbose_name=_("hearing"))
    party = models.ForeignKey(HearingParty, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="responses", verbose_name=_("party"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    anchor_key = models.CharField(
        _("section"), max_length=60, blank=True,
        help_text=_("Key of the part of the version the response concerns; empty: general."))
    # Staff only (the case file): never rendered publicly, never in the API or search.
    original_text = models.TextField(_("text as received"))
    author_name = models.CharField(_("name"), max_length=200, blank=True)
    author_email = models.EmailField(_("e-mail"), blank=True)
    confirm_token_hash = models.CharField(max_length=64, blank=True, db_index=True,
                                          editable=False)
    # Public: set only by publication, from the original with every hit redacted.
    published_text = models.TextField(_("published text"), blank=True)
    memo_summary = models.TextField(
        _("summary for the memo"), blank=True,
        help_text=_("Empty: the memo quotes the published text."))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.RECEIVED)
    is_late = models.BooleanField(_("late"), default=False)
    received_on = models.DateField(_("received on"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("submitted or registered by"))
    screened_at = models.DateTimeField(_("screened at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("published by"))
    is_demo = models.BooleanField(_("demo (fictitious)"), default=False)

    class Meta:
        ordering = ["hearing", "received_on", "id"]
        verbose_name = _("hearing response")
        verbose_name_plural = _("hearing responses")

    def __str__(self) -> str:
        return f"{self.hearing} – {self.sender_label} #{self.pk}"

    @property
    def sender_label(self) -> str:
        """Who answered, as shown publicly: the party, or "Private person" (names of private
        persons are never published)."""
        if self.party_id:
            return self.party.name if self.party else ""
        return str(_("Private person"))

    def anchor_item(self) -> dict | None:
        return self.hearing.version.item(self.anchor_key) if self.anchor_key else None

    @property
    def anchor_title(self) -> str:
        item = self.anchor_item()
        return item["title"] if item else str(_("General"))


class Attachment(models.Model):
    """A file sent with a response (PDF or DOCX), kept in the database with the response so the
    case file is one transaction; staff only."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE,
                                 related_name="attachments", verbose_name=_("response"))
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content = models.BinaryField()

    class Meta:
        ordering = ["response", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class ScreeningHit(models.Model):
    """Something that looks like personal data in a response's original text.

    Only the position (start, end) into the original is stored, with a masked preview: never the
    value itself. A CPR hit can only be redacted; other hits are cleared or redacted.
    """

    class Kind(models.TextChoices):
        CPR = "cpr", _("CPR number")
        EMAIL = "email", _("e-mail address")
        PHONE = "phone", _("phone number")
        NAME = "name", _("name of a person")
        TERM = "term", _("blocked term")

    class Decision(models.TextChoices):
        PENDING = "pending", _("to be decided")
        CLEARED = "cleared", _("cleared (may be published)")
        REDACTED = "redacted", _("redacted")

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="hits",
                                 verbose_name=_("response"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    decision = models.CharField(pgettext_lazy("screening", "decision"), max_length=10, choices=Decision.choices,
                                default=Decision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["response", "start"]
        verbose_name = _("screening hit")
        verbose_name_plural = _("screening hits")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.start}"


class Memo(models.Model):
    """The hearing memo (høringsnotat): one per hearing, edited, then issued."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ISSUED = "issued", _("issued")

    hearing = models.OneToOneField(Hearing, on_delete=models.CASCADE, related_name="memo",
                                   verbose_name=_("hearing"))
    introduction = models.TextField(_("introduction"), blank=True)
    next_version = models.ForeignKey(
        AgreementVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("next version"),
        help_text=_("The version made after the hearing; changes are linked to it."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("hearing memo")
        verbose_name_plural = _("hearing memos")

    def __str__(self) -> str:
        return f"{_('Hearing memo')}: {self.hearing}"


class MemoSection(models.Model):
    """One section of the memo: general (anchor_key empty) or one part of the version."""

    memo = models.ForeignKey(Memo, on_delete=models.CASCADE, related_name="sections")
    anchor_key = models.CharField(_("section"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=300)
    number = models.PositiveIntegerField(_("order"), default=0)
    comment = models.TextField(_("the secretariat's comment"), blank=True)
    change = models.TextField(_("resulting change"), blank=True)

    class Meta:
        ordering = ["memo", "number"]
        constraints = [models.UniqueConstraint(fields=["memo", "anchor_key"],
                                               name="memo_section_unique_anchor")]

    def __str__(self) -> str:
        return self.title


class Subscription(models.Model):
    """A citizen who wants an e-mail when a hearing opens (double opt-in)."""

    email = models.EmailField(_("e-mail"), unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None
