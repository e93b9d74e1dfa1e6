"""The FOLK1A-shaped population import: happy path, replacement, and refused files."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sundhedsaftale.core.demo import POPULATION_FILE
from sundhedsaftale.geography.models import PopulationCount
from sundhedsaftale.geography.services import PopulationImportError, population_import

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


def test_import_counts_rows_areas_and_provenance(demo_geography, tmp_path):
    result = population_import(path=write(tmp_path, GOOD_ROWS))
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


def test_reimporting_a_quarter_replaces_it(demo_geography, tmp_path):
    population_import(path=write(tmp_path, GOOD_ROWS))
    changed = [r.replace("Dragør;Mænd;1 år;2023K1;3", "Dragør;Mænd;1 år;2023K1;8")
               .replace("Alder i alt;2023K1;30", "Alder i alt;2023K1;35") for r in GOOD_ROWS]
    result = population_import(path=write(tmp_path, changed))
    assert result.replaced == 7
    assert PopulationCount.objects.count() == 7
    assert PopulationCount.objects.get(municipality__code="155", sex="M", age_from=1).count == 8


def test_another_quarter_is_kept_beside_the_first(demo_geography, tmp_path):
    population_import(path=write(tmp_path, GOOD_ROWS))
    population_import(path=write(tmp_path, [r.replace("2023K1", "2024K1") for r in GOOD_ROWS]))
    assert PopulationCount.objects.count() == 14


def test_demo_file_imports_every_area_and_adds_up(demo_geography):
    result = population_import(path=POPULATION_FILE)
    # region + 29 municipalities + 10 districts; 2 sexes x 101 ages per municipality/district.
    assert result.areas == 40
    assert result.rows == 1 + 39 * (1 + 2 * 101)
    assert result.real_rows == 20  # the region and 19 municipality totals quoted by DST


BAD_ROWS = [
    ("Dragør;Mænd;abc;2023K1;10;synthetic", "ALDER", "abc"),
    ("Dragør;Drenge;0 år;2023K1;10;synthetic", "KØN", "Drenge"),
    ("Atlantis;Mænd;0 år;2023K1;10;synthetic", "OMRÅDE", "Atlantis"),
    ("Dragør;Mænd;0 år;2023Q1;10;synthetic", "TID", "2023Q1"),
    ("Dragør;Mænd;0 år;2023K1;..;synthetic", "INDHOLD", ".."),
    ("Dragør;Mænd;0 år;2023K1;-4;synthetic", "INDHOLD", "-4"),
    ("Dragør;Mænd;0 år;2023K1;10;maybe", "KILDE", "maybe"),
]


def test_optional_certainty_column(demo_geography, tmp_path):
    header = HEADER + ";SIKKERHED"
    path = write(tmp_path, ["København;I alt;Alder i alt;2023K1;653664;real;U",
                            "Dragør;I alt;Alder i alt;2023K1;14609;real;"], header=header)
    population_import(path=path)
    assert PopulationCount.objects.get(municipality__code="101").is_uncertain
    assert not PopulationCount.objects.get(municipality__code="155").is_uncertain
    bad = write(tmp_path, ["Dragør;I alt;Alder i alt;2023K1;14609;real;maybe"], name="c.csv",
                header=header)
    with pytest.raises(PopulationImportError) as caught:
        population_import(path=bad)
    assert [(e.row, e.field) for e in caught.value.errors] == [(2, "SIKKERHED")]


@pytest.mark.parametrize(("bad_row", "field", "value"), BAD_ROWS)
def test_bad_row_refuses_whole_file_naming_file_row_and_field(demo_geography, tmp_path,
                                                             bad_row, field, value):
    population_import(path=write(tmp_path, GOOD_ROWS, name="earlier.csv"))
    before = list(PopulationCount.objects.order_by("pk").values_list("pk", "count"))
    # The bad row is the 17th line of the file (header + 15 rows before it).
    rows = [*GOOD_ROWS, *[r.replace("2023K1", "2024K1") for r in GOOD_ROWS],
            "Dragør;Mænd;2 år;2023K1;1;synthetic", bad_row]
    rows = [r.replace("Alder i alt;2023K1;30", "Alder i alt;2023K1;31") for r in rows]
    with pytest.raises(PopulationImportError) as caught:
        population_import(path=write(tmp_path, rows))
    message = str(caught.value)
    assert "population.csv" in message and "17" in message and field in message
    assert value in message
    assert [(e.row, e.field) for e in caught.value.errors] == [(17, field)]
    assert list(PopulationCount.objects.order_by("pk").values_list("pk", "count")) == before


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
        ]))
    errors = [(e.row, e.field) for e in caught.value.errors]
    assert errors == [(9, ""), (10, "")]
    assert "3" in caught.value.errors[0].message  # names the first occurrence
    rows = [r.replace("Alder i alt;2023K1;30", "Alder i alt;2023K1;29") for r in GOOD_ROWS]
    with pytest.raises(PopulationImportError) as caught:
        population_import(path=write(tmp_path, rows))
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
    result = population_import(path=path)
    assert result.real_rows == 1
    assert PopulationCount.objects.get(municipality__code="185").count == 400


def test_command_imports_and_reports_errors(demo_geography, tmp_path, capsys):
    call_command("import_population", str(write(tmp_path, GOOD_ROWS)))
    assert "7 rows" in capsys.readouterr().out
    with pytest.raises(CommandError) as caught:
        call_command("import_population", str(write(tmp_path, [BAD_ROWS[0][0]], name="bad.csv")))
    assert "bad.csv" in str(caught.value) and "ALDER" in str(caught.value)
    assert PopulationCount.objects.count() == 7


def test_command_check_validates_without_importing(demo_geography, tmp_path, capsys):
    call_command("import_population", str(write(tmp_path, GOOD_ROWS)), "--check")
    assert "7 rows" in capsys.readouterr().out
    assert PopulationCount.objects.count() == 0
    with pytest.raises(CommandError):
        call_command("import_population", str(write(tmp_path, [BAD_ROWS[1][0]])), "--check")
