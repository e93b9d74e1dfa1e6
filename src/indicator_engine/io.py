"""Reading validated input into canonical tables, and writing results atomically.

Canonical tables (English names, one shape whatever the input format) are what the building
blocks read. Times are turned into integer epoch seconds (UTC, no time zone arithmetic) so
that the same Ibis expressions give identical answers on DuckDB and Spark.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from .contract import PSYCHIATRIC_SPECIALTIES, SourceFile, read_geography, typed_expr

OPEN_END = "9999-12-31"


def _t(src: SourceFile, column: str) -> str:
    expr = typed_expr(src.table.column(column), src.column_types[column])
    assert expr is not None
    return f"({expr})"


def _epoch(src: SourceFile, date_col: str, time_col: str) -> str:
    return f"CAST(epoch({_t(src, date_col)} + {_t(src, time_col)}) AS BIGINT)"


def canonical_sql(files: dict[str, SourceFile]) -> dict[str, str]:
    """SELECT statements producing the canonical tables from the validated files."""
    k, d, b, f, c = (files[n] for n in ("kontakter", "diagnoser", "befolkning",
                                         "faerdigbehandlet", "kroniske_sygdomme"))
    psych = ", ".join("'" + s + "'" for s in PSYCHIATRIC_SPECIALTIES)
    return {
        "contacts": (
            f"SELECT CAST(dw_ek_kontakt AS VARCHAR) AS contact_id, CAST(cpr AS VARCHAR) AS cpr, "
            f"{_t(k, 'dato_start')} AS start_date, {_epoch(k, 'dato_start', 'tidspunkt_start')} "
            f"AS start_s, {_t(k, 'dato_slut')} AS end_date, "
            f"{_epoch(k, 'dato_slut', 'tidspunkt_slut')} AS end_s, "
            f"CAST(aktionsdiagnose AS VARCHAR) AS action_dx, "
            f"coalesce(prioritet = 'ATA1', false) AS acute, "
            f"coalesce(kontakttype = 'ALCA00', false) AS physical, "
            f"coalesce(lower(hovedspeciale_ans) IN ({psych}), false) AS psychiatric "
            f"FROM {k.relation_sql()}"
        ),
        "diagnoses": (
            f"SELECT CAST(dw_ek_kontakt AS VARCHAR) AS contact_id, "
            f"CAST(diagnosekode AS VARCHAR) AS code, "
            f"CAST(diagnosetype AS VARCHAR) AS dx_type FROM {d.relation_sql()} "
            f"WHERE NOT {_t(d, 'senere_afkraeftet')}"
        ),
        "population": (
            f"SELECT {_t(b, 'ref_dato')} AS ref_date, CAST(cpr AS VARCHAR) AS cpr, "
            f"{_t(b, 'foed_dag')} AS birth_date, CAST(koen AS VARCHAR) AS sex, "
            f"CAST(kom AS VARCHAR) AS kom, CAST(CASE WHEN bydel IS NOT NULL "
            f"THEN kom || '-' || bydel END AS VARCHAR) AS district "
            f"FROM {b.relation_sql()}"
        ),
        "ready_marks": (
            f"SELECT CAST(dw_ek_kontakt AS VARCHAR) AS contact_id, "
            f"{_t(f, 'dato_faerdigbehandlet')} AS ready_date, "
            f"{_epoch(f, 'dato_faerdigbehandlet', 'tidspunkt_faerdigbehandlet')} AS ready_s "
            f"FROM {f.relation_sql()}"
        ),
        "chronic": (
            f"SELECT CAST(cpr AS VARCHAR) AS cpr, CAST(sygdom AS VARCHAR) AS disease, "
            f"{_t(c, 'dato_fra')} AS from_date FROM {c.relation_sql()}"
        ),
    }


def geography_frame(files: dict[str, SourceFile]) -> pd.DataFrame:
    """The geography mapping (level, code, cluster, valid_from, valid_to; open end filled)."""
    rows = read_geography(files["geografi"].path)
    frame = pd.DataFrame(rows, columns=["level", "code", "cluster", "valid_from", "valid_to"])
    open_end = dt.date.fromisoformat(OPEN_END)
    frame["valid_to"] = [v if v is not None else open_end for v in frame["valid_to"]]
    return frame


def load_into_duckdb(con: duckdb.DuckDBPyConnection, files: dict[str, SourceFile]) -> None:
    """Create the canonical tables in a DuckDB connection.

    They are views over the files (each is read at most a few times, by the building blocks),
    so nothing the size of the input is copied into memory.
    """
    for name, sql in canonical_sql(files).items():
        con.execute(f'CREATE OR REPLACE TEMP VIEW "{name}" AS {sql}')
    geo = geography_frame(files)
    con.register("__geography_df", geo)
    con.execute('CREATE OR REPLACE TEMP TABLE "geography" AS SELECT level, code, cluster, '
                'CAST(valid_from AS DATE) AS valid_from, CAST(valid_to AS DATE) AS valid_to '
                'FROM __geography_df')
    con.unregister("__geography_df")


def export_canonical_parquet(files: dict[str, SourceFile], out_dir: Path,
                             con: duckdb.DuckDBPyConnection | None = None) -> dict[str, Path]:
    """Write the canonical tables as Parquet files (used to feed Spark)."""
    own = con is None
    con = con or duckdb.connect()
    paths: dict[str, Path] = {}
    try:
        for name, sql in canonical_sql(files).items():
            path = out_dir / f"{name}.parquet"
            con.execute(f"COPY ({sql}) TO '{path}' (FORMAT parquet)")
            paths[name] = path
    finally:
        if own:
            con.close()
    return paths


def write_results_atomically(frame: pd.DataFrame, out: Path) -> None:
    """Write Parquet (or CSV when the name ends .csv) via a temp file and a rename.

    On any error nothing is written and an existing file is left untouched.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if out.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False, date_format="%Y-%m-%d")
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
