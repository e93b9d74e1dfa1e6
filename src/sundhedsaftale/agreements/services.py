"""Writes to agreements. Each service is one transaction and records who made the change."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from sundhedsaftale.access.rules import require
from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.concurrency import version_check
from sundhedsaftale.core.services import content_save, content_update, service
from sundhedsaftale.geography.models import Municipality, Region

from .models import (
    Agreement,
    AgreementAnnex,
    AgreementVersion,
    Annex,
    AuthorityAnswer,
    CouncilDecision,
    FocusArea,
    FollowUpSource,
    Goal,
    Initiative,
    Principle,
    Submission,
    VersionEvent,
    Vision,
)


def _update(instance: Any, by: Any | None, action: str, fields: dict[str, Any],
            reason: str = "", base_version: str | None = None) -> Any:
    """Change fields of one content object and audit what changed (before -> after)."""
    if base_version is not None:
        version_check(instance=instance, token=base_version, yours=fields)
    before = {name: getattr(instance, name) for name in fields}
    instance, changed = content_update(instance=instance, by=by, reason=reason, **fields)
    if changed:
        audit_record(actor=by, action=action, obj=instance, note=reason, changes={
            name: {"before": before[name], "after": getattr(instance, name)}
            for name in changed})
    return instance


@service
def agreement_update(*, agreement: Agreement, by: Any | None, base_version: str | None = None,
                     **fields: Any) -> Agreement:
    """Change an agreement's fields; the status only through agreement_status_set."""
    if "status" in fields:
        raise ValueError("use agreement_status_set to change the status")
    return _update(agreement, by, "agreements.agreement.update", fields,
                   base_version=base_version)


# Allowed status changes: (from, to) -> the action (access rule) the user must be allowed.
# (Plain strings: the values of Agreement.Status.)
STATUS_TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "hearing"): "agreements.edit",
    ("hearing", "draft"): "agreements.edit",
    ("hearing", "approved"): "agreements.edit",
    ("draft", "approved"): "agreements.edit",
    ("approved", "draft"): "agreements.edit",
    ("approved", "published"): "agreements.publish",
    ("published", "archived"): "agreements.publish",
    ("archived", "published"): "agreements.publish",
}


def agreement_status_targets(agreement: Agreement) -> list[str]:
    """The statuses the agreement may move to from its current one."""
    return [to for (frm, to) in STATUS_TRANSITIONS if frm == agreement.status]


@service
def agreement_status_set(*, agreement: Agreement, status: str, by: Any | None) -> Agreement:
    """Move an agreement along STATUS_TRANSITIONS (draft -> hearing -> approved -> published
    -> archived). A move the table does not allow, or that the user may not make, is refused
    with a ValidationError or PermissionDenied in Danish."""
    from sundhedsaftale.access.rules import can

    if status not in Agreement.Status.values:
        raise ValidationError(_("Unknown status “%(status)s”.") % {"status": status})
    current = Agreement.objects.select_for_update().get(pk=agreement.pk).status
    if current == status:
        return agreement
    action = STATUS_TRANSITIONS.get((current, status))
    if action is None:
        allowed = ", ".join(str(Agreement.Status(t).label) for (f, t) in STATUS_TRANSITIONS
                            if f == current)
        raise ValidationError(
            _("An agreement cannot go from “%(current)s” to “%(status)s”. From “%(current)s” "
              "it can go to: %(allowed)s.") % {
                "current": Agreement.Status(current).label,
                "status": Agreement.Status(status).label, "allowed": allowed or "—"},
            code="transition")
    if by is not None and not can(by, action, agreement):
        raise PermissionDenied(
            _("You may not move the agreement from “%(current)s” to “%(status)s”.") % {
                "current": Agreement.Status(current).label,
                "status": Agreement.Status(status).label})
    reason = _("Status changed to %(status)s") % {"status": Agreement.Status(status).label}
    return _update(agreement, by, "agreements.agreement.status", {"status": status},
                   reason=reason)


@service
def vision_update(*, vision: Vision, by: Any | None, base_version: str | None = None,
                  **fields: Any) -> Vision:
    return _update(vision, by, "agreements.vision.update", fields, base_version=base_version)


