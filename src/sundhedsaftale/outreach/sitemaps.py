"""sitemap.xml: every public page a visitor can open, and nothing else.

Only published content: agreements through their published version (no drafts, no agreement
withdrawn to a non-public status; focus areas and goals as that version has them), published
citizen pages, hearings once they are no longer drafts, meetings that were not cancelled (the
meeting page; agenda items, closed or not, have no pages of their own, and annex files are not
listed), indicators, and the organisation. Staff pages are never listed.
"""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse


class _Paths(Sitemap):
    """A section whose items are URL paths."""

    def location(self, item: str) -> str:
        return item


class PagesSitemap(_Paths):
    priority = 0.8

    def items(self) -> list[str]:
        names = ["portal:front", "portal:agreement_list", "portal:cluster_list",
                 "portal:municipality_list", "portal:body_list", "portal:search",
                 "portal:accessibility", "outreach:contact", "hearings:list",
                 "meetings:meeting_list", "followup:catalogue"]
        return [reverse(name) for name in names]


class AgreementsSitemap(_Paths):
    priority = 0.7

    def items(self) -> list[str]:
        from sundhedsaftale.agreements.selectors import agreement_published_list

        from .selectors import published_citizen_pages

        paths = []
        for agreement in agreement_published_list():
            paths.append(reverse("portal:agreement_detail", args=[agreement.slug]))
            for focus_area in agreement.focus_areas:
                paths.append(reverse("portal:focus_area_detail",
                                     args=[agreement.slug, focus_area.slug]))
            for goal in agreement.goals:
                paths.append(reverse("portal:goal_detail", args=[agreement.slug, goal.slug]))
        for agreement_slug, focus_slug, _page in published_citizen_pages():
            paths.append(reverse("outreach:citizen_page", args=[agreement_slug, focus_slug]))
        return paths


class OrganisationSitemap(_Paths):
    priority = 0.5

    def items(self) -> list[str]:
        from sundhedsaftale.bodies.models import Body
        from sundhedsaftale.geography.models import HealthCluster, Municipality

        return ([reverse("portal:cluster_detail", args=[c.code])
                 for c in HealthCluster.objects.filter(is_draft=False)]
                + [reverse("portal:municipality_detail", args=[m.code])
                   for m in Municipality.objects.all()]
                + [reverse("portal:body_detail", args=[b.slug]) for b in Body.objects.all()])


class ProcessSitemap(_Paths):
    """Hearings, meetings and the follow-up's indicators."""

    priority = 0.5

    def items(self) -> list[str]:
        from sundhedsaftale.followup.models import Indicator
        from sundhedsaftale.hearings.models import Hearing
        from sundhedsaftale.meetings.models import Meeting

        return ([reverse("hearings:detail", args=[h.slug])
                 for h in Hearing.objects.exclude(status=Hearing.Status.DRAFT)]
                + [reverse("meetings:meeting_detail", args=[m.slug])
                   for m in Meeting.objects.exclude(status=Meeting.Status.CANCELLED)]
                + [reverse("followup:indicator_detail", args=[i.code])
                   for i in Indicator.objects.all()])


SITEMAPS = {
    "sider": PagesSitemap,
    "aftaler": AgreementsSitemap,
    "organisation": OrganisationSitemap,
    "proces": ProcessSitemap,
}
