"""Models of the regimes app."""

from django.db import models  # noqa: F401
