"""Ways in for people: whom to contact (a secretariat's contact point, as data) and a short
page per focus area on what it means for citizens (our own words, not the agreement's text).

Neither is part of an agreement's versioned text: they are edited and shown without a new
agreement version, and a citizen page is shown only when it is published and its focus area is
in the agreement's published version.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from sundhedsaftale.agreements.models import FocusArea
from sundhedsaftale.bodies.models import Body
from sundhedsaftale.core.models import SlugFilled
from sundhedsaftale.geography.models import HealthCluster, Region


class ContactPoint(SlugFilled, models.Model):
    """How to reach a secretariat: the region's, a health cluster's or a body's."""

    name = models.CharField(_("name"), max_length=200,
                            help_text=_("E.g. Sekretariatet for Sundhedssamarbejdsudvalget."))
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="contact_points", verbose_name=_("region"))
    cluster = models.ForeignKey(HealthCluster, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="contact_points", verbose_name=_("health cluster"))
    body = models.ForeignKey(Body, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="contact_points", verbose_name=_("body"))
    description = models.TextField(_("what to contact us about"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.TextField(_("postal address"), blank=True,
                               help_text=_("One line per address line."))
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True,
                                     help_text=_("When the phone is answered."))
    number = models.PositiveIntegerField(_("number"), default=0, help_text=_("Order in lists."))
    is_demo = models.BooleanField(_("demo content"), default=False,
                                  help_text=_("Fictitious contact details written for the demo."))
    history = HistoricalRecords()

    slug_from = ("name",)

    class Meta:
        ordering = ["number", "name"]
        verbose_name = _("contact point")
        verbose_name_plural = _("contact points")
        constraints = [
            models.CheckConstraint(
                condition=(Q(region__isnull=False, cluster__isnull=True, body__isnull=True)
                           | Q(region__isnull=True, cluster__isnull=False, body__isnull=True)
                           | Q(region__isnull=True, cluster__isnull=True, body__isnull=False)),
                name="contact_point_has_exactly_one_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def organisation(self) -> Region | HealthCluster | Body | None:
        return self.region or self.cluster or self.body

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        if sum(x is not None for x in (self.region_id, self.cluster_id, self.body_id)) != 1:
            raise ValidationError(
                _("A contact point belongs to exactly one of: a region, a health cluster or a "
                  "body."))
        if not (self.email or self.phone or self.address):
            raise ValidationError(_("Give at least an e-mail address, a phone number or a "
                                    "postal address."))


class CitizenPageQuerySet(models.QuerySet):
    def published(self) -> CitizenPageQuerySet:
        return self.filter(is_published=True)


class CitizenPage(models.Model):
    """What a focus area means for citizens, in plain words."""

    focus_area = models.OneToOneField(FocusArea, on_delete=models.CASCADE,
                                      related_name="citizen_page",
                                      verbose_name=_("focus area"))
    lead = models.TextField(_("lead"), help_text=_("One or two sentences, in plain Danish."))
    body = models.TextField(
        _("text"), blank=True,
        help_text=_("Paragraphs separated by an empty line. Plain text, no HTML."))
    is_published = models.BooleanField(
        _("published"), default=False,
        help_text=_("Only published pages are shown to the public and listed in the sitemap."))
    is_demo = models.BooleanField(_("demo content"), default=False,
                                  help_text=_("Text written for the demo."))
    history = HistoricalRecords()

    objects = CitizenPageQuerySet.as_manager()

    class Meta:
        ordering = ["focus_area__agreement", "focus_area__number"]
        verbose_name = _("citizen page")
        verbose_name_plural = _("citizen pages")

    def __str__(self) -> str:
        return str(self.focus_area)

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.body.split("\n\n") if p.strip()]
