"""Meetings, agenda items in the Danish case template, decisions, minutes and cases (sager).

A `Meeting` belongs to a `bodies.Body` (the master data; read only here). Its agenda is a list of
`AgendaItem`s written in the case template used by Danish committees: background ("Baggrund for
sagens fremlæggelse"), recommendation ("Indstilling"), case description ("Sagsfremstilling"),
decision ("Beslutning"), timeline and next steps ("Tidsplan og videre proces"), journal number
and annexes ("Bilagsfortegnelse"). A closed item ("lukket punkt") never shows its content to
the public: pages, PDFs, the calendar feed and the API all read through `selectors`, which
blank it.

A `Case` (sag) groups the items about one matter across meetings and bodies under its journal
number and links generically (contenttypes) to what it is about: an agreement version, a
hearing, an approval, an initiative, a status report. A `Decision` closes its item, is numbered
per body and year, and may point (generically) to the process record it is part of, e.g. the
versions app's approval of a version, so the approval board and the minutes show one record.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.bodies.models import Body, Membership


def annex_root() -> str:
    return str(getattr(settings, "MEETINGS_ANNEX_ROOT", None)
               or Path(settings.VAR_DIR) / "meetings" / "annexes")


class AnnexStorage(FileSystemStorage):
    """Annex files live under var/ (not under a public media URL): they are served by the
    meetings app's own view, which checks that the item is open and its agenda published. The
    folder is read from the settings at each use (MEETINGS_ANNEX_ROOT), so tests can move it."""

    @property  # type: ignore[override]
    def base_location(self) -> str:
        return annex_root()

    @property  # type: ignore[override]
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def annex_storage() -> FileSystemStorage:
    return AnnexStorage()


class Case(models.Model):
    """A matter (sag) followed across meetings and bodies under one journal number."""

    journal_number = models.CharField(_("journal number"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    is_demo = models.BooleanField(_("demo content"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["journal_number"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.journal_number} {self.title}"


class CaseLink(models.Model):
    """A case is about an object of another app (generic: the other apps' models may change)."""

    class Kind(models.TextChoices):
        VERSION = "version", _("agreement version")
        HEARING = "hearing", _("hearing")
        APPROVAL = "approval", _("approval")
        INITIATIVE = "initiative", _("initiative")
        STATUS_REPORT = "status_report", _("status report")
        AGREEMENT = "agreement", _("agreement")
        GOAL = "goal", _("goal")
        OTHER = "other", _("other")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links",
                             verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT,
                                    verbose_name=_("kind of object"))
    target_id = models.PositiveBigIntegerField(_("object"))
    target = GenericForeignKey("target_type", "target_id")
    label = models.CharField(_("label"), max_length=300, blank=True,
                             help_text=_("Shown if the object is gone."))

    class Meta:
        ordering = ["case", "kind", "id"]
        verbose_name = _("case link")
        verbose_name_plural = _("case links")
        constraints = [models.UniqueConstraint(fields=["case", "target_type", "target_id"],
                                               name="case_link_once_per_object")]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.case.journal_number} → {self.label or self.target}"


class Meeting(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        AGENDA_PUBLISHED = "agenda_published", _("agenda published")
        HELD = "held", _("held")
        MINUTES_APPROVED = "minutes_approved", _("minutes approved")
        CANCELLED = "cancelled", _("cancelled")

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings",
                             verbose_name=_("body"))
    body_name_then = models.CharField(
        _("name of the body then"), max_length=200, blank=True,
        help_text=_("If the body had another name at the time, e.g. Sundhedskoordinationsudvalget."))
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online meeting link"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.PLANNED)
    note = models.TextField(_("note"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("fictitious (demo)"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.body_label} {self.starts_at:%d.%m.%Y}"

    @property
    def body_label(self) -> str:
        return self.body_name_then or self.body.name

    @property
    def agenda_is_public(self) -> bool:
        return self.status in (self.Status.AGENDA_PUBLISHED, self.Status.HELD,
                               self.Status.MINUTES_APPROVED)


class Attendance(models.Model):
    """A member's participation in a meeting: present or sent apologies (afbud)."""

    class Kind(models.TextChoices):
        PRESENT = "present", _("present")
        APOLOGY = "apology", _("apology")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances",
                                verbose_name=_("meeting"))
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("member"))
    kind = models.CharField(_("attendance"), max_length=10, choices=Kind.choices,
                            default=Kind.PRESENT)

    class Meta:
        ordering = ["meeting", "kind", "membership__person_name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [models.UniqueConstraint(fields=["meeting", "membership"],
                                               name="attendance_once_per_member")]

    def __str__(self) -> str:
        return f"{self.membership.person_name}: {self.get_kind_display()}"


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        CASE = "case", _("case")
        AGENDA_APPROVAL = "agenda_approval", _("approval of the agenda")
        ANY_OTHER_BUSINESS = "aob", _("any other business")

    class State(models.TextChoices):
        OPEN = "open", _("awaiting decision")
        DECIDED = "decided", _("decided")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items",
                                verbose_name=_("meeting"))
    number = models.PositiveIntegerField(_("number"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CASE)
    title = models.CharField(_("title"), max_length=300)
    is_closed = models.BooleanField(
        _("closed item"), default=False,
        help_text=_("A closed item (lukket punkt): its content is never public."))
    background = models.TextField(_("background"), blank=True)
    recommendation = models.TextField(_("recommendation"), blank=True)
    case_description = models.TextField(_("case description"), blank=True)
    timeline = models.TextField(_("timeline and next steps"), blank=True)
    earlier_handling = models.TextField(
        _("earlier handling"), blank=True,
        help_text=_("Free text; earlier items of the same case are listed automatically."))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="items", verbose_name=_("case"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.OPEN)

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def journal_number(self) -> str:
        return self.case.journal_number if self.case_id else ""  # type: ignore[union-attr]


class Annex(models.Model):
    """An annex (bilag) of an item: an uploaded file or a link."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="annexes",
                             verbose_name=_("agenda item"))
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to="%Y", storage=annex_storage, blank=True)
    url = models.URLField(_("link"), max_length=500, blank=True)
    mime_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)

    class Meta:
        ordering = ["item", "number"]
        verbose_name = _("annex")
        verbose_name_plural = _("annexes")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class Decision(models.Model):
    """The decision on an item. Numbered per body and year ("2014-7"); recording it closes
    the item. `process` points to the process record the decision is part of (a version's
    adoption, a council approval) so both show the same record."""

    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="decision",
                                verbose_name=_("agenda item"))
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("body"))
    year = models.PositiveIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    text = models.TextField(_("decision"))
    not_participating = models.TextField(_("did not take part"), blank=True)
    dissent = models.TextField(_("dissent"), blank=True)
    decided_on = models.DateField(_("decided on"))
    process_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("kind of process record"))
    process_id = models.PositiveBigIntegerField(_("process record"), null=True, blank=True)
    process = GenericForeignKey("process_type", "process_id")

    class Meta:
        ordering = ["body", "year", "number"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [models.UniqueConstraint(fields=["body", "year", "number"],
                                               name="decision_number_per_body_and_year")]
        indexes = [models.Index(fields=["process_type", "process_id"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.item.title}"

    @property
    def reference(self) -> str:
        return f"{self.year}-{self.number}"


class Minutes(models.Model):
    """The minutes (referat) of a meeting: draft → approved → published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        APPROVED = "approved", _("approved")
        PUBLISHED = "published", _("published")

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes",
                                   verbose_name=_("meeting"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    text = models.TextField(_("general remarks"), blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return f"{self.meeting} ({self.get_status_display()})"
