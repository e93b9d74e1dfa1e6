"""The health agreement as structured content.

Agreement → visions, principles, focus areas → goals → initiatives; annexes are linked through
`AgreementAnnex` (an annex can be carried over from an earlier agreement). The legal regime an
agreement is made under is a `LegalRegime` row. Every content model keeps its history
(django-simple-history): who changed what and when.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from sundhedsaftale.bodies.models import Body
from sundhedsaftale.core.models import ChoiceDisplay, Dated, SlugFilled, Sourced
from sundhedsaftale.geography.models import HealthCluster, Municipality, Region


class LegalRegime(Sourced, Dated):
    """The rules an agreement is made under, e.g. "VEJ 9005/2013" or "BEK 1248/2022"."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["valid_from", "code"]
        verbose_name = _("legal regime")
        verbose_name_plural = _("legal regimes")

    def __str__(self) -> str:
        return self.short_name or self.name


class AgreementQuerySet(models.QuerySet):
    def public(self) -> AgreementQuerySet:
        return self.filter(status__in=Agreement.PUBLIC_STATUSES)


class Agreement(ChoiceDisplay, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        HEARING = "hearing", _("in hearing")
        APPROVED = "approved", _("approved")
        PUBLISHED = "published", _("published")
        ARCHIVED = "archived", _("archived")

    class Kind(models.TextChoices):
        HEALTH_AGREEMENT = "health_agreement", _("health agreement")
        LOCAL_HEALTH_PLAN = "local_health_plan", _("local health plan")

    PUBLIC_STATUSES = (Status.PUBLISHED, Status.ARCHIVED)

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=100, unique=True,
                            help_text=_("Used in the address, e.g. 2024-2027."))
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices,
                            default=Kind.HEALTH_AGREEMENT)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    regime = models.ForeignKey(LegalRegime, on_delete=models.PROTECT, related_name="agreements",
                               verbose_name=_("legal regime"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT)
    summary = models.TextField(_("summary"), blank=True)
    party_region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="agreements", verbose_name=_("region party"))
    party_municipalities = models.ManyToManyField(
        Municipality, blank=True, related_name="agreements",
        verbose_name=_("municipality parties"),
    )
    parties_text = models.CharField(
        _("parties (text)"), max_length=500, blank=True,
        help_text=_("Parties not in the lists above, e.g. general practice via the practice plan."),
    )
    bodies = models.ManyToManyField(Body, blank=True, related_name="agreements",
                                    verbose_name=_("organisation of the collaboration"))
    clusters = models.ManyToManyField(HealthCluster, blank=True, related_name="agreements",
                                      verbose_name=_("health clusters"))
    is_demo = models.BooleanField(_("demo content"), default=False,
                                  help_text=_("Text written for the demo, not the official text."))
    history = HistoricalRecords(m2m_fields=[party_municipalities, bodies, clusters])

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="agreement_period_end_after_start"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        """The public page ("Vis på siden" in the admin); drafts are not shown there."""
        return reverse("portal:agreement_detail", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES

    def clean(self) -> None:
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period ends before it starts.")})


class AgreementPart(models.Model):
    """Common fields of the numbered parts of an agreement."""

    number = models.PositiveIntegerField(_("number"), default=0,
                                         help_text=_("Order in the agreement."))
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        abstract = True
        ordering = ["number", "pk"]

    def __str__(self) -> str:
        return self.title


class Vision(SlugFilled, AgreementPart):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="visions",
                                  verbose_name=_("agreement"))
    slug = models.SlugField(_("slug"), max_length=100)
    history = HistoricalRecords()

    class Meta(AgreementPart.Meta):
        verbose_name = _("vision")
        verbose_name_plural = _("visions")
        constraints = [models.UniqueConstraint(fields=["agreement", "slug"],
                                               name="vision_slug_unique_in_agreement")]

    slug_from = ("title",)


