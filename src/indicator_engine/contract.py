"""The engine's input contract: every input table's schema as data, and validation on read.

Validation runs as DuckDB SQL directly over the files (one scan per table, whatever the compute
backend) and refuses invalid input before anything is computed. Every problem names the file,
the 1-based data row (for CSV also the line number), the column and what is wrong. At most
``MAX_ERRORS`` problems are collected.

Messages are Danish (they are shown to users); identifiers are English.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

import duckdb

MAX_ERRORS = 20
#: Above this many distinct values a categorical column is checked row by row.
MAX_DISTINCT_VALUES = 100_000

ColumnKind = Literal["str", "date", "time", "bool"]

# A pseudonym must never look like a real CPR number (DDMMYY-NNNN or DDMMYYNNNN).
CPR_LIKE_PATTERN = r"\s*\d{6}-?\d{4}\s*"
PSYCHIATRIC_SPECIALTIES = ("psykiatri", "børne- og ungdomspsykiatri")
REGION_CODE = "1084"


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    pattern: str | None = None  # full-match regular expression (strings only)
    pattern_hint: str = ""
    pseudonym: bool = False  # refuse values that look like a real CPR number
    #: Few distinct values (codes, dates of reference): checked once per distinct value.
    categorical: bool = False


@dataclass(frozen=True)
class TableSchema:
    name: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


ICD_PATTERN = r"D[A-Z][0-9A-Z]{1,6}"
ICD_HINT = "dansk ICD-10 med D-præfiks uden punktum, fx DJ441"

KONTAKTER = TableSchema(
    "kontakter",
    (
        Column("dw_ek_kontakt", "str"),
        Column("dw_ek_forloeb", "str", nullable=True),
        Column("cpr", "str", pseudonym=True),
        Column("dato_start", "date"),
        Column("tidspunkt_start", "time"),
        Column("dato_slut", "date"),
        Column("tidspunkt_slut", "time"),
        Column("aktionsdiagnose", "str", pattern=ICD_PATTERN, pattern_hint=ICD_HINT,
               categorical=True),
        Column("prioritet", "str", allowed=("ATA1", "ATA3"), categorical=True),
        Column("kontakttype", "str", pattern=r"ALCA\d{2}", pattern_hint="ALCA-kode, fx ALCA00",
               categorical=True),
        Column("sorenhed_ans", "str", nullable=True),
        Column("hovedspeciale_ans", "str", categorical=True),
    ),
)
DIAGNOSER = TableSchema(
    "diagnoser",
    (
        Column("dw_ek_kontakt", "str"),
        Column("diagnosekode", "str", pattern=ICD_PATTERN, pattern_hint=ICD_HINT,
               categorical=True),
        Column("diagnosetype", "str", allowed=("A", "B"), categorical=True),
        Column("senere_afkraeftet", "bool", categorical=True),
    ),
)
BEFOLKNING = TableSchema(
    "befolkning",
    (
        Column("ref_dato", "date", categorical=True),
        Column("cpr", "str", pseudonym=True),
        Column("foed_dag", "date"),
        Column("koen", "str", allowed=("M", "K"), categorical=True),
        Column("kom", "str", pattern=r"\d{3}", pattern_hint="3-cifret kommunekode",
               categorical=True),
        Column("bydel", "str", nullable=True, pattern=r"\d{2}", pattern_hint="01..10",
               categorical=True),
    ),
)
FAERDIGBEHANDLET = TableSchema(
    "faerdigbehandlet",
    (
        Column("dw_ek_kontakt", "str"),
        Column("dato_faerdigbehandlet", "date"),
        Column("tidspunkt_faerdigbehandlet", "time"),
    ),
)
KRONISKE_SYGDOMME = TableSchema(
    "kroniske_sygdomme",
    (
        Column("cpr", "str", pseudonym=True),
        Column("sygdom", "str", categorical=True),
        Column("dato_fra", "date"),
    ),
)
GEOGRAFI = TableSchema(
    "geografi",
    (
        Column("level", "str", allowed=("municipality", "district")),
        Column("code", "str", pattern=r"\d{3}(-\d{2})?", pattern_hint="fx 147 eller 101-01"),
        Column("cluster", "str"),
        Column("valid_from", "date"),
        Column("valid_to", "date", nullable=True),
    ),
)

#: Registry tables: Parquet or CSV. geografi is always CSV.
TABLES: tuple[TableSchema, ...] = (KONTAKTER, DIAGNOSER, BEFOLKNING, FAERDIGBEHANDLET,
                                   KRONISKE_SYGDOMME)
ALL_TABLES: tuple[TableSchema, ...] = (*TABLES, GEOGRAFI)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input."""

    file: str
    message: str
    row: int | None = None  # 1-based data row
    line: int | None = None  # CSV line number (header is line 1)
    column: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", række {self.row}"
            if self.line is not None:
                where += f" (linje {self.line})"
        if self.column:
            where += f", kolonne {self.column}"
        return f"{where}: {self.message}"


