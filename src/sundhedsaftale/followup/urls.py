"""Public URLs of the followup app (Danish paths, the same in both languages)."""

from django.urls import path  # noqa: F401

app_name = "followup"

urlpatterns: list = []