@service
def principle_update(*, principle: Principle, by: Any | None, base_version: str | None = None,
                     **fields: Any) -> Principle:
    return _update(principle, by, "agreements.principle.update", fields,
                   base_version=base_version)


@service
def focus_area_update(*, focus_area: FocusArea, by: Any | None,
                      base_version: str | None = None, **fields: Any) -> FocusArea:
    return _update(focus_area, by, "agreements.focus_area.update", fields,
                   base_version=base_version)


@service
def goal_create(*, by: Any | None, title: str, focus_area: FocusArea | None = None,
                vision: Vision | None = None, number: int = 0, summary: str = "",
                slug: str = "") -> Goal:
    parent = focus_area or vision
    goal = Goal(title=title, focus_area=focus_area, vision=vision, number=number,
                summary=summary, slug=slug,
                agreement_id=parent.agreement_id if parent is not None else None)
    if not goal.slug:
        from sundhedsaftale.core.text import danish_slugify

        goal.slug = danish_slugify(title)[:100]
    content_save(instance=goal, by=by)
    audit_record(actor=by, action="agreements.goal.create", obj=goal,
                 changes={"title": title, "parent": str(parent)})
    return goal


@service
def goal_update(*, goal: Goal, by: Any | None, base_version: str | None = None,
                **fields: Any) -> Goal:
    """Change a goal's fields (title, summary, number, slug, parent) as user `by`. With
    `base_version` (core.concurrency.version_token) a change based on a stale goal is
    refused."""
    return _update(goal, by, "agreements.goal.update", fields, base_version=base_version)


@service
def initiative_create(*, goal: Goal, by: Any | None, title: str, number: int = 0,
                      summary: str = "", is_demo: bool = False) -> Initiative:
    """Add an initiative under a goal (live draft)."""
    initiative = content_save(instance=Initiative(goal=goal, title=title, number=number,
                                                  summary=summary, is_demo=is_demo),
                              by=_user(by))
    audit_record(actor=by, action="agreements.initiative.create", obj=initiative)
    return initiative


@service
def initiative_delete(*, initiative: Initiative, by: Any | None) -> None:
    """Remove an initiative from the live draft (its history keeps the deletion)."""
    initiative._history_user = _user(by)  # type: ignore[attr-defined]
    audit_record(actor=by, action="agreements.initiative.delete", obj=initiative)
    initiative.delete()


@service
def initiative_update(*, initiative: Initiative, by: Any | None,
                      base_version: str | None = None, **fields: Any) -> Initiative:
    return _update(initiative, by, "agreements.initiative.update", fields,
                   base_version=base_version)


@service
def agreement_parties_set(*, agreement: Agreement, municipalities: Iterable[Municipality],
                          by: Any | None) -> Agreement:
    """Set the municipalities that are parties to the agreement (kept in its history)."""
    wanted = list(municipalities)
    before = sorted(str(m) for m in agreement.party_municipalities.all())
    agreement._history_user = by  # type: ignore[attr-defined]
    agreement.party_municipalities.set(wanted)
    after = sorted(str(m) for m in wanted)
    if before != after:
        audit_record(actor=by, action="agreements.agreement.parties", obj=agreement,
                     changes={"party_municipalities": {"before": before, "after": after}})
    return agreement


@service
def version_freeze(*, agreement: Agreement, by: Any | None, election_period_start: int,
                   entry_into_force: datetime.date | None = None, note: str = "",
                   is_demo: bool = False, significant: bool = True,
                   on: datetime.date | None = None) -> AgreementVersion:
    """Freeze the live tree of `agreement` as its next version in the election period
    (numbers restart at 1 in each election period). A later version is a revision of the
    newest earlier one (`based_on`); `significant` says whether it needs the councils'
    approval and a new submission."""
    from .snapshot import agreement_snapshot

    _allowed(by, "agreements.version.freeze", agreement)
    previous = AgreementVersion.objects.filter(agreement=agreement).order_by(
        "-election_period_start", "-number").first()

    last = (AgreementVersion.objects.select_for_update()
            .filter(agreement=agreement, election_period_start=election_period_start)
            .order_by("-number").first())
    version = AgreementVersion(
        agreement=agreement, election_period_start=election_period_start,
        number=(last.number + 1) if last else 1, entry_into_force=entry_into_force,
        note=note, snapshot=agreement_snapshot(agreement), is_demo=is_demo,
        based_on=previous, significant=significant,
        frozen_by=by if getattr(by, "is_authenticated", False) else None)
    version.full_clean()
    version.save()
    VersionEvent.objects.create(version=version, stage_to=version.stage,
                                on=on or timezone.localdate(), by=_user(by), note=note[:500],
                                is_demo=is_demo)
    audit_record(actor=by, action="agreements.version.freeze", obj=version,
                 changes={"number": version.number,
                          "election_period": version.election_period_label})
    return version


