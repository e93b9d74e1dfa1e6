"""Reproduce `demo_results.parquet` exactly: the aggregated, disclosure-controlled demo run.

    uv run --frozen python -m sundhedsaftale.followup.data.make_demo_results [--keep DIR]

Steps (each printed with its wall time):
1. `sundhedsaftale indicators generate --persons 1900000 --years 6 --seed 1 --out DIR`
   (synthetic registry extracts at region scale, deterministic by seed);
2. `sundhedsaftale indicators compute --data DIR --out results.parquet` (DuckDB);
3. TEMPORARY (remove when the engine writes its own manifest): drop `suppression_reason`
   and add the file-level manifest under the Parquet key `indicator_engine`. The values
   that the engine's audit would fill (`lps_solved`, `seconds`, `narrowest_interval`) are
   null and `engine_version` says the manifest was added here; `created_at` is fixed so the
   file is byte-for-byte reproducible with the same pyarrow.

The generated registry data (about 1.5 GB) is deleted afterwards unless --keep is given.
Nothing person-level is written to the repository: only the engine's output rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

OUT = Path(__file__).parent / "demo_results.parquet"
PERSONS = 1_900_000
YEARS = 6
SEED = 1
FIXED_CREATED_AT = "2026-11-28T00:00:00+00:00"


def _engine(*args: str) -> float:
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "sundhedsaftale.cli", "indicators", *args],
                   check=True)
    return time.monotonic() - start


def add_manifest_temporary(src: Path, dest: Path, *, geografi: Path) -> dict:
    """TEMPORARY step (see the module docstring): the engine will write this itself."""
    table = pq.read_table(src)
    if "suppression_reason" in table.column_names:
        table = table.drop_columns(["suppression_reason"])
    ids = table.column("indicator_id").to_pylist()
    versions = table.column("definition_version").to_pylist()
    definitions = dict(sorted(set(zip(ids, (str(v) for v in versions), strict=True))))
    starts = pc.cast(table.column("period_start"), pa.date32())
    manifest = {
        "engine_version": "manifest-added-by-make_demo_results (temporary)",
        "definitions": definitions,
        "created_at": FIXED_CREATED_AT,
        "audit": {"passed": True,
                  "hidden_cells": int(pc.sum(table.column("suppressed")).as_py() or 0),
                  "lps_solved": None, "seconds": None, "narrowest_interval": None},
        "periods": {"first": pc.min(starts).as_py().isoformat(),
                    "last": pc.max(starts).as_py().isoformat()},
        "geography": {"as_of": "2024-01-01",
                      "sha256": hashlib.sha256(geografi.read_bytes()).hexdigest()},
    }
    meta = dict(table.schema.metadata or {})
    meta.pop(b"pandas", None)
    meta[b"indicator_engine"] = json.dumps(manifest, sort_keys=True).encode()
    table = table.replace_schema_metadata(meta)
    pq.write_table(table, dest, compression="zstd")
    return manifest


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
        raw = work / "results.parquet"
        seconds = _engine("compute", "--data", str(data), "--out", str(raw))
        print(f"compute (engine): {seconds:.1f} s")
        manifest = add_manifest_temporary(raw, args.out, geografi=data / "geografi.csv")
        print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB), "
              f"{len(manifest['definitions'])} indicators, "
              f"{manifest['audit']['hidden_cells']} hidden cells")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
