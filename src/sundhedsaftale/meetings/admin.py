"""Meetings in the admin: read-only lists for staff (writes go through the meeting pages'
forms, the import command and the services, which check the meetings.* rules)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AgendaItem, Case, Decision, Meeting


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ("starts_at", "body", "status", "place", "is_demo")
    list_filter = ("status", "body", "is_demo")
    search_fields = ("slug", "title", "place")


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "number", "title", "is_closed", "state", "case")
    list_filter = ("is_closed", "state", "kind")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("journal_number", "title", "is_demo")
    search_fields = ("journal_number", "title")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("reference", "body", "decided_on", "item")
    list_filter = ("body", "year")
