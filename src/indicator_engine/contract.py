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
import itertools
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

import duckdb
import numpy as np

MAX_ERRORS = 20
#: Above this many distinct values a categorical column is checked row by row.
MAX_DISTINCT_VALUES = 100_000

ColumnKind = Literal["str", "date", "time", "bool"]

# A pseudonym must never look like a real CPR number: ten digits with nothing but spaces or
# punctuation around and between them (0101011234, 010101-1234, "01 01 01 12 34", 010101.1234).
CPR_LIKE_PATTERN = r"[^0-9A-Za-z]*(\d[^0-9A-Za-z]*){10}"
#: Default plausible window for event dates: 1977-01-01 (the national patient register's
#: first year) to one year after today. Configurable per run (ValidationOptions).
EARLIEST_DATE = dt.date(1977, 1, 1)
PSYCHIATRIC_SPECIALTIES = ("psykiatri", "børne- og ungdomspsykiatri")
#: Kinds of rehabilitation plan: general (almen), specialised (specialiseret), rehabilitation
#: at specialised level (rehabilitering).
PLAN_KINDS = ("almen", "specialiseret", "rehabilitering")
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
    #: The column may be absent from the file (an optional column; absent = all null).
    optional: bool = False
    #: "event": the date must lie in the plausible window; "birth": not after today.
    date_check: Literal["event", "birth"] | None = None


@dataclass(frozen=True)
class TableSchema:
    name: str
    columns: tuple[Column, ...]
    #: An empty file is refused (the tables every indicator needs).
    required_rows: bool = True
    #: Absent file = an empty table (optional input tables).
    optional: bool = False

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
        Column("dato_start", "date", date_check="event"),
        Column("tidspunkt_start", "time"),
        Column("dato_slut", "date", date_check="event"),
        Column("tidspunkt_slut", "time"),
        Column("aktionsdiagnose", "str", pattern=ICD_PATTERN, pattern_hint=ICD_HINT,
               categorical=True),
        Column("prioritet", "str", allowed=("ATA1", "ATA3"), categorical=True),
        Column("kontakttype", "str", pattern=r"ALCA\d{2}", pattern_hint="ALCA-kode, fx ALCA00",
               categorical=True),
        Column("sorenhed_ans", "str", nullable=True),
        Column("hovedspeciale_ans", "str", categorical=True),
        # LPR3 contact reason (kontaktårsag), optional: ALCC + 2 digits (see
        # definitions/contact_reasons_v1.csv for what the engine reads each code as).
        Column("kontaktaarsag", "str", nullable=True, optional=True, pattern=r"ALCC\d{2}",
               pattern_hint="LPR3-kontaktårsag, fx ALCC01", categorical=True),
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
        Column("ref_dato", "date", categorical=True, date_check="event"),
        Column("cpr", "str", pseudonym=True),
        Column("foed_dag", "date", date_check="birth"),
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
        Column("dato_faerdigbehandlet", "date", date_check="event"),
        Column("tidspunkt_faerdigbehandlet", "time"),
    ),
    required_rows=False,
)
KRONISKE_SYGDOMME = TableSchema(
    "kroniske_sygdomme",
    (
        Column("cpr", "str", pseudonym=True),
        Column("sygdom", "str", categorical=True),
        Column("dato_fra", "date", date_check="birth"),
    ),
    required_rows=False,
)
GENOPTRAENINGSPLANER = TableSchema(
    "genoptraeningsplaner",
    (
        Column("cpr", "str", pseudonym=True),
        Column("dw_ek_kontakt", "str"),  # the hospital contact that issued the plan
        Column("dato_udstedt", "date", date_check="event"),
        Column("plantype", "str", allowed=PLAN_KINDS, categorical=True),
        # First session of the municipal rehabilitation (empty: not started / not known).
        Column("dato_foerste_traening", "date", nullable=True, date_check="event"),
    ),
    required_rows=False,
    optional=True,
)
GEOGRAFI = TableSchema(
    "geografi",
    (
        Column("level", "str", allowed=("cluster", "municipality", "district")),
        Column("code", "str", pattern=r"[0-9A-Za-z_-]{1,40}",
               pattern_hint="fx 147, 101-01 eller en klyngekode som byen"),
        Column("cluster", "str", nullable=True),
        Column("valid_from", "date"),
        Column("valid_to", "date", nullable=True),
    ),
)

