"""Public portal URLs. The paths are Danish and stay the same in both languages."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.front_page, name="front"),
    path("healthz/", views.healthz, name="healthz"),
    path("aftaler/", views.agreement_list, name="agreement_list"),
    path("aftaler/<slug:slug>/", views.agreement_detail, name="agreement_detail"),
    path(
        "aftaler/<slug:slug>/fokusomraader/<slug:focus_slug>/",
        views.focus_area_detail,
        name="focus_area_detail",
    ),
    path("aftaler/<slug:slug>/maal/<slug:goal_slug>/", views.goal_detail, name="goal_detail"),
    path("klynger/", views.cluster_list, name="cluster_list"),
    path("klynger/<slug:code>/", views.cluster_detail, name="cluster_detail"),
    path("kommuner/", views.municipality_list, name="municipality_list"),
    path("kommuner.csv", views.municipality_csv, name="municipality_csv"),
    path("kommuner/<str:code>/", views.municipality_detail, name="municipality_detail"),
    path("organisation/", views.body_list, name="body_list"),
    path("organisation/<slug:slug>/", views.body_detail, name="body_detail"),
    path("soeg/", views.search, name="search"),
    path("tilgaengelighed/", views.accessibility, name="accessibility"),
]
