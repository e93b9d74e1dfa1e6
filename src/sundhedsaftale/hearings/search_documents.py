"""Searchable hearings: every hearing that is not a draft (its page is public)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.search.registry import Document, register_kind, search_provider

register_kind("hearing", label=_("Høring"), heading=_("Høringer"), order=60)


@search_provider(models=("hearings.hearing",))
def hearings() -> Iterator[Document]:
    from .models import Hearing

    for hearing in (Hearing.objects.exclude(status=Hearing.Status.DRAFT)
                    .select_related("version__agreement").order_by("-start", "title")):
        yield Document("hearing", f"hearing:{hearing.slug}",
                       reverse("hearings:detail", args=[hearing.slug]), hearing.title,
                       body=" ".join(p for p in (hearing.purpose, hearing.next_steps) if p),
                       context=str(hearing.version.agreement.title))
