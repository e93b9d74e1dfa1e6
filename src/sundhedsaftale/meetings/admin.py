"""Meetings in the admin: read-only lists for staff (writes go through the meeting pages'
forms, the import command and the services, which check the meetings.* rules)."""

from __future__ import annotations

from django.contrib import admin

from sundhedsaftale.core.admin import ReadOnlyAdmin

from .models import AgendaItem, Case, Decision, Meeting


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
