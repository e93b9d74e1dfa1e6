"""Indicators on hand-made cases whose numerators and denominators are worked out by hand.

Results are taken BEFORE disclosure control (the cases have counts below 5 on purpose).
"""

from __future__ import annotations

import pytest

from .casebuilder import Case, backend, raw_results, row

__all__ = ["backend"]  # the fixture: every case below runs on DuckDB and on Spark

READM = "readmission_somatic_30d"
PSY = "readmission_psychiatric_30d"


@pytest.fixture(scope="module")
def readmissions(tmp_path_factory, backend):
    c = Case()
    index = "2021-03-01T08:00:00"  # 2 days: discharged 2021-03-03 08:00
    soon = "2021-04-01T08:00:00"  # 29 days after the index discharge
    for p in [f"p{i}" for i in range(1, 13)]:
        c.person(p, "1950-01-01", kom="151")
    c.admission("p1", index, 2)
    c.admission("p1", soon, 2)  # counts
    c.admission("p2", index, 2)
    c.admission("p2", "2021-04-02T09:00:00", 2)  # 30 days 1 hour: too late
    c.admission("p3", index, 2, dx="DC509")  # cancer: not an index admission
    c.admission("p3", soon, 2)
    c.admission("p4", index, 2)
    c.admission("p4", soon, 2, dx="DO800")  # birth: not a readmission
    c.admission("p5", index, 2)
    c.admission("p5", soon, 2, dx="DS720")  # injury: not a readmission
    c.admission("p6", index, 2)
    c.admission("p6", soon, 2, diagnoses=(("DX600", "B"),))  # self-harm cause: not counted
    c.admission("p7", index, 2, diagnoses=(("DZ515", "B"),))  # hospice: not an index
    c.admission("p7", soon, 2)
    c.admission("p8", index, 2)
    c.admission("p8", soon, 2, acute=False)  # planned: not a readmission
    c.admission("p9", index, 2)
    c.admission("p9", soon, 2, specialty="psykiatri")  # psychiatric: not somatic
    c.admission("p10", index, 2)
    c.contact("p10", "2021-04-01 08:00", "2021-04-01 14:00")  # 6 h: not an admission
    c.admission("p11", index, 2)
    c.admission("p11", soon, 2, diagnoses=(("DX600", "B"),), disproved=("DX600",))  # counts
    c.admission("p12", index, 2)
    c.admission("p12", "2021-04-02T08:00:00", 2)  # exactly 30 days: counts
    # Psychiatric adult limit: age at discharge of the index stay.
    c.person("q1", "2003-06-01", kom="151")  # 17 at discharge
    c.person("q2", "2003-03-02", kom="151")  # 17 at start, 18 at discharge
    for q in ("q1", "q2"):
        c.admission(q, index, 2, specialty="psykiatri")
        c.admission(q, "2021-03-20T08:00:00", 2, specialty="psykiatri")
    return raw_results(c.write(tmp_path_factory.mktemp("readm")), READM, PSY,
                       backend=backend)


def test_readmission_counts_only_qualifying_acute_somatic_admissions(readmissions):
    march = row(readmissions, READM, "month", "2021-03-01", "municipality", "151")
    # Index in March: p1 p2 p4 p5 p6 p8 p9 p10 p11 p12 (p3 cancer, p7 hospice excluded).
    assert march.denominator == 10
    # Readmitted: p1, p11 (disproved cause ignored), p12 (exactly 30 days).
    assert march.numerator == 3
    assert march.value == pytest.approx(30.0)
    assert march.unit == "percent"
    assert bool(march.provisional) is True  # hospice and exclusion lists are provisional
    assert march.ci_low < 30.0 < march.ci_high


def test_readmissions_are_index_admissions_themselves(readmissions):
    april = row(readmissions, READM, "month", "2021-04-01", "municipality", "151")
    # April discharges that are somatic admissions, not cancer/hospice:
    # p1 p2 p3 p4(birth) p5(injury) p6 p7 p8(planned) p11 p12; not p9 (psychiatric), p10 (6 h).
    assert april.denominator == 10
    assert april.numerator == 0


