"""The synthetic registry generator: determinism, the input contract, calibration, contact mix.

All data here are small (a few thousand synthetic persons) so the file runs in seconds.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from indicator_engine import generator
from indicator_engine.generator import generate, municipality_calibration

TABLES = ("kontakter", "diagnoser", "befolkning", "faerdigbehandlet", "kroniske_sygdomme")

# The contract as written in the shared plan (independent of generator.SCHEMAS on purpose).
EXPECTED_COLUMNS = {
    "kontakter": {
        "dw_ek_kontakt": pa.string(), "dw_ek_forloeb": pa.string(), "cpr": pa.string(),
        "dato_start": pa.date32(), "tidspunkt_start": pa.time64("us"),
        "dato_slut": pa.date32(), "tidspunkt_slut": pa.time64("us"),
        "aktionsdiagnose": pa.string(), "prioritet": pa.string(), "kontakttype": pa.string(),
        "sorenhed_ans": pa.string(), "hovedspeciale_ans": pa.string(),
        "kontaktaarsag": pa.string(),
    },
    "diagnoser": {
        "dw_ek_kontakt": pa.string(), "diagnosekode": pa.string(),
        "diagnosetype": pa.string(), "senere_afkraeftet": pa.bool_(),
    },
    "befolkning": {
        "ref_dato": pa.date32(), "cpr": pa.string(), "foed_dag": pa.date32(),
        "koen": pa.string(), "kom": pa.string(), "bydel": pa.string(),
    },
    "faerdigbehandlet": {
        "dw_ek_kontakt": pa.string(), "dato_faerdigbehandlet": pa.date32(),
        "tidspunkt_faerdigbehandlet": pa.time64("us"),
    },
    "kroniske_sygdomme": {"cpr": pa.string(), "sygdom": pa.string(), "dato_fra": pa.date32()},
    "genoptraeningsplaner": {
        "cpr": pa.string(), "dw_ek_kontakt": pa.string(), "dato_udstedt": pa.date32(),
        "plantype": pa.string(), "dato_foerste_traening": pa.date32(),
    },
}
CPR_LIKE = re.compile(r"^\d{6}-?\d{4}$")
ICD = re.compile(r"^D[A-Z][0-9A-Z]{1,6}$")
PSYCH = ("psykiatri", "børne- og ungdomspsykiatri")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen") / "data"
    counts = generate(out, persons=12_000, years=3, seed=11, chunk_size=5_000)
    assert counts["kontakter"] > 0
    return out


def _read(data: Path, name: str) -> pd.DataFrame:
    return pq.read_table(data / f"{name}.parquet").to_pandas()


def _contacts(data: Path) -> pd.DataFrame:
    k = _read(data, "kontakter")
    k["start"] = pd.to_datetime(k.dato_start.astype(str) + " " + k.tidspunkt_start.astype(str))
    k["end"] = pd.to_datetime(k.dato_slut.astype(str) + " " + k.tidspunkt_slut.astype(str))
    return k


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    counts_a = generate(a, persons=1_500, years=2, seed=5, chunk_size=600)
    counts_b = generate(b, persons=1_500, years=2, seed=5, chunk_size=600)
    generate(c, persons=1_500, years=2, seed=6, chunk_size=600)
    assert counts_a == counts_b
    for name in [*(f"{t}.parquet" for t in TABLES), "geografi.csv"]:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "kontakter.parquet").read_bytes() != (c / "kontakter.parquet").read_bytes()
    assert (a / "befolkning.parquet").read_bytes() != (c / "befolkning.parquet").read_bytes()


def test_row_counts_returned_match_the_files(data: Path) -> None:
    counts = generate(data.parent / "again", persons=12_000, years=3, seed=11, chunk_size=5_000)
    for name in TABLES:
        assert pq.read_metadata(data / f"{name}.parquet").num_rows == counts[name]
    assert counts["geografi"] == len(pd.read_csv(data / "geografi.csv"))


def test_every_table_has_exactly_the_contract_columns_and_types(data: Path) -> None:
    for name, columns in EXPECTED_COLUMNS.items():
        schema = pq.read_schema(data / f"{name}.parquet")
        assert schema.names == list(columns), name
        for col, typ in columns.items():
            assert schema.field(col).type == typ, (name, col)


def test_pseudonyms_are_never_cpr_like_and_are_unique_per_person(data: Path) -> None:
    bef = _read(data, "befolkning")
    people = bef.drop_duplicates("cpr")
    assert people.cpr.str.fullmatch(r"P[0-9A-F]{10}").all()
    assert not people.cpr.str.match(CPR_LIKE).any()
    # One birth date and sex per pseudonym: no two persons share one.
    assert bef.groupby("cpr")[["foed_dag", "koen"]].nunique().max().max() == 1
    for name in ("kontakter", "kroniske_sygdomme"):
        cprs = set(_read(data, name).cpr)
        assert cprs <= set(people.cpr), name


def test_contacts_follow_the_contract_codes(data: Path) -> None:
    k = _contacts(data)
    assert k.dw_ek_kontakt.is_unique
    assert (k.end >= k.start).all()
    assert k.aktionsdiagnose.str.match(ICD).all()
    assert set(k.prioritet) == {"ATA1", "ATA3"}
    assert k.kontakttype.str.fullmatch(r"ALCA\d\d").all()
    assert {"ALCA00", "ALCA20"} <= set(k.kontakttype)
    assert k.hovedspeciale_ans.eq(k.hovedspeciale_ans.str.lower()).all()
    assert k.sorenhed_ans.notna().all()


def test_diagnoses_have_one_action_diagnosis_per_contact_equal_to_the_contact(data: Path) -> None:
    k = _read(data, "kontakter")
    d = _read(data, "diagnoser")
    assert set(d.diagnosetype) == {"A", "B"}
    assert d.diagnosekode.str.match(ICD).all()
    a = d[d.diagnosetype == "A"]
    assert a.dw_ek_kontakt.is_unique
    merged = k.merge(a, on="dw_ek_kontakt", how="left")
    assert (merged.aktionsdiagnose == merged.diagnosekode).all()
    assert set(d.dw_ek_kontakt) <= set(k.dw_ek_kontakt)
    assert d.senere_afkraeftet.any() and not d.senere_afkraeftet.all()


def test_exclusion_diagnoses_and_external_causes_are_present(data: Path) -> None:
    codes = pd.concat([_read(data, "diagnoser").diagnosekode])
    for prefix in ("DC", "DZ515", "DO8", "DZ38", "DS", "DT", "DJ44", "DE11"):
        assert codes.str.startswith(prefix).any(), prefix
    for pattern in (r"D[VW]\d", r"DX[6-7]\d|DX8[0-4]", r"DX8[5-9]|DX9\d|DY0\d"):
        assert codes.str.fullmatch(pattern + r".*").any(), pattern


def test_population_snapshots_are_first_january_and_copenhagen_always_has_a_district(
    data: Path,
) -> None:
    bef = _read(data, "befolkning")
    refs = sorted(set(bef.ref_dato))
    assert refs == [dt.date(2020, 1, 1), dt.date(2021, 1, 1), dt.date(2022, 1, 1)]
    assert set(bef.koen) == {"M", "K"}
    assert set(bef.kom) == {m.code for m in municipality_calibration()}
    cph = bef.kom == "101"
    assert bef.loc[cph, "bydel"].isin([f"{i:02d}" for i in range(1, 11)]).all()
    assert bef.loc[~cph, "bydel"].isna().all()
    assert not bef.duplicated(["ref_dato", "cpr"]).any()
    assert (bef.foed_dag <= bef.ref_dato).all()


def test_persons_per_municipality_are_proportional_to_the_calibration(data: Path) -> None:
    bef = _read(data, "befolkning")
    last = bef[bef.ref_dato == bef.ref_dato.max()]
    assert len(last) == 12_000  # everyone is born by the last snapshot
    share = last.kom.value_counts(normalize=True)
    calib = {m.code: m.population for m in municipality_calibration()}
    total = sum(calib.values())
    assert total == 1_891_871
    for code, pop in calib.items():
        expected = pop / total
        # Moves (3 % a year, to a random place) blur the exact allocation a little.
        assert abs(share[code] - expected) < 0.25 * expected + 0.004, code
    assert 0.30 < share["101"] < 0.39
    # Some persons move between yearly snapshots, most do not.
    wide = bef.pivot(index="cpr", columns="ref_dato", values="kom").dropna()
    moved = (wide.nunique(axis=1) > 1).mean()
    assert 0.01 < moved < 0.12


def test_age_pyramid_is_danish_like_and_younger_in_copenhagen(data: Path) -> None:
    bef = _read(data, "befolkning")
    snap = bef[bef.ref_dato == dt.date(2021, 1, 1)].copy()
    age = (pd.to_datetime(snap.ref_dato) - pd.to_datetime(snap.foed_dag)).dt.days / 365.25
    snap["old"] = age >= 65
    outside = snap[~snap.kom.isin(["101", "147"])].old.mean()
    cph = snap[snap.kom == "101"].old.mean()
    assert 0.16 < outside < 0.25
    assert cph < outside - 0.04


def test_contact_mix_has_overlaps_transfers_within_4h_and_separate_stays_4_to_6h_apart(
    data: Path,
) -> None:
    k = _contacts(data)
    phys = k[k.kontakttype == "ALCA00"].sort_values(["cpr", "start", "end"])
    same = phys.cpr.eq(phys.cpr.shift())
    prev_end = phys.groupby("cpr").end.shift().where(same)
    gap_h = (phys.start - prev_end).dt.total_seconds() / 3600
    assert (gap_h < 0).sum() > 20, "overlapping contacts"
    assert ((gap_h >= 0) & (gap_h <= 4)).sum() > 20, "transfers at most 4 h apart"
    assert ((gap_h > 4) & (gap_h <= 6)).sum() > 5, "contacts 4-6 h apart (separate stays)"
    psych_share = k.hovedspeciale_ans.isin(PSYCH).mean()
    assert 0.04 < psych_share < 0.09
    assert (k.hovedspeciale_ans == "børne- og ungdomspsykiatri").any()


def test_rates_land_near_danish_levels(data: Path) -> None:
    """Crude stay linking in SQL: the calibration targets hold at small scale too."""
    con = duckdb.connect()
    con.execute(f"""
        CREATE VIEW k AS SELECT *, dato_start + tidspunkt_start AS ts,
            dato_slut + tidspunkt_slut AS te,
            hovedspeciale_ans IN ('psykiatri', 'børne- og ungdomspsykiatri') AS psych
        FROM '{data}/kontakter.parquet' WHERE kontakttype = 'ALCA00';
        CREATE TABLE l AS SELECT *, max(te) OVER (PARTITION BY cpr, psych ORDER BY ts, te
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end FROM k;
        CREATE TABLE stays AS SELECT cpr, psych, min(ts) AS s, max(te) AS e,
            arg_min(prioritet, ts) AS prio FROM (
              SELECT *, sum(CASE WHEN prev_end IS NULL OR ts > prev_end + INTERVAL 4 HOUR
                  THEN 1 ELSE 0 END) OVER (PARTITION BY cpr, psych ORDER BY ts, te
                  ROWS UNBOUNDED PRECEDING) AS sid FROM l)
            GROUP BY cpr, psych, sid;
    """)
    person_years = con.execute(f"SELECT count(*) FROM '{data}/befolkning.parquet'").fetchall()[0][0]
    phys = con.execute("SELECT count(*) FROM k").fetchall()[0][0] / person_years
    acute = con.sql("SELECT count(*) FROM stays WHERE NOT psych AND prio = 'ATA1' "
                    "AND e - s >= INTERVAL 12 HOUR").fetchall()[0][0] / person_years * 100
    assert 1.1 < phys < 1.7
    assert 7 < acute < 12


def test_discharge_ready_marks_lie_1_to_10_days_before_the_end_of_their_contact(
    data: Path,
) -> None:
    k = _contacts(data)
    f = _read(data, "faerdigbehandlet")
    assert len(f) > 10 and f.dw_ek_kontakt.is_unique
    m = f.merge(k, on="dw_ek_kontakt")
    assert len(m) == len(f)
    mark = pd.to_datetime(m.dato_faerdigbehandlet.astype(str) + " "
                          + m.tidspunkt_faerdigbehandlet.astype(str))
    days_before = (m.end - mark).dt.total_seconds() / 86400
    assert days_before.between(1 - 1e-9, 10 + 1e-9).all()
    assert (mark >= m.start).all()
    assert m.hovedspeciale_ans.isin(PSYCH).any() and (~m.hovedspeciale_ans.isin(PSYCH)).any()


def test_disease_register_has_copd_and_type2_diabetes_rising_with_age(data: Path) -> None:
    kr = _read(data, "kroniske_sygdomme")
    bef = _read(data, "befolkning")
    people = bef[bef.ref_dato == dt.date(2021, 1, 1)]
    age = (pd.to_datetime(people.ref_dato) - pd.to_datetime(people.foed_dag)).dt.days / 365.25
    old = set(people.cpr[age >= 65])
    adults = set(people.cpr[age >= 18])
    copd = set(kr.cpr[kr.sygdom == "kol"])
    t2d = set(kr.cpr[kr.sygdom == "type2_diabetes"])
    assert 0.04 < len(copd & old) / len(old) < 0.10
    assert 0.05 < len(t2d & adults) / len(adults) < 0.12
    assert len(t2d & old) / len(old) > len(t2d & adults) / len(adults)


def test_geografi_lists_every_municipality_and_district_with_its_cluster(data: Path) -> None:
    g = pd.read_csv(data / "geografi.csv", dtype=str, keep_default_na=False)
    assert list(g.columns) == ["level", "code", "cluster", "valid_from", "valid_to"]
    munis = g[g.level == "municipality"]
    assert set(munis.code) == {m.code for m in municipality_calibration()}
    districts = g[g.level == "district"].set_index("code").cluster
    assert districts["101-01"] == "byen" and districts["101-10"] == "syd"
    assert munis.set_index("code").cluster["400"] == "bornholm"
    assert set(g.valid_from) == {"2022-07-01"} and set(g.valid_to) == {"2026-12-31"}


def test_csv_output_holds_the_same_data_as_parquet(tmp_path: Path) -> None:
    generate(tmp_path / "p", persons=800, years=2, seed=3)
    generate(tmp_path / "c", persons=800, years=2, seed=3, fmt="csv")
    for name in TABLES:
        p = pq.read_table(tmp_path / "p" / f"{name}.parquet").to_pandas().astype(str)
        c = pd.read_csv(tmp_path / "c" / f"{name}.csv", dtype=str, keep_default_na=False)
        for col in p.columns:
            if col.startswith("tidspunkt"):
                assert c[col].str.fullmatch(r"\d\d:\d\d:\d\d").all()
            if p[col].isin(["True", "False"]).all():
                p[col] = p[col].str.lower()
        p = p.replace({"None": ""})
        pd.testing.assert_frame_equal(p.reset_index(drop=True), c, check_dtype=False)


def test_a_failed_run_leaves_the_previous_output_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    generate(out, persons=500, years=1, seed=1)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(**_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(generator, "_chunk", broken)
    with pytest.raises(RuntimeError):
        generate(out, persons=500, years=1, seed=2)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fmt"):
        generate(tmp_path, persons=10, years=1, seed=1, fmt="xlsx")
    with pytest.raises(ValueError):
        generate(tmp_path, persons=0, years=1, seed=1)
    assert not any(tmp_path.iterdir())


def test_output_passes_the_engines_own_contract_validation(data: Path) -> None:
    contract = pytest.importorskip("indicator_engine.contract")
    contract.validate(data)


def test_pseudonym_mapping_is_a_bijection() -> None:
    ids = generator._pseudonyms(np.arange(200_000), seed=4).to_pylist()
    assert len(set(ids)) == len(ids)


def test_contact_reasons_follow_the_external_cause_of_the_contact(data: Path) -> None:
    k = _read(data, "kontakter")
    d = _read(data, "diagnoser")
    assert set(k.kontaktaarsag) <= {"ALCC01", "ALCC02", "ALCC03", "ALCC04"}
    share_illness = (k.kontaktaarsag == "ALCC01").mean()
    assert 0.85 < share_illness < 0.99
    # Every self-harm cause code (DX60-DX84 as a B diagnosis) sits on a suicide-attempt contact.
    selfharm = d[(d.diagnosetype == "B") & d.diagnosekode.str.match(r"DX(6|7|8[0-4])")]
    reasons = k.set_index("dw_ek_kontakt").loc[selfharm.dw_ek_kontakt.unique(), "kontaktaarsag"]
    assert len(reasons) > 0 and (reasons == "ALCC04").all()


def test_rehabilitation_plans_follow_somatic_admissions(data: Path) -> None:
    plans = _read(data, "genoptraeningsplaner")
    k = _contacts(data).set_index("dw_ek_kontakt")
    assert len(plans) > 100
    shares = plans.plantype.value_counts(normalize=True)
    assert 0.75 < shares["almen"] < 0.95
    issuing = k.loc[plans.dw_ek_kontakt]
    assert not issuing.hovedspeciale_ans.isin(PSYCH).any()
    assert ((issuing.end - issuing.start) >= pd.Timedelta(hours=12)).all()
    assert (issuing.dato_slut.to_numpy() == plans.dato_udstedt.to_numpy()).all()
    started = plans.dropna(subset=["dato_foerste_traening"])
    assert 0.8 < len(started) / len(plans) < 0.97
    waits = (pd.to_datetime(started.dato_foerste_traening)
             - pd.to_datetime(started.dato_udstedt)).dt.days
    assert (waits >= 0).all() and 4 <= waits.median() <= 10
