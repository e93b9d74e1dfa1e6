"""Writes to geography: the population import (FOLK1A shape)."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.models import Certainty
from sundhedsaftale.core.services import content_save, service

from .models import AreaMembership, District, HealthCluster, Municipality, PopulationCount, Region

REQUIRED_COLUMNS = ("OMRÅDE", "KØN", "ALDER", "TID", "INDHOLD")
OPTIONAL_COLUMNS = ("KILDE", "SIKKERHED")
SEX_VALUES: dict[str, str] = {
    "mænd": str(PopulationCount.Sex.MEN), "kvinder": str(PopulationCount.Sex.WOMEN),
    "i alt": str(PopulationCount.Sex.TOTAL), "køn i alt": str(PopulationCount.Sex.TOTAL)}
PROVENANCE_VALUES = {"real": False, "synthetic": True}
CERTAINTY_VALUES: dict[str, str] = {value.casefold(): value for value in Certainty.values}
_AGE = re.compile(r"^(\d{1,3}) år$")
_AGE_BAND = re.compile(r"^(\d{1,3})\s*-\s*(\d{1,3}) år$")
_AGE_OPEN = re.compile(r"^(\d{1,3}) år og derover$")
_AGE_TOTAL = {"alder i alt", "i alt"}
_QUARTER = re.compile(r"^(\d{4})K([1-4])$")
_MAX_ERRORS_SHOWN = 20


@dataclass(frozen=True)
class RowError:
    file: str
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        if self.field:
            return _("%(file)s, row %(row)s, field %(field)s: %(message)s") % {
                "file": self.file, "row": self.row, "field": self.field,
                "message": self.message}
        return _("%(file)s, row %(row)s: %(message)s") % {
            "file": self.file, "row": self.row, "message": self.message}


class PopulationImportError(Exception):
    """The file was refused; nothing was imported. `errors` lists every problem found."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        shown = [str(e) for e in errors[:_MAX_ERRORS_SHOWN]]
        if len(errors) > _MAX_ERRORS_SHOWN:
            shown.append(_("... and %(n)s more errors") % {"n": len(errors) - _MAX_ERRORS_SHOWN})
        super().__init__("\n".join(shown))


@dataclass
class PopulationImportResult:
    rows: int
    quarters: list[str]
    areas: int
    replaced: int
    synthetic_rows: int = 0
    real_rows: int = 0


@dataclass
class _Row:
    line: int
    quarter: str
    area: tuple[str, int]  # ("region"|"municipality"|"district", pk)
    sex: str
    age_from: int | None
    age_to: int | None
    count: int
    is_synthetic: bool
    certainty: str


def _normalise(value: str) -> str:
    value = value.replace("\u2013", "-").replace("\u2014", "-").replace("\xa0", " ")
    return re.sub(r"\s+", " ", value).strip().casefold()


def _area_lookup() -> dict[str, tuple[str, int]]:
    """Names and codes of every area we know, normalised, to ("kind", pk)."""
    lookup: dict[str, tuple[str, int]] = {}
    for region in Region.objects.all():
        for key in (region.code, region.name, f"Region {region.name}",
                    region.name.removeprefix("Region ")):
            lookup[_normalise(key)] = ("region", region.pk)
    for municipality in Municipality.objects.all():
        for key in (municipality.code, municipality.name, f"{municipality.name} Kommune"):
            lookup[_normalise(key)] = ("municipality", municipality.pk)
    for district in District.objects.select_related("municipality"):
        for key in (district.code, f"{district.municipality.name} - {district.name}",
                    f"{district.municipality.name}-{district.name}"):
            lookup[_normalise(key)] = ("district", district.pk)
    return lookup


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Statistics Denmark's downloads are often Windows-1252.
        return raw.decode("cp1252")


def _parse_age(value: str) -> tuple[int | None, int | None] | None:
    text = _normalise(value)
    if text in _AGE_TOTAL:
        return None, None
    if match := _AGE.match(text):
        age = int(match.group(1))
        return age, age
    if match := _AGE_BAND.match(text):
        start, end = int(match.group(1)), int(match.group(2))
        return (start, end) if start <= end else None
    if match := _AGE_OPEN.match(text):
        return int(match.group(1)), None
    return None