#: Registry tables: Parquet or CSV. geografi is always CSV.
TABLES: tuple[TableSchema, ...] = (KONTAKTER, DIAGNOSER, BEFOLKNING, FAERDIGBEHANDLET,
                                   KRONISKE_SYGDOMME, GENOPTRAENINGSPLANER)
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
    #: The row checks' count of repeated key hashes, while it is still being counted.
    key_repeats: Future[int] | None = field(default=None, repr=False, compare=False)
    absent: bool = False  # an optional table without a file: read as an empty table

    @property
    def label(self) -> str:
        return self.path.name

    def relation_sql(self, *, row_numbers: bool = True) -> str:
        """The file as a relation, with its 1-based data row as ``__row`` (numbering rows
        costs a good part of a Parquet scan: fast checks ask for none)."""
        if self.absent:
            types = {"str": "VARCHAR", "date": "DATE", "time": "TIME", "bool": "BOOLEAN"}
            cols = ", ".join(f"CAST(NULL AS {types[c.kind]}) AS {_q(c.name)}"
                             for c in self.table.columns)
            return f"(SELECT {cols}, CAST(NULL AS BIGINT) AS __row WHERE false)"
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
    """The table's file, or None when there is none. Two files for one table (kontakter.csv
    beside kontakter.parquet) are refused: which one is meant cannot be guessed."""
    if table.name == "geografi":
        candidates = [data_dir / "geografi.csv"]
    else:
        candidates = [data_dir / f"{table.name}.parquet", data_dir / f"{table.name}.csv"]
    found = [path for path in candidates if path.is_file()]
    if len(found) > 1:
        raise ValidationError([Problem(
            " og ".join(p.name for p in found),
            "to filer for samme tabel; fjern den, der ikke skal bruges")])
    if found:
        return SourceFile(table, found[0], found[0].suffix == ".csv")
    if table.optional:
        return SourceFile(table, data_dir / f"{table.name}.parquet", False, absent=True,
                          column_types={c.name: "NULL" for c in table.columns})
    return None


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


ABSENT = "ABSENT"  # column type of an optional column missing from its file


def typed_expr(col: Column, source_type: str) -> str | None:
    """SQL giving the column's value in its contract type (NULL when unparseable).

    Returns None when the source column's type can never hold this kind (a type error).
    """
    c = _q(col.name)
    st = source_type.upper().strip('"')
    if st == ABSENT:  # an optional column the file does not have
        sql_type = {"str": "VARCHAR", "date": "DATE", "time": "TIME", "bool": "BOOLEAN"}
        return f"CAST(NULL AS {sql_type[col.kind]})"
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


@dataclass(frozen=True)
class ValidationOptions:
    """Run-dependent limits of validation.

    ``earliest``/``latest``: the plausible window for event dates (contacts, marks, reference
    dates, plans); default 1977-01-01 to one year after today. ``today``: birth dates and
    disease registrations after it are refused. ``geography_as_of``: the run maps the whole
    history on this day's geography, so only that day needs a cluster for every member.
    """

    earliest: dt.date = EARLIEST_DATE
    latest: dt.date | None = None  # None: today + 1 year
    today: dt.date | None = None  # None: the real today
    geography_as_of: dt.date | None = None

    @property
    def today_(self) -> dt.date:
        return self.today or dt.date.today()

    @property
    def latest_(self) -> dt.date:
        if self.latest is not None:
            return self.latest
        t = self.today_
        try:
            return t.replace(year=t.year + 1)
        except ValueError:  # 29 February
            return t.replace(year=t.year + 1, day=28)