# --------------------------------------------------------------------- stages and publication

Stage = AgreementVersion.Stage


class S:
    """The stage values as plain strings (AgreementVersion.Stage's values)."""

    FROZEN = "frozen"
    IN_HEARING = "in_hearing"
    ADOPTED = "adopted"
    COUNCILS_APPROVED = "councils_approved"
    SUBMITTED = "submitted"
    AUTHORITY_APPROVED = "authority_approved"
    AUTHORITY_REJECTED = "authority_rejected"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


assert {v for k, v in vars(S).items() if k.isupper()} == set(Stage.values)

#: Allowed stage transitions: from -> the stages it may move to. Publication and submission
#: have their own services (version_publish, submission_create) with their own permission.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.FROZEN: (S.IN_HEARING, S.ADOPTED, S.SUPERSEDED),
    S.IN_HEARING: (S.ADOPTED, S.SUPERSEDED),
    S.ADOPTED: (S.COUNCILS_APPROVED, S.SUBMITTED, S.PUBLISHED, S.SUPERSEDED),
    S.COUNCILS_APPROVED: (S.SUBMITTED, S.PUBLISHED, S.SUPERSEDED),
    S.SUBMITTED: (S.AUTHORITY_APPROVED, S.AUTHORITY_REJECTED, S.PUBLISHED),
    S.AUTHORITY_APPROVED: (S.PUBLISHED, S.SUPERSEDED),
    S.AUTHORITY_REJECTED: (S.SUPERSEDED,),
    S.PUBLISHED: (S.SUPERSEDED,),
    S.SUPERSEDED: (),
}
#: Stages reached only through their own service.
OWN_SERVICE = {S.PUBLISHED: "version_publish", S.SUBMITTED: "submission_create",
               S.COUNCILS_APPROVED: "council_decision_record",
               S.AUTHORITY_APPROVED: "authority_answer_record",
               S.AUTHORITY_REJECTED: "authority_answer_record"}


