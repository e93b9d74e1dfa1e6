from __future__ import annotations

from django.contrib import admin

from sundhedsaftale.core.admin import ContentAdmin

from .models import CitizenPage, ContactPoint


@admin.register(ContactPoint)
class ContactPointAdmin(ContentAdmin):
    list_display = ("name", "region", "cluster", "body", "email", "phone", "is_demo")
    list_filter = ("is_demo",)
    search_fields = ("name", "email")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "number", "region", "cluster", "body", "description", "email",
              "phone", "address", "opening_hours", "is_demo")


@admin.register(CitizenPage)
class CitizenPageAdmin(ContentAdmin):
    list_display = ("focus_area", "is_published", "is_demo")
    list_filter = ("is_published", "is_demo", "focus_area__agreement")
    fields = ("focus_area", "lead", "body", "is_published", "is_demo")
