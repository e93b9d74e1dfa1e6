"""Clusters, dated memberships and population selectors on the demo organisation."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

from sundhedsaftale.core.guard import writes_unguarded
from sundhedsaftale.geography.models import (
    AreaMembership,
    District,
    HealthCluster,
    Municipality,
    Region,
)
from sundhedsaftale.geography.selectors import (
    cluster_detail,
    cluster_list,
    municipality_detail,
    municipality_list,
    population_by_band,
    population_totals,
)
from sundhedsaftale.geography.services import area_membership_create, health_cluster_create

IN_PERIOD = datetime.date(2024, 6, 1)


def row_for(rows, code):
    return next(r for r in rows if r.municipality.code == code)


def test_kobenhavn_belongs_to_byen_and_syd_split_by_district(demo_content):
    rows = municipality_list(on=IN_PERIOD)
    kbh = row_for(rows, "101")
    assert [c.code for c in kbh.clusters] == ["byen", "syd"]
    assert kbh.is_split
    assert {d.code for d in kbh.districts_by_cluster["byen"]} == {
        "101-01", "101-02", "101-03", "101-06", "101-07", "101-08"}
    assert {d.code for d in kbh.districts_by_cluster["syd"]} == {
        "101-04", "101-05", "101-09", "101-10"}
    # Every other municipality is in exactly one cluster.
    assert all(len(r.clusters) == 1 and not r.is_split for r in rows
               if r.municipality.code != "101")
    assert row_for(rows, "400").clusters[0].code == "bornholm"
    detail = municipality_detail(code="101", on=IN_PERIOD)
    assert [c.code for c in detail.clusters] == ["byen", "syd"] and detail.memberships == []
    assert {r.district.code: [c.code for c in r.clusters] for r in detail.districts}["101-04"] == [
        "syd"]


def test_cluster_detail_lists_whole_municipalities_and_districts(demo_content):
    byen = cluster_detail(code="byen", on=IN_PERIOD)
    assert [m.code for m in byen.municipalities] == ["147"]
    assert len(byen.districts) == 6
    assert [m.code for m in byen.split_municipalities] == ["101"]
    assert byen.cluster.hospital.name == "Bispebjerg og Frederiksberg Hospital"
    midt = cluster_detail(code="midt", on=IN_PERIOD)
    assert len(midt.municipalities) == 9 and midt.districts == []


def test_membership_outside_its_dates_is_not_returned(demo_content):
    # The clusters' memberships run 2022-07-01 .. 2026-12-31, as do the clusters themselves.
    assert municipality_list(on=datetime.date(2022, 6, 30))[0].clusters == []
    assert all(r.clusters == [] for r in municipality_list(on=datetime.date(2027, 1, 1)))
    assert municipality_detail(code="223", on=datetime.date(2027, 1, 1)).clusters == []
    assert cluster_detail(code="nord", on=datetime.date(2026, 12, 31)).municipalities
    # An ended cluster is shown as it was on its last day.
    ended = cluster_detail(code="nord", on=datetime.date(2027, 1, 1))
    assert ended.on == datetime.date(2026, 12, 31) and ended.municipalities
    # A membership that ends before its cluster does is not returned after its end.
    AreaMembership.objects.filter(cluster__code="nord", municipality__code="223").update(
        valid_to=datetime.date(2025, 12, 31))
    codes_2025 = [m.code for m in cluster_detail(code="nord", on=datetime.date(2025, 6, 1))
                  .municipalities]
    codes_2026 = [m.code for m in cluster_detail(code="nord", on=datetime.date(2026, 6, 1))
                  .municipalities]
    assert "223" in codes_2025 and "223" not in codes_2026
    assert len(codes_2025) == len(codes_2026) + 1


def test_a_health_council_from_2027_is_added_as_data(demo_content):
    region = Region.objects.get(code="1084")
    council = health_cluster_create(
        by=None, code="sundhedsraad-nord", name="Sundhedsråd Nord (eksempel)",
        kind=HealthCluster.Kind.HEALTH_COUNCIL, region=region,
        valid_from=datetime.date(2027, 1, 1))
    horsholm = Municipality.objects.get(code="223")
    area_membership_create(cluster=council, municipality=horsholm, by=None,
                           valid_from=datetime.date(2027, 1, 1))
    before = row_for(municipality_list(on=datetime.date(2026, 12, 31)), "223")
    after = row_for(municipality_list(on=datetime.date(2027, 1, 2)), "223")
    assert [c.code for c in before.clusters] == ["nord"]
    assert [c.code for c in after.clusters] == ["sundhedsraad-nord"]
    # On 2027-01-02 the council holds Hørsholm; before 2027 it is shown as on its first day.
    councils = cluster_list(on=datetime.date(2027, 1, 2), kind=HealthCluster.Kind.HEALTH_COUNCIL)
    assert [s.cluster.code for s in councils] == ["sundhedsraad-nord"]
    assert [m.code for m in councils[0].municipalities] == ["223"]
    # Nord has ended: it is shown as on its last day, with Hørsholm.
    nord = next(s for s in cluster_list(on=datetime.date(2027, 1, 2)) if s.cluster.code == "nord")
    assert nord.on == datetime.date(2026, 12, 31)
    assert "223" in [m.code for m in nord.municipalities]
    assert cluster_list(on=datetime.date(2026, 12, 31),
                        kind=HealthCluster.Kind.HEALTH_COUNCIL)[0].on == datetime.date(2027, 1, 1)


def test_membership_needs_exactly_one_of_municipality_and_district(demo_content):
    cluster = HealthCluster.objects.get(code="byen")
    # The database constraint itself, so the write bypasses the service on purpose.
    with pytest.raises(IntegrityError), transaction.atomic(), writes_unguarded():
        AreaMembership.objects.create(cluster=cluster)
    with pytest.raises(IntegrityError), transaction.atomic(), writes_unguarded():
        AreaMembership.objects.create(cluster=cluster,
                                      municipality=Municipality.objects.get(code="147"),
                                      district=District.objects.get(code="101-01"))


def test_uncertain_facts_are_marked_and_sourced(demo_content):
    district = District.objects.get(code="101-04")
    assert district.is_uncertain and "bydelsinddeling" in district.source_label
    assert not Municipality.objects.get(code="101").is_uncertain
    syd_district = AreaMembership.objects.get(cluster__code="syd", district__code="101-05")
    assert syd_district.is_uncertain
    assert not AreaMembership.objects.get(cluster__code="syd",
                                          municipality__code="167").is_uncertain


def test_population_totals_add_up(demo_population):
    region = Region.objects.get(code="1084")
    totals = population_totals()
    assert totals.regions[region.pk].count == 1_891_871
    rows = municipality_list(on=IN_PERIOD)
    assert sum(r.population for r in rows) == 1_891_871
    kbh = row_for(rows, "101")
    assert kbh.population == 653_664
    kbh_total = totals.municipalities[kbh.municipality.pk]
    assert kbh_total.count == 653_664 and not kbh_total.is_synthetic
    assert kbh_total.is_uncertain  # the quoted figure is marked [U]
    gentofte, hillerod = row_for(rows, "157"), row_for(rows, "219")
    assert not totals.municipalities[gentofte.municipality.pk].is_uncertain  # real, verified
    assert totals.municipalities[hillerod.municipality.pk].is_synthetic  # invented total
    districts = sum(totals.districts[d.pk].count
                    for d in District.objects.filter(municipality__code="101"))
    assert districts == 653_664
    kbh_detail = municipality_detail(code="101", on=IN_PERIOD)
    assert kbh_detail.population == 653_664
    assert sum(r.population for r in kbh_detail.districts) == 653_664
    byen = cluster_detail(code="byen", on=IN_PERIOD).population
    byen_expected = 104_664 + sum(
        totals.districts[d.pk].count
        for d in District.objects.filter(cluster_memberships__cluster__code="byen"))
    assert byen == byen_expected


def test_population_by_age_band_and_sex(demo_population):
    gentofte = Municipality.objects.get(code="157")
    table = population_by_band(municipality_ids=[gentofte.pk], district_ids=[])
    assert [r.label for r in table.rows][:2] == ["0–14 år", "15–24 år"]
    assert table.rows[-1].label == "80+ år"
    assert table.total == 74_838 == sum(r.total for r in table.rows)
    assert table.men == sum(r.men for r in table.rows)
    assert table.women == sum(r.women for r in table.rows)
    assert table.is_synthetic
    assert table.men > 0 and table.women > 0
    syd = cluster_detail(code="syd", on=IN_PERIOD)
    assert syd.district_ids  # København's southern districts count, not all of København
    by_band = population_by_band(municipality_ids=syd.municipality_ids,
                                 district_ids=syd.district_ids)
    assert by_band.total == syd.population


def test_population_without_total_rows_is_the_sum_of_its_rows(demo_content, tmp_path):
    from sundhedsaftale.geography.services import population_import

    path = tmp_path / "bands.csv"
    path.write_text("OMRÅDE;KØN;ALDER;TID;INDHOLD;KILDE;SIKKERHED\n"
                    "Dragør;Mænd;0-4 år;2024K1;5;synthetic;\n"
                    "Dragør;Kvinder;0-4 år;2024K1;6;synthetic;\n"
                    "101-05;Mænd;3 år;2024K1;4;real;U\n", encoding="utf-8")
    # A partial new quarter needs --replace, and the portal does not show it as the latest.
    population_import(path=path, replace=True)
    assert population_totals().quarter is None
    totals = population_totals(quarter="2024K1")
    assert totals.quarter == "2024K1"
    dragor = totals.municipalities[Municipality.objects.get(code="155").pk]
    assert (dragor.count, dragor.quarter, dragor.is_synthetic, dragor.certainty) == (
        11, "2024K1", True, "V")
    district = totals.districts[District.objects.get(code="101-05").pk]
    assert (district.count, district.is_synthetic, district.certainty) == (4, False, "U")
    assert district.is_uncertain
    # No quarter is complete for every municipality: pages give no totals.
    syd = cluster_detail(code="syd", on=IN_PERIOD)
    assert syd.population is None
    by_band = population_by_band(municipality_ids=syd.municipality_ids,
                                 district_ids=syd.district_ids, quarter="2024K1")
    assert (by_band.total, by_band.quarter, by_band.is_synthetic) == (15, "2024K1", True)


def test_a_place_cannot_be_in_two_clusters_at_once(demo_content):
    import datetime as dt

    from django.core.exceptions import ValidationError

    from sundhedsaftale.geography.services import area_membership_create

    midt = HealthCluster.objects.get(code="midt")
    horsholm = Municipality.objects.get(code="223")  # in Nord 2022-07-01..2026-12-31
    with pytest.raises(ValidationError) as caught:
        area_membership_create(cluster=midt, municipality=horsholm, by=None,
                               valid_from=dt.date(2026, 6, 1))
    assert "Nord" in str(caught.value)
    # København as a whole clashes with its districts; one district cannot be in two clusters.
    with pytest.raises(ValidationError):
        area_membership_create(cluster=midt, municipality=Municipality.objects.get(code="101"),
                               by=None, valid_from=dt.date(2024, 1, 1))
    with pytest.raises(ValidationError):
        area_membership_create(cluster=midt, district=District.objects.get(code="101-05"),
                               by=None, valid_from=dt.date(2024, 1, 1))
    # After Nord's period ends, Hørsholm may join another cluster.
    moved = area_membership_create(cluster=midt, municipality=horsholm, by=None,
                                   valid_from=dt.date(2027, 1, 1))
    assert moved.pk and AreaMembership.objects.filter(municipality=horsholm).count() == 2
