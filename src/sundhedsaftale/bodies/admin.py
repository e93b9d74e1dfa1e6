from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.core.admin import SOURCE_FIELDSET, ContentAdmin

from .models import Body, Membership, Organisation


@admin.register(Organisation)
class OrganisationAdmin(ContentAdmin):
    list_display = ("name", "short_name", "kind", "municipality", "region")
    list_filter = ("kind",)
    search_fields = ("name", "short_name")
    prepopulated_fields = {"slug": ("name",)}


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("person_name", "role", "organisation", "valid_from", "valid_to", "is_synthetic",
              "note")
    autocomplete_fields = ("organisation",)


@admin.register(Body)
class BodyAdmin(ContentAdmin):
    list_display = ("name", "short_name", "kind", "cluster", "valid_from", "valid_to")
    list_filter = ("kind", "cluster")
    search_fields = ("name", "short_name", "former_names")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("name", "short_name", "slug", "kind", "number", "description",
                           "former_names", "region", "cluster", "parent")}),
        (_("Period"), {"fields": ("valid_from", "valid_to")}),
        SOURCE_FIELDSET,
    )


@admin.register(Membership)
class MembershipAdmin(ContentAdmin):
    list_display = ("person_name", "role", "body", "organisation", "valid_from", "valid_to",
                    "is_synthetic")
    list_filter = ("role", "body", "is_synthetic")
    search_fields = ("person_name", "body__name", "organisation__name")
    autocomplete_fields = ("body", "organisation")
