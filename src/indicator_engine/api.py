"""Public entry point: validate → load → building blocks once → every indicator → disclosure."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from ibis.expr.types import Table

from . import compiler
from .backends import Backend, DuckDBBackend, make_backend
from .blocks import build_blocks
from .contract import ValidationOptions, validate
from .definitions import Indicator, band_starts, load_indicators, load_standard_population
from .io import geography_frame

Progress = Callable[[str], None]
#: Indicators computed at once on DuckDB (see EngineRun.all_indicator_rows).
INDICATOR_THREADS = 2


def _progress_printer(enabled: bool) -> Progress:
    start = time.monotonic()

    def report(stage: str) -> None:
        if enabled:
            print(f"[{time.monotonic() - start:7.1f} s] {stage}", file=sys.stderr, flush=True)

    return report


def compute_indicators(
    data_dir: Path,
    *,
    backend: str = "duckdb",
    indicators: Sequence[str] | None = None,
    progress: bool = False,
    standard_population: Path | None = None,
    backend_options: dict[str, Any] | None = None,
    spark: Any | None = None,
    validation: ValidationOptions | None = None,
    manifest_extra: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Compute the requested indicators (default: all) for every geography level and grain.

    Raises contract.ValidationError (nothing computed) when the input breaks the contract and
    definitions.DefinitionError for a malformed declaration or standard population. Disclosure
    control is always applied; there is no switch.

    ``validation``: plausible date window and ``geography_as_of`` (the whole history on one
    day's clusters). ``manifest_extra``: a dict the run fills with what the output manifest
    must say about it (geography mapping used, how readmission exclusions were decided).
    """
    report = _progress_printer(progress)
    extra: dict[str, Any] = manifest_extra if manifest_extra is not None else {}
    results, geography = _results_before_disclosure(
        data_dir, backend=backend, indicators=indicators, report=report,
        standard_population=standard_population, backend_options=backend_options, spark=spark,
        validation=validation, manifest_extra=extra)
    report("diskretionering")
    from .audit import disclose_and_audit

    public = disclose_and_audit(results, geography, geography_path=Path(data_dir) / "geografi.csv",
                                progress=report, manifest_extra=extra)
    report(f"færdig: {len(public)} rækker")
    return public


