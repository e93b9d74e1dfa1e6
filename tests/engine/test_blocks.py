"""Building blocks: hospital stays, admissions, first-contact attributes, residence, cluster."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .casebuilder import Case, blocks_for


def _stays(tmp_path, case: Case) -> pd.DataFrame:
    backend, blocks = blocks_for(case.write(tmp_path))
    try:
        stays = blocks.stays.execute()
        contact_stay = blocks.contact_stay.execute()
        adm = blocks.admissions.execute()
    finally:
        backend.close()
    stays.attrs["contact_stay"] = contact_stay
    stays.attrs["admissions"] = adm
    return stays[stays.cpr != "filler"].sort_values(["cpr", "stay_id"]).reset_index(drop=True)


def _stay_of(stays: pd.DataFrame, contact_id: str) -> tuple[str, int]:
    cs = stays.attrs["contact_stay"]
    r = cs[cs.contact_id == contact_id].iloc[0]
    return r.cpr, int(r.stay_id)


def test_overlapping_contacts_form_one_stay(tmp_path):
    c = Case()
    c.person("p1", "1950-01-01")
    a = c.contact("p1", "2021-03-01 08:00", "2021-03-01 20:00")
    b = c.contact("p1", "2021-03-01 18:00", "2021-03-02 10:00")
    stays = _stays(tmp_path, c)
    assert len(stays) == 1
    assert _stay_of(stays, a) == _stay_of(stays, b)
    s = stays.iloc[0]
    assert s.end_s - s.start_s == 26 * 3600
    assert s.n_contacts == 2


def test_exactly_four_hours_apart_links_but_four_hours_one_minute_does_not(tmp_path):
    c = Case()
    c.person("p1", "1950-01-01")
    c.person("p2", "1950-01-01")
    c.contact("p1", "2021-03-01 08:00", "2021-03-01 10:00")
    c.contact("p1", "2021-03-01 14:00", "2021-03-01 16:00")  # exactly 4 h gap
    c.contact("p2", "2021-03-01 08:00", "2021-03-01 10:00")
    c.contact("p2", "2021-03-01 14:01", "2021-03-01 16:00")  # 4 h 1 min
    stays = _stays(tmp_path, c)
    assert (stays.cpr == "p1").sum() == 1
    assert (stays.cpr == "p2").sum() == 2


def test_gap_is_measured_from_the_latest_end_so_far(tmp_path):
    c = Case()
    c.person("p1", "1950-01-01")
    c.contact("p1", "2021-03-01 08:00", "2021-03-02 08:00")  # long contact
    c.contact("p1", "2021-03-01 09:00", "2021-03-01 10:00")  # nested, ends early
    c.contact("p1", "2021-03-02 11:00", "2021-03-02 12:00")  # 3 h after the long one ends
    stays = _stays(tmp_path, c)
    assert len(stays) == 1


def test_non_physical_contacts_are_ignored(tmp_path):
    c = Case()
    c.person("p1", "1950-01-01")
    c.contact("p1", "2021-03-01 08:00", "2021-03-01 10:00")
    virtual = c.contact("p1", "2021-03-01 11:00", "2021-03-01 23:00", kind="ALCA20")
    c.contact("p1", "2021-03-01 16:00", "2021-03-01 17:00")  # 6 h after the first
    stays = _stays(tmp_path, c)
    assert len(stays) == 2  # the virtual contact does not bridge the gap
    assert virtual not in set(stays.attrs["contact_stay"].contact_id)


def test_admission_needs_twelve_hours(tmp_path):
    c = Case()
    c.person("p1", "1950-01-01")
    c.contact("p1", "2021-03-01 08:00", "2021-03-01 19:59")
    c.contact("p1", "2021-04-01 08:00", "2021-04-01 20:00")
    stays = _stays(tmp_path, c)
    adm = stays.attrs["admissions"]
    assert len(stays) == 2
    assert [pd.Timestamp(d).date() for d in adm[adm.cpr == "p1"].start_date] == [
        dt.date(2021, 4, 1)]


def test_first_contact_decides_acute_specialty_and_action_diagnosis(tmp_path):
    c = Case()
    c.person("p1", "1950-01-01")
    c.contact("p1", "2021-03-01 08:00", "2021-03-01 12:00", acute=False, dx="DK590",
              specialty="psykiatri")
    c.contact("p1", "2021-03-01 12:00", "2021-03-03 12:00", acute=True, dx="DJ441")
    stays = _stays(tmp_path, c)
    s = stays.iloc[0]
    assert not s.acute
    assert s.psychiatric
    assert s.action_dx == "DK590"


def test_residence_is_the_latest_snapshot_before_start_else_the_earliest(tmp_path):
    c = Case(years=(2021, 2022))
    c.person("p1", "1950-05-01", kom="147", moves={2022: ("151", None)})
    c.contact("p1", "2020-06-01 08:00", "2020-06-03 08:00")  # before any snapshot
    c.contact("p1", "2021-12-30 08:00", "2022-01-02 08:00")  # starts in 2021
    c.contact("p1", "2022-02-01 08:00", "2022-02-03 08:00")
    stays = _stays(tmp_path, c)
    adm = stays.attrs["admissions"].sort_values("start_s")
    assert list(adm[adm.cpr == "p1"].kom) == ["147", "147", "151"]
    assert list(adm[adm.cpr == "p1"].age_start) == [70, 71, 71]


def test_cluster_follows_district_and_dated_mapping(tmp_path):
    c = Case(geography=[
        ("municipality", "101", "byen", "2020-01-01", ""),
        ("municipality", "147", "byen", "2020-01-01", ""),
        ("municipality", "151", "midt", "2020-01-01", "2021-06-30"),
        ("municipality", "151", "nord", "2021-07-01", ""),
        ("municipality", "400", "bornholm", "2020-01-01", ""),
        ("district", "101-01", "byen", "2020-01-01", ""),
        ("district", "101-04", "syd", "2020-01-01", ""),
    ])
    c.person("a", "1950-01-01", kom="101", bydel="01")
    c.person("b", "1950-01-01", kom="101", bydel="04")
    c.person("m", "1950-01-01", kom="151")
    c.contact("a", "2021-03-01 08:00", "2021-03-03 08:00")
    c.contact("b", "2021-03-01 08:00", "2021-03-03 08:00")
    c.contact("m", "2021-06-30 08:00", "2021-07-03 08:00")  # starts on the last 'midt' day
    c.contact("m", "2021-07-10 08:00", "2021-07-13 08:00")
    stays = _stays(tmp_path, c)
    adm = stays.attrs["admissions"].sort_values(["cpr", "start_s"])
    got = list(zip(adm.cpr, adm.district.fillna("-"), adm.cluster))
    assert got == [("a", "101-01", "byen"), ("b", "101-04", "syd"), ("m", "-", "midt"),
                   ("m", "-", "nord")]


def test_two_admissions_starting_the_same_day_are_two_admissions(tmp_path):
    c = Case(years=(2021,))
    c.person("p1", "1950-05-01", kom="147")
    c.contact("p1", "2021-03-01 00:30", "2021-03-01 12:40")
    c.contact("p1", "2021-03-01 17:00", "2021-03-02 08:00")  # 4 h 20 min later: a new stay
    stays = _stays(tmp_path, c)
    adm = stays.attrs["admissions"]
    assert len(adm[adm.cpr == "p1"]) == 2
    assert list(adm[adm.cpr == "p1"].kom) == ["147", "147"]
