"""Searchable geography: municipalities (name and the official name
such as "Københavns Kommune") and health clusters."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.search.registry import Document, register_kind, search_provider

register_kind("municipality", label=_("Kommune"), heading=_("Kommuner"), order=30)
register_kind("cluster", label=_("Sundhedsklynge"), heading=_("Sundhedsklynger"), order=31)


@search_provider()
def municipalities() -> Iterator[Document]:
    from .models import Municipality

    for municipality in Municipality.objects.select_related("region").order_by("name"):
        official = municipality.official_name
        title = official or municipality.name
        body = " ".join(part for part in (
            municipality.name if official else "", municipality.code,
            municipality.region.name if municipality.region_id else "") if part)
        yield Document("municipality", f"municipality:{municipality.code}",
                       reverse("portal:municipality_detail", args=[municipality.code]),
                       title, body=body)


@search_provider()
def clusters() -> Iterator[Document]:
    from .models import HealthCluster

    for cluster in (HealthCluster.objects.filter(is_draft=False).select_related("hospital")
                    .prefetch_related("memberships__municipality")
                    .order_by("number", "name")):
        # A cluster is found by the municipalities it covers too ("sundhedsklynge Albertslund").
        towns = sorted({m.municipality.name for m in cluster.memberships.all()
                        if m.municipality_id})
        body = " ".join(part for part in (
            str(cluster.get_kind_display()), cluster.description,
            cluster.hospital.name if cluster.hospital_id else "", ", ".join(towns)) if part)
        yield Document("cluster", f"cluster:{cluster.code}",
                       reverse("portal:cluster_detail", args=[cluster.code]), cluster.name,
                       body=body)
