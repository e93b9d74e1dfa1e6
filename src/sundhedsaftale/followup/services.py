"""Writes of the followup app. Every function is a @service: one transaction, one audit event.
"""

from __future__ import annotations

import datetime
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from sundhedsaftale.access.rules import require
from sundhedsaftale.agreements.models import Agreement, Goal, Initiative
from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.services import content_save, content_update, service
from sundhedsaftale.geography.models import District, HealthCluster, Municipality, Region
from sundhedsaftale.portal.generation import cache_generation_bump_on_commit

from . import charts, selectors
from .importer import ParsedFile, ResultFileError, engine_audit_recheck, parse_result_file
from .models import (
    AreaSection,
    GoalNarrative,
    Indicator,
    InitiativeOwner,
    Measure,
    Milestone,
    ProgressEntry,
    ReportedValue,
    Result,
    Run,
    StatusReport,
)

CATALOGUE_FILE = Path(__file__).parent / "data" / "catalogue.toml"
DOC_FIELDS = {"purpose": "purpose", "population": "population", "numerator": "numerator_text",
              "denominator": "denominator_text", "exclusions": "exclusions",
              "data_source": "data_source", "caveats": "caveats",
              "national_goal": "national_goal", "focus_area": "focus_area_title",
              "better": "better"}

# Allowed run status changes: from -> {to}. Only the secretariat (rule followup.run.publish).
RUN_TRANSITIONS: dict[str, set[str]] = {
    "imported": {"published"},
    "published": {"withdrawn"},
    "withdrawn": {"published"},
}
REPORT_TRANSITIONS: dict[str, set[str]] = {"draft": {"issued"}}


def _public_figures_changed() -> None:
    """Rebuild the areas' follow-up sections (models.AreaSection) in the caller's transaction;
    after commit, drop the cached charts and change the content generation, so no cached
    indicator page, cluster or municipality page (their follow-up section) or goal page shows
    the figures from before a publish, a withdrawal or an edit of reported values."""
    _area_sections_rebuild()
    transaction.on_commit(charts.clear)
    cache_generation_bump_on_commit()


_AREA_SECTIONS_LOCK = 0x61726561  # PostgreSQL advisory lock key of the rebuild ("area")


def _area_sections_rebuild(*, only_if_built: bool = False) -> None:
    """Every area's follow-up section, written whole, with the row that marks them built
    (`only_if_built`: only when they were built before)."""
    if connection.vendor == "postgresql":
        # One rebuild at a time: a second one waits for the first to commit, then reads and
        # replaces its rows (else both would delete the old rows and insert the same keys).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_AREA_SECTIONS_LOCK])
    if only_if_built and not AreaSection.objects.filter(level="", code="").exists():
        return
    sections = selectors.area_sections()
    AreaSection.objects.all().delete()
    AreaSection.objects.bulk_create(
        [AreaSection(level="", code="", figures=[]),
         *(AreaSection(level=level, code=code, figures=figures)
           for level, code, figures in sections)])


# --------------------------------------------------------------------------------------------
# The catalogue
# --------------------------------------------------------------------------------------------

@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@service
def catalogue_sync(*, by: Any | None = None) -> SyncResult:
    """One catalogue entry per engine declaration (read-only use of the engine's definitions).

    Engine fields are always taken from the declaration; documentation texts from
    data/catalogue.toml only where the entry's field is empty (the secretariat's edits win).
    """
    from indicator_engine.definitions import load_indicators

    docs = tomllib.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    result = SyncResult()
    existing = {i.code: i for i in Indicator.objects.all()}
    for decl in load_indicators():
        doc = docs.get(decl.id, {})
        engine: dict[str, Any] = {"title": decl.title_da, "title_en": decl.title_en,
                  "definition_version": str(decl.version), "unit": decl.unit,
                  "provisional": decl.provisional, "standardised": bool(decl.standardise),
                  "source": Indicator.Source.COMPUTED}
        indicator = existing.get(decl.id)
        if indicator is None:
            indicator = Indicator(code=decl.id, summary=decl.description_da,
                                  number=int(doc.get("number", 0)), **engine)
            for key, field in DOC_FIELDS.items():
                setattr(indicator, field, doc.get(key, ""))
            content_save(instance=indicator, by=by)
            audit_record(actor=by, action="followup.indicator.sync", obj=indicator,
                         changes={"created": True, "definition_version": decl.version})
            result.created += 1
            continue
        fill = {field: doc[key] for key, field in DOC_FIELDS.items()
                if key in doc and not getattr(indicator, field)}
        if not indicator.summary:
            fill["summary"] = decl.description_da
        _, changed = content_update(instance=indicator, by=by, **engine, **fill)
        if changed:
            audit_record(actor=by, action="followup.indicator.sync", obj=indicator,
                         changes={"changed": changed})
            result.updated += 1
        else:
            result.unchanged += 1
    if result.created or result.updated:  # which figures count depends on the catalogue
        _area_sections_rebuild(only_if_built=True)
    return result