class Principle(AgreementPart):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="principles",
                                  verbose_name=_("agreement"))
    history = HistoricalRecords()

    class Meta(AgreementPart.Meta):
        verbose_name = _("principle")
        verbose_name_plural = _("principles")


class FocusArea(SlugFilled, AgreementPart):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE,
                                  related_name="focus_areas", verbose_name=_("agreement"))
    slug = models.SlugField(_("slug"), max_length=100)
    history = HistoricalRecords()

    class Meta(AgreementPart.Meta):
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")
        constraints = [models.UniqueConstraint(fields=["agreement", "slug"],
                                               name="focus_area_slug_unique_in_agreement")]

    slug_from = ("title",)

    def get_absolute_url(self) -> str:
        return reverse("portal:focus_area_detail", args=[self.agreement.slug, self.slug])


class Goal(SlugFilled, AgreementPart):
    """A goal under exactly one parent: a focus area or a vision (enforced in the database).

    `agreement` is copied from the parent on save so goals can be listed and addressed per
    agreement (/aftaler/<agreement>/maal/<goal slug>/).
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="goals",
                                  verbose_name=_("agreement"))
    focus_area = models.ForeignKey(FocusArea, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="goals", verbose_name=_("focus area"))
    vision = models.ForeignKey(Vision, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="goals", verbose_name=_("vision"))
    slug = models.SlugField(_("slug"), max_length=100)
    history = HistoricalRecords()

    class Meta(AgreementPart.Meta):
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=(Q(focus_area__isnull=False, vision__isnull=True)
                           | Q(focus_area__isnull=True, vision__isnull=False)),
                name="goal_has_exactly_one_parent",
            ),
            models.UniqueConstraint(fields=["agreement", "slug"],
                                    name="goal_slug_unique_in_agreement"),
        ]

    @property
    def parent(self) -> FocusArea | Vision | None:
        return self.focus_area or self.vision

    def get_absolute_url(self) -> str:
        return reverse("portal:goal_detail", args=[self.agreement.slug, self.slug])

    def clean(self) -> None:
        super().clean()
        if bool(self.focus_area_id) == bool(self.vision_id):
            raise ValidationError(_("A goal belongs to either a focus area or a vision."))
        parent = self.parent
        if parent is not None and self.agreement_id and parent.agreement_id != self.agreement_id:
            raise ValidationError(_("The goal's parent belongs to another agreement."))

    slug_from = ("title",)

    def fill_defaults(self) -> None:
        """The agreement is the parent's; the slug comes from the title."""
        parent = self.parent
        if parent is not None and not self.agreement_id:
            self.agreement = parent.agreement
        super().fill_defaults()


