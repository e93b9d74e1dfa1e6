"""Hand-made cases for the rest of the national set and for the dating rules: acute short
medical and psychiatric admissions, rehabilitation plans and waiting time, discharge-ready
days to the end of the stay, contact reasons, one date for period and geography, partial
cluster periods and --geography-as-of. Every case runs on DuckDB and on Spark.

Results are taken BEFORE disclosure control (the cases have counts below 5 on purpose).
"""

from __future__ import annotations

import datetime as dt

import pytest

from indicator_engine.contract import ValidationOptions

from .casebuilder import Case, backend, raw_results, row

__all__ = ["backend"]

SHORT_MED = "acute_short_medical_admissions"
SHORT_PSY = "acute_short_psychiatric_admissions"
WAIT = "rehabilitation_waiting_time_general"
PLANS = "rehabilitation_plans_per_1000_discharges"
READM = "readmission_somatic_30d"


@pytest.fixture(scope="module")
def short(tmp_path_factory, backend):
    c = Case()
    for p in ("s1", "s2", "s3", "s4", "s5", "s6", "s7", "q1", "q2", "q3"):
        c.person(p, "1950-01-01" if p[0] == "s" else "1990-01-01", kom="147")
    c.person("q4", "2004-01-01", kom="147")  # 17 in March 2021
    c.admission("s1", "2021-03-01T08:00:00", 20 / 24)  # counts
    c.admission("s2", "2021-03-01T08:00:00", 3)  # 72 h: not short
    c.admission("s3", "2021-03-01T08:00:00", 20 / 24, specialty="kirurgi")  # not medical
    c.admission("s4", "2021-03-01T08:00:00", 20 / 24, acute=False)  # planned
    c.contact("s5", "2021-03-01 08:00", "2021-03-01 14:00")  # 6 h: not an admission
    c.admission("s6", "2021-03-01T08:00:00", 2, specialty="geriatri")  # exactly 48 h: counts
    # Emergency contact then a ward: one 33-hour stay, first contact medical: counts.
    c.contact("s7", "2021-03-05 08:00", "2021-03-05 11:00", specialty="akutmedicin")
    c.contact("s7", "2021-03-05 11:00", "2021-03-06 17:00", specialty="kirurgi")
    c.admission("q1", "2021-03-01T08:00:00", 20 / 24, specialty="psykiatri")  # counts
    c.admission("q2", "2021-03-01T08:00:00", 3, specialty="psykiatri")  # too long
    c.admission("q3", "2021-03-01T08:00:00", 20 / 24, specialty="psykiatri",
                acute=False)  # planned
    c.admission("q4", "2021-03-01T08:00:00", 20 / 24,
                specialty="børne- og ungdomspsykiatri")  # under 18
    return raw_results(c.write(tmp_path_factory.mktemp("short")), SHORT_MED, SHORT_PSY,
                       backend=backend)


def test_acute_short_medical_admissions(short):
    r = row(short, SHORT_MED, "month", "2021-03-01", "municipality", "147")
    # s1, s6 (exactly 48 h) and s7 (first contact akutmedicin); 11 citizens of 147.
    assert (r.numerator, r.denominator) == (3, 11)
    assert r.value == pytest.approx(3 / 11 * 1000)
    assert bool(r.provisional) is True


def test_acute_short_psychiatric_admissions_of_adults(short):
    r = row(short, SHORT_PSY, "month", "2021-03-01", "municipality", "147")
    assert (r.numerator, r.denominator) == (1, 10)  # q1; q4 (17) is not among citizens 18+


@pytest.fixture(scope="module")
def plans(tmp_path_factory, backend):
    c = Case()
    for p in ("r1", "r2", "r3", "r4", "r5", "r6"):
        c.person(p, "1940-01-01", kom="151")
    k1 = c.admission("r1", "2021-03-01T08:00:00", 2)  # discharged 3 March
    c.plan("r1", k1, "2021-03-03", "almen", "2021-03-10")  # waits 7 days
    k2 = c.admission("r2", "2021-03-01T08:00:00", 2)
    c.plan("r2", k2, "2021-03-03", "almen", "2021-03-05")  # waits 2 days
    c.plan("r2", k2, "2021-03-03", "specialiseret", "2021-03-04")  # not general
    c.admission("r3", "2021-03-01T08:00:00", 2)  # no plan
    k4 = c.admission("r4", "2021-03-01T08:00:00", 2)
    c.plan("r4", k4, "2021-03-03", "rehabilitering")  # never started
    k5 = c.contact("r5", "2021-03-01 08:00", "2021-03-01 11:00")  # outpatient: no discharge
    c.plan("r5", k5, "2021-03-01", "almen", "2021-03-20")
    # Transferred: the plan is issued from the first ward; the wait runs from the stay's end.
    k6 = c.contact("r6", "2021-03-01 08:00", "2021-03-03 08:00", specialty="psykiatri")
    c.contact("r6", "2021-03-03 09:00", "2021-03-05 08:00", specialty="psykiatri")
    c.plan("r6", k6, "2021-03-03", "almen", "2021-03-09")  # 5 March -> 9 March: 4 days
    return raw_results(c.write(tmp_path_factory.mktemp("plans")), WAIT, PLANS,
                       backend=backend)


