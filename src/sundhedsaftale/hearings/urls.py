"""Public URLs of the hearings app (Danish paths, the same in both languages)."""

from django.urls import path  # noqa: F401

app_name = "hearings"

urlpatterns: list = []
