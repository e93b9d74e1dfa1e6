"""Indicator declarations (TOML), versioned code lists (CSV) and the standard population.

A declaration is data: which generic kind computes it ("readmission", "event_rate",
"bed_days"), with which stay filters, code lists, age limits, period date and geography. A code
list file is named ``<name>_v<N>.csv`` and starts with ``# key: value`` header lines naming its
version, status (provisional / verified) and source, followed by ``prefix,group,description``
rows; a code matches when it starts with a prefix.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

DEFINITIONS_DIR = Path(__file__).parent
CODELIST_DIR = DEFINITIONS_DIR / "codelists"
STANDARD_POPULATION = DEFINITIONS_DIR / "standard_population.csv"

KINDS = ("readmission", "event_rate", "bed_days")
UNITS = ("percent", "per_1000")
INDICATOR_IDS = (
    "readmission_somatic_30d",
    "readmission_psychiatric_30d",
    "preventable_admissions_65plus",
    "discharge_ready_days_somatic",
    "discharge_ready_days_psychiatric",
    "acute_admissions_copd",
    "acute_admissions_type2_diabetes",
)
FILTER_KEYS = {"stay_type", "acute", "min_age", "max_age", "age_at", "include", "exclude",
               "disease", "window_days"}
SECTIONS = {
    "readmission": {"index", "readmission", "period", "geography"},
    "event_rate": {"event", "population", "period", "geography"},
    "bed_days": {"event", "population", "period", "geography"},
}
TOP_KEYS = {"id", "version", "kind", "unit", "standardise", "title_da", "title_en",
            "description_da"}


class DefinitionError(ValueError):
    """A declaration, code list or standard population file is malformed."""


@dataclass(frozen=True)
class CodeList:
    name: str
    version: str
    status: str
    source: str
    prefixes: tuple[str, ...]

    @property
    def provisional(self) -> bool:
        return self.status != "verified"


@dataclass(frozen=True)
class Indicator:
    id: str
    version: str
    kind: str
    unit: str
    standardise: bool
    title_da: str
    title_en: str
    description_da: str
    spec: dict[str, Any]
    codelists: dict[str, CodeList] = field(default_factory=dict)

    @property
    def provisional(self) -> bool:
        return any(c.provisional for c in self.codelists.values())

    def section(self, name: str) -> dict[str, Any]:
        value = self.spec.get(name, {})
        assert isinstance(value, dict)
        return value

    @property
    def any_diagnosis_prefixes(self) -> tuple[str, ...]:
        """Code prefixes matched against ANY diagnosis of a stay (not only the action one)."""
        found = {prefix
                 for section in self.spec.values() if isinstance(section, dict)
                 for key in ("include", "exclude")
                 for entry in section.get(key, []) if entry.get("match") != "action"
                 for prefix in self.codelists[entry["codelist"]].prefixes}
        return tuple(sorted(found))

    @property
    def diseases(self) -> tuple[str, ...]:
        found = [self.section(s).get("disease") for s in ("event", "population")]
        return tuple(sorted({d for d in found if d}))


def load_codelist(name: str, directory: Path = CODELIST_DIR) -> CodeList:
    path = directory / f"{name}.csv"
    if not path.is_file():
        raise DefinitionError(f"kodelisten {name} findes ikke ({path})")
    header: dict[str, str] = {}
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            key, _, value = line[1:].partition(":")
            header[key.strip()] = value.strip()
        elif line.strip():
            body.append(line)
    for key in ("version", "status", "source"):
        if key not in header:
            raise DefinitionError(f"{path.name}: hovedet mangler '# {key}: ...'")
    if header["status"] not in ("provisional", "verified"):
        raise DefinitionError(f"{path.name}: status skal være provisional eller verified")
    rows = list(csv.DictReader(body))
    prefixes = tuple(r["prefix"].strip() for r in rows if r.get("prefix", "").strip())
    if not prefixes:
        raise DefinitionError(f"{path.name}: ingen koder")
    return CodeList(name, header["version"], header["status"], header["source"], prefixes)


def _filter_codelists(section: dict[str, Any], where: str) -> list[str]:
    names = []
    for key in ("include", "exclude"):
        for entry in section.get(key, []):
            if entry.get("match") not in ("action", "any"):
                raise DefinitionError(f"{where}.{key}: match skal være action eller any")
            names.append(entry["codelist"])
    return names


def parse_indicator(data: dict[str, Any], where: str,
                    codelist_dir: Path = CODELIST_DIR) -> Indicator:
    kind = data.get("kind")
    if kind not in KINDS:
        raise DefinitionError(f"{where}: kind skal være en af {', '.join(KINDS)}")
    if data.get("unit") not in UNITS:
        raise DefinitionError(f"{where}: unit skal være en af {', '.join(UNITS)}")
    unknown = set(data) - TOP_KEYS - SECTIONS[kind]
    if unknown:
        raise DefinitionError(f"{where}: ukendte nøgler {sorted(unknown)}")
    spec = {k: v for k, v in data.items() if k in SECTIONS[kind]}
    names: list[str] = []
    for section in SECTIONS[kind] - {"period", "geography"}:
        sec = spec.get(section, {})
        bad = set(sec) - FILTER_KEYS
        if bad:
            raise DefinitionError(f"{where}.{section}: ukendte nøgler {sorted(bad)}")
        if sec.get("stay_type", "somatic") not in ("somatic", "psychiatric", "any"):
            raise DefinitionError(f"{where}.{section}: stay_type ukendt")
        if sec.get("age_at", "start") not in ("start", "end"):
            raise DefinitionError(f"{where}.{section}: age_at skal være start eller end")
        names += _filter_codelists(sec, f"{where}.{section}")
    if spec.get("period", {}).get("date", "start") not in ("start", "end"):
        raise DefinitionError(f"{where}.period: date skal være start eller end")
    return Indicator(
        id=str(data["id"]), version=str(data["version"]), kind=kind, unit=data["unit"],
        standardise=bool(data.get("standardise", False)),
        title_da=data.get("title_da", ""), title_en=data.get("title_en", ""),
        description_da=data.get("description_da", ""), spec=spec,
        codelists={n: load_codelist(n, codelist_dir) for n in names},
    )


def load_indicator(indicator_id: str, directory: Path = DEFINITIONS_DIR) -> Indicator:
    path = directory / f"{indicator_id}.toml"
    if not path.is_file():
        raise DefinitionError(
            f"ukendt indikator {indicator_id!r}; kendte: {', '.join(available_indicators())}")
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    if data.get("id") != indicator_id:
        raise DefinitionError(f"{path.name}: id skal være {indicator_id}")
    return parse_indicator(data, path.name, directory / "codelists")


def available_indicators(directory: Path = DEFINITIONS_DIR) -> list[str]:
    found = {p.stem for p in directory.glob("*.toml")}
    ordered = [i for i in INDICATOR_IDS if i in found]
    return ordered + sorted(found - set(ordered))


def load_indicators(ids: list[str] | tuple[str, ...] | None = None) -> list[Indicator]:
    return [load_indicator(i) for i in (ids or available_indicators())]


def load_standard_population(path: Path | None = None) -> pd.DataFrame:
    """Standard population: columns age_from, age_to (None = open), sex, weight.

    Bands must be contiguous from 0 and identical for both sexes.
    """
    path = Path(path) if path else STANDARD_POPULATION
    if not path.is_file():
        raise DefinitionError(f"standardpopulationen findes ikke: {path}")
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    rows = list(csv.DictReader(lines))
    try:
        frame = pd.DataFrame({
            "age_from": [int(r["age_from"]) for r in rows],
            "age_to": [int(r["age_to"]) if (r.get("age_to") or "").strip() else None
                       for r in rows],
            "sex": [r["sex"].strip() for r in rows],
            "weight": [float(r["weight"]) for r in rows],
        })
    except (KeyError, ValueError, TypeError) as exc:
        raise DefinitionError(
            f"{path.name}: forventede kolonnerne age_from,age_to,sex,weight ({exc})") from exc
    for sex in ("M", "K"):
        part = frame[frame.sex == sex].sort_values("age_from")
        if part.empty or part.age_from.iloc[0] != 0:
            raise DefinitionError(f"{path.name}: bånd for køn {sex} skal starte ved alder 0")
        if (part.weight < 0).any():
            raise DefinitionError(f"{path.name}: negative vægte")
    starts_m = sorted(frame[frame.sex == "M"].age_from)
    starts_k = sorted(frame[frame.sex == "K"].age_from)
    if starts_m != starts_k:
        raise DefinitionError(f"{path.name}: aldersbåndene skal være ens for M og K")
    return frame.sort_values(["sex", "age_from"]).reset_index(drop=True)


def band_starts(standard: pd.DataFrame) -> list[int]:
    return sorted({int(a) for a in standard.age_from})
