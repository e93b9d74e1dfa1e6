from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.core.admin import SOURCE_FIELDSET, ContentAdmin

from .models import (
    Agreement,
    AgreementAnnex,
    AgreementVersion,
    Annex,
    CouncilDecision,
    FocusArea,
    FollowUpSource,
    Goal,
    Initiative,
    LegalRegime,
    Principle,
    Submission,
    VersionEvent,
    Vision,
)
from .services import agreement_status_set


class PublishedPartsInline:
    """Parts of a published agreement cannot be deleted from its form (only withdrawn)."""

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        from sundhedsaftale.core.services import deletion_refusal

        if obj is not None and deletion_refusal(obj):
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc]


@admin.register(LegalRegime)
class LegalRegimeAdmin(ContentAdmin):
    list_display = ("short_name", "code", "valid_from", "valid_to", "certainty")
    search_fields = ("code", "name", "short_name")
    fieldsets = ((None, {"fields": ("code", "short_name", "name", "description", "valid_from",
                                    "valid_to")}), SOURCE_FIELDSET)


class VisionInline(PublishedPartsInline, admin.TabularInline):
    model = Vision
    extra = 0
    fields = ("number", "title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    show_change_link = True


class PrincipleInline(PublishedPartsInline, admin.TabularInline):
    model = Principle
    extra = 0
    fields = ("number", "title", "summary")
    show_change_link = True


class FocusAreaInline(PublishedPartsInline, admin.TabularInline):
    model = FocusArea
    extra = 0
    fields = ("number", "title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    show_change_link = True


class FollowUpSourceInline(PublishedPartsInline, admin.TabularInline):
    model = FollowUpSource
    extra = 0
    fields = ("number", "title", "url")


class AgreementAnnexInline(PublishedPartsInline, admin.TabularInline):
    model = AgreementAnnex
    fk_name = "agreement"
    extra = 0
    fields = ("number", "annex", "carried_over_from")
    autocomplete_fields = ("annex",)


def _status_action(status: str, label: Any):
    """An admin action that moves the chosen agreements to `status` through the service (the
    transition table decides; refused moves are reported, nothing else changes)."""

    def action(modeladmin: admin.ModelAdmin, request: Any, queryset: Any) -> None:
        for agreement in queryset:
            try:
                agreement_status_set(agreement=agreement, status=status, by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                modeladmin.message_user(request, f"{agreement}: {text}", messages.ERROR)
            else:
                modeladmin.message_user(request, _("%(agreement)s: status changed to "
                                                   "%(status)s.") % {
                    "agreement": agreement, "status": Agreement.Status(status).label},
                    messages.SUCCESS)

    action.__name__ = f"set_status_{status}"
    return admin.action(description=label, permissions=["change"])(action)


@admin.register(Agreement)
class AgreementAdmin(ContentAdmin):
    list_display = ("title", "slug", "status", "regime", "period_start", "period_end", "is_demo")
    list_filter = ("status", "kind", "regime")
    search_fields = ("title", "slug", "summary")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("party_municipalities", "bodies", "clusters")
    inlines = [VisionInline, PrincipleInline, FocusAreaInline, FollowUpSourceInline,
               AgreementAnnexInline]
    actions = [_status_action(s, _("Set status: %s") % label)
               for s, label in Agreement.Status.choices]
    # The status changes only through the actions above (agreement_status_set's transitions).
    readonly_fields = ("status",)
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "status", "regime", "period_start",
                           "period_end", "summary", "is_demo")}),
        (_("Parties and organisation"), {"fields": ("party_region", "party_municipalities",
                                                    "parties_text", "bodies", "clusters")}),
    )


class GoalInline(PublishedPartsInline, admin.StackedInline):
    model = Goal
    extra = 0
    fields = ("number", "title", "slug", "summary")
    prepopulated_fields = {"slug": ("title",)}
    show_change_link = True


class FocusAreaGoalInline(GoalInline):
    fk_name = "focus_area"


class VisionGoalInline(GoalInline):
    fk_name = "vision"


@admin.register(Vision)
class VisionAdmin(ContentAdmin):
    list_display = ("title", "agreement", "number")
    list_filter = ("agreement",)
    search_fields = ("title", "summary")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [VisionGoalInline]


@admin.register(Principle)
class PrincipleAdmin(ContentAdmin):
    list_display = ("title", "agreement", "number")
    list_filter = ("agreement",)
    search_fields = ("title", "summary")


