"""Reads for the ways in: contact points in reading order, and citizen pages as a visitor may
see them (published, for a focus area in the agreement's published version)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from sundhedsaftale.agreements.models import Agreement, FocusArea
from sundhedsaftale.agreements.selectors import (
    agreement_published,
    agreement_published_list,
    can_view_drafts,
    focus_area_get,
)

from .models import CitizenPage, ContactPoint


def contact_points() -> QuerySet[ContactPoint]:
    """The region's secretariat first, then bodies, then health clusters."""
    from django.db.models import Case, IntegerField, Value, When

    return (ContactPoint.objects.select_related("region", "cluster", "body")
            .annotate(group=Case(When(region__isnull=False, then=Value(0)),
                                 When(body__isnull=False, then=Value(1)),
                                 default=Value(2), output_field=IntegerField()))
            .order_by("group", "number", "name"))


@dataclass
class CitizenView:
    agreement: Any
    focus_area: Any
    page: CitizenPage
    is_draft_view: bool


def citizen_page_for(*, agreement_slug: str, focus_slug: str, user: Any) -> CitizenView | None:
    """The citizen page of a focus area as `user` may see it, or None.

    The public sees a published page of a focus area in the agreement's published version;
    staff who read drafts see the live focus area's page, published or not."""
    if can_view_drafts(user):
        try:
            focus_area: Any = focus_area_get(agreement_slug=agreement_slug, slug=focus_slug,
                                             user=user)
        except FocusArea.DoesNotExist:
            return None
        page = CitizenPage.objects.filter(focus_area=focus_area).first()
        if page is None:
            return None
        return CitizenView(focus_area.agreement, focus_area, page, True)
    try:
        agreement = agreement_published(slug=agreement_slug)
    except Agreement.DoesNotExist:  # unknown, unpublished or withdrawn
        return None
    node = agreement.focus_area(focus_slug)
    if node is None:
        return None
    page = CitizenPage.objects.published().filter(focus_area_id=node.pk).first()
    if page is None:
        return None
    return CitizenView(agreement, node, page, False)


def published_citizen_pages() -> list[tuple[str, str, CitizenPage]]:
    """(agreement slug, focus area slug, page) for every page the public can open."""
    pages = {p.focus_area_id: p for p in CitizenPage.objects.published()}
    result = []
    for agreement in agreement_published_list():
        for node in agreement.focus_areas:
            page = pages.get(int(node.pk))
            if page is not None:
                result.append((agreement.slug, node.slug, page))
    return result
