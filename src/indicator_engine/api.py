"""Public entry point: validate → load → building blocks once → every indicator → disclosure."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from . import compiler
from .backends import Backend, make_backend
from .blocks import build_blocks
from .contract import validate
from .definitions import band_starts, load_indicators, load_standard_population
from .io import geography_frame

Progress = Callable[[str], None]


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
) -> pd.DataFrame:
    """Compute the requested indicators (default: all) for every geography level and grain.

    Raises contract.ValidationError (nothing computed) when the input breaks the contract and
    definitions.DefinitionError for a malformed declaration or standard population. Disclosure
    control is always applied; there is no switch.
    """
    report = _progress_printer(progress)
    results, geography = _results_before_disclosure(
        data_dir, backend=backend, indicators=indicators, report=report,
        standard_population=standard_population, backend_options=backend_options, spark=spark)
    report("diskretionering")
    from .disclosure import apply_disclosure_control

    controlled = apply_disclosure_control(results, compiler.disclosure_edges(geography))
    report(f"færdig: {len(controlled)} rækker")
    return compiler.sort_rows(controlled[compiler.OUTPUT_COLUMNS])


def _results_before_disclosure(
    data_dir: Path,
    *,
    backend: str = "duckdb",
    indicators: Sequence[str] | None = None,
    report: Progress | None = None,
    standard_population: Path | None = None,
    backend_options: dict[str, Any] | None = None,
    spark: Any | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Internal: the long format BEFORE disclosure control, plus the geography mapping.

    Never hand these rows to anyone; compute_indicators is the only public way out.
    """
    report = report or _progress_printer(False)
    data_dir = Path(data_dir)
    inds = load_indicators(list(indicators) if indicators else None)
    standard = load_standard_population(standard_population)
    starts = band_starts(standard)
    diseases = tuple(sorted({d for i in inds for d in i.diseases}))

    report("validerer inddata")
    files = validate(data_dir)
    options = {k: v for k, v in (backend_options or {}).items() if v is not None}
    if backend == "spark" and spark is not None:
        options["spark"] = spark
    report(f"indlæser data ({backend})")
    engine: Backend = make_backend(backend, **options)
    try:
        engine.load(files)
        report("byggesten: ophold, indlæggelser, bopæl, befolkning")
        blocks = build_blocks(engine, diseases=diseases)
        ctx = compiler.Context(geography_frame(files), standard, blocks.data_start,
                               blocks.data_end)
        frames = []
        for ind in inds:
            report(f"indikator {ind.id}")
            num = engine.execute(compiler.numerator_cells(ind, blocks, engine, starts))
            pop = None
            if ind.kind != "readmission":
                pop = engine.execute(compiler.population_cells(ind, blocks, starts))
            frames.append(compiler.assemble(ind, num, pop, ctx))
    finally:
        engine.close()
    results = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=compiler.OUTPUT_COLUMNS)
    return results, ctx.geography
