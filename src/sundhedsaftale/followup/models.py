"""Models of the followup app: engine runs and their results, the indicator catalogue,
reported (hand-entered) values, goal measures with targets, initiative progress and status
reports.

Nothing patient-level is stored: a `Result` is one row of the engine's disclosure-controlled
long-format output. A hidden cell is stored with `suppressed=True` and every number empty.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.agreements.models import Agreement, Goal, Initiative
from sundhedsaftale.core.models import ChoiceDisplay


class Grain(models.TextChoices):
    YEAR = "year", _("year")
    QUARTER = "quarter", _("quarter")
    MONTH = "month", _("month")


class Level(models.TextChoices):
    REGION = "region", _("region")
    CLUSTER = "cluster", _("cluster")
    MUNICIPALITY = "municipality", _("municipality")
    DISTRICT = "district", _("district")


class Indicator(ChoiceDisplay, models.Model):
    """A catalogue entry. Computed indicators are synchronised from the engine's declarations
    (id, definition version, unit, provisional, titles); the Danish documentation blocks are
    data edited by the secretariat. Reported indicators are typed in by hand."""

    class Source(models.TextChoices):
        COMPUTED = "computed", _("computed by the indicator engine")
        REPORTED = "reported", _("reported (entered by hand)")

    class Unit(models.TextChoices):
        PERCENT = "percent", _("per cent")
        PER_1000 = "per_1000", _("per 1,000")
        DAYS = "days", _("days")
        NUMBER = "number", _("number")
        SCORE = "score", _("score")

    code = models.SlugField(_("id"), max_length=100, unique=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices,
                              default=Source.COMPUTED)
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    definition_version = models.CharField(_("definition version"), max_length=20, blank=True)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    provisional = models.BooleanField(_("provisional"), default=False)
    standardised = models.BooleanField(_("has standardised values"), default=False)
    summary = models.TextField(_("summary"), blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    population = models.TextField(_("population"), blank=True)
    numerator_text = models.TextField(_("numerator"), blank=True)
    denominator_text = models.TextField(_("denominator"), blank=True)
    exclusions = models.TextField(_("exclusions"), blank=True)
    data_source = models.TextField(_("data source"), blank=True)
    caveats = models.TextField(_("caveats"), blank=True)
    national_goal = models.CharField(_("national goal it serves"), max_length=300, blank=True)
    focus_area_title = models.CharField(
        _("focus area"), max_length=300, blank=True,
        help_text=_("The agreement's focus area the indicator follows (grouping on the page)."))
    number = models.PositiveIntegerField(_("number"), default=0)
    better = models.CharField(_("better when"), max_length=4, blank=True,
                              choices=[("up", _("higher")), ("down", _("lower"))])

    class Meta:
        ordering = ["number", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.title

    @property
    def is_reported(self) -> bool:
        return self.source == self.Source.REPORTED


class Run(models.Model):
    """One imported engine output file with its manifest."""

    class Status(models.TextChoices):
        IMPORTED = "imported", _("imported, not published")
        PUBLISHED = "published", _("published")
        WITHDRAWN = "withdrawn", _("withdrawn")

    label = models.CharField(_("label"), max_length=300)
    checksum = models.CharField(_("SHA-256 of the file"), max_length=64, unique=True)
    file_name = models.CharField(_("file name"), max_length=300)
    engine_version = models.CharField(_("engine version"), max_length=50)
    definitions = models.JSONField(_("definition versions"), default=dict)
    manifest = models.JSONField(_("manifest"), default=dict)
    engine_created_at = models.CharField(_("computed at"), max_length=50, blank=True)
    period_first = models.DateField(_("first period"), null=True)
    period_last = models.DateField(_("last period"), null=True)
    geography_as_of = models.CharField(_("geography as of"), max_length=50, blank=True)
    geography_sha256 = models.CharField(_("geography checksum"), max_length=64, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    hidden_count = models.PositiveIntegerField(_("hidden cells"), default=0)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.IMPORTED)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo (synthetic data)"), default=False)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = _("run")
        verbose_name_plural = _("runs")

    def __str__(self) -> str:
        return self.label


class Result(models.Model):
    """One row of an engine run: indicator x period x geography. Hidden rows hold no number."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="results")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="results")
    grain = models.CharField(max_length=10, choices=Grain.choices)
    period_start = models.DateField()
    level = models.CharField(max_length=20, choices=Level.choices)
    code = models.CharField(max_length=20)
    numerator = models.FloatField(null=True)
    denominator = models.FloatField(null=True)
    value = models.FloatField(null=True)
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    value_std = models.FloatField(null=True)
    std_ci_low = models.FloatField(null=True)
    std_ci_high = models.FloatField(null=True)
    suppressed = models.BooleanField(default=False)

    class Meta:
        indexes = [# One indicator at one level and grain, in the order pages show it
                   # (selectors.rows_for): no sort step.
                   models.Index(fields=["run", "indicator", "level", "grain", "code",
                                        "period_start"],
                                name="followup_result_rows"),
                   # One area's figures across indicators: the follow-up section of the
                   # cluster and municipality pages (selectors.area_followup).
                   models.Index(fields=["run", "level", "code", "grain"],
                                name="followup_result_area")]
        constraints = [
            models.CheckConstraint(
                condition=Q(suppressed=False) | Q(
                    numerator__isnull=True, denominator__isnull=True, value__isnull=True,
                    ci_low__isnull=True, ci_high__isnull=True, value_std__isnull=True,
                    std_ci_low__isnull=True, std_ci_high__isnull=True),
                name="followup_result_hidden_has_no_number"),
        ]


