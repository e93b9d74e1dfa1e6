"""Models of the hearings app."""

from django.db import models  # noqa: F401
