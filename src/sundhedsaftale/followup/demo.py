"""Demo follow-up material (idempotent, through services, all marked demo/fictitious).

- The engine catalogue, synchronised from the declarations.
- `data/demo_results.parquet`: an aggregated, disclosure-controlled engine run on synthetic
  region-scale data (1.9 M persons, 2020-2025, seed 1), imported and published. Reproduce it
  with `python -m sundhedsaftale.followup.data.make_demo_results`. Importing it again is a
  no-op (same checksum), so a second `sundhedsaftale demo` costs one file hash.
- A reported indicator with fictitious survey figures.
- Measures with baselines and targets (demo) on the 2024-2027 goals, progress entries and
  milestones on the demo initiatives, and a draft final status report.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.db import transaction

from sundhedsaftale.agreements.models import Agreement, Goal, Initiative

from . import services
from .models import Indicator, Measure, Run, StatusReport

DEMO_FILE = Path(__file__).parent / "data" / "demo_results.parquet"
DEMO_LABEL = "Demo: syntetiske registerdata 2020–2025 (hele regionen, frø 1)"
AGREEMENT = "2024-2027"

# goal slug -> indicators with the direction that is better and the relative target change.
MEASURES: dict[str, list[tuple[str, str, float]]] = {
    "sammenhaengende-forloeb-og-udskrivning": [
        ("readmission_psychiatric_30d", "down", -0.10),
        ("discharge_ready_days_psychiatric", "down", -0.20)],
    "samlet-indsats-ved-flere-sygdomme": [
        ("acute_admissions_copd", "down", -0.08),
        ("acute_admissions_type2_diabetes", "down", -0.08)],
    "rette-sted": [
        ("preventable_admissions_65plus", "down", -0.10),
        ("readmission_somatic_30d", "down", -0.05),
        ("discharge_ready_days_somatic", "down", -0.25)],
    "hele-mennesket": [("patient_experience_coherence", "up", 0.05)],
}
BASELINE_YEAR = 2023
TARGET_YEAR = 2026

PROGRESS: dict[str, list[tuple[str, str, int | None]]] = {
    "Fælles tværsektorielt forløb for sårbare gravide (demo)": [
        ("2025-02-10", "Fælles visitation mellem hospital og kommuner er startet (demo).", 30),
        ("2025-10-01", "Første evaluering: 140 gravide er visiteret (fiktivt tal, demo).", 60)],
    "Hurtig vej fra skolesundhedspleje til børne- og ungdomspsykiatri (demo)": [
        ("2024-12-01", "Fælles henvisningsskema er aftalt (demo).", 25)],
    "Udskrivningskonference med botilbud (demo)": [
        ("2025-03-15", "Konferencer holdes i tre af klyngens kommuner (demo).", 70)],
    "Fælles udskrivningsaftale for psykiatrien (demo)": [
        ("2025-06-20", "Aftalen er godkendt i Sundhedssamarbejdsudvalget (demo).", 100)],
    "Årligt somatisk helbredstjek for borgere med svær psykisk sygdom (demo)": [
        ("2025-11-01", "Pilot i to lægepraksisser er evalueret (demo).", 40)],
    "Én samlet plan for borgere med flere kroniske sygdomme (demo)": [
        ("2025-01-20", "Skabelon for samlet plan er udarbejdet (demo).", 35)],
    "Akutteam i eget hjem som alternativ til indlæggelse (demo)": [
        ("2024-09-01", "Akutteamet er i drift i to kommuner (demo).", 50)],
}
MILESTONES: dict[str, list[tuple[str, str, str | None]]] = {
    "Fælles tværsektorielt forløb for sårbare gravide (demo)": [
        ("Fælles visitation i drift", "2025-01-31", "2025-02-10"),
        ("Evaluering fremlagt for klyngestyregruppen", "2026-03-31", None)],
    "Udskrivningskonference med botilbud (demo)": [
        ("Alle kommuner i klyngen med", "2025-09-30", None)],
}
NARRATIVES: dict[str, str] = {
    "sammenhaengende-forloeb-og-udskrivning": (
        "Demo-tekst: De psykiatriske genindlæggelser ligger på niveau med baseline. "
        "Udskrivningsaftalen er godkendt, men virkningen ses endnu ikke i tallene."),
    "samlet-indsats-ved-flere-sygdomme": (
        "Demo-tekst: De akutte indlæggelser blandt borgere med KOL og type 2-diabetes falder "
        "svagt. Arbejdet med samlede planer fortsætter i alle klynger."),
    "rette-sted": (
        "Demo-tekst: Forebyggelige indlæggelser af ældre er på vej ned, men målet for 2026 er "
        "ikke nået. Akutteams er i drift i flere kommuner."),
}


def _region_year_value(run: Run, code: str, year: int) -> float | None:
    from .models import Result

    row = Result.objects.filter(run=run, indicator__code=code, level="region", grain="year",
                                period_start=datetime.date(year, 1, 1)).first()
    return None if row is None or row.suppressed else row.value


def _reported_indicator() -> Indicator:
    existing = Indicator.objects.filter(code="patient_experience_coherence").first()
    if existing is not None:
        return existing
    indicator = services.reported_indicator_create(
        by=None, code="patient_experience_coherence",
        title="Patienter, der oplever sammenhæng i forløbet (demo)",
        unit="percent",
        data_source="Den Landsdækkende Undersøgelse af Patientoplevelser (LUP). "
                    "DEMO: tallene er fiktive.",
        summary="Andel af patienterne, der svarer, at personalet på tværs af hospital, "
                "kommune og egen læge samarbejdede godt (demo, fiktive tal).",
        purpose="Viser patienternes egen oplevelse af sammenhæng.",
        population="Patienter, der har svaret på undersøgelsen.",
        caveats="Tastet ind fra den nationale undersøgelse, ikke beregnet af motoren. "
                "I demoen er tallene opdigtede.",
        national_goal="Øget patientinddragelse",
        focus_area_title="Borgere med psykisk sygdom", number=80, better="up")
    base = {"1084": 62.0, "byen": 60.0, "syd": 61.5, "midt": 63.0, "nord": 64.0,
            "bornholm": 66.0}
    services.reported_values_import(by=None, indicator=indicator, source="Demo (fiktivt)", values=[
        {"period_start": datetime.date(year, 1, 1), "code": code, "value": round(v + delta, 1),
         "level": "region" if code == "1084" else "cluster"}
        for year, delta in ((2021, 0.0), (2022, 0.8), (2023, 1.1), (2024, 1.9), (2025, 2.4))
        for code, v in base.items()])
    return indicator


def _by_none(fn: Any, **kwargs: Any) -> Any:
    return fn(by=None, **kwargs)


def load(*, stdout: Any) -> None:
    # One transaction for the whole step: on SQLite every commit is a disk sync.
    with transaction.atomic():
        _load(stdout=stdout)


def _load(*, stdout: Any) -> None:
    services.catalogue_sync(by=None)
    run = None
    if DEMO_FILE.exists():
        outcome = services.run_import(path=DEMO_FILE, label=DEMO_LABEL, by=None, is_demo=True)
        run = outcome.run
        if run.status == "imported":
            services.run_publish(run=run, by=None)
        stdout.write(f"followup: demo run {'imported' if outcome.created else 'present'} "
                     f"({run.row_count} rows, {run.hidden_count} hidden)")
    reported = _reported_indicator()
    agreement = Agreement.objects.filter(slug=AGREEMENT).first()
    if agreement is None:
        return
    goals = {g.slug: g for g in Goal.objects.filter(agreement=agreement)}
    indicators = {i.code: i for i in Indicator.objects.all()}
    indicators[reported.code] = reported
    for slug, measures in MEASURES.items():
        goal = goals.get(slug)
        if goal is None:
            continue
        for code, direction, change in measures:
            indicator = indicators.get(code)
            if indicator is None or Measure.objects.filter(goal=goal,
                                                           indicator=indicator).exists():
                continue
            baseline: float | None
            if indicator.is_reported:
                baseline = 63.1
            elif run is not None:
                baseline = _region_year_value(run, code, BASELINE_YEAR)
            else:
                baseline = None
            if baseline is None:
                continue
            services.measure_set(by=None, goal=goal, indicator=indicator,
                                 direction=direction, baseline_year=BASELINE_YEAR,
                                 baseline_value=round(baseline, 1),
                                 target_value=round(baseline * (1 + change), 1),
                                 target_year=TARGET_YEAR,
                                 note="Demo: baseline fra demokørslen, mål fastsat til demo.",
                                 is_demo=True)
    initiatives = {i.title: i for i in Initiative.objects.filter(goal__agreement=agreement)}
    for title, entries in PROGRESS.items():
        initiative = initiatives.get(title)
        if initiative is None or initiative.progress_entries.exists():
            continue
        for date, text, percent in entries:
            services.progress_add(by=None, initiative=initiative,
                                  date=datetime.date.fromisoformat(date), text=text,
                                  percent=percent, by_label="Demo-sekretariatet")
    for title, milestones in MILESTONES.items():
        initiative = initiatives.get(title)
        if initiative is None:
            continue
        for name, due, done in milestones:
            services.milestone_set(by=None, initiative=initiative, title=name,
                                   due=datetime.date.fromisoformat(due),
                                   done=datetime.date.fromisoformat(done) if done else None)
    report = services.status_report_create(
        by=None, agreement=agreement, kind="final", year=2026,
        title="Slutstatus for Sundhedsaftale 2024-2027 (demo, udkast)",
        introduction="Demo: et udkast til slutstatus dannet af platformen ud fra aftalens "
                     "mål, indikatorer og indsatser. Alle tal er syntetiske.",
        is_demo=True)
    if report.status == StatusReport.Status.DRAFT and not report.narratives.exists():
        for slug, text in NARRATIVES.items():
            goal = goals.get(slug)
            if goal is not None:
                services.narrative_set(by=None, report=report, goal=goal, text=text)
    stdout.write("followup: catalogue, measures, progress and a draft final status ready")
