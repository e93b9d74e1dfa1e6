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

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
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
    columns: dict[str, list[Any]] = field(default_factory=dict)
    row_count: int = 0

    @property
    def hidden_count(self) -> int:
        return sum(1 for hidden in self.columns["suppressed"] if hidden)

    @property
    def indicators(self) -> set[str]:
        return set(self.columns["indicator_id"])


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


def _rows_where(mask: pa.ChunkedArray | pa.Array) -> list[int]:
    """1-based data row numbers where `mask` is true (nulls count as false)."""
    filled = pc.fill_null(mask, False)
    return [i + 1 for i in pc.indices_nonzero(filled).to_pylist()[:MAX_PROBLEMS]]


def _problems(problems: list[str], mask: Any, text: str) -> None:
    for number in _rows_where(mask):
        problems.append(f"række {number}, {text}")


def parse_result_file(path: Path, *, known_indicators: set[str],
                      known_codes: dict[str, set[str]]) -> ParsedFile:
    """Read and check `path`; returns the rows or raises ResultFileError (nothing written).

    The checks are vectorised (pyarrow.compute), so a region-scale file is checked in a
    fraction of a second.
    """
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
    if table.num_rows == 0:
        raise ResultFileError(name, ["filen har ingen rækker"])
    problems: list[str] = []
    try:
        columns: dict[str, Any] = {
            "indicator_id": pc.cast(table.column("indicator_id"), pa.string()),
            "definition_version": pc.cast(table.column("definition_version"), pa.string()),
            "period_grain": pc.cast(table.column("period_grain"), pa.string()),
            "geo_level": pc.cast(table.column("geo_level"), pa.string()),
            "geo_code": pc.cast(table.column("geo_code"), pa.string()),
            "period_start": pc.cast(table.column("period_start"), pa.date32()),
            "suppressed": pc.cast(table.column("suppressed"), pa.bool_()),
        }
        for c in NUMBER_COLUMNS:
            columns[c] = pc.cast(table.column(c), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ResultFileError(name, [f"en kolonne har en forkert type ({exc.__class__.__name__})"
                                     ]) from None
    indicator = columns["indicator_id"]
    _problems(problems, pc.invert(pc.is_in(indicator, value_set=pa.array(
        sorted(known_indicators), pa.string()))), "kolonne indicator_id: ukendt indikator")
    definitions = {str(k): str(v) for k, v in manifest["definitions"].items()}
    pairs = pc.binary_join_element_wise(indicator, columns["definition_version"], "\x1f")
    _problems(problems, pc.invert(pc.is_in(pairs, value_set=pa.array(
        [f"{k}\x1f{v}" for k, v in definitions.items()], pa.string()))),
        "kolonne definition_version: indikatorens version står ikke i manifestet")
    _problems(problems, pc.invert(pc.is_in(columns["period_grain"], value_set=pa.array(
        sorted(GRAINS)))), "kolonne period_grain: ukendt periode")
    areas = pc.binary_join_element_wise(columns["geo_level"], columns["geo_code"], ":")
    _problems(problems, pc.invert(pc.is_in(areas, value_set=pa.array(
        sorted(f"{lv}:{c}" for lv in LEVELS for c in known_codes.get(lv, set())),
        pa.string()))), "kolonne geo_code: ikke et kendt område på niveauet (geo_level)")
    _problems(problems, pc.is_null(columns["period_start"]),
              "kolonne period_start: mangler")
    suppressed = columns["suppressed"]
    _problems(problems, pc.is_null(suppressed), "kolonne suppressed: skal være sand eller falsk")
    hidden = pc.fill_null(suppressed, False)
    shown = pc.invert(pc.fill_null(suppressed, True))
    for c in NUMBER_COLUMNS:
        has_number = pc.and_(pc.is_valid(columns[c]), pc.invert(pc.is_nan(columns[c])))
        _problems(problems, pc.and_(hidden, has_number),
                  f"kolonne {c}: en diskretioneret række har et tal")
    for c in COUNT_COLUMNS:
        small = pc.and_(pc.greater(columns[c], 0.0), pc.less(columns[c], 5.0))
        _problems(problems, pc.and_(shown, small),
                  f"kolonne {c}: et offentliggjort antal på 1-4 (skal være diskretioneret)")
    keys = pa.table({"i": indicator, "g": columns["period_grain"],
                     "p": columns["period_start"], "a": areas})
    counts = keys.group_by(["i", "g", "p", "a"]).aggregate([("i", "count")])
    if pc.any(pc.greater(counts.column("i_count"), 1)).as_py():
        problems.append("samme indikator, periode og område findes i flere rækker")
    if problems:
        raise ResultFileError(name, problems)
    lists = {c: columns[c].to_pylist() for c in columns}
    for c in NUMBER_COLUMNS:
        lists[c] = [None if v is None or math.isnan(v) else v for v in lists[c]]
    lists["period_start"] = [d.isoformat() for d in lists["period_start"]]
    return ParsedFile(file_name=name, checksum=checksum, manifest=manifest, columns=lists,
                      row_count=table.num_rows)


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
