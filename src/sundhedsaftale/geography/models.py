"""Region, municipalities, districts, hospitals, health clusters and population.

A `HealthCluster` is a collaboration area: `kind` says whether it is one of the five health
clusters (2022-2026) or, from 2027, a health council area (sundhedsråd). Which municipalities or
districts belong to an area is dated data (`AreaMembership`), so a new geography is added as rows,
not code. København belongs to two clusters through its districts.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from sundhedsaftale.core.models import Certainty, Dated, SlugFilled, Sourced


class Region(SlugFilled, Sourced):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    nuts_code = models.CharField(_("NUTS code"), max_length=10, blank=True)
    iso_code = models.CharField(_("ISO code"), max_length=10, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Municipality(SlugFilled, Sourced):
    code = models.CharField(_("code"), max_length=10, unique=True,
                            help_text=_("Official three-digit municipality code, e.g. 101."))
    name = models.CharField(_("name"), max_length=200)
    official_name = models.CharField(
        _("official name"), max_length=200, blank=True,
        help_text=_("The name in full, e.g. Københavns Kommune or Bornholms Regionskommune."))
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="municipalities",
                               verbose_name=_("region"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        """The official name ("Københavns Kommune"); a plain "<name> Kommune" when not set."""
        return self.official_name or f"{self.name} Kommune"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("portal:municipality_detail", args=[self.code])


class District(SlugFilled, Sourced):
    """A district (bydel) of a municipality; code like "101-01"."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    number = models.CharField(_("district number"), max_length=4,
                              help_text=_("The number used in registry data, e.g. 01."))
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT,
                                     related_name="districts", verbose_name=_("municipality"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "number"],
                                    name="district_number_unique_in_municipality"),
            models.UniqueConstraint(fields=["municipality", "slug"],
                                    name="district_slug_unique_in_municipality"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality.name} - {self.name}"


class Hospital(SlugFilled, Sourced):
    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="hospitals",
                               verbose_name=_("region"))
    is_acute = models.BooleanField(_("acute hospital"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("hospital")
        verbose_name_plural = _("hospitals")

    def __str__(self) -> str:
        return self.name


class HealthCluster(Sourced, Dated):
    """A collaboration area: a health cluster (2022-2026) or a health council area (2027-)."""

    class Kind(models.TextChoices):
        HEALTH_CLUSTER = "health_cluster", _("health cluster")
        HEALTH_COUNCIL = "health_council", _("health council")

    code = models.SlugField(_("code"), max_length=50, unique=True,
                            help_text=_("Also the URL slug, e.g. byen."))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices,
                            default=Kind.HEALTH_CLUSTER)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="clusters",
                               verbose_name=_("region"))
    hospital = models.ForeignKey(Hospital, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="clusters", verbose_name=_("acute hospital"))
    description = models.TextField(_("description"), blank=True)
    number = models.PositiveIntegerField(_("number"), default=0,
                                         help_text=_("Order in lists."))
    is_draft = models.BooleanField(
        _("draft"), default=False,
        help_text=_("A draft area (e.g. a copied successor structure) is shown to staff only, "
                    "not on the public pages, until it is published."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["number", "name"]
        verbose_name = _("health cluster")
        verbose_name_plural = _("health clusters")

    def __str__(self) -> str:
        return self.name

    @property
    def slug(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("portal:cluster_detail", args=[self.code])


class AreaMembership(Sourced, Dated):
    """A municipality or one district belongs to a cluster in a period. Exactly one is set."""

    cluster = models.ForeignKey(HealthCluster, on_delete=models.CASCADE,
                                related_name="memberships", verbose_name=_("health cluster"))
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="cluster_memberships",
                                     verbose_name=_("municipality"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="cluster_memberships", verbose_name=_("district"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["cluster", "municipality__name", "district__code"]
        verbose_name = _("cluster membership")
        verbose_name_plural = _("cluster memberships")
        constraints = [
            models.CheckConstraint(
                condition=(Q(municipality__isnull=False, district__isnull=True)
                           | Q(municipality__isnull=True, district__isnull=False)),
                name="area_membership_municipality_xor_district",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} → {self.cluster}"

    @property
    def area(self) -> Municipality | District | None:
        return self.municipality or self.district

    @property
    def area_municipality(self) -> Municipality | None:
        """The municipality the area lies in (the district's municipality for a district)."""
        if self.municipality_id:
            return self.municipality
        return self.district.municipality if self.district_id else None

    def clean(self) -> None:
        super().clean()
        if bool(self.municipality_id) == bool(self.district_id):
            raise ValidationError(_("Choose either a municipality or a district, not both."))
        clash = self.overlapping().first()
        if clash is not None:
            raise ValidationError(
                _("%(area)s already belongs to %(cluster)s in an overlapping period "
                  "(%(start)s – %(end)s). End that membership first.") % {
                    "area": clash.area, "cluster": clash.cluster,
                    "start": clash.valid_from or "…", "end": clash.valid_to or "…"})

    def overlapping(self) -> models.QuerySet[AreaMembership]:
        """Memberships of the same area (or the whole municipality / one of its districts) in an
        area of the same kind whose period overlaps this one. A place belongs to one cluster
        (or one health council) at a time."""
        if not self.cluster_id or not (self.municipality_id or self.district_id):
            return AreaMembership.objects.none()
        if self.municipality_id:
            same_place = Q(municipality_id=self.municipality_id) | Q(
                district__municipality_id=self.municipality_id)
        else:
            same_place = Q(district_id=self.district_id) | Q(
                municipality_id=self.district.municipality_id)
        qs = AreaMembership.objects.filter(same_place, cluster__kind=self.cluster.kind)
        if self.pk:
            qs = qs.exclude(pk=self.pk)
        if self.valid_to:
            qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=self.valid_to))
        if self.valid_from:
            qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from))
        return qs.select_related("cluster", "municipality", "district")


class PopulationCount(models.Model):
    """Number of residents of an area in a quarter, by sex and age (FOLK1A shape).

    Exactly one of region / municipality / district is set. sex "T" and empty ages are totals.
    `is_synthetic` marks invented figures (demo data); real figures say so in `source`.
    """

    class Sex(models.TextChoices):
        MEN = "M", _("men")
        WOMEN = "K", _("women")
        TOTAL = "T", _("total")

    quarter = models.CharField(_("quarter"), max_length=6, db_index=True,
                               help_text=_("Like 2023K1."))
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="population", verbose_name=_("region"))
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="population",
                                     verbose_name=_("municipality"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="population", verbose_name=_("district"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    age_from = models.PositiveSmallIntegerField(_("age from"), null=True, blank=True)
    age_to = models.PositiveSmallIntegerField(_("age to"), null=True, blank=True)
    count = models.PositiveIntegerField(_("count"))
    is_synthetic = models.BooleanField(_("synthetic"), default=False)
    source = models.CharField(_("source"), max_length=300, blank=True)
    certainty = models.CharField(_("certainty"), max_length=2, choices=Certainty.choices,
                                 default=Certainty.VERIFIED)

    class Meta:
        ordering = ["quarter", "region", "municipality", "district", "sex", "age_from"]
        verbose_name = _("population count")
        verbose_name_plural = _("population counts")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(region__isnull=False, municipality__isnull=True, district__isnull=True)
                    | Q(region__isnull=True, municipality__isnull=False, district__isnull=True)
                    | Q(region__isnull=True, municipality__isnull=True, district__isnull=False)
                ),
                name="population_count_one_area",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "quarter"]),
                   models.Index(fields=["district", "quarter"])]

    def __str__(self) -> str:
        return f"{self.area} {self.quarter} {self.sex} {self.age_label}: {self.count}"

    @property
    def area(self) -> Region | Municipality | District | None:
        return self.region or self.municipality or self.district

    @property
    def age_label(self) -> str:
        if self.age_from is None:
            return "alle aldre"
        if self.age_to == self.age_from:
            return f"{self.age_from} år"
        return f"{self.age_from}-{self.age_to} år"

    @property
    def is_uncertain(self) -> bool:
        """Synthetic figures and real ones marked uncertain or not found."""
        return self.is_synthetic or self.certainty != Certainty.VERIFIED