def _row_checks(src: SourceFile, options: ValidationOptions | None = None) -> list[RowCheck]:
    """The row-level checks of a file's table."""
    options = options or ValidationOptions()
    checks: list[RowCheck] = []

    def add(column: str, condition: str, message: str, *uses: str) -> None:
        checks.append(RowCheck(column, condition, message, uses or (column,)))

    for col in src.table.columns:
        if src.column_types[col.name] == ABSENT:
            continue
        typed = typed_expr(col, src.column_types[col.name])
        assert typed is not None
        c = _q(col.name)
        if col.date_check == "event":
            lo, hi = options.earliest, options.latest_
            add(col.name, (f"(({typed}) IS NOT NULL AND (({typed}) < DATE '{lo}' "
                           f"OR ({typed}) > DATE '{hi}'))"),
                f"datoen ligger uden for det plausible vindue {lo}–{hi}")
        elif col.date_check == "birth":
            add(col.name, f"(({typed}) IS NOT NULL AND ({typed}) > DATE '{options.today_}')",
                "datoen ligger i fremtiden")
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
        add("cluster", "(level <> 'cluster' AND (cluster IS NULL OR cluster = ''))",
            "kommuner og bydele skal have en klynge", "level", "cluster")
    if t == "genoptraeningsplaner":
        iss = typed_expr(src.table.column("dato_udstedt"), src.column_types["dato_udstedt"])
        first = typed_expr(src.table.column("dato_foerste_traening"),
                           src.column_types["dato_foerste_traening"])
        add("dato_foerste_traening", f"(({first}) < ({iss}))",
            "første træning ligger før planen blev udstedt", "dato_udstedt",
            "dato_foerste_traening")
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
    failing = " OR ".join(f"coalesce({c}, false)" for c in per_row)
    key = _unique_key_sql(src)
    if key:
        # Whether the table's key repeats (a repeat, or a hash collision, sends _check_cross
        # to the exact look-up), read in the same scan as the row checks: one read of a
        # large file instead of two.
        hashes, failed = _key_hashes(con, rel, key, failing or None)
        if failed:
            return False
        src.key_repeats = _count_repeats_later(hashes)
    elif per_row:
        ((n,),) = con.sql(f"SELECT count_if({failing}) FROM {rel}").fetchall()
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


def _check_rows(con: duckdb.DuckDBPyConnection, src: SourceFile, out: _Collector,
                options: ValidationOptions | None = None) -> None:
    checks = _row_checks(src, options)
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


_CSV_ERROR = {
    "MISSING COLUMNS": "for få kolonner i rækken",
    "TOO MANY COLUMNS": "for mange kolonner i rækken",
    "UNQUOTED VALUE": "citationstegn, der ikke er afsluttet eller står forkert",
    "LINE SIZE OVER MAXIMUM": "linjen er for lang",
    "INVALID ENCODING": "ugyldig tegnkodning (filen skal være UTF-8)",
    "INVALID STATE": "rækken kan ikke læses som CSV",
    "CAST": "værdien kan ikke læses",
}
_rejects = itertools.count()


def _check_csv_structure(con: duckdb.DuckDBPyConnection, src: SourceFile,
                         out: _Collector) -> bool:
    """Read the whole CSV once, keeping the rows the reader cannot parse aside (DuckDB's
    rejects table) instead of failing with the offending line in the message; report each
    such row by line and column, never its content. A malformed row anywhere (also after the
    part the reader samples to detect the dialect) is found here."""
    n = next(_rejects)
    table, scan = f"__rejects_{n}", f"__rejects_scan_{n}"
    p = str(src.path).replace("'", "''")
    con.execute(
        f"SELECT count(*) FROM read_csv('{p}', header=true, delim=',', quote='\"', "
        f"all_varchar=true, encoding='utf-8', store_rejects=true, rejects_table='{table}', "
        f"rejects_scan='{scan}')").fetchall()
    rows = con.sql(f"SELECT line, column_idx, column_name, CAST(error_type AS VARCHAR) "
                   f"FROM {table} ORDER BY line LIMIT {MAX_ERRORS}").fetchall()
    con.execute(f"DROP TABLE IF EXISTS {table}; DROP TABLE IF EXISTS {scan}")
    for line, idx, name, kind in rows:
        column = name or (f"nr. {idx}" if idx is not None else None)
        out.add(Problem(src.label, _CSV_ERROR.get(kind, "rækken kan ikke læses"),
                        row=int(line) - 1 if line is not None else None,
                        line=int(line) if line is not None else None, column=column))
    return not rows


def _check_columns(con: duckdb.DuckDBPyConnection, src: SourceFile, out: _Collector) -> bool:
    if src.absent:
        return True
    try:
        if src.is_csv and not _check_csv_structure(con, src, out):
            return False
        described = con.sql(f"DESCRIBE SELECT * FROM {src.relation_sql()}").fetchall()
    except duckdb.Error:
        # The reader's message may quote the file's content: never shown.
        out.add(Problem(src.label, "filen kan ikke læses (ikke gyldig "
                        + ("CSV i UTF-8" if src.is_csv else "Parquet") + ")"))
        return False
    types = {name: typ for name, typ, *_ in described}
    ok = True
    for col in src.table.columns:
        if col.name not in types and col.optional:
            types[col.name] = ABSENT
        elif col.name not in types:
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
    if src.key_unique is None and src.key_repeats is not None:
        src.key_unique = src.key_repeats.result() == 0
    if src.key_unique is not None:
        return src.key_unique
    key = _unique_key_sql(src)
    assert key is not None
    return _repeated_hashes(con, src.relation_sql(row_numbers=False), key) == 0


