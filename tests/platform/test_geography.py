"""Clusters, dated memberships and population selectors on the demo organisation."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

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
    municipality_list_with_clusters,
    population_by_age_band,
    population_total,
)

IN_PERIOD = datetime.date(2024, 6, 1)


def row_for(rows, code):
    return next(r for r in rows if r.code == code)


def test_kobenhavn_belongs_to_byen_and_syd_split_by_district(demo_content):
    rows = municipality_list_with_clusters(on=IN_PERIOD)
    kbh = row_for(rows, "101")
    assert [c.code for c in kbh.clusters] == ["byen", "syd"]
    assert kbh.is_split
    assert {d.code for d in kbh.districts_by_cluster["byen"]} == {
        "101-01", "101-02", "101-03", "101-06", "101-07", "101-08"}
    assert {d.code for d in kbh.districts_by_cluster["syd"]} == {
        "101-04", "101-05", "101-09", "101-10"}
    # Every other municipality is in exactly one cluster.
    assert all(len(r.clusters) == 1 for r in rows if r.code != "101")
    assert row_for(rows, "400").clusters[0].code == "bornholm"


def test_cluster_detail_lists_whole_municipalities_and_districts(demo_content):
    byen = cluster_detail(code="byen", on=IN_PERIOD)
    assert [m.code for m in byen.municipalities] == ["147"]
    assert len(byen.districts) == 6
    assert [m.code for m in byen.split_municipalities] == ["101"]
    assert byen.cluster.hospital.name == "Bispebjerg og Frederiksberg Hospital"
    midt = cluster_detail(code="midt", on=IN_PERIOD)
    assert len(midt.municipalities) == 9 and midt.districts == []


def test_membership_outside_its_dates_is_not_returned(demo_content):
    # The clusters' memberships run 2022-07-01 .. 2026-12-31.
    assert municipality_list_with_clusters(on=datetime.date(2022, 6, 30))[0].clusters == []
    assert cluster_detail(code="nord", on=datetime.date(2027, 1, 1)).municipalities == []
    assert cluster_detail(code="nord", on=datetime.date(2026, 12, 31)).municipalities


def test_a_health_council_from_2027_is_added_as_data(demo_content):
    region = Region.objects.get(code="1084")
    council = HealthCluster.objects.create(
        code="sundhedsraad-nord", name="Sundhedsråd Nord (eksempel)",
        kind=HealthCluster.Kind.HEALTH_COUNCIL, region=region,
        valid_from=datetime.date(2027, 1, 1))
    horsholm = Municipality.objects.get(code="223")
    AreaMembership.objects.create(cluster=council, municipality=horsholm,
                                  valid_from=datetime.date(2027, 1, 1))
    before = row_for(municipality_list_with_clusters(on=datetime.date(2026, 12, 31)), "223")
    after = row_for(municipality_list_with_clusters(on=datetime.date(2027, 1, 2)), "223")
    assert [c.code for c in before.clusters] == ["nord"]
    assert [c.code for c in after.clusters] == ["sundhedsraad-nord"]
    assert [c.code for c in cluster_list(on=datetime.date(2027, 1, 2))] == ["sundhedsraad-nord"]


def test_membership_needs_exactly_one_of_municipality_and_district(demo_content):
    cluster = HealthCluster.objects.get(code="byen")
    with pytest.raises(IntegrityError), transaction.atomic():
        AreaMembership.objects.create(cluster=cluster)
    with pytest.raises(IntegrityError), transaction.atomic():
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
    assert population_total(region=region).count == 1_891_871
    rows = municipality_list_with_clusters(on=IN_PERIOD)
    assert sum(r.population.count for r in rows) == 1_891_871
    kbh = row_for(rows, "101")
    assert kbh.population.count == 653_664 and not kbh.population.is_synthetic
    assert kbh.population.is_uncertain  # the quoted figure is marked [U]
    assert not row_for(rows, "157").population.is_uncertain  # Gentofte: real and verified
    assert row_for(rows, "219").population.is_synthetic  # Hillerød: invented total
    districts = sum(population_total(district=d).count
                    for d in District.objects.filter(municipality__code="101"))
    assert districts == 653_664
    byen = cluster_detail(code="byen", on=IN_PERIOD).population
    byen_expected = 104_664 + sum(
        population_total(district=d).count
        for d in District.objects.filter(cluster_memberships__cluster__code="byen"))
    assert byen.count == byen_expected


def test_population_by_age_band_and_sex(demo_population):
    gentofte = Municipality.objects.get(code="157")
    pyramid = population_by_age_band(municipality=gentofte, band_width=10, top=90)
    assert [r.label for r in pyramid.rows][:2] == ["0-9 år", "10-19 år"]
    assert pyramid.rows[-1].label == "90+ år"
    assert pyramid.total == 74_838
    assert pyramid.is_synthetic
    assert pyramid.men > 0 and pyramid.women > 0
    syd = population_by_age_band(cluster=HealthCluster.objects.get(code="syd"), on=IN_PERIOD)
    assert syd.total == cluster_detail(code="syd", on=IN_PERIOD).population.count


def test_population_without_total_rows_is_the_sum_of_its_rows(demo_content, tmp_path):
    from sundhedsaftale.geography.services import population_import

    path = tmp_path / "bands.csv"
    path.write_text("OMRÅDE;KØN;ALDER;TID;INDHOLD;KILDE;SIKKERHED\n"
                    "Dragør;Mænd;0-4 år;2024K1;5;synthetic;\n"
                    "Dragør;Kvinder;0-4 år;2024K1;6;synthetic;\n"
                    "101-05;Mænd;3 år;2024K1;4;real;U\n", encoding="utf-8")
    population_import(path=path)
    syd = population_total(cluster=HealthCluster.objects.get(code="syd"), on=IN_PERIOD)
    assert (syd.count, syd.quarter, syd.is_synthetic, syd.certainty) == (15, "2024K1", True, "U")
    dragor = row_for(municipality_list_with_clusters(on=IN_PERIOD), "155").population
    assert (dragor.count, dragor.is_synthetic) == (11, True)
    assert population_total(district=District.objects.get(code="101-05")).is_uncertain


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