class AreaSection(models.Model):
    """Read model of an area's follow-up section (the cluster and municipality pages): per
    indicator its latest yearly figure for the area, the region's in the same year and the
    area's the year before, as the results and reported values give them.

    Written whole by the services that change the public figures (publish, withdraw, reported
    values, the catalogue: `services._public_figures_changed`), in their transaction, so a page
    reads one row instead of every published figure of the area and the region. The row with
    an empty level and code marks that the sections are built; without it (a database from
    before this table, or figures written without those services) the pages compute the
    section from the results (`selectors.area_followup`)."""

    level = models.CharField(max_length=20, blank=True)
    code = models.CharField(max_length=20, blank=True)
    figures = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "code"],
                                               name="followup_area_section_unique")]


class ReportedValue(models.Model):
    """A value of a reported indicator, typed in from a national source."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE,
                                  related_name="reported_values")
    grain = models.CharField(_("grain"), max_length=10, choices=Grain.choices,
                             default=Grain.YEAR)
    period_start = models.DateField(_("period start"))
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    code = models.CharField(_("geography code"), max_length=20)
    value = models.FloatField(_("value"))
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["indicator", "grain", "period_start", "level", "code"]
        constraints = [models.UniqueConstraint(
            fields=["indicator", "grain", "period_start", "level", "code"],
            name="followup_reported_value_unique")]


class Measure(models.Model):
    """A goal's indicator with the direction that is better, a baseline and a target."""

    class Direction(models.TextChoices):
        UP = "up", _("higher is better")
        DOWN = "down", _("lower is better")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="measures")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="measures")
    direction = models.CharField(_("better when"), max_length=4, choices=Direction.choices)
    baseline_year = models.PositiveIntegerField(_("baseline year"))
    baseline_value = models.FloatField(_("baseline value"))
    target_value = models.FloatField(_("target value"))
    target_year = models.PositiveIntegerField(_("target year"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_demo = models.BooleanField(_("demo content"), default=False)

    class Meta:
        ordering = ["goal", "indicator__number"]
        constraints = [models.UniqueConstraint(fields=["goal", "indicator"],
                                               name="followup_measure_unique")]


class InitiativeOwner(models.Model):
    """A municipality that owns an initiative besides the initiative's body or cluster owner
    (agreements.Initiative.owner_body/owner_cluster)."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE,
                                   related_name="municipality_owners")
    municipality = models.ForeignKey("geography.Municipality", on_delete=models.CASCADE,
                                     related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["initiative", "municipality"],
                                               name="followup_initiative_owner_unique")]


class Milestone(models.Model):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE,
                                   related_name="milestones")
    title = models.CharField(_("title"), max_length=300)
    due = models.DateField(_("due"))
    done = models.DateField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["due", "pk"]


class ProgressEntry(models.Model):
    """A dated note of what happened in an initiative, optionally with % progress."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE,
                                   related_name="progress_entries")
    date = models.DateField(_("date"))
    text = models.TextField(_("what happened"))
    percent = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                           blank=True, related_name="+")
    by_label = models.CharField(_("by"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        constraints = [models.CheckConstraint(
            condition=Q(percent__isnull=True) | Q(percent__lte=100),
            name="followup_progress_percent_max_100")]


class StatusReport(models.Model):
    """Mid-term status, final status or yearly review of an agreement. Drafted, then issued:
    issuing stores the figures and texts of that day in `frozen`."""

    class Kind(models.TextChoices):
        MIDTERM = "midterm", _("mid-term status")
        FINAL = "final", _("final status")
        YEARLY = "yearly", _("yearly review")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ISSUED = "issued", _("issued")

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT,
                                  related_name="status_reports")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    year = models.PositiveIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=300)
    introduction = models.TextField(_("introduction"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.DRAFT)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+")
    frozen = models.JSONField(_("frozen content"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo content"), default=False)

    class Meta:
        ordering = ["agreement", "year", "kind"]
        constraints = [models.UniqueConstraint(fields=["agreement", "kind", "year"],
                                               name="followup_status_report_unique")]

    def __str__(self) -> str:
        return self.title


class GoalNarrative(models.Model):
    report = models.ForeignKey(StatusReport, on_delete=models.CASCADE,
                               related_name="narratives")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("narrative"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "goal"],
                                               name="followup_narrative_unique")]
