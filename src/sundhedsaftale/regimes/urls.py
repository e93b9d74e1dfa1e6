"""Public URLs of the regimes app (Danish paths, the same in both languages)."""

from django.urls import path  # noqa: F401

app_name = "regimes"

urlpatterns: list = []
