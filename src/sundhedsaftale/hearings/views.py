"""Pages of the hearings app: thin views that parse the request, call a service or selector
and render a template. Staff pages ask `hearings.manage`/`hearings.view_internal`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from sundhedsaftale.access.rules import can
from sundhedsaftale.core.csv import csv_response

from . import selectors, services
from .forms import RegisterForm, ResponseForm, SubscribeForm
from .models import Attachment, Hearing, Response, ScreeningHit

PRINT_CSS = Path(__file__).resolve().parent / "static" / "hearings" / "print.css"


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _pdf(request: HttpRequest, template: str, context: dict[str, Any], filename: str
         ) -> HttpResponse:
    from weasyprint import CSS, HTML

    html = render_to_string(template, context, request=request)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        stylesheets=[CSS(filename=str(PRINT_CSS))])
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _staff(request: HttpRequest, action: str = "hearings.manage") -> None:
    if not request.user.is_authenticated:
        raise _LoginRequired
    if not can(request.user, action):
        raise PermissionDenied(action)


class _LoginRequired(Exception):
    pass


def staff_page(action: str = "hearings.manage"):
    def decorate(view):
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                _staff(request, action)
            except _LoginRequired:
                return redirect_to_login(request.get_full_path())
            return view(request, *args, **kwargs)

        wrapper.__name__ = view.__name__
        wrapper.__doc__ = view.__doc__
        return wrapper

    return decorate


# ------------------------------------------------------------------ public pages


@require_safe
def hearing_list(request: HttpRequest) -> HttpResponse:
    return render(request, "hearings/hearing_list.html", {
        "section": "hearings", "groups": selectors.hearing_list_for_user(request.user),
        "today": timezone.localdate()})


def _detail_context(request: HttpRequest, hearing: Hearing) -> dict[str, Any]:
    responses = list(selectors.published_responses(hearing))
    by_party: dict[int | None, list[Response]] = {}
    for response in responses:
        by_party.setdefault(response.party_id, []).append(response)
    return {
        "section": "hearings", "hearing": hearing,
        "party_groups": selectors.party_groups(hearing),
        "status_counts": selectors.status_counts(hearing),
        "sections": selectors.sections_of(hearing, responses),
        "responses": responses,
        "private_responses": by_party.get(None, []),
        "memo": selectors.memo_of(hearing, issued_only=True),
        "can_manage": can(request.user, "hearings.manage", hearing),
        "represented": selectors.parties_represented_by(request.user, hearing),
    }


@require_safe
def hearing_detail(request: HttpRequest, slug: str) -> HttpResponse:
    hearing = selectors.hearing_get_for_user(slug=slug, user=request.user)
    return render(request, "hearings/hearing_detail.html", _detail_context(request, hearing))


@require_safe
def hearing_letter_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    hearing = selectors.hearing_get_for_user(slug=slug, user=request.user)
    return _pdf(request, "hearings/print/letter.html",
                {"hearing": hearing, "party_groups": selectors.party_groups(hearing)},
                f"hoeringsbrev-{hearing.slug}.pdf")


def _memo_context(hearing: Hearing, memo: Any) -> dict[str, Any]:
    return {"section": "hearings", "hearing": hearing, "memo": memo,
            "sections": selectors.memo_sections(memo)}


@require_safe
def memo_detail(request: HttpRequest, slug: str) -> HttpResponse:
    hearing = selectors.hearing_get_for_user(slug=slug, user=request.user)
    memo = selectors.memo_of(hearing, issued_only=not can(request.user, "hearings.manage"))
    if memo is None:
        raise Http404("memo")
    return render(request, "hearings/memo_detail.html", _memo_context(hearing, memo))


@require_safe
def memo_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    hearing = selectors.hearing_get_for_user(slug=slug, user=request.user)
    memo = selectors.memo_of(hearing, issued_only=not can(request.user, "hearings.manage"))
    if memo is None:
        raise Http404("memo")
    return _pdf(request, "hearings/print/memo.html", _memo_context(hearing, memo),
                f"hoeringsnotat-{hearing.slug}.pdf")


def _uploads(form: Any) -> list[services.Upload]:
    upload = form.cleaned_data.get("attachment")
    if not upload:
        return []
    return [services.Upload(filename=upload.name, content=upload.read())]


@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, slug: str) -> HttpResponse:
    """Answer as a representative (logged in) or, in a public hearing, as anyone."""
    hearing = selectors.hearing_get_for_user(slug=slug, user=request.user)
    parties = selectors.parties_represented_by(request.user, hearing)
    if parties:
        mode = "login"
    elif hearing.is_public:
        mode = "public"
    else:
        mode = "closed"
    form = None
    if mode != "closed" and hearing.accepts_responses:
        form = ResponseForm(request.POST or None, request.FILES or None, hearing=hearing,
                            mode=mode, parties=parties)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                response = services.response_submit(
                    hearing=hearing, by=request.user,
                    channel="login" if mode == "login" else "public",
                    party=data.get("party"), text=data.get("text", ""),
                    anchor_key=data.get("anchor_key", ""),
                    author_name=data.get("author_name", ""),
                    author_email=data.get("author_email", ""),
                    attachments=_uploads(form))
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                return render(request, "hearings/respond_done.html", {
                    "section": "hearings", "hearing": hearing, "response": response,
                    "needs_confirmation": mode == "public"})
    return render(request, "hearings/respond.html", {
        "section": "hearings", "hearing": hearing, "form": form, "mode": mode})


@require_http_methods(["GET", "POST"])
def respond_by_link(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """A party's personal link: open it, answer or decline."""
    hearing = selectors.hearing_get_for_user(slug=slug, user=request.user)
    party = services.party_by_token(hearing=hearing, token=token)
    if party is None:
        raise Http404("link")
    if request.method == "GET":
        services.party_link_open(party=party)
    form = None
    if hearing.accepts_responses:
        form = ResponseForm(request.POST or None, request.FILES or None, hearing=hearing,
                            mode="link")
        if request.method == "POST" and request.POST.get("action") == "decline":
            try:
                services.party_decline(party=party, by=None)
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, _("We have noted that you will not answer."))
            return HttpResponseRedirect(request.path)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                response = services.response_submit(
                    hearing=hearing, channel="link", token=token,
                    text=data.get("text", ""), anchor_key=data.get("anchor_key", ""),
                    attachments=_uploads(form))
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                return render(request, "hearings/respond_done.html", {
                    "section": "hearings", "hearing": hearing, "response": response,
                    "party": party})
    return render(request, "hearings/respond.html", {
        "section": "hearings", "hearing": hearing, "form": form, "mode": "link",
        "party": party})


