"""Pages, documents and staff actions of the meetings app (thin: parse, ask, call, render)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.forms import CheckboxInput, Select
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from sundhedsaftale.access.rules import can, require
from sundhedsaftale.bodies.models import Body

from . import documents, selectors, services
from .forms import ItemForm, MeetingForm
from .models import AgendaItem, Annex, Case, Meeting, Minutes


@require_safe
def meeting_list(request: HttpRequest) -> HttpResponse:
    bodies = list(selectors.bodies_with_meetings())
    body = None
    slug = request.GET.get("organ", "").strip()
    if slug:
        body = next((b for b in bodies if b.slug == slug), None)
        if body is None:
            raise Http404(_("The body does not exist or has no meetings."))
    now = timezone.now()
    creatable = []
    if request.user.is_authenticated:
        creatable = [b for b in Body.objects.all()
                     if can(request.user, "meetings.meeting.create", b)]
    return render(request, "meetings/meeting_list.html", {
        "section": "meetings", "bodies": bodies, "body": body, "creatable": creatable,
        "upcoming": list(selectors.meeting_list(body=body, upcoming=True, now=now)),
        "past": list(selectors.meeting_list(body=body, upcoming=False, now=now)),
    })


def _page(request: HttpRequest, slug: str, *, public: bool = False) -> selectors.MeetingPage:
    try:
        return selectors.meeting_page(slug=slug, user=request.user, public=public)
    except Meeting.DoesNotExist:
        raise Http404(_("The meeting does not exist.")) from None


@require_safe
def meeting_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = _page(request, slug)
    transitions = []
    if page.can_edit:
        transitions = [(to, label) for to, label in Meeting.Status.choices
                       if services.meeting_transition_allowed(page.meeting, to)
                       == "meetings.meeting.edit"]
    return render(request, "meetings/meeting_detail.html", {
        "section": "meetings", "page": page, "meeting": page.meeting,
        "transitions": transitions,
        "can_edit_items": request.user.is_authenticated
        and can(request.user, "meetings.item.edit", page.meeting),
    })


@require_safe
def agenda_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    page = _page(request, slug, public=True)
    if not page.agenda_visible:
        raise Http404(_("The agenda is not published yet."))
    return _pdf(documents.agenda_pdf(page, request=request), f"dagsorden-{slug}.pdf")


@require_safe
def minutes_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    page = _page(request, slug, public=True)
    if not page.minutes_visible:
        raise Http404(_("The minutes are not published yet."))
    return _pdf(documents.minutes_pdf(page, request=request), f"referat-{slug}.pdf")


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def annex_file(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """An annex file, only if its item is visible to the user."""
    annex = get_object_or_404(Annex.objects.select_related("item", "item__meeting"), pk=pk,
                              item__meeting__slug=slug)
    item, meeting = annex.item, annex.item.meeting
    visible = selectors.is_insider(request.user, meeting) or (
        not item.is_closed and meeting.agenda_is_public)
    if not visible or not annex.file:
        raise Http404(_("The annex does not exist."))
    return FileResponse(annex.file.open("rb"), content_type=annex.mime_type or None,
                        as_attachment=False, filename=annex.file.name.rsplit("/", 1)[-1])


@require_safe
def body_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    body = get_object_or_404(Body, slug=slug)
    response = HttpResponse(documents.body_calendar(body, request=request),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="moeder-{slug}.ics"'
    return response


@require_safe
def case_list(request: HttpRequest) -> HttpResponse:
    return render(request, "meetings/case_list.html", {
        "section": "meetings", "cases": list(selectors.public_cases()),
    })


@require_safe
def case_detail(request: HttpRequest, journal_number: str) -> HttpResponse:
    try:
        page = selectors.case_page(journal_number=journal_number, user=request.user)
    except Case.DoesNotExist:
        raise Http404(_("The case does not exist.")) from None
    return render(request, "meetings/case_detail.html", {
        "section": "meetings", "page": page, "case": page.case,
    })


# ------------------------------------------------------------------------------ staff actions

def _back(meeting: Meeting, anchor: str = "") -> HttpResponse:
    url = reverse("meetings:meeting_detail", args=[meeting.slug])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _refuse(request: HttpRequest, meeting: Meeting, error: ValidationError) -> HttpResponse:
    page = _page(request, meeting.slug)
    return render(request, "meetings/meeting_detail.html", {
        "section": "meetings", "page": page, "meeting": page.meeting, "transitions": [],
        "action_errors": error.messages,
    }, status=400)


@require_POST
def meeting_status(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = get_object_or_404(Meeting, slug=slug)
    to = request.POST.get("to", "")
    action = services.meeting_transition_allowed(meeting, to) or "meetings.meeting.edit"
    require(request.user, action, meeting)
    try:
        services.meeting_transition(meeting=meeting, to=to, by=request.user)
    except ValidationError as exc:
        return _refuse(request, meeting, exc)
    return _back(meeting)


@require_POST
def item_move(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, slug=slug)
    require(request.user, "meetings.meeting.edit", meeting)
    item = get_object_or_404(meeting.items, number=number)
    try:
        to = int(request.POST.get("to", ""))
    except ValueError:
        return _refuse(request, meeting, ValidationError(_("Choose a position.")))
    item = services.item_move(item=item, to=to, by=request.user)
    return _back(meeting, f"punkt-{item.number}")


@require_POST
def decision_record(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, slug=slug)
    item = get_object_or_404(meeting.items, number=number)
    require(request.user, "meetings.decision.record", item)
    try:
        services.decision_record(item=item, text=request.POST.get("text", ""),
                                 not_participating=request.POST.get("not_participating", ""),
                                 dissent=request.POST.get("dissent", ""), by=request.user)
    except ValidationError as exc:
        return _refuse(request, meeting, exc)
    return _back(meeting, f"punkt-{item.number}")


@require_POST
def minutes_status(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = get_object_or_404(Meeting, slug=slug)
    require(request.user, "meetings.minutes.edit", meeting)
    try:
        minutes = Minutes.objects.filter(meeting=meeting).first() or services.minutes_write(
            meeting=meeting, text="", by=request.user)
        services.minutes_transition(minutes=minutes, to=request.POST.get("to", ""),
                                    by=request.user)
    except ValidationError as exc:
        return _refuse(request, meeting, exc)
    return _back(meeting, "referat")



def _form_page(request: HttpRequest, form: Any, *, title: str, back: str,
               status: int = 200) -> HttpResponse:
    for field in form.fields.values():
        css = "form-checkbox" if isinstance(field.widget, CheckboxInput) else (
            "form-select" if isinstance(field.widget, Select) else "form-input")
        field.widget.attrs.setdefault("class", css)
    return render(request, "meetings/form.html", {
        "section": "meetings", "form": form, "title": title, "back": back,
    }, status=status)


def item_edit(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Edit an item's text in the case template (the body's secretariat or editor)."""
    meeting = get_object_or_404(Meeting, slug=slug)
    item = get_object_or_404(meeting.items.select_related("case"), number=number)
    require(request.user, "meetings.item.edit", item)
    back = reverse("meetings:meeting_detail", args=[slug]) + f"#punkt-{number}"
    title = _("Edit item %(n)s") % {"n": number}
    if request.method != "POST":
        form = ItemForm(instance=item, initial={"journal_number": item.journal_number})
        return _form_page(request, form, title=title, back=back)
    form = ItemForm(request.POST, instance=AgendaItem.objects.get(pk=item.pk))
    if not form.is_valid():
        return _form_page(request, form, title=title, back=back, status=400)
    data = dict(form.cleaned_data)
    journal_number = data.pop("journal_number").strip()
    case = item.case
    if journal_number and journal_number != item.journal_number:
        require(request.user, "meetings.case.edit", None)
        case = services.case_ensure(journal_number=journal_number, title=data["title"],
                                    by=request.user)
    services.item_update(item=item, by=request.user, case=case if journal_number else None,
                         **data)
    return redirect(back)


def meeting_create(request: HttpRequest, body_slug: str) -> HttpResponse:
    """A new meeting of a body (the body's secretariat)."""
    body = get_object_or_404(Body, slug=body_slug)
    require(request.user, "meetings.meeting.create", body)
    title = _("New meeting of %(body)s") % {"body": body.name}
    back = reverse("meetings:meeting_list") + f"?organ={body.slug}"
    form = MeetingForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _form_page(request, form, title=title, back=back,
                          status=400 if request.method == "POST" else 200)
    try:
        meeting = services.meeting_create(body=body, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        form.add_error(None, exc)
        return _form_page(request, form, title=title, back=back, status=400)
    return redirect("meetings:meeting_detail", slug=meeting.slug)
