"""Searchable agreement content, from the published version of each public agreement (the
frozen snapshot, `published.PublishedAgreement`), never from the live (draft) rows."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from sundhedsaftale.search.registry import Document, register_kind, search_provider

register_kind("agreement", label=_("Sundhedsaftale"), heading=_("Sundhedsaftaler"), order=10)
register_kind("vision", label=_("Vision"), heading=_("Visioner"), order=20)
register_kind("focus_area", label=_("Fokusområde"), heading=_("Fokusområder"), order=21)
register_kind("goal", label=_("Mål"), heading=pgettext_lazy("search heading", "Mål"),
              order=22)
register_kind("initiative", label=_("Indsats"), heading=_("Indsatser"), order=23)
register_kind("principle", label=_("Princip"), heading=_("Principper"), order=24)
register_kind("annex", label=_("Bilag"), heading=_("Bilag"), order=25)


@search_provider()
def published_agreement_content() -> Iterator[Document]:
    from .selectors import agreement_published_list

    for agreement in agreement_published_list():  # newest period first
        slug = agreement.slug
        page = reverse("portal:agreement_detail", args=[slug])
        title = str(agreement.title)
        yield Document("agreement", f"agreement:{agreement.pk}", page, title,
                       body=agreement.summary)
        for vision in agreement.visions:
            yield Document("vision", vision.key, f"{page}#vision-{vision.slug}", vision.title,
                           body=vision.summary, context=title)
        for principle in agreement.principles:
            yield Document("principle", principle.key, f"{page}#principper", principle.title,
                           body=principle.summary, context=title)
        for focus_area in agreement.focus_areas:
            yield Document("focus_area", focus_area.key,
                           reverse("portal:focus_area_detail", args=[slug, focus_area.slug]),
                           focus_area.title, body=focus_area.summary, context=title)
        for goal in agreement.goals:
            goal_url = reverse("portal:goal_detail", args=[slug, goal.slug])
            yield Document("goal", goal.key, goal_url, goal.title, body=goal.summary,
                           context=title)
            for initiative in goal.initiatives:
                yield Document("initiative", initiative.key,
                               f"{goal_url}#indsats-{initiative.pk}", initiative.title,
                               body=initiative.summary, context=title)
        for link in agreement.annex_links:
            annex = link.annex
            annex_url = (reverse("agreements:annex_detail", args=[annex.slug])
                         if annex.slug else f"{page}#bilag")
            # Keyed by the annex's slug, else by agreement and number (a title is too long).
            key = f"annex:{annex.slug}" if annex.slug else f"annex:{slug}:{link.number}"
            yield Document("annex", key, annex_url,
                           annex.title, body=annex.summary, context=title)
