"""Public URLs of the meetings app (Danish paths, the same in both languages)."""

from django.urls import path  # noqa: F401

app_name = "meetings"

urlpatterns: list = []