class ValidationError(Exception):
    """Input refused: carries the list of problems (at most ``MAX_ERRORS``)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class SourceFile:
    """A located input file and the SQL relation that reads it with a row number."""

    table: TableSchema
    path: Path
    is_csv: bool
    column_types: dict[str, str] = field(default_factory=dict)
    key_unique: bool | None = None  # set by the row checks' scan (see _unique_key_sql)

    @property
    def label(self) -> str:
        return self.path.name

    def relation_sql(self, *, row_numbers: bool = True) -> str:
        """The file as a relation, with its 1-based data row as ``__row`` (numbering rows
        costs a good part of a Parquet scan: fast checks ask for none)."""
        p = str(self.path).replace("'", "''")
        if not row_numbers:
            if self.is_csv:
                return (f"read_csv('{p}', header=true, delim=',', quote='\"', all_varchar=true, "
                        f"encoding='utf-8')")
            return f"read_parquet('{p}')"
        if self.is_csv:
            # All columns as text so that nothing fails while reading; row order is file order.
            return (
                f"(SELECT *, row_number() OVER () AS __row FROM read_csv('{p}', header=true, "
                f"delim=',', quote='\"', all_varchar=true, encoding='utf-8'))"
            )
        return (
            f"(SELECT *, file_row_number + 1 AS __row FROM "
            f"read_parquet('{p}', file_row_number=true))"
        )


def locate(data_dir: Path, table: TableSchema) -> SourceFile | None:
    if table.name == "geografi":
        candidates = [data_dir / "geografi.csv"]
    else:
        candidates = [data_dir / f"{table.name}.parquet", data_dir / f"{table.name}.csv"]
    for path in candidates:
        if path.is_file():
            return SourceFile(table, path, path.suffix == ".csv")
    return None


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def typed_expr(col: Column, source_type: str) -> str | None:
    """SQL giving the column's value in its contract type (NULL when unparseable).

    Returns None when the source column's type can never hold this kind (a type error).
    """
    c = _q(col.name)
    st = source_type.upper().strip('"')
    if st == "NULL":  # an all-null column (e.g. an empty Parquet table written by pandas)
        sql_type = {"str": "VARCHAR", "date": "DATE", "time": "TIME", "bool": "BOOLEAN"}
        return f"CAST({c} AS {sql_type[col.kind]})"
    is_text = st == "VARCHAR"
    if col.kind == "str":
        return c if is_text else None
    if col.kind == "date":
        if st == "DATE":
            return c
        if st.startswith("TIMESTAMP"):
            return f"CAST({c} AS DATE)"
        if is_text:
            return (
                f"CASE WHEN regexp_full_match(trim({c}), '\\d{{4}}-\\d{{2}}-\\d{{2}}') "
                f"THEN try_cast(trim({c}) AS DATE) END"
            )
        return None
    if col.kind == "time":
        if st.startswith("TIME") and not st.startswith("TIMESTAMP"):
            return f"CAST({c} AS TIME)"
        if is_text:
            return (
                f"CASE WHEN regexp_full_match(trim({c}), '\\d{{2}}:\\d{{2}}(:\\d{{2}}(\\.\\d+)?)?') "
                f"THEN try_cast(trim({c}) AS TIME) END"
            )
        return None
    if col.kind == "bool":
        if st == "BOOLEAN":
            return c
        if is_text:
            return (
                f"CASE WHEN lower(trim({c})) IN ('true', 'ja') THEN true "
                f"WHEN lower(trim({c})) IN ('false', 'nej') THEN false END"
            )
        return None
    raise ValueError(col.kind)


KIND_HINT = {
    "str": "tekst",
    "date": "dato (ÅÅÅÅ-MM-DD)",
    "time": "klokkeslæt (TT:MM eller TT:MM:SS)",
    "bool": "sand/falsk (true/false eller Ja/Nej)",
}


class RowCheck(NamedTuple):
    column: str  # the column a problem is reported under
    condition: str  # SQL, TRUE when the row is wrong
    message: str
    uses: tuple[str, ...]  # every column the condition reads


def _row_checks(src: SourceFile) -> list[RowCheck]:
    """The row-level checks of a file's table."""
    checks: list[RowCheck] = []

    def add(column: str, condition: str, message: str, *uses: str) -> None:
        checks.append(RowCheck(column, condition, message, uses or (column,)))

    for col in src.table.columns:
        typed = typed_expr(col, src.column_types[col.name])
        assert typed is not None
        c = _q(col.name)
        if not col.nullable:
            # `= ''` not trim(): trim costs seconds at 20 M rows; blanks fail the patterns.
            empty = f"({c} IS NULL" + (f" OR {c} = ''" if col.kind == "str" else "") + ")"
            add(col.name, empty, "mangler en værdi")
        if col.kind != "str" and src.column_types[col.name].upper() == "VARCHAR":
            # Only text needs parsing; a typed Parquet column is already what it should be.
            add(col.name, f"({c} IS NOT NULL AND {typed} IS NULL)",
                f"kan ikke læses som {KIND_HINT[col.kind]}")
        if col.allowed:
            allowed = ", ".join(_lit(a) for a in col.allowed)
            add(col.name, f"({c} IS NOT NULL AND {c} NOT IN ({allowed}))",
                "ugyldig kode; tilladt: " + ", ".join(col.allowed))
        if col.pattern:
            add(col.name,
                (f"({c} IS NOT NULL AND {c} <> '' AND NOT regexp_full_match({c}, "
                 f"{_lit(col.pattern)}))"),
                f"ugyldig værdi ({col.pattern_hint})")
        if col.pseudonym:
            add(col.name, (f"({c} IS NOT NULL AND regexp_full_match({c}, "
                           f"{_lit(CPR_LIKE_PATTERN)}))"),
                "ligner et rigtigt CPR-nummer; motoren tager kun imod pseudonymer")
    t = src.table.name
    if t == "kontakter":
        ts = {n: typed_expr(src.table.column(n), src.column_types[n])
              for n in ("dato_start", "tidspunkt_start", "dato_slut", "tidspunkt_slut")}
        add("dato_slut",
            (f"(({ts['dato_slut']}) + ({ts['tidspunkt_slut']}) < "
             f"({ts['dato_start']}) + ({ts['tidspunkt_start']}))"),
            "kontakten slutter før den starter", *ts)
    if t == "befolkning":
        ref = typed_expr(src.table.column("ref_dato"), src.column_types["ref_dato"])
        add("ref_dato", f"(({ref}) IS NOT NULL AND (month({ref}) <> 1 OR day({ref}) <> 1))",
            "referencedatoen skal være 1. januar")
        add("bydel", "(kom = '101' AND bydel IS NULL)", "bydel mangler for København (101)",
            "kom", "bydel")
        add("bydel", "(kom <> '101' AND bydel IS NOT NULL)", "bydel må kun udfyldes for kom 101",
            "kom", "bydel")
    if t == "geografi":
        vf = typed_expr(src.table.column("valid_from"), src.column_types["valid_from"])
        vt = typed_expr(src.table.column("valid_to"), src.column_types["valid_to"])
        add("valid_to", f"(({vt}) < ({vf}))", "valid_to ligger før valid_from",
            "valid_from", "valid_to")
        add("code", "(level = 'municipality' AND NOT regexp_full_match(code, '\\d{3}'))",
            "en kommunekode har 3 cifre", "level", "code")
        add("code", "(level = 'district' AND NOT regexp_full_match(code, '\\d{3}-\\d{2}'))",
            "en bydelskode har formen 101-01", "level", "code")
    return checks


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    @property
    def full(self) -> bool:
        return len(self.problems) >= MAX_ERRORS

    def add(self, problem: Problem) -> None:
        if not self.full:
            self.problems.append(problem)


