"""Reproduce `demo_results.parquet` exactly: the aggregated, disclosure-controlled demo run.

    uv run --frozen python -m sundhedsaftale.followup.data.make_demo_results [--keep DIR]

Steps (each printed with its wall time):
1. `sundhedsaftale indicators generate --persons 1900000 --years 6 --seed 1 --out DIR`
   (synthetic registry extracts at region scale, deterministic by seed);
2. `sundhedsaftale indicators compute --data DIR --out demo_results.parquet` (DuckDB): the
   engine's disclosure control and its audit, and the manifest in the Parquet metadata. The
   rows are the same on every run; only the manifest's `created_at` differs.

The generated registry data (about 1.5 GB) is deleted afterwards unless --keep is given.
Nothing person-level is written to the repository: only the engine's output rows.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from indicator_engine.io import read_manifest, report_path

OUT = Path(__file__).parent / "demo_results.parquet"
PERSONS = 1_900_000
YEARS = 6
SEED = 1


def _engine(*args: str) -> float:
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "sundhedsaftale.cli", "indicators", *args],
                   check=True)
    return time.monotonic() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep the generated registry data in this folder")
    parser.add_argument("--persons", type=int, default=PERSONS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="demo-run-"))
    data = args.keep or work / "data"
    try:
        seconds = _engine("generate", "--persons", str(args.persons), "--years", str(YEARS),
                          "--seed", str(SEED), "--out", str(data))
        print(f"generate: {seconds:.1f} s")
        seconds = _engine("compute", "--data", str(data), "--out", str(args.out))
        print(f"compute (engine): {seconds:.1f} s")
        manifest = read_manifest(args.out)
        print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB), "
              f"{len(manifest['definitions'])} indicators, "
              f"{manifest['audit']['hidden_cells']} hidden cells, audit passed: "
              f"{manifest['audit']['passed']}")
        report = report_path(args.out)
        report.unlink(missing_ok=True)  # the non-public run report stays out of the repository
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