class EngineRun:
    """Internal: one validated, loaded data set with its building blocks, on one backend.

    Rows it returns are BEFORE disclosure control; compute_indicators is the public way out.
    """

    def __init__(self, data_dir: Path, *, backend: str = "duckdb",
                 indicators: Sequence[str] | None = None, report: Progress | None = None,
                 standard_population: Path | None = None,
                 backend_options: dict[str, Any] | None = None, spark: Any | None = None,
                 validation: ValidationOptions | None = None):
        self.report = report or _progress_printer(False)
        self.validation = validation or ValidationOptions()
        self.indicators = load_indicators(list(indicators) if indicators else None)
        self.standard = load_standard_population(standard_population)
        self.starts = band_starts(self.standard)
        diseases = tuple(sorted({d for i in self.indicators for d in i.diseases}))
        dx_prefixes = tuple(sorted({p for i in self.indicators
                                    for p in i.any_diagnosis_prefixes}))
        self.report("validerer inddata")
        files = validate(Path(data_dir), options=self.validation)
        self.has_contact_reason = files["kontakter"].column_types.get("kontaktaarsag") not in (
            None, "ABSENT")
        geography = geography_frame(files, self.validation.geography_as_of)
        options = {k: v for k, v in (backend_options or {}).items() if v is not None}
        if backend == "spark" and spark is not None:
            options["spark"] = spark
        self.report(f"indlæser data ({backend})")
        self.engine: Backend = make_backend(backend, **options)
        try:
            self.engine.load(files, geography)
            self.report("byggesten: ophold, indlæggelser, bopæl, befolkning")
            self.blocks = build_blocks(self.engine, diseases=diseases, dx_prefixes=dx_prefixes,
                                       contact_reason=self.has_contact_reason)
        except BaseException:
            self.engine.close()
            raise
        self.ctx = compiler.Context(geography, self.standard,
                                    self.blocks.data_start, self.blocks.data_end)
        self.notes: list[str] = []
        start, end = self.blocks.data_start, self.blocks.data_end
        if start is not None and end is not None and not (
                (geography["valid_from"] <= end) & (geography["valid_to"] >= start)).any():
            self.notes.append(
                f"klyngeinddelingen i geografi.csv gælder ikke i dataperioden {start}–{end}: "
                f"resultatet har ingen klyngerækker (--geography-as-of giver klynger for hele "
                f"perioden)")
        for note in self.notes:
            self.report(f"bemærk: {note}")

    def manifest(self) -> dict[str, Any]:
        """What the output manifest must say about this run (see compute_indicators)."""
        as_of = self.validation.geography_as_of
        return {
            "geography": {"as_of": as_of.isoformat() if as_of else None},
            "readmission_exclusions": ("kontaktaarsag" if self.has_contact_reason
                                       else "injury_diagnoses_fallback"),
            "notes": list(self.notes),
        }

    def _expressions(self, ind: Indicator) -> tuple[Table, Table | None]:
        """The indicator's numerator cells and (for a rate) population cells, unexecuted."""
        num = compiler.numerator_cells(ind, self.blocks, self.engine, self.starts)
        pop = None
        if ind.population is not None:
            pop = compiler.population_cells(ind, self.blocks, self.starts)
        return num, pop

    def _rows(self, ind: Indicator, num: Table, pop: Table | None,
              execute: Callable[[Table], pd.DataFrame]) -> pd.DataFrame:
        """The indicator's long-format rows from its expressions, run by ``execute``."""
        self.report(f"indikator {ind.id}")
        return compiler.assemble(ind, execute(num), None if pop is None else execute(pop),
                                 self.ctx)

    def indicator_rows(self, ind: Indicator) -> pd.DataFrame:
        return self._rows(ind, *self._expressions(ind), self.engine.execute)

    def all_indicator_rows(self) -> list[pd.DataFrame]:
        """indicator_rows of every indicator, in order. On DuckDB two indicators at a time,
        each thread on its own connection to the run's database: while one thread's query
        runs (DuckDB does not hold the interpreter), the other assembles its rows in pandas,
        which left a core idle when the indicators ran one after the other."""
        if not isinstance(self.engine, DuckDBBackend) or INDICATOR_THREADS < 2 \
                or len(self.indicators) < 2:
            return [self.indicator_rows(ind) for ind in self.indicators]
        engine = self.engine
        # Built here, in this thread: building reads table schemas on the run's connection,
        # which only one thread may use.
        work = [(ind, *self._expressions(ind)) for ind in self.indicators]
        local = threading.local()
        cursors: list[Any] = []
        lock = threading.Lock()

        def rows(item: tuple[Indicator, Table, Table | None]) -> pd.DataFrame:
            ind, num, pop = item
            con = getattr(local, "con", None)
            if con is None:
                with lock:
                    cursor = engine.raw.cursor()
                    cursors.append(cursor)
                con = local.con = ibis.duckdb.from_connection(cursor)
            return self._rows(ind, num, pop, con.execute)

        try:
            with ThreadPoolExecutor(max_workers=INDICATOR_THREADS) as pool:
                return list(pool.map(rows, work))
        finally:
            for cursor in cursors:
                cursor.close()

    def close(self) -> None:
        self.engine.close()


def _results_before_disclosure(
    data_dir: Path,
    *,
    backend: str = "duckdb",
    indicators: Sequence[str] | None = None,
    report: Progress | None = None,
    standard_population: Path | None = None,
    backend_options: dict[str, Any] | None = None,
    spark: Any | None = None,
    validation: ValidationOptions | None = None,
    manifest_extra: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Internal: the long format BEFORE disclosure control, plus the geography mapping.

    Never hand these rows to anyone; compute_indicators is the only public way out.
    """
    run = EngineRun(data_dir, backend=backend, indicators=indicators, report=report,
                    standard_population=standard_population, backend_options=backend_options,
                    spark=spark, validation=validation)
    if manifest_extra is not None:
        manifest_extra.update(run.manifest())
    if not run.has_contact_reason and any(i.kind == "readmission" for i in run.indicators):
        run.report("bemærk: kontakter har ingen kontaktaarsag; genindlæggelser efter ulykke, "
                   "vold og selvmordsforsøg udelades ud fra skadediagnoser (reserveregel)")
    try:
        frames = run.all_indicator_rows()
    finally:
        run.close()
    results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=compiler.OUTPUT_COLUMNS)
    return results, run.ctx.geography
