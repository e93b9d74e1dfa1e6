from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.core.admin import SOURCE_FIELDSET, ContentAdmin, ServiceModelAdmin, uncertain

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


@admin.register(HealthCluster)
class HealthClusterAdmin(ContentAdmin):
    list_display = ("name", "code", "kind", "hospital", "valid_from", "valid_to", "certainty")
    list_filter = ("kind", "certainty")
    search_fields = ("name", "code")
    inlines = [AreaMembershipInline]
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "number", "region", "hospital",
                           "description")}),
        (_("Period"), {"fields": ("valid_from", "valid_to")}),
        SOURCE_FIELDSET,
    )


@admin.register(AreaMembership)
class AreaMembershipAdmin(ContentAdmin):
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