def test_waiting_time_for_general_rehabilitation_after_discharge(plans):
    r = row(plans, WAIT, "month", "2021-03-01", "municipality", "151")
    # r1 7 days, r2 2 days, r6 4 days (any admission); r4 never started, r5 no admission.
    assert (r.numerator, r.denominator) == (13, 3)
    assert r.value == pytest.approx(13 / 3)
    assert r.unit == "days"
    assert r.ci_low != r.ci_low and r.value_std != r.value_std  # not computed: null


def test_rehabilitation_plans_per_1000_somatic_discharges(plans):
    r = row(plans, PLANS, "month", "2021-03-01", "municipality", "151")
    # Somatic discharges r1-r4; plans issued during them: r1 1, r2 2, r4 1 (any kind).
    assert (r.numerator, r.denominator) == (4, 4)
    assert r.value == pytest.approx(1000.0)


@pytest.fixture(scope="module")
def beds(tmp_path_factory, backend):
    c = Case()
    c.person("b1", "1940-01-01", kom="147")
    c.person("b2", "1940-01-01", kom="147")
    k1 = c.contact("b1", "2021-03-01 08:00", "2021-03-10 12:00")
    c.mark_ready(k1, "2021-03-06 15:00")
    c.contact("b1", "2021-03-10 13:00", "2021-03-14 10:00", specialty="geriatri")  # transfer
    k2 = c.contact("b2", "2021-03-20 08:00", "2021-03-30 12:00")
    c.mark_ready(k2, "2021-03-25 09:00")
    c.contact("b2", "2021-03-30 15:00", "2021-04-02 10:00")  # the stay ends in April
    return raw_results(c.write(tmp_path_factory.mktemp("beds2")),
                       "discharge_ready_days_somatic", backend=backend)


def test_discharge_ready_days_run_to_the_end_of_the_stay_after_a_transfer(beds):
    march = row(beds, "discharge_ready_days_somatic", "month", "2021-03-01",
                "municipality", "147")
    assert march.numerator == 8  # 6 March -> 14 March, not 4 (the first ward's end)
    april = row(beds, "discharge_ready_days_somatic", "month", "2021-04-01",
                "municipality", "147")
    assert april.numerator == 8  # 25 March -> 2 April, in the month the stay ends


def _reason_case(with_reason: bool) -> Case:
    c = Case()
    for p in ("a1", "a2", "a3"):
        c.person(p, "1950-01-01", kom="151")
    index = "2021-03-01T08:00:00"
    soon = "2021-03-20T08:00:00"
    reason = "ALCC01" if with_reason else None
    c.admission("a1", index, 2, reason=reason)
    c.admission("a1", soon, 2, dx="DS720", reason="ALCC01" if with_reason else None)
    c.admission("a2", index, 2, reason=reason)
    c.admission("a2", soon, 2, reason="ALCC02" if with_reason else None)  # accident
    c.admission("a3", index, 2, reason=reason)
    c.admission("a3", soon, 2, reason="ALCC04" if with_reason else None)  # suicide attempt
    return c


def test_readmission_exclusions_use_the_contact_reason_when_present(tmp_path, backend):
    extra: dict[str, object] = {}
    res = raw_results(_reason_case(True).write(tmp_path / "with"), READM, backend=backend,
                      manifest_extra=extra)
    r = row(res, READM, "month", "2021-03-01", "municipality", "151")
    # a1: a hip fracture with reason "illness" counts; a2 (accident) and a3 (suicide
    # attempt) are not readmissions by their contact reason. (The second stays are index
    # stays themselves: six index stays discharged in March.)
    assert (r.numerator, r.denominator) == (1, 6)
    assert extra["readmission_exclusions"] == "kontaktaarsag"


