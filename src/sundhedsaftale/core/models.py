"""Abstract building blocks shared by the content models of every app.

`Sourced`: a fact that must say where it comes from and how sure we are ([V]/[U]/[NF] in
docs/domain.md). The source and the certainty are data that the secretariat edits in the admin;
pages show them as "Kilde: ..." and mark uncertain facts.

`Dated`: a row that is valid in a period (valid_to empty = still valid).
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from .text import danish_slugify


@functools.cache
def choice_labels(field: Any) -> dict[Any, Any]:
    """A choice field's value -> label (lazy: translated when shown), built once per field."""
    return dict(field.flatchoices)


class ChoiceDisplay:
    """`get_FOO_display()` that looks the value up in the field's labels, built once.

    Django's own builds a dict of every choice on each call, hashing each lazy label, which
    translates every choice to show one (a page showing a unit or a role per row paid that
    per row)."""

    def _get_FIELD_display(self, field: Any) -> Any:
        value = getattr(self, field.attname)
        try:
            label = choice_labels(field).get(value, value)
        except TypeError:  # an unhashable value is never a choice
            label = value
        return force_str(label, strings_only=True)


class Certainty(models.TextChoices):
    VERIFIED = "V", _("verified")
    UNCERTAIN = "U", _("uncertain")
    NOT_FOUND = "NF", _("not found")


class SourceMarks:
    """How pages read a sourced fact: "usikker" unless verified, and the source as one line.
    Shared by the `Sourced` models and the plain facts selectors read as rows
    (geography.selectors.Fact), which carry the same `source`, `source_url`, `certainty`."""

    __slots__ = ()
    source: str
    source_url: str
    certainty: str

    @property
    def is_uncertain(self) -> bool:
        """True unless the fact is verified; pages mark such facts as "usikker"."""
        return self.certainty != Certainty.VERIFIED

    @property
    def source_label(self) -> str:
        """The source as one line for templates ("" when no source is recorded)."""
        return self.source or self.source_url


class Sourced(SourceMarks, models.Model):
    source = models.CharField(
        _("source"), max_length=300, blank=True,
        help_text=_("Where the fact comes from, so anyone can check it."),
    )
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    certainty = models.CharField(
        _("certainty"), max_length=2, choices=Certainty.choices, default=Certainty.UNCERTAIN,
    )

    class Meta:
        abstract = True

    @property
    def certainty_label(self) -> str:
        return str(Certainty(self.certainty).label)


class DatedQuerySet(models.QuerySet):
    def valid_on(self, on: datetime.date) -> DatedQuerySet:
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=on)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )


class Dated(models.Model):
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Empty: still valid.")
    )

    objects = DatedQuerySet.as_manager()

    class Meta:
        abstract = True

    def is_valid_on(self, on: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end date is before the start date.")})


class SlugFilled:
    """Mixin for models with a `slug`: an empty slug is derived from the first non-empty field
    named in `slug_from` when the row is saved (Danish letters spelled out)."""

    slug_from: tuple[str, ...] = ("name",)

    def fill_defaults(self) -> None:
        """Derive empty fields before saving; subclasses add their own and call super()."""
        if not self.slug:  # type: ignore[has-type]
            text = next((v for f in self.slug_from if (v := getattr(self, f))), "")
            max_length = self._meta.get_field("slug").max_length  # type: ignore[attr-defined]
            self.slug = danish_slugify(text)[:max_length]

    def save(self, *args, **kwargs) -> None:
        self.fill_defaults()
        super().save(*args, **kwargs)  # type: ignore[misc]


class AuditEvent(models.Model):
    """One entry of the audit log (see core.audit)."""

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="audit_events", verbose_name=_("user"))
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.SET_NULL,
                                     null=True, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_label = models.CharField(_("object"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_label}"
