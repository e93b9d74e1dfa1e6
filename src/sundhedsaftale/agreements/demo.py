"""Demo step (runs first among the apps' demo steps): the regimes' requirements, process and
deadlines as data; frozen versions of the demo agreements walking through their history; the
councils' decisions and the submission of 2015-2018 (all decisions marked demo).

- 2015-2018 (VEJ 9005/2013, election period 2014): version 1 frozen 5 April 2014, in hearing
  9 April - 30 June 2014, adopted by the committee 25 November 2014, approved by the regional
  council and the 29 municipal councils (demo dates, December 2014 - January 2015), submitted
  28 January 2015 (deadline 31 January 2015), receipt and approval (demo), published; version 2
  (a revision after the yearly review in 2016, not significant: one demo initiative added) sent
  for information and published. Requirements of chapters 4-6 linked to its goals and annexes.
- 2024-2027 (BEK 1248/2022, election period 2022): version 1 through hearing, councils,
  submission and approval (demo), published 1 January 2024.
- The 2027 local health plan draft: version 1 frozen under the 2027 rules, not published.

Idempotent: requirements are saved only when changed; an agreement that has versions already
is left as it is.
"""

from __future__ import annotations

import datetime
import tomllib
from pathlib import Path
from typing import Any

from django.db import transaction

from sundhedsaftale.geography.models import Region

from .models import Agreement, AgreementVersion, Goal, LegalRegime
from .services import (
    S,
    agreement_councils,
    authority_answer_record,
    council_decisions_record,
    submission_create,
    version_freeze,
    version_publish,
    version_transition,
)

REGIMES_FILE = Path(__file__).resolve().parents[1] / "regimes" / "data" / "regimes.toml"
D = datetime.date

# Which 2015-2018 content meets which requirement of VEJ 9005/2013 (goal slug or annex slug).
LINKS_2015 = [
    ("goal", "samme-kvalitet-overalt", "5.5", "met", ""),
    ("goal", "samme-kvalitet-overalt", "5.1", "met", ""),
    ("goal", "faerre-forebyggelige-indlaeggelser", "4.2.a", "met", ""),
    ("goal", "faerre-forebyggelige-indlaeggelser", "4.1.b", "partly",
     "Nævner forebyggelse, men ikke forløbet før en planlagt operation."),
    ("goal", "psykisk-og-somatisk-sygdom", "4.1.e", "met", ""),
    ("goal", "aktiv-part-i-eget-forloeb", "5.3", "met", ""),
    ("goal", "mestre-egen-sygdom", "4.1.a", "partly",
     "Dækker kronisk syge; ældre og socialt udsatte står i den administrative del."),
    ("goal", "borgere-med-i-beslutninger", "5.3", "met", ""),
    ("goal", "flere-gode-leveaar", "4.1.e", "met", ""),
    ("goal", "psykisk-sygdom-og-misbrug", "4.2.d", "met", ""),
    ("goal", "psykisk-sygdom-og-misbrug", "4.1.d", "met", ""),
    ("goal", "tidlig-forebyggelse-saarbare", "5.4", "met", ""),
    ("goal", "faelles-drift-og-finansiering", "5.2", "met", ""),
    ("goal", "faelles-midler", "5.2", "partly", "Modellen er endnu ikke beskrevet."),
    ("annex", "kommunikationsaftale-indlaeggelse-udskrivning", "4.2.b", "met", ""),
    ("annex", "kommunikationsaftale-indlaeggelse-udskrivning", "4.4.b", "partly",
     "Dækker MedCom-standarderne, ikke Fælles Medicinkort."),
    ("annex", "forlobsprogram-kol", "4.2.a", "met", ""),
    ("agreement", "", "6.1", "met", ""),
]


def regimes_load(*, by: Any = None) -> int:
    """The requirements, process steps and deadline rules of regimes.toml (idempotent)."""
    from sundhedsaftale.regimes.services import (
        deadline_rule_save,
        process_step_save,
        requirement_save,
    )

    data = tomllib.loads(REGIMES_FILE.read_text(encoding="utf-8"))
    regimes = {r.code: r for r in LegalRegime.objects.all()}
    saved: dict[tuple[str, str], Any] = {}
    for number, row in enumerate(data.get("requirement", []), start=1):
        regime = regimes.get(row["regime"])
        if regime is None:
            continue
        saved[(row["regime"], row["code"])] = requirement_save(
            regime=regime, code=row["code"], title=row["title"], text=row.get("text", ""),
            kind=row["kind"], number=number, by=by, is_demo=True,
            parent=saved.get((row["regime"], row.get("parent", ""))))
    for row in data.get("step", []):
        if row["regime"] in regimes:
            process_step_save(regime=regimes[row["regime"]], number=row["number"],
                              title=row["title"], description=row.get("description", ""),
                              stage=row.get("stage", ""), by=by)
    for row in data.get("deadline", []):
        if row["regime"] in regimes:
            deadline_rule_save(regime=regimes[row["regime"]], kind=row["kind"],
                               title=row["title"], year_of_period=row["year_of_period"],
                               month=row["month"], day=row["day"],
                               yearly=row.get("yearly", False), by=by)
    return len(saved)