def population_parse(*, path: Path | str) -> list[_Row]:
    """Read and validate every row of a FOLK1A-shaped file. Raises PopulationImportError with
    all problems (file, row, field); returns the rows only if there is none."""
    path = Path(path)
    name = path.name
    errors: list[RowError] = []
    try:
        text = _read_text(path)
    except OSError as exc:
        raise PopulationImportError([RowError(name, 0, "", str(exc))]) from exc
    reader = csv.reader(io.StringIO(text), delimiter=";")
    try:
        header = [h.strip().upper() for h in next(reader)]
    except StopIteration:
        raise PopulationImportError([RowError(name, 1, "", _("the file is empty"))]) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise PopulationImportError([RowError(
            name, 1, "", _("missing column(s) %(columns)s; expected %(expected)s") % {
                "columns": ", ".join(missing),
                "expected": ";".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)})])
    index = {column: header.index(column) for column in header}
    lookup = _area_lookup()
    rows: list[_Row] = []
    seen: dict[tuple, int] = {}
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            errors.append(RowError(name, line, "", _(
                "%(found)s columns, expected %(expected)s") % {
                "found": len(values), "expected": len(header)}))
            continue
        cell = {column: values[i].strip() for column, i in index.items()}
        row_errors: list[RowError] = []

        area = lookup.get(_normalise(cell["OMRÅDE"]))
        if area is None:
            row_errors.append(RowError(name, line, "OMRÅDE", _(
                '"%(value)s" is not a known region, municipality or district (name or code)')
                % {"value": cell["OMRÅDE"]}))
        sex = SEX_VALUES.get(_normalise(cell["KØN"]))
        if sex is None:
            row_errors.append(RowError(name, line, "KØN", _(
                '"%(value)s" is not "Mænd", "Kvinder" or "I alt"') % {"value": cell["KØN"]}))
        age = _parse_age(cell["ALDER"])
        if age is None:
            row_errors.append(RowError(name, line, "ALDER", _(
                '"%(value)s" is not an age like "42 år", "40-44 år" or "Alder i alt"')
                % {"value": cell["ALDER"]}))
        quarter = cell["TID"].upper()
        if not _QUARTER.match(quarter):
            row_errors.append(RowError(name, line, "TID", _(
                '"%(value)s" is not a quarter like "2023K1"') % {"value": cell["TID"]}))
        count: int | None = None
        if re.fullmatch(r"\d+", cell["INDHOLD"]):
            count = int(cell["INDHOLD"])
        else:
            row_errors.append(RowError(name, line, "INDHOLD", _(
                '"%(value)s" is not a whole number of people') % {"value": cell["INDHOLD"]}))
        is_synthetic = False
        if "KILDE" in cell:
            provenance = PROVENANCE_VALUES.get(cell["KILDE"].casefold())
            if provenance is None:
                row_errors.append(RowError(name, line, "KILDE", _(
                    '"%(value)s" is not "real" or "synthetic"') % {"value": cell["KILDE"]}))
            else:
                is_synthetic = provenance
        certainty: str = str(Certainty.VERIFIED)
        if cell.get("SIKKERHED"):
            value = CERTAINTY_VALUES.get(cell["SIKKERHED"].casefold())
            if value is None:
                row_errors.append(RowError(name, line, "SIKKERHED", _(
                    '"%(value)s" is not V (verified), U (uncertain) or NF (not found)')
                    % {"value": cell["SIKKERHED"]}))
            else:
                certainty = value
        if row_errors:
            errors.extend(row_errors)
            continue
        assert area is not None and sex is not None and age is not None and count is not None
        key = (quarter, area, sex, age)
        if key in seen:
            errors.append(RowError(name, line, "", _(
                "the same area, sex, age and quarter is already on row %(row)s")
                % {"row": seen[key]}))
            continue
        seen[key] = line
        rows.append(_Row(line, quarter, area, sex, age[0], age[1], count, is_synthetic,
                         certainty))

    # A grand total must equal its sex-and-age breakdown when both are in the file.
    totals: dict[tuple, _Row] = {}
    sums: dict[tuple, int] = defaultdict(int)
    for row in rows:
        group = (row.quarter, row.area)
        if row.sex == PopulationCount.Sex.TOTAL and row.age_from is None:
            totals[group] = row
        elif row.sex != PopulationCount.Sex.TOTAL and row.age_from is not None:
            sums[group] += row.count
    for group, total in totals.items():
        if group in sums and sums[group] != total.count:
            errors.append(RowError(name, total.line, "INDHOLD", _(
                "the total %(total)s differs from the sum of the sex and age rows, %(sum)s")
                % {"total": total.count, "sum": sums[group]}))
    if not rows and not errors:
        errors.append(RowError(name, 2, "", _("the file has no data rows")))
    if errors:
        errors.sort(key=lambda e: e.row)
        raise PopulationImportError(errors)
    return rows


def population_import(*, path: Path | str, source: str = "") -> PopulationImportResult:
    """Import a FOLK1A-shaped CSV (OMRÅDE;KØN;ALDER;TID;INDHOLD[;KILDE][;SIKKERHED]).

    KILDE is "real" (default) or "synthetic"; SIKKERHED is V (default), U or NF.

    Every row is validated first; any error refuses the whole file (PopulationImportError) and
    nothing is written. Otherwise, in one transaction, the figures of each (quarter, area) in the
    file replace those already stored, so re-importing a quarter replaces it.
    """
    path = Path(path)
    rows = population_parse(path=path)
    source = source or path.name
    groups = {(row.quarter, row.area) for row in rows}
    with transaction.atomic():
        replaced = 0
        for quarter, (kind, pk) in groups:
            deleted, _detail = PopulationCount.objects.filter(
                quarter=quarter, **{f"{kind}_id": pk}).delete()
            replaced += deleted
        PopulationCount.objects.bulk_create(
            [PopulationCount(quarter=row.quarter, **{f"{row.area[0]}_id": row.area[1]},
                             sex=row.sex, age_from=row.age_from, age_to=row.age_to,
                             count=row.count, is_synthetic=row.is_synthetic, source=source,
                             certainty=row.certainty)
             for row in rows],
            batch_size=2000,
        )
    synthetic = sum(1 for row in rows if row.is_synthetic)
    return PopulationImportResult(
        rows=len(rows), quarters=sorted({row.quarter for row in rows}),
        areas=len({row.area for row in rows}), replaced=replaced,
        synthetic_rows=synthetic, real_rows=len(rows) - synthetic)


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