def _key_hashes(con: duckdb.DuckDBPyConnection, rel: str, key: str,
                failing: str | None = None) -> tuple[np.ndarray, bool]:
    """The 64-bit hash of the key of every row (DuckDB computes them), and whether any row
    meets ``failing`` (SQL; the row checks) in the same scan."""
    flag = f", ({failing}) AS failing" if failing else ""
    got = con.sql(f"SELECT hash({key}) AS h{flag} FROM {rel}").fetchnumpy()
    hashes = np.asarray(got["h"])
    failed = bool(np.any(got["failing"])) if failing else False
    return (hashes if hashes.flags.writeable else hashes.copy()), failed


def _count_repeats(hashes: np.ndarray) -> int:
    """How many hashes repeat an earlier one: numpy sorts them (in place: no second copy of
    a large table's hashes) and compares neighbours, several times faster than DuckDB's
    count(DISTINCT ...), which runs on one thread."""
    hashes.sort()
    return int(np.count_nonzero(hashes[1:] == hashes[:-1]))


def _repeated_hashes(con: duckdb.DuckDBPyConnection, rel: str, key: str) -> int:
    """How many rows repeat an earlier row's 64-bit hash of the key (count(*) minus the
    distinct hashes)."""
    return _count_repeats(_key_hashes(con, rel, key)[0])


def _count_repeats_later(hashes: np.ndarray) -> Future[int]:
    """_count_repeats on a thread of its own (numpy does not hold the interpreter while it
    sorts): the next files' checks run meanwhile, about a second of the validation at
    region scale."""
    future: Future[int] = Future()

    def run() -> None:
        try:
            future.set_result(_count_repeats(hashes))
        except Exception as exc:  # noqa: BLE001 - handed to whoever asks for the result
            future.set_exception(exc)

    threading.Thread(target=run, name="key-hashes", daemon=True).start()
    return future


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


def _check_not_empty(con: duckdb.DuckDBPyConnection, src: SourceFile, out: _Collector) -> None:
    if src.table.required_rows and not con.sql(
            f"SELECT 1 FROM {src.relation_sql(row_numbers=False)} LIMIT 1").fetchall():
        out.add(Problem(src.label, "tabellen er tom; motoren kan ikke beregne noget uden den"))


def _guarded(src: SourceFile, out: _Collector, step: object, *args: object) -> None:
    """Run one validation step over a file; a reader error becomes a problem without the
    reader's message (it may quote the file's content)."""
    try:
        step(*args)  # type: ignore[operator]
    except duckdb.Error:
        out.add(Problem(src.label, "filen kan ikke læses helt (læsefejl undervejs)"))


def validate(data_dir: Path, *, con: duckdb.DuckDBPyConnection | None = None,
             options: ValidationOptions | None = None) -> dict[str, SourceFile]:
    """Check every input file against the contract; raise ValidationError on any problem.

    Returns the located files (with their column types) for loading.
    """
    data_dir = Path(data_dir)
    options = options or ValidationOptions()
    own = con is None
    con = con or duckdb.connect()
    out = _Collector()
    files: dict[str, SourceFile] = {}
    try:
        if not data_dir.is_dir():
            raise ValidationError([Problem(str(data_dir), "datamappen findes ikke")])
        located: list[SourceFile] = []
        for table in ALL_TABLES:
            try:
                src = locate(data_dir, table)
            except ValidationError as exc:
                for problem in exc.problems:
                    out.add(problem)
                continue
            if src is None:
                expected = ("geografi.csv" if table.name == "geografi"
                            else f"{table.name}.parquet eller {table.name}.csv")
                out.add(Problem(expected, "filen mangler i datamappen"))
                continue
            located.append(src)
        for src in located:
            if _check_columns(con, src, out):
                files[src.table.name] = src
        if out.problems:
            raise ValidationError(out.problems)
        for src in files.values():
            _guarded(src, out, _check_not_empty, con, src, out)
        if out.problems:
            raise ValidationError(out.problems)
        for src in files.values():
            if out.full:
                break
            _guarded(src, out, _check_rows, con, src, out, options)
        if out.problems:
            raise ValidationError(out.problems)
        try:
            _check_cross(con, files, out)
        except duckdb.Error:
            out.add(Problem("datamappen", "filerne kan ikke læses helt (læsefejl undervejs)"))
        if out.problems:
            raise ValidationError(out.problems)
        _check_geography(con, files, out, options)
        if out.problems:
            raise ValidationError(out.problems)
        return files
    finally:
        if own:
            con.close()