def _add_row_problem(out: _Collector, src: SourceFile, row: int, column: str, msg: str) -> None:
    out.add(Problem(src.label, msg, row=row, line=row + 1 if src.is_csv else None, column=column))


def _rows_pass(con: duckdb.DuckDBPyConnection, src: SourceFile,
               checks: list[RowCheck]) -> bool:
    """Fast path: True when no row fails any check.

    A check that reads only categorical columns is evaluated once per distinct value (or
    combination) of those columns instead of once per row; the rest in one scan."""
    categorical = {c.name for c in src.table.columns if c.categorical}
    per_row = [c.condition for c in checks if not set(c.uses) <= categorical]
    per_value: dict[tuple[str, ...], list[str]] = {}
    for c in checks:
        if set(c.uses) <= categorical:
            per_value.setdefault(tuple(sorted(set(c.uses))), []).append(c.condition)
    rel = src.relation_sql(row_numbers=False)
    key = _unique_key_sql(src)
    if per_row or key:
        # One scan: the failing rows, and whether the table's key repeats (distinct 64-bit
        # hashes; a repeat, or a hash collision, sends _check_cross to the exact look-up).
        bad = ("count_if(" + " OR ".join(f"coalesce({c}, false)" for c in per_row) + ")"
               if per_row else "0")
        repeats = f"count(*) - count(DISTINCT hash({key}))" if key else "0"
        ((n, dupes),) = con.sql(f"SELECT {bad}, {repeats} FROM {rel}").fetchall()
        if key:
            src.key_unique = dupes == 0
        if n:
            return False
    for cols, conds in per_value.items():
        # The distinct values are fetched first: a filter on top of the DISTINCT would be
        # pushed below it by the optimiser, back onto every row.
        values = con.sql(f"SELECT DISTINCT {', '.join(map(_q, cols))} FROM {rel} "
                         f"LIMIT {MAX_DISTINCT_VALUES + 1}").to_arrow_table()
        if values.num_rows > MAX_DISTINCT_VALUES:
            return False  # not categorical after all: the row-by-row check decides
        with duckdb.connect() as scratch:
            scratch.register("distinct_values", values)
            ((n,),) = scratch.sql(
                "SELECT count(*) FROM distinct_values WHERE "
                + " OR ".join(f"coalesce({c}, false)" for c in conds)).fetchall()
        if n:
            return False
    return True


