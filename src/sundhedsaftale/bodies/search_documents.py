"""Searchable bodies of the organisation (committees, health cluster boards, ...)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.search.registry import Document, register_kind, search_provider

register_kind("body", label=_("Organ"), heading=_("Organisationen"), order=32)


@search_provider()
def bodies() -> Iterator[Document]:
    from .models import Body

    for body in Body.objects.select_related("parent").order_by("number", "name"):
        text = " ".join(part for part in (
            body.short_name, body.former_names, body.description,
            body.parent.name if body.parent_id else "") if part)
        yield Document("body", f"body:{body.slug}",
                       reverse("portal:body_detail", args=[body.slug]), body.name, body=text)
