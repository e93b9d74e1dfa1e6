"""Annex pages: /bilag/ (the list), /bilag/<slug>/ (summary, validity, the agreements that carry
it and where it was carried over from, its document), the document itself, and the staff page
for uploading a new version of the document."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from sundhedsaftale.access.rules import can

from .annex_documents import annex_document_upload, max_bytes, scanning_is_on, upload_read
from .models import Agreement, AgreementAnnex, Annex, AnnexDocument


def public_annexes() -> QuerySet[Annex]:
    """Annexes of a published (or archived) agreement: what the public sees (also for the
    search index; the text is title and summary)."""
    return Annex.objects.filter(
        agreement_links__agreement__status__in=Agreement.PUBLIC_STATUSES).distinct()


def visible_annexes(user: Any) -> QuerySet[Annex]:
    if can(user, "agreements.view_draft"):
        return Annex.objects.all()
    return public_annexes()


def _annex(request: HttpRequest, slug: str) -> Annex:
    links = AgreementAnnex.objects.select_related("agreement", "carried_over_from")
    if not can(request.user, "agreements.view_draft"):
        links = links.filter(agreement__status__in=Agreement.PUBLIC_STATUSES)
    annex = visible_annexes(request.user).filter(slug=slug).prefetch_related(
        Prefetch("agreement_links", queryset=links.order_by("-agreement__period_start"),
                 to_attr="visible_links"),
        Prefetch("documents", queryset=AnnexDocument.objects.order_by("-uploaded_at", "-pk"),
                 to_attr="document_versions"),
    ).first()
    if annex is None:
        raise Http404(_("Bilaget findes ikke."))
    return annex


@require_safe
def annex_list(request: HttpRequest) -> HttpResponse:
    annexes = visible_annexes(request.user).prefetch_related(
        Prefetch("documents", queryset=AnnexDocument.objects.order_by("-uploaded_at", "-pk"),
                 to_attr="document_versions"))
    return render(request, "agreements/annex_list.html", {
        "section": "agreements", "annexes": list(annexes)})


@require_safe
def annex_detail(request: HttpRequest, slug: str) -> HttpResponse:
    annex = _annex(request, slug)
    versions = annex.document_versions  # type: ignore[attr-defined]
    return render(request, "agreements/annex_detail.html", {
        "section": "agreements", "annex": annex, "links": annex.visible_links,  # type: ignore[attr-defined]
        "document": versions[0] if versions else None, "earlier": versions[1:],
        "can_upload": can(request.user, "agreements.annex.upload", annex),
    })


@require_safe
def annex_document(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """The document file: PDF shown in the browser, Word downloaded; never sniffed."""
    annex = _annex(request, slug)
    document = next((d for d in annex.document_versions if d.pk == pk), None)  # type: ignore[attr-defined]
    if document is None:
        raise Http404(_("Dokumentet findes ikke."))
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("Dokumentet findes ikke.")) from None
    response = FileResponse(handle, content_type=document.mime_type,
                            as_attachment=document.mime_type != AnnexDocument.PDF,
                            filename=document.download_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


class AnnexDocumentForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Dokument (PDF eller Word)"),
                           widget=forms.ClearableFileInput(attrs={
                               "accept": ".pdf,.docx,application/pdf,application/vnd."
                                         "openxmlformats-officedocument.wordprocessingml.document",
                               "class": "form-file-input"}))


@login_required
@require_http_methods(["GET", "POST"])
def annex_upload(request: HttpRequest, slug: str) -> HttpResponse:
    annex = _annex(request, slug)
    if not can(request.user, "agreements.annex.upload", annex):
        raise PermissionDenied(_("Du må ikke lægge dokumenter op til bilag."))
    # An oversized file is read only up to the limit plus one byte and then refused by the
    # check (the web server's body limit is what stops a huge request before Django).
    form = AnnexDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            annex_document_upload(annex=annex, name=upload.name or "", by=request.user,
                                  data=upload_read(upload))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            messages.success(request, _("Dokumentet er lagt op."))
            return redirect("agreements:annex_detail", slug=annex.slug)
    return render(request, "agreements/annex_upload.html", {
        "section": "agreements", "annex": annex, "form": form,
        "scanning_on": scanning_is_on(), "max_mb": max_bytes() // (1024 * 1024),
    }, status=400 if form.errors else 200)
