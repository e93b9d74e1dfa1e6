"""Searchable follow-up: the indicator catalogue (every indicator has a public page)."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.search.registry import (
    Document,
    join_text,
    register_kind,
    search_provider,
)

register_kind("indicator", label=_("Indikator"), heading=_("Opfølgning: indikatorer"),
              order=40)


@search_provider(models=("followup.indicator",))
def indicators() -> Iterator[Document]:
    from .models import Indicator

    for indicator in Indicator.objects.order_by("code"):
        text = join_text(indicator.summary, indicator.purpose, indicator.population,
                         indicator.numerator_text, indicator.exclusions,
                         indicator.national_goal, indicator.focus_area_title)
        yield Document("indicator", f"indicator:{indicator.code}",
                       reverse("followup:indicator_detail", args=[indicator.code]),
                       indicator.title, body=text)
