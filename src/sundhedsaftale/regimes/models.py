"""The legal regime as data: requirement items, process steps, deadline rules, and links from
agreement content to the requirements it meets.

A regime itself is `agreements.LegalRegime` (it existed before this app; agreements point to
it). This app hangs the regime's content on it. A requirement's `fingerprint` is a hash of its
text; a link stores the fingerprint it was made against, so editing a requirement's text makes
its links *suspect* until someone reviews them (as Doorstop does).
"""

from __future__ import annotations

import datetime
import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.agreements.models import Agreement, LegalRegime


def text_fingerprint(title: str, text: str) -> str:
    """A short, stable hash of a requirement's wording (whitespace-normalised)."""
    norm = " ".join(f"{title}\n{text}".split())
    return hashlib.sha256(norm.encode()).hexdigest()[:16]


class Requirement(models.Model):
    class Kind(models.TextChoices):
        AREA = "area", _("mandatory area")
        TOPIC = "topic", _("required topic")
        THEME = "theme", _("cross-cutting theme")
        METADATA = "metadata", _("required metadata")
        CONTENT = "content", _("required content")

    regime = models.ForeignKey(LegalRegime, on_delete=models.CASCADE,
                               related_name="requirements", verbose_name=_("legal regime"))
    code = models.CharField(_("code"), max_length=40,
                            help_text=_("Short reference, e.g. 4.1 or 5.3."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="children", verbose_name=_("part of"))
    number = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=16, editable=False)
    is_demo = models.BooleanField(_("demo content"), default=False)

    class Meta:
        ordering = ["regime", "number", "code"]
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        constraints = [models.UniqueConstraint(fields=["regime", "code"],
                                               name="requirement_code_unique_in_regime")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class ProcessStep(models.Model):
    regime = models.ForeignKey(LegalRegime, on_delete=models.CASCADE,
                               related_name="process_steps", verbose_name=_("legal regime"))
    number = models.PositiveIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    stage = models.CharField(_("version stage reached"), max_length=30, blank=True,
                             help_text=_("The agreement version's stage after this step."))

    class Meta:
        ordering = ["regime", "number"]
        verbose_name = _("process step")
        verbose_name_plural = _("process steps")

    def __str__(self) -> str:
        return self.title


class DeadlineRule(models.Model):
    """A date computed from the election period: `month`/`day` of year `year_of_period`
    (1 = the first year of the period); `yearly` repeats it every year of the period."""

    class Kind(models.TextChoices):
        SUBMISSION = "submission", _("submission to the authority")
        REVIEW = "review", _("yearly review")
        STATUS = "status", _("status report")

    regime = models.ForeignKey(LegalRegime, on_delete=models.CASCADE,
                               related_name="deadline_rules", verbose_name=_("legal regime"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    year_of_period = models.PositiveSmallIntegerField(_("year of the election period"), default=2)
    month = models.PositiveSmallIntegerField(_("month"))
    day = models.PositiveSmallIntegerField(_("day"))
    yearly = models.BooleanField(_("every year"), default=False)

    class Meta:
        ordering = ["regime", "kind", "year_of_period", "month", "day"]
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")

    def __str__(self) -> str:
        return self.title

    def due(self, election_period_start: int) -> datetime.date:
        return datetime.date(election_period_start + self.year_of_period - 1, self.month,
                             self.day)

    def dates(self, election_period_start: int) -> list[datetime.date]:
        if not self.yearly:
            return [self.due(election_period_start)]
        return [datetime.date(election_period_start + offset, self.month, self.day)
                for offset in range(self.year_of_period - 1, 4)]


class RequirementLink(models.Model):
    """Agreement content (an item key of the snapshot, "goal:12") meets a requirement."""

    class Coverage(models.TextChoices):
        MET = "met", _("met")
        PARTLY = "partly", _("partly met")
        NOT_MET = "not_met", _("not met")

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE,
                                    related_name="links", verbose_name=_("requirement"))
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE,
                                  related_name="requirement_links", verbose_name=_("agreement"))
    item_key = models.CharField(_("content"), max_length=60,
                                help_text=_("Item key in the agreement, e.g. goal:12."))
    coverage = models.CharField(_("coverage"), max_length=10, choices=Coverage.choices,
                                default=Coverage.MET)
    note = models.TextField(_("note"), blank=True)
    fingerprint = models.CharField(_("requirement fingerprint when linked"), max_length=16)
    reviewed_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo content"), default=False)

    class Meta:
        ordering = ["requirement", "item_key"]
        verbose_name = _("requirement link")
        verbose_name_plural = _("requirement links")
        constraints = [models.UniqueConstraint(fields=["requirement", "agreement", "item_key"],
                                               name="requirement_link_unique")]

    def __str__(self) -> str:
        return f"{self.requirement.code} ← {self.item_key}"

    @property
    def is_suspect(self) -> bool:
        return self.fingerprint != self.requirement.fingerprint
