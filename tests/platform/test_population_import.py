"""The FOLK1A-shaped population import: happy path, replacement, refused files, --check."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sundhedsaftale.core.demo import POPULATION_FILE
from sundhedsaftale.geography.models import AreaPopulation, Municipality, PopulationCount
from sundhedsaftale.geography.selectors import latest_quarter, population_totals
from sundhedsaftale.geography.services import (
    PopulationImportError,
    population_import,
    population_plan,
)

HEADER = "OMRÅDE;KØN;ALDER;TID;INDHOLD;KILDE"
GOOD_ROWS = [
    "Dragør;I alt;Alder i alt;2023K1;30;real",
    "Dragør;Mænd;0 år;2023K1;10;synthetic",
    "Dragør;Kvinder;0 år;2023K1;12;synthetic",
    "Dragør;Mænd;1 år;2023K1;3;synthetic",
    "Dragør;Kvinder;100 år og derover;2023K1;5;synthetic",
    "101-01;Mænd;40-44 år;2023K1;7;synthetic",
    "København - Østerbro;Kvinder;42 år;2023K1;9;synthetic",
]


def write(tmp_path: Path, rows: list[str], name: str = "population.csv",
          header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def every_municipality(quarter: str, count: int = 1000) -> list[str]:
    return [f"{name};I alt;Alder i alt;{quarter};{count};real"
            for name in Municipality.objects.order_by("name").values_list("name", flat=True)]


def snapshot() -> list[tuple]:
    return (list(PopulationCount.objects.order_by("pk").values_list("pk", "count"))
            + list(AreaPopulation.objects.order_by("pk").values_list("pk", "count")))


def test_import_counts_rows_areas_and_provenance(demo_geography, tmp_path):
    result = population_import(path=write(tmp_path, GOOD_ROWS), replace=True)
    assert (result.rows, result.areas, result.quarters) == (7, 3, ["2023K1"])
    assert (result.real_rows, result.synthetic_rows) == (1, 6)
    assert PopulationCount.objects.count() == 7
    osterbro = PopulationCount.objects.get(district__code="101-02")
    assert (osterbro.sex, osterbro.age_from, osterbro.age_to, osterbro.count) == ("K", 42, 42, 9)
    band = PopulationCount.objects.get(district__code="101-01")
    assert (band.age_from, band.age_to) == (40, 44)
    oldest = PopulationCount.objects.get(municipality__code="155", age_from=100)
    assert oldest.age_to is None and oldest.is_synthetic
    total = PopulationCount.objects.get(municipality__code="155", sex="T")
    assert total.age_from is None and not total.is_synthetic


def test_totals_per_area_and_quarter_are_kept_at_import(demo_geography, tmp_path):
    population_import(path=write(tmp_path, GOOD_ROWS), replace=True)
    dragor = AreaPopulation.objects.get(municipality__code="155", quarter="2023K1")
    assert (dragor.count, dragor.rows, dragor.is_synthetic) == (30, 5, False)
    # Men and women by age band (0-14, 15-24, 25-44, 45-64, 65-79, 80+), from the age rows.
    assert dragor.men_by_band == [13, 0, 0, 0, 0, 0]
    assert dragor.women_by_band == [12, 0, 0, 0, 0, 5]
    # No total row: the district's total is the sum of its rows.
    assert AreaPopulation.objects.get(district__code="101-01").count == 7


def test_reimporting_a_quarter_replaces_it(demo_geography, tmp_path):
    population_import(path=write(tmp_path, GOOD_ROWS), replace=True)
    changed = [r.replace("Dragør;Mænd;1 år;2023K1;3", "Dragør;Mænd;1 år;2023K1;8")
               .replace("Alder i alt;2023K1;30", "Alder i alt;2023K1;35") for r in GOOD_ROWS]
    result = population_import(path=write(tmp_path, changed), replace=True)
    assert result.replaced == 7
    assert PopulationCount.objects.count() == 7
    assert PopulationCount.objects.get(municipality__code="155", sex="M", age_from=1).count == 8
    assert AreaPopulation.objects.get(municipality__code="155").count == 35


def test_a_complete_file_again_replaces_without_replace(demo_geography, tmp_path):
    population_import(path=write(tmp_path, every_municipality("2023K1")))
    result = population_import(path=write(tmp_path, every_municipality("2023K1", 1200)))
    assert result.replaced == 29
    assert set(AreaPopulation.objects.values_list("count", flat=True)) == {1200}


def test_another_quarter_is_kept_beside_the_first(demo_geography, tmp_path):
    population_import(path=write(tmp_path, every_municipality("2023K1")))
    population_import(path=write(tmp_path, every_municipality("2024K1")))
    assert PopulationCount.objects.count() == 58
    assert latest_quarter() == "2024K1"


def test_demo_file_imports_every_area_and_adds_up(demo_geography):
    result = population_import(path=POPULATION_FILE)
    # region + 29 municipalities + 10 districts; 2 sexes x 101 ages per municipality/district.
    assert result.areas == 40
    assert result.rows == 1 + 39 * (1 + 2 * 101)
    assert result.real_rows == 20  # the region and 19 municipality totals quoted by DST
    assert AreaPopulation.objects.count() == 40
    assert latest_quarter() == "2023K1"


BAD_ROWS = [
    ("Dragør;Mænd;abc;2023K1;10;synthetic", "ALDER", "abc"),
    ("Dragør;Drenge;0 år;2023K1;10;synthetic", "KØN", "Drenge"),
    ("Atlantis;Mænd;0 år;2023K1;10;synthetic", "OMRÅDE", "Atlantis"),
    ("Dragør;Mænd;0 år;2023Q1;10;synthetic", "TID", "2023Q1"),
    ("Dragør;Mænd;0 år;2023K1;..;synthetic", "INDHOLD", ".."),
    ("Dragør;Mænd;0 år;2023K1;-4;synthetic", "INDHOLD", "-4"),
    ("Dragør;Mænd;0 år;2023K1;10;maybe", "KILDE", "maybe"),
    # Implausible values the first importer let through (or crashed on).
    ("Dragør;Mænd;0 år;2023K1;100000000000000000000;synthetic", "INDHOLD",
     "100000000000000000000"),
    ("Dragør;Mænd;0 år;0000K1;10;synthetic", "TID", "0000K1"),
    ("Dragør;Mænd;0 år;9999K4;10;synthetic", "TID", "9999K4"),
    ("Dragør;Mænd;999 år;2023K1;10;synthetic", "ALDER", "999 år"),
    ("Dragør;Mænd;0 år;2023K1;١٢;synthetic", "INDHOLD", "١٢"),  # Arabic-Indic digits
    ("Dragør;Mænd;４２ år;2023K1;10;synthetic", "ALDER", "４２ år"),  # full-width digits
    ("Drag\x00ør;Mænd;0 år;2023K1;10;synthetic", "OMRÅDE", "Drag\\x00ør"),
    ("Dragør;Mænd;0 år;2023K1;10;" + "x" * 300, "KILDE", "300"),
]


def test_optional_certainty_column(demo_geography, tmp_path):
    header = HEADER + ";SIKKERHED"
    path = write(tmp_path, ["København;I alt;Alder i alt;2023K1;653664;real;U",
                            "Dragør;I alt;Alder i alt;2023K1;14609;real;"], header=header)
    population_import(path=path, replace=True)
    assert PopulationCount.objects.get(municipality__code="101").is_uncertain
    assert not PopulationCount.objects.get(municipality__code="155").is_uncertain
    bad = write(tmp_path, ["Dragør;I alt;Alder i alt;2023K1;14609;real;maybe"], name="c.csv",
                header=header)
    with pytest.raises(PopulationImportError) as caught:
        population_import(path=bad, replace=True)
    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "SIKKERHED")]


@pytest.mark.parametrize(("bad_row", "field", "value"), BAD_ROWS)
def test_bad_row_refuses_whole_file_naming_file_row_and_field(demo_geography, tmp_path,
                                                             bad_row, field, value):
    population_import(path=write(tmp_path, GOOD_ROWS, name="earlier.csv"), replace=True)
    before = snapshot()
    # The bad row is the 17th line of the file (header + 15 rows before it).
    rows = [*GOOD_ROWS, *[r.replace("2023K1", "2024K1") for r in GOOD_ROWS],
            "Dragør;Mænd;2 år;2023K1;1;synthetic", bad_row]
    rows = [r.replace("Alder i alt;2023K1;30", "Alder i alt;2023K1;31") for r in rows]
    with pytest.raises(PopulationImportError) as caught:
        population_import(path=write(tmp_path, rows), replace=True)
    message = str(caught.value)
    assert "population.csv" in message and "17" in message and field in message
    assert value in message
    assert [(e.row, e.field) for e in caught.value.errors] == [(17, field)]
    assert snapshot() == before


def refused(path: Path, **kwargs: object) -> list[tuple[int, str]]:
    """Import `path`, expecting a refusal that leaves the database as it was."""
    before = snapshot()
    with pytest.raises(PopulationImportError) as caught:
        population_import(path=path, **kwargs)
    assert path.name in str(caught.value)
    assert snapshot() == before
    return [(e.row, e.field) for e in caught.value.errors]


def test_invalid_utf8_bytes_name_row_and_field(demo_geography, tmp_path):
    path = tmp_path / "bytes.csv"
    path.write_bytes(("\n".join([HEADER, *GOOD_ROWS]) + "\n").encode()
                     + b"Drag\xf8r;M\xe6nd;0 \xe5r;2023K1;10;synthetic\n")
    assert refused(path, replace=True) == [(9, "OMRÅDE")]


def test_a_line_of_megabytes_is_refused_without_reading_it_whole(demo_geography, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("\n".join([HEADER, *GOOD_ROWS, "Dragør;" + "x" * 200_000 + ";0 år;2023K1;1;"
                               "real", "Tårnby;Mænd;2 år;2023K1;1;real"]) + "\n",
                    encoding="utf-8")
    assert refused(path, replace=True) == [(9, "KØN")]


def test_duplicated_header_column_and_repeated_header_row(demo_geography, tmp_path):
    twice = write(tmp_path, GOOD_ROWS, name="twice.csv", header=HEADER + ";INDHOLD")
    assert refused(twice, replace=True) == [(1, "INDHOLD")]
    joined = write(tmp_path, [*GOOD_ROWS, HEADER, *GOOD_ROWS], name="joined.csv")
    errors = refused(joined, replace=True)
    assert errors[0] == (9, "")  # the header again; then every row repeated is a duplicate
    assert all(row > 9 for row, _field in errors[1:])


def test_several_errors_are_all_reported(demo_geography, tmp_path):
    with pytest.raises(PopulationImportError) as caught:
        population_import(path=write(tmp_path, [
            "Dragør;Mænd;abc;2023K1;10;real", "Dragør;Mænd;1 år;20231;x;real"]))
    assert [(e.row, e.field) for e in caught.value.errors] == [
        (2, "ALDER"), (3, "TID"), (3, "INDHOLD")]
    assert PopulationCount.objects.count() == 0


def test_duplicate_row_wrong_column_count_and_bad_total_are_refused(demo_geography, tmp_path):
    with pytest.raises(PopulationImportError) as caught:
        population_import(path=write(tmp_path, [
            *GOOD_ROWS,
            "Dragør;Mænd;0 år;2023K1;11;synthetic",  # duplicate of row 3
            "Dragør;Mænd;0 år;2023K1",               # too few columns
        ]), replace=True)
    errors = [(e.row, e.field) for e in caught.value.errors]
    assert errors == [(9, ""), (10, "")]
    rows = [r.replace("Alder i alt;2023K1;30", "Alder i alt;2023K1;29") for r in GOOD_ROWS]
    with pytest.raises(PopulationImportError) as caught:
        population_import(path=write(tmp_path, rows), replace=True)
    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "INDHOLD")]
    assert PopulationCount.objects.count() == 0


def test_missing_column_is_refused(demo_geography, tmp_path):
    path = write(tmp_path, ["Dragør;Mænd;0 år;2023K1"], header="OMRÅDE;KØN;ALDER;TID")
    with pytest.raises(PopulationImportError) as caught:
        population_import(path=path)
    assert "INDHOLD" in str(caught.value) and "population.csv" in str(caught.value)


def test_windows_1252_file_without_kilde_column_is_read_as_real(demo_geography, tmp_path):
    path = tmp_path / "dst.csv"
    path.write_bytes("OMRÅDE;KØN;ALDER;TID;INDHOLD\nTårnby;Kvinder;7 år;2023K1;400\n"
                     .encode("cp1252"))
    result = population_import(path=path, replace=True)
    assert result.real_rows == 1
    assert PopulationCount.objects.get(municipality__code="185").count == 400


# --- partial quarters -------------------------------------------------------------------------


def test_a_new_quarter_must_cover_every_municipality(demo_geography, tmp_path):
    population_import(path=write(tmp_path, every_municipality("2023K1")))
    small = write(tmp_path, ["Dragør;I alt;Alder i alt;2024K1;14000;real"], name="small.csv")
    assert refused(small) == [(2, "TID")]
    # Given --replace it is imported, but the portal keeps showing the complete quarter.
    population_import(path=small, replace=True)
    assert latest_quarter() == "2023K1"
    totals = population_totals()
    assert totals.quarter == "2023K1"
    assert len(totals.municipalities) == 29


def test_a_one_row_file_does_not_silently_replace_an_areas_quarter(demo_geography, tmp_path):
    population_import(path=write(tmp_path, GOOD_ROWS), replace=True)
    one_row = write(tmp_path, ["Dragør;I alt;Alder i alt;2023K1;31;real"], name="one.csv")
    assert refused(one_row) == [(2, "OMRÅDE")]
    with pytest.raises(PopulationImportError) as caught:
        population_plan(path=one_row)
    assert "Dragør" in str(caught.value) and "4" in str(caught.value)  # 4 rows would go
    result = population_import(path=one_row, replace=True)
    assert result.replaced == 5
    assert PopulationCount.objects.filter(municipality__code="155").count() == 1


# --- --check predicts the import; the command prints the plan first --------------------------


def test_check_predicts_exactly_what_the_import_does(demo_geography, tmp_path):
    population_import(path=write(tmp_path, GOOD_ROWS), replace=True)
    rows = [*[r.replace(";3;", ";4;").replace(";30;", ";31;") for r in GOOD_ROWS[:5]],
            "Dragør;Kvinder;1 år;2023K1;0;synthetic", *GOOD_ROWS[5:6],
            "Tårnby;I alt;Alder i alt;2023K1;43000;real"]
    path = write(tmp_path, rows, name="update.csv")
    plan = population_plan(path=path, replace=True)
    predicted = {(g.quarter, g.area_name): (g.rows, g.existing_rows) for g in plan.groups}
    assert predicted == {("2023K1", "Dragør"): (6, 5),
                         ("2023K1", "København - Indre By"): (1, 1),
                         ("2023K1", "Tårnby"): (1, 0)}
    assert (plan.rows, plan.replaced) == (8, 6)
    before = PopulationCount.objects.count()
    result = population_import(path=path, replace=True, plan=plan)
    assert result.replaced == plan.replaced
    assert PopulationCount.objects.count() == before - plan.replaced + plan.rows
    # Østerbro was not in the file: kept.
    assert PopulationCount.objects.filter(district__code="101-02").count() == 1


def test_an_import_is_refused_if_the_database_changed_since_the_check(demo_geography, tmp_path):
    path = write(tmp_path, GOOD_ROWS)
    plan = population_plan(path=path, replace=True)
    population_import(path=write(tmp_path, GOOD_ROWS[1:3], name="first.csv"), replace=True)
    assert refused(path, replace=True, plan=plan) == [(0, "")]


def test_an_import_is_refused_if_the_file_changed_since_the_check(demo_geography, tmp_path):
    path = write(tmp_path, GOOD_ROWS)
    plan = population_plan(path=path, replace=True)
    write(tmp_path, [r.replace(";10;", ";11;") for r in GOOD_ROWS])
    assert refused(path, replace=True, plan=plan) == [(0, "")]


def test_command_prints_the_plan_then_imports(demo_geography, tmp_path, capsys):
    path = write(tmp_path, GOOD_ROWS)
    call_command("import_population", str(path), "--check", "--replace")
    checked = capsys.readouterr().out
    assert "7" in checked and "nothing imported" in checked.lower()
    assert PopulationCount.objects.count() == 0
    call_command("import_population", str(path), "--replace")
    imported = capsys.readouterr().out
    plan_lines = [line for line in checked.splitlines() if "nothing imported" not in line.lower()]
    assert imported.splitlines()[:len(plan_lines)] == plan_lines
    assert "7 rows imported" in imported
    call_command("import_population", str(path), "--check", "--replace")
    again = capsys.readouterr().out
    assert "2023K1 Dragør: 5 rows replace 5 existing rows" in again


def test_command_reports_errors_without_a_traceback(demo_geography, tmp_path):
    with pytest.raises(CommandError) as caught:
        call_command("import_population", str(write(tmp_path, [BAD_ROWS[0][0]], name="bad.csv")))
    assert "bad.csv" in str(caught.value) and "ALDER" in str(caught.value)
    with pytest.raises(CommandError) as caught:
        call_command("import_population", str(tmp_path / "missing.csv"))
    assert "missing.csv" in str(caught.value)
    partial = write(tmp_path, GOOD_ROWS, name="partial.csv")
    with pytest.raises(CommandError) as caught:
        call_command("import_population", str(partial), "--check")
    assert "--replace" in str(caught.value)
    assert PopulationCount.objects.count() == 0


def test_the_list_and_cluster_reads_follow_the_latest_complete_quarter(demo_geography, tmp_path):
    # municipality_list and cluster_overview read the population with their own SQL: the
    # same quarter as latest_quarter(), the same figures as population_totals().
    import datetime

    from sundhedsaftale.geography.selectors import cluster_overview, municipality_list

    on = datetime.date(2025, 6, 1)
    population_import(path=write(tmp_path, every_municipality("2023K1")))
    population_import(path=write(tmp_path, every_municipality("2024K1", 1200)))
    assert {r.population for r in municipality_list(on=on)} == {1200}
    small = write(tmp_path, ["Dragør;I alt;Alder i alt;2024K2;14000;real"], name="small.csv")
    population_import(path=small, replace=True)  # a partial quarter is not shown
    rows = municipality_list(on=on)
    totals = population_totals()
    assert totals.quarter == latest_quarter() == "2024K1"
    assert {r.municipality.pk: r.population for r in rows} == {
        pk: total.count for pk, total in totals.municipalities.items()}
    summary, table = cluster_overview(code="syd", on=on)
    assert summary.quarter == "2024K1" and table.quarter == "2024K1"
    whole = [a for a in summary.areas if a.is_whole]
    assert whole and all(a.population == 1200 for a in whole)
