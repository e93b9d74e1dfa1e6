"""Pages of the followup app: the catalogue, indicator pages with charts and downloads,
status reports (page and PDF) and the staff form for progress entries."""

from __future__ import annotations

import base64
import datetime
import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from sundhedsaftale.access.rules import can
from sundhedsaftale.agreements.models import Agreement, Initiative
from sundhedsaftale.agreements.selectors import agreement_get_for_user
from sundhedsaftale.core.csv import csv_response
from sundhedsaftale.core.numbers import number_formatter
from sundhedsaftale.core.text import escape_text
from sundhedsaftale.portal.caching import public_page

from . import charts, selectors, services
from .models import Indicator, Run, StatusReport
from .templatetags.followup import hidden_cell

LEVEL_PARAMS = {"region": "region", "klynge": "cluster",
                "kommune": "municipality", "bydel": "district"}
GRAIN_PARAMS = {"aar": "year", "kvartal": "quarter", "maaned": "month"}
MEASURE_PARAMS = {"raa": "crude", "std": "std"}
LEVEL_LABELS = {"region": "Region", "cluster": "Sundhedsklynger",
                "municipality": "Kommuner", "district": "Københavns bydele"}
GRAIN_LABELS = {"year": "År", "quarter": "Kvartal", "month": "Måned"}
UNIT_LABELS = {"percent": "Procent", "per_1000": "Pr. 1.000", "days": "Dage"}
HIDDEN_EXPLANATION = ("Diskretioneret: tallet vises ikke, fordi det bygger på 1–4 hændelser "
                      "eller ville kunne regnes ud fra andre viste tal.")


def unit_label(indicator: Indicator) -> str:
    return UNIT_LABELS.get(indicator.unit, "Værdi")


def _choices(request: HttpRequest) -> tuple[str, str, str, dict[str, str]]:
    level_key = request.GET.get("niveau", "kommune")
    grain_key = request.GET.get("tid", "aar")
    measure_key = request.GET.get("maal", "raa")
    if level_key not in LEVEL_PARAMS:
        level_key = "kommune"
    if grain_key not in GRAIN_PARAMS:
        grain_key = "aar"
    if measure_key not in MEASURE_PARAMS:
        measure_key = "raa"
    params = {"niveau": level_key, "tid": grain_key, "maal": measure_key}
    return LEVEL_PARAMS[level_key], GRAIN_PARAMS[grain_key], MEASURE_PARAMS[measure_key], params


def _choices_key(request: HttpRequest) -> str:
    """The page cache's key part: the choices as _choices reads them (unknown -> default)."""
    return "&".join(f"{k}={v}" for k, v in _choices(request)[3].items())


def _indicator_or_404(code: str) -> Indicator:
    indicator = selectors.indicator_get(code)
    if indicator is None:
        raise Http404(_("Indikatoren findes ikke."))
    return indicator


@require_safe
@public_page(params=())
def catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "followup/catalogue.jinja", {
        "section": "followup", "groups": selectors.catalogue(),
        "runs": selectors.published_run_map(),
    })


def _table_rows(page: selectors.IndicatorPage) -> dict[str, list[tuple[Any, ...]]]:
    """The page's three tables as display text, formatted in one pass (as the `cell` and `num`
    filters would, which cost more than the rest of the page when called once per figure).
    Names, codes and periods are escaped here (each name once: the series repeats them for
    every period), and the funnel's placing is written out ("▲ over grænsen"); the template
    puts the rows into its row markup (the `rows_html` filter)."""
    fmt = number_formatter()
    placing = {"over": f"▲ {escape_text(_('over grænsen'))}",
               "under": f"▼ {escape_text(_('under grænsen'))}",
               "": f"● {escape_text(_('inden for grænserne'))}"}
    hidden = hidden_cell()
    escaped: dict[str, str] = {}

    def text(value: str) -> str:
        found = escaped.get(value)
        if found is None:
            found = escaped[value] = escape_text(value)
        return found

    def value(r: selectors.Row) -> str:
        return hidden if r.suppressed else "–" if r.value is None else fmt(r.value, 1)

    def interval(r: selectors.Row) -> str:
        if r.suppressed or r.ci_low is None:
            return ""
        return f"{fmt(r.ci_low, 1)}–{fmt(r.ci_high, 1)}"

    return {
        "series": [(text(r.name), text(r.period), value(r), interval(r))
                   for r in page.series],
        "comparison": [(text(r.name), text(r.code), value(r), interval(r),
                        "" if r.suppressed else fmt(r.numerator, 0),
                        "" if r.suppressed else fmt(r.denominator, 0))
                       for r in page.comparison],
        "funnel": [(text(p.row.name), fmt(p.row.denominator, 0), fmt(p.row.value, 1),
                    placing.get(p.outside, placing[""])) for p in page.funnel],
    }


