"""Annex documents (issue 11 §1): upload through the service, the staff page and the admin;
content checked against the claimed type; size limit; virus scan through clamd's INSTREAM
protocol against a stand-in daemon (tests/platform/clamd_standin.py: a thread serving a unix
socket that answers FOUND for the EICAR test string; no real ClamAV signatures can be fetched
here); the public annex page and the document download; every demo annex opens a document."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sundhedsaftale.agreements.annex_documents import annex_document_upload
from sundhedsaftale.agreements.models import Annex, AnnexDocument
from sundhedsaftale.core.models import AuditEvent

from .clamd_standin import EICAR, clamd_standin

KOL = "forlobsprogram-kol"


def pdf_bytes(text: bytes = b"demo") -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n% " + text
            + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def docx_bytes(*, with_document: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if with_document:
            archive.writestr("word/document.xml", "<w:document/>")
        else:
            archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_HOST = ""
    return tmp_path / "media"


@pytest.fixture
def kol(demo_content):
    return Annex.objects.get(slug=KOL)


def stored_files(media) -> list[str]:
    return [f for _, _, files in os.walk(media) for f in files]


# ------------------------------------------------------------------ the content check

def test_a_pdf_is_stored_unscanned_when_no_scanner_is_configured(kol, media):
    document = annex_document_upload(annex=kol, name="kol.pdf", data=pdf_bytes(), by=None)
    assert document.mime_type == AnnexDocument.PDF
    assert document.scan == AnnexDocument.Scan.OFF
    assert document.file.read().startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action="agreements.annex_document.upload").count() == 1


def test_a_docx_with_word_document_xml_is_accepted(kol, media):
    document = annex_document_upload(annex=kol, name="Forløb.DOCX", data=docx_bytes(), by=None)
    assert document.mime_type == AnnexDocument.DOCX


@pytest.mark.parametrize("name,data,reason", [
    ("bilag.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "a PNG named .pdf"),
    ("bilag.pdf", b"just some text, not a pdf at all", "plain text named .pdf"),
    ("bilag.docx", pdf_bytes(), "a PDF named .docx"),
    ("bilag.docx", docx_bytes(with_document=False), "a ZIP without word/document.xml"),
    ("bilag.docx", b"PK\x03\x04 broken zip", "a broken ZIP named .docx"),
])
def test_content_that_is_not_the_claimed_type_is_refused_and_nothing_is_stored(
        kol, media, name, data, reason):
    with pytest.raises(ValidationError) as exc:
        annex_document_upload(annex=kol, name=name, data=data, by=None)
    assert "indhold passer ikke til filtypen" in " ".join(exc.value.messages), reason
    assert not AnnexDocument.objects.exists()
    assert stored_files(media) == []


def test_other_types_and_too_large_files_are_refused(kol, media, settings):
    with pytest.raises(ValidationError, match="Kun PDF- og Word-filer"):
        annex_document_upload(annex=kol, name="bilag.exe", data=b"MZ\x90\0", by=None)
    settings.ANNEX_DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="for stor: højst 0 MB"):
        annex_document_upload(annex=kol, name="stor.pdf", data=pdf_bytes(b"x" * 2000),
                              by=None)
    assert not AnnexDocument.objects.exists()


# ------------------------------------------------------------------ the virus scan

def test_with_a_scanner_a_clean_file_is_scanned_and_an_infected_one_refused(kol, media,
                                                                            settings):
    with clamd_standin() as (path, received):
        settings.CLAMD_SOCKET = path
        clean = annex_document_upload(annex=kol, name="ren.pdf", data=pdf_bytes(), by=None)
        assert clean.scan == AnnexDocument.Scan.CLEAN
        with pytest.raises(ValidationError) as exc:
            annex_document_upload(annex=kol, name="virus.pdf", data=pdf_bytes(EICAR), by=None)
    message = " ".join(exc.value.messages)
    assert "virusscanneren fandt skadeligt indhold (Eicar-Test-Signature)" in message
    assert len(received) == 2 and EICAR in received[1]  # the whole file went to the scanner
    assert list(AnnexDocument.objects.values_list("original_name", flat=True)) == ["ren.pdf"]
    assert len(stored_files(media)) == 1


def test_a_large_file_is_streamed_to_the_scanner_in_chunks(kol, media, settings):
    data = pdf_bytes(b"y" * 300_000)
    with clamd_standin() as (path, received):
        settings.CLAMD_SOCKET = path
        annex_document_upload(annex=kol, name="stor.pdf", data=data, by=None)
    assert received == [data]


def test_a_scanner_that_does_not_answer_refuses_every_upload(kol, media, settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "no-clamd-here.sock")
    with pytest.raises(ValidationError, match="virusscanneren ikke svarer"):
        annex_document_upload(annex=kol, name="ren.pdf", data=pdf_bytes(), by=None)
    assert not AnnexDocument.objects.exists()
    assert stored_files(media) == []


# ------------------------------------------------------------------ the pages

def test_annex_page_shows_summary_validity_agreements_and_opens_the_document(kol, media,
                                                                            client):
    document = annex_document_upload(annex=kol, name="kol.pdf", data=pdf_bytes(), by=None)
    page = client.get(f"/bilag/{KOL}/").content.decode()
    assert "<h1>Forløbsprogram for KOL</h1>" in page
    assert "Sundhedsaftale 2024" in page and "videreført fra" in page
    assert "/aftaler/2015-2018/" in page
    href = f"/bilag/{KOL}/dokument/{document.pk}/"
    assert href in page
    response = client.get(href)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{KOL}.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_word_document_is_downloaded_not_shown(kol, media, client):
    document = annex_document_upload(annex=kol, name="kol.docx", data=docx_bytes(), by=None)
    response = client.get(f"/bilag/{KOL}/dokument/{document.pk}/")
    assert response["Content-Type"] == AnnexDocument.DOCX
    assert response["Content-Disposition"] == f'attachment; filename="{KOL}.docx"'


def test_the_newest_upload_is_the_document_and_earlier_ones_are_kept(kol, media, client):
    first = annex_document_upload(annex=kol, name="v1.pdf", data=pdf_bytes(b"1"), by=None)
    second = annex_document_upload(annex=kol, name="v2.docx", data=docx_bytes(), by=None)
    page = client.get(f"/bilag/{KOL}/").content.decode()
    main_link = page.split('id="dokument"')[1].split("Tidligere versioner")[0]
    assert f"/dokument/{second.pk}/" in main_link and "Word (DOCX)" in main_link
    assert f"/dokument/{first.pk}/" in page.split("Tidligere versioner")[1]


def test_agreement_page_annex_list_links_to_the_annex_pages(demo_content, client):
    from django.template.loader import render_to_string

    from sundhedsaftale.agreements.models import Agreement

    html = render_to_string("portal/agreement_detail.html", {
        "agreement": Agreement.objects.get(slug="2024-2027")})
    annexes = html.split('id="bilag"')[1]
    assert f'href="/bilag/{KOL}/"' in annexes
    assert 'href="/bilag/kommunikationsaftale-indlaeggelse-udskrivning/"' in annexes


def test_an_annex_of_only_a_draft_agreement_is_not_public(demo_content, media, client,
                                                          reader_user):
    from sundhedsaftale.core.services import content_create

    annex = content_create(instance=Annex(title="Kladdebilag (demo)", slug="kladdebilag",
                                          kind="guidance"), by=None)
    assert client.get("/bilag/kladdebilag/").status_code == 404
    assert "kladdebilag" not in client.get("/bilag/").content.decode()
    client.force_login(reader_user)
    assert client.get(f"/bilag/{annex.slug}/").status_code == 200


# ------------------------------------------------------------------ staff upload and the admin

def test_staff_upload_page_says_scanning_is_off_and_stores_a_pdf(kol, media, client,
                                                                 secretariat_user):
    client.force_login(secretariat_user)
    page = client.get(f"/bilag/{KOL}/nyt-dokument/").content.decode()
    assert "Virusscanning er slået fra" in page
    response = client.post(f"/bilag/{KOL}/nyt-dokument/", {
        "file": _upload("kol.pdf", pdf_bytes())})
    assert response.status_code == 302 and response["Location"] == f"/bilag/{KOL}/"
    document = AnnexDocument.objects.get()
    assert document.uploaded_by == secretariat_user
    event = AuditEvent.objects.get(action="agreements.annex_document.upload")
    assert event.changes["file"] == "kol.pdf" and event.changes["scan"] == "off"


def test_staff_upload_page_refuses_an_infected_file_with_the_danish_message(
        kol, media, client, secretariat_user, settings):
    client.force_login(secretariat_user)
    with clamd_standin() as (path, _received):
        settings.CLAMD_SOCKET = path
        assert "Filen virusscannes" in client.get(f"/bilag/{KOL}/nyt-dokument/").content.decode()
        response = client.post(f"/bilag/{KOL}/nyt-dokument/", {
            "file": _upload("virus.pdf", pdf_bytes(EICAR))})
    assert response.status_code == 400
    assert "virusscanneren fandt skadeligt indhold" in response.content.decode()
    assert not AnnexDocument.objects.exists()


def test_a_reader_may_not_upload(kol, media, client, reader_user):
    client.force_login(reader_user)
    assert client.get(f"/bilag/{KOL}/nyt-dokument/").status_code == 403
    with pytest.raises(PermissionDenied):
        annex_document_upload(annex=kol, name="kol.pdf", data=pdf_bytes(), by=reader_user)
    assert not AnnexDocument.objects.exists()


def test_admin_upload_goes_through_the_checks(kol, media, client, django_user_model, settings):
    root = django_user_model.objects.create_superuser("rod-bilag", password="x-not-used-7")
    client.force_login(root)
    add = "/admin/agreements/annexdocument/add/"
    assert "Virusscanning er slået fra" in client.get(add).content.decode()
    bad = client.post(add, {"annex": kol.pk, "upload": _upload("x.pdf", b"not a pdf")})
    assert bad.status_code == 200 and "indhold passer ikke til filtypen" in bad.content.decode()
    with clamd_standin() as (path, _received):
        settings.CLAMD_SOCKET = path
        infected = client.post(add, {"annex": kol.pk, "upload": _upload("v.pdf", pdf_bytes(EICAR))})
        assert "skadeligt indhold" in infected.content.decode()
        ok = client.post(add, {"annex": kol.pk, "upload": _upload("ok.pdf", pdf_bytes())})
    assert ok.status_code == 302
    document = AnnexDocument.objects.get()
    assert document.scan == AnnexDocument.Scan.CLEAN and document.uploaded_by == root


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


# ------------------------------------------------------------------ the demo

def test_every_annex_in_the_demo_opens_a_document(demo_content, media, client):
    from sundhedsaftale.agreements import annex_demo

    annex_demo.load()
    annex_demo.load()  # idempotent: no second document
    annexes = list(Annex.objects.all())
    assert len(annexes) >= 7
    for annex in annexes:
        page = client.get(f"/bilag/{annex.slug}/").content.decode()
        document = annex.documents.get()
        assert document.is_demo and "Demo: dokumentet er fiktivt" in page
        response = client.get(f"/bilag/{annex.slug}/dokument/{document.pk}/")
        body = b"".join(response.streaming_content)
        assert response["Content-Type"] == "application/pdf" and body.startswith(b"%PDF-"), \
            annex.slug
        assert len(body) > 1000


def test_an_oversized_upload_is_refused_and_nothing_is_stored(kol, media, client,
                                                               secretariat_user, settings):
    settings.ANNEX_DOCUMENT_MAX_BYTES = 1024 * 1024
    client.force_login(secretariat_user)
    response = client.post(f"/bilag/{KOL}/nyt-dokument/", {
        "file": _upload("stor.pdf", pdf_bytes(b"z" * (2 * 1024 * 1024)))})
    assert response.status_code == 400
    assert "Filen er for stor: højst 1 MB." in response.content.decode()
    assert not AnnexDocument.objects.exists()


def test_annex_admin_lists_documents_and_links_to_the_page_and_the_upload(
        kol, media, client, django_user_model):
    document = annex_document_upload(annex=kol, name="kol.pdf", data=pdf_bytes(), by=None)
    root = django_user_model.objects.create_superuser("rod-bilag2", password="x-not-used-8")
    client.force_login(root)
    html = client.get(f"/admin/agreements/annex/{kol.pk}/change/").content.decode()
    assert "kol.pdf" in html and f'href="/bilag/{KOL}/"' in html and "Vis på siden" in html
    assert f'href="/bilag/{KOL}/nyt-dokument/"' in html
    view = client.get(f"/admin/agreements/annexdocument/{document.pk}/change/")
    assert view.status_code == 200 and document.sha256 in view.content.decode()
    assert 'type="file"' not in view.content.decode()  # a stored document is never edited


def test_the_scanner_can_be_reached_over_tcp(kol, media, settings):
    with clamd_standin(tcp=True) as (address, received):
        host, port = address.split(":")
        settings.CLAMD_HOST, settings.CLAMD_PORT = host, int(port)
        with pytest.raises(ValidationError, match="skadeligt indhold"):
            annex_document_upload(annex=kol, name="virus.pdf", data=pdf_bytes(EICAR), by=None)
        assert annex_document_upload(annex=kol, name="ren.pdf", data=pdf_bytes(),
                                     by=None).scan == AnnexDocument.Scan.CLEAN
    assert len(received) == 2