def test_psychiatric_readmission_is_for_adults_by_age_at_discharge(readmissions):
    march = row(readmissions, PSY, "month", "2021-03-01", "municipality", "151")
    # q1 is 17 at both discharges; q2 is 18 at both (index and its readmission).
    assert march.denominator == 2
    assert march.numerator == 1
    # p9's psychiatric stay in April is an adult psychiatric index with no readmission.
    april = row(readmissions, PSY, "month", "2021-04-01", "municipality", "151")
    assert (april.numerator, april.denominator) == (0, 1)


def test_readmission_quarter_and_year_add_up_months(readmissions):
    q1 = row(readmissions, READM, "quarter", "2021-01-01", "municipality", "151")
    q2 = row(readmissions, READM, "quarter", "2021-04-01", "municipality", "151")
    year = row(readmissions, READM, "year", "2021-01-01", "region", "1084")
    assert (q1.numerator, q1.denominator) == (3, 10)
    assert (q2.numerator, q2.denominator) == (0, 10)
    assert (year.numerator, year.denominator) == (3, 20)


@pytest.fixture(scope="module")
def preventable(tmp_path_factory, backend):
    c = Case()
    for p in ("e1", "e2", "e3", "e5"):
        c.person(p, "1950-01-01", kom="151")
    c.person("e4", "1957-06-01", kom="151")  # 63 when admitted, 64 at 1 January
    c.person("e6", "1950-01-01", kom="101", bydel="01")
    c.person("e7", "1950-01-01", kom="101", bydel="04")
    c.admission("e1", "2021-03-10T08:00:00", 2, dx="DE86")  # counts
    c.admission("e1", "2021-06-10T08:00:00", 2, dx="DE86", specialty="psykiatri")  # no
    c.admission("e2", "2021-03-10T08:00:00", 2, dx="DK590", acute=False)  # planned: no
    c.admission("e3", "2021-03-10T08:00:00", 2, dx="DJ441")  # not in the list
    c.admission("e4", "2021-03-10T08:00:00", 2, dx="DE86")  # under 65
    c.admission("e5", "2021-05-10T08:00:00", 2, dx="DS720")  # fracture: counts
    c.contact("e5", "2021-08-10 08:00", "2021-08-10 14:00", dx="DK590")  # 6 h: no
    c.admission("e6", "2021-03-15T08:00:00", 2, dx="DE86")  # counts, district 101-01
    c.admission("e7", "2021-03-15T08:00:00", 2, dx="DN390")  # counts, district 101-04
    return raw_results(c.write(tmp_path_factory.mktemp("prev")),
                       "preventable_admissions_65plus", backend=backend)


def test_preventable_admissions_per_1000_citizens_65plus(preventable):
    ind = "preventable_admissions_65plus"
    year = row(preventable, ind, "year", "2021-01-01", "municipality", "151")
    assert (year.numerator, year.denominator) == (2, 4)  # e1, e5 of e1 e2 e3 e5
    assert year.value == pytest.approx(500.0)
    assert year.unit == "per_1000"
    assert bool(year.provisional) is True
    march = row(preventable, ind, "month", "2021-03-01", "municipality", "151")
    assert (march.numerator, march.denominator) == (1, 4)
    q2 = row(preventable, ind, "quarter", "2021-04-01", "municipality", "151")
    assert (q2.numerator, q2.denominator) == (1, 4)
    # A year without events still has its row.
    y22 = row(preventable, ind, "year", "2022-01-01", "municipality", "151")
    assert (y22.numerator, y22.denominator) == (0, 4)
    assert y22.value == 0.0


