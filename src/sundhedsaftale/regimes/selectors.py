"""Reads of regimes: deadlines for an agreement version, the coverage matrix."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from sundhedsaftale.agreements.models import AgreementVersion, LegalRegime

from .models import DeadlineRule, Requirement, RequirementLink


def submission_deadline(*, regime: LegalRegime, election_period_start: int
                        ) -> datetime.date | None:
    rule_ = DeadlineRule.objects.filter(regime=regime,
                                        kind=DeadlineRule.Kind.SUBMISSION).first()
    return rule_.due(election_period_start) if rule_ else None


def deadlines(*, regime: LegalRegime, election_period_start: int
              ) -> list[tuple[DeadlineRule, datetime.date]]:
    return sorted(((r, d) for r in DeadlineRule.objects.filter(regime=regime)
                   for d in r.dates(election_period_start)), key=lambda pair: pair[1])


STATE_LABELS = {"met": _("opfyldt"), "partly": _("delvist opfyldt"),
                "not_met": _("ikke opfyldt"), "suspect": _("skal gennemgås")}


@dataclass
class CoverageRow:
    requirement: Requirement
    state: str  # met, partly, not_met, suspect
    links: list[RequirementLink] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def notes(self) -> list[str]:
        return [link.note for link in self.links if link.note]

    def as_dict(self) -> dict[str, object]:
        return {"code": self.requirement.code, "title": self.requirement.title,
                "kind": self.requirement.kind, "state": self.state,
                "items": [{"key": link.item_key, "title": self.titles.get(link.item_key, ""),
                           "coverage": link.coverage, "note": link.note,
                           "suspect": link.is_suspect} for link in self.links]}


def coverage_matrix(*, version: AgreementVersion) -> list[CoverageRow]:
    """Every requirement of the version's regime as met / partly met / not met / suspect.

    Only links to content that is in the version count; a suspect link (the requirement's
    wording changed since the link was made) makes the requirement suspect until reviewed."""
    agreement = version.agreement
    titles = {i["key"]: i.get("title", "") for i in version.items()}
    titles["agreement"] = str(version)  # the agreement as a whole (its metadata)
    links = list(RequirementLink.objects.filter(agreement=agreement)
                 .select_related("requirement"))
    by_requirement: dict[int, list[RequirementLink]] = {}
    for link in links:
        if link.item_key in titles:
            by_requirement.setdefault(link.requirement_id, []).append(link)
    rows = []
    for requirement in Requirement.objects.filter(regime_id=agreement.regime_id):
        own = by_requirement.get(requirement.pk, [])
        if any(link.is_suspect for link in own):
            state = "suspect"
        elif any(link.coverage == "met" for link in own):
            state = "met"
        elif any(link.coverage == "partly" for link in own):
            state = "partly"
        else:
            state = "not_met"
        rows.append(CoverageRow(requirement, state, own, titles))
    return rows