class Initiative(AgreementPart):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        ONGOING = "ongoing", _("ongoing")
        COMPLETED = "completed", _("completed")
        PAUSED = "paused", _("paused")
        CANCELLED = "cancelled", _("cancelled")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="initiatives",
                             verbose_name=_("goal"))
    owner_body = models.ForeignKey(Body, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="initiatives", verbose_name=_("owner (body)"))
    owner_cluster = models.ForeignKey(HealthCluster, on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="initiatives",
                                      verbose_name=_("owner (health cluster)"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.PLANNED)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo content"), default=False)
    history = HistoricalRecords()

    class Meta(AgreementPart.Meta):
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")

    @property
    def owner(self) -> Body | HealthCluster | None:
        return self.owner_body or self.owner_cluster

    def clean(self) -> None:
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end is before the start.")})


class FollowUpSource(AgreementPart):
    """A source the agreement is followed up with: national goals, health profile, LUP..."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE,
                                  related_name="followup_sources", verbose_name=_("agreement"))
    url = models.URLField(_("URL"), max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta(AgreementPart.Meta):
        verbose_name = _("follow-up source")
        verbose_name_plural = _("follow-up sources")


class Annex(SlugFilled, Dated):
    class Kind(models.TextChoices):
        COOPERATION_AGREEMENT = "cooperation_agreement", _("cooperation agreement")
        COMMUNICATION_AGREEMENT = "communication_agreement", _("communication agreement")
        CARE_PROGRAMME = "care_programme", _("care programme")
        GUIDANCE = "guidance", _("guidance")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    summary = models.TextField(_("summary"), blank=True)
    url = models.URLField(_("URL"), max_length=500, blank=True)
    agreements = models.ManyToManyField(Agreement, through="AgreementAnnex",
                                        through_fields=("annex", "agreement"),
                                        related_name="annexes", verbose_name=_("agreements"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "title"]
        verbose_name = _("annex")
        verbose_name_plural = _("annexes")

    def __str__(self) -> str:
        return self.title

    slug_from = ("title",)


class AgreementAnnex(models.Model):
    """An annex as part of one agreement; `carried_over_from` names the agreement it came from."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE,
                                  related_name="annex_links", verbose_name=_("agreement"))
    annex = models.ForeignKey(Annex, on_delete=models.CASCADE, related_name="agreement_links",
                              verbose_name=_("annex"))
    number = models.PositiveIntegerField(_("number"), default=0)
    carried_over_from = models.ForeignKey(
        Agreement, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("carried over from"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["number", "annex__title"]
        verbose_name = _("annex of agreement")
        verbose_name_plural = _("annexes of agreement")
        constraints = [models.UniqueConstraint(fields=["agreement", "annex"],
                                               name="agreement_annex_unique")]

    def __str__(self) -> str:
        return f"{self.agreement}: {self.annex}"


class AgreementVersion(models.Model):
    """A frozen, complete snapshot of an agreement; the live tree is the working draft.

    `snapshot` is a JSON document and never changes after freezing. Its shape (schema 1) is the
    contract shared by the portal, change lists, hearings (responses anchored to a section),
    coverage and status reports:

        {"schema": 1,
         "agreement": {"title", "slug", "kind", "period_start", "period_end", "summary",
                       "regime": code, "parties": [..]},
         "items": [{"key": "<kind>:<live pk>", "kind": "vision|principle|focus_area|goal|
                    initiative|annex|follow_up_source", "parent": key or null, "number": int,
                    "slug": str, "title": str, "summary": str, ...kind-specific fields}]}

    Items are listed in reading order. A key is stable across versions of one agreement (it is
    the live row's kind and primary key), so versions are compared item by item by key.
    """

    class Stage(models.TextChoices):
        FROZEN = "frozen", _("frozen")
        IN_HEARING = "in_hearing", _("in hearing")
        ADOPTED = "adopted", _("adopted by the committee")
        COUNCILS_APPROVED = "councils_approved", _("approved by the councils")
        SUBMITTED = "submitted", _("submitted")
        AUTHORITY_APPROVED = "authority_approved", _("approved by the authority")
        AUTHORITY_REJECTED = "authority_rejected", _("not approved by the authority")
        PUBLISHED = "published", _("published")
        SUPERSEDED = "superseded", _("superseded")

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="versions",
                                  verbose_name=_("agreement"))
    based_on = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("revision of"))
    significant = models.BooleanField(
        _("significant change"), default=True,
        help_text=_("A significant revision needs the councils' approval and a new submission; "
                    "another revision may be sent for information."))
    entered_on = models.DateField(
        _("entered on"), null=True, blank=True,
        help_text=_("The day the last of the councils approved (all parties approved)."))
    published_on = models.DateField(_("published on"), null=True, blank=True)
    election_period_start = models.PositiveIntegerField(
        _("election period (first year)"),
        help_text=_("Municipal and regional election period, e.g. 2014 for 2014-2017."))
    number = models.PositiveIntegerField(_("version number"),
                                         help_text=_("Restarts at 1 in each election period."))
    entry_into_force = models.DateField(_("entry into force"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=30, choices=Stage.choices,
                             default=Stage.FROZEN)
    note = models.TextField(_("note"), blank=True)
    snapshot = models.JSONField(_("content"), default=dict, editable=False)
    frozen_at = models.DateTimeField(_("frozen at"), auto_now_add=True)
    frozen_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("frozen by"))
    is_demo = models.BooleanField(_("demo content"), default=False)

    class Meta:
        ordering = ["agreement", "election_period_start", "number"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "election_period_start", "number"],
                                    name="version_number_unique_per_election_period"),
        ]
        permissions = [("publish_agreementversion", "Can publish agreement versions")]

    def __str__(self) -> str:
        return f"{self.agreement} v{self.number} ({self.election_period_label})"

    @property
    def ref(self) -> str:
        """The version's address part: election period's first year and number, "2014-1"."""
        return f"{self.election_period_start}-{self.number}"

    @property
    def is_published(self) -> bool:
        return self.stage == self.Stage.PUBLISHED

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("agreements:version_detail", args=[self.agreement.slug, self.ref])

    @property
    def election_period_label(self) -> str:
        return f"{self.election_period_start}-{self.election_period_start + 3}"

    def items(self, kind: str | None = None) -> list[dict]:
        items = self.snapshot.get("items", [])
        return [i for i in items if kind is None or i.get("kind") == kind]

    def item(self, key: str) -> dict | None:
        return next((i for i in self.snapshot.get("items", []) if i.get("key") == key), None)


