"""Indicator declarations (TOML), versioned code lists (CSV) and the standard population.

A declaration is data: which generic kind computes it ("readmission", "event_rate",
"bed_days"), with which stay filters, code lists, age limits, period date and geography. A code
list file is named ``<name>_v<N>.csv`` and starts with ``# key: value`` header lines naming its
version, status (provisional / verified) and source, followed by ``prefix,group,description``
rows; a code matches when it starts with a prefix.
"""

from __future__ import annotations

import csv
import difflib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

DEFINITIONS_DIR = Path(__file__).parent
CODELIST_DIR = DEFINITIONS_DIR / "codelists"
STANDARD_POPULATION = DEFINITIONS_DIR / "standard_population.csv"

KINDS = ("readmission", "event_rate", "bed_days", "plans_per_discharge", "waiting_time")
UNITS = ("percent", "per_1000", "days")
INDICATOR_IDS = (
    "readmission_somatic_30d",
    "readmission_psychiatric_30d",
    "preventable_admissions_65plus",
    "discharge_ready_days_somatic",
    "discharge_ready_days_psychiatric",
    "acute_admissions_copd",
    "acute_admissions_type2_diabetes",
    "acute_short_medical_admissions",
    "acute_short_psychiatric_admissions",
    "rehabilitation_waiting_time_general",
    "rehabilitation_plans_per_1000_discharges",
)
#: Contact reasons (meanings in definitions/contact_reasons_v1.csv) a readmission may exclude.
CONTACT_REASON_MEANINGS = ("illness", "accident", "violence", "suicide_attempt", "late_effect")
PLAN_KIND_VALUES = ("almen", "specialiseret", "rehabilitering")
#: The kinds whose rows carry their own denominator (index stays, plans) instead of citizens.
OWN_DENOMINATOR_KINDS = ("readmission", "plans_per_discharge", "waiting_time")


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
class CodeListRef:
    """One entry of an include/exclude list: a code list and what it is matched against
    (``action``: the stay's action diagnosis; ``any``: any diagnosis of the stay)."""

    codelist: str
    match: Literal["action", "any"]


@dataclass(frozen=True)
class StayFilter:
    """Which admissions a section selects. Defaults (also in docs/engine.md): every stay type,
    acute or planned, any age (counted at the stay's start), no disease, no code lists."""

    stay_type: Literal["somatic", "psychiatric", "any"] = "any"
    acute: bool = False
    min_age: int | None = None
    max_age: int | None = None
    age_at: Literal["start", "end"] = "start"
    disease: str | None = None
    include: tuple[CodeListRef, ...] = ()
    exclude: tuple[CodeListRef, ...] = ()
    #: Only stays lasting at most this many hours (end − start).
    max_hours: int | None = None
    #: A code list of specialties (whole names, lower case) the stay's first contact must have.
    specialties: str | None = None
    # Readmission section only:
    window_days: int | None = None
    #: Contact reasons (meanings) that make a stay no readmission, when kontakter has
    #: kontaktaarsag; ``fallback_exclude`` is used instead when it has not.
    exclude_contact_reasons: tuple[str, ...] = ()
    fallback_exclude: tuple[CodeListRef, ...] = ()


@dataclass(frozen=True)
class PopulationSpec:
    """Citizens of the 1 January snapshot of the period's year (the denominator of rates)."""

    min_age: int | None = None
    max_age: int | None = None
    disease: str | None = None


@dataclass(frozen=True)
class PlanSpec:
    """Which rehabilitation plans count (``kinds``: almen, specialiseret, rehabilitering)."""

    kinds: tuple[str, ...]


@dataclass(frozen=True)
class PeriodSpec:
    """``date``: which date of the event places it BOTH in a period and in geography
    (residence and cluster on that day): start or end of the stay. ``require_follow_up``:
    only events whose follow-up window lies inside the data (readmissions)."""

    date: Literal["start", "end"]
    require_follow_up: bool = False


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
    period: PeriodSpec
    index: StayFilter | None = None  # readmission, plans_per_discharge, waiting_time
    readmission: StayFilter | None = None  # readmission
    event: StayFilter | None = None  # event_rate, bed_days
    population: PopulationSpec | None = None  # event_rate, bed_days
    plans: PlanSpec | None = None  # plans_per_discharge, waiting_time
    #: Why the rule itself (not only a code list) is provisional; empty when it is not.
    provisional_rule: str = ""
    codelists: dict[str, CodeList] = field(default_factory=dict)

    @property
    def provisional(self) -> bool:
        """True exactly when a code list it uses or its rule is provisional."""
        return bool(self.provisional_rule) or any(c.provisional
                                                  for c in self.codelists.values())

    @property
    def filters(self) -> tuple[StayFilter, ...]:
        return tuple(f for f in (self.index, self.readmission, self.event) if f is not None)

    @property
    def any_diagnosis_prefixes(self) -> tuple[str, ...]:
        """Code prefixes matched against ANY diagnosis of a stay (not only the action one)."""
        found = {prefix
                 for f in self.filters
                 for ref in (*f.include, *f.exclude, *f.fallback_exclude) if ref.match == "any"
                 for prefix in self.codelists[ref.codelist].prefixes}
        return tuple(sorted(found))

    @property
    def diseases(self) -> tuple[str, ...]:
        found = [f.disease for f in self.filters] + [
            self.population.disease if self.population else None]
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