@admin.register(FocusArea)
class FocusAreaAdmin(ContentAdmin):
    list_display = ("title", "agreement", "number", "slug")
    list_filter = ("agreement",)
    search_fields = ("title", "summary")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [FocusAreaGoalInline]


def label_with_agreement(field: Any, agreement_id: int | None = None) -> None:
    """Choices of a focus area / vision / goal field named with their agreement ("Vision …
    (Sundhedsaftale 2024-2027)"), ordered by agreement; only one agreement's when known."""
    queryset = field.queryset.select_related("agreement").order_by(
        "-agreement__period_start", "number", "pk")
    if agreement_id is not None:
        queryset = queryset.filter(agreement_id=agreement_id)
    field.queryset = queryset
    field.label_from_instance = lambda obj: f"{obj} ({obj.agreement})"


class GoalAdminForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ("focus_area", "vision", "number", "title", "slug", "summary")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A goal stays in its agreement: an existing goal is offered that agreement's parents.
        agreement_id = self.instance.agreement_id if self.instance.pk else None
        for name in ("focus_area", "vision"):
            if name in self.fields:
                label_with_agreement(self.fields[name], agreement_id)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        parent = data.get("focus_area") or data.get("vision")
        if parent is not None:
            # The agreement follows the parent; set it before the model validates.
            self.instance.agreement_id = parent.agreement_id
        return data


class InitiativeInline(PublishedPartsInline, admin.TabularInline):
    model = Initiative
    extra = 0
    fields = ("number", "title", "status", "owner_body", "owner_cluster", "start_date",
              "end_date", "is_demo")
    show_change_link = True


@admin.register(Goal)
class GoalAdmin(ContentAdmin):
    form = GoalAdminForm
    list_display = ("title", "agreement", "focus_area", "vision", "number")
    list_filter = ("agreement", "focus_area")
    list_select_related = ("agreement", "focus_area", "vision")
    search_fields = ("title", "summary", "slug")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [InitiativeInline]


@admin.register(Initiative)
class InitiativeAdmin(ContentAdmin):
    def formfield_for_foreignkey(self, db_field: Any, request: Any, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "goal" and field is not None:
            label_with_agreement(field)
        return field

    list_display = ("title", "goal", "status", "owner_body", "owner_cluster", "start_date",
                    "end_date", "is_demo")
    list_filter = ("status", "is_demo", "owner_cluster", "goal__agreement")
    search_fields = ("title", "summary")


@admin.register(FollowUpSource)
class FollowUpSourceAdmin(ContentAdmin):
    list_display = ("title", "agreement", "number")
    list_filter = ("agreement",)


class AnnexLinkInline(admin.TabularInline):
    model = AgreementAnnex
    fk_name = "annex"
    extra = 0
    fields = ("agreement", "number", "carried_over_from")


@admin.register(Annex)
class AnnexAdmin(ContentAdmin):
    list_display = ("title", "kind", "valid_from", "valid_to")
    list_filter = ("kind",)
    search_fields = ("title", "summary")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [AnnexLinkInline]


# ------------------------------------------------------------------ versions and approvals
# Versions are frozen: the admin shows them read-only; stages move on the version pages
# (/aftaler/<aftale>/versioner/<ref>/) through the services.

class VersionEventInline(admin.TabularInline):
    model = VersionEvent
    extra = 0
    can_delete = False
    fields = ("on", "stage_from", "stage_to", "by", "note")
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(AgreementVersion)
class AgreementVersionAdmin(admin.ModelAdmin):
    list_display = ("agreement", "election_period_start", "number", "stage", "frozen_at",
                    "published_on", "entered_on", "is_demo")
    list_filter = ("stage", "agreement")
    readonly_fields = ("agreement", "election_period_start", "number", "stage", "frozen_at",
                       "frozen_by", "based_on", "entered_on", "published_on", "significant",
                       "entry_into_force", "note", "is_demo")
    exclude = ("snapshot",)
    inlines = [VersionEventInline]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(CouncilDecision)
class CouncilDecisionAdmin(admin.ModelAdmin):
    list_display = ("version", "region", "municipality", "decision", "decided_on",
                    "journal_number", "is_demo")
    list_filter = ("decision", "version__agreement")
    readonly_fields = [f.name for f in CouncilDecision._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("version", "submitted_on", "deadline", "for_information", "is_demo")
    readonly_fields = ("version", "submitted_on", "deadline", "for_information",
                       "compared_with", "metadata", "submitted_by", "is_demo")
    exclude = ("package_pdf",)

    def has_add_permission(self, request: Any) -> bool:
        return False
