"""Synthetic registry extracts for the indicator engine, at any scale.

Everything written here is SYNTHETIC: no real person, contact or diagnosis is behind any row.
The generator writes every input table of the engine contract (kontakter, diagnoser, befolkning,
faerdigbehandlet, kroniske_sygdomme and geografi.csv). Rates are calibrated roughly to Danish
levels; docs/engine-data.md says where each one comes from.

Design:
- Deterministic: persons (municipality, district, sex, birth date, moves) come from one
  ``Generator(PCG64(seed))``; each chunk of persons draws its events from its own stream
  ``SeedSequence(seed, spawn_key=(1, chunk))``. Same arguments give byte-identical files.
- Fast and lean: everything is vectorised with numpy; strings are built by pyarrow kernels; each
  chunk of persons is written as its own Parquet row group, so memory stays flat with scale.
- Files are written into a temporary directory next to ``out_dir`` and moved in place at the
  end, so an interrupted run leaves nothing half written in ``out_dir``.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = [
    "CLUSTER_OF_DISTRICT",
    "CLUSTER_OF_MUNICIPALITY",
    "CLUSTER_VALID_FROM",
    "CLUSTER_VALID_TO",
    "TABLES",
    "district_calibration",
    "generate",
    "municipality_calibration",
]

TABLES = ("kontakter", "diagnoser", "befolkning", "faerdigbehandlet", "kroniske_sygdomme",
          "genoptraeningsplaner")

EPOCH = dt.date(1970, 1, 1)
MIN_PER_DAY = 1440
MIN_PER_HOUR = 60

CLUSTER_VALID_FROM = dt.date(2022, 7, 1)
CLUSTER_VALID_TO = dt.date(2026, 12, 31)

CLUSTER_OF_MUNICIPALITY: dict[str, str] = {
    "147": "byen",
    **{c: "syd" for c in ("165", "153", "155", "161", "167", "169", "183", "185", "187")},
    **{c: "midt" for c in ("151", "240", "190", "157", "159", "163", "173", "230", "175")},
    **{c: "nord" for c in ("201", "210", "250", "270", "260", "217", "219", "223")},
    "400": "bornholm",
}
CLUSTER_OF_DISTRICT: dict[str, str] = {
    **{f"101-{n:02d}": "byen" for n in (1, 2, 3, 6, 7, 8)},
    **{f"101-{n:02d}": "syd" for n in (4, 5, 9, 10)},
}
# København is split between two clusters by district and every København person has a
# district, so district rows decide. The contract requires a cluster on every row; the
# municipality row carries the cluster of the larger part (byen) only as a fallback.
SPLIT_MUNICIPALITY_FALLBACK = "byen"
HOSPITAL_OF_CLUSTER = {"byen": 0, "syd": 1, "midt": 2, "nord": 3, "bornholm": 4}
HOSPITAL_SOR_PREFIX = ("1301", "1302", "1303", "1304", "1305", "1306")  # 5 = Rigshospitalet

# Specialties of the responsible unit (lower-case Danish, as in LPR3's hovedspeciale).
SPECIALTIES = (
    "akutmedicin",
    "intern medicin",
    "kirurgi",
    "ortopædisk kirurgi",
    "gynækologi og obstetrik",
    "pædiatri",
    "onkologi",
    "psykiatri",
    "børne- og ungdomspsykiatri",
    "kardiologi",
    "neurologi",
    "geriatri",
)
SP = {name: i for i, name in enumerate(SPECIALTIES)}
PRIORITIES = ("ATA1", "ATA3")
ACUTE, PLANNED = 0, 1
CONTACT_TYPES = ("ALCA00", "ALCA20", "ALCA10")
PHYSICAL, VIRTUAL, HOME = 0, 1, 2
DISEASES = ("kol", "type2_diabetes", "astma", "hjertesvigt")

# ---------------------------------------------------------------------------------------------
# Diagnosis code pools (Danish ICD-10: "D" + code without dot). One global code table; the
# categories below are index pools into it.
# ---------------------------------------------------------------------------------------------
_POOLS: dict[str, tuple[str, ...]] = {
    # The nine preventable groups of the provisional list (domain.md §4).
    "preventable": (
        "DE869", "DK590", "DJ129", "DJ159", "DJ189", "DJ181", "DJ209", "DJ219", "DJ22",
        "DN300", "DN309", "DN390", "DA09", "DA099", "DS720", "DS721", "DS525", "DS422",
        "DS321", "DT08", "DD509", "DD519", "DD529", "DD539", "DZ599", "DZ604", "DZ740",
        "DZ755", "DL899", "DL891",
    ),
    "copd": ("DJ441", "DJ440", "DJ449"),
    "diabetes": ("DE110", "DE111", "DE116", "DE119"),
    "injury": ("DS010", "DS060", "DS610", "DS934", "DT140", "DS836"),
    "violence": ("DS022", "DS062", "DS301", "DT009"),
    "selfharm": ("DT391", "DT424", "DT510", "DT430"),
    "cancer": ("DC349", "DC509", "DC189", "DC619", "DC259", "DC209", "DC679"),
    "hospice": ("DZ515",),
    "general": (
        "DR074", "DI214", "DI500", "DI639", "DR109", "DK359", "DA419", "DR55", "DI489",
        "DK802", "DR060", "DN179", "DG409", "DR509", "DI269", "DK922", "DR42", "DI110",
    ),
    "planned": (
        "DM170", "DM161", "DK409", "DK802", "DI251", "DN40", "DM511", "DK573", "DN819",
        "DI350", "DM750", "DK429",
    ),
    "birth": ("DO800", "DO809", "DO810", "DO820", "DO829", "DO839", "DO840"),
    "newborn": ("DZ380", "DZ381", "DZ383"),
    "outpatient": (
        "DZ017", "DM545", "DH409", "DE119", "DI109", "DZ038", "DR104", "DM179", "DH251",
        "DZ098", "DM199", "DL400", "DJ459", "DG439", "DE039", "DK219", "DN951", "DR51",
    ),
    "pregnancy": ("DZ348", "DO260", "DO249"),
    "psychiatric": (
        "DF200", "DF209", "DF250", "DF320", "DF322", "DF331", "DF411", "DF431", "DF603",
        "DF102", "DF840", "DF900", "DF500", "DF429",
    ),
    "accident_cause": ("DW01", "DW10", "DW19", "DV031", "DV892", "DX50", "DW54"),
    "violence_cause": ("DX99", "DY00", "DY04", "DX95", "DY09", "DX85"),
    "selfharm_cause": ("DX60", "DX61", "DX64", "DX70", "DX78", "DX84"),
    "secondary": (
        "DI109", "DE119", "DJ449", "DZ921", "DF329", "DE785", "DI489", "DZ880", "DN189",
        "DE039", "DE660", "DZ915", "DF171", "DM819",
    ),
}
CODES: tuple[str, ...] = tuple(dict.fromkeys(c for pool in _POOLS.values() for c in pool))
_CODE_INDEX = {c: i for i, c in enumerate(CODES)}
POOL_IDX: dict[str, np.ndarray] = {
    k: np.array([_CODE_INDEX[c] for c in v], dtype=np.int16) for k, v in _POOLS.items()
}

# Categories of acute somatic episodes (columns of the probability matrix below).
_ACUTE_CATS = ("general", "preventable", "injury", "violence", "selfharm", "cancer", "hospice",
               "copd", "diabetes")
_CAUSE_OF_CAT = {"injury": "accident_cause", "violence": "violence_cause",
                 "selfharm": "selfharm_cause"}

# ---------------------------------------------------------------------------------------------
# Age pyramids: shares of 5-year bands 0-4 ... 95-99. Own estimates shaped like Denmark's
# (about 20 % aged 65+) and like central Copenhagen (younger, about 13 % aged 65+).
# ---------------------------------------------------------------------------------------------
_PYRAMID_NATIONAL = np.array([5.5, 5.6, 5.8, 6.0, 6.8, 6.9, 6.3, 5.9, 5.9, 6.6, 7.0, 6.8, 6.0,
                              5.4, 5.3, 4.5, 2.8, 1.5, 0.7, 0.2])
_PYRAMID_URBAN = np.array([6.0, 4.8, 4.2, 4.0, 9.5, 13.0, 10.5, 7.5, 6.2, 5.8, 5.5, 5.0, 4.3,
                           3.6, 3.4, 2.8, 1.6, 0.9, 0.4, 0.1])
_URBAN_MUNICIPALITIES = ("101", "147")
MOVE_SHARE = 0.03  # share of persons moving municipality between two yearly snapshots


def _single_year(pyramid: np.ndarray) -> np.ndarray:
    p = np.repeat(pyramid / 5.0, 5)
    return p / p.sum()


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    population: int
    certainty: str


def _read_reference(name: str) -> list[dict[str, str]]:
    text = resources.files("indicator_engine").joinpath("reference", name).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def municipality_calibration() -> list[Municipality]:
    """The 29 municipalities with the population the generator is calibrated to."""
    return [
        Municipality(r["code"], r["name"], int(r["population_2023"]), r["certainty"])
        for r in _read_reference("municipalities.csv")
    ]


def district_calibration() -> list[tuple[str, str, int]]:
    """København's ten districts as (code "101-NN", bydel "NN", population estimate)."""
    return [
        (r["code"], r["bydel"], int(r["population_estimate"]))
        for r in _read_reference("districts.csv")
    ]


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Largest-remainder allocation of ``total`` over ``weights`` (exactly proportional)."""
    exact = total * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    rest = total - int(counts.sum())
    if rest:
        order = np.argsort(-(exact - counts), kind="stable")
        counts[order[:rest]] += 1
    return counts


def _days(d: dt.date) -> int:
    return (d - EPOCH).days


# ---------------------------------------------------------------------------------------------
# Output sinks
# ---------------------------------------------------------------------------------------------
class _Sink:
    """Appends chunks of one table to a Parquet file (one row group per chunk) or a CSV file."""

    def __init__(self, path: Path, schema: pa.Schema, fmt: str) -> None:
        self.path = path
        self.fmt = fmt
        self.rows = 0
        self._writer: Any
        if fmt == "parquet":
            self._writer = pq.ParquetWriter(path, schema, compression="snappy")
        else:
            csv_schema = pa.schema(
                [pa.field(f.name, pa.string() if pa.types.is_time(f.type) else f.type)
                 for f in schema]
            )
            self._writer = pacsv.CSVWriter(path, csv_schema)
        self.schema = schema

    def write(self, table: pa.Table) -> None:
        table = table.select(self.schema.names).cast(self.schema)
        self.rows += table.num_rows
        if self.fmt == "parquet":
            self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
        else:
            cols = []
            for f, col in zip(self.schema, table.columns, strict=True):
                cols.append(_time_to_text(col) if pa.types.is_time(f.type) else col)
            self._writer.write_table(pa.Table.from_arrays(cols, names=self.schema.names))

    def close(self) -> None:
        self._writer.close()


def _time_to_text(col: pa.ChunkedArray) -> pa.Array:
    """time64[us] -> "HH:MM:SS" strings (the CSV form of the contract)."""
    us = col.cast(pa.int64()).to_numpy(zero_copy_only=False)
    secs = us // 1_000_000
    hh, mm, ss = secs // 3600, (secs // 60) % 60, secs % 60
    digits = np.empty((len(secs), 8), dtype=np.uint8)
    for j, (v, div) in enumerate(((hh, 10), (hh, 1), (mm, 10), (mm, 1), (ss, 10), (ss, 1))):
        digits[:, j + j // 2] = 48 + (v // div) % 10
    digits[:, 2] = digits[:, 5] = ord(":")
    return pa.array(digits.view("S8").ravel()).cast(pa.string())


SCHEMAS: dict[str, pa.Schema] = {
    "kontakter": pa.schema([
        ("dw_ek_kontakt", pa.string()),
        ("dw_ek_forloeb", pa.string()),
        ("cpr", pa.string()),
        ("dato_start", pa.date32()),
        ("tidspunkt_start", pa.time64("us")),
        ("dato_slut", pa.date32()),
        ("tidspunkt_slut", pa.time64("us")),
        ("aktionsdiagnose", pa.string()),
        ("prioritet", pa.string()),
        ("kontakttype", pa.string()),
        ("sorenhed_ans", pa.string()),
        ("hovedspeciale_ans", pa.string()),
        ("kontaktaarsag", pa.string()),
    ]),
    "diagnoser": pa.schema([
        ("dw_ek_kontakt", pa.string()),
        ("diagnosekode", pa.string()),
        ("diagnosetype", pa.string()),
        ("senere_afkraeftet", pa.bool_()),
    ]),
    "befolkning": pa.schema([
        ("ref_dato", pa.date32()),
        ("cpr", pa.string()),
        ("foed_dag", pa.date32()),
        ("koen", pa.string()),
        ("kom", pa.string()),
        ("bydel", pa.string()),
    ]),
    "faerdigbehandlet": pa.schema([
        ("dw_ek_kontakt", pa.string()),
        ("dato_faerdigbehandlet", pa.date32()),
        ("tidspunkt_faerdigbehandlet", pa.time64("us")),
    ]),
    "kroniske_sygdomme": pa.schema([
        ("cpr", pa.string()),
        ("sygdom", pa.string()),
        ("dato_fra", pa.date32()),
    ]),
    "genoptraeningsplaner": pa.schema([
        ("cpr", pa.string()),
        ("dw_ek_kontakt", pa.string()),
        ("dato_udstedt", pa.date32()),
        ("plantype", pa.string()),
        ("dato_foerste_traening", pa.date32()),
    ]),
}
#: LPR3 contact reasons as the engine reads them (definitions/codelists/contact_reasons_v1.csv).
CONTACT_REASONS = ("ALCC01", "ALCC02", "ALCC03", "ALCC04")  # illness, accident, violence, suicide
_REASON_OF_CAUSE = {"accident_cause": 1, "violence_cause": 2, "selfharm_cause": 3}
PLAN_KINDS = ("almen", "specialiseret", "rehabilitering")


# ---------------------------------------------------------------------------------------------
# Pseudonyms
# ---------------------------------------------------------------------------------------------
_MASK40 = np.uint64((1 << 40) - 1)
_HEX = np.frombuffer(b"0123456789ABCDEF", dtype=np.uint8)


def _pseudonyms(person_index: np.ndarray, seed: int) -> pa.Array:
    """"P" + 10 hex digits: a seeded bijection of the 40-bit person index (never collides,
    never looks like a CPR number)."""
    keys = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(7,))))
    a, b, c = (keys.integers(1, 1 << 39, size=3, dtype=np.uint64) * np.uint64(2) + np.uint64(1))
    with np.errstate(over="ignore"):
        x = person_index.astype(np.uint64)
        x = (x * a + b) & _MASK40
        x ^= x >> np.uint64(19)
        x = (x * c) & _MASK40
        x ^= x >> np.uint64(21)
    out = np.empty((len(x), 11), dtype=np.uint8)
    out[:, 0] = ord("P")
    for j in range(10):
        out[:, 10 - j] = _HEX[((x >> np.uint64(4 * j)) & np.uint64(15)).astype(np.intp)]
    return pa.array(out.view("S11").ravel()).cast(pa.string())


def _prefixed_ids(prefix: str, numbers: np.ndarray) -> pa.Array:
    return pc.binary_join_element_wise(prefix, pa.array(numbers).cast(pa.string()), "")


# ---------------------------------------------------------------------------------------------
# Contact accumulation
# ---------------------------------------------------------------------------------------------
@dataclass
class _Contacts:
    """Columnar buffer of contacts of one chunk (integer codes; strings are made at the end)."""

    parts: list[dict[str, np.ndarray]] = field(default_factory=list)

    def add(self, **cols: np.ndarray) -> None:
        n = len(cols["pid"])
        if n == 0:
            return
        base: dict[str, np.ndarray] = {
            "cause": np.full(n, -1, dtype=np.int16),
            "episode": np.full(n, -1, dtype=np.int64),
            "ward": np.zeros(n, dtype=bool),
            "psych": np.zeros(n, dtype=bool),
        }
        base.update(cols)
        self.parts.append(base)

    def concat(self) -> dict[str, np.ndarray]:
        keys = self.parts[0].keys()
        return {k: np.concatenate([p[k] for p in self.parts]) for k in keys}


@dataclass
class _Episodes:
    """Contacts of hospital episodes: optional pre-contact (emergency department), ward contact,
    optional transfer to a second ward. Times in minutes since 1970-01-01."""

    ep: list[np.ndarray]
    start: list[np.ndarray]
    end: list[np.ndarray]
    role: list[np.ndarray]  # 0 = pre-contact, 1 = ward, 2 = second ward, 3 = later visit
    admitted: np.ndarray
    discharge: np.ndarray


def _link_gap(rng: np.random.Generator, n: int, prev_dur: np.ndarray) -> np.ndarray:
    """Start offset of a linked contact relative to the previous contact's end: overlapping
    (negative), or a gap of at most 4 hours (a few exactly 4 hours, the boundary)."""
    r = rng.random(n)
    overlap = -np.minimum(rng.integers(1, 61, n), np.maximum(prev_dur - 1, 0))
    gap = rng.integers(0, 240, n)
    return np.where(r < 0.4, overlap, np.where(r < 0.98, gap, 240)).astype(np.int64)


def _episodes(
    rng: np.random.Generator,
    start: np.ndarray,
    *,
    pre_prob: float | np.ndarray,
    pre_minutes: tuple[int, int],
    admit_prob: float | np.ndarray,
    ward_median_h: float | np.ndarray,
    ward_sigma: float,
    transfer_prob: float,
    later_visit_prob: float,
) -> _Episodes:
    n = len(start)
    idx = np.arange(n)
    has_pre = rng.random(n) < pre_prob
    admitted = ~has_pre | (rng.random(n) < admit_prob)
    eps, starts, ends, roles = [], [], [], []

    pre_dur = rng.integers(pre_minutes[0], pre_minutes[1] + 1, n)
    pre_end = start + pre_dur
    eps.append(idx[has_pre]); starts.append(start[has_pre]); ends.append(pre_end[has_pre])
    roles.append(np.zeros(int(has_pre.sum()), np.int8))

    ward_start = np.where(has_pre, pre_end + _link_gap(rng, n, pre_dur), start)
    ward_dur = np.maximum(
        np.exp(np.log(np.asarray(ward_median_h, dtype=float) * 60.0)
               + ward_sigma * rng.standard_normal(n)),
        12 * 60 + 1,
    ).astype(np.int64)
    ward_end = ward_start + ward_dur
    eps.append(idx[admitted]); starts.append(ward_start[admitted]); ends.append(ward_end[admitted])
    roles.append(np.ones(int(admitted.sum()), np.int8))

    transfer = admitted & (rng.random(n) < transfer_prob)
    t_start = ward_end + _link_gap(rng, n, ward_dur)
    t_dur = np.maximum(np.exp(np.log(36 * 60.0) + 0.7 * rng.standard_normal(n)), 120).astype(
        np.int64)
    t_end = t_start + t_dur
    eps.append(idx[transfer]); starts.append(t_start[transfer]); ends.append(t_end[transfer])
    roles.append(np.full(int(transfer.sum()), 2, np.int8))

    discharge = np.where(transfer, np.maximum(t_end, ward_end), np.where(admitted, ward_end,
                                                                          pre_end))
    # A follow-up visit 4-6 hours after the end: close, but NOT the same stay.
    later = admitted & (rng.random(n) < later_visit_prob)
    l_start = discharge + rng.integers(241, 361, n)
    eps.append(idx[later]); starts.append(l_start[later])
    ends.append(l_start[later] + rng.integers(20, 61, int(later.sum())))
    roles.append(np.full(int(later.sum()), 3, np.int8))
    return _Episodes(eps, starts, ends, roles, admitted, discharge)


def _pick(rng: np.random.Generator, pool: str, n: int) -> np.ndarray:
    codes = POOL_IDX[pool]
    return codes[rng.integers(0, len(codes), n)]


def _choose_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """Row-wise categorical draw from a (n, k) matrix of (unnormalised) probabilities."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return (cum < u[:, None]).sum(axis=1)


