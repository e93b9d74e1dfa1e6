"""Read endpoints of the followup app in the platform API (/api/v1/opfoelgning/).

Only published material: the catalogue, published runs and the rows of each indicator's
published run (and reported values). A hidden cell has every number `null` and
`"suppressed": true`; it is never 0.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import Http404
from ninja import Router, Schema

from . import selectors

router = Router(tags=["followup"])


class IndicatorOut(Schema):
    id: str
    title: str
    title_en: str
    source: str
    unit: str
    definition_version: str
    provisional: bool
    standardised: bool
    summary: str
    purpose: str
    population: str
    numerator: str
    denominator: str
    exclusions: str
    data_source: str
    caveats: str
    national_goal: str
    focus_area: str


class RunOut(Schema):
    id: int
    label: str
    checksum: str
    engine_version: str
    definitions: dict[str, str]
    period_first: datetime.date | None
    period_last: datetime.date | None
    published_at: datetime.datetime | None
    rows: int
    hidden_cells: int
    demo: bool


class ResultOut(Schema):
    indicator: str
    level: str
    code: str
    name: str
    grain: str
    period: str
    period_start: datetime.date
    value: float | None
    ci_low: float | None
    ci_high: float | None
    numerator: float | None
    denominator: float | None
    suppressed: bool


def _indicator_out(i: selectors.Indicator) -> IndicatorOut:
    return IndicatorOut(
        id=i.code, title=i.title, title_en=i.title_en, source=i.source, unit=i.unit,
        definition_version=i.definition_version, provisional=i.provisional,
        standardised=i.standardised, summary=i.summary, purpose=i.purpose,
        population=i.population, numerator=i.numerator_text,
        denominator=i.denominator_text, exclusions=i.exclusions, data_source=i.data_source,
        caveats=i.caveats, national_goal=i.national_goal, focus_area=i.focus_area_title)


@router.get("/indikatorer", response=list[IndicatorOut], summary="The indicator catalogue")
def indicators(request) -> list[IndicatorOut]:  # type: ignore[no-untyped-def]
    return [_indicator_out(i) for i in selectors.Indicator.objects.all()]


@router.get("/indikatorer/{code}", response=IndicatorOut, summary="One catalogue entry")
def indicator(request, code: str) -> IndicatorOut:  # type: ignore[no-untyped-def]
    found = selectors.indicator_get(code)
    if found is None:
        raise Http404("unknown indicator")
    return _indicator_out(found)


@router.get("/koersler", response=list[RunOut], summary="Published runs")
def runs(request) -> list[RunOut]:  # type: ignore[no-untyped-def]
    return [RunOut(id=r.pk, label=r.label, checksum=r.checksum,
                   engine_version=r.engine_version,
                   definitions={str(k): str(v) for k, v in r.definitions.items()},
                   period_first=r.period_first, period_last=r.period_last,
                   published_at=r.published_at, rows=r.row_count,
                   hidden_cells=r.hidden_count, demo=r.is_demo)
            for r in selectors.published_runs()]


@router.get("/resultater", response=list[ResultOut],
            summary="Results of an indicator's published run")
def results(request, indicator: str,  # type: ignore[no-untyped-def]
            level: Literal["region", "cluster", "municipality", "district"] = "region",
            grain: Literal["year", "quarter", "month"] = "year", code: str | None = None,
            period_from: datetime.date | None = None, period_to: datetime.date | None = None,
            standardised: bool = False) -> list[ResultOut]:
    found = selectors.indicator_get(indicator)
    if found is None:
        raise Http404("unknown indicator")
    rows = selectors.rows_for(indicator=found, level=level, grain=grain,
                              measure="std" if standardised else "crude",
                              codes=[code] if code else None, period_from=period_from,
                              period_to=period_to)
    return [ResultOut(indicator=found.code, **r.as_dict()) for r in rows]
