"""Reading and checking an engine result file (no writes here; `services.run_import` writes).

The file contract: the engine's long-format Parquet output (README, "Indicator engine") with
file-level key-value metadata under the key ``indicator_engine`` holding a JSON manifest::

    {"engine_version", "definitions": {id: version}, "created_at",
     "audit": {"passed", "hidden_cells", "lps_solved", "seconds", "narrowest_interval"},
     "periods": {"first", "last"}, "geography": {"as_of", "sha256"}}

Every check runs over the whole file before anything is written; problems are collected
(at most MAX_PROBLEMS shown), each naming the file, the 1-based data row and the column. No
value is ever echoed that could be personal: the file holds aggregates only, but a refused
count is named by its row, not printed.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

MANIFEST_KEY = b"indicator_engine"
MAX_PROBLEMS = 20
REQUIRED_COLUMNS = (
    "indicator_id", "definition_version", "period_grain", "period_start", "geo_level",
    "geo_code", "numerator", "denominator", "value", "ci_low", "ci_high", "value_std",
    "std_ci_low", "std_ci_high", "suppressed",
)
COUNT_COLUMNS = ("numerator", "denominator")
NUMBER_COLUMNS = ("numerator", "denominator", "value", "ci_low", "ci_high", "value_std",
                  "std_ci_low", "std_ci_high")
GRAINS = {"year", "quarter", "month"}
LEVELS = {"region", "cluster", "municipality", "district"}


class ResultFileError(Exception):
    """The file is refused as a whole; `problems` are the lines to show."""

    def __init__(self, file_name: str, problems: list[str]) -> None:
        self.file_name = file_name
        self.problems = problems
        shown = problems[:MAX_PROBLEMS]
        more = len(problems) - len(shown)
        text = f"{file_name}: filen er afvist, intet er importeret.\n" + "\n".join(
            f"  - {p}" for p in shown)
        if more > 0:
            text += f"\n  … og {more} fejl mere"
        super().__init__(text)


@dataclass
class ParsedFile:
    file_name: str
    checksum: str
    manifest: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def hidden_count(self) -> int:
        return sum(1 for r in self.rows if r["suppressed"])


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(path: Path) -> dict[str, Any]:
    name = path.name
    try:
        meta = pq.read_metadata(path).metadata or {}
    except (OSError, pa.ArrowInvalid) as exc:
        raise ResultFileError(name, [f"kan ikke læses som Parquet ({type(exc).__name__})"]) \
            from None
    raw = meta.get(MANIFEST_KEY)
    if raw is None:
        raise ResultFileError(name, [(
            "mangler motorens manifest (Parquet-metadata 'indicator_engine'); kun filer "
            "skrevet af indikatormotoren efter revision kan importeres")])
    try:
        manifest = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ResultFileError(name, ["manifestet 'indicator_engine' er ikke gyldig JSON"]) \
            from None
    if not isinstance(manifest, dict):
        raise ResultFileError(name, ["manifestet 'indicator_engine' er ikke et JSON-objekt"])
    problems = []
    for key in ("engine_version", "definitions", "created_at", "audit", "periods",
                "geography"):
        if key not in manifest:
            problems.append(f"manifestet mangler feltet '{key}'")
    audit = manifest.get("audit")
    if not isinstance(audit, dict) or audit.get("passed") is not True:
        problems.append("motorens revision (audit.passed) er ikke bestået: filen må ikke "
                        "offentliggøres")
    if not isinstance(manifest.get("definitions"), dict):
        problems.append("manifestets 'definitions' er ikke et objekt {id: version}")
    if problems:
        raise ResultFileError(name, problems)
    return manifest


def _is_count_1_to_4(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and 0 < x < 5


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def parse_result_file(path: Path, *, known_indicators: set[str],
                      known_codes: dict[str, set[str]]) -> ParsedFile:
    """Read and check `path`; returns the rows or raises ResultFileError (nothing written)."""
    name = path.name
    if not path.exists():
        raise ResultFileError(name, ["filen findes ikke"])
    manifest = read_manifest(path)
    checksum = file_checksum(path)
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise ResultFileError(name, [f"kan ikke læses som Parquet ({type(exc).__name__})"]) \
            from None
    missing = [c for c in REQUIRED_COLUMNS if c not in table.column_names]
    if missing:
        raise ResultFileError(name, [f"kolonnen '{c}' mangler" for c in missing])
    columns = {c: table.column(c).to_pylist() for c in REQUIRED_COLUMNS}
    definitions = manifest["definitions"]
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    seen: set[tuple[str, str, datetime.date, str, str]] = set()
    for i in range(table.num_rows):
        where = f"række {i + 1}"
        indicator = columns["indicator_id"][i]
        grain = columns["period_grain"][i]
        level = columns["geo_level"][i]
        code = None if columns["geo_code"][i] is None else str(columns["geo_code"][i])
        start = _date(columns["period_start"][i])
        suppressed = columns["suppressed"][i]
        if indicator not in known_indicators:
            problems.append(f"{where}, kolonne indicator_id: ukendt indikator {indicator!r}")
            continue
        version = str(columns["definition_version"][i])
        if str(definitions.get(indicator, "")) != version:
            problems.append(f"{where}, kolonne definition_version: version {version!r} af "
                            f"{indicator} står ikke i manifestet")
        if grain not in GRAINS:
            problems.append(f"{where}, kolonne period_grain: ukendt periode {grain!r}")
        if level not in LEVELS:
            problems.append(f"{where}, kolonne geo_level: ukendt niveau {level!r}")
        elif code not in known_codes.get(level, set()):
            problems.append(f"{where}, kolonne geo_code: koden {code!r} er ikke et kendt "
                            f"område på niveauet {level}")
        if start is None:
            problems.append(f"{where}, kolonne period_start: mangler eller er ikke en dato")
        if not isinstance(suppressed, bool):
            problems.append(f"{where}, kolonne suppressed: skal være sand eller falsk")
            continue
        numbers = {c: _number(columns[c][i]) for c in NUMBER_COLUMNS}
        if suppressed:
            for c in NUMBER_COLUMNS:
                if numbers[c] is not None:
                    problems.append(f"{where}, kolonne {c}: en diskretioneret række har et tal")
        else:
            for c in COUNT_COLUMNS:
                if _is_count_1_to_4(numbers[c]):
                    problems.append(f"{where}, kolonne {c}: et offentliggjort antal på 1-4 "
                                    f"(skal være diskretioneret)")
        key = (indicator, str(grain), start or datetime.date.min, str(level), str(code))
        if key in seen:
            problems.append(f"{where}: rækken findes to gange (indikator, periode, område)")
        seen.add(key)
        rows.append({"indicator": indicator, "grain": grain, "period_start": start,
                     "level": level, "code": code, "suppressed": suppressed, **numbers})
        if len(problems) > 200:
            break
    if not rows and not problems:
        problems.append("filen har ingen rækker")
    if problems:
        raise ResultFileError(name, problems)
    return ParsedFile(file_name=name, checksum=checksum, manifest=manifest, rows=rows)


def engine_audit_recheck(path: Path) -> list[str]:
    """Re-run the engine's own audit when the engine offers one.

    `indicator_engine.audit.audit_results` is being added to the engine in parallel; until it
    exists this returns no problems (the manifest's audit.passed is still required). When it
    exists it is called with the result table as a pandas DataFrame; a result that is falsy,
    or has `passed` false, refuses the file.
    """
    try:
        from indicator_engine import audit as engine_audit  # type: ignore[attr-defined]
    except ImportError:
        return []
    audit_results = getattr(engine_audit, "audit_results", None)
    if audit_results is None:
        return []
    frame = pq.read_table(path).to_pandas()
    if "suppression_reason" in frame.columns:
        frame = frame.drop(columns=["suppression_reason"])
    outcome = audit_results(frame)
    passed = outcome.get("passed") if isinstance(outcome, dict) else getattr(
        outcome, "passed", outcome)
    if passed:
        return []
    return ["motorens revision (indicator_engine.audit.audit_results) består ikke for filen"]