@service
def indicator_document(*, indicator: Indicator, by: Any, **texts: str) -> list[str]:
    """The secretariat edits the Danish documentation blocks of a catalogue entry."""
    require(by, "followup.catalogue.edit", indicator)
    allowed = set(DOC_FIELDS.values()) | {"summary", "title"}
    unknown = set(texts) - allowed
    if unknown:
        raise ValueError(f"not documentation fields: {sorted(unknown)}")
    _, changed = content_update(instance=indicator, by=by, **texts)
    if changed:
        audit_record(actor=by, action="followup.indicator.document", obj=indicator,
                     changes={"changed": changed})
    return changed


@service
def reported_indicator_create(*, by: Any, code: str, title: str, unit: str,
                              data_source: str = "", **docs: Any) -> Indicator:
    """An indicator the engine does not compute (e.g. from the national patient survey)."""
    if by is not None:
        require(by, "followup.catalogue.edit", None)
    indicator = Indicator(code=code, title=title, unit=unit, data_source=data_source,
                          source=Indicator.Source.REPORTED, **docs)
    content_save(instance=indicator, by=by)
    audit_record(actor=by, action="followup.indicator.create", obj=indicator,
                 changes={"source": "reported"})
    return indicator


@service
def reported_value_set(*, by: Any, indicator: Indicator, period_start: datetime.date,
                       level: str, code: str, value: float, grain: str = "year",
                       source: str = "") -> ReportedValue:
    if by is not None:
        require(by, "followup.catalogue.edit", indicator)
    if not indicator.is_reported:
        raise ValidationError("Kun indberettede indikatorer kan have tal indtastet i hånden.")
    if code not in known_geography_codes().get(level, set()):
        raise ValidationError(f"Ukendt område {code!r} på niveauet {level}.")
    row = ReportedValue.objects.filter(indicator=indicator, grain=grain,
                                       period_start=period_start, level=level,
                                       code=code).first()
    if row is None:
        row = ReportedValue(indicator=indicator, grain=grain, period_start=period_start,
                            level=level, code=code, value=value, source=source)
        content_save(instance=row, by=by)
        audit_record(actor=by, action="followup.reported_value.create", obj=indicator,
                     changes={"period": period_start, "level": level, "code": code,
                              "value": value})
    else:
        _, changed = content_update(instance=row, by=by, value=value, source=source)
        if changed:
            audit_record(actor=by, action="followup.reported_value.update", obj=indicator,
                         changes={"period": period_start, "code": code, "value": value})
    _public_figures_changed()
    return row