class VersionEvent(models.Model):
    """One step on a version's timeline: a stage transition (or another dated act)."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE,
                                related_name="events", verbose_name=_("version"))
    stage_from = models.CharField(_("from stage"), max_length=30, blank=True,
                                  choices=AgreementVersion.Stage.choices)
    stage_to = models.CharField(_("to stage"), max_length=30,
                                choices=AgreementVersion.Stage.choices)
    on = models.DateField(_("date"))
    at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    is_demo = models.BooleanField(_("demo content"), default=False)

    class Meta:
        ordering = ["version", "on", "at", "pk"]
        verbose_name = _("version event")
        verbose_name_plural = _("version events")

    def __str__(self) -> str:
        return f"{self.version}: {self.get_stage_to_display()} {self.on}"


class CouncilDecision(models.Model):
    """A council's decision on a version: the regional council or one municipal council.

    Linkable (get_absolute_url: the approval board's row), so agenda items elsewhere can point
    to it generically (content type + primary key).
    """

    class Decision(models.TextChoices):
        PENDING = "pending", _("not yet decided")
        APPROVED = "approved", _("approved")
        APPROVED_WITH_REMARKS = "approved_with_remarks", _("approved with remarks")
        REJECTED = "rejected", _("rejected")

    APPROVING = (Decision.APPROVED, Decision.APPROVED_WITH_REMARKS)

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE,
                                related_name="council_decisions", verbose_name=_("version"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("regional council"))
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("municipal council"))
    decision = models.CharField(_("decision"), max_length=30, choices=Decision.choices,
                                default=Decision.PENDING)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    journal_number = models.CharField(_("journal number"), max_length=100, blank=True)
    minutes_url = models.URLField(_("minutes"), max_length=500, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    recorded_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)
    is_demo = models.BooleanField(_("demo content"), default=False)

    class Meta:
        ordering = ["version", "region", "municipality__name"]
        verbose_name = _("council decision")
        verbose_name_plural = _("council decisions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(region__isnull=False, municipality__isnull=True)
                           | Q(region__isnull=True, municipality__isnull=False)),
                name="council_decision_one_council"),
            models.UniqueConstraint(fields=["version", "region"],
                                    name="council_decision_unique_region"),
            models.UniqueConstraint(fields=["version", "municipality"],
                                    name="council_decision_unique_municipality"),
        ]

    @property
    def council(self) -> Region | Municipality:
        return self.region or self.municipality  # type: ignore[return-value]

    @property
    def is_approving(self) -> bool:
        return self.decision in self.APPROVING

    def __str__(self) -> str:
        return f"{self.council}: {self.get_decision_display()} ({self.version})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return (reverse("agreements:approval_board", args=[self.version.agreement.slug])
                + f"?version={self.version.ref}#beslutning-{self.pk}")


class Submission(models.Model):
    """A version sent to the national authority, with its package (PDF and metadata)."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.PROTECT,
                                related_name="submissions", verbose_name=_("version"))
    submitted_on = models.DateField(_("submitted on"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    for_information = models.BooleanField(
        _("for information"), default=False,
        help_text=_("A revision that is not significant, sent for information only."))
    compared_with = models.ForeignKey(AgreementVersion, on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="+",
                                      verbose_name=_("changes stated against"))
    metadata = models.JSONField(_("metadata"), default=dict)
    package_pdf = models.BinaryField(_("package (PDF)"), editable=False)
    submitted_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("submitted by"))
    is_demo = models.BooleanField(_("demo content"), default=False)

    class Meta:
        ordering = ["version", "submitted_on", "pk"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"{self.version} → {self.submitted_on}"


class AuthorityAnswer(models.Model):
    """The national authority's answer to a submission."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("receipt acknowledged")
        APPROVED = "approved", _("approved")
        NOT_APPROVED = "not_approved", _("not approved")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE,
                                   related_name="answers", verbose_name=_("submission"))
    kind = models.CharField(_("answer"), max_length=20, choices=Kind.choices)
    answered_on = models.DateField(_("date"))
    text = models.TextField(_("advice or reasons"), blank=True)
    unmet_requirements = models.JSONField(_("unmet requirements"), default=list, blank=True)
    new_deadline = models.DateField(_("new deadline"), null=True, blank=True)
    recorded_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("recorded by"))
    is_demo = models.BooleanField(_("demo content"), default=False)

    class Meta:
        ordering = ["submission", "answered_on", "pk"]
        verbose_name = _("authority's answer")
        verbose_name_plural = _("authority's answers")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.answered_on}"


def annex_document_path(instance: AnnexDocument, filename: str) -> str:
    """bilag/<annex slug>/<year>/<stored name>: the visitor's name is kept in original_name; the
    stored name is the storage's (get_available_name avoids overwriting)."""
    ext = ".docx" if instance.mime_type == AnnexDocument.DOCX else ".pdf"
    return f"bilag/{instance.annex.slug}/{instance.uploaded_at:%Y}/{instance.annex.slug}{ext}"


class AnnexDocument(models.Model):
    """One uploaded version of an annex's document (PDF or Word). The newest upload is the
    annex's current document; earlier ones are kept as its history. Written only through
    `agreements.annex_documents.annex_document_upload` (type check, size limit, virus scan)."""

    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    TYPES = {PDF: "PDF", DOCX: "Word (DOCX)"}

    class Scan(models.TextChoices):
        CLEAN = "clean", _("scanned, nothing found")
        OFF = "off", _("not scanned (scanning is off)")

    annex = models.ForeignKey(Annex, on_delete=models.CASCADE, related_name="documents",
                              verbose_name=_("annex"))
    file = models.FileField(_("file"), upload_to=annex_document_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    mime_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    scan = models.CharField(_("virus scan"), max_length=10, choices=Scan.choices)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+",
                                    verbose_name=_("uploaded by"))
    is_demo = models.BooleanField(_("demo content"), default=False)

    class Meta:
        ordering = ["annex", "-uploaded_at", "-pk"]
        get_latest_by = "uploaded_at"
        verbose_name = _("annex document")
        verbose_name_plural = _("annex documents")

    def __str__(self) -> str:
        return f"{self.annex}: {self.original_name}"

    @property
    def type_label(self) -> str:
        return self.TYPES.get(self.mime_type, self.mime_type)

    @property
    def download_name(self) -> str:
        ext = ".docx" if self.mime_type == self.DOCX else ".pdf"
        return f"{self.annex.slug}{ext}"
