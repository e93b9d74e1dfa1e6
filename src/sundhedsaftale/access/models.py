"""Roles per organisation.

A user holds a role **for an organisation**: the region, a municipality, a health cluster
(later a health council), a body, or an outside organisation (patient, professional or other
organisation, `ExternalOrganisation`). The organisation is a generic reference, so a new kind of
organisation needs no schema change. Roles are dated like memberships.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.core.models import Dated, SlugFilled


class Role(models.TextChoices):
    SECRETARIAT = "secretariat", _("secretariat")
    EDITOR = "editor", _("editor")
    READER = "reader", _("reader")
    PARTY_REPRESENTATIVE = "party_representative", _("party representative")


class ExternalOrganisation(SlugFilled, models.Model):
    """An organisation outside the region and municipalities: a patient organisation, a
    professional organisation, or another party (hearing parties, role holders)."""

    class Kind(models.TextChoices):
        PATIENT = "patient", _("patient organisation")
        PROFESSIONAL = "professional", _("professional organisation")
        OTHER = "other", _("other organisation")

    name = models.CharField(_("name"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    website = models.URLField(_("website"), blank=True)
    is_demo = models.BooleanField(_("demo"), default=False)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("outside organisation")
        verbose_name_plural = _("outside organisations")

    def __str__(self) -> str:
        return self.name


class RoleAssignment(Dated):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="role_assignments", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    organisation_type = models.ForeignKey(ContentType, on_delete=models.PROTECT,
                                          verbose_name=_("kind of organisation"))
    organisation_id = models.PositiveBigIntegerField(_("organisation"))
    organisation = GenericForeignKey("organisation_type", "organisation_id")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        indexes = [models.Index(fields=["organisation_type", "organisation_id"])]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.organisation}"
