from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.core.admin import (
    SOURCE_FIELDSET,
    ContentAdmin,
    ReadOnlyAdmin,
    ServiceModelAdmin,
)

from .models import (
    Agreement,
    AgreementAnnex,
    AgreementVersion,
    Annex,
    AnnexDocument,
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
    readonly_fields = ("document_links",)

    @admin.display(description=_("Dokumenter"))
    def document_links(self, obj: Annex) -> Any:
        from django.urls import reverse
        from django.utils.html import format_html, format_html_join

        if obj.pk is None:
            return "–"
        rows = format_html_join(
            "", "<li>{} ({}, {})</li>",
            ((d.original_name, d.type_label, d.get_scan_display())
             for d in obj.documents.order_by("-uploaded_at")))  # type: ignore[attr-defined]
        return format_html(
            '<ul>{}</ul><a href="{}">{}</a> · <a href="{}">{}</a>', rows,
            reverse("agreements:annex_upload", args=[obj.slug]),
            _("Læg en ny version af dokumentet op"),
            reverse("agreements:annex_detail", args=[obj.slug]), _("Vis på siden"))


class AnnexDocumentAdminForm(forms.ModelForm):
    """Upload through the admin: the file is checked (type, size, virus scan) in clean() and
    stored by annex_document_upload."""

    upload = forms.FileField(label=_("Dokument (PDF eller Word)"))

    class Meta:
        model = AnnexDocument
        fields = ("annex",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .annex_documents import max_bytes, scanning_is_on

        mb = max_bytes() // (1024 * 1024)
        self.fields["upload"].help_text = (
            _("PDF eller Word (.docx), højst %(mb)s MB. Hver fil virusscannes, før den gemmes.")
            if scanning_is_on() else
            _("PDF eller Word (.docx), højst %(mb)s MB. Virusscanning er slået fra: der er "
              "ingen virusscanner (ClamAV) sat op.")) % {"mb": mb}

    def clean(self) -> dict[str, Any]:
        from .annex_documents import annex_document_check, upload_read

        data = super().clean()
        upload = data.get("upload")
        if upload is not None:
            content = upload_read(upload)
            try:
                annex_document_check(name=upload.name or "", data=content)
            except ValidationError as exc:
                raise ValidationError({"upload": exc.messages}) from None
            self.upload_content = content
        return data


def _annex_document_save(*, form: Any, formsets: Any, by: Any, change: bool,
                         base_version: str | None = None) -> Any:
    from .annex_documents import annex_document_upload

    upload = form.cleaned_data["upload"]
    document = annex_document_upload(annex=form.cleaned_data["annex"],
                                     name=upload.name or "", data=form.upload_content, by=by)
    # The admin's response (message, redirect) uses the form's instance: make it the stored one.
    for field in document._meta.concrete_fields:
        setattr(form.instance, field.attname, getattr(document, field.attname))
    form.instance._state.adding = False
    return document


@admin.register(AnnexDocument)
class AnnexDocumentAdmin(ServiceModelAdmin):
    """Documents are added (a new version) and listed; a stored document is never edited."""

    form = AnnexDocumentAdminForm
    save_service = staticmethod(_annex_document_save)
    list_display = ("annex", "original_name", "mime_type", "size", "scan", "uploaded_at",
                    "is_demo")
    list_filter = ("scan", "mime_type", "is_demo")
    search_fields = ("annex__title", "original_name")
    autocomplete_fields = ("annex",)

    def get_fields(self, request: Any, obj: Any = None) -> Any:
        if obj is None:
            return ("annex", "upload")
        return ("annex", "original_name", "mime_type", "size", "sha256", "scan", "uploaded_at",
                "uploaded_by", "is_demo")

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        return () if obj is None else self.get_fields(request, obj)

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is not None:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change=change, **kwargs)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # a document is an annex's history: a new version replaces it

    def has_add_permission(self, request: Any) -> bool:
        from sundhedsaftale.access.rules import can

        return can(request.user, "agreements.annex.upload")


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
class AgreementVersionAdmin(ReadOnlyAdmin):
    list_display = ("agreement", "election_period_start", "number", "stage", "frozen_at",
                    "published_on", "entered_on", "is_demo")
    list_filter = ("stage", "agreement")
    readonly_fields = ("agreement", "election_period_start", "number", "stage", "frozen_at",
                       "frozen_by", "based_on", "entered_on", "published_on", "significant",
                       "entry_into_force", "note", "is_demo")
    exclude = ("snapshot",)
    inlines = [VersionEventInline]


@admin.register(CouncilDecision)
class CouncilDecisionAdmin(ReadOnlyAdmin):
    list_display = ("version", "region", "municipality", "decision", "decided_on",
                    "journal_number", "is_demo")
    list_filter = ("decision", "version__agreement")
    readonly_fields = [f.name for f in CouncilDecision._meta.fields]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ("version", "submitted_on", "deadline", "for_information", "is_demo")
    readonly_fields = ("version", "submitted_on", "deadline", "for_information",
                       "compared_with", "metadata", "submitted_by", "is_demo")
    exclude = ("package_pdf",)
