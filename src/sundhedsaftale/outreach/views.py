"""Public views of the ways in: contact, citizen pages, robots.txt, the favicon."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from sundhedsaftale.portal.caching import public_page

from . import selectors


@require_safe
@public_page(params=())
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "outreach/contact.html", {
        "section": "contact", "contact_points": list(selectors.contact_points()),
    })


@require_safe
@public_page(params=())
def citizen_page(request: HttpRequest, slug: str, focus_slug: str) -> HttpResponse:
    found = selectors.citizen_page_for(agreement_slug=slug, focus_slug=focus_slug,
                                       user=request.user)
    if found is None:
        raise Http404(_("Siden findes ikke."))
    return render(request, "outreach/citizen_page.html", {
        "section": "agreements", "agreement": found.agreement, "focus_area": found.focus_area,
        "page": found.page, "is_draft_view": found.is_draft_view,
    })


# Staff pages (the admin and the secretariats' work pages) are not for search engines. They
# need a login anyway; this keeps them out of crawlers' queues.
ROBOTS_DISALLOW = (
    "/admin/",
    "/api/",
    "/hoeringer/*/sekretariat/",
    "/hoeringer/*/svar/",
    "/opfoelgning/indsatser/",
    "/moeder/ny/",
    "/moeder/*/punkter/",
    "/moeder/*/status/",
    "/moeder/*/referat/",
    "/aftaler/*/status/*/udsend/",
    "/aftaler/*/versioner/frys/",
    "/aftaler/*/daekning/",
    "/aftaler/*/indsendelse/",
    "/bilag/*/nyt-dokument/",
    "/i18n/",
)


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in ROBOTS_DISALLOW]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('outreach:sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers that ask for /favicon.ico get the SVG icon the pages link to."""
    return HttpResponsePermanentRedirect(static("outreach/favicon.svg"))
