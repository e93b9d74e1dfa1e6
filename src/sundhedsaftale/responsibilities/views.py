"""Public pages of the responsibility catalogue: /ansvar/ (filterable list) and one entry."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import selectors
from .models import Responsibility


@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    f = selectors.catalogue_filter_from(request.GET)
    entries = list(selectors.catalogue(request.user, f))
    return render(request, "responsibilities/catalogue.html", {
        "section": "responsibilities", "entries": entries, "filter": f,
        "filtered": any([f.q, f.sector, f.target_group, f.cluster]),
        "sectors": Responsibility.Sector.choices,
        "target_groups": selectors.target_groups(request.user),
        "clusters": selectors.clusters_in_use(),
    })


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    entry = selectors.visible_responsibilities(request.user).filter(slug=slug).first()
    if entry is None:
        raise Http404(_("Opgaven findes ikke i snitfladekataloget."))
    return render(request, "responsibilities/detail.html", {
        "section": "responsibilities", "entry": entry,
    })