@require_safe
@public_page(params=(), vary=_choices_key)
def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    indicator = _indicator_or_404(code)
    level, grain, measure, params = _choices(request)
    page = selectors.indicator_page(indicator=indicator, level=level, grain=grain,
                                    measure=measure)
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return render(request, "followup/indicator_detail.jinja", {
        "section": "followup", "indicator": indicator, "page": page, "params": params,
        "rows": _table_rows(page),
        "param_query": query, "unit_label": unit_label(indicator),
        "level_choices": [(k, LEVEL_LABELS[v]) for k, v in LEVEL_PARAMS.items()],
        "grain_choices": [(k, GRAIN_LABELS[v]) for k, v in GRAIN_PARAMS.items()],
        "level_label": LEVEL_LABELS[level], "grain_label": GRAIN_LABELS[grain],
        "hidden_explanation": HIDDEN_EXPLANATION,
        "latest_label": selectors.period_label(grain, page.latest_period)
        if page.latest_period else "",
    })


def _chart_key(kind: str, indicator: Indicator, run: Run | None, level: str, grain: str,
               measure: str) -> str:
    """What a chart shows: the indicator, the choices and the published run it is drawn from."""
    return charts.cache_key(kind, indicator.code, level, grain, measure,
                            run.checksum if run else "reported", indicator.pk)


def chart_svg(kind: str, indicator: Indicator, page: selectors.IndicatorPage) -> str:
    unit = unit_label(indicator)
    key = _chart_key(kind, indicator, page.run, page.level, page.grain, page.measure)
    latest = selectors.period_label(page.grain, page.latest_period) \
        if page.latest_period else ""
    if kind == "udvikling":
        names = list(dict.fromkeys(r.name for r in page.series))
        title = f"{indicator.title}: udvikling for regionen og klyngerne"
        desc = (f"Linjediagram over tid ({GRAIN_LABELS[page.grain].lower()}) for "
                f"{', '.join(names)}. Tallene står i tabellen under diagrammet.")
        return charts.render_cached(key, lambda: charts.time_series_spec(
            [r.as_dict() for r in page.series], names=names, unit_label=unit, title=title),
            title=title, description=desc)
    if kind == "sammenligning":
        title = f"{LEVEL_LABELS[page.level]} {latest} med 95 %-konfidensinterval"
        desc = ("Punkter med vandrette intervaller for hvert område; den stiplede lodrette "
                "linje er regionens værdi. Tallene står i tabellen under diagrammet.")
        region = page.region_latest.value if page.region_latest else None
        return charts.render_cached(key, lambda: charts.comparison_spec(
            [r.as_dict() for r in page.comparison], region_value=region, unit_label=unit,
            title=title), title=title, description=desc)
    if kind == "tragt":
        title = f"Tragtdiagram, {LEVEL_LABELS[page.level].lower()} {latest}"
        desc = ("Hvert område efter antal i nævneren (vandret, logaritmisk) og værdi "
                "(lodret). Den fuldt optrukne linje er regionen, de stiplede er 95 %- og "
                "99,8 %-kontrolgrænser. Områder uden for 95 %-grænsen er markeret med "
                "trekanter. Tallene står i tabellen.")
        centre = page.region_latest.value if page.region_latest and page.measure != "std" \
            else None
        if centre is None:
            crude = selectors.rows_for(indicator=indicator, level="region",
                                       grain=page.grain, run=page.run,
                                       period_from=page.latest_period,
                                       period_to=page.latest_period)
            centre = crude[0].value if crude and crude[0].value is not None else 0.0
        where = {"": "inden for grænserne", "over": "over 95 %-grænsen",
                 "under": "under 95 %-grænsen"}
        points = [{"n": p.row.denominator, "value": p.row.value, "name": p.row.name,
                   "where": where[p.outside]} for p in page.funnel]
        return charts.render_cached(key, lambda: charts.funnel_spec(
            points, page.funnel_limits, centre=float(centre), unit_label=unit,
            denominator_label="Nævner (antal)", title=title), title=title, description=desc)
    raise Http404("unknown chart")


