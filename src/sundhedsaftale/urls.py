from django.contrib import admin
from django.urls import include, path

from sundhedsaftale.core.language import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("sundhedsaftale.api.urls")),
    path("", include("sundhedsaftale.regimes.urls")),
    path("", include("sundhedsaftale.hearings.urls")),
    path("", include("sundhedsaftale.meetings.urls")),
    path("", include("sundhedsaftale.followup.urls")),
    path("", include("sundhedsaftale.responsibilities.urls")),
    path("", include("sundhedsaftale.outreach.urls")),
    path("", include("sundhedsaftale.portal.urls")),
]
