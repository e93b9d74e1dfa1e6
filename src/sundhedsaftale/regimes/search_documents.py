"""Searchable legal regimes: each regime page and the requirements it lists."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.search.registry import Document, register_kind, search_provider

register_kind("requirement", label=_("Krav i regelsæt"), heading=_("Regelsæt og krav"),
              order=50)


@search_provider(models=("agreements.legalregime", "regimes.requirement"))
def regimes() -> Iterator[Document]:
    from sundhedsaftale.agreements.models import LegalRegime

    from .models import Requirement

    urls = {}
    for regime in LegalRegime.objects.order_by("code"):
        urls[regime.pk] = reverse("regimes:regime_detail", args=[regime.code])
        yield Document("requirement", f"regime:{regime.code}", urls[regime.pk], regime.name,
                       body=" ".join(p for p in (regime.short_name, regime.description) if p))
    for requirement in (Requirement.objects.select_related("regime")
                        .order_by("regime__code", "number", "code")):
        yield Document("requirement", f"requirement:{requirement.pk}",
                       urls.get(requirement.regime_id, ""),
                       f"{requirement.code} {requirement.title}", body=requirement.text,
                       context=requirement.regime.short_name or requirement.regime.name)