def test_copenhagen_districts_roll_up_into_two_clusters(preventable):
    ind = "preventable_admissions_65plus"

    def counts(level, code):
        r = row(preventable, ind, "year", "2021-01-01", level, code)
        return (r.numerator, r.denominator)

    assert counts("district", "101-01") == (1, 1)
    assert counts("district", "101-04") == (1, 1)
    assert counts("municipality", "101") == (2, 2)
    assert counts("cluster", "byen") == (1, 1)  # 101-01 (+ 147, nobody there)
    assert counts("cluster", "syd") == (1, 1)  # 101-04
    assert counts("cluster", "midt") == (2, 4)
    assert counts("region", "1084") == (4, 7)  # + the filler person in Bornholm


@pytest.fixture(scope="module")
def bed_days(tmp_path_factory, backend):
    c = Case()
    for p in ("b1", "b2", "b3"):
        c.person(p, "1960-01-01", kom="147")
    k1 = c.contact("b1", "2021-03-01 08:00", "2021-03-10 12:00")
    c.mark_ready(k1, "2021-03-06 15:00")  # 6 March -> 10 March: 4 days
    c.mark_ready(k1, "2021-03-08 09:00")  # a later mark does not restart the count
    k2 = c.contact("b2", "2021-04-01 08:00", "2021-04-05 12:00", specialty="psykiatri")
    c.mark_ready(k2, "2021-04-05 09:00")  # same day: 0 days
    k3 = c.contact("b2", "2021-05-01 08:00", "2021-05-09 12:00", specialty="psykiatri")
    c.mark_ready(k3, "2021-05-02 09:00")  # 7 days
    return raw_results(c.write(tmp_path_factory.mktemp("beds")),
                       "discharge_ready_days_somatic", "discharge_ready_days_psychiatric",
                       backend=backend)


def test_discharge_ready_days_counted_to_the_end_of_the_stay(bed_days):
    som = row(bed_days, "discharge_ready_days_somatic", "month", "2021-03-01",
              "municipality", "147")
    assert (som.numerator, som.denominator) == (4, 3)
    assert som.value == pytest.approx(4 / 3 * 1000)
    psy_apr = row(bed_days, "discharge_ready_days_psychiatric", "month", "2021-04-01",
                  "municipality", "147")
    psy_may = row(bed_days, "discharge_ready_days_psychiatric", "month", "2021-05-01",
                  "municipality", "147")
    assert psy_apr.numerator == 0
    assert psy_may.numerator == 7
    year = row(bed_days, "discharge_ready_days_psychiatric", "year", "2021-01-01",
               "municipality", "147")
    assert (year.numerator, year.denominator) == (7, 3)
    assert som.value_std != som.value_std  # not standardised: null


@pytest.fixture(scope="module")
def chronic(tmp_path_factory, backend):
    c = Case()
    c.person("d1", "1960-01-01")
    c.person("d2", "1960-01-01")
    c.person("d3", "2005-06-01")  # a child with COPD
    c.person("d4", "1970-01-01")
    c.person("t1", "1960-01-01")
    c.register("d1", "kol", "2015-01-01")
    c.register("d2", "kol", "2021-06-01")
    c.register("d3", "kol", "2010-01-01")
    c.register("d4", "kol", "2015-01-01")
    c.register("t1", "type2_diabetes", "2018-01-01")
    c.admission("d1", "2021-02-01T08:00:00", 2)  # counts
    c.admission("d1", "2021-09-01T08:00:00", 2, acute=False)  # planned: no
    c.admission("d2", "2021-05-01T08:00:00", 2)  # before registration: no
    c.admission("d2", "2021-08-01T08:00:00", 2)  # counts
    c.admission("d3", "2021-08-01T08:00:00", 2)  # under 18: no
    c.admission("t1", "2021-08-01T08:00:00", 2, specialty="psykiatri")  # any acute: counts
    return raw_results(c.write(tmp_path_factory.mktemp("chronic")), "acute_admissions_copd",
                       "acute_admissions_type2_diabetes", backend=backend)


