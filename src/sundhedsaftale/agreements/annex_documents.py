"""Annex documents: the checks an upload must pass and the service that stores it.

An upload is accepted only if
- it is at most settings.ANNEX_DOCUMENT_MAX_BYTES;
- its name claims PDF (.pdf) or Word (.docx), and its content is that type: a PDF starts with
  `%PDF-` (detected with `filetype`); a DOCX is a ZIP archive holding `[Content_Types].xml` and
  `word/document.xml`. A file whose content is not its claimed type is refused;
- when a ClamAV daemon is configured (core.clamd), clamd reports it clean. An infected file is
  refused, and so is every upload while the scanner does not answer (fail closed).
Errors are ValidationErrors in Danish naming the file's field; nothing is stored on refusal.
The file is written to storage just before its row; if saving the row fails the file is
removed. (A rollback later in an enclosing transaction would leave an unreferenced file behind;
it is never served, since downloads go through the row.)
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from sundhedsaftale.access.rules import require
from sundhedsaftale.core import clamd
from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.services import content_save, service

from .models import Annex, AnnexDocument

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
CLAIMS = {".pdf": AnnexDocument.PDF, ".docx": AnnexDocument.DOCX}


def max_bytes() -> int:
    return int(getattr(settings, "ANNEX_DOCUMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def scanning_is_on() -> bool:
    return clamd.scanner_configured()


@dataclass(frozen=True)
class CheckedFile:
    mime_type: str
    scan: str  # AnnexDocument.Scan value


def _claimed_type(name: str) -> str:
    lower = name.lower()
    for ext, mime in CLAIMS.items():
        if lower.endswith(ext):
            return mime
    raise ValidationError({"file": _("Kun PDF- og Word-filer (.pdf, .docx) kan lægges op som "
                                     "bilagets dokument.")})


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and "word/document.xml" in names


def _content_type(data: bytes) -> str:
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind else ""
    if mime == AnnexDocument.PDF:
        return mime
    if _is_docx(data):
        return AnnexDocument.DOCX
    return mime


def upload_read(upload: Any) -> bytes:
    """At most the limit plus one byte: a larger file is refused by the check, unread."""
    data = bytearray()
    for chunk in upload.chunks():
        data += chunk
        if len(data) > max_bytes():
            break
    return bytes(data)


def annex_document_check(*, name: str, data: bytes) -> CheckedFile:
    """Check one upload (see the module). Returns the detected type and the scan outcome."""
    limit = max_bytes()
    if len(data) > limit:
        raise ValidationError({"file": _("Filen er for stor: højst %(mb)s MB.")
                               % {"mb": limit // (1024 * 1024)}})
    if not data:
        raise ValidationError({"file": _("Filen er tom.")})
    claimed = _claimed_type(name)
    actual = _content_type(data)
    if actual != claimed:
        raise ValidationError({"file": _(
            "Filens indhold passer ikke til filtypen: den hedder %(type)s, men indholdet er "
            "ikke en %(type)s-fil. Gem dokumentet igen som PDF eller Word og prøv igen.")
            % {"type": AnnexDocument.TYPES[claimed]}})
    if not clamd.scanner_configured():
        return CheckedFile(mime_type=actual, scan="off")
    try:
        result = clamd.scan_bytes(data)
    except clamd.ScannerUnavailable:
        raise ValidationError({"file": _(
            "Filen kan ikke modtages lige nu, fordi virusscanneren ikke svarer. Prøv igen "
            "senere, eller kontakt driften.")}) from None
    if not result.clean:
        raise ValidationError({"file": _(
            "Filen er afvist: virusscanneren fandt skadeligt indhold (%(signature)s). Den er "
            "ikke gemt.") % {"signature": result.signature or "?"}})
    return CheckedFile(mime_type=actual, scan="clean")


@service
def annex_document_upload(*, annex: Annex, name: str, data: bytes, by: Any | None,
                          is_demo: bool = False) -> AnnexDocument:
    """Store a new version of the annex's document after annex_document_check; the newest
    upload is the current document. Audited; refused uploads store nothing."""
    if by is not None:
        require(by, "agreements.annex.upload", annex)
    checked = annex_document_check(name=name, data=data)
    document = AnnexDocument(
        annex=annex, original_name=name.replace("\\", "/").rsplit("/", 1)[-1][:255],
        mime_type=checked.mime_type, size=len(data),
        sha256=hashlib.sha256(data).hexdigest(), scan=checked.scan,
        uploaded_at=timezone.now(),
        uploaded_by=by if getattr(by, "is_authenticated", False) else None, is_demo=is_demo)
    document.file.save(document.original_name, ContentFile(data), save=False)
    try:
        content_save(instance=document, by=by)
    except Exception:
        document.file.storage.delete(document.file.name)  # nothing half written
        raise
    audit_record(actor=by, action="agreements.annex_document.upload", obj=annex, changes={
        "file": document.original_name, "type": document.mime_type, "size": document.size,
        "sha256": document.sha256, "scan": document.scan})
    return document


def current_document(annex: Annex) -> AnnexDocument | None:
    """The annex's newest document, or None."""
    return annex.documents.order_by("-uploaded_at", "-pk").first()  # type: ignore[attr-defined]
