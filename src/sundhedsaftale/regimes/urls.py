"""Site-root URLs of the regimes app: the regime pages (namespace "regimes") and the agreement
lifecycle pages of the agreements app (namespace "agreements"), Danish paths."""

from django.urls import include, path

from . import views

regime_patterns = [
    path("regelsaet/", views.regime_list, name="regime_list"),
    path("regelsaet/<slug:code>/", views.regime_detail, name="regime_detail"),
]

urlpatterns = [
    path("", include("sundhedsaftale.agreements.urls")),
    path("", include((regime_patterns, "regimes"))),
]
