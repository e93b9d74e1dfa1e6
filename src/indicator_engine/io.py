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
    """SELECT statements producing the canonical tables from the validated files (read
    without row numbers: only validation reports rows, and numbering them costs a good part
    of a Parquet scan)."""
    k, d, b, f, c = (files[n] for n in ("kontakter", "diagnoser", "befolkning",
                                         "faerdigbehandlet", "kroniske_sygdomme"))
    g = files["genoptraeningsplaner"]
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
            f"coalesce(lower(hovedspeciale_ans) IN ({psych}), false) AS psychiatric, "
            f"CAST(lower(hovedspeciale_ans) AS VARCHAR) AS specialty, "
            f"{_t(k, 'kontaktaarsag')} AS contact_reason "
            f"FROM {k.relation_sql(row_numbers=False)}"
        ),
        "diagnoses": (
            f"SELECT CAST(dw_ek_kontakt AS VARCHAR) AS contact_id, "
            f"CAST(diagnosekode AS VARCHAR) AS code, "
            f"CAST(diagnosetype AS VARCHAR) AS dx_type FROM {d.relation_sql(row_numbers=False)} "
            f"WHERE NOT {_t(d, 'senere_afkraeftet')}"
        ),
        "population": (
            f"SELECT {_t(b, 'ref_dato')} AS ref_date, CAST(cpr AS VARCHAR) AS cpr, "
            f"{_t(b, 'foed_dag')} AS birth_date, CAST(koen AS VARCHAR) AS sex, "
            f"CAST(kom AS VARCHAR) AS kom, CAST(CASE WHEN bydel IS NOT NULL "
            f"THEN kom || '-' || bydel END AS VARCHAR) AS district "
            f"FROM {b.relation_sql(row_numbers=False)}"
        ),
        "ready_marks": (
            f"SELECT CAST(dw_ek_kontakt AS VARCHAR) AS contact_id, "
            f"{_t(f, 'dato_faerdigbehandlet')} AS ready_date, "
            f"{_epoch(f, 'dato_faerdigbehandlet', 'tidspunkt_faerdigbehandlet')} AS ready_s "
            f"FROM {f.relation_sql(row_numbers=False)}"
        ),
        "chronic": (
            f"SELECT CAST(cpr AS VARCHAR) AS cpr, CAST(sygdom AS VARCHAR) AS disease, "
            f"{_t(c, 'dato_fra')} AS from_date FROM {c.relation_sql(row_numbers=False)}"
        ),
        "rehab_plans": (
            f"SELECT CAST(cpr AS VARCHAR) AS cpr, CAST(dw_ek_kontakt AS VARCHAR) AS contact_id, "
            f"{_t(g, 'dato_udstedt')} AS issued_date, CAST(plantype AS VARCHAR) AS plan_kind, "
            f"{_t(g, 'dato_foerste_traening')} AS first_session_date "
            f"FROM {g.relation_sql(row_numbers=False)}"
        ),
    }


#: With --geography-as-of, the chosen day's mapping holds from this day on (the whole history).
HISTORY_START = dt.date(1900, 1, 1)


def geography_frame(files: dict[str, SourceFile], as_of: dt.date | None = None
                    ) -> pd.DataFrame:
    """The member rows of the geography mapping (level municipality/district, code, cluster,
    valid_from, valid_to; open end filled). Cluster declarations are left out.

    ``as_of``: only the rows valid on that day, made valid for the whole history, so every
    period is computed on that day's clusters (``--geography-as-of``).
    """
    rows = [r for r in read_geography(files["geografi"].path) if r["level"] != "cluster"]
    frame = pd.DataFrame(rows, columns=["level", "code", "cluster", "valid_from", "valid_to"])
    open_end = dt.date.fromisoformat(OPEN_END)
    frame["valid_to"] = [v if v is not None else open_end for v in frame["valid_to"]]
    if as_of is not None:
        on_day = [vf <= as_of <= vt for vf, vt in zip(frame["valid_from"], frame["valid_to"],
                                                      strict=True)]
        frame = frame[on_day].reset_index(drop=True)
        frame["valid_from"] = [HISTORY_START] * len(frame)
        frame["valid_to"] = [open_end] * len(frame)
    return frame