def _user(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _allowed(by: Any, action: str, obj: Any = None) -> None:
    """`by=None` is the system (demo loader, commands); a user must pass the rule."""
    if by is not None:
        require(by, action, obj)


def _stage_label(stage: str) -> str:
    return str(Stage(stage).label)


def _move(version: AgreementVersion, to: str, *, by: Any, on: datetime.date | None,
          note: str = "", is_demo: bool = False) -> AgreementVersion:
    if to not in TRANSITIONS.get(version.stage, ()):
        raise ValidationError(_("Versionen kan ikke gå fra »%(from)s« til »%(to)s«.") % {
            "from": _stage_label(version.stage), "to": _stage_label(to)})
    if (to in (S.SUBMITTED, S.PUBLISHED) and version.stage == S.ADOPTED
            and version.significant):
        raise ValidationError(_("En væsentlig ændring skal godkendes af regionsrådet og alle "
                                "kommunalbestyrelser, før den indsendes eller offentliggøres."))
    before = version.stage
    version.stage = to
    version.save(update_fields=["stage"])
    VersionEvent.objects.create(version=version, stage_from=before, stage_to=to,
                                on=on or timezone.localdate(), by=_user(by), note=note[:500],
                                is_demo=is_demo)
    audit_record(actor=by, action="agreements.version.transition", obj=version,
                 changes={"stage": {"before": before, "after": to}}, note=note)
    return version


@service
def version_transition(*, version: AgreementVersion, to: str, by: Any | None,
                       on: datetime.date | None = None, note: str = "",
                       is_demo: bool = False) -> AgreementVersion:
    """Move a version to the next stage (see TRANSITIONS); a refused move raises
    ValidationError with a Danish message."""
    _allowed(by, "agreements.version.transition", version)
    version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
    if to in OWN_SERVICE:
        raise ValidationError(_("»%(to)s« registreres med sin egen handling.") % {
            "to": _stage_label(to)})
    return _move(version, to, by=by, on=on, note=note, is_demo=is_demo)


@service
def version_publish(*, version: AgreementVersion, by: Any | None,
                    on: datetime.date | None = None, is_demo: bool = False) -> AgreementVersion:
    """Publish a version (its own permission). The version published before it is superseded;
    the public pages show this version from now on."""
    _allowed(by, "agreements.version.publish", version)
    version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
    on = on or timezone.localdate()
    if version.stage == S.SUBMITTED and version.significant:
        raise ValidationError(_("En væsentlig ændring offentliggøres først, når "
                                "Sundhedsstyrelsen har godkendt den."))
    _move(version, S.PUBLISHED, by=by, on=on, is_demo=is_demo)
    version.published_on = on
    version.save(update_fields=["published_on"])
    for old in AgreementVersion.objects.filter(agreement=version.agreement,
                                               stage=S.PUBLISHED).exclude(pk=version.pk):
        _move(old, S.SUPERSEDED, by=by, on=on, is_demo=is_demo,
              note=_("Erstattet af version %(ref)s") % {"ref": version.ref})
    agreement = version.agreement
    if agreement.status not in Agreement.PUBLIC_STATUSES:
        content_update(instance=agreement, by=_user(by), status=Agreement.Status.PUBLISHED)
    audit_record(actor=by, action="agreements.version.publish", obj=version,
                 changes={"published_on": on})
    return version


# ------------------------------------------------------------------- councils' approval

def agreement_councils(agreement: Agreement) -> list[Region | Municipality]:
    """The councils that must approve: the region party's council, then every municipality
    party's council (by name)."""
    councils: list[Region | Municipality] = []
    if agreement.party_region_id:
        councils.append(agreement.party_region)  # type: ignore[arg-type]
    councils.extend(agreement.party_municipalities.order_by("name"))
    return councils


@service
def council_decision_record(*, version: AgreementVersion, council: Region | Municipality,
                            decision: str, by: Any | None,
                            decided_on: datetime.date | None = None, journal_number: str = "",
                            minutes_url: str = "", remarks: str = "",
                            is_demo: bool = False) -> CouncilDecision:
    """Record one council's decision on a version. Staff record their own council's only.
    When the last party approves, the version is entered ("indgået") that day and moves to
    "approved by the councils"."""
    return council_decisions_record(version=version, by=by, is_demo=is_demo, decisions=[{
        "council": council, "decision": decision, "decided_on": decided_on,
        "journal_number": journal_number, "minutes_url": minutes_url, "remarks": remarks}])[0]


@service
def council_decisions_record(*, version: AgreementVersion, decisions: list[dict[str, Any]],
                             by: Any | None, is_demo: bool = False) -> list[CouncilDecision]:
    """Record several councils' decisions at once (each a dict with council, decision,
    decided_on, journal_number, minutes_url, remarks); the rules of council_decision_record
    apply to each."""
    for item in decisions:
        _allowed(by, "agreements.decision.record", item["council"])
    version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
    if version.stage not in (S.ADOPTED, S.COUNCILS_APPROVED):
        raise ValidationError(_("Byråd og regionsråd behandler versionen, når udvalget har "
                                "vedtaget den (den er nu »%(stage)s«).") % {
                                    "stage": _stage_label(version.stage)})
    parties = agreement_councils(version.agreement)
    party_keys = {(isinstance(p, Region), p.pk) for p in parties}
    existing = {(d.region_id is not None, d.region_id or d.municipality_id): d
                for d in version.council_decisions.all()}
    records = []
    for item in decisions:
        council, decision = item["council"], item["decision"]
        decided_on = item.get("decided_on")
        if decision not in CouncilDecision.Decision.values:
            raise ValidationError(_("Ukendt beslutning."))
        if decision != "pending" and decided_on is None:
            raise ValidationError({"decided_on": _("Angiv datoen for beslutningen.")})
        key = (isinstance(council, Region), council.pk)
        if key not in party_keys:
            raise ValidationError(_("%(council)s er ikke part i aftalen.") % {
                "council": council})
        record = existing.get(key)
        before = record.decision if record else None
        if record is None:
            lookup = {"region": council} if key[0] else {"municipality": council}
            record = CouncilDecision(version=version, **lookup)
            existing[key] = record
        record.decision = decision
        record.decided_on = decided_on
        record.journal_number = item.get("journal_number", "")
        record.minutes_url = item.get("minutes_url", "")
        record.remarks = item.get("remarks", "")
        record.recorded_by = _user(by)
        record.is_demo = is_demo
        # The foreign keys come from the rows above; skip the existence queries.
        record.full_clean(exclude=["version", "region", "municipality", "recorded_by"],
                          validate_unique=False, validate_constraints=False)
        record.save()
        audit_record(actor=by, action="agreements.decision.record", obj=record,
                     changes={"decision": {"before": before, "after": decision},
                              "council": str(council)})
        records.append(record)
    approved = [d for d in existing.values() if d.is_approving]
    if parties and len(approved) == len(parties):
        reached = max(d.decided_on for d in approved if d.decided_on)
        if version.entered_on != reached:
            version.entered_on = reached
            version.save(update_fields=["entered_on"])
        if version.stage == S.ADOPTED:
            _move(version, S.COUNCILS_APPROVED, by=by, on=reached, is_demo=is_demo,
                  note=_("Godkendt af alle %(n)s parter") % {"n": len(parties)})
    elif version.entered_on is not None:
        version.entered_on = None
        version.save(update_fields=["entered_on"])
    return records


# ------------------------------------------------------------------ submission and answers

@service
def submission_create(*, version: AgreementVersion, by: Any | None,
                      on: datetime.date | None = None, is_demo: bool = False,
                      render_pdf: bool = True) -> Submission:
    """Submit a version to the national authority with its package (PDF: metadata, annexes,
    coverage matrix, change list against the last submitted version). A significant version is
    refused until every party's council has approved it; another one goes for information.
    render_pdf=False leaves the PDF to be rendered when it is first downloaded (the demo)."""
    from .package import package_build

    _allowed(by, "agreements.submission.create", version)
    version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
    parties = agreement_councils(version.agreement)
    approved = version.council_decisions.filter(decision__in=CouncilDecision.APPROVING).count()
    if version.significant and (approved < len(parties) or not parties):
        raise ValidationError(_("Aftalen kan ikke indsendes: %(n)s af %(total)s byråd og "
                                "regionsråd har godkendt den.") % {"n": approved,
                                                                   "total": len(parties)})
    on = on or timezone.localdate()
    previous = (AgreementVersion.objects.filter(agreement=version.agreement,
                                                submissions__isnull=False)
                .exclude(pk=version.pk).order_by("-election_period_start", "-number").first())
    metadata, pdf = package_build(version=version, compared_with=previous, submitted_on=on,
                                  render_pdf=render_pdf)
    deadline = metadata.get("deadline")
    submission = Submission(version=version, submitted_on=on,
                            deadline=datetime.date.fromisoformat(deadline) if deadline else None,
                            for_information=not version.significant, compared_with=previous,
                            metadata=metadata, package_pdf=pdf, submitted_by=_user(by),
                            is_demo=is_demo)
    submission.save()
    _move(version, S.SUBMITTED, by=by, on=on, is_demo=is_demo,
          note=_("Til orientering") if submission.for_information else "")
    audit_record(actor=by, action="agreements.submission.create", obj=submission,
                 changes={"version": version.ref, "for_information": submission.for_information})
    return submission


@service
def authority_answer_record(*, submission: Submission, kind: str, answered_on: datetime.date,
                            by: Any | None, text: str = "",
                            unmet_requirements: list[str] | None = None,
                            new_deadline: datetime.date | None = None,
                            is_demo: bool = False) -> AuthorityAnswer:
    """Record the authority's receipt, approval (with advice) or refusal (unmet requirements
    and a new deadline, which the next revision works towards)."""
    _allowed(by, "agreements.answer.record", submission)
    if kind not in AuthorityAnswer.Kind.values:
        raise ValidationError(_("Ukendt svar."))
    if kind == AuthorityAnswer.Kind.NOT_APPROVED and not (unmet_requirements and new_deadline):
        raise ValidationError(_("Et afslag skal nævne de krav, der ikke er opfyldt, og en ny "
                                "frist."))
    answer = AuthorityAnswer(submission=submission, kind=kind, answered_on=answered_on,
                             text=text, unmet_requirements=list(unmet_requirements or []),
                             new_deadline=new_deadline, recorded_by=_user(by), is_demo=is_demo)
    answer.full_clean()
    answer.save()
    version = submission.version
    if kind == AuthorityAnswer.Kind.APPROVED:
        _move(version, S.AUTHORITY_APPROVED, by=by, on=answered_on, is_demo=is_demo)
    elif kind == AuthorityAnswer.Kind.NOT_APPROVED:
        _move(version, S.AUTHORITY_REJECTED, by=by, on=answered_on, is_demo=is_demo,
              note=_("Ny frist %(date)s") % {"date": new_deadline})
    audit_record(actor=by, action="agreements.answer.record", obj=answer,
                 changes={"kind": kind, "version": version.ref})
    return answer


# ------------------------------------------------------------- a new agreement from a version

@service
def agreement_start_from_version(*, version: AgreementVersion, by: Any | None, slug: str,
                                 title: str, period_start: datetime.date,
                                 period_end: datetime.date, regime: Any | None = None,
                                 kind: str | None = None, is_demo: bool = False) -> Agreement:
    """A new agreement (a draft) whose content is a copy of `version`'s: visions, principles,
    focus areas, goals, initiatives, follow-up sources; its annexes are linked with
    `carried_over_from` (the earlier origin if the annex was carried over already)."""
    _allowed(by, "agreements.agreement.start_from_version", version)
    source = version.agreement
    user = _user(by)
    agreement = content_save(instance=Agreement(
        title=title, slug=slug, kind=kind or source.kind, period_start=period_start,
        period_end=period_end, regime=regime or source.regime, summary=source.summary,
        party_region=source.party_region, parties_text=source.parties_text,
        status=Agreement.Status.DRAFT, is_demo=is_demo), by=user,
        reason=_("Startet fra %(v)s") % {"v": version})
    agreement.party_municipalities.set(source.party_municipalities.all())
    agreement.bodies.set(source.bodies.all())
    agreement.clusters.set(source.clusters.all())
    made: dict[str, Any] = {}
    for item in version.items():
        kind_ = item["kind"]
        common = {"number": item.get("number", 0), "title": item["title"],
                  "summary": item.get("summary", "")}
        parent = made.get(item.get("parent") or "")
        obj: Any
        if kind_ == "vision":
            obj = Vision(agreement=agreement, slug=item.get("slug", ""), **common)
        elif kind_ == "principle":
            obj = Principle(agreement=agreement, **common)
        elif kind_ == "focus_area":
            obj = FocusArea(agreement=agreement, slug=item.get("slug", ""), **common)
        elif kind_ == "goal" and parent is not None:
            obj = Goal(agreement=agreement, slug=item.get("slug", ""),
                       focus_area=parent if isinstance(parent, FocusArea) else None,
                       vision=parent if isinstance(parent, Vision) else None, **common)
        elif kind_ == "initiative" and parent is not None:
            obj = Initiative(goal=parent, status=item.get("status") or "planned",
                             is_demo=item.get("is_demo", False), **common)
        elif kind_ == "follow_up_source":
            obj = FollowUpSource(agreement=agreement, url=item.get("url") or "", **common)
        elif kind_ == "annex":
            annex = Annex.objects.filter(pk=item["key"].split(":", 1)[1]).first()
            if annex is None:
                continue
            origin = (Agreement.objects.filter(slug=item.get("carried_over_from")).first()
                      or source)
            content_save(instance=AgreementAnnex(agreement=agreement, annex=annex,
                                                 number=item.get("number", 0),
                                                 carried_over_from=origin), by=user)
            continue
        else:
            continue
        made[item["key"]] = content_save(instance=obj, by=user)
    audit_record(actor=by, action="agreements.agreement.start_from_version", obj=agreement,
                 changes={"from": str(version), "items": len(made)})
    return agreement
