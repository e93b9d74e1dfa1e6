"""The responsibility catalogue (snitfladekatalog): who does what, when, in a patient pathway.

One `Responsibility` is one task in a pathway and phase, for a target group: the sector that
does it, who holds the medical responsibility, who pays, the legal basis, the annex it comes
from and, when it applies only there, a health cluster. Published entries are public.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from sundhedsaftale.agreements.models import Annex
from sundhedsaftale.core.models import SlugFilled
from sundhedsaftale.geography.models import HealthCluster


class Responsibility(SlugFilled, models.Model):
    class Sector(models.TextChoices):
        HOSPITAL = "hospital", _("Hospital")
        MUNICIPALITY = "municipality", _("Kommune")
        GENERAL_PRACTICE = "general_practice", _("Almen praksis")
        SPECIALIST_PRACTICE = "specialist_practice", _("Speciallægepraksis")
        PSYCHIATRY = "psychiatry", _("Psykiatri")
        PREHOSPITAL = "prehospital", _("Præhospital")
        SHARED = "shared", _("Fælles")

    task = models.CharField(_("Opgave"), max_length=300)
    slug = models.SlugField(_("Kortnavn"), max_length=120, unique=True, blank=True)
    description = models.TextField(_("Beskrivelse"), blank=True)
    pathway = models.CharField(_("Forløb"), max_length=200,
                               help_text=_("F.eks. indlæggelse og udskrivning, KOL-forløb."))
    phase = models.CharField(_("Fase"), max_length=200, blank=True,
                             help_text=_("F.eks. før indlæggelse, under indlæggelse, efter "
                                         "udskrivning."))
    number = models.PositiveIntegerField(_("Nummer"), default=0,
                                         help_text=_("Rækkefølge i forløbet."))
    target_group = models.CharField(_("Målgruppe"), max_length=200)
    sector = models.CharField(_("Ansvarlig sektor"), max_length=30, choices=Sector.choices)
    medical_responsibility = models.TextField(_("Lægefagligt ansvar"), blank=True)
    economy = models.TextField(_("Økonomi"), blank=True)
    legal_basis = models.TextField(_("Lovgrundlag"), blank=True)
    annex = models.ForeignKey(Annex, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="responsibilities", verbose_name=_("Bilag"))
    cluster = models.ForeignKey(HealthCluster, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="responsibilities",
                                verbose_name=_("Sundhedsklynge"),
                                help_text=_("Tom: gælder i hele regionen."))
    is_published = models.BooleanField(_("Offentliggjort"), default=False)
    is_demo = models.BooleanField(_("Demoindhold"), default=False,
                                  help_text=_("Tekst skrevet til demoen, ikke officiel tekst."))
    history = HistoricalRecords()

    slug_from = ("task",)

    class Meta:
        ordering = ["pathway", "number", "task"]
        verbose_name = _("Opgave i snitfladekataloget")
        verbose_name_plural = _("Snitfladekatalog")

    def __str__(self) -> str:
        return self.task

    def get_absolute_url(self) -> str:
        """The public page (also the admin's "Vis på siden" link)."""
        from django.urls import reverse

        return reverse("responsibilities:detail", args=[self.slug])

    def search_text(self) -> str:
        """The entry's words, for the search index."""
        return " ".join(filter(None, [
            self.task, self.description, self.pathway, self.phase, self.target_group,
            str(self.get_sector_display()), self.medical_responsibility, self.economy,
            self.legal_basis, self.annex.title if self.annex_id else "",  # type: ignore[union-attr]
            self.cluster.name if self.cluster_id else ""]))  # type: ignore[union-attr]
