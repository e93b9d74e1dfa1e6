"""Pages of an agreement's life: versions, change lists, timeline, coverage, the councils'
approval board, submission. Thin: parse, call a selector or a service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from sundhedsaftale.access.rules import can
from sundhedsaftale.core.models import AuditEvent
from sundhedsaftale.geography.models import Municipality, Region

from . import selectors, services
from .changes import change_list
from .forms import DecisionForm, FreezeForm, TransitionForm
from .models import Agreement, AgreementVersion, AuthorityAnswer, Submission
from .published import PublishedAgreement


def _agreement(request: HttpRequest, slug: str) -> Agreement:
    try:
        return selectors.agreement_for_versions(slug=slug, user=request.user)
    except Agreement.DoesNotExist:
        raise Http404(_("Aftalen findes ikke.")) from None


def _version(request: HttpRequest, slug: str, ref: str) -> AgreementVersion:
    try:
        return selectors.version_get(agreement_slug=slug, ref=ref, user=request.user)
    except AgreementVersion.DoesNotExist:
        raise Http404(_("Versionen findes ikke.")) from None


def _staff(request: HttpRequest) -> bool:
    return selectors.can_view_drafts(request.user)


@require_safe
def version_list(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = _agreement(request, slug)
    versions = selectors.version_list(agreement=agreement, user=request.user)
    return render(request, "agreements/version_list.html", {
        "section": "agreements", "agreement": agreement, "versions": versions,
        "rows": [(v, versions[i + 1] if i + 1 < len(versions) else None)
                 for i, v in enumerate(versions)],
        "staff": _staff(request), "freeze_form": FreezeForm(initial={
            "election_period_start": versions[0].election_period_start if versions else
            timezone.localdate().year}),
        "can_freeze": can(request.user, "agreements.version.freeze", agreement),
    })


@require_safe
def version_detail(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    version = _version(request, slug, ref)
    published = PublishedAgreement(version.agreement, version,
                                   draft=version.published_on is None)
    others = [v for v in selectors.version_list(agreement=version.agreement, user=request.user)
              if v.pk != version.pk]
    allowed = services.TRANSITIONS.get(version.stage, ())
    return render(request, "agreements/version_detail.html", {
        "section": "agreements", "version": version, "agreement": version.agreement,
        "content": published, "others": others,
        "can_transition": can(request.user, "agreements.version.transition", version),
        "can_publish": (can(request.user, "agreements.version.publish", version)
                        and AgreementVersion.Stage.PUBLISHED in allowed),
        "transition_form": TransitionForm(),
        "next_stages": [(s, AgreementVersion.Stage(s).label) for s in allowed
                        if s not in services.OWN_SERVICE],
    })


@require_safe
def version_compare(request: HttpRequest, slug: str, ref: str, other: str) -> HttpResponse:
    newer = _version(request, slug, ref)
    older = _version(request, slug, other)
    return render(request, "agreements/version_compare.html", {
        "section": "agreements", "agreement": newer.agreement, "version": newer,
        "other": older, "changes": change_list(older, newer),
    })


@require_safe
def version_timeline(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    version = _version(request, slug, ref)
    audit = None
    if _staff(request):
        ct = ContentType.objects.get_for_model(AgreementVersion)
        audit = AuditEvent.objects.filter(content_type=ct, object_id=str(version.pk)).order_by(
            "-pk")[:50]
    return render(request, "agreements/version_timeline.html", {
        "section": "agreements", "agreement": version.agreement, "version": version,
        "events": version.events.select_related("by"), "audit": audit,
        "submissions": version.submissions.prefetch_related("answers"),
    })


@require_safe
def version_coverage(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    from sundhedsaftale.regimes.selectors import coverage_matrix

    version = _version(request, slug, ref)
    rows = coverage_matrix(version=version)
    return render(request, "agreements/version_coverage.html", {
        "section": "agreements", "agreement": version.agreement, "version": version,
        "rows": rows, "counts": {s: sum(1 for r in rows if r.state == s)
                                 for s in ("met", "partly", "not_met", "suspect")},
    })


@require_safe
@login_required
def draft_coverage(request: HttpRequest, slug: str) -> HttpResponse:
    """The coverage matrix of the live working draft, for the secretariat before freezing."""
    from sundhedsaftale.regimes.selectors import coverage_matrix

    from .snapshot import agreement_snapshot

    if not _staff(request):
        raise PermissionDenied
    agreement = _agreement(request, slug)
    draft = AgreementVersion(agreement=agreement, snapshot=agreement_snapshot(agreement),
                             election_period_start=0, number=0)
    rows = coverage_matrix(version=draft)
    return render(request, "agreements/version_coverage.html", {
        "section": "agreements", "agreement": agreement, "version": draft, "is_draft": True,
        "rows": rows, "counts": {s: sum(1 for r in rows if r.state == s)
                                 for s in ("met", "partly", "not_met", "suspect")},
    })


@require_POST
@login_required
def version_freeze(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = _agreement(request, slug)
    form = FreezeForm(request.POST)
    if not can(request.user, "agreements.version.freeze", agreement):
        raise PermissionDenied
    if not form.is_valid():
        return redirect("agreements:version_list", slug)
    version = services.version_freeze(
        agreement=agreement, by=request.user,
        election_period_start=form.cleaned_data["election_period_start"],
        entry_into_force=form.cleaned_data["entry_into_force"],
        significant=form.cleaned_data["significant"], note=form.cleaned_data["note"])
    return redirect(version.get_absolute_url())


@require_POST
@login_required
def version_action(request: HttpRequest, slug: str, ref: str) -> HttpResponse:
    version = _version(request, slug, ref)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return redirect(version.get_absolute_url())
    to, on = form.cleaned_data["to"], form.cleaned_data["on"]
    try:
        if to == AgreementVersion.Stage.PUBLISHED:
            services.version_publish(version=version, by=request.user, on=on)
        else:
            services.version_transition(version=version, to=to, by=request.user, on=on,
                                        note=form.cleaned_data["note"])
    except ValidationError as exc:
        from django.contrib import messages

        messages.error(request, " ".join(exc.messages))
    return redirect("agreements:version_timeline", slug, version.ref)


@require_http_methods(["GET", "HEAD", "POST"])
def approval_board(request: HttpRequest, slug: str) -> HttpResponse:
    agreement = _agreement(request, slug)
    version = selectors.approval_version(agreement=agreement, user=request.user,
                                         ref=request.GET.get("version", ""))
    if version is None:
        raise Http404(_("Ingen version er sendt til godkendelse."))
    board = selectors.approval_board(version=version)
    own = [r for r in board.rows if request.user.is_authenticated
           and can(request.user, "agreements.decision.record", r.council)]
    form = None
    if own:
        choices = [(f"{'region' if r.is_region else 'municipality'}:{r.council.pk}",
                    str(r.council)) for r in own]
        form = DecisionForm(request.POST or None, councils=choices)
        if request.method == "POST" and form.is_valid():
            kind, pk = form.cleaned_data["council"].split(":")
            council = (Region if kind == "region" else Municipality).objects.get(pk=pk)
            try:
                services.council_decision_record(
                    version=version, council=council, by=request.user,
                    decision=form.cleaned_data["decision"],
                    decided_on=form.cleaned_data["decided_on"],
                    journal_number=form.cleaned_data["journal_number"],
                    minutes_url=form.cleaned_data["minutes_url"],
                    remarks=form.cleaned_data["remarks"])
                return redirect(f"{request.path}?version={version.ref}")
            except ValidationError as exc:
                form.add_error(None, exc)
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "agreements/approval_board.html", {
        "section": "agreements", "agreement": agreement, "version": version, "board": board,
        "form": form,
    })


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def submission_page(request: HttpRequest, slug: str) -> HttpResponse:
    from sundhedsaftale.regimes.selectors import deadlines

    agreement = _agreement(request, slug)
    if not _staff(request):
        raise PermissionDenied
    versions = selectors.version_list(agreement=agreement, user=request.user)
    current = versions[0] if versions else None
    error = ""
    if request.method == "POST":
        version = next((v for v in versions if v.ref == request.POST.get("version")), None)
        if version is None:
            raise Http404
        try:
            services.submission_create(version=version, by=request.user)
            return redirect("agreements:submission", slug)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    today = timezone.localdate()
    rows = []
    if current is not None:
        for rule_, due in deadlines(regime=agreement.regime,
                                    election_period_start=current.election_period_start):
            rows.append({"rule": rule_.title, "due": due, "days_left": (due - today).days})
    refusal = (AuthorityAnswer.objects.filter(submission__version__agreement=agreement,
                                              kind=AuthorityAnswer.Kind.NOT_APPROVED)
               .order_by("-answered_on").first())
    if refusal is not None and refusal.new_deadline:
        rows.append({"rule": _("Ny frist fra Sundhedsstyrelsen for en revideret aftale"),
                     "due": refusal.new_deadline,
                     "days_left": (refusal.new_deadline - today).days})
        rows.sort(key=lambda row: row["due"])
    return render(request, "agreements/submission.html", {
        "section": "agreements", "agreement": agreement, "versions": versions,
        "current": current, "deadlines": rows, "error": error,
        "board": selectors.approval_board(version=current) if current else None,
        "submissions": Submission.objects.filter(version__agreement=agreement)
        .select_related("version").prefetch_related("answers").order_by("-submitted_on"),
        "can_submit": can(request.user, "agreements.submission.create", agreement),
    })


@require_safe
@login_required
def submission_package(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    if not _staff(request):
        raise PermissionDenied
    try:
        submission = Submission.objects.select_related("version").get(
            pk=pk, version__agreement__slug=slug)
    except Submission.DoesNotExist:
        raise Http404 from None
    pdf = bytes(submission.package_pdf or b"")
    if not pdf:  # the demo's submissions are rendered when first asked for
        from .package import package_pdf

        pdf = package_pdf(version=submission.version, compared_with=submission.compared_with,
                          metadata=submission.metadata)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{slug}-version-{submission.version.ref}.pdf"')
    return response

