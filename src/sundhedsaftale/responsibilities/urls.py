"""Public URLs of the responsibility catalogue (Danish paths, the same in both languages)."""

from django.urls import path

from . import views

app_name = "responsibilities"

urlpatterns = [
    path("ansvar/", views.catalogue, name="catalogue"),
    path("ansvar/<slug:slug>/", views.detail, name="detail"),
]