def data_span(con: duckdb.DuckDBPyConnection, files: dict[str, SourceFile]
              ) -> tuple[dt.date | None, dt.date | None]:
    """First and last contact start date (the observed period)."""
    k = files["kontakter"]
    ds = typed_expr(k.table.column("dato_start"), k.column_types["dato_start"])
    ((lo, hi),) = con.sql(f"SELECT min({ds}), max({ds}) "
                          f"FROM {k.relation_sql(row_numbers=False)}").fetchall()
    return lo, hi


def _next_day(d: dt.date) -> dt.date:
    return d if d >= dt.date(9999, 12, 30) else d + dt.timedelta(days=1)


def _merge(intervals: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    merged: list[tuple[dt.date, dt.date]] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= _next_day(merged[-1][1]):
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _uncovered(need: list[tuple[dt.date, dt.date]], have: list[tuple[dt.date, dt.date]]
               ) -> list[tuple[dt.date, dt.date]]:
    """Parts of the intervals ``need`` not covered by ``have`` (both inclusive)."""
    gaps: list[tuple[dt.date, dt.date]] = []
    have = _merge(have)
    for lo, hi in _merge(need):
        cur = lo
        for a, b in have:
            if b < cur or a > hi:
                continue
            if a > cur:
                gaps.append((cur, a - dt.timedelta(days=1)))
            cur = max(cur, _next_day(b))
            if cur > hi:
                break
        if cur <= hi:
            gaps.append((cur, hi))
    return gaps


def _d(value: object) -> dt.date:
    assert isinstance(value, dt.date)
    return value


def _check_geography(con: duckdb.DuckDBPyConnection, files: dict[str, SourceFile],
                     out: _Collector, options: ValidationOptions) -> None:
    """Clusters are declared (level = cluster rows); every member names a declared cluster;
    on every day the output publishes clusters (a declared cluster is valid and the data
    cover the day) every municipality and district has a cluster."""
    g = files["geografi"]
    rows = read_geography(g.path)
    open_end = dt.date.max
    declared = {r["code"] for r in rows if r["level"] == "cluster"}
    for i, r in enumerate(rows, start=1):
        if r["level"] != "cluster" and r["cluster"] not in declared:
            out.add(Problem(g.label, f"klyngen {r['cluster']} er ikke erklæret (mangler en "
                            f"række med level = cluster)", row=i, line=i + 1, column="cluster"))
    if out.problems:
        return
    start, end = data_span(con, files)
    if start is None or end is None:
        return
    if options.geography_as_of is not None:
        start = end = options.geography_as_of
    publish = [(max(_d(r["valid_from"]), start), min(_d(r["valid_to"] or open_end), end))
               for r in rows if r["level"] == "cluster"]
    publish = [(a, b) for a, b in publish if a <= b]
    if not publish:
        return
    have: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for r in rows:
        if r["level"] != "cluster":
            have.setdefault(str(r["code"]), []).append(
                (r["valid_from"], r["valid_to"] or open_end))  # type: ignore[arg-type]
    districts = {c for c in have if "-" in c}
    split = {c[:3] for c in districts}
    members = sorted(c for c in have if c not in split)
    for code in members:
        cover = have[code] + (have.get(code[:3], []) if code in districts else [])
        for a, b in _uncovered(publish, cover):  # type: ignore[arg-type]
            what = "bydel" if code in districts else "kommune"
            out.add(Problem(g.label, f"{what} {code} har ingen klynge {a}–{b}, hvor "
                            f"resultatet viser klynger", column="cluster"))


def read_geography(path: Path) -> list[dict[str, object]]:
    """Read a (validated) geografi.csv into plain rows; open valid_to becomes None."""
    rows: list[dict[str, object]] = []
    # utf-8-sig: a byte order mark (Excel writes one) is harmless and dropped.
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for rec in csv.DictReader(fh):
            rows.append({
                "level": rec["level"].strip(),
                "code": rec["code"].strip(),
                "cluster": (rec.get("cluster") or "").strip(),
                "valid_from": dt.date.fromisoformat(rec["valid_from"].strip()),
                "valid_to": (dt.date.fromisoformat(rec["valid_to"].strip())
                             if (rec.get("valid_to") or "").strip() else None),
            })
    return rows
