"""Writes to regimes: requirements (with their fingerprint), process steps, deadline rules,
and links from agreement content to requirements (made, reviewed)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from sundhedsaftale.access.rules import require
from sundhedsaftale.agreements.models import Agreement, LegalRegime
from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.services import service

from .models import DeadlineRule, ProcessStep, Requirement, RequirementLink, text_fingerprint


def _allowed(by: Any, action: str, obj: Any = None) -> None:
    if by is not None:
        require(by, action, obj)


@service
def requirement_save(*, regime: LegalRegime, code: str, title: str, kind: str,
                     by: Any | None, text: str = "", number: int = 0,
                     parent: Requirement | None = None, is_demo: bool = False) -> Requirement:
    """Create or update the requirement `code` of `regime`. A changed wording gets a new
    fingerprint, which makes every link made against the old wording suspect."""
    _allowed(by, "regimes.requirement.edit", regime)
    requirement = Requirement.objects.filter(regime=regime, code=code).first()
    before = (requirement.title, requirement.text, requirement.fingerprint) if requirement else None
    requirement = requirement or Requirement(regime=regime, code=code)
    fields = {"title": title, "text": text, "kind": kind, "number": number, "parent": parent,
              "is_demo": is_demo}
    changed = [k for k, v in fields.items() if getattr(requirement, k) != v]
    if requirement.pk and not changed:
        return requirement
    for key, value in fields.items():
        setattr(requirement, key, value)
    requirement.fingerprint = text_fingerprint(title, text)
    # (regime, code) is looked up above; the database constraint guards the rest.
    requirement.full_clean(exclude=["regime", "parent"], validate_unique=False,
                           validate_constraints=False)
    requirement.save()
    audit_record(actor=by, action="regimes.requirement.save", obj=requirement,
                 changes={"fields": changed,
                          "fingerprint": {"before": before[2] if before else None,
                                          "after": requirement.fingerprint}})
    return requirement


@service
def process_step_save(*, regime: LegalRegime, number: int, title: str, by: Any | None,
                      description: str = "", stage: str = "") -> ProcessStep:
    _allowed(by, "regimes.requirement.edit", regime)
    fields = {"title": title, "description": description, "stage": stage}
    step = ProcessStep.objects.filter(regime=regime, number=number).first()
    if step is not None and all(getattr(step, k) == v for k, v in fields.items()):
        return step
    step, created = ProcessStep.objects.update_or_create(regime=regime, number=number,
                                                         defaults=fields)
    audit_record(actor=by, action="regimes.process_step.save", obj=step,
                 changes={"created": created})
    return step


@service
def deadline_rule_save(*, regime: LegalRegime, kind: str, title: str, month: int, day: int,
                       by: Any | None, year_of_period: int = 2,
                       yearly: bool = False) -> DeadlineRule:
    _allowed(by, "regimes.requirement.edit", regime)
    fields = {"title": title, "month": month, "day": day, "year_of_period": year_of_period,
              "yearly": yearly}
    rule_ = DeadlineRule.objects.filter(regime=regime, kind=kind).first()
    if rule_ is not None and all(getattr(rule_, k) == v for k, v in fields.items()):
        return rule_
    try:
        datetime.date(2001, month, day)
    except ValueError:
        raise ValidationError(_("%(day)s/%(month)s er ikke en dato.") % {
            "day": day, "month": month}) from None
    rule_, created = DeadlineRule.objects.update_or_create(regime=regime, kind=kind,
                                                          defaults=fields)
    audit_record(actor=by, action="regimes.deadline_rule.save", obj=rule_,
                 changes={"created": created})
    return rule_


@service
def requirement_link_set(*, requirement: Requirement, agreement: Agreement, item_key: str,
                         by: Any | None, coverage: str = "met",
                         note: str = "", is_demo: bool = False) -> RequirementLink:
    """Link content (`item_key`, e.g. "goal:12") to a requirement it meets, against the
    requirement's current wording (its fingerprint)."""
    _allowed(by, "regimes.link.edit", agreement)
    if requirement.regime_id != agreement.regime_id:
        raise ValidationError(_("Kravet hører til et andet regelsæt end aftalen."))
    if coverage == "partly" and not note:
        raise ValidationError({"note": _("Skriv, hvad der mangler, når kravet er delvist "
                                         "opfyldt.")})
    link, created = RequirementLink.objects.get_or_create(
        requirement=requirement, agreement=agreement, item_key=item_key,
        defaults={"coverage": coverage, "note": note, "fingerprint": requirement.fingerprint,
                  "is_demo": is_demo})
    if not created and (link.coverage, link.note) != (coverage, note):
        link.coverage, link.note = coverage, note
        link.save(update_fields=["coverage", "note"])
    if created or link.coverage != coverage:
        audit_record(actor=by, action="regimes.link.set", obj=link,
                     changes={"coverage": coverage, "item": item_key})
    return link


@service
def requirement_link_review(*, link: RequirementLink, by: Any | None, coverage: str | None = None,
                            note: str | None = None) -> RequirementLink:
    """Someone read the requirement's new wording and confirms (or changes) the link: it is no
    longer suspect."""
    _allowed(by, "regimes.link.edit", link.agreement)
    before = link.fingerprint
    link.fingerprint = link.requirement.fingerprint
    if coverage is not None:
        link.coverage = coverage
    if note is not None:
        link.note = note
    link.reviewed_by = by if getattr(by, "is_authenticated", False) else None
    link.reviewed_at = timezone.now()
    link.save()
    audit_record(actor=by, action="regimes.link.review", obj=link,
                 changes={"fingerprint": {"before": before, "after": link.fingerprint},
                          "coverage": link.coverage})
    return link
