"""Staff editing of the follow-up: catalogue documentation, runs (publish/withdraw as admin
actions), measures, status reports. Every write goes through a service."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Indicator, Measure, Run, StatusReport

DOC_EDIT_FIELDS = ("title", "summary", "purpose", "population", "numerator_text",
                   "denominator_text", "exclusions", "data_source", "caveats", "national_goal",
                   "focus_area_title", "better")


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "source", "unit", "definition_version", "provisional")
    list_filter = ("source", "provisional")
    search_fields = ("code", "title")
    readonly_fields = ("code", "source", "definition_version", "unit", "provisional",
                       "standardised", "title_en")
    fields = (*readonly_fields, *DOC_EDIT_FIELDS)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def save_model(self, request: Any, obj: Indicator, form: Any, change: bool) -> None:
        texts = {name: form.cleaned_data[name] for name in form.changed_data
                 if name in DOC_EDIT_FIELDS}
        fresh = Indicator.objects.get(pk=obj.pk)
        services.indicator_document(indicator=fresh, by=request.user, **texts)


@admin.action(description=_("Publish the selected runs"))
def publish_runs(modeladmin: Any, request: Any, queryset: Any) -> None:
    for run in queryset:
        try:
            services.run_publish(run=run, by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            modeladmin.message_user(request, f"{run}: {exc}", messages.ERROR)


@admin.action(description=_("Withdraw the selected runs"))
def withdraw_runs(modeladmin: Any, request: Any, queryset: Any) -> None:
    for run in queryset:
        try:
            services.run_withdraw(run=run, by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            modeladmin.message_user(request, f"{run}: {exc}", messages.ERROR)


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("label", "status", "row_count", "hidden_count", "imported_at",
                    "published_at", "is_demo")
    list_filter = ("status", "is_demo")
    actions = (publish_runs, withdraw_runs)
    readonly_fields = [f.name for f in Run._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ("goal", "indicator", "direction", "baseline_year", "baseline_value",
                    "target_value", "target_year", "is_demo")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)


@admin.register(StatusReport)
class StatusReportAdmin(admin.ModelAdmin):
    list_display = ("title", "agreement", "kind", "year", "status", "issued_at", "is_demo")

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)
