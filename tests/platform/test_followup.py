"""The followup app: import of engine runs, catalogue, pages, downloads, API, goals,
initiative progress and status reports."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re

import pyarrow.parquet as pq
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.template import Context, Template

from sundhedsaftale.access.models import Role
from sundhedsaftale.access.services import role_grant
from sundhedsaftale.agreements.models import Agreement, Goal, Initiative
from sundhedsaftale.core.audit import events_for_object
from sundhedsaftale.core.models import AuditEvent
from sundhedsaftale.followup import services
from sundhedsaftale.followup.importer import ResultFileError
from sundhedsaftale.followup.models import (
    Indicator,
    ProgressEntry,
    Result,
    Run,
    StatusReport,
)
from sundhedsaftale.geography.models import HealthCluster, Municipality, Region

from .followup_fixtures import manifest, row, standard_rows, write_results

ENGINE_IDS = [
    "readmission_somatic_30d", "readmission_psychiatric_30d", "preventable_admissions_65plus",
    "discharge_ready_days_somatic", "discharge_ready_days_psychiatric",
    "acute_admissions_copd", "acute_admissions_type2_diabetes",
]


def danish(value: float, decimals: int = 1) -> str:
    return f"{value:,.{decimals}f}".replace(",", "X").replace(".", ",").replace("X", ".")


@pytest.fixture
def published(demo_content, tmp_path):
    path = write_results(tmp_path / "results.parquet")
    run = services.run_import(path=path, label="Testkørsel", by=None).run
    services.run_publish(run=run, by=None)
    return run, path


def _state() -> tuple[int, int, int, int]:
    return (Run.objects.count(), Result.objects.count(), AuditEvent.objects.count(),
            Indicator.objects.count())


# --- import -----------------------------------------------------------------------------


def test_import_stores_the_rows_of_the_file(demo_content, tmp_path):
    path = write_results(tmp_path / "r.parquet")
    outcome = services.run_import(path=path, label="Test", by=None)
    run = outcome.run
    table = pq.read_table(path).to_pylist()
    assert outcome.created and run.row_count == len(table)
    assert run.hidden_count == sum(1 for r in table if r["suppressed"])
    assert run.definitions["readmission_somatic_30d"] == Indicator.objects.get(
        code="readmission_somatic_30d").definition_version
    assert run.period_first == datetime.date(2022, 1, 1)
    stored = {(r.level, r.code, r.grain, r.period_start): r for r in Result.objects.filter(run=run)}
    for r in table:
        db = stored[(r["geo_level"], r["geo_code"], r["period_grain"], r["period_start"])]
        assert db.suppressed == r["suppressed"]
        assert db.value == r["value"] and db.numerator == r["numerator"]
    assert AuditEvent.objects.filter(action="followup.run.import").count() == 1


def test_importing_the_same_file_twice_changes_nothing(demo_content, tmp_path):
    path = write_results(tmp_path / "r.parquet")
    services.run_import(path=path, label="Første", by=None)
    before = _state()
    outcome = services.run_import(path=path, label="Anden", by=None)
    assert not outcome.created and outcome.run.label == "Første"
    assert _state() == before


@pytest.mark.parametrize("column", ["numerator", "denominator"])
def test_a_published_count_of_1_to_4_refuses_the_whole_file(demo_content, tmp_path, column):
    services.catalogue_sync(by=None)
    rows = standard_rows()
    bad = row(start=datetime.date(2024, 1, 1), level="municipality", code="153",
              numerator=3 if column == "numerator" else 40,
              denominator=4 if column == "denominator" else 400)
    rows = [r for r in rows if not (r["geo_code"] == "153" and r["period_start"].year == 2024
                                    and r["period_grain"] == "year")] + [bad]
    path = write_results(tmp_path / "bad.parquet", rows)
    before = _state()
    with pytest.raises(ResultFileError) as info:
        services.run_import(path=path, label="Dårlig", by=None)
    message = str(info.value)
    assert "bad.parquet" in message and f"kolonne {column}" in message and "1-4" in message
    assert "række" in message
    assert _state() == before


def test_the_command_refuses_a_bad_file_with_exit_code_2(demo_content, tmp_path, capsys):
    services.catalogue_sync(by=None)
    rows = standard_rows() + [row(start=datetime.date(2021, 1, 1), level="region", code="1084",
                                  numerator=2, denominator=900)]
    path = write_results(tmp_path / "bad.parquet", rows)
    before = _state()
    with pytest.raises(SystemExit) as exit_info:
        call_command("followup", "import", str(path), "--label", "x")
    assert exit_info.value.code == 2
    assert "1-4" in capsys.readouterr().err
    assert _state() == before


@pytest.mark.parametrize("case, expected", [
    ("no_manifest", "manifest"),
    ("audit_failed", "audit.passed"),
    ("number_on_hidden", "diskretioneret række har et tal"),
    ("unknown_indicator", "ukendt indikator"),
    ("unknown_code", "kendt område"),
    ("version_mismatch", "står ikke i manifestet"),
])
def test_files_breaking_the_contract_are_refused(demo_content, tmp_path, case, expected):
    services.catalogue_sync(by=None)
    rows = standard_rows()
    meta: object = True
    if case == "no_manifest":
        meta = False
    elif case == "audit_failed":
        meta = manifest(audit={"passed": False})
    elif case == "number_on_hidden":
        hidden = next(r for r in rows if r["suppressed"])
        hidden["value"] = 12.5
    elif case == "unknown_indicator":
        rows.append(row("made_up_indicator", start=datetime.date(2024, 1, 1), level="region",
                        code="1084", numerator=10, denominator=100))
    elif case == "unknown_code":
        rows.append(row(start=datetime.date(2024, 1, 1), level="municipality", code="999",
                        numerator=10, denominator=100))
    elif case == "version_mismatch":
        rows[0]["definition_version"] = "7"
    path = write_results(tmp_path / "f.parquet", rows, meta=meta)  # type: ignore[arg-type]
    before = _state()
    with pytest.raises(ResultFileError) as info:
        services.run_import(path=path, label="x", by=None)
    assert expected in str(info.value)
    assert _state()[:2] == before[:2]


def test_publish_and_withdraw_are_audited_transitions(demo_content, tmp_path,
                                                      secretariat_user, reader_user):
    run = services.run_import(path=write_results(tmp_path / "r.parquet"), label="T",
                              by=None).run
    with pytest.raises(PermissionDenied):
        services.run_publish(run=run, by=reader_user)
    services.run_publish(run=run, by=secretariat_user)
    with pytest.raises(ValidationError):
        services.run_publish(run=run, by=secretariat_user)
    services.run_withdraw(run=run, by=secretariat_user, reason="fejl i data")
    run.refresh_from_db()
    assert run.status == Run.Status.WITHDRAWN
    actions = list(events_for_object(run).order_by("pk").values_list("action", flat=True))
    assert actions == ["followup.run.import", "followup.run.publish", "followup.run.withdraw"]


def test_only_the_published_run_is_shown(demo_content, tmp_path, client):
    run = services.run_import(path=write_results(tmp_path / "r.parquet"), label="T",
                              by=None).run
    page = client.get("/opfoelgning/readmission_somatic_30d/?niveau=region")
    assert "Der er ingen offentliggjorte tal" in page.content.decode()
    services.run_publish(run=run, by=None)
    page = client.get("/opfoelgning/readmission_somatic_30d/?niveau=region")
    assert danish(100.0 * 904 / 10000) in page.content.decode()
    services.run_withdraw(run=run, by=None)
    page = client.get("/opfoelgning/readmission_somatic_30d/?niveau=region")
    assert danish(100.0 * 904 / 10000) not in page.content.decode()


# --- catalogue --------------------------------------------------------------------------


def test_catalogue_lists_every_engine_indicator_with_documentation(demo_content, client):
    services.catalogue_sync(by=None)
    html = client.get("/opfoelgning/").content.decode()
    for code in ENGINE_IDS:
        indicator = Indicator.objects.get(code=code)
        assert f"/opfoelgning/{code}/" in html
        assert indicator.purpose and indicator.purpose in html.replace("&#x27;", "'")
        assert indicator.numerator_text and indicator.denominator_text
        assert indicator.national_goal in html


def test_sync_keeps_the_secretariats_texts(demo_content, secretariat_user):
    services.catalogue_sync(by=None)
    indicator = Indicator.objects.get(code="readmission_somatic_30d")
    services.indicator_document(indicator=indicator, by=secretariat_user, caveats="Ny tekst")
    result = services.catalogue_sync(by=None)
    indicator.refresh_from_db()
    assert indicator.caveats == "Ny tekst" and result.created == 0


def test_reported_indicator_values_are_marked_reported(demo_content, secretariat_user, client):
    indicator = services.reported_indicator_create(
        by=secretariat_user, code="lup_test", title="LUP-test", unit="percent")
    services.reported_value_set(by=secretariat_user, indicator=indicator,
                                period_start=datetime.date(2024, 1, 1), level="region",
                                code="1084", value=61.5)
    with pytest.raises(ValidationError):
        services.reported_value_set(by=secretariat_user, indicator=indicator,
                                    period_start=datetime.date(2024, 1, 1), level="region",
                                    code="9999", value=1.0)
    html = client.get("/opfoelgning/lup_test/?niveau=region").content.decode()
    assert "61,5" in html and "Indberettede tal" in html


# --- pages: numbers equal the file's ----------------------------------------------------


@pytest.mark.parametrize("level_key, level", [("region", "region"), ("klynge", "cluster"),
                                              ("kommune", "municipality")])
def test_indicator_page_numbers_equal_the_files(published, client, level_key, level):
    _run, path = published
    table = [r for r in pq.read_table(path).to_pylist()
             if r["geo_level"] == level and r["period_grain"] == "year"
             and r["period_start"].year == 2024 and r["indicator_id"] == "readmission_somatic_30d"]
    html = client.get(f"/opfoelgning/readmission_somatic_30d/?niveau={level_key}&tid=aar"
                      ).content.decode()
    for r in table:
        if r["suppressed"]:
            continue
        assert danish(r["value"]) in html
        assert f"{danish(r['ci_low'])}–{danish(r['ci_high'])}" in html
    standardised = client.get(f"/opfoelgning/readmission_somatic_30d/?niveau={level_key}"
                              "&tid=aar&maal=std").content.decode()
    for r in table:
        if not r["suppressed"]:
            assert danish(r["value_std"]) in standardised


def test_quarter_grain_and_charts(published, client):
    html = client.get("/opfoelgning/readmission_somatic_30d/?niveau=kommune&tid=kvartal"
                      ).content.decode()
    assert "2024 K1" in html and "2024 K2" in html
    assert html.count("<table") >= 2
    for kind in ("udvikling", "sammenligning", "tragt"):
        svg = client.get(f"/opfoelgning/readmission_somatic_30d/graf/{kind}.svg"
                         "?niveau=kommune&tid=aar")
        assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")
        body = svg.content.decode()
        assert "<title" in body and "<desc" in body


def _hidden_row(html: str, name: str) -> str:
    start = html.index(f'<th scope="row">{name}</th>')
    return html[start:html.index("</tr>", start)]


def test_no_hidden_cell_appears_as_a_number(published, client):
    html = client.get("/opfoelgning/readmission_somatic_30d/?niveau=kommune&tid=aar"
                      ).content.decode()
    hidden = _hidden_row(html, Municipality.objects.get(code="151").name)
    assert "diskretioneret" in hidden and not any(ch.isdigit() for ch in
                                                  hidden.split("</th>", 1)[1].replace(
                                                      "151", ""))
    assert "1–4 hændelser" in html
    body = client.get("/opfoelgning/readmission_somatic_30d/data.csv?niveau=kommune&tid=aar"
                      ).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    hidden_rows = [r for r in rows if r["kode"] == "151" and r["periode"] == "2024"]
    assert hidden_rows and all(r["værdi"] == "" and r["tæller"] == "" and r["nævner"] == ""
                               and r["ci_nedre"] == "" and r["diskretioneret"] for r in
                               hidden_rows)
    from openpyxl import load_workbook

    xlsx = client.get("/opfoelgning/readmission_somatic_30d/data.xlsx?niveau=kommune&tid=aar")
    book = load_workbook(io.BytesIO(xlsx.content))
    data = list(book["Data"].iter_rows(values_only=True))
    header = data[0]
    for values in data[1:]:
        record = dict(zip(header, values, strict=True))
        if record["kode"] == "151" and record["periode"] == "2024":
            assert all(record[c] is None for c in ("værdi", "ci_nedre", "ci_øvre", "tæller",
                                                   "nævner"))
            assert record["diskretioneret"] == "diskretioneret"
    meta = dict(book["Metadata"].iter_rows(values_only=True))
    assert meta["definitionsversion"] == Indicator.objects.get(
        code="readmission_somatic_30d").definition_version
    assert "1–4" in meta["diskretioneret"]
    api = client.get("/api/v1/opfoelgning/resultater?indicator=readmission_somatic_30d"
                     "&level=municipality&code=151").json()
    hidden_api = [r for r in api if r["period"] == "2024"]
    assert hidden_api == [{**hidden_api[0], "value": None, "ci_low": None, "ci_high": None,
                           "numerator": None, "denominator": None, "suppressed": True}]


# --- API --------------------------------------------------------------------------------


def test_api_catalogue_runs_results_and_schema(published, client):
    run, _path = published
    catalogue = client.get("/api/v1/opfoelgning/indikatorer").json()
    assert {i["id"] for i in catalogue} >= set(ENGINE_IDS)
    runs = client.get("/api/v1/opfoelgning/koersler").json()
    assert [r["checksum"] for r in runs] == [run.checksum]
    region = client.get("/api/v1/opfoelgning/resultater?indicator=readmission_somatic_30d"
                        "&level=region&grain=year&period_from=2024-01-01").json()
    assert len(region) == 1 and region[0]["value"] == pytest.approx(100.0 * 904 / 10000)
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/opfoelgning/resultater" in schema["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "/api/v1/opfoelgning/resultater" in docs
    assert 'src="http' not in docs and "swagger" not in docs.lower()


def test_api_hides_withdrawn_runs(published, client):
    run, _path = published
    services.run_withdraw(run=run, by=None)
    assert client.get("/api/v1/opfoelgning/koersler").json() == []
    assert client.get("/api/v1/opfoelgning/resultater?indicator=readmission_somatic_30d"
                      ).json() == []


# --- area sections, goals ---------------------------------------------------------------


def test_cluster_section_shows_area_beside_region(published):
    html = Template('{% load followup %}{% followup_area "cluster" "syd" %}').render(Context())
    assert "Opfølgning" in html and "2024" in html
    assert danish(100.0 * (150 + 7 + 4) / 2100) in html   # syd, 2024
    assert danish(100.0 * 904 / 10000) in html             # the region, 2024


def test_goal_section_shows_baseline_target_and_latest(published):
    goal = Goal.objects.filter(agreement__slug="2024-2027").first()
    indicator = Indicator.objects.get(code="readmission_somatic_30d")
    services.measure_set(by=None, goal=goal, indicator=indicator, direction="down",
                         baseline_year=2022, baseline_value=9.2, target_value=8.5,
                         target_year=2026)
    html = Template("{% load followup %}{% followup_goal goal %}").render(
        Context({"goal": goal}))
    assert "9,2 (2022)" in html and "8,5 (2026)" in html
    assert danish(100.0 * 904 / 10000) in html
    assert "På rette vej" in html or "Ikke på rette vej" in html or "Målet er nået" in html


def test_the_public_goal_page_shows_its_measures(published, client):
    # The goal page renders the published version; its follow-up section is the live goal's.
    import io

    from sundhedsaftale.agreements import demo as agreements_demo

    agreements_demo.load(stdout=io.StringIO())  # publishes version 2022-1 of 2024-2027
    goal = Goal.objects.filter(agreement__slug="2024-2027").first()
    indicator = Indicator.objects.get(code="readmission_somatic_30d")
    services.measure_set(by=None, goal=goal, indicator=indicator, direction="down",
                         baseline_year=2022, baseline_value=9.2, target_value=8.5,
                         target_year=2026)
    html = client.get(f"/aftaler/2024-2027/maal/{goal.slug}/").content.decode()
    assert "Opfølgning på målet" in html
    assert "9,2 (2022)" in html and "8,5 (2026)" in html


# --- initiatives ------------------------------------------------------------------------


@pytest.fixture
def owned_initiative(demo_content):
    return Initiative.objects.filter(owner_cluster__code="syd").first()


def test_owners_staff_add_progress_only_for_their_own_initiatives(
        demo_content, django_user_model, owned_initiative, secretariat_user):
    other = Initiative.objects.exclude(owner_cluster__code="syd").exclude(
        owner_cluster__isnull=True).first()
    syd = HealthCluster.objects.get(code="syd")
    editor = django_user_model.objects.create_user(username="syd-redaktoer")
    role_grant(user=editor, role=Role.EDITOR, organisation=syd, by=None)
    services.progress_add(by=editor, initiative=owned_initiative,
                          date=datetime.date(2026, 1, 5), text="Møde holdt", percent=20)
    with pytest.raises(PermissionDenied):
        services.progress_add(by=editor, initiative=other, date=datetime.date(2026, 1, 5),
                              text="Ikke min")
    reader = django_user_model.objects.create_user(username="syd-laeser")
    role_grant(user=reader, role=Role.READER, organisation=syd, by=None)
    with pytest.raises(PermissionDenied):
        services.progress_add(by=reader, initiative=owned_initiative,
                              date=datetime.date(2026, 1, 5), text="Læser")
    services.progress_add(by=secretariat_user, initiative=other,
                          date=datetime.date(2026, 1, 5), text="Sekretariatet")
    assert ProgressEntry.objects.filter(initiative=owned_initiative).count() == 1


def test_a_municipalitys_user_acts_only_for_its_own_municipality(
        demo_content, django_user_model, owned_initiative):
    gentofte, gladsaxe = Municipality.objects.get(code="157"), Municipality.objects.get(
        code="159")
    services.initiative_owner_add(by=None, initiative=owned_initiative, municipality=gentofte)
    own = django_user_model.objects.create_user(username="gentofte")
    role_grant(user=own, role=Role.EDITOR, organisation=gentofte, by=None)
    foreign = django_user_model.objects.create_user(username="gladsaxe")
    role_grant(user=foreign, role=Role.EDITOR, organisation=gladsaxe, by=None)
    services.progress_add(by=own, initiative=owned_initiative, date=datetime.date(2026, 2, 1),
                          text="Kommunens bidrag")
    with pytest.raises(PermissionDenied):
        services.progress_add(by=foreign, initiative=owned_initiative,
                              date=datetime.date(2026, 2, 1), text="Ikke vores")


def test_progress_form_for_owner_and_refused_for_others(demo_content, django_user_model,
                                                        owned_initiative, client):
    syd = HealthCluster.objects.get(code="syd")
    editor = django_user_model.objects.create_user(username="syd-form")
    role_grant(user=editor, role=Role.EDITOR, organisation=syd, by=None)
    client.force_login(editor)
    url = f"/opfoelgning/indsatser/{owned_initiative.pk}/fremdrift/"
    assert client.post(url, {"text": "", "percent": "10"}).status_code == 200
    response = client.post(url, {"text": "Workshop holdt", "percent": "30",
                                 "date": "2026-01-10"})
    assert response.status_code == 302
    assert ProgressEntry.objects.get(initiative=owned_initiative).percent == 30
    other = Initiative.objects.exclude(pk=owned_initiative.pk).first()
    assert client.get(f"/opfoelgning/indsatser/{other.pk}/fremdrift/").status_code == 403


def test_overdue_and_stale_initiatives_are_flagged(demo_content):
    from sundhedsaftale.followup.selectors import goal_progress

    initiative = Initiative.objects.filter(status="ongoing", end_date__isnull=False).first()
    progress = goal_progress(goal=initiative.goal, today=initiative.end_date
                             + datetime.timedelta(days=1))
    item = next(p for p in progress.initiatives if p.initiative.pk == initiative.pk)
    assert item.overdue and item.stale
    assert progress.overdue_count >= 1


# --- status reports ---------------------------------------------------------------------


def test_final_status_issued_is_unchanged_by_a_later_import(published, tmp_path, client,
                                                             secretariat_user):
    agreement = Agreement.objects.get(slug="2024-2027")
    goal = Goal.objects.filter(agreement=agreement, focus_area__isnull=False).first()
    indicator = Indicator.objects.get(code="readmission_somatic_30d")
    services.measure_set(by=None, goal=goal, indicator=indicator, direction="down",
                         baseline_year=2022, baseline_value=9.2, target_value=8.5,
                         target_year=2026)
    report = services.status_report_create(by=secretariat_user, agreement=agreement,
                                           kind=StatusReport.Kind.FINAL, year=2026,
                                           title="Slutstatus 2024-2027")
    services.narrative_set(by=secretariat_user, report=report, goal=goal, text="Vores tekst")
    url = f"/aftaler/2024-2027/status/{report.pk}/"
    draft = client.get(url).content.decode()
    assert danish(100.0 * 904 / 10000) in draft and "Udkast" in draft
    services.status_report_issue(by=secretariat_user, report=report)
    issued_html = client.get(url).content.decode()
    with pytest.raises(ValidationError):
        services.narrative_set(by=secretariat_user, report=report, goal=goal, text="Ændret")
    # a later run with other figures is imported and published
    rows = standard_rows()
    for r in rows:
        if r["geo_level"] == "region" and not r["suppressed"]:
            r["numerator"] = 1234.0
            r["value"] = 12.34
    newer = services.run_import(path=write_results(tmp_path / "newer.parquet", rows),
                                label="Nyere", by=None).run
    services.run_publish(run=newer, by=None)
    assert "12,3" in client.get("/opfoelgning/readmission_somatic_30d/?niveau=region"
                                ).content.decode()
    after = client.get(url).content.decode()
    assert danish(100.0 * 904 / 10000) in after and "12,3" not in after
    assert after.count("<td") == issued_html.count("<td")
    from pypdf import PdfReader

    pdf = client.get(f"/aftaler/2024-2027/status/{report.pk}/rapport.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Slutstatus 2024-2027" in text and danish(100.0 * 904 / 10000) in text
    assert "12,3" not in text and "Vores tekst" in text
    assert "/aftaler/2024-2027/status/" in client.get("/aftaler/2024-2027/status/").content.decode() \
        or "Slutstatus" in client.get("/aftaler/2024-2027/status/").content.decode()


def test_pdf_shows_hidden_cluster_cells_as_diskretioneret(demo_content, tmp_path, client):
    rows = [r for r in standard_rows() if not (r["geo_code"] == "bornholm"
                                               and r["period_start"].year == 2024)]
    rows.append(row(start=datetime.date(2024, 1, 1), level="cluster", code="bornholm",
                    numerator=None, denominator=None, suppressed=True))
    run = services.run_import(path=write_results(tmp_path / "h.parquet", rows), label="H",
                              by=None).run
    services.run_publish(run=run, by=None)
    agreement = Agreement.objects.get(slug="2024-2027")
    goal = Goal.objects.filter(agreement=agreement, focus_area__isnull=False).first()
    services.measure_set(by=None, goal=goal,
                         indicator=Indicator.objects.get(code="readmission_somatic_30d"),
                         direction="down", baseline_year=2022, baseline_value=9.2,
                         target_value=8.5, target_year=2026)
    report = services.status_report_create(by=None, agreement=agreement, kind="final",
                                           year=2026, title="Slutstatus")
    from pypdf import PdfReader

    pdf = client.get(f"/aftaler/2024-2027/status/{report.pk}/rapport.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    line = next(ln for ln in text.splitlines() if "Bornholm" in ln and "2024" in ln)
    assert "diskretioneret" in line
    assert not any(ch.isdigit() for ch in line.replace("2024", ""))


# --- geography export -------------------------------------------------------------------


def test_export_geography_writes_the_engines_mapping(demo_content, tmp_path):
    from indicator_engine.contract import read_geography

    out = tmp_path / "geografi.csv"
    call_command("followup", "export-geography", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["level"] for r in rows} == {"cluster", "municipality", "district"}
    assert {r["code"] for r in rows if r["level"] == "cluster"} == set(
        HealthCluster.objects.filter(kind="health_cluster").values_list("code", flat=True))
    municipalities = {r["code"] for r in rows if r["level"] == "municipality"}
    assert municipalities == set(Municipality.objects.values_list("code", flat=True))
    districts = {r["code"]: r["cluster"] for r in rows if r["level"] == "district"}
    assert districts and set(districts.values()) <= set(
        HealthCluster.objects.values_list("code", flat=True))
    assert read_geography(out)  # the engine's own reader accepts it
    assert Region.objects.count() == 1


def test_api_docs_page_has_no_outside_resources(db, client):
    html = client.get("/api/v1/docs").content.decode()
    assert 'src="http' not in html and 'href="http' not in html.replace(
        'href="http://testserver', "")
    assert "swagger" not in html.lower() and "redoc" not in html.lower()


def test_indicator_page_json_safe_for_unknown(db, client):
    assert client.get("/opfoelgning/findes-ikke/").status_code == 404
    assert json.loads(client.get("/api/v1/openapi.json").content)["openapi"]


# --- admin ------------------------------------------------------------------------------


def test_admin_publishes_runs_and_edits_documentation_through_services(
        demo_content, tmp_path, client, django_user_model):
    admin_user = django_user_model.objects.create_superuser(username="admin-x",
                                                            password="not-used-x9")
    run = services.run_import(path=write_results(tmp_path / "r.parquet"), label="Admin",
                              by=None).run
    client.force_login(admin_user)
    assert client.get("/admin/followup/run/").status_code == 200
    response = client.post("/admin/followup/run/", {"action": "publish_runs",
                                                    "_selected_action": [run.pk]})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == "published"
    assert events_for_object(run).filter(action="followup.run.publish",
                                         actor=admin_user).exists()
    indicator = Indicator.objects.get(code="readmission_somatic_30d")
    url = f"/admin/followup/indicator/{indicator.pk}/change/"
    form = {name: getattr(indicator, name) for name in (
        "title", "summary", "purpose", "population", "numerator_text", "denominator_text",
        "exclusions", "data_source", "national_goal", "focus_area_title", "better")}
    form["caveats"] = "Rettet i admin"
    assert client.post(url, form).status_code == 302
    indicator.refresh_from_db()
    assert indicator.caveats == "Rettet i admin"
    assert events_for_object(indicator).filter(action="followup.indicator.document").exists()


def test_the_engines_own_audit_is_rerun_when_the_engine_offers_it(demo_content, tmp_path,
                                                                   monkeypatch):
    import sys
    import types

    import indicator_engine

    fake = types.ModuleType("indicator_engine.audit")
    seen: list[int] = []

    def audit_results(frame: object) -> dict[str, bool]:
        seen.append(len(frame))
        return {"passed": "suppression_reason" in frame.columns}  # type: ignore[attr-defined]

    fake.audit_results = audit_results  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "indicator_engine.audit", fake)
    monkeypatch.setattr(indicator_engine, "audit", fake, raising=False)
    path = write_results(tmp_path / "r.parquet")
    before = _state()
    with pytest.raises(ResultFileError) as info:
        services.run_import(path=path, label="x", by=None)
    assert "audit_results" in str(info.value) and seen == [len(standard_rows())]
    assert _state()[:2] == before[:2]


def test_indicator_page_leaves_the_header_search_box_empty(published, client):
    # The page's own choices (level, grain) go to its chart and download links, not into the
    # site search field.
    html = client.get("/opfoelgning/readmission_somatic_30d/?niveau=kommune&tid=aar"
                      ).content.decode()
    search = re.search(r'<input[^>]*id="header-search"[^>]*>', html)
    assert search and 'value=""' in search.group(0)
    assert "data.csv?niveau=kommune&amp;tid=aar" in html
