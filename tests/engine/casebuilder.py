"""Tiny hand-made input data sets whose right answers can be worked out by hand.

Persons are synthetic pseudonyms ("p1", "p2", ...). Every data set gets a filler person in
Bornholm (400) with one virtual contact on `data_end`, so the observed period is known.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from indicator_engine import compiler
from indicator_engine.api import _results_before_disclosure
from indicator_engine.backends import DuckDBBackend
from indicator_engine.blocks import Blocks, build_blocks
from indicator_engine.contract import ValidationOptions, validate

DEFAULT_GEOGRAPHY = [
    ("municipality", "101", "byen", "2020-01-01", ""),
    ("municipality", "147", "byen", "2020-01-01", ""),
    ("municipality", "151", "midt", "2020-01-01", ""),
    ("municipality", "400", "bornholm", "2020-01-01", ""),
    ("district", "101-01", "byen", "2020-01-01", ""),
    ("district", "101-04", "syd", "2020-01-01", ""),
]


def ts(text: str) -> tuple[str, str]:
    date, _, time = text.partition(" ")
    time = time or "00:00:00"
    return date, time if len(time) == 8 else time + ":00"


@dataclass
class Case:
    years: tuple[int, ...] = (2021, 2022)
    data_end: str = "2022-12-31"
    geography: list[tuple[str, str, str, str, str]] = field(
        default_factory=lambda: list(DEFAULT_GEOGRAPHY))
    persons: list[dict[str, object]] = field(default_factory=list)
    contacts: list[dict[str, object]] = field(default_factory=list)
    diagnoses: list[dict[str, object]] = field(default_factory=list)
    ready: list[dict[str, object]] = field(default_factory=list)
    chronic: list[dict[str, object]] = field(default_factory=list)
    plans: list[dict[str, object]] = field(default_factory=list)

    def person(self, cpr: str, birth: str, sex: str = "K", kom: str = "147",
               bydel: str | None = None, years: tuple[int, ...] | None = None,
               moves: dict[int, tuple[str, str | None]] | None = None) -> str:
        for year in years or self.years:
            k, b = (moves or {}).get(year, (kom, bydel))
            self.persons.append({"ref_dato": dt.date(year, 1, 1), "cpr": cpr,
                                     "foed_dag": dt.date.fromisoformat(birth), "koen": sex, "kom": k,
                                     "bydel": b})
        return cpr

    def contact(self, cpr: str, start: str, end: str, *, dx: str = "DR109",
                acute: bool = True, kind: str = "ALCA00", specialty: str = "intern medicin",
                diagnoses: tuple[tuple[str, str], ...] = (),
                disproved: tuple[str, ...] = (), reason: str | None = None) -> str:
        cid = f"k{len(self.contacts) + 1}"
        sd, st = ts(start)
        ed, et = ts(end)
        self.contacts.append({
            "dw_ek_kontakt": cid, "dw_ek_forloeb": f"f{cid}", "cpr": cpr, "dato_start": sd,
            "tidspunkt_start": st, "dato_slut": ed, "tidspunkt_slut": et, "aktionsdiagnose": dx,
            "prioritet": "ATA1" if acute else "ATA3", "kontakttype": kind, "sorenhed_ans": "6620001",
            "hovedspeciale_ans": specialty, "kontaktaarsag": reason})
        self.diagnoses.append({"dw_ek_kontakt": cid, "diagnosekode": dx, "diagnosetype": "A",
                                   "senere_afkraeftet": False})
        for code, dtype in diagnoses:
            self.diagnoses.append({"dw_ek_kontakt": cid, "diagnosekode": code, "diagnosetype": dtype,
                                       "senere_afkraeftet": code in disproved})
        return cid

    def admission(self, cpr: str, start: str, days: float, **kw: object) -> str:
        begin = dt.datetime.fromisoformat(start)
        end = begin + dt.timedelta(days=days)
        return self.contact(cpr, begin.strftime("%Y-%m-%d %H:%M:%S"),
                            end.strftime("%Y-%m-%d %H:%M:%S"), **kw)  # type: ignore[arg-type]

    def mark_ready(self, contact_id: str, when: str) -> None:
        d, t = ts(when)
        self.ready.append({"dw_ek_kontakt": contact_id, "dato_faerdigbehandlet": d,
                               "tidspunkt_faerdigbehandlet": t})

    def plan(self, cpr: str, contact_id: str, issued: str, kind: str = "almen",
             first_session: str | None = None) -> None:
        self.plans.append({"cpr": cpr, "dw_ek_kontakt": contact_id,
                           "dato_udstedt": issued, "plantype": kind,
                           "dato_foerste_traening": first_session})

    def register(self, cpr: str, disease: str, since: str) -> None:
        self.chronic.append({"cpr": cpr, "sygdom": disease, "dato_fra": since})

    def write(self, out: Path, fmt: str = "parquet") -> Path:
        out.mkdir(parents=True, exist_ok=True)
        filler = "filler"
        if not any(p["cpr"] == filler for p in self.persons):
            self.person(filler, "1950-06-01", kom="400")
            self.contact(filler, f"{self.data_end} 10:00", f"{self.data_end} 10:30",
                         kind="ALCA20")
        contacts = pd.DataFrame(self.contacts)
        if contacts["kontaktaarsag"].isna().all():
            contacts = contacts.drop(columns=["kontaktaarsag"])  # optional: absent
        tables = {
            "kontakter": contacts,
            "diagnoser": pd.DataFrame(self.diagnoses),
            "befolkning": pd.DataFrame(self.persons),
            "faerdigbehandlet": pd.DataFrame(
                self.ready, columns=["dw_ek_kontakt", "dato_faerdigbehandlet",
                                     "tidspunkt_faerdigbehandlet"]),
            "kroniske_sygdomme": pd.DataFrame(self.chronic,
                                              columns=["cpr", "sygdom", "dato_fra"]),
        }
        if self.plans:  # optional table: written only when the case has plans
            tables["genoptraeningsplaner"] = pd.DataFrame(self.plans)
        for name, frame in tables.items():
            frame = frame.copy()
            for col in frame.columns:
                if col.startswith("dato") or col in ("ref_dato", "foed_dag"):
                    frame[col] = pd.to_datetime(frame[col]).dt.date
                    if frame[col].isna().any():  # missing dates as nulls, not NaT objects
                        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
                if col.startswith("tidspunkt"):
                    frame[col] = pd.to_datetime(frame[col], format="%H:%M:%S").dt.time
            if fmt == "csv":
                frame.to_csv(out / f"{name}.csv", index=False)
            else:
                frame.to_parquet(out / f"{name}.parquet", index=False)
        geography = list(self.geography)
        if not any(g[0] == "cluster" for g in geography):
            # Clusters are declared in the geography input: one row per cluster named.
            for name in sorted({g[2] for g in geography}):
                rows = [g for g in geography if g[2] == name]
                ends = [g[4] for g in rows]
                geography.append(("cluster", name, "", min(g[3] for g in rows),
                                  "" if "" in ends else max(ends)))
        geo = pd.DataFrame(geography,
                           columns=["level", "code", "cluster", "valid_from", "valid_to"])
        geo.to_csv(out / "geografi.csv", index=False)
        return out


def blocks_for(data_dir: Path, diseases: tuple[str, ...] = ()) -> tuple[DuckDBBackend, Blocks]:
    backend = DuckDBBackend()
    backend.load(validate(data_dir))
    return backend, build_blocks(backend, diseases=diseases)


def raw_results(data_dir: Path, *indicators: str, backend: tuple[str, Any] = ("duckdb", None),
                validation: ValidationOptions | None = None,
                manifest_extra: dict[str, Any] | None = None) -> pd.DataFrame:
    """Results before disclosure control: hand-made cases have counts below 5.

    ``backend``: (name, Spark session or None), as the ``backend`` fixture gives it."""
    name, session = backend
    results, _ = _results_before_disclosure(data_dir, indicators=list(indicators) or None,
                                            backend=name, spark=session,
                                            validation=validation,
                                            manifest_extra=manifest_extra)
    return results


@pytest.fixture(scope="module",
                params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def backend(request: pytest.FixtureRequest) -> tuple[str, Any]:
    """Every hand-made case on both backends (import this fixture into a test module)."""
    if request.param == "spark":
        return "spark", request.getfixturevalue("spark")
    return "duckdb", None


def row(results: pd.DataFrame, indicator: str, grain: str, start: str, level: str,
        code: str) -> pd.Series:
    sel = results[(results.indicator_id == indicator) & (results.period_grain == grain)
                  & (results.period_start == dt.date.fromisoformat(start))
                  & (results.geo_level == level) & (results.geo_code == code)]
    assert len(sel) == 1, f"expected one row, got {len(sel)}"
    return sel.iloc[0]


__all__ = ["Case", "backend", "blocks_for", "compiler", "raw_results", "row"]