# Age bands of the population tables: (first age, last age or None for "and older"). A row of
# the file counts in the band of its first age.
AGE_BANDS: list[tuple[int, int | None]] = [
    (0, 14), (15, 24), (25, 44), (45, 64), (65, 79), (80, None),
]


def age_band_index(age_from: int) -> int:
    """The index in AGE_BANDS of the band that `age_from` falls in."""
    for index, (_first, last) in enumerate(AGE_BANDS):
        if last is not None and age_from <= last:
            return index
    return len(AGE_BANDS) - 1


class AreaPopulation(models.Model):
    """The population of one area in one quarter, summed once at import (not per request).

    `count` is the file's total row (sex "I alt", all ages) when it has one, else the sum of
    the men/women by age rows (None when the file has neither). `men_by_band` and
    `women_by_band` are the men/women rows summed per AGE_BANDS entry, for the portal's tables.
    Written only by `geography.services.population_import` (and the migration that filled it).
    """

    quarter = models.CharField(_("quarter"), max_length=6, db_index=True)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True,
                               related_name="population_totals", verbose_name=_("region"))
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="population_totals",
                                     verbose_name=_("municipality"))
    district = models.ForeignKey(District, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="population_totals", verbose_name=_("district"))
    count = models.BigIntegerField(_("count"), null=True, blank=True)
    men_by_band = models.JSONField(_("men by age band"), default=list, blank=True)
    women_by_band = models.JSONField(_("women by age band"), default=list, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    is_synthetic = models.BooleanField(_("synthetic"), default=False,
                                       help_text=_("The total is synthetic."))
    bands_synthetic = models.BooleanField(_("synthetic breakdown"), default=False,
                                          help_text=_("The age bands are synthetic."))
    source = models.CharField(_("source"), max_length=300, blank=True)
    certainty = models.CharField(_("certainty"), max_length=2, choices=Certainty.choices,
                                 default=Certainty.VERIFIED)

    class Meta:
        ordering = ["quarter", "region", "municipality", "district"]
        verbose_name = _("area population")
        verbose_name_plural = _("area populations")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(region__isnull=False, municipality__isnull=True, district__isnull=True)
                    | Q(region__isnull=True, municipality__isnull=False, district__isnull=True)
                    | Q(region__isnull=True, municipality__isnull=True, district__isnull=False)
                ),
                name="area_population_one_area",
            ),
            models.UniqueConstraint(fields=["quarter", "region"], name="area_population_region",
                                    condition=Q(region__isnull=False)),
            models.UniqueConstraint(fields=["quarter", "municipality"],
                                    name="area_population_municipality",
                                    condition=Q(municipality__isnull=False)),
            models.UniqueConstraint(fields=["quarter", "district"],
                                    name="area_population_district",
                                    condition=Q(district__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.region or self.municipality or self.district} {self.quarter}: {self.count}"

    @property
    def is_uncertain(self) -> bool:
        return self.is_synthetic or self.certainty != Certainty.VERIFIED


def quarter_start(quarter: str) -> datetime.date:
    """First day of a quarter written like 2023K1."""
    year, q = quarter.split("K")
    return datetime.date(int(year), 3 * (int(q) - 1) + 1, 1)