def _check_rows(con: duckdb.DuckDBPyConnection, src: SourceFile, out: _Collector) -> None:
    checks = _row_checks(src)
    if _rows_pass(con, src, checks):
        return
    flags = ", ".join(f"CASE WHEN {c.condition} THEN {i} END" for i, c in enumerate(checks))
    where = " OR ".join(f"coalesce({c.condition}, false)" for c in checks)
    sql = (
        f"SELECT __row, list_filter([{flags}], lambda x: x IS NOT NULL) AS failed "
        f"FROM {src.relation_sql()} WHERE {where} ORDER BY __row LIMIT {MAX_ERRORS}"
    )
    for row, failed in con.sql(sql).fetchall():
        for i in failed:
            _add_row_problem(out, src, int(row), checks[i].column, checks[i].message)


def _check_columns(con: duckdb.DuckDBPyConnection, src: SourceFile, out: _Collector) -> bool:
    try:
        described = con.sql(f"DESCRIBE SELECT * FROM {src.relation_sql()}").fetchall()
    except duckdb.Error as exc:
        out.add(Problem(src.label, f"filen kan ikke læses: {str(exc).splitlines()[0]}"))
        return False
    types = {name: typ for name, typ, *_ in described}
    ok = True
    for col in src.table.columns:
        if col.name not in types:
            out.add(Problem(src.label, "kolonnen mangler", column=col.name))
            ok = False
        elif typed_expr(col, types[col.name]) is None:
            out.add(Problem(src.label, f"forkert type {types[col.name]}; forventet "
                            f"{KIND_HINT[col.kind]}", column=col.name))
            ok = False
    src.column_types = types
    return ok


