"""Small text helpers shared by the apps."""

from __future__ import annotations

from django.utils.text import slugify

_DANISH = str.maketrans({"æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "å": "a", "Å": "a"})


def danish_slugify(value: str) -> str:
    """A URL slug that keeps Danish letters readable: "Børn og unge" -> "born-og-unge"."""
    return slugify(value.translate(_DANISH))
