from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.access.rules import can
from sundhedsaftale.core.admin import SOURCE_FIELDSET, ContentAdmin, ServiceModelAdmin, uncertain

from . import transition
from .models import (
    AreaMembership,
    District,
    HealthCluster,
    Hospital,
    Municipality,
    PopulationCount,
    Region,
)


@admin.register(Region)
class RegionAdmin(ContentAdmin):
    list_display = ("code", "name", "nuts_code", "iso_code", "certainty")
    search_fields = ("code", "name")
    prepopulated_fields = {"slug": ("name",)}


class DistrictInline(admin.TabularInline):
    model = District
    extra = 0
    fields = ("code", "number", "name", "slug", "certainty", "source")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Municipality)
class MunicipalityAdmin(ContentAdmin):
    list_display = ("code", "name", "region", "certainty")
    list_filter = ("region", "certainty")
    search_fields = ("code", "name")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [DistrictInline]
    fieldsets = ((None, {"fields": ("code", "name", "slug", "region")}), SOURCE_FIELDSET)


@admin.register(District)
class DistrictAdmin(ContentAdmin):
    list_display = ("code", "name", "municipality", "certainty", uncertain)
    list_filter = ("municipality", "certainty")
    search_fields = ("code", "name")
    prepopulated_fields = {"slug": ("name",)}
    fieldsets = ((None, {"fields": ("code", "number", "name", "slug", "municipality")}),
                 SOURCE_FIELDSET)


@admin.register(Hospital)
class HospitalAdmin(ContentAdmin):
    list_display = ("name", "region", "is_acute", "certainty")
    list_filter = ("is_acute", "certainty")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


class AreaMembershipInline(admin.TabularInline):
    model = AreaMembership
    extra = 0
    fields = ("municipality", "district", "valid_from", "valid_to", "certainty", "source")
    autocomplete_fields = ("municipality", "district")


# The admin index warns staff about a coming gap in the structure (geography.transition).
admin.site.index_template = "admin/geography/index.html"


@admin.register(HealthCluster)
class HealthClusterAdmin(ContentAdmin):
    list_display = ("name", "code", "kind", "hospital", "valid_from", "valid_to", "is_draft",
                    "certainty")
    list_filter = ("kind", "is_draft", "certainty")
    search_fields = ("name", "code")
    inlines = [AreaMembershipInline]
    change_list_template = "admin/geography/change_list_transition.html"
    actions = ["publish_drafts"]
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "is_draft", "number", "region", "hospital",
                           "description")}),
        (_("Period"), {"fields": ("valid_from", "valid_to")}),
        SOURCE_FIELDSET,
    )

    def get_urls(self) -> list[URLPattern]:
        return [
            path("efterfoelgende-struktur/", self.admin_site.admin_view(self.successor_view),
                 name="geography_healthcluster_successor"),
            *super().get_urls(),
        ]

    def successor_view(self, request: HttpRequest) -> HttpResponse:
        """"Opret efterfølgende struktur": preview the copy, create it as drafts, publish."""
        from .services import SuccessorError, successor_create, successor_publish

        if not can(request.user, "geography.successor.create"):
            raise PermissionDenied
        today = transition.today()
        if request.method == "POST":
            try:
                if request.POST.get("action") == "publish":
                    gap = transition.structure_gap(today=today)
                    drafts = self._drafts(gap)
                    if not drafts:
                        messages.error(request, _("Der er ingen udkast at offentliggøre."))
                        return redirect("admin:geography_healthcluster_successor")
                    published = successor_publish(by=request.user, clusters=drafts)
                    messages.success(request, _("%(n)s sundhedsråd er offentliggjort.")
                                     % {"n": len(published)})
                    return redirect("admin:geography_healthcluster_changelist")
                created = successor_create(by=request.user, today=today)
            except (SuccessorError, ValidationError) as exc:
                messages.error(request, "; ".join(getattr(exc, "messages", None) or [str(exc)]))
                return redirect("admin:geography_healthcluster_successor")
            messages.success(request, _("%(n)s sundhedsråd er oprettet som udkast. Ret dem, og "
                                        "offentliggør dem derefter.") % {"n": len(created)})
            return redirect("admin:geography_healthcluster_successor")
        gap = transition.structure_gap(today=today)
        plan = [] if gap is None or gap.drafts_cover else [
            (cluster, memberships, transition.successor_name(cluster))
            for cluster, memberships in transition.successor_plan(gap=gap)]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta, "title": _("Opret efterfølgende struktur"),
            "gap": gap, "plan": plan, "drafts": self._drafts(gap),
            "warning_days": transition.WARNING_DAYS,
        }
        return TemplateResponse(request, "admin/geography/successor.html", context)

    @staticmethod
    def _drafts(gap: transition.StructureGap | None) -> list[HealthCluster]:
        if gap is None:
            return []
        return list(HealthCluster.objects.filter(is_draft=True, valid_from__lte=gap.date)
                    .exclude(valid_to__lt=gap.date).order_by("number", "name"))

    @admin.action(description=_("Offentliggør de valgte udkast"))
    def publish_drafts(self, request: HttpRequest, queryset: QuerySet[HealthCluster]) -> None:
        from .services import successor_publish

        if not can(request.user, "geography.successor.create"):
            raise PermissionDenied
        published = successor_publish(by=request.user, clusters=list(queryset))
        messages.success(request, _("%(n)s sundhedsråd er offentliggjort.")
                         % {"n": len(published)})


@admin.register(AreaMembership)
class AreaMembershipAdmin(ContentAdmin):
    change_list_template = "admin/geography/change_list_transition.html"
    list_display = ("cluster", "municipality", "district", "valid_from", "valid_to",
                    "certainty", uncertain)
    list_filter = ("cluster", "certainty")
    search_fields = ("municipality__name", "district__name", "cluster__name")
    autocomplete_fields = ("municipality", "district")


@admin.register(PopulationCount)
class PopulationCountAdmin(ServiceModelAdmin):
    """Read-mostly: population is replaced by `sundhedsaftale import_population`."""

    list_display = ("quarter", "area", "sex", "age_label", "count", "is_synthetic")
    list_filter = ("quarter", "is_synthetic", "sex", "municipality")
    list_select_related = ("region", "municipality", "district")
    search_fields = ("municipality__name", "district__name")

    @admin.display(description=_("area"))
    def area(self, obj: PopulationCount) -> str:
        return str(obj.area)
