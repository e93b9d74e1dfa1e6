"""Pages of an agreement's life (Danish paths, the same in both languages).

A version is addressed by its election period's first year and its number in that period:
/aftaler/2015-2018/versioner/2014-1/ is version 1 of the election period 2014-2017.
"""

from django.urls import path, register_converter

from . import annex_views, views


class VersionRef:
    regex = r"\d{4}-\d+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(VersionRef, "ver")

app_name = "agreements"

urlpatterns = [
    path("aftaler/<slug:slug>/versioner/", views.version_list, name="version_list"),
    path("aftaler/<slug:slug>/versioner/frys/", views.version_freeze, name="version_freeze"),
    path("aftaler/<slug:slug>/versioner/<ver:ref>/", views.version_detail,
         name="version_detail"),
    path("aftaler/<slug:slug>/versioner/<ver:ref>/sammenlign/<ver:other>/",
         views.version_compare, name="version_compare"),
    path("aftaler/<slug:slug>/versioner/<ver:ref>/forloeb/", views.version_timeline,
         name="version_timeline"),
    path("aftaler/<slug:slug>/versioner/<ver:ref>/daekning/", views.version_coverage,
         name="version_coverage"),
    path("aftaler/<slug:slug>/versioner/<ver:ref>/trin/", views.version_action,
         name="version_action"),
    path("aftaler/<slug:slug>/daekning/", views.draft_coverage, name="draft_coverage"),
    path("aftaler/<slug:slug>/godkendelse/", views.approval_board, name="approval_board"),
    path("aftaler/<slug:slug>/indsendelse/", views.submission_page, name="submission"),
    path("aftaler/<slug:slug>/indsendelse/<int:pk>/pakke.pdf", views.submission_package,
         name="submission_package"),
]

# Annex pages (their views in annex_views).
urlpatterns += [
    path("bilag/", annex_views.annex_list, name="annex_list"),
    path("bilag/<slug:slug>/", annex_views.annex_detail, name="annex_detail"),
    path("bilag/<slug:slug>/nyt-dokument/", annex_views.annex_upload, name="annex_upload"),
    path("bilag/<slug:slug>/dokument/<int:pk>/", annex_views.annex_document,
         name="annex_document"),
]
