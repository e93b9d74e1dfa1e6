"""Bodies of the cross-sectoral collaboration and their members.

A `Body` is a committee, steering group, council, a cluster's political or professional level,
a working group...; its kind is data so the 2027 bodies (health councils) are added as rows.
A `Membership` is one person's dated seat in a body, representing an `Organisation`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from sundhedsaftale.core.models import ChoiceDisplay, Dated, SlugFilled, Sourced
from sundhedsaftale.geography.models import HealthCluster, Municipality, Region


class Organisation(SlugFilled, Sourced):
    """An organisation a member represents: the region, a municipality, PLO, a patient org..."""

    class Kind(models.TextChoices):
        REGION = "region", _("region")
        MUNICIPALITY = "municipality", _("municipality")
        MUNICIPALITIES_JOINT = "municipalities_joint", _("municipalities jointly (KKR)")
        GP_ORGANISATION = "gp_organisation", _("GP organisation")
        PATIENT_ORGANISATION = "patient_organisation", _("patient organisation")
        HOSPITAL = "hospital", _("hospital")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="organisations", verbose_name=_("region"))
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="organisations",
                                     verbose_name=_("municipality"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Body(SlugFilled, Sourced, Dated):
    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("committee")
        STEERING_GROUP = "steering_group", _("steering group")
        PATIENT_INVOLVEMENT = "patient_involvement", _("patient involvement committee")
        JOINT_COUNCIL = "joint_council", _("joint council")
        PRACTICE_PLANNING = "practice_planning", _("practice planning committee")
        CLUSTER_POLITICAL = "cluster_political", _("cluster political level")
        CLUSTER_PROFESSIONAL = "cluster_professional", _("cluster professional level")
        HEALTH_COUNCIL = "health_council", _("health council")
        WORKING_GROUP = "working_group", _("working group")
        OTHER = "other", _("other")

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    former_names = models.CharField(_("former names"), max_length=300, blank=True,
                                    help_text=_("E.g. Sundhedskoordinationsudvalget (SKU)."))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="bodies", verbose_name=_("region"))
    cluster = models.ForeignKey(HealthCluster, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="bodies", verbose_name=_("health cluster"))
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name=_("reports to"))
    number = models.PositiveIntegerField(_("number"), default=0, help_text=_("Order in lists."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["number", "name"]
        verbose_name = _("body")
        verbose_name_plural = _("bodies")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name with its abbreviation in brackets ("Sundhedskoordinationsudvalget (SKU)").

        A short name that is itself bracketed ("Byen (politisk)") is not added: the full name
        already says it, and brackets inside brackets read badly."""
        short = self.short_name.strip()
        if not short or "(" in short or short in self.name:
            return self.name
        return f"{self.name} ({short})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("portal:body_detail", args=[self.slug])

    slug_from = ("short_name", "name")


class Membership(ChoiceDisplay, Dated):
    class Role(models.TextChoices):
        CHAIR = "chair", _("chair")
        CO_CHAIR = "co_chair", _("co-chair")
        VICE_CHAIR = "vice_chair", _("vice-chair")
        MEMBER = "member", _("member")
        OBSERVER = "observer", _("observer")
        SECRETARY = "secretary", _("secretary")

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="memberships",
                             verbose_name=_("body"))
    person_name = models.CharField(_("person name"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="memberships",
                                     verbose_name=_("represents"))
    is_synthetic = models.BooleanField(_("synthetic (demo) person"), default=False)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["body", "role", "person_name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.person_name}, {self.get_role_display()} – {self.body.name}"