def _councils_approve(version: AgreementVersion, first: datetime.date,
                      last: datetime.date) -> None:
    """Every party's council approves (demo dates spread between `first` and `last`)."""
    councils = agreement_councils(version.agreement)
    span = (last - first).days
    decisions = []
    for index, council in enumerate(councils):
        on = last if index == len(councils) - 1 else first + datetime.timedelta(
            days=span * index // max(len(councils), 1))
        code = getattr(council, "code", "")
        remarks = index % 7 == 3
        decisions.append({
            "council": council, "decided_on": on,
            "decision": "approved_with_remarks" if remarks else "approved",
            "remarks": "Godkendt med bemærkninger (demo)." if remarks else "",
            "journal_number": f"DEMO-{on.year}-{code or index:>03}"})
    council_decisions_record(version=version, decisions=decisions, by=None, is_demo=True)


def _agreement_2015(regime_links: bool = True) -> None:
    from sundhedsaftale.regimes.models import Requirement
    from sundhedsaftale.regimes.services import requirement_link_set

    from .services import initiative_create

    agreement = Agreement.objects.filter(slug="2015-2018").first()
    if agreement is None or agreement.versions.exists():
        return
    v1 = version_freeze(agreement=agreement, by=None, election_period_start=2014,
                        entry_into_force=D(2015, 1, 1), is_demo=True, on=D(2014, 4, 5),
                        note="Høringsudkast, vedtaget af Sundhedskoordinationsudvalget "
                             "5. april 2014")
    version_transition(version=v1, to=S.IN_HEARING, by=None, on=D(2014, 4, 9),
                       is_demo=True, note="Høring 9. april - 30. juni 2014")
    version_transition(version=v1, to=S.ADOPTED, by=None, on=D(2014, 11, 25),
                       is_demo=True, note="Vedtaget af Sundhedskoordinationsudvalget")
    _councils_approve(v1, D(2014, 12, 2), D(2015, 1, 20))
    submission = submission_create(version=v1, by=None, on=D(2015, 1, 28), is_demo=True,
                                   render_pdf=False)
    authority_answer_record(submission=submission, kind="receipt",
                            answered_on=D(2015, 2, 2), by=None, is_demo=True,
                            text="Kvittering for modtagelsen (demo).")
    authority_answer_record(submission=submission, kind="approved",
                            answered_on=D(2015, 4, 14), by=None, is_demo=True,
                            text="Godkendt med råd om at styrke opfølgningen (demo).")
    version_publish(version=v1, by=None, on=D(2015, 4, 20), is_demo=True)
    if regime_links:
        requirements = {r.code: r for r in Requirement.objects.filter(regime=agreement.regime)}
        goals = {g.slug: g for g in Goal.objects.filter(agreement=agreement)}
        annexes = {link.annex.slug: link.annex
                   for link in agreement.annex_links.select_related("annex")}
        for kind, slug, code, coverage, note in LINKS_2015:
            obj = goals.get(slug) if kind == "goal" else annexes.get(slug)
            key = "agreement" if kind == "agreement" else (f"{kind}:{obj.pk}" if obj else "")
            if code in requirements and key:
                requirement_link_set(requirement=requirements[code], agreement=agreement,
                                     item_key=key, coverage=coverage, note=note, by=None,
                                     is_demo=True)
    # The yearly review of 2016: a small revision (not significant), sent for information.
    goal = Goal.objects.filter(agreement=agreement, slug="psykisk-sygdom-og-misbrug").first()
    if goal is not None:
        initiative_create(goal=goal, by=None, number=1, is_demo=True,
                          title="Fælles udgående team for psykisk sygdom og misbrug (demo)",
                          summary="Opfundet eksempel på en indsats, der kom til ved den "
                                  "årlige gennemgang.")
    v2 = version_freeze(agreement=agreement, by=None, election_period_start=2014,
                        entry_into_force=D(2016, 7, 1), is_demo=True, on=D(2016, 5, 30),
                        significant=False, note="Årlig gennemgang 2016 (demo)")
    version_transition(version=v2, to=S.ADOPTED, by=None, on=D(2016, 6, 13),
                       is_demo=True)
    submission_create(version=v2, by=None, on=D(2016, 6, 20), is_demo=True, render_pdf=False)
    version_publish(version=v2, by=None, on=D(2016, 7, 1), is_demo=True)


def _agreement_2024() -> None:
    agreement = Agreement.objects.filter(slug="2024-2027").first()
    if agreement is None or agreement.versions.exists():
        return
    v1 = version_freeze(agreement=agreement, by=None, election_period_start=2022,
                        entry_into_force=D(2024, 1, 1), is_demo=True, on=D(2023, 6, 20))
    version_transition(version=v1, to=S.IN_HEARING, by=None, on=D(2023, 6, 28),
                       is_demo=True, note="Offentlig høring (demo-datoer)")
    version_transition(version=v1, to=S.ADOPTED, by=None, on=D(2023, 9, 25),
                       is_demo=True)
    _councils_approve(v1, D(2023, 10, 3), D(2023, 12, 12))
    submission = submission_create(version=v1, by=None, on=D(2023, 12, 15), is_demo=True,
                                   render_pdf=False)
    authority_answer_record(submission=submission, kind="approved",
                            answered_on=D(2023, 12, 21), by=None, is_demo=True,
                            text="Godkendt (demo).")
    version_publish(version=v1, by=None, on=D(2024, 1, 1), is_demo=True)


def _plan_2027() -> None:
    agreement = Agreement.objects.filter(slug="naersundhedsplan-2027-udkast").first()
    if agreement is None or agreement.versions.exists():
        return
    version_freeze(agreement=agreement, by=None, election_period_start=2026, is_demo=True,
                   on=D(2026, 11, 20), note="Første udkast under reglerne fra 2027 (demo)")


def load(*, stdout: Any) -> None:
    with transaction.atomic():
        count = regimes_load()
        if not Region.objects.exists():
            return
        _agreement_2015()
        _agreement_2024()
        _plan_2027()
    stdout.write(f"regimes: {count} requirements; agreement versions: "
                 f"{AgreementVersion.objects.count()}")
