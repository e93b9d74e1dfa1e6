"""Public portal views: parse the request, call one selector, render a template."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from sundhedsaftale.access.rules import can
from sundhedsaftale.agreements.models import Agreement, FocusArea, Goal
from sundhedsaftale.agreements.published import PublishedAgreement
from sundhedsaftale.agreements.selectors import (
    agreement_get_for_user,
    agreement_list_for_user,
    agreement_page,
    agreement_published,
    agreement_published_list,
    can_view_drafts,
    focus_area_get,
    goal_get,
    version_published,
)
from sundhedsaftale.bodies.models import Body
from sundhedsaftale.bodies.selectors import body_detail as body_detail_selector
from sundhedsaftale.core.csv import csv_response
from sundhedsaftale.geography.models import HealthCluster, Municipality

from . import search as portal_search
from . import selectors
from .caching import public_page
from .dating import dating

# Where visitors report accessibility problems; a deployment sets PORTAL_CONTACT_EMAIL.
DEFAULT_CONTACT_EMAIL = "sundhedsaftale@regionh.example"
ACCESSIBILITY_REVIEWED = datetime.date(2026, 11, 22)
#: Seconds a busy search asks the browser to wait (portal.search.search_turn).
SEARCH_RETRY_AFTER = 5


def reference_date(request: HttpRequest) -> datetime.date:
    """The date the geography is shown for (portal.dating: ?dato=YYYY-MM-DD, else today)."""
    return dating(request).on


def _dated(request: HttpRequest, template: str, context: dict[str, object]) -> HttpResponse:
    """Render a dated page: the date in effect (and an invalid ?dato= message) on top, status
    400 for an invalid date (see portal.dating)."""
    when = dating(request)
    return render(request, template, {**context, "dating": when}, status=when.status)


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness check for load balancers (and the bare view of bench/web_bench.py)."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
@public_page(params=())
def front_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(request, "portal/front.html", {
        "section": "front",
        "agreement": selectors.agreement_current(on=today),
        # The structure in effect today, as on /klynger/ and /kommuner/ (no ended clusters).
        "clusters": selectors.areas_in_effect(on=today),
    })


def _agreement_for(request: HttpRequest, slug: str) -> tuple[object, bool]:
    """The agreement as the visitor may see it: the public gets the published version
    (rendered from its frozen snapshot, never the live rows); staff with a role get the live
    working draft, marked as such. Returns (agreement, is_draft_view)."""
    if can_view_drafts(request.user):
        try:
            return agreement_get_for_user(slug=slug, user=request.user), True
        except Agreement.DoesNotExist:
            raise Http404(_("Aftalen findes ikke.")) from None
    try:
        return agreement_published(slug=slug), False
    except Agreement.DoesNotExist:
        raise Http404(_("Aftalen findes ikke.")) from None


@require_safe
@public_page(params=())
def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = (list(agreement_list_for_user(user=request.user))
                  if can_view_drafts(request.user) else agreement_published_list())
    return render(request, "portal/agreement_list.html", {
        "section": "agreements", "agreements": agreements,
    })


@require_safe
@public_page(params=())
def agreement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # The public sees the published version (agreement_page: the same as _agreement_for, with
    # the rows the page lists read at once); staff see the live working draft.
    agreement: Agreement | PublishedAgreement
    try:
        if can_view_drafts(request.user):
            agreement = agreement_get_for_user(slug=slug, user=request.user)
            draft_view, published = True, version_published(agreement=agreement)
        else:
            agreement = agreement_page(slug=slug)
            draft_view, published = False, agreement.version
    except Agreement.DoesNotExist:
        raise Http404(_("Aftalen findes ikke.")) from None
    return render(request, "portal/agreement_detail.jinja", {
        "section": "agreements", "agreement": agreement, "draft_view": draft_view,
        "published": published,
    })


@require_safe
@public_page(params=())
def focus_area_detail(request: HttpRequest, slug: str, focus_slug: str) -> HttpResponse:
    if can_view_drafts(request.user):
        try:
            focus_area = focus_area_get(agreement_slug=slug, slug=focus_slug, user=request.user)
        except FocusArea.DoesNotExist:
            raise Http404(_("Fokusområdet findes ikke.")) from None
        agreement: object = focus_area.agreement
    else:
        agreement, _draft = _agreement_for(request, slug)
        focus_area = agreement.focus_area(focus_slug)  # type: ignore[attr-defined]
        if focus_area is None:
            raise Http404(_("Fokusområdet findes ikke."))
    return render(request, "portal/focus_area_detail.html", {
        "section": "agreements", "focus_area": focus_area, "agreement": agreement,
    })


@require_safe
@public_page(params=())
def goal_detail(request: HttpRequest, slug: str, goal_slug: str) -> HttpResponse:
    if can_view_drafts(request.user):
        try:
            goal = goal_get(agreement_slug=slug, slug=goal_slug, user=request.user)
        except Goal.DoesNotExist:
            raise Http404(_("Målet findes ikke.")) from None
        agreement: object = goal.agreement
        last_changed = selectors.last_changed(goal)
    else:
        agreement, _draft = _agreement_for(request, slug)
        goal = agreement.goal(goal_slug)  # type: ignore[attr-defined]
        if goal is None:
            raise Http404(_("Målet findes ikke."))
        # The public sees the published version: it was last changed when it was frozen.
        last_changed = agreement.version.frozen_at  # type: ignore[attr-defined]
    return render(request, "portal/goal_detail.html", {
        "section": "agreements", "goal": goal, "agreement": agreement,
        "last_changed": last_changed,
        # The live row, for what links to a goal by its record (cases and meetings).
        "goal_record": goal if isinstance(goal, Goal) else Goal.objects.filter(
            pk=getattr(goal, "pk", None)).first(),
    })


@require_safe
@public_page(params=("dato", "format"))
def cluster_list(request: HttpRequest) -> HttpResponse:
    on = reference_date(request)
    clusters = selectors.areas_in_effect(on=on)
    if request.GET.get("format") == "csv" and not dating(request).invalid:
        return csv_response(f"sundhedsklynger-{on.isoformat()}.csv", [
            ["kode", "klynge", "akuthospital", "kommuner", "bydele", "befolkning"],
            *([
                item.cluster.code,
                item.cluster.name,
                item.cluster.hospital.name if item.cluster.hospital else "",
                ", ".join(a.municipality.name for a in item.areas if a.is_whole),
                ", ".join(d.code for a in item.areas for d in a.districts),
                "" if item.population is None else item.population,
            ] for item in clusters),
        ])
    return _dated(request, "portal/cluster_list.html", {
        "section": "clusters", "clusters": clusters, "on": on,
        "has_councils": any(c.cluster.kind == HealthCluster.Kind.HEALTH_COUNCIL
                            for c in clusters),
    })


@require_safe
@public_page(params=("dato",))
def cluster_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        page = selectors.cluster_page(code=code, on=reference_date(request))
    except HealthCluster.DoesNotExist:
        raise Http404(_("Sundhedsklyngen findes ikke.")) from None
    cluster = page.summary.cluster
    if cluster.is_draft and not can(request.user, "geography.edit"):
        raise Http404(_("Sundhedsklyngen findes ikke."))
    return _dated(request, "portal/cluster_detail.jinja", {
        "section": "clusters", "page": page, "cluster": cluster,
        "in_effect": cluster.is_valid_on(page.summary.on),
    })


CSV_COLUMNS: list[object] = ["kode", "kommune", "sundhedsklynger", "befolkning",
                              "officielt navn"]


@require_safe
@public_page(params=("dato", "format"))
def municipality_list(request: HttpRequest) -> HttpResponse:
    on = reference_date(request)
    rows = selectors.municipality_list(on=on)
    if request.GET.get("format") == "csv" and not dating(request).invalid:
        return _municipality_csv(rows, on)
    return _dated(request, "portal/municipality_list.jinja", {
        "section": "municipalities", "rows": rows, "on": on,
        "total": sum(r.population or 0 for r in rows),
        "any_cluster": any(r.clusters for r in rows),
    })


@require_safe
@public_page(params=("dato",))
def municipality_csv(request: HttpRequest) -> HttpResponse:
    if dating(request).invalid:
        return HttpResponse(_("Datoen (?dato=) er ikke en gyldig dato. Skriv den som ÅÅÅÅ-MM-DD."),
                            status=400, content_type="text/plain; charset=utf-8")
    on = reference_date(request)
    return _municipality_csv(selectors.municipality_list(on=on), on)


def _municipality_csv(rows: list[selectors.MunicipalityRow], on: datetime.date) -> HttpResponse:
    return csv_response(f"kommuner-{on.isoformat()}.csv", [
        CSV_COLUMNS,
        *([row.municipality.code, row.municipality.name,
           ", ".join(c.name for c in row.clusters),
           "" if row.population is None else row.population,
           row.municipality.full_name] for row in rows),
    ])


@require_safe
@public_page(params=("dato",))
def municipality_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        page = selectors.municipality_page(code=code, on=reference_date(request))
    except Municipality.DoesNotExist:
        raise Http404(_("Kommunen findes ikke.")) from None
    return _dated(request, "portal/municipality_detail.html", {
        "section": "municipalities", "page": page, "municipality": page.municipality,
    })


@require_safe
@public_page(params=("dato",))
def body_list(request: HttpRequest) -> HttpResponse:
    return _dated(request, "portal/body_list.html", {
        "section": "bodies", "groups": selectors.body_groups(on=reference_date(request)),
    })


@require_safe
@public_page(params=("dato",))
def body_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        body = body_detail_selector(slug=slug, on=reference_date(request))
    except Body.DoesNotExist:
        raise Http404(_("Organet findes ikke.")) from None
    return _dated(request, "portal/body_detail.html", {"section": "bodies", "body": body})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("q", "")
    query = portal_search.normalise_query(raw)
    shown = portal_search.shown_query(query)
    if len(" ".join(raw.split())) > portal_search.MAX_QUERY_LENGTH:
        return render(request, "portal/search.jinja", {
            "section": "search", "query": query, "shown_query": shown, "hits": [],
            "error": _("Søgningen er for lang: højst %(max)s tegn.") % {
                "max": portal_search.MAX_QUERY_LENGTH},
        }, status=400)
    if not query:  # the empty search form: nothing to search, so no turn to wait for
        return render(request, "portal/search.jinja", {
            "section": "search", "query": query, "shown_query": shown, "hits": [],
            "groups": portal_search.group_hits([])})
    with portal_search.search_turn() as granted:
        if not granted:
            busy = render(request, "portal/search.jinja", {
                "section": "search", "query": query, "shown_query": shown, "hits": [],
                "error": _("Søgningen har travlt lige nu. Prøv igen om lidt."),
            }, status=503)
            busy["Retry-After"] = str(SEARCH_RETRY_AFTER)
            return busy
        hits = portal_search.search(query)
        return render(request, "portal/search.jinja", {
            "section": "search", "query": query, "shown_query": shown, "hits": hits,
            "groups": portal_search.group_hits(hits),
        })


@require_safe
@public_page(params=())
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/accessibility.html", {
        "section": "accessibility",
        "contact_email": getattr(settings, "PORTAL_CONTACT_EMAIL", DEFAULT_CONTACT_EMAIL),
        "statement_date": ACCESSIBILITY_REVIEWED,
    })
