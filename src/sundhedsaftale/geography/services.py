"""Writes to geography: the population import (FOLK1A shape) and cluster memberships.

The population import streams the file twice and keeps nothing per row in memory:

1. `population_plan` reads the file line by line, checks every field (encoding, size, area,
   sex, a plausible age, quarter and count, duplicates, totals against their breakdown) and
   sums what it needs per area and quarter; then it compares with the database: how many rows
   each (area, quarter) already has and would lose, and whether a new quarter covers every
   municipality. Any problem refuses the whole file, naming file, row and field.
2. `population_import` (a service: one transaction) writes what the plan says: it deletes the
   replaced (area, quarter) rows, reads the file again inserting rows in batches, stores the
   totals per area and quarter (`AreaPopulation`), and refuses, rolling everything back, if the
   file or the database changed since the plan.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.models import Certainty
from sundhedsaftale.core.services import content_save, service

from .models import (
    AGE_BANDS,
    AreaMembership,
    AreaPopulation,
    District,
    HealthCluster,
    Municipality,
    PopulationCount,
    Region,
    age_band_index,
)

REQUIRED_COLUMNS = ("OMRÅDE", "KØN", "ALDER", "TID", "INDHOLD")
OPTIONAL_COLUMNS = ("KILDE", "SIKKERHED")
SEX_VALUES: dict[str, str] = {
    "mænd": str(PopulationCount.Sex.MEN), "kvinder": str(PopulationCount.Sex.WOMEN),
    "i alt": str(PopulationCount.Sex.TOTAL), "køn i alt": str(PopulationCount.Sex.TOTAL)}
PROVENANCE_VALUES = {"real": False, "synthetic": True}
CERTAINTY_VALUES: dict[str, str] = {value.casefold(): value for value in Certainty.values}

# Limits of a plausible file. A line of FOLK1A is about 50 bytes; no area has 10 million people;
# nobody is older than 125; quarters run from the 1970 municipal reform (the oldest figures by
# today's municipality codes) to next year.
MAX_LINE_BYTES = 2_000
MAX_FIELD_CHARS = 200
MAX_COUNT = 10_000_000
MAX_AGE = 125
FIRST_YEAR = 1970
BATCH_SIZE = 5_000

# Digits are ASCII only: "\d" would also take Arabic-Indic or full-width digits.
_AGE = re.compile(r"([0-9]{1,3}) år")
_AGE_BAND = re.compile(r"([0-9]{1,3}) ?- ?([0-9]{1,3}) år")
_AGE_OPEN = re.compile(r"([0-9]{1,3}) år og derover")
_AGE_TOTAL = {"alder i alt", "i alt"}
_QUARTER = re.compile(r"([0-9]{4})K([1-4])")
_COUNT = re.compile(r"[0-9]{1,12}")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_MAX_ERRORS_KEPT = 100
_MAX_ERRORS_SHOWN = 20

# Kinds of row within an (area, quarter): which one gives the area's total (first found wins).
_TOTAL, _BY_AGE, _SEX_TOTAL, _TOTAL_BY_AGE = 0, 1, 2, 3
_TOTAL_ORDER = (_TOTAL, _BY_AGE, _SEX_TOTAL, _TOTAL_BY_AGE)


@dataclass(frozen=True)
class RowError:
    file: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return f"{self.file}: {self.message}"
        if self.field:
            return _("%(file)s, row %(row)s, field %(field)s: %(message)s") % {
                "file": self.file, "row": self.row, "field": self.field,
                "message": self.message}
        return _("%(file)s, row %(row)s: %(message)s") % {
            "file": self.file, "row": self.row, "message": self.message}


class PopulationImportError(Exception):
    """The file was refused; nothing was imported. `errors` lists the problems found (the first
    hundred; `more` counts the rest)."""

    def __init__(self, errors: list[RowError], more: int = 0):
        self.errors = errors
        self.more = more
        shown = [str(e) for e in errors[:_MAX_ERRORS_SHOWN]]
        hidden = len(errors) - len(shown) + more
        if hidden > 0:
            shown.append(_("... and %(n)s more errors") % {"n": hidden})
        super().__init__("\n".join(shown))


def _shown(value: str) -> str:
    """A value as it may appear in a message: short, control characters made visible."""
    value = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value if len(value) <= 40 else value[:40] + "…"


def _normalise(value: str) -> str:
    value = value.replace("\u2013", "-").replace("\u2014", "-").replace("\xa0", " ")
    return re.sub(r"\s+", " ", value).strip().casefold()


Area = tuple[str, int]  # ("region" | "municipality" | "district", pk)


def _area_lookup() -> tuple[dict[str, Area], dict[Area, str]]:
    """Names and codes of every area we know, normalised, to ("kind", pk); and area -> name."""
    lookup: dict[str, Area] = {}
    names: dict[Area, str] = {}
    for region in Region.objects.all():
        names[("region", region.pk)] = region.name
        for key in (region.code, region.name, f"Region {region.name}",
                    region.name.removeprefix("Region ")):
            lookup[_normalise(key)] = ("region", region.pk)
    for municipality in Municipality.objects.all():
        names[("municipality", municipality.pk)] = municipality.name
        for key in (municipality.code, municipality.name, f"{municipality.name} Kommune",
                    municipality.official_name):
            if key:
                lookup[_normalise(key)] = ("municipality", municipality.pk)
    for district in District.objects.select_related("municipality"):
        names[("district", district.pk)] = f"{district.municipality.name} - {district.name}"
        for key in (district.code, f"{district.municipality.name} - {district.name}",
                    f"{district.municipality.name}-{district.name}"):
            lookup[_normalise(key)] = ("district", district.pk)
    return lookup, names


def _parse_age(value: str) -> tuple[int | None, int | None] | str:
    """(first, last) age, (first, None) for "and older", (None, None) for all ages; or the
    reason the value is refused."""
    text = _normalise(value)
    if text in _AGE_TOTAL:
        return None, None
    first: int
    last: int | None
    if match := _AGE.fullmatch(text):
        first = last = int(match.group(1))
    elif match := _AGE_BAND.fullmatch(text):
        first, last = int(match.group(1)), int(match.group(2))
        if first > last:
            return _('"%(value)s": the first age is above the last') % {"value": _shown(value)}
    elif match := _AGE_OPEN.fullmatch(text):
        first, last = int(match.group(1)), None
    else:
        return _('"%(value)s" is not an age like "42 år", "40-44 år", "100 år og derover" or '
                 '"Alder i alt"') % {"value": _shown(value)}
    if first > MAX_AGE or (last is not None and last > MAX_AGE):
        return _('"%(value)s" is not a plausible age (0 to %(max)s years)') % {
            "value": _shown(value), "max": MAX_AGE}
    return first, last


@dataclass
class _Row:
    line: int
    quarter: str
    area: Area
    sex: str
    age_from: int | None
    age_to: int | None
    count: int
    is_synthetic: bool
    certainty: str


class _Group:
    """What the plan keeps of one (quarter, area): a few numbers, not its rows."""

    __slots__ = (
        "bands",
        "certainty",
        "first_line",
        "keys",
        "kind_sums",
        "others",
        "rows",
        "singles",
        "synthetic",
        "total_line",
    )

    def __init__(self, line: int) -> None:
        self.first_line = line
        self.rows = 0
        self.total_line = 0
        self.kind_sums: list[int | None] = [None, None, None, None]
        self.synthetic = [False, False, False, False]
        self.certainty = ["V", "V", "V", "V"]
        self.bands = {"M": [0] * len(AGE_BANDS), "K": [0] * len(AGE_BANDS)}
        self.singles: dict[str, int] = {}  # sex -> bit mask of single ages seen
        self.others: set[tuple[str, int | None, int | None]] = set()

    def seen(self, sex: str, age_from: int | None, age_to: int | None) -> bool:
        if age_from is not None and age_from == age_to:
            return bool(self.singles.get(sex, 0) >> age_from & 1)
        return (sex, age_from, age_to) in self.others

    def add(self, row: _Row) -> None:
        self.rows += 1
        if row.age_from is not None and row.age_from == row.age_to:
            self.singles[row.sex] = self.singles.get(row.sex, 0) | (1 << row.age_from)
        else:
            self.others.add((row.sex, row.age_from, row.age_to))
        is_total_sex = row.sex == PopulationCount.Sex.TOTAL
        if row.age_from is None:
            kind = _TOTAL if is_total_sex else _SEX_TOTAL
        else:
            kind = _TOTAL_BY_AGE if is_total_sex else _BY_AGE
        if kind == _TOTAL:
            self.total_line = row.line
        self.kind_sums[kind] = (self.kind_sums[kind] or 0) + row.count
        self.synthetic[kind] = self.synthetic[kind] or row.is_synthetic
        self.certainty[kind] = min(self.certainty[kind], row.certainty)  # "NF" < "U" < "V"
        if kind == _BY_AGE and row.age_from is not None:
            self.bands[row.sex][age_band_index(row.age_from)] += row.count

    def total_kind(self) -> int | None:
        return next((kind for kind in _TOTAL_ORDER if self.kind_sums[kind] is not None), None)


@dataclass
class GroupPlan:
    """What the import does to one area in one quarter."""

    quarter: str
    area: Area
    area_name: str
    first_line: int
    rows: int
    existing_rows: int = 0
    """Rows of this area and quarter in the database now: all of them are replaced."""
    missing_rows: int = 0
    """Existing rows whose area, sex and age the file does not give again (they would go)."""


@dataclass
class PopulationPlan:
    """What importing a file will do, found without writing anything."""

    file: str
    sha256: str
    rows: int
    real_rows: int
    synthetic_rows: int
    groups: list[GroupPlan]
    new_quarters: list[str]
    incomplete_quarters: dict[str, list[str]] = field(default_factory=dict)
    """New quarters that would lack some municipalities: quarter -> their names."""
    replace: bool = False
    _stats: dict[tuple[str, Area], _Group] = field(default_factory=dict, repr=False)

    @property
    def quarters(self) -> list[str]:
        return sorted({g.quarter for g in self.groups})

    @property
    def areas(self) -> int:
        return len({g.area for g in self.groups})

    @property
    def replaced(self) -> int:
        return sum(g.existing_rows for g in self.groups)

    def describe(self) -> list[str]:
        """The plan in words, one line each (printed by the command before it imports)."""
        lines = [_("%(file)s: %(rows)s rows (%(real)s real, %(synthetic)s synthetic) for "
                   "%(areas)s areas in %(n)s quarter(s): %(quarters)s") % {
            "file": self.file, "rows": self.rows, "real": self.real_rows,
            "synthetic": self.synthetic_rows, "areas": self.areas,
            "n": len(self.quarters), "quarters": ", ".join(self.quarters)}]
        for quarter in self.new_quarters:
            lines.append(_("%(quarter)s: a new quarter") % {"quarter": quarter})
        for quarter, missing in self.incomplete_quarters.items():
            lines.append(_("%(quarter)s: no figures for %(n)s municipalities (%(names)s); the "
                           "portal keeps showing the last complete quarter") % {
                "quarter": quarter, "n": len(missing), "names": ", ".join(missing)})
        for group in self.groups:
            if group.existing_rows:
                lines.append(_("%(quarter)s %(area)s: %(rows)s rows replace %(existing)s "
                               "existing rows%(missing)s") % {
                    "quarter": group.quarter, "area": group.area_name, "rows": group.rows,
                    "existing": group.existing_rows,
                    "missing": (_(", of which %(n)s are not in the file and go")
                                % {"n": group.missing_rows}) if group.missing_rows else ""})
        lines.append(_("In all: %(rows)s rows added, %(replaced)s existing rows replaced.")
                     % {"rows": self.rows, "replaced": self.replaced})
        return lines


@dataclass
class PopulationImportResult:
    rows: int
    quarters: list[str]
    areas: int
    replaced: int
    synthetic_rows: int = 0
    real_rows: int = 0
    plan: PopulationPlan | None = None


class _Reader:
    """Reads a population file line by line: decoding, limits and fields, one row at a time.

    The header says the encoding: UTF-8 (with or without BOM) or, as Statistics Denmark's
    downloads often are, Windows-1252; after that every line must be valid in it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self.errors: list[RowError] = []
        self.more_errors = 0
        self.digest = hashlib.sha256()
        self.header: list[str] = []
        self.encoding = "utf-8"

    def error(self, line: int, field_name: str, message: str) -> None:
        if len(self.errors) < _MAX_ERRORS_KEPT:
            self.errors.append(RowError(self.name, line, field_name, message))
        else:
            self.more_errors += 1

    def _field_at(self, raw: bytes, position: int) -> str:
        index = raw[:position].count(b";")
        return self.header[index] if index < len(self.header) else ""

    def _raw_lines(self, handle: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
        """(line number, bytes) per line; None for a line over MAX_LINE_BYTES (reported)."""
        number = 0
        while True:
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            self.digest.update(raw)
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                self.error(number, self._field_at(raw, MAX_LINE_BYTES), _(
                    "the line is longer than %(max)s bytes; a field is far too long or the "
                    "file is not a population file") % {"max": MAX_LINE_BYTES})
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                    raw = handle.readline(1 << 16)
                    self.digest.update(raw)
                yield number, None
                continue
            yield number, raw

    def _decode(self, number: int, raw: bytes) -> str | None:
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError as exc:
            self.error(number, self._field_at(raw, exc.start), _(
                "byte 0x%(byte)02x at position %(position)s is not valid %(encoding)s text; "
                "save the file as UTF-8") % {
                "byte": raw[exc.start], "position": exc.start + 1,
                "encoding": "UTF-8" if self.encoding.startswith("utf") else "Windows-1252"})
            return None

    def _header(self, raw: bytes) -> bool:
        for encoding in ("utf-8-sig", "cp1252"):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                continue
            header = [h.strip().upper() for h in text.rstrip("\r\n").split(";")]
            if "OMRÅDE" in header or encoding == "cp1252":
                self.encoding = "utf-8" if encoding == "utf-8-sig" else encoding
                self.header = header
                break
        else:
            self.error(1, "", _("the header is neither UTF-8 nor Windows-1252 text"))
            return False
        seen: set[str] = set()
        for column in self.header:
            if column in seen:
                self.error(1, column, _("the column appears twice in the header"))
            elif column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
                self.error(1, _shown(column) or "?", _(
                    "unknown column; expected %(expected)s") % {
                    "expected": ";".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)})
            seen.add(column)
        missing = [c for c in REQUIRED_COLUMNS if c not in self.header]
        if missing:
            self.error(1, "", _("missing column(s) %(columns)s; expected %(expected)s") % {
                "columns": ", ".join(missing),
                "expected": ";".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)})
        return not self.errors

    def cells(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(line number, column -> stripped value) for every data row that is well formed;
        problems with a line as a whole are recorded in `errors`."""
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            self.error(0, "", exc.strerror or str(exc))
            return
        with handle:
            lines = self._raw_lines(handle)
            first = next(lines, None)
            if first is None:
                self.error(1, "", _("the file is empty"))
                return
            if first[1] is None or not self._header(first[1]):
                return
            width = len(self.header)
            for number, raw in lines:
                if raw is None:
                    continue
                text = self._decode(number, raw)
                if text is None:
                    continue
                text = text.rstrip("\r\n")
                if not text.strip():
                    continue
                try:
                    values = next(csv.reader([text], delimiter=";", strict=True))
                except csv.Error as exc:
                    self.error(number, "", _("not a readable CSV line (%(problem)s)")
                               % {"problem": exc})
                    continue
                if len(values) != width:
                    self.error(number, "", _("%(found)s columns, expected %(expected)s") % {
                        "found": len(values), "expected": width})
                    continue
                stripped = [v.strip() for v in values]
                if [v.upper() for v in stripped] == self.header:
                    self.error(number, "", _("the header appears again (two files joined?)"))
                    continue
                bad = False
                for column, value in zip(self.header, stripped, strict=True):
                    if len(value) > MAX_FIELD_CHARS:
                        self.error(number, column, _(
                            "%(n)s characters; at most %(max)s") % {
                            "n": len(value), "max": MAX_FIELD_CHARS})
                        bad = True
                    elif _CONTROL.search(value):
                        self.error(number, column, _(
                            '"%(value)s" contains a control character (such as a NUL byte)')
                            % {"value": _shown(value)})
                        bad = True
                if not bad:
                    yield number, dict(zip(self.header, stripped, strict=True))


class _RowParser:
    """Turns the cells of a row into a _Row, or records why not (naming row and field)."""

    def __init__(self, reader: _Reader, lookup: dict[str, Area]) -> None:
        self.reader = reader
        self.lookup = lookup
        self.last_year = timezone.localdate().year + 1
        self._areas: dict[str, Area | None] = {}
        self._ages: dict[str, tuple[int | None, int | None] | str] = {}

    def parse(self, line: int, cell: dict[str, str]) -> _Row | None:
        error = self.reader.error
        ok = True
        raw_area = cell["OMRÅDE"]
        area = self._areas.get(raw_area)
        if area is None and raw_area not in self._areas:
            area = self.lookup.get(_normalise(raw_area))
            if len(self._areas) < 10_000:
                self._areas[raw_area] = area
        if area is None:
            error(line, "OMRÅDE", _(
                '"%(value)s" is not a known region, municipality or district (name or code)')
                % {"value": _shown(raw_area)})
            ok = False
        sex = SEX_VALUES.get(_normalise(cell["KØN"]))
        if sex is None:
            error(line, "KØN", _('"%(value)s" is not "Mænd", "Kvinder" or "I alt"')
                  % {"value": _shown(cell["KØN"])})
            ok = False
        age = self._ages.get(cell["ALDER"])
        if age is None:
            age = _parse_age(cell["ALDER"])
            if len(self._ages) < 10_000:
                self._ages[cell["ALDER"]] = age
        if isinstance(age, str):
            error(line, "ALDER", age)
            ok = False
        quarter = cell["TID"].upper()
        match = _QUARTER.fullmatch(quarter)
        if not match:
            error(line, "TID", _('"%(value)s" is not a quarter like "2023K1"')
                  % {"value": _shown(cell["TID"])})
            ok = False
        elif not FIRST_YEAR <= int(match.group(1)) <= self.last_year:
            error(line, "TID", _('"%(value)s" is not a plausible quarter (%(first)sK1 to '
                                 '%(last)sK4)') % {
                "value": _shown(cell["TID"]), "first": FIRST_YEAR, "last": self.last_year})
            ok = False
        count = 0
        if not _COUNT.fullmatch(cell["INDHOLD"]):
            error(line, "INDHOLD", _('"%(value)s" is not a whole number of people (digits 0-9)')
                  % {"value": _shown(cell["INDHOLD"])})
            ok = False
        else:
            count = int(cell["INDHOLD"])
            if count > MAX_COUNT:
                error(line, "INDHOLD", _('"%(value)s" is not plausible: more than %(max)s '
                                         'people') % {"value": _shown(cell["INDHOLD"]),
                                                      "max": f"{MAX_COUNT:,}"})
                ok = False
        is_synthetic = False
        if "KILDE" in cell:
            provenance = PROVENANCE_VALUES.get(cell["KILDE"].casefold())
            if provenance is None:
                error(line, "KILDE", _('"%(value)s" is not "real" or "synthetic"')
                      % {"value": _shown(cell["KILDE"])})
                ok = False
            else:
                is_synthetic = provenance
        certainty = str(Certainty.VERIFIED)
        if cell.get("SIKKERHED"):
            value = CERTAINTY_VALUES.get(cell["SIKKERHED"].casefold())
            if value is None:
                error(line, "SIKKERHED", _(
                    '"%(value)s" is not V (verified), U (uncertain) or NF (not found)')
                    % {"value": _shown(cell["SIKKERHED"])})
                ok = False
            else:
                certainty = value
        if not ok:
            return None
        assert area is not None and sex is not None and not isinstance(age, str)
        return _Row(line, quarter, area, sex, age[0], age[1], count, is_synthetic, certainty)


def _rows(reader: _Reader, lookup: dict[str, Area]) -> Iterator[_Row]:
    parser = _RowParser(reader, lookup)
    for line, cell in reader.cells():
        row = parser.parse(line, cell)
        if row is not None:
            yield row


def _refuse(reader: _Reader) -> None:
    if reader.errors:
        reader.errors.sort(key=lambda e: e.row)
        raise PopulationImportError(reader.errors, reader.more_errors)


def _existing(plan: PopulationPlan) -> None:
    """Fill in, per (quarter, area) of the plan, how many rows the database has now and how
    many of those the file does not give again. One pass over those quarters' rows."""
    by_quarter: dict[str, dict[Area, GroupPlan]] = defaultdict(dict)
    for planned in plan.groups:
        planned.existing_rows = planned.missing_rows = 0
        by_quarter[planned.quarter][planned.area] = planned
    for quarter, groups in by_quarter.items():
        rows = (PopulationCount.objects.filter(quarter=quarter)
                .values_list("region_id", "municipality_id", "district_id", "sex", "age_from",
                             "age_to"))
        for region_id, municipality_id, district_id, sex, age_from, age_to in rows.iterator(
                chunk_size=BATCH_SIZE):
            if municipality_id:
                area: Area = ("municipality", municipality_id)
            elif district_id:
                area = ("district", district_id)
            else:
                area = ("region", region_id)
            target = groups.get(area)
            if target is None:
                continue
            target.existing_rows += 1
            if not plan._stats[(quarter, area)].seen(sex, age_from, age_to):
                target.missing_rows += 1


def population_plan(*, path: Path | str, replace: bool = False) -> PopulationPlan:
    """Check a FOLK1A-shaped file and say what importing it would do; writes nothing.

    Raises PopulationImportError naming file, row and field for every problem found, and for
    a partial import that `replace` does not allow: a new quarter without figures for every
    municipality, or an (area, quarter) whose existing rows the file would not all give again.
    """
    path = Path(path)
    reader = _Reader(path)
    lookup, names = _area_lookup()
    stats: dict[tuple[str, Area], _Group] = {}
    rows = synthetic = 0
    for row in _rows(reader, lookup):
        key = (row.quarter, row.area)
        group = stats.get(key)
        if group is None:
            group = stats[key] = _Group(row.line)
        if group.seen(row.sex, row.age_from, row.age_to):
            reader.error(row.line, "", _("the same area, sex, age and quarter is already given "
                                         "on an earlier row"))
            continue
        group.add(row)
        rows += 1
        synthetic += row.is_synthetic
    # A grand total must equal its sex-and-age breakdown when both are in the file.
    for group in stats.values():
        total, breakdown = group.kind_sums[_TOTAL], group.kind_sums[_BY_AGE]
        if total is not None and breakdown is not None and total != breakdown:
            reader.error(group.total_line, "INDHOLD", _(
                "the total %(total)s differs from the sum of the sex and age rows, %(sum)s")
                % {"total": total, "sum": breakdown})
    if not rows and not reader.errors:
        reader.error(2, "", _("the file has no data rows"))
    _refuse(reader)

    plan = PopulationPlan(
        file=path.name, sha256=reader.digest.hexdigest(), rows=rows,
        real_rows=rows - synthetic, synthetic_rows=synthetic,
        groups=[GroupPlan(quarter, area, names[area], group.first_line, group.rows)
                for (quarter, area), group in sorted(stats.items(),
                                                     key=lambda item: item[1].first_line)],
        new_quarters=[], replace=replace, _stats=stats)
    _existing(plan)
    known = set(PopulationCount.objects.filter(quarter__in=plan.quarters)
                .values_list("quarter", flat=True).distinct())
    plan.new_quarters = [q for q in plan.quarters if q not in known]
    municipalities = dict(Municipality.objects.values_list("pk", "name"))
    first_line: dict[str, int] = {}
    for planned in plan.groups:
        first_line.setdefault(planned.quarter, planned.first_line)
    for quarter in plan.new_quarters:
        covered = {pk for (q, (kind, pk)) in stats if q == quarter and kind == "municipality"}
        missing = sorted(name for pk, name in municipalities.items() if pk not in covered)
        if missing:
            plan.incomplete_quarters[quarter] = missing
            if not replace:
                reader.error(first_line[quarter], "TID", _(
                    "%(quarter)s is a new quarter, but the file has no figures for %(n)s "
                    "municipalities (%(names)s). Import a complete quarter, or give --replace "
                    "to import it anyway (the portal keeps showing the last complete quarter)")
                    % {"quarter": quarter, "n": len(missing), "names": ", ".join(missing[:5])
                       + (", …" if len(missing) > 5 else "")})
    if not replace:
        for planned in plan.groups:
            if planned.missing_rows:
                reader.error(planned.first_line, "OMRÅDE", _(
                    "%(area)s has %(existing)s rows for %(quarter)s; this file gives %(rows)s "
                    "and would remove %(missing)s of them. Give --replace to replace the "
                    "area's figures for the quarter anyway") % {
                    "area": planned.area_name, "existing": planned.existing_rows,
                    "quarter": planned.quarter, "rows": planned.rows,
                    "missing": planned.missing_rows})
    _refuse(reader)
    return plan


def _area_filter(kind: str, pks: list[int]) -> Q:
    return Q(**{f"{kind}_id__in": pks})


@service
def population_import(*, path: Path | str, source: str = "", replace: bool = False,
                      plan: PopulationPlan | None = None, by: Any | None = None
                      ) -> PopulationImportResult:
    """Import a FOLK1A-shaped CSV (OMRÅDE;KØN;ALDER;TID;INDHOLD[;KILDE][;SIKKERHED]).

    KILDE is "real" (default) or "synthetic"; SIKKERHED is V (default), U or NF. The file is
    checked first (`population_plan`, or the `plan` the caller printed); any problem refuses
    it whole and nothing is written. The rows of each (quarter, area) in the file replace
    those already stored; totals per area and quarter are stored beside them.
    """
    path = Path(path)
    if plan is None:
        plan = population_plan(path=path, replace=replace)
    else:
        expected = [(g.quarter, g.area, g.existing_rows, g.missing_rows) for g in plan.groups]
        _existing(plan)
        if expected != [(g.quarter, g.area, g.existing_rows, g.missing_rows)
                        for g in plan.groups]:
            raise PopulationImportError([RowError(plan.file, 0, "", _(
                "the population in the database changed since the file was checked; check "
                "it again"))])
    source = (source or path.name)[:300]

    # Remove what is replaced: the rows and totals of every (quarter, area) in the file.
    by_kind: dict[tuple[str, str], list[int]] = defaultdict(list)
    for planned in plan.groups:
        by_kind[(planned.quarter, planned.area[0])].append(planned.area[1])
    for (quarter, kind), pks in by_kind.items():
        for start in range(0, len(pks), 500):
            chunk = pks[start:start + 500]
            # A plain DELETE: these rows have no dependants and nobody listens for them.
            PopulationCount.objects.filter(_area_filter(kind, chunk), quarter=quarter
                                           )._raw_delete("default")
            AreaPopulation.objects.filter(_area_filter(kind, chunk), quarter=quarter
                                          )._raw_delete("default")

    # Read the file again, inserting in batches; it must be the file that was checked.
    reader = _Reader(path)
    lookup, _names = _area_lookup()
    batch: list[PopulationCount] = []
    written = 0
    for row in _rows(reader, lookup):
        batch.append(PopulationCount(
            quarter=row.quarter, **{f"{row.area[0]}_id": row.area[1]}, sex=row.sex,
            age_from=row.age_from, age_to=row.age_to, count=row.count,
            is_synthetic=row.is_synthetic, source=source, certainty=row.certainty))
        if len(batch) >= BATCH_SIZE:
            PopulationCount.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        PopulationCount.objects.bulk_create(batch)
        written += len(batch)
    if reader.errors or reader.digest.hexdigest() != plan.sha256 or written != plan.rows:
        raise PopulationImportError([RowError(plan.file, 0, "", _(
            "the file changed while it was imported; nothing was imported"))])

    totals = []
    for (quarter, (kind, pk)), stats in plan._stats.items():
        total_kind = stats.total_kind()
        count = None if total_kind is None else stats.kind_sums[total_kind]
        flags = _BY_AGE if total_kind is None else total_kind
        totals.append(AreaPopulation(
            quarter=quarter, **{f"{kind}_id": pk}, count=count,
            men_by_band=stats.bands["M"] if stats.kind_sums[_BY_AGE] is not None else [],
            women_by_band=stats.bands["K"] if stats.kind_sums[_BY_AGE] is not None else [],
            rows=stats.rows, is_synthetic=stats.synthetic[flags],
            bands_synthetic=stats.synthetic[_BY_AGE], source=source,
            certainty=stats.certainty[flags]))
    AreaPopulation.objects.bulk_create(totals, batch_size=1000)

    audit_record(actor=by, action="geography.population.import", changes={
        "file": plan.file, "sha256": plan.sha256, "rows": plan.rows,
        "replaced": plan.replaced, "quarters": plan.quarters, "areas": plan.areas,
        "replace": plan.replace})
    from sundhedsaftale.portal.generation import cache_generation_bump_on_commit

    cache_generation_bump_on_commit()
    return PopulationImportResult(
        rows=plan.rows, quarters=plan.quarters, areas=plan.areas, replaced=plan.replaced,
        synthetic_rows=plan.synthetic_rows, real_rows=plan.real_rows, plan=plan)


@service
def area_membership_create(*, cluster: HealthCluster, by: Any | None,
                           municipality: Municipality | None = None,
                           district: District | None = None,
                           valid_from: datetime.date | None = None,
                           valid_to: datetime.date | None = None, source: str = "",
                           certainty: str = "U") -> AreaMembership:
    """Put a municipality or a district in a cluster (or health council area) for a period.
    Refused (ValidationError) if the place already belongs to an area of the same kind then."""
    membership = AreaMembership(cluster=cluster, municipality=municipality, district=district,
                                valid_from=valid_from, valid_to=valid_to, source=source,
                                certainty=certainty)
    content_save(instance=membership, by=by)
    audit_record(actor=by, action="geography.area_membership.create", obj=membership,
                 changes={"cluster": str(cluster), "area": str(membership.area)})
    return membership


@service
def health_cluster_create(*, by: Any | None, code: str, name: str, kind: str, region: Region,
                          valid_from: datetime.date | None = None,
                          valid_to: datetime.date | None = None, hospital: Any = None,
                          description: str = "", source: str = "",
                          certainty: str = "U") -> HealthCluster:
    """Add a collaboration area: a health cluster or (from 2027) a health council area."""
    cluster = HealthCluster(code=code, name=name, kind=kind, region=region,
                            valid_from=valid_from, valid_to=valid_to, hospital=hospital,
                            description=description, source=source, certainty=certainty)
    content_save(instance=cluster, by=by)
    audit_record(actor=by, action="geography.health_cluster.create", obj=cluster,
                 changes={"code": code, "name": name, "kind": kind})
    return cluster


# --- the successor structure (2027: health councils after the health clusters) ---------------


class SuccessorError(Exception):
    """The successor structure cannot be created now; the message says why (in Danish)."""


def _successor_code(code: str, taken: set[str]) -> str:
    base = f"sundhedsraad-{code}"[:46]
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


@service
def successor_create(*, by: Any | None, today: datetime.date) -> list[HealthCluster]:
    """Copy the areas that end (and their memberships of municipalities left without an area)
    into draft health council areas starting the day after. Refused (SuccessorError) when
    there is no gap within the warning window, or drafts already cover it."""
    from sundhedsaftale.access.rules import require

    from .transition import structure_gap, successor_name, successor_plan

    require(by, "geography.successor.create")
    gap = structure_gap(today=today)
    if gap is None:
        raise SuccessorError(_("Der mangler ingen struktur de næste dage; intet er oprettet."))
    if gap.drafts_cover:
        raise SuccessorError(_("Den efterfølgende struktur findes allerede som udkast."))
    plan = successor_plan(gap=gap)
    if not plan:
        raise SuccessorError(_("Der er ingen struktur at kopiere pr. %(date)s.")
                             % {"date": gap.last_day.isoformat()})
    taken = set(HealthCluster.objects.values_list("code", flat=True))
    note = _("Kopieret fra %(name)s pr. %(date)s som udkast. Sundhedsrådenes geografi er ikke "
             "fastlagt i platformens kilder; ret områderne, før de offentliggøres.")
    created: list[HealthCluster] = []
    for source_cluster, memberships in plan:
        council = HealthCluster(
            code=_successor_code(source_cluster.code, taken),
            name=successor_name(source_cluster),
            kind=HealthCluster.Kind.HEALTH_COUNCIL, region=source_cluster.region,
            hospital=source_cluster.hospital, number=source_cluster.number,
            description=source_cluster.description, valid_from=gap.date, is_draft=True,
            source=(note % {"name": source_cluster.name,
                            "date": gap.last_day.isoformat()})[:300],
            certainty=Certainty.NOT_FOUND)
        content_save(instance=council, by=by, reason="successor structure")
        for membership in memberships:
            content_save(instance=AreaMembership(
                cluster=council, municipality=membership.municipality,
                district=membership.district, valid_from=gap.date,
                source=council.source, certainty=Certainty.NOT_FOUND),
                by=by, reason="successor structure")
        created.append(council)
    audit_record(actor=by, action="geography.successor.create", obj=None, changes={
        "from": gap.date.isoformat(),
        "areas": {c.code: c.memberships.count() for c in created}})
    return created


@service
def successor_publish(*, by: Any | None, clusters: list[HealthCluster]) -> list[HealthCluster]:
    """Publish draft areas: the public pages show them (and their memberships) from then on."""
    from sundhedsaftale.access.rules import require

    require(by, "geography.successor.create")
    published = []
    for cluster in clusters:
        if not cluster.is_draft:
            continue
        cluster.is_draft = False
        content_save(instance=cluster, by=by, reason="publish")
        audit_record(actor=by, action="geography.health_cluster.publish", obj=cluster,
                     changes={"is_draft": {"before": True, "after": False}})
        published.append(cluster)
    return published