def _first_rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.sql(sql + f" LIMIT {MAX_ERRORS}").fetchall()


def _unique_key_sql(src: SourceFile) -> str | None:
    """The key no two rows of the table may share (SQL over the file's columns), if any."""
    if src.table.name == "kontakter":
        return "dw_ek_kontakt"
    if src.table.name == "befolkning":
        return f"cpr, {typed_expr(src.table.column('ref_dato'), src.column_types['ref_dato'])}"
    return None


def _all_distinct(con: duckdb.DuckDBPyConnection, src: SourceFile) -> bool:
    """True when no two rows share the key (a 64-bit hash of it: a collision only costs the
    exact look-up). Known already when the row checks' scan counted it."""
    if src.key_unique is not None:
        return src.key_unique
    ((dupes,),) = con.sql(f"SELECT count(*) - count(DISTINCT hash({_unique_key_sql(src)})) "
                          f"FROM {src.relation_sql(row_numbers=False)}").fetchall()
    return dupes == 0


def _check_cross(con: duckdb.DuckDBPyConnection, files: dict[str, SourceFile],
                 out: _Collector) -> None:
    k = files["kontakter"]
    # Duplicates: counting distinct 64-bit hashes is fast; only when that finds fewer hashes
    # than rows (a duplicate, or a hash collision) are the rows looked up exactly.
    rows = [] if _all_distinct(con, k) else _first_rows(
        con,
        f"WITH src AS {k.relation_sql()}, cand AS (SELECT hash(dw_ek_kontakt) AS h FROM src "
        f"GROUP BY 1 HAVING count(*) > 1) SELECT min(__row), dw_ek_kontakt FROM src "
        f"WHERE hash(dw_ek_kontakt) IN (SELECT h FROM cand) GROUP BY dw_ek_kontakt "
        f"HAVING count(*) > 1 ORDER BY 1",
    )
    for row, _ in rows:
        _add_row_problem(out, k, int(row), "dw_ek_kontakt",
                         "kontakt-id'et findes flere gange (første forekomst i denne række)")
    # Discharge-ready marks must point at a contact. (Orphan diagnoses are harmless and not
    # checked: joining 25 M diagnoses against all contacts costs more than it protects.)
    f = files["faerdigbehandlet"]
    rows = _first_rows(
        con,
        f"WITH marks AS {f.relation_sql()}, known AS (SELECT DISTINCT dw_ek_kontakt FROM "
        f"{k.relation_sql(row_numbers=False)} "
        f"WHERE dw_ek_kontakt IN (SELECT dw_ek_kontakt FROM marks)) "
        f"SELECT m.__row FROM marks m ANTI JOIN known USING (dw_ek_kontakt) ORDER BY 1",
    )
    for (row,) in rows:
        _add_row_problem(out, f, int(row), "dw_ek_kontakt", "ukendt kontakt-id")
    b = files["befolkning"]
    ref = typed_expr(b.table.column("ref_dato"), b.column_types["ref_dato"])
    rows = [] if _all_distinct(con, b) else _first_rows(
        con,
        f"WITH src AS {b.relation_sql()}, cand AS (SELECT hash(cpr, {ref}) AS h FROM src "
        f"GROUP BY 1 HAVING count(*) > 1) SELECT max(__row) FROM src "
        f"WHERE hash(cpr, {ref}) IN (SELECT h FROM cand) GROUP BY cpr, {ref} "
        f"HAVING count(*) > 1 ORDER BY 1",
    )
    for (row,) in rows:
        _add_row_problem(out, b, int(row), "cpr",
                         "personen optræder to gange på samme referencedato")
    g = files["geografi"]
    rows = _first_rows(
        con,
        f"SELECT min(b.__row), b.kom FROM {b.relation_sql()} b ANTI JOIN "
        f"(SELECT code FROM {g.relation_sql()} WHERE level = 'municipality') g ON b.kom = g.code "
        f"GROUP BY b.kom ORDER BY 1",
    )
    for row, kom in rows:
        _add_row_problem(out, b, int(row), "kom",
                         f"kommune {kom} findes ikke i geografi.csv (første forekomst)")
    rows = _first_rows(
        con,
        f"SELECT d.__row, d.code FROM {g.relation_sql()} d ANTI JOIN "
        f"(SELECT code FROM {g.relation_sql()} WHERE level = 'municipality') m "
        f"ON substr(d.code, 1, 3) = m.code WHERE d.level = 'district' ORDER BY 1",
    )
    for row, code in rows:
        _add_row_problem(out, g, int(row), "code",
                         f"bydel {code} hører til en kommune, der ikke findes i filen")
    vf = typed_expr(g.table.column("valid_from"), g.column_types["valid_from"])
    vt = typed_expr(g.table.column("valid_to"), g.column_types["valid_to"])
    rows = _first_rows(
        con,
        f"WITH g AS (SELECT __row, level, code, {vf} AS vf, coalesce({vt}, DATE '9999-12-31') AS vt "
        f"FROM {g.relation_sql()}) SELECT b.__row, b.code FROM g a JOIN g b "
        f"ON a.level = b.level AND a.code = b.code AND a.__row < b.__row "
        f"AND a.vf <= b.vt AND b.vf <= a.vt ORDER BY 1",
    )
    for row, code in rows:
        _add_row_problem(out, g, int(row), "valid_from",
                         f"perioden for {code} overlapper en tidligere række")