def test_without_contact_reasons_the_injury_diagnosis_fallback_is_used_and_said(
        tmp_path, backend):
    extra: dict[str, object] = {}
    res = raw_results(_reason_case(False).write(tmp_path / "without"), READM,
                      backend=backend, manifest_extra=extra)
    r = row(res, READM, "month", "2021-03-01", "municipality", "151")
    # a1's injury diagnosis excludes it; a2 and a3 have nothing to show their cause.
    assert (r.numerator, r.denominator) == (2, 6)
    assert extra["readmission_exclusions"] == "injury_diagnoses_fallback"


@pytest.fixture(scope="module")
def moved(tmp_path_factory, backend):
    c = Case()
    # m1 lives in 147 on 1 January 2021 and in 151 on 1 January 2022.
    c.person("m1", "1950-01-01", moves={2021: ("147", None), 2022: ("151", None)})
    c.admission("m1", "2021-12-30T08:00:00", 4)  # discharged 3 January 2022
    return raw_results(c.write(tmp_path_factory.mktemp("moved")), READM, backend=backend)


def test_an_index_stay_counts_where_and_when_it_ends(moved):
    r = row(moved, READM, "month", "2022-01-01", "municipality", "151")
    assert r.denominator == 1  # residence on the discharge day, month of the discharge
    assert not ((moved.geo_code == "147") & (moved.period_start == dt.date(2022, 1, 1))).any()
    assert row(moved, READM, "month", "2022-01-01", "cluster", "midt").denominator == 1


GEO_MID_2021 = [
    ("municipality", "101", "byen", "2021-07-01", ""),
    ("municipality", "147", "byen", "2021-07-01", ""),
    ("municipality", "151", "midt", "2021-07-01", ""),
    ("municipality", "400", "bornholm", "2021-07-01", ""),
    ("district", "101-01", "byen", "2021-07-01", ""),
    ("district", "101-04", "syd", "2021-07-01", ""),
]


def _founded_mid_year() -> Case:
    c = Case(geography=list(GEO_MID_2021))
    for i in range(4):
        c.person(f"c{i}", "1940-01-01", kom="151")
        c.admission(f"c{i}", f"2021-0{3 + 2 * i}-10T08:00:00", 2, dx="DE86")  # Mar..Sep
    return c


def test_cluster_rows_of_a_period_covered_only_in_part_are_not_published(tmp_path, backend):
    res = raw_results(_founded_mid_year().write(tmp_path / "d"),
                      "preventable_admissions_65plus", backend=backend)
    clusters = res[res.geo_level == "cluster"]
    # The clusters start on 1 July 2021: no cluster row for the year 2021 or Q1/Q2 2021 ...
    assert not ((clusters.period_grain == "year")
                & (clusters.period_start == dt.date(2021, 1, 1))).any()
    assert not ((clusters.period_grain == "quarter")
                & (clusters.period_start < dt.date(2021, 7, 1))).any()
    # ... Q3 2021 is whole, and equals its member municipality.
    q3 = row(res, "preventable_admissions_65plus", "quarter", "2021-07-01", "cluster", "midt")
    member = row(res, "preventable_admissions_65plus", "quarter", "2021-07-01",
                 "municipality", "151")
    assert (q3.numerator, q3.denominator) == (member.numerator, member.denominator) == (2, 4)


def test_geography_as_of_computes_the_whole_history_on_one_days_clusters(tmp_path, backend):
    extra: dict[str, object] = {}
    res = raw_results(_founded_mid_year().write(tmp_path / "d"),
                      "preventable_admissions_65plus", backend=backend,
                      validation=ValidationOptions(geography_as_of=dt.date(2022, 1, 1)),
                      manifest_extra=extra)
    year = row(res, "preventable_admissions_65plus", "year", "2021-01-01", "cluster", "midt")
    assert (year.numerator, year.denominator) == (4, 4)
    assert extra["geography"] == {"as_of": "2022-01-01"}


def test_data_before_the_clusters_existed_say_so(tmp_path):
    c = Case(geography=[(lvl, code, cl, "2023-01-01", to) for lvl, code, cl, _, to
                        in _founded_mid_year().geography])
    c.person("z1", "1940-01-01", kom="151")
    c.admission("z1", "2021-03-10T08:00:00", 2, dx="DE86")
    extra: dict[str, object] = {}
    res = raw_results(c.write(tmp_path / "d"), "preventable_admissions_65plus",
                      manifest_extra=extra)
    assert not (res.geo_level == "cluster").any()
    [note] = extra["notes"]  # type: ignore[misc]
    assert "ingen klyngerækker" in note and "--geography-as-of" in note