# ---------------------------------------------------------------------------------------------
# Rates (per person-year) as functions of age. Own estimates tuned so the derived indicators
# land at the Danish levels named in docs/engine-data.md.
# ---------------------------------------------------------------------------------------------
def _rate(age: np.ndarray, knots: tuple[float, ...], values: tuple[float, ...]) -> np.ndarray:
    return np.interp(age, knots, values)


def _acute_somatic_rate(age: np.ndarray) -> np.ndarray:
    return _rate(age, (0, 2, 5, 18, 40, 55, 65, 75, 80, 90, 100),
                 (0.10, 0.06, 0.04, 0.045, 0.05, 0.065, 0.10, 0.16, 0.21, 0.29, 0.33))


def _readmission_prob(age: np.ndarray) -> np.ndarray:
    return _rate(age, (0, 50, 65, 80, 90), (0.09, 0.12, 0.16, 0.19, 0.20))


@dataclass
class _Persons:
    """Person attributes for the whole population (small integer arrays)."""

    mun: np.ndarray  # (years, n) int8 index into municipality list
    district: np.ndarray  # (years, n) int8, 0 = none, 1..10 = bydel
    female: np.ndarray  # (n,) bool
    birth: np.ndarray  # (n,) int32 days since epoch


def _make_persons(persons: int, years: int, seed: int, start_year: int) -> _Persons:
    rng = np.random.Generator(np.random.PCG64(seed))
    munis = municipality_calibration()
    pops = np.array([m.population for m in munis], dtype=float)
    counts = _allocate(persons, pops)
    mun0 = rng.permutation(np.repeat(np.arange(len(munis), dtype=np.int8), counts))
    dist_pop = np.array([d[2] for d in district_calibration()], dtype=float)
    cph = next(i for i, m in enumerate(munis) if m.code == "101")
    district0 = np.zeros(persons, dtype=np.int8)
    in_cph = mun0 == cph
    district0[in_cph] = rng.choice(10, size=int(in_cph.sum()), p=dist_pop / dist_pop.sum()) + 1

    urban = np.isin(np.array([m.code for m in munis])[mun0], _URBAN_MUNICIPALITIES)
    age = np.where(
        urban,
        rng.choice(100, size=persons, p=_single_year(_PYRAMID_URBAN)),
        rng.choice(100, size=persons, p=_single_year(_PYRAMID_NATIONAL)),
    )
    p_female = _rate(age, (0, 60, 85, 95), (0.488, 0.5, 0.6, 0.7))
    female = rng.random(persons) < p_female
    # Ages refer to the middle reference date; persons born later appear in later snapshots.
    mid = _days(dt.date(start_year + years // 2, 1, 1))
    birth = (mid - (age + rng.random(persons)) * 365.25).astype(np.int32)

    mun = np.empty((years, persons), dtype=np.int8)
    district = np.empty((years, persons), dtype=np.int8)
    mun[0], district[0] = mun0, district0
    share = pops / pops.sum()
    for t in range(1, years):
        moving = rng.random(persons) < MOVE_SHARE
        k = int(moving.sum())
        new_mun = rng.choice(len(munis), size=k, p=share).astype(np.int8)
        new_dist = np.where(
            new_mun == cph, rng.choice(10, size=k, p=dist_pop / dist_pop.sum()) + 1, 0
        ).astype(np.int8)
        mun[t], district[t] = mun[t - 1], district[t - 1]
        mun[t, moving], district[t, moving] = new_mun, new_dist
    return _Persons(mun, district, female, birth)


def _geografi_rows() -> list[dict[str, str]]:
    # Clusters are declared first (the engine refuses a member naming an undeclared one).
    clusters = sorted(set(CLUSTER_OF_MUNICIPALITY.values()) | set(CLUSTER_OF_DISTRICT.values())
                      | {SPLIT_MUNICIPALITY_FALLBACK})
    rows = [{"level": "cluster", "code": name, "cluster": "",
             "valid_from": CLUSTER_VALID_FROM.isoformat(),
             "valid_to": CLUSTER_VALID_TO.isoformat()} for name in clusters]
    for m in municipality_calibration():
        rows.append({"level": "municipality", "code": m.code,
                     "cluster": CLUSTER_OF_MUNICIPALITY.get(m.code, SPLIT_MUNICIPALITY_FALLBACK),
                     "valid_from": CLUSTER_VALID_FROM.isoformat(),
                     "valid_to": CLUSTER_VALID_TO.isoformat()})
    for code, _bydel, _pop in district_calibration():
        rows.append({"level": "district", "code": code, "cluster": CLUSTER_OF_DISTRICT[code],
                     "valid_from": CLUSTER_VALID_FROM.isoformat(),
                     "valid_to": CLUSTER_VALID_TO.isoformat()})
    return rows


def write_geografi(path: Path) -> None:
    """Write geografi.csv: municipality and district rows with their cluster and validity.
    København's own row names a fallback cluster; its district rows override it."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["level", "code", "cluster", "valid_from", "valid_to"],
                           lineterminator="\n")
        w.writeheader()
        w.writerows(_geografi_rows())


# ---------------------------------------------------------------------------------------------
# One chunk of persons
# ---------------------------------------------------------------------------------------------
@dataclass
class _ChunkResult:
    tables: dict[str, pa.Table]
    n_contacts: int
    n_episodes: int


def _chunk(
    *,
    seed: int,
    chunk_no: int,
    lo: int,
    hi: int,
    people: _Persons,
    years: int,
    start_year: int,
    contact_offset: int,
    episode_offset: int,
    hospital_of_mun_dist: np.ndarray,
) -> _ChunkResult:
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(1, chunk_no))))
    n = hi - lo
    female = people.female[lo:hi]
    birth = people.birth[lo:hi].astype(np.int64)
    cpr = _pseudonyms(np.arange(lo, hi), seed)
    year_days = [_days(dt.date(start_year + t, 1, 1)) for t in range(years + 1)]
    period_end_min = year_days[-1] * MIN_PER_DAY

    # --- chronic disease register (onset dates; prevalent cases start before the period) ---
    age_start = (year_days[0] - birth) / 365.25
    kr_pid, kr_dis, kr_from = [], [], []
    disease_from = {}
    for d_idx, (name, knots, values) in enumerate((
        ("kol", (0, 39, 40, 64, 65, 79, 80), (0, 0, 0.01, 0.025, 0.06, 0.075, 0.085)),
        ("type2_diabetes", (0, 17, 18, 39, 40, 64, 65, 79, 80),
         (0, 0, 0.012, 0.025, 0.045, 0.10, 0.13, 0.16, 0.16)),
        ("astma", (0, 5, 18, 80), (0.02, 0.06, 0.06, 0.05)),
        ("hjertesvigt", (0, 59, 60, 80), (0, 0, 0.01, 0.06)),
    )):
        # Prevalence at the mid reference date; 75 % diagnosed before the period started.
        age_mid = age_start + years / 2
        has = rng.random(n) < _rate(age_mid, knots, values)
        before = rng.random(n) < 0.75
        onset = np.where(
            before,
            year_days[0] - rng.integers(30, 15 * 365, n),
            year_days[0] + rng.integers(0, max(year_days[-1] - year_days[0], 1), n),
        )
        onset = np.maximum(onset, birth + 365 * (18 if name == "type2_diabetes" else 1))
        sel = np.flatnonzero(has)
        kr_pid.append(sel); kr_dis.append(np.full(len(sel), d_idx, np.int8))
        kr_from.append(onset[sel])
        disease_from[name] = np.where(has, onset, np.iinfo(np.int64).max)

    buf = _Contacts()
    ep_counter = 0

    def hosp(pid: np.ndarray, t: int) -> np.ndarray:
        h = hospital_of_mun_dist[people.mun[t, lo + pid], people.district[t, lo + pid]]
        # A fifth of contacts go to Rigshospitalet (highly specialised, planned care).
        return np.where(rng.random(len(pid)) < 0.2, 5, h).astype(np.int8)

    def events(rate: np.ndarray, t0: np.ndarray, t1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        span = np.maximum(t1 - t0, 0)
        counts = rng.poisson(rate * span / (365.25 * MIN_PER_DAY))
        pid = np.repeat(np.arange(n), counts)
        start = t0[pid] + (rng.random(len(pid)) * span[pid]).astype(np.int64)
        return pid, start

    def daytime(start: np.ndarray) -> np.ndarray:
        day = start // MIN_PER_DAY
        return day * MIN_PER_DAY + 8 * 60 + rng.integers(0, 7 * 60, len(start))

    def add_episodes(e: _Episodes, pid: np.ndarray, t: int, *, diag: np.ndarray,
                     cause: np.ndarray, prio: np.ndarray, ward_spec: np.ndarray,
                     pre_spec: np.ndarray, psych: bool) -> None:
        nonlocal ep_counter
        h = hosp(pid, t)
        for ep, s, en, role in zip(e.ep, e.start, e.end, e.role, strict=True):
            if len(ep) == 0:
                continue
            spec = np.where(role == 0, pre_spec[ep], ward_spec[ep])
            later = role == 3
            buf.add(
                pid=pid[ep], start=s, end=en,
                diag=np.where(later, _pick(rng, "outpatient", len(ep)), diag[ep]).astype(np.int16),
                cause=np.where(later, -1, cause[ep]).astype(np.int16),
                prio=np.where(later, PLANNED, prio[ep]).astype(np.int8),
                ktype=np.zeros(len(ep), np.int8),
                spec=np.where(later, SP["intern medicin"], spec).astype(np.int8),
                hosp=h[ep],
                episode=np.where(later, -1, ep_counter + ep),
                ward=(role == 1) | (role == 2),
                psych=np.full(len(ep), psych) & ~later,
                year=np.full(len(ep), t, np.int8),
            )
        ep_counter += len(pid)

    def acute_somatic(pid: np.ndarray, start: np.ndarray, t: int) -> _Episodes:
        m = len(pid)
        age = (start // MIN_PER_DAY - birth[pid]) / 365.25
        old = age >= 65
        copd = disease_from["kol"][pid] <= start // MIN_PER_DAY
        diab = disease_from["type2_diabetes"][pid] <= start // MIN_PER_DAY
        young_adult = (age >= 12) & (age < 40)
        probs = np.column_stack([
            np.ones(m),  # general (rest)
            np.where(old, 0.50, 0.14),  # preventable
            np.where(old, 0.08, 0.18),  # injury
            np.where(old, 0.004, 0.03),  # violence
            np.where(young_adult, 0.04, np.where(old, 0.004, 0.015)),  # self-harm
            np.where(old, 0.12, np.where(age >= 40, 0.06, 0.01)),  # cancer
            np.where(old, 0.01, 0.0),  # hospice
            np.where(copd, 0.9, 0.0),  # COPD exacerbation
            np.where(diab, 0.2, 0.0),  # diabetes
        ])
        cat = _choose_rows(rng, probs)
        diag = np.empty(m, np.int16)
        cause = np.full(m, -1, np.int16)
        for c_idx, c_name in enumerate(_ACUTE_CATS):
            sel = cat == c_idx
            diag[sel] = _pick(rng, c_name, int(sel.sum()))
            if c_name in _CAUSE_OF_CAT:
                cause[sel] = _pick(rng, _CAUSE_OF_CAT[c_name], int(sel.sum()))
        ward_spec = np.select(
            [age < 16, np.isin(cat, (2, 3)), cat == 5, cat == 7, old & (age >= 80)],
            [SP["pædiatri"], SP["ortopædisk kirurgi"], SP["onkologi"], SP["intern medicin"],
             SP["geriatri"]],
            default=SP["intern medicin"],
        )
        e = _episodes(
            rng, start, pre_prob=0.75, pre_minutes=(45, 360),
            admit_prob=np.where(old, 0.9, 0.75),
            ward_median_h=_rate(age, (0, 50, 70, 85), (30, 44, 70, 96)), ward_sigma=0.8,
            transfer_prob=0.15, later_visit_prob=0.05,
        )
        add_episodes(e, pid, t, diag=diag, cause=cause, prio=np.full(m, ACUTE, np.int8),
                     ward_spec=ward_spec, pre_spec=np.full(m, SP["akutmedicin"], np.int8),
                     psych=False)
        return e

    def acute_psych(pid: np.ndarray, start: np.ndarray, t: int) -> _Episodes:
        m = len(pid)
        age = (start // MIN_PER_DAY - birth[pid]) / 365.25
        spec = np.where(age < 18, SP["børne- og ungdomspsykiatri"], SP["psykiatri"]).astype(np.int8)
        diag = _pick(rng, "psychiatric", m)
        cause = np.where(rng.random(m) < 0.08, _pick(rng, "selfharm_cause", m), -1).astype(np.int16)
        e = _episodes(
            rng, start, pre_prob=0.6, pre_minutes=(90, 480), admit_prob=0.7,
            ward_median_h=9 * 24.0, ward_sigma=1.0, transfer_prob=0.1, later_visit_prob=0.03,
        )
        add_episodes(e, pid, t, diag=diag, cause=cause, prio=np.full(m, ACUTE, np.int8),
                     ward_spec=spec, pre_spec=spec, psych=True)
        return e

    for t in range(years):
        y0, y1 = year_days[t], year_days[t + 1]
        t0 = np.maximum(y0, birth) * MIN_PER_DAY
        t1 = np.full(n, y1 * MIN_PER_DAY, dtype=np.int64)
        age = np.maximum((y0 - birth) / 365.25, 0)
        alive = birth < y1
        copd_y = disease_from["kol"] < y1
        diab_y = disease_from["type2_diabetes"] < y1
        risk = np.where(copd_y, 2.2, 1.0) * np.where(diab_y, 1.4, 1.0)
        male_old = np.where(~female & (age >= 65), 1.1, 1.0)

        # Acute somatic episodes, and acute readmissions after somatic admissions.
        pid, start = events(_acute_somatic_rate(age) * risk * male_old * alive, t0, t1)
        e = acute_somatic(pid, start, t)
        pl_pid, pl_start = events(
            _rate(age, (0, 40, 60, 75, 90), (0.012, 0.02, 0.045, 0.07, 0.05)) * alive, t0, t1)
        pl_start = daytime(pl_start)
        m = len(pl_pid)
        pl_age = age[pl_pid]
        pl_diag = np.where((pl_age >= 50) & (rng.random(m) < 0.3), _pick(rng, "cancer", m),
                           _pick(rng, "planned", m)).astype(np.int16)
        pl_spec = np.where(np.isin(pl_diag, POOL_IDX["cancer"]), SP["onkologi"],
                           np.where(rng.random(m) < 0.5, SP["kirurgi"],
                                    SP["ortopædisk kirurgi"])).astype(np.int8)
        pe = _episodes(rng, pl_start, pre_prob=0.1, pre_minutes=(30, 120), admit_prob=1.0,
                       ward_median_h=48.0, ward_sigma=0.7, transfer_prob=0.05,
                       later_visit_prob=0.03)
        add_episodes(pe, pl_pid, t, diag=pl_diag, cause=np.full(m, -1, np.int16),
                     prio=np.full(m, PLANNED, np.int8), ward_spec=pl_spec, pre_spec=pl_spec,
                     psych=False)
        # Readmissions: one round after acute and planned somatic admissions.
        idx_pid = np.concatenate([pid[e.admitted], pl_pid[pe.admitted]])
        idx_dis = np.concatenate([e.discharge[e.admitted], pe.discharge[pe.admitted]])
        idx_age = (idx_dis // MIN_PER_DAY - birth[idx_pid]) / 365.25
        re = rng.random(len(idx_pid)) < _readmission_prob(idx_age)
        delay = (120 + (rng.random(int(re.sum())) ** 1.6) * 30 * MIN_PER_DAY).astype(np.int64)
        r_start = idx_dis[re] + delay
        keep = r_start < period_end_min
        acute_somatic(idx_pid[re][keep], r_start[keep], t)

        # Births (mothers) and newborns.
        fert = _rate(age, (15, 19, 25, 30, 35, 40, 45), (0, 0.008, 0.06, 0.12, 0.08, 0.02, 0))
        b_pid, b_start = events(fert * female * alive, t0, t1)
        m = len(b_pid)
        be = _episodes(rng, b_start, pre_prob=0.3, pre_minutes=(60, 240), admit_prob=1.0,
                       ward_median_h=40.0, ward_sigma=0.5, transfer_prob=0.02,
                       later_visit_prob=0.0)
        add_episodes(be, b_pid, t, diag=_pick(rng, "birth", m), cause=np.full(m, -1, np.int16),
                     prio=np.full(m, ACUTE, np.int8),
                     ward_spec=np.full(m, SP["gynækologi og obstetrik"], np.int8),
                     pre_spec=np.full(m, SP["gynækologi og obstetrik"], np.int8), psych=False)
        born = np.flatnonzero((birth >= y0) & (birth < y1) & (rng.random(n) < 0.5))
        nb_start = birth[born] * MIN_PER_DAY + rng.integers(0, MIN_PER_DAY, len(born))
        buf.add(pid=born, start=nb_start, end=nb_start + rng.integers(13 * 60, 4 * MIN_PER_DAY,
                                                                       len(born)),
                diag=_pick(rng, "newborn", len(born)), prio=np.full(len(born), ACUTE, np.int8),
                ktype=np.zeros(len(born), np.int8),
                spec=np.full(len(born), SP["pædiatri"], np.int8), hosp=hosp(born, t),
                ward=np.ones(len(born), bool), year=np.full(len(born), t, np.int8))

        # Outpatient somatic contacts: mostly planned, some acute (emergency visit home again).
        o_rate = _rate(age, (0, 5, 18, 30, 50, 65, 80, 90), (1.1, 0.6, 0.65, 0.85, 1.05, 1.45,
                                                             1.8, 1.6)) * alive
        o_pid, o_start = events(o_rate, t0, t1)
        m = len(o_pid)
        o_acute = rng.random(m) < 0.12
        o_start = np.where(o_acute, o_start, daytime(o_start))
        o_dur = np.where(o_acute, rng.integers(60, 8 * 60, m), rng.integers(15, 181, m))
        o_age = age[o_pid]
        o_diag = np.where(
            o_acute, np.where(rng.random(m) < 0.4, _pick(rng, "injury", m),
                              _pick(rng, "general", m)),
            np.where((o_age >= 50) & (rng.random(m) < 0.08), _pick(rng, "cancer", m),
                     np.where(female[o_pid] & (o_age > 20) & (o_age < 42) & (rng.random(m) < 0.1),
                              _pick(rng, "pregnancy", m), _pick(rng, "outpatient", m))),
        ).astype(np.int16)
        o_cause = np.where(o_acute & np.isin(o_diag, POOL_IDX["injury"]),
                           _pick(rng, "accident_cause", m), -1).astype(np.int16)
        o_spec = np.where(o_acute, SP["akutmedicin"],
                          rng.choice([SP["intern medicin"], SP["kirurgi"], SP["kardiologi"],
                                      SP["neurologi"], SP["ortopædisk kirurgi"]], m))
        o_spec = np.where(np.isin(o_diag, POOL_IDX["cancer"]), SP["onkologi"], o_spec)
        o_spec = np.where(np.isin(o_diag, POOL_IDX["pregnancy"]), SP["gynækologi og obstetrik"],
                          np.where(~o_acute & (o_age < 16), SP["pædiatri"], o_spec))
        buf.add(pid=o_pid, start=o_start, end=o_start + o_dur, diag=o_diag, cause=o_cause,
                prio=np.where(o_acute, ACUTE, PLANNED).astype(np.int8),
                ktype=np.zeros(m, np.int8), spec=o_spec.astype(np.int8), hosp=hosp(o_pid, t),
                year=np.full(m, t, np.int8))

        # Virtual (ALCA20) and home visits (ALCA10): not physical attendances.
        v_pid, v_start = events((0.15 + 0.003 * age) * alive, t0, t1)
        v_start = daytime(v_start)
        m = len(v_pid)
        buf.add(pid=v_pid, start=v_start, end=v_start + rng.integers(10, 31, m),
                diag=_pick(rng, "outpatient", m), prio=np.full(m, PLANNED, np.int8),
                ktype=np.full(m, VIRTUAL, np.int8),
                spec=np.full(m, SP["intern medicin"], np.int8), hosp=hosp(v_pid, t),
                year=np.full(m, t, np.int8))
        h_pid, h_start = events(np.where(age >= 80, 0.05, 0.0) * alive, t0, t1)
        h_start = daytime(h_start)
        m = len(h_pid)
        buf.add(pid=h_pid, start=h_start, end=h_start + rng.integers(30, 91, m),
                diag=_pick(rng, "outpatient", m), prio=np.full(m, PLANNED, np.int8),
                ktype=np.full(m, HOME, np.int8), spec=np.full(m, SP["geriatri"], np.int8),
                hosp=hosp(h_pid, t), year=np.full(m, t, np.int8))

        # Psychiatry: outpatient contacts and acute admissions with readmissions.
        p_rate = _rate(age, (0, 6, 12, 17, 18, 25, 45, 65, 80),
                       (0.0, 0.04, 0.11, 0.15, 0.13, 0.15, 0.11, 0.05, 0.025)) * alive
        p_pid, p_start = events(p_rate, t0, t1)
        p_start = daytime(p_start)
        m = len(p_pid)
        buf.add(pid=p_pid, start=p_start, end=p_start + rng.integers(30, 91, m),
                diag=_pick(rng, "psychiatric", m), prio=np.full(m, PLANNED, np.int8),
                ktype=np.where(rng.random(m) < 0.15, VIRTUAL, PHYSICAL).astype(np.int8),
                spec=np.where(age[p_pid] < 18, SP["børne- og ungdomspsykiatri"],
                              SP["psykiatri"]).astype(np.int8),
                hosp=hosp(p_pid, t), psych=np.ones(m, bool), year=np.full(m, t, np.int8))
        a_rate = _rate(age, (0, 12, 17, 18, 25, 45, 65, 80),
                       (0.0, 0.002, 0.006, 0.010, 0.014, 0.010, 0.006, 0.005)) * alive
        ap_pid, ap_start = events(a_rate, t0, t1)
        pe = acute_psych(ap_pid, ap_start, t)
        re = pe.admitted & (rng.random(len(ap_pid)) < 0.22)
        r_start = pe.discharge[re] + (120 + rng.exponential(10 * MIN_PER_DAY, int(re.sum()))
                                      ).astype(np.int64)
        keep = r_start < period_end_min
        acute_psych(ap_pid[re][keep], r_start[keep], t)

    c = buf.concat()
    keep = c["start"] < period_end_min
    c = {k: v[keep] for k, v in c.items()}
    order = np.lexsort((c["end"], c["start"], c["pid"]))
    c = {k: v[order] for k, v in c.items()}
    nc = len(c["pid"])
    contact_no = contact_offset + np.arange(nc, dtype=np.int64)
    kontakt_id = _prefixed_ids("K", contact_no)
    episode = np.where(c["episode"] >= 0, episode_offset + c["episode"],
                       episode_offset + ep_counter + np.arange(nc))
    n_eps = ep_counter + nc

    start_day, start_min = np.divmod(c["start"], MIN_PER_DAY)
    end_day, end_min = np.divmod(c["end"], MIN_PER_DAY)
    codes = pa.array(CODES, pa.string())
    spec_arr = pa.array(SPECIALTIES, pa.string())
    sor = pa.array([f"{p}{100 + s:03d}0" for p in HOSPITAL_SOR_PREFIX
                    for s in range(len(SPECIALTIES))], pa.string())
    kontakter = pa.table({
        "dw_ek_kontakt": kontakt_id,
        "dw_ek_forloeb": _prefixed_ids("F", episode),
        "cpr": cpr.take(pa.array(c["pid"])),
        "dato_start": pa.array(start_day.astype(np.int32), pa.date32()),
        "tidspunkt_start": pa.array(start_min * 60_000_000, pa.time64("us")),
        "dato_slut": pa.array(end_day.astype(np.int32), pa.date32()),
        "tidspunkt_slut": pa.array(end_min * 60_000_000, pa.time64("us")),
        "aktionsdiagnose": codes.take(pa.array(c["diag"])),
        "prioritet": pa.array(PRIORITIES, pa.string()).take(pa.array(c["prio"])),
        "kontakttype": pa.array(CONTACT_TYPES, pa.string()).take(pa.array(c["ktype"])),
        "sorenhed_ans": sor.take(pa.array(c["hosp"].astype(np.int64) * len(SPECIALTIES)
                                          + c["spec"])),
        "hovedspeciale_ans": spec_arr.take(pa.array(c["spec"])),
        "kontaktaarsag": pa.array(CONTACT_REASONS, pa.string()).take(
            pa.array(_contact_reason(c["cause"]))),
    })

    # --- diagnoses: A = the action diagnosis; B = secondary (some later disproved) ---
    age_c = (start_day - birth[c["pid"]]) / 365.25
    nb = rng.poisson(np.where(c["ward"], 0.5 + 0.015 * np.maximum(age_c - 40, 0), 0.25))
    b_row = np.repeat(np.arange(nc), nb)
    b_code = _pick(rng, "secondary", len(b_row))
    b_disproved = rng.random(len(b_row)) < 0.03
    has_cause = np.flatnonzero(c["cause"] >= 0)
    decoy = np.flatnonzero(rng.random(nc) < 0.01)  # disproved B codes that would matter
    decoy_code = np.where(rng.random(len(decoy)) < 0.5, _pick(rng, "preventable", len(decoy)),
                          _pick(rng, "cancer", len(decoy)))
    d_row = np.concatenate([np.arange(nc), b_row, has_cause, decoy])
    d_code = np.concatenate([c["diag"], b_code, c["cause"][has_cause], decoy_code])
    d_type = np.concatenate([np.zeros(nc, np.int8), np.ones(len(b_row) + len(has_cause)
                                                            + len(decoy), np.int8)])
    d_disproved = np.concatenate([np.zeros(nc, bool), b_disproved,
                                  np.zeros(len(has_cause), bool), np.ones(len(decoy), bool)])
    d_order = np.argsort(d_row, kind="stable")
    diagnoser = pa.table({
        "dw_ek_kontakt": kontakt_id.take(pa.array(d_row[d_order])),
        "diagnosekode": codes.take(pa.array(d_code[d_order])),
        "diagnosetype": pa.array(["A", "B"], pa.string()).take(pa.array(d_type[d_order])),
        "senere_afkraeftet": pa.array(d_disproved[d_order]),
    })

    # --- discharge-ready marks on ward contacts of persons 65+ ---
    dur = c["end"] - c["start"]
    eligible = c["ward"] & (age_c >= 65) & (dur >= 26 * 60)
    share = np.where(c["psych"], 0.10, 0.05)
    marked = np.flatnonzero(eligible & (rng.random(nc) < share))
    max_days = np.minimum(10.0, (dur[marked] - 60) / MIN_PER_DAY)
    days_before = 1.0 + rng.random(len(marked)) * np.maximum(max_days - 1.0, 0)
    mark = c["end"][marked] - (days_before * MIN_PER_DAY).astype(np.int64)
    mark_day, mark_min = np.divmod(mark, MIN_PER_DAY)
    faerdig = pa.table({
        "dw_ek_kontakt": kontakt_id.take(pa.array(marked)),
        "dato_faerdigbehandlet": pa.array(mark_day.astype(np.int32), pa.date32()),
        "tidspunkt_faerdigbehandlet": pa.array(mark_min * 60_000_000, pa.time64("us")),
    })

    # --- population snapshots, 1 January each year ---
    munis = municipality_calibration()
    mun_codes = pa.array([m.code for m in munis], pa.string())
    bydel_codes = pa.array([None] + [f"{i:02d}" for i in range(1, 11)], pa.string())
    bef_parts = []
    koen = pa.array(["M", "K"], pa.string()).take(pa.array(female.astype(np.int8)))
    for t in range(years):
        present = np.flatnonzero(birth <= year_days[t])
        bef_parts.append(pa.table({
            "ref_dato": pa.array(np.full(len(present), year_days[t], np.int32), pa.date32()),
            "cpr": cpr.take(pa.array(present)),
            "foed_dag": pa.array(birth[present].astype(np.int32), pa.date32()),
            "koen": koen.take(pa.array(present)),
            "kom": mun_codes.take(pa.array(people.mun[t, lo + present])),
            "bydel": bydel_codes.take(pa.array(people.district[t, lo + present])),
        }))
    befolkning = pa.concat_tables(bef_parts)

    kp = np.concatenate(kr_pid)
    kd = np.concatenate(kr_dis)
    kf = np.concatenate(kr_from)
    k_order = np.lexsort((kd, kp))
    kroniske = pa.table({
        "cpr": cpr.take(pa.array(kp[k_order])),
        "sygdom": pa.array(DISEASES, pa.string()).take(pa.array(kd[k_order])),
        "dato_fra": pa.array(kf[k_order].astype(np.int32), pa.date32()),
    })
    planer = _rehabilitation_plans(seed, chunk_no, c, kontakt_id, cpr, age_c,
                                   period_end_min // MIN_PER_DAY)
    return _ChunkResult(
        tables={"kontakter": kontakter, "diagnoser": diagnoser, "befolkning": befolkning,
                "faerdigbehandlet": faerdig, "kroniske_sygdomme": kroniske,
                "genoptraeningsplaner": planer},
        n_contacts=nc, n_episodes=n_eps,
    )


def _contact_reason(cause: np.ndarray) -> np.ndarray:
    """Index into CONTACT_REASONS from the contact's external cause code (none: illness)."""
    reason = np.zeros(len(cause), np.int8)
    for pool, idx in _REASON_OF_CAUSE.items():
        reason[np.isin(cause, POOL_IDX[pool])] = idx
    return reason


def _rehabilitation_plans(seed: int, chunk_no: int, c: dict[str, np.ndarray],
                          kontakt_id: pa.Array, cpr: pa.Array, age: np.ndarray,
                          last_day: int) -> pa.Table:
    """Plans issued at the end of somatic ward contacts that close their episode: 25 % of
    those of persons 65+, 6 % of younger; 85 % general, 12 % specialised, 3 % rehabilitation
    at specialised level. Issued on the discharge day; first municipal session a median of
    about 7 days later (10 % never start). Own random stream: the other tables are unchanged.
    """
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed,
                                                                     spawn_key=(2, chunk_no))))
    n = len(c["pid"])
    nxt_episode = np.append(c["episode"][1:], -2)
    closing = (c["ward"] & ~c["psych"] & (c["episode"] >= 0)
               & (nxt_episode != c["episode"]) & ((c["end"] - c["start"]) >= 12 * 60))
    share = np.where(age >= 65, 0.25, 0.06)
    rows = np.flatnonzero(closing & (rng.random(n) < share))
    m = len(rows)
    kind = rng.choice(3, size=m, p=[0.85, 0.12, 0.03]).astype(np.int8)
    issued = c["end"][rows] // MIN_PER_DAY
    wait = np.round(rng.gamma(2.0, 4.0, m)).astype(np.int64)
    first = issued + wait
    started = (rng.random(m) >= 0.10) & (first < last_day)
    return pa.table({
        "cpr": cpr.take(pa.array(c["pid"][rows])),
        "dw_ek_kontakt": kontakt_id.take(pa.array(rows)),
        "dato_udstedt": pa.array(issued.astype(np.int32), pa.date32()),
        "plantype": pa.array(PLAN_KINDS, pa.string()).take(pa.array(kind)),
        "dato_foerste_traening": pa.array(first.astype(np.int32), pa.date32(),
                                          mask=~started),
    })