@service
def reported_values_import(*, by: Any | None, indicator: Indicator,
                           values: list[dict[str, Any]], source: str = "") -> int:
    """Many values of a reported indicator at once (each: period_start, level, code, value,
    optional grain); existing values for the same cells are replaced. Returns the count."""
    if by is not None:
        require(by, "followup.catalogue.edit", indicator)
    if not indicator.is_reported:
        raise ValidationError("Kun indberettede indikatorer kan have tal indtastet i hånden.")
    known = known_geography_codes()
    rows = []
    for number, v in enumerate(values, start=1):
        if v["code"] not in known.get(v["level"], set()):
            raise ValidationError(f"Række {number}: ukendt område {v['code']!r} på niveauet "
                                  f"{v['level']}.")
        rows.append(ReportedValue(indicator=indicator, grain=v.get("grain", "year"),
                                  period_start=v["period_start"], level=v["level"],
                                  code=v["code"], value=float(v["value"]), source=source))
    for row in rows:
        ReportedValue.objects.filter(indicator=indicator, grain=row.grain,
                                     period_start=row.period_start, level=row.level,
                                     code=row.code).delete()
    ReportedValue.objects.bulk_create(rows)
    audit_record(actor=by, action="followup.reported_value.import", obj=indicator,
                 changes={"rows": len(rows), "source": source})
    _public_figures_changed()
    return len(rows)


# --------------------------------------------------------------------------------------------
# Runs
# --------------------------------------------------------------------------------------------

def known_geography_codes() -> dict[str, set[str]]:
    return {
        "region": set(Region.objects.values_list("code", flat=True)),
        "cluster": set(HealthCluster.objects.values_list("code", flat=True)),
        "municipality": set(Municipality.objects.values_list("code", flat=True)),
        "district": set(District.objects.values_list("code", flat=True)),
    }


@dataclass
class ImportOutcome:
    run: Run
    created: bool


def _manifest_date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


@service
def run_import(*, path: Path, label: str, by: Any | None = None,
               is_demo: bool = False) -> ImportOutcome:
    """Import an engine result file as a run (not yet published).

    Raises ResultFileError (nothing written) when any check fails. A file whose checksum is
    already imported is a no-op and returns the existing run.
    """
    from .importer import file_checksum

    path = Path(path)
    if path.exists():
        existing = Run.objects.filter(checksum=file_checksum(path)).first()
        if existing is not None:
            return ImportOutcome(run=existing, created=False)
    catalogue_sync(by=by)
    computed = set(Indicator.objects.filter(source=Indicator.Source.COMPUTED)
                   .values_list("code", flat=True))
    parsed = parse_result_file(path, known_indicators=computed,
                               known_codes=known_geography_codes())
    problems = engine_audit_recheck(path)
    if problems:
        raise ResultFileError(path.name, problems)
    manifest = parsed.manifest
    periods = manifest.get("periods") or {}
    geography = manifest.get("geography") or {}
    run = Run(label=label, checksum=parsed.checksum, file_name=parsed.file_name,
              engine_version=str(manifest.get("engine_version", "")),
              definitions=manifest.get("definitions", {}), manifest=manifest,
              engine_created_at=str(manifest.get("created_at", "")),
              period_first=_manifest_date(periods.get("first")),
              period_last=_manifest_date(periods.get("last")),
              geography_as_of=str(geography.get("as_of", "")),
              geography_sha256=str(geography.get("sha256", "")),
              row_count=parsed.row_count, hidden_count=parsed.hidden_count,
              imported_by=by if getattr(by, "is_authenticated", False) else None,
              is_demo=is_demo)
    run.save()
    _results_insert(run, parsed)
    audit_record(actor=by, action="followup.run.import", obj=run,
                 changes={"checksum": run.checksum, "rows": run.row_count,
                          "hidden": run.hidden_count, "file": run.file_name})
    return ImportOutcome(run=run, created=True)


RESULT_COLUMNS = ("run_id", "indicator_id", "grain", "period_start", "level", "code",
                  "numerator", "denominator", "value", "ci_low", "ci_high", "value_std",
                  "std_ci_low", "std_ci_high", "suppressed")