@require_safe
def response_confirm(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    hearing = selectors.hearing_get_for_user(slug=slug, user=request.user)
    response = services.response_confirm(hearing=hearing, token=token)
    return render(request, "hearings/message.html", {
        "section": "hearings", "hearing": hearing,
        "title": _("Response confirmed") if response else _("The link is not valid"),
        "text": _("Thank you. Your response will be published when the secretariat has "
                  "checked it for personal data.") if response else
        _("The link has been used already or is not valid.")})


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.subscription_request(email=form.cleaned_data["email"])
        return render(request, "hearings/message.html", {
            "section": "hearings", "title": _("Check your e-mail"),
            "text": _("We have sent you a link. Your subscription starts when you open it.")})
    return render(request, "hearings/subscribe.html", {"section": "hearings", "form": form})


@require_safe
def subscribe_confirm(request: HttpRequest, token: str) -> HttpResponse:
    ok = services.subscription_confirm(token=token) is not None
    return render(request, "hearings/message.html", {
        "section": "hearings",
        "title": _("Subscription confirmed") if ok else _("The link is not valid"),
        "text": _("We will e-mail you when a hearing opens. Every e-mail has a link to "
                  "unsubscribe.") if ok else _("Ask for a new link on the subscription page.")})


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        ok = services.subscription_cancel(token=token) is not None
        return render(request, "hearings/message.html", {
            "section": "hearings",
            "title": _("Unsubscribed") if ok else _("The link is not valid"),
            "text": _("You will no longer receive e-mails about hearings.") if ok else ""})
    return render(request, "hearings/unsubscribe.html", {"section": "hearings"})


# ------------------------------------------------------------------ staff pages


@staff_page("hearings.view_internal")
@require_http_methods(["GET", "POST"])
def staff_overview(request: HttpRequest, slug: str, csv: bool = False) -> HttpResponse:
    """The secretariat's page: lifecycle, the party table (CSV), responses to screen."""
    hearing = get_object_or_404(Hearing, slug=slug)
    if request.method == "POST":
        action = {"scheduled": services.hearing_schedule, "open": services.hearing_open,
                  "closed": services.hearing_close,
                  "concluded": services.hearing_conclude}.get(request.POST.get("to", ""))
        if action is None:
            raise Http404("transition")
        try:
            action(hearing=hearing, by=request.user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        return HttpResponseRedirect(request.path)
    if csv or request.GET.get("format") == "csv":
        return party_csv(hearing)
    return render(request, "hearings/staff_overview.html", {
        "section": "hearings", "hearing": hearing,
        "parties": selectors.parties_of(hearing),
        "status_counts": selectors.status_counts(hearing),
        "responses": selectors.responses_for_staff(hearing),
        "memo": selectors.memo_of(hearing, issued_only=False),
        "can_manage": can(request.user, "hearings.manage", hearing),
        "next_statuses": [(to, Hearing.Status(to).label)
                          for (frm, to) in services.TRANSITIONS if frm == hearing.status]})


def party_csv(hearing: Hearing) -> HttpResponse:
    """The party table as CSV (formula injection neutralised by core.csv)."""

    def when(value: Any) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    rows: list[list[Any]] = [[_("Party"), _("Group"), _("E-mail"), _("Status"), _("Invited"),
                              _("Opened"), _("Answered"), _("Declined")]]
    rows += [[party.name, party.group_label, party.email, party.get_status_display(),
              when(party.invited_at), when(party.opened_at), when(party.answered_at),
              when(party.declined_at)] for party in selectors.parties_of(hearing)]
    return csv_response(f"parter-{hearing.slug}.csv", rows)


@staff_page()
@require_http_methods(["GET", "POST"])
def register_response(request: HttpRequest, slug: str) -> HttpResponse:
    hearing = get_object_or_404(Hearing, slug=slug)
    form = RegisterForm(request.POST or None, request.FILES or None, hearing=hearing)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            response = services.response_submit(
                hearing=hearing, by=request.user, channel=data["channel"],
                party=data.get("party"), text=data.get("text", ""),
                anchor_key=data.get("anchor_key", ""), author_name=data.get("author_name", ""),
                received_on=data["received_on"], attachments=_uploads(form))
        except ValidationError as exc:
            form.add_error(None, _error_text(exc))
        else:
            return HttpResponseRedirect(reverse("hearings:staff_response",
                                                args=[hearing.slug, response.pk]))
    return render(request, "hearings/register.html", {
        "section": "hearings", "hearing": hearing, "form": form})


@staff_page()
@require_http_methods(["GET", "POST"])
def staff_response(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Screening of one response: hits in context (CPR masked), clear/redact, publish."""
    response = get_object_or_404(Response.objects.select_related("hearing"), pk=pk,
                                 hearing__slug=slug)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action in ("cleared", "redacted"):
                hit = get_object_or_404(ScreeningHit, pk=request.POST.get("hit"),
                                        response=response)
                services.hit_decide(hit=hit, decision=action, by=request.user)
            elif action == "publish":
                services.response_publish(response=response, by=request.user)
                messages.success(request, _("The response is published."))
            elif action == "withhold":
                services.response_withhold(response=response, by=request.user)
            elif action == "rescreen":
                services.response_screen(response=response, by=request.user)
            else:
                raise Http404("action")
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        return HttpResponseRedirect(request.path)
    from .screening import mask_all_cpr

    return render(request, "hearings/staff_response.html", {
        "section": "hearings", "hearing": response.hearing, "response": response,
        "hits": selectors.hits_in_context(response),
        "original_masked": mask_all_cpr(response.original_text),
        # Pending CPR hits are masked in the preview too (they can only be redacted anyway).
        "preview": mask_all_cpr(services.published_text_for(response))
        if response.status != Response.Status.PUBLISHED else response.published_text,
        "attachments": response.attachments.all()})


@staff_page()
@require_safe
def attachment_download(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    attachment = get_object_or_404(Attachment, pk=pk, response__hearing__slug=slug)
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    response["Content-Disposition"] = f'attachment; filename="{attachment.filename}"'
    return response


@staff_page()
@require_http_methods(["GET", "POST"])
def memo_edit(request: HttpRequest, slug: str) -> HttpResponse:
    hearing = get_object_or_404(Hearing, slug=slug)
    memo = selectors.memo_of(hearing, issued_only=False)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "generate":
                services.memo_generate(hearing=hearing, by=request.user)
            elif memo is None:
                raise Http404("memo")
            elif action == "save":
                services.memo_update(memo=memo, by=request.user,
                                     introduction=request.POST.get("introduction", ""))
                for section in memo.sections.all():
                    services.memo_section_update(
                        section=section, by=request.user,
                        comment=request.POST.get(f"comment-{section.pk}", section.comment),
                        change=request.POST.get(f"change-{section.pk}", section.change))
                for response in selectors.published_responses(hearing):
                    field = f"summary-{response.pk}"
                    if field in request.POST:
                        services.response_memo_summary_set(
                            response=response, summary=request.POST[field], by=request.user)
                messages.success(request, _("The memo is saved."))
            elif action == "issue":
                services.memo_issue(memo=memo, by=request.user)
                messages.success(request, _("The memo is issued."))
            else:
                raise Http404("action")
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        return HttpResponseRedirect(request.path)
    return render(request, "hearings/memo_edit.html", {
        "section": "hearings", "hearing": hearing, "memo": memo,
        "sections": selectors.memo_sections(memo) if memo else []})