def _hospital_lookup() -> np.ndarray:
    """(municipality index, district 0..10) -> hospital index of its cluster."""
    munis = municipality_calibration()
    table = np.zeros((len(munis), 11), dtype=np.int8)
    for i, m in enumerate(munis):
        if m.code == "101":
            for d in range(1, 11):
                table[i, d] = HOSPITAL_OF_CLUSTER[CLUSTER_OF_DISTRICT[f"101-{d:02d}"]]
            table[i, 0] = HOSPITAL_OF_CLUSTER["byen"]
        else:
            table[i, :] = HOSPITAL_OF_CLUSTER[CLUSTER_OF_MUNICIPALITY[m.code]]
    return table


def generate(
    out_dir: Path,
    *,
    persons: int,
    years: int,
    seed: int,
    start_year: int = 2020,
    fmt: str = "parquet",
    progress: bool = False,
    chunk_size: int = 250_000,
) -> dict[str, int]:
    """Write synthetic registry extracts for ``persons`` persons over ``years`` calendar years
    (from ``start_year``) into ``out_dir``; return the row count of every table written.

    Deterministic: the same arguments give byte-identical files. ``fmt`` is "parquet" or
    "csv" (CSV is meant for small data). geografi.csv is always CSV.
    """
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be 'parquet' or 'csv', not {fmt!r}")
    if persons < 1 or years < 1 or chunk_size < 1:
        raise ValueError("persons, years and chunk_size must be positive")
    if persons >= 1 << 40:
        raise ValueError("persons must be below 2**40 (the pseudonym space)")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    people = _make_persons(persons, years, seed, start_year)
    hospitals = _hospital_lookup()
    tmp = Path(tempfile.mkdtemp(prefix=".generating-", dir=out_dir))
    try:
        sinks = {name: _Sink(tmp / f"{name}.{fmt}", SCHEMAS[name], fmt) for name in TABLES}
        bar: Callable[[int], None] = lambda _k: None
        pbar = None
        if progress:
            from tqdm import tqdm

            pbar = tqdm(total=persons, unit="persons", desc="generating")
            bar = pbar.update
        contact_offset = episode_offset = 0
        for chunk_no, lo in enumerate(range(0, persons, chunk_size)):
            hi = min(lo + chunk_size, persons)
            res = _chunk(seed=seed, chunk_no=chunk_no, lo=lo, hi=hi, people=people, years=years,
                         start_year=start_year, contact_offset=contact_offset,
                         episode_offset=episode_offset, hospital_of_mun_dist=hospitals)
            for name, table in res.tables.items():
                sinks[name].write(table)
            contact_offset += res.n_contacts
            episode_offset += res.n_episodes
            bar(hi - lo)
        if pbar is not None:
            pbar.close()
        for sink in sinks.values():
            sink.close()
        write_geografi(tmp / "geografi.csv")
        counts = {name: sink.rows for name, sink in sinks.items()}
        counts["geografi"] = len(_geografi_rows())
        for name in TABLES:
            for stale in (out_dir / f"{name}.parquet", out_dir / f"{name}.csv"):
                stale.unlink(missing_ok=True)
            (tmp / f"{name}.{fmt}").replace(out_dir / f"{name}.{fmt}")
        (tmp / "geografi.csv").replace(out_dir / "geografi.csv")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return counts


def main(argv: list[str] | None = None) -> int:
    """``python -m indicator_engine.generator OUT --persons N --years Y --seed S``."""
    import argparse

    ap = argparse.ArgumentParser(description="Write synthetic registry extracts (all synthetic).")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--persons", type=int, default=1_891_871)
    ap.add_argument("--years", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start-year", type=int, default=2020)
    ap.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    args = ap.parse_args(argv)
    counts = generate(args.out_dir, persons=args.persons, years=args.years, seed=args.seed,
                      start_year=args.start_year, fmt=args.format, progress=True)
    for name, rows in counts.items():
        print(f"{name}: {rows:,} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