def validate(data_dir: Path, *, con: duckdb.DuckDBPyConnection | None = None
             ) -> dict[str, SourceFile]:
    """Check every input file against the contract; raise ValidationError on any problem.

    Returns the located files (with their column types) for loading.
    """
    data_dir = Path(data_dir)
    own = con is None
    con = con or duckdb.connect()
    out = _Collector()
    files: dict[str, SourceFile] = {}
    try:
        if not data_dir.is_dir():
            raise ValidationError([Problem(str(data_dir), "datamappen findes ikke")])
        for table in ALL_TABLES:
            src = locate(data_dir, table)
            if src is None:
                expected = ("geografi.csv" if table.name == "geografi"
                            else f"{table.name}.parquet eller {table.name}.csv")
                out.add(Problem(expected, "filen mangler i datamappen"))
                continue
            if _check_columns(con, src, out):
                files[table.name] = src
        if out.problems:
            raise ValidationError(out.problems)
        for src in files.values():
            if out.full:
                break
            _check_rows(con, src, out)
        if out.problems:
            raise ValidationError(out.problems)
        _check_cross(con, files, out)
        if out.problems:
            raise ValidationError(out.problems)
        return files
    finally:
        if own:
            con.close()


def read_geography(path: Path) -> list[dict[str, object]]:
    """Read a (validated) geografi.csv into plain rows; open valid_to becomes None."""
    rows: list[dict[str, object]] = []
    with open(path, encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            rows.append({
                "level": rec["level"].strip(),
                "code": rec["code"].strip(),
                "cluster": rec["cluster"].strip(),
                "valid_from": dt.date.fromisoformat(rec["valid_from"].strip()),
                "valid_to": (dt.date.fromisoformat(rec["valid_to"].strip())
                             if (rec.get("valid_to") or "").strip() else None),
            })
    return rows