def load_into_duckdb(con: duckdb.DuckDBPyConnection, files: dict[str, SourceFile],
                     geography: pd.DataFrame | None = None) -> None:
    """Create the canonical tables in a DuckDB connection (in its database, not as TEMP
    objects: other connections to the same in-memory database read them too).

    They are views over the files (each is read at most a few times, by the building blocks),
    so nothing the size of the input is copied into memory. ``geography``: the member mapping
    to use (default: the file's, see geography_frame).
    """
    for name, sql in canonical_sql(files).items():
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')
    geo = geography_frame(files) if geography is None else geography
    con.register("__geography_df", geo)
    con.execute('CREATE OR REPLACE TABLE "geography" AS SELECT level, code, cluster, '
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


#: Output formats by file name extension.
OUTPUT_FORMATS = {".parquet": "parquet", ".csv": "csv", ".xlsx": "xlsx"}


class OutputFormatError(ValueError):
    """The output file name has an extension the engine cannot write."""


def output_format(out: Path) -> str:
    """The format an output file is written in, by its extension (checked before any work)."""
    fmt = OUTPUT_FORMATS.get(Path(out).suffix.lower())
    if fmt is None:
        raise OutputFormatError(
            f"{Path(out).name}: ukendt filtype; brug {', '.join(OUTPUT_FORMATS)}")
    return fmt


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    # Excel has no missing-integer type: nullable integers become floats with empty cells.
    plain = frame.copy()
    for col in plain.columns:
        if isinstance(plain[col].dtype, pd.Int64Dtype):
            plain[col] = plain[col].astype("float64")
    plain.to_excel(path, index=False, engine="openpyxl", sheet_name="results")


def _default_file_mode() -> int:
    """0666 minus the process umask: what an ordinary new file gets (mkstemp makes 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write_results_atomically(frame: pd.DataFrame, out: Path) -> None:
    """Write Parquet, CSV or XLSX (by the extension) via a temp file and a rename.

    On any error nothing is written and an existing file is left untouched. The file gets
    the usual permissions (umask), not the temp file's owner-only ones.
    """
    out = Path(out)
    fmt = output_format(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _refuse_failed_audit(frame)
        if fmt == "csv":
            frame.to_csv(tmp, index=False, date_format="%Y-%m-%d")
        elif fmt == "xlsx":
            _write_xlsx(frame, tmp)
        else:
            write_parquet_with_manifest(frame, tmp)
        os.chmod(tmp, _default_file_mode())
        write_run_report(frame, out)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


MANIFEST_KEY = b"indicator_engine"


def report_path(out: Path) -> Path:
    """The non-public run report next to an output: ``<out-stem>.report.json``."""
    out = Path(out)
    return out.with_name(f"{out.stem}.report.json")


def _refuse_failed_audit(frame: pd.DataFrame) -> None:
    manifest = frame.attrs.get("indicator_engine_manifest")
    if manifest is not None and not manifest.get("audit", {}).get("passed", False):
        raise RuntimeError("resultatet bestod ikke revisionen af diskretioneringen; intet skrevet")


def write_parquet_with_manifest(frame: pd.DataFrame, path: Path) -> None:
    """Parquet with the run manifest (frame.attrs) as file-level key-value metadata under
    the key ``indicator_engine`` (UTF-8 JSON)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    manifest = frame.attrs.get("indicator_engine_manifest")
    plain = frame.copy()
    plain.attrs = {}
    table = pa.Table.from_pandas(plain, preserve_index=False)
    if manifest is not None:
        meta = dict(table.schema.metadata or {})
        meta[MANIFEST_KEY] = json.dumps(manifest, ensure_ascii=False).encode("utf-8")
        table = table.replace_schema_metadata(meta)
    pq.write_table(table, path)


def write_run_report(frame: pd.DataFrame, out: Path) -> Path | None:
    """Write the non-public run report (suppression reasons, audit) next to ``out``,
    readable by the owner only, atomically. Nothing when the frame carries no report."""
    import json

    run_report = frame.attrs.get("indicator_engine_report")
    if run_report is None:
        return None
    target = report_path(out)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(run_report, fh, ensure_ascii=False, indent=1)
        os.chmod(tmp_name, 0o600)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def read_manifest(path: Path | str) -> dict:
    """The run manifest of an output: the Parquet key-value metadata ``indicator_engine``;
    for other formats the ``manifest`` of the run report next to it. ValueError when absent."""
    import json

    path = Path(path)
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            meta = pq.read_schema(path).metadata or {}
        except Exception as exc:
            raise ValueError(f"{path}: ikke en læsbar Parquet-fil") from exc
        if MANIFEST_KEY not in meta:
            raise ValueError(f"{path}: intet indicator_engine-manifest i filen")
        return dict(json.loads(meta[MANIFEST_KEY].decode("utf-8")))
    report = report_path(path)
    if report.is_file():
        data = json.loads(report.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("manifest"), dict):
            return dict(data["manifest"])
    raise ValueError(f"{path}: intet manifest (hverken i filen eller i {report.name})")
