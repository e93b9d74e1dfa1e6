"""Admin for regimes: staff enter requirements (e.g. the 2027 rules when they are known),
process steps and deadline rules; saving goes through the services (fingerprints, audit)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import DeadlineRule, ProcessStep, Requirement, RequirementLink
from .services import (
    deadline_rule_save,
    process_step_save,
    requirement_link_review,
    requirement_save,
)


@admin.register(Requirement)
class RequirementAdmin(admin.ModelAdmin):
    list_display = ("code", "title", "kind", "regime", "fingerprint")
    list_filter = ("regime", "kind")
    search_fields = ("code", "title", "text")
    fields = ("regime", "code", "kind", "parent", "number", "title", "text", "is_demo")

    def save_model(self, request: Any, obj: Requirement, form: Any, change: bool) -> None:
        saved = requirement_save(regime=obj.regime, code=obj.code, title=obj.title,
                                 text=obj.text, kind=obj.kind, number=obj.number,
                                 parent=obj.parent, is_demo=obj.is_demo, by=request.user)
        obj.pk = saved.pk


@admin.register(ProcessStep)
class ProcessStepAdmin(admin.ModelAdmin):
    list_display = ("regime", "number", "title", "stage")
    list_filter = ("regime",)

    def save_model(self, request: Any, obj: ProcessStep, form: Any, change: bool) -> None:
        obj.pk = process_step_save(regime=obj.regime, number=obj.number, title=obj.title,
                                   description=obj.description, stage=obj.stage,
                                   by=request.user).pk


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ("regime", "kind", "title", "year_of_period", "month", "day", "yearly")
    list_filter = ("regime",)

    def save_model(self, request: Any, obj: DeadlineRule, form: Any, change: bool) -> None:
        obj.pk = deadline_rule_save(regime=obj.regime, kind=obj.kind, title=obj.title,
                                    year_of_period=obj.year_of_period, month=obj.month,
                                    day=obj.day, yearly=obj.yearly, by=request.user).pk


@admin.action(description=_("Mark as reviewed (no longer suspect)"))
def review_links(modeladmin: admin.ModelAdmin, request: Any, queryset: Any) -> None:
    for link in queryset.select_related("requirement", "agreement"):
        requirement_link_review(link=link, by=request.user)
    messages.success(request, _("Links reviewed."))


@admin.register(RequirementLink)
class RequirementLinkAdmin(admin.ModelAdmin):
    list_display = ("requirement", "agreement", "item_key", "coverage", "suspect")
    list_filter = ("agreement", "coverage")
    readonly_fields = ("requirement", "agreement", "item_key", "fingerprint", "reviewed_by",
                       "reviewed_at")
    actions = [review_links]

    @admin.display(boolean=True, description=_("suspect"))
    def suspect(self, obj: RequirementLink) -> bool:
        return obj.is_suspect

    def has_add_permission(self, request: Any) -> bool:
        return False