def load_contact_reasons(name: str = "contact_reasons_v1",
                         directory: Path = CODELIST_DIR) -> tuple[CodeList, dict[str, str]]:
    """The LPR3 contact reason code -> meaning table (a versioned, provisional data file:
    ``prefix`` = code, ``group`` = meaning)."""
    cl = load_codelist(name, directory)
    lines = [ln for ln in (directory / f"{name}.csv").read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    meaning = {r["prefix"].strip(): r["group"].strip() for r in csv.DictReader(lines)}
    bad = sorted(set(meaning.values()) - set(CONTACT_REASON_MEANINGS))
    if bad:
        raise DefinitionError(f"{name}.csv: ukendte betydninger {bad}")
    return cl, meaning


# --- strict parsing of declarations ----------------------------------------------------------


# Every key of every section: its Python type, whether it is required. Anything else in the
# file is an error naming the file and the key (with the nearest known key as a hint).
_TOP: dict[str, tuple[type, bool]] = {
    "id": (str, True), "version": (str, True), "kind": (str, True), "unit": (str, True),
    "standardise": (bool, True), "title_da": (str, True), "title_en": (str, True),
    "description_da": (str, True), "provisional_rule": (str, False),
}
_FILTER: dict[str, tuple[type, bool]] = {
    "stay_type": (str, False), "acute": (bool, False), "min_age": (int, False),
    "max_age": (int, False), "age_at": (str, False), "disease": (str, False),
    "include": (list, False), "exclude": (list, False), "max_hours": (int, False),
    "specialties": (str, False),
}
_READMISSION = {**_FILTER, "window_days": (int, True), "exclude_contact_reasons": (list, False),
                "fallback_exclude": (list, False)}
_POPULATION: dict[str, tuple[type, bool]] = {
    "min_age": (int, False), "max_age": (int, False), "disease": (str, False)}
_PERIOD: dict[str, tuple[type, bool]] = {"date": (str, True), "require_follow_up": (bool, False)}
_PLANS: dict[str, tuple[type, bool]] = {"kinds": (list, True)}
_REF: dict[str, tuple[type, bool]] = {"codelist": (str, True), "match": (str, True)}

#: The sections each kind requires (all of them; no others allowed).
SECTIONS: dict[str, dict[str, dict[str, tuple[type, bool]]]] = {
    "readmission": {"index": _FILTER, "readmission": _READMISSION, "period": _PERIOD},
    "event_rate": {"event": _FILTER, "population": _POPULATION, "period": _PERIOD},
    "bed_days": {"event": {"stay_type": (str, False)}, "population": _POPULATION,
                 "period": _PERIOD},
    "plans_per_discharge": {"index": _FILTER, "plans": _PLANS, "period": _PERIOD},
    "waiting_time": {"index": _FILTER, "plans": _PLANS, "period": _PERIOD},
}


def _hint(key: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f" (mente du {close[0]}?)" if close else ""


def _keys(data: Any, schema: dict[str, tuple[type, bool]], where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DefinitionError(f"{where}: skal være en tabel ([sektion] eller {{ ... }})")
    for key in data:
        if key not in schema:
            raise DefinitionError(f"{where}: ukendt nøgle {key!r}{_hint(key, schema)}")
    for key, (typ, required) in schema.items():
        if key not in data:
            if required:
                raise DefinitionError(f"{where}: nøglen {key!r} mangler")
            continue
        value = data[key]
        ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
        if not ok:
            raise DefinitionError(f"{where}.{key}: forventede {typ.__name__}, fik "
                                  f"{type(value).__name__}")
    return dict(data)


def _choice(value: str, allowed: Iterable[str], where: str) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise DefinitionError(f"{where}: {value!r} er ikke en af {', '.join(allowed)}"
                              + _hint(value, allowed))
    return value


def _refs(items: list[Any], where: str) -> tuple[CodeListRef, ...]:
    refs = []
    for i, item in enumerate(items):
        d = _keys(item, _REF, f"{where}[{i}]")
        refs.append(CodeListRef(d["codelist"], _choice(  # type: ignore[arg-type]
            d["match"], ("action", "any"), f"{where}[{i}].match")))
    return tuple(refs)


def _filter(data: Any, schema: dict[str, tuple[type, bool]], where: str) -> StayFilter:
    d = _keys(data, schema, where)
    reasons = tuple(str(r) for r in d.get("exclude_contact_reasons", []))
    for r in reasons:
        _choice(r, CONTACT_REASON_MEANINGS, f"{where}.exclude_contact_reasons")
    return StayFilter(
        stay_type=_choice(d.get("stay_type", "any"), ("somatic", "psychiatric", "any"),
                          f"{where}.stay_type"),  # type: ignore[arg-type]
        acute=d.get("acute", False), min_age=d.get("min_age"), max_age=d.get("max_age"),
        age_at=_choice(d.get("age_at", "start"), ("start", "end"),
                       f"{where}.age_at"),  # type: ignore[arg-type]
        disease=d.get("disease"),
        include=_refs(d.get("include", []), f"{where}.include"),
        exclude=_refs(d.get("exclude", []), f"{where}.exclude"),
        max_hours=d.get("max_hours"), specialties=d.get("specialties"),
        window_days=d.get("window_days"), exclude_contact_reasons=reasons,
        fallback_exclude=_refs(d.get("fallback_exclude", []), f"{where}.fallback_exclude"),
    )


def _section(data: dict[str, Any], name: str, where: str) -> Any:
    if name not in data:
        raise DefinitionError(f"{where}: sektionen [{name}] mangler")
    return data[name]


def parse_indicator(data: dict[str, Any], where: str,
                    codelist_dir: Path = CODELIST_DIR) -> Indicator:
    """A declaration (parsed TOML) as a typed Indicator; any unknown, misspelt or missing key
    is a DefinitionError naming the file (``where``) and the key."""
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise DefinitionError(f"{where}: kind skal være en af {', '.join(KINDS)}"
                              + (_hint(kind, KINDS) if isinstance(kind, str) else ""))
    sections = SECTIONS[kind]
    for key in data:
        if key not in _TOP and key not in sections:
            raise DefinitionError(f"{where}: ukendt nøgle {key!r}"
                                  + _hint(key, [*_TOP, *sections]))
    top = _keys({k: v for k, v in data.items() if k in _TOP}, _TOP, where)
    _choice(top["unit"], UNITS, f"{where}: unit")
    period_d = _keys(_section(data, "period", where), _PERIOD, f"{where}.period")
    period = PeriodSpec(
        date=_choice(period_d["date"], ("start", "end"),
                     f"{where}.period.date"),  # type: ignore[arg-type]
        require_follow_up=period_d.get("require_follow_up", False))
    parts: dict[str, Any] = {}
    for name, schema in sections.items():
        if name == "period":
            continue
        raw = _section(data, name, where)
        w = f"{where}.{name}"
        if name == "population":
            d = _keys(raw, schema, w)
            parts[name] = PopulationSpec(d.get("min_age"), d.get("max_age"), d.get("disease"))
        elif name == "plans":
            d = _keys(raw, schema, w)
            kinds = tuple(str(k) for k in d["kinds"])
            for k in kinds:
                _choice(k, PLAN_KIND_VALUES, f"{w}.kinds")
            parts[name] = PlanSpec(kinds)
        else:
            parts[name] = _filter(raw, schema, w)
    if kind == "bed_days" and period.date != "end":
        raise DefinitionError(f"{where}.period.date: sengedage placeres ved opholdets "
                              f"afslutning (end)")
    names = sorted({ref.codelist for f in parts.values() if isinstance(f, StayFilter)
                    for ref in (*f.include, *f.exclude, *f.fallback_exclude)}
                   | {f.specialties for f in parts.values()
                      if isinstance(f, StayFilter) and f.specialties})
    codelists = {n: load_codelist(n, codelist_dir) for n in names}
    readm = parts.get("readmission")
    if readm is not None and readm.exclude_contact_reasons:
        cl, _ = load_contact_reasons(directory=codelist_dir)
        codelists[cl.name] = cl
    return Indicator(
        id=top["id"], version=top["version"], kind=kind, unit=top["unit"],
        standardise=top["standardise"], title_da=top["title_da"], title_en=top["title_en"],
        description_da=top["description_da"], period=period,
        provisional_rule=top.get("provisional_rule", ""), codelists=codelists, **parts,
    )


def load_indicator(indicator_id: str, directory: Path = DEFINITIONS_DIR) -> Indicator:
    path = directory / f"{indicator_id}.toml"
    if not path.is_file():
        raise DefinitionError(
            f"ukendt indikator {indicator_id!r}; kendte: {', '.join(available_indicators())}")
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionError(f"{path.name}: ikke gyldig TOML ({exc})") from exc
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
