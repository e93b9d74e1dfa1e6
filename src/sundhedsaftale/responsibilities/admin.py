from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.core.admin import ContentAdmin

from .models import Responsibility


@admin.register(Responsibility)
class ResponsibilityAdmin(ContentAdmin):
    list_display = ("task", "pathway", "phase", "sector", "target_group", "cluster",
                    "is_published", "is_demo")
    list_filter = ("sector", "is_published", "is_demo", "cluster", "annex")
    search_fields = ("task", "description", "pathway", "target_group")
    prepopulated_fields = {"slug": ("task",)}
    autocomplete_fields = ("annex",)
    fieldsets = (
        (None, {"fields": ("task", "slug", "description", "pathway", "phase", "number",
                           "target_group", "sector")}),
        (_("Ansvar"), {"fields": ("medical_responsibility", "economy", "legal_basis")}),
        (_("Tilknytning"), {"fields": ("annex", "cluster", "is_published", "is_demo")}),
    )