@require_safe
@public_page(params=(), vary=_choices_key)
def indicator_chart(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    indicator = _indicator_or_404(code)
    level, grain, measure, _params = _choices(request)
    # A chart is drawn once per published run: when it is drawn already, only the run is read.
    run = None if indicator.is_reported else selectors.published_run_map().get(indicator.code)
    svg = charts.cached(_chart_key(kind, indicator, run, level, grain, measure))
    if svg is None:
        page = selectors.indicator_page(indicator=indicator, level=level, grain=grain,
                                        measure=measure)
        svg = chart_svg(kind, indicator, page)
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


def _download_rows(indicator: Indicator, level: str, grain: str, measure: str
                   ) -> tuple[list[str], list[list[Any]], list[list[str]]]:
    run = None if indicator.is_reported else selectors.published_run_map().get(indicator.code)
    rows = selectors.rows_for(indicator=indicator, level=level, grain=grain, measure=measure,
                              run=run)
    header = ["indikator", "definitionsversion", "niveau", "kode", "område", "periode",
              "periodestart", "værdi", "ci_nedre", "ci_øvre", "tæller", "nævner",
              "diskretioneret"]
    data = [[indicator.code, indicator.definition_version, r.level, r.code, r.name, r.period,
             r.period_start.isoformat(),
             *(["", "", "", "", ""] if r.suppressed else
               [r.value, r.ci_low, r.ci_high, r.numerator, r.denominator]),
             "diskretioneret" if r.suppressed else ""] for r in rows]
    meta = [
        ["indikator", indicator.code],
        ["titel", indicator.title],
        ["definitionsversion", indicator.definition_version],
        ["enhed", indicator.get_unit_display()],
        ["mål", "aldersstandardiseret" if measure == "std" and indicator.standardised
         else "rå (ustandardiseret)"],
        ["kørsel", run.label if run else "indberettede tal"],
        ["kørslens kontrolsum (SHA-256)", run.checksum if run else ""],
        ["motorversion", run.engine_version if run else ""],
        ["diskretioneret", HIDDEN_EXPLANATION],
        ["hentet", timezone.now().isoformat(timespec="seconds")],
    ]
    return header, data, meta


@require_safe
def indicator_download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    indicator = _indicator_or_404(code)
    level, grain, measure, params = _choices(request)
    header, data, meta = _download_rows(indicator, level, grain, measure)
    name = f"{indicator.code}-{params['niveau']}-{params['tid']}-{params['maal']}"
    if fmt not in ("csv", "xlsx"):
        raise Http404("unknown format")
    if fmt == "csv":
        return csv_response(f"{name}.csv", [header, *(
            ["" if v is None else v for v in row] for row in data)])
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(header)
    for row in data:
        sheet.append(row)
    metadata = workbook.create_sheet("Metadata")
    for row in meta:
        metadata.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


# --------------------------------------------------------------------------------------------
# Status reports
# --------------------------------------------------------------------------------------------

def _agreement(request: HttpRequest, slug: str) -> Agreement:
    try:
        return agreement_get_for_user(slug=slug, user=request.user)
    except Agreement.DoesNotExist:
        raise Http404(_("Aftalen findes ikke.")) from None


@require_safe
def report_list(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = _agreement(request, slug)
    return render(request, "followup/report_list.html", {
        "section": "agreements", "agreement": agreement,
        "reports": selectors.reports_for(agreement),
    })


def _report_context(report: StatusReport, *, for_pdf: bool) -> dict[str, Any]:
    content = selectors.report_content(report=report)
    for area in content["focus_areas"]:
        for goal in area["goals"]:
            for m in goal["measures"]:
                names = list(dict.fromkeys(r["name"] for r in m["series"]))
                title = f"{m['title']}: regionen og klyngerne pr. år"
                svg = charts.render_cached(
                    charts.cache_key("report", report.pk, report.status, m["indicator"],
                                     m["run"], len(m["series"])),
                    lambda m=m, names=names, title=title: charts.time_series_spec(
                        m["series"], names=names,
                        unit_label=UNIT_LABELS.get(m["unit"], "Værdi"),
                        title=title),
                    title=title,
                    description="Linjediagram; tallene står i tabellen under diagrammet.")
                m["chart_data_uri"] = "data:image/svg+xml;base64," + base64.b64encode(
                    svg.encode()).decode()
                m["table"] = [r for r in m["series"] if r["level"] == "region"] + [
                    r for r in m["series"] if r["level"] == "cluster"
                    and r["period"] == (m["latest"] or {}).get("period")]
    return {"section": "agreements", "report": report, "agreement": report.agreement,
            "content": content, "for_pdf": for_pdf, "hidden_explanation": HIDDEN_EXPLANATION}


def _report_or_404(request: HttpRequest, slug: str, pk: int) -> StatusReport:
    agreement = _agreement(request, slug)
    return get_object_or_404(StatusReport, pk=pk, agreement=agreement)


@require_safe
def report_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = _report_or_404(request, slug, pk)
    context = _report_context(report, for_pdf=False)
    context["can_issue"] = report.status == StatusReport.Status.DRAFT and can(
        request.user, "followup.report.issue", report.agreement)
    return render(request, "followup/report_detail.html", context)


@require_safe
def report_pdf(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    from weasyprint import HTML

    report = _report_or_404(request, slug, pk)
    html = render_to_string("followup/report_pdf.html", _report_context(report, for_pdf=True),
                            request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statusrapport-{report.pk}.pdf"'
    return response


@login_required
@require_http_methods(["POST"])
def report_issue(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    report = _report_or_404(request, slug, pk)
    try:
        services.status_report_issue(by=request.user, report=report)
    except ValidationError:
        pass
    return redirect("followup:report_detail", slug=slug, pk=report.pk)


# --------------------------------------------------------------------------------------------
# Staff: initiatives with progress
# --------------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def progress_add(request: HttpRequest, pk: int) -> HttpResponse:
    initiative = get_object_or_404(Initiative, pk=pk)
    if not can(request.user, "followup.progress.add", initiative):
        raise PermissionDenied
    errors: dict[str, str] = {}
    if request.method == "POST":
        text = request.POST.get("text", "")
        raw_percent = request.POST.get("percent", "").strip()
        raw_date = request.POST.get("date", "").strip()
        percent: int | None = None
        date = timezone.localdate()
        try:
            percent = int(raw_percent) if raw_percent else None
        except ValueError:
            errors["percent"] = "Skriv et helt tal mellem 0 og 100."
        if raw_date:
            try:
                date = datetime.date.fromisoformat(raw_date)
            except ValueError:
                errors["date"] = "Skriv datoen som ÅÅÅÅ-MM-DD."
        if not errors:
            try:
                services.progress_add(by=request.user, initiative=initiative, date=date,
                                      text=text, percent=percent)
                return redirect("followup:staff_overview")
            except ValidationError as exc:
                errors.update({k: " ".join(v) for k, v in exc.message_dict.items()})
    return render(request, "followup/progress_form.html", {
        "section": "followup", "initiative": initiative, "errors": errors,
        "values": request.POST if request.method == "POST" else {},
    })


@login_required
@require_safe
def staff_overview(request: HttpRequest) -> HttpResponse:
    """Initiatives with their flags (overdue, no progress for 6 months) for staff."""
    items = []
    for initiative in Initiative.objects.select_related("goal", "owner_body", "owner_cluster") \
            .prefetch_related("progress_entries", "milestones", "municipality_owners"):
        may_add = can(request.user, "followup.progress.add", initiative)
        if not may_add and not can(request.user, "followup.staff.view", None):
            continue
        items.append((selectors.initiative_progress(initiative), may_add))
    if not items and not can(request.user, "followup.staff.view", None):
        raise PermissionDenied
    return render(request, "followup/staff_overview.html", {
        "section": "followup", "items": items,
        "overdue": sum(1 for p, _m in items if p.overdue),
        "stale": sum(1 for p, _m in items if p.stale),
    })