def test_acute_admissions_of_adults_with_copd_and_type2_diabetes(chronic):
    copd21 = row(chronic, "acute_admissions_copd", "year", "2021-01-01", "municipality", "147")
    assert (copd21.numerator, copd21.denominator) == (2, 2)  # d1 d4 registered by 1 January
    copd22 = row(chronic, "acute_admissions_copd", "year", "2022-01-01", "municipality", "147")
    assert (copd22.numerator, copd22.denominator) == (0, 3)  # d2 now registered too
    t2d = row(chronic, "acute_admissions_type2_diabetes", "year", "2021-01-01",
              "municipality", "147")
    assert (t2d.numerator, t2d.denominator) == (1, 1)
    assert t2d.value == pytest.approx(1000.0)


def test_output_has_the_agreed_columns_in_order(chronic):
    assert list(chronic.columns) == [
        "indicator_id", "definition_version", "provisional", "unit", "period_grain",
        "period_start", "geo_level", "geo_code", "numerator", "denominator", "value", "ci_low",
        "ci_high", "value_std", "std_ci_low", "std_ci_high", "suppressed",
        "suppression_reason"]
    assert str(chronic["numerator"].dtype) == "Int64"
    assert set(chronic.period_grain) == {"month", "quarter", "year"}


@pytest.fixture(scope="module")
def two_strata(tmp_path_factory):
    c = Case()
    c.person("m1", "1951-01-01", sex="M", kom="151")  # 70 in 2021
    c.person("m2", "1951-01-01", sex="M", kom="151")
    c.person("k1", "1941-01-01", sex="K", kom="151")  # 80 in 2021
    c.person("k2", "1941-01-01", sex="K", kom="151")
    c.admission("m1", "2021-03-10T08:00:00", 2, dx="DE86")
    return c.write(tmp_path_factory.mktemp("strata"))


def _prev_2021_151(results):
    return row(results, "preventable_admissions_65plus", "year", "2021-01-01", "municipality",
               "151")


def test_standardised_rate_uses_the_shipped_european_standard(two_strata):
    r = _prev_2021_151(raw_results(two_strata, "preventable_admissions_65plus"))
    assert r.value == pytest.approx(250.0)  # 1 event / 4 citizens 65+
    # ESP 2013 weights: band 70-74 = 5000 (men's rate 1/2), band 80-84 = 2500 (women's 0/2).
    assert r.value_std == pytest.approx(1000 * (5000 * 0.5 + 2500 * 0.0) / 7500)
    assert r.std_ci_low < r.value_std < r.std_ci_high


def test_standard_population_is_replaceable(two_strata, tmp_path):
    from indicator_engine.api import _results_before_disclosure

    std = tmp_path / "std.csv"
    std.write_text("age_from,age_to,sex,weight\n"
                   "0,64,M,0\n65,74,M,1\n75,,M,3\n0,64,K,0\n65,74,K,1\n75,,K,3\n",
                   encoding="utf-8")
    results, _ = _results_before_disclosure(
        two_strata, indicators=["preventable_admissions_65plus"], standard_population=std)
    r = _prev_2021_151(results)
    assert r.value == pytest.approx(250.0)
    assert r.value_std == pytest.approx(1000 * (1 * 0.5 + 3 * 0.0) / 4)


def test_csv_and_parquet_input_give_the_same_results(tmp_path):
    def build() -> Case:
        c = Case()
        for i in range(6):
            c.person(f"p{i}", "1950-01-01", kom="101", bydel="04")
            c.admission(f"p{i}", "2021-03-01T08:00:00", 2, dx="DE86")
            c.admission(f"p{i}", "2021-03-20T08:00:00", 2 + i)
        return c

    a = raw_results(build().write(tmp_path / "pq"), READM, "preventable_admissions_65plus")
    b = raw_results(build().write(tmp_path / "csv", fmt="csv"), READM,
                    "preventable_admissions_65plus")
    assert len(a) > 0
    assert a.equals(b)
