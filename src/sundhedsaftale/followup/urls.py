"""Public URLs of the followup app (Danish paths, the same in both languages)."""

from django.urls import path

from . import views

app_name = "followup"

urlpatterns = [
    path("opfoelgning/", views.catalogue, name="catalogue"),
    path("opfoelgning/indsatser/", views.staff_overview, name="staff_overview"),
    path("opfoelgning/indsatser/<int:pk>/fremdrift/", views.progress_add, name="progress_add"),
    path("opfoelgning/<slug:code>/", views.indicator_detail, name="indicator_detail"),
    path("opfoelgning/<slug:code>/graf/<slug:kind>.svg", views.indicator_chart,
         name="indicator_chart"),
    path("opfoelgning/<slug:code>/data.<str:fmt>", views.indicator_download,
         name="indicator_download"),
    path("aftaler/<slug:slug>/status/", views.report_list, name="report_list"),
    path("aftaler/<slug:slug>/status/<int:pk>/", views.report_detail, name="report_detail"),
    path("aftaler/<slug:slug>/status/<int:pk>/rapport.pdf", views.report_pdf,
         name="report_pdf"),
    path("aftaler/<slug:slug>/status/<int:pk>/udsend/", views.report_issue,
         name="report_issue"),
]
