"""Small engine result files built by hand (pyarrow) with the engine's output contract:
long-format rows plus the file-level manifest under the Parquet key `indicator_engine`."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

MUNICIPALITIES = ["101", "147", "151", "153"]
CLUSTERS = ["byen", "syd", "midt", "nord", "bornholm"]
YEARS = [2022, 2023, 2024]
INDICATOR = "readmission_somatic_30d"


def manifest(**overrides: Any) -> dict[str, Any]:
    base = {
        "engine_version": "test",
        "definitions": {INDICATOR: _version(INDICATOR),
                        "preventable_admissions_65plus": _version("preventable_admissions_65plus")},
        "created_at": "2026-11-28T00:00:00+00:00",
        "audit": {"passed": True, "hidden_cells": 1, "lps_solved": 0, "seconds": 0.1,
                  "narrowest_interval": 2.0},
        "periods": {"first": "2022-01-01", "last": "2024-01-01"},
        "geography": {"as_of": "2024-01-01", "sha256": "0" * 64},
    }
    base.update(overrides)
    return base


def row(indicator: str = INDICATOR, *, grain: str = "year", start: datetime.date,
        level: str, code: str, numerator: float | None, denominator: float | None,
        suppressed: bool = False, value: float | None = None) -> dict[str, Any]:
    if suppressed:
        numbers: dict[str, Any] = dict.fromkeys(
            ("numerator", "denominator", "value", "ci_low", "ci_high", "value_std",
             "std_ci_low", "std_ci_high"))
    else:
        v = value if value is not None else (
            100.0 * numerator / denominator if numerator is not None and denominator else None)
        numbers = {"numerator": numerator, "denominator": denominator, "value": v,
                   "ci_low": None if v is None else v - 1.25,
                   "ci_high": None if v is None else v + 1.5,
                   "value_std": None if v is None else v + 0.25,
                   "std_ci_low": None if v is None else v - 1.0,
                   "std_ci_high": None if v is None else v + 1.75}
    return {"indicator_id": indicator, "definition_version": _version(indicator),
            "provisional": False,
            "unit": "percent", "period_grain": grain, "period_start": start,
            "geo_level": level, "geo_code": code, **numbers, "suppressed": suppressed,
            "suppression_reason": "primary" if suppressed else None}


def _version(indicator: str) -> str:
    """The engine's declared definition version (a hand-entered id gets "1")."""
    from indicator_engine.definitions import load_indicator

    try:
        return str(load_indicator(indicator).version)
    except Exception:  # noqa: BLE001  (not an engine indicator)
        return "1"


def standard_rows() -> list[dict[str, Any]]:
    """Region, clusters and municipalities for three years and two quarters; one hidden
    municipality cell (151 in 2024) and one hidden quarter."""
    rows = []
    for year in YEARS:
        start = datetime.date(year, 1, 1)
        rows.append(row(start=start, level="region", code="1084",
                        numerator=900 + year % 10, denominator=10000))
        for i, code in enumerate(CLUSTERS):
            rows.append(row(start=start, level="cluster", code=code,
                            numerator=150 + 7 * i + year % 10, denominator=2000 + 100 * i))
        for i, code in enumerate(MUNICIPALITIES):
            hidden = code == "151" and year == 2024
            rows.append(row(start=start, level="municipality", code=code,
                            numerator=None if hidden else 40 + 3 * i + year % 10,
                            denominator=None if hidden else 500 + 50 * i, suppressed=hidden))
    for q, month in enumerate((1, 4)):
        start = datetime.date(2024, month, 1)
        rows.append(row(grain="quarter", start=start, level="region", code="1084",
                        numerator=220 + q, denominator=2500))
        rows.append(row(grain="quarter", start=start, level="municipality", code="147",
                        numerator=None, denominator=None, suppressed=q == 1)
                    if q == 1 else row(grain="quarter", start=start, level="municipality",
                                       code="147", numerator=12, denominator=130))
    return rows


def write_results(path: Path, rows: list[dict[str, Any]] | None = None, *,
                  meta: dict[str, Any] | None | bool = True) -> Path:
    rows = standard_rows() if rows is None else rows
    schema = pa.schema([
        ("indicator_id", pa.string()), ("definition_version", pa.string()),
        ("provisional", pa.bool_()), ("unit", pa.string()), ("period_grain", pa.string()),
        ("period_start", pa.date32()), ("geo_level", pa.string()), ("geo_code", pa.string()),
        ("numerator", pa.float64()), ("denominator", pa.float64()), ("value", pa.float64()),
        ("ci_low", pa.float64()), ("ci_high", pa.float64()), ("value_std", pa.float64()),
        ("std_ci_low", pa.float64()), ("std_ci_high", pa.float64()),
        ("suppressed", pa.bool_()), ("suppression_reason", pa.string()),
    ])
    table = pa.Table.from_pylist(rows, schema=schema)
    if meta is not False and meta is not None:
        content = manifest() if meta is True else meta
        table = table.replace_schema_metadata(
            {b"indicator_engine": json.dumps(content).encode()})
    pq.write_table(table, path)
    return path