def _results_insert(run: Run, parsed: ParsedFile) -> None:
    """Insert the rows with one executemany (inside run_import's transaction): a region-scale
    run is some 30,000 rows, and model instances + bulk_create would cost seconds."""
    ids = dict(Indicator.objects.filter(code__in=parsed.indicators).values_list("code", "pk"))
    c = parsed.columns
    params = zip(
        [run.pk] * parsed.row_count, [ids[code] for code in c["indicator_id"]],
        c["period_grain"], c["period_start"], c["geo_level"], c["geo_code"], c["numerator"],
        c["denominator"], c["value"], c["ci_low"], c["ci_high"], c["value_std"],
        c["std_ci_low"], c["std_ci_high"], c["suppressed"], strict=True)
    qn = connection.ops.quote_name
    sql = (f"INSERT INTO {qn(Result._meta.db_table)} "
           f"({', '.join(qn(col) for col in RESULT_COLUMNS)}) "
           f"VALUES ({', '.join(['%s'] * len(RESULT_COLUMNS))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(params))


def _run_transition(run: Run, to: str, by: Any) -> str:
    if to not in RUN_TRANSITIONS.get(run.status, set()):
        raise ValidationError(
            f"Kørslen kan ikke skifte fra »{run.get_status_display()}« til "
            f"»{Run.Status(to).label}«.")
    before = run.status
    run.status = to
    if to == "published":
        run.published_at = timezone.now()
    run.save(update_fields=["status", "published_at"])
    _public_figures_changed()
    return before


@service
def run_publish(*, run: Run, by: Any) -> Run:
    """Publish a run: its results become the public figures of its indicators."""
    if by is not None:
        require(by, "followup.run.publish", run)
    before = _run_transition(run, "published", by)
    audit_record(actor=by, action="followup.run.publish", obj=run,
                 changes={"status": {"before": before, "after": run.status}})
    return run


@service
def run_withdraw(*, run: Run, by: Any, reason: str = "") -> Run:
    """Withdraw a published run (by=None: the command line, i.e. the operator)."""
    if by is not None:
        require(by, "followup.run.publish", run)
    before = _run_transition(run, "withdrawn", by)
    audit_record(actor=by, action="followup.run.withdraw", obj=run, note=reason,
                 changes={"status": {"before": before, "after": run.status}})
    return run


# --------------------------------------------------------------------------------------------
# Goals: measures with targets
# --------------------------------------------------------------------------------------------

@service
def measure_set(*, by: Any | None, goal: Goal, indicator: Indicator, direction: str,
                baseline_year: int, baseline_value: float, target_value: float,
                target_year: int, note: str = "", is_demo: bool = False) -> Measure:
    if by is not None:
        require(by, "followup.measure.edit", goal)
    if target_year < baseline_year:
        raise ValidationError("Målåret ligger før baseline-året.")
    measure = Measure.objects.filter(goal=goal, indicator=indicator).first()
    values: dict[str, Any] = {"direction": direction, "baseline_year": baseline_year,
              "baseline_value": baseline_value, "target_value": target_value,
              "target_year": target_year, "note": note, "is_demo": is_demo}
    if measure is None:
        measure = Measure(goal=goal, indicator=indicator, **values)
        content_save(instance=measure, by=by)
        audit_record(actor=by, action="followup.measure.create", obj=goal,
                     changes={"indicator": indicator.code, **values})
        return measure
    _, changed = content_update(instance=measure, by=by, **values)
    if changed:
        audit_record(actor=by, action="followup.measure.update", obj=goal,
                     changes={"indicator": indicator.code, "changed": changed})
    return measure


# --------------------------------------------------------------------------------------------
# Initiatives: progress and milestones
# --------------------------------------------------------------------------------------------

@service
def progress_add(*, by: Any, initiative: Initiative, date: datetime.date, text: str,
                 percent: int | None = None, by_label: str = "") -> ProgressEntry:
    """A dated progress note; only the initiative's owners' staff and the secretariat."""
    if getattr(by, "is_authenticated", False):
        require(by, "followup.progress.add", initiative)
    elif by is not None:
        raise PermissionDenied("followup.progress.add")
    if not text.strip():
        raise ValidationError({"text": "Skriv, hvad der er sket."})
    if percent is not None and not 0 <= percent <= 100:
        raise ValidationError({"percent": "Fremdriften skal være mellem 0 og 100 %."})
    entry = ProgressEntry(initiative=initiative, date=date, text=text.strip(), percent=percent,
                          by=by if getattr(by, "is_authenticated", False) else None,
                          by_label=by_label or (str(by) if by is not None else ""))
    content_save(instance=entry, by=by)
    audit_record(actor=by, action="followup.progress.add", obj=initiative,
                 changes={"date": date, "percent": percent})
    return entry


@service
def initiative_owner_add(*, by: Any | None, initiative: Initiative,
                         municipality: Municipality) -> InitiativeOwner:
    """A municipality as (co-)owner of an initiative; its staff may then add progress."""
    if by is not None:
        require(by, "followup.measure.edit", initiative.goal)
    owner = InitiativeOwner.objects.filter(initiative=initiative,
                                           municipality=municipality).first()
    if owner is None:
        owner = InitiativeOwner(initiative=initiative, municipality=municipality)
        content_save(instance=owner, by=by)
        audit_record(actor=by, action="followup.initiative.owner_add", obj=initiative,
                     changes={"municipality": municipality.code})
    return owner


@service
def milestone_set(*, by: Any | None, initiative: Initiative, title: str, due: datetime.date,
                  done: datetime.date | None = None) -> Milestone:
    if by is not None:
        require(by, "followup.progress.add", initiative)
    milestone = Milestone.objects.filter(initiative=initiative, title=title).first()
    if milestone is None:
        milestone = Milestone(initiative=initiative, title=title, due=due, done=done)
        content_save(instance=milestone, by=by)
        audit_record(actor=by, action="followup.milestone.create", obj=initiative,
                     changes={"title": title, "due": due, "done": done})
        return milestone
    _, changed = content_update(instance=milestone, by=by, due=due, done=done)
    if changed:
        audit_record(actor=by, action="followup.milestone.update", obj=initiative,
                     changes={"title": title, "changed": changed})
    return milestone


# --------------------------------------------------------------------------------------------
# Status reports
# --------------------------------------------------------------------------------------------

@service
def status_report_create(*, by: Any | None, agreement: Agreement, kind: str, year: int,
                         title: str, introduction: str = "",
                         is_demo: bool = False) -> StatusReport:
    if by is not None:
        require(by, "followup.report.edit", agreement)
    report = StatusReport.objects.filter(agreement=agreement, kind=kind, year=year).first()
    if report is not None:
        return report
    report = StatusReport(agreement=agreement, kind=kind, year=year, title=title,
                          introduction=introduction, is_demo=is_demo)
    content_save(instance=report, by=by)
    audit_record(actor=by, action="followup.report.create", obj=report,
                 changes={"kind": kind, "year": year})
    return report


def _require_draft(report: StatusReport) -> None:
    if report.status != StatusReport.Status.DRAFT:
        raise ValidationError("Rapporten er udsendt og kan ikke længere ændres.")


@service
def narrative_set(*, by: Any | None, report: StatusReport, goal: Goal,
                  text: str) -> GoalNarrative:
    if by is not None:
        require(by, "followup.report.edit", report.agreement)
    _require_draft(report)
    narrative = GoalNarrative.objects.filter(report=report, goal=goal).first()
    if narrative is None:
        narrative = GoalNarrative(report=report, goal=goal, text=text)
        content_save(instance=narrative, by=by)
    else:
        content_update(instance=narrative, by=by, text=text)
    audit_record(actor=by, action="followup.report.narrative", obj=report,
                 changes={"goal": goal.pk})
    return narrative


@service
def status_report_issue(*, by: Any, report: StatusReport) -> StatusReport:
    """Issue a drafted report: the figures of the published runs and the texts of today are
    stored in the report, so later imports and edits never change it."""
    from .selectors import report_content

    if by is not None:
        require(by, "followup.report.issue", report.agreement)
    if "issued" not in REPORT_TRANSITIONS.get(report.status, set()):
        raise ValidationError("Rapporten er allerede udsendt.")
    report.frozen = report_content(report=report, live=True)
    report.status = "issued"
    report.issued_at = timezone.now()
    report.issued_by = by if getattr(by, "is_authenticated", False) else None
    report.save()
    audit_record(actor=by, action="followup.report.issue", obj=report,
                 changes={"status": {"before": "draft", "after": "issued"}})
    return report
