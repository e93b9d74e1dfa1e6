"""Import of one meeting's agenda from a small JSON file (see docs/meetings.md).

The whole file is checked before anything is written; every problem is reported with the path
of the field (`items[2].title`) and never with the value (it could be personal). Then one
service writes the meeting, its items, cases and annex links in one transaction, so a file is
imported completely or not at all.

    {
      "format": "sundhedsaftale.meeting/1",
      "body": "praksisplanudvalget",              # the body's slug
      "starts_at": "2014-05-14T16:00:00+02:00",   # ISO 8601 with offset (or local time)
      "ends_at": "2014-05-14T18:00:00+02:00",     # optional
      "place": "Regionsgården, Hillerød",         # place or online_url (or both)
      "online_url": "https://…",
      "title": "…",                               # optional
      "items": [
        {"title": "…", "kind": "case" | "agenda_approval" | "aob", "closed": false,
         "journal_number": "14004009", "case_title": "…",
         "background": "…", "recommendation": "…", "case_description": "…", "timeline": "…",
         "annexes": [{"title": "…", "url": "https://…"}]}
      ]
    }
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from sundhedsaftale.bodies.models import Body

from .models import AgendaItem

FORMAT = "sundhedsaftale.meeting/1"
MAX_FILE_BYTES = 2 * 1024 * 1024
TOP_FIELDS = {"format", "body", "starts_at", "ends_at", "place", "online_url", "title",
              "note", "items"}
ITEM_FIELDS = {"title", "kind", "closed", "journal_number", "case_title", "background",
               "recommendation", "case_description", "timeline", "earlier_handling", "annexes"}
ANNEX_FIELDS = {"title", "url"}
TEXT_LIMITS = {"title": 300, "case_title": 300, "journal_number": 40, "place": 300}


class AgendaImportError(Exception):
    """The file was refused; `errors` are (field path, message) pairs."""

    def __init__(self, source: str, errors: list[tuple[str, str]]) -> None:
        self.source = source
        self.errors = errors
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors))

    def lines(self) -> list[str]:
        return [f"{self.source}: {path}: {message}" for path, message in self.errors]


@dataclass
class _Checked:
    body: Body | None = None
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _when(value: Any, path: str, checked: _Checked) -> datetime.datetime | None:
    if not isinstance(value, str):
        checked.errors.append((path, "skal være et tidspunkt som tekst (ÅÅÅÅ-MM-DDTtt:mm)"))
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        checked.errors.append((path, "er ikke et gyldigt tidspunkt (ÅÅÅÅ-MM-DDTtt:mm)"))
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _text(obj: dict, name: str, path: str, checked: _Checked, *, required: bool = False) -> str:
    value = obj.get(name, "")
    if value is None:
        value = ""
    if not _is_text(value):
        checked.errors.append((path, "skal være tekst"))
        return ""
    if required and not value.strip():
        checked.errors.append((path, "mangler"))
    limit = TEXT_LIMITS.get(name)
    if limit and len(value) > limit:
        checked.errors.append((path, f"er for lang (højst {limit} tegn)"))
    return value.strip()


def _url(value: Any, path: str, checked: _Checked) -> None:
    if not _is_text(value) or not value:
        checked.errors.append((path, "mangler"))
        return
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        checked.errors.append((path, "er ikke en gyldig http(s)-adresse"))


def check(data: Any) -> _Checked:
    """Every problem of the document, each with its field path; nothing is written."""
    checked = _Checked()
    errors = checked.errors
    if not isinstance(data, dict):
        errors.append(("(dokument)", "skal være et JSON-objekt"))
        return checked
    for name in sorted(set(data) - TOP_FIELDS):
        errors.append((name, "er ikke et kendt felt"))
    if data.get("format") != FORMAT:
        errors.append(("format", f"skal være \"{FORMAT}\""))
    slug = data.get("body")
    if not _is_text(slug) or not slug:
        errors.append(("body", "mangler (organets kortnavn i adressen, fx praksisplanudvalget)"))
    else:
        checked.body = Body.objects.filter(slug=slug).first()
        if checked.body is None:
            errors.append(("body", "er ikke et kendt organ"))
    if "starts_at" not in data:
        errors.append(("starts_at", "mangler"))
    else:
        checked.starts_at = _when(data["starts_at"], "starts_at", checked)
    if data.get("ends_at") not in (None, ""):
        checked.ends_at = _when(data["ends_at"], "ends_at", checked)
        if checked.starts_at and checked.ends_at and checked.ends_at < checked.starts_at:
            errors.append(("ends_at", "ligger før starts_at"))
    place = _text(data, "place", "place", checked)
    online = data.get("online_url") or ""
    if online:
        _url(online, "online_url", checked)
    if not place and not online:
        errors.append(("place", "mangler (angiv place eller online_url)"))
    for name in ("title", "note"):
        _text(data, name, name, checked)
    items = data.get("items")
    if not isinstance(items, list) or not items:
        errors.append(("items", "skal være en liste med mindst ét punkt"))
        return checked
    for i, item in enumerate(items):
        where = f"items[{i}]"
        if not isinstance(item, dict):
            errors.append((where, "skal være et objekt"))
            continue
        for name in sorted(set(item) - ITEM_FIELDS):
            errors.append((f"{where}.{name}", "er ikke et kendt felt"))
        _text(item, "title", f"{where}.title", checked, required=True)
        kind = item.get("kind", AgendaItem.Kind.CASE)
        if kind not in AgendaItem.Kind.values:
            errors.append((f"{where}.kind", "skal være case, agenda_approval eller aob"))
        if "closed" in item and not isinstance(item["closed"], bool):
            errors.append((f"{where}.closed", "skal være true eller false"))
        for name in ("journal_number", "case_title", "background", "recommendation",
                     "case_description", "timeline", "earlier_handling"):
            _text(item, name, f"{where}.{name}", checked)
        annexes = item.get("annexes", [])
        if not isinstance(annexes, list):
            errors.append((f"{where}.annexes", "skal være en liste"))
            continue
        for j, annex in enumerate(annexes):
            at = f"{where}.annexes[{j}]"
            if not isinstance(annex, dict):
                errors.append((at, "skal være et objekt"))
                continue
            for name in sorted(set(annex) - ANNEX_FIELDS):
                errors.append((f"{at}.{name}", "er ikke et kendt felt"))
            _text(annex, "title", f"{at}.title", checked, required=True)
            _url(annex.get("url"), f"{at}.url", checked)
    return checked


def load_file(path: Path) -> Any:
    """The parsed JSON of `path`; AgendaImportError naming the file if it is not JSON."""
    name = path.name
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise AgendaImportError(name, [("(fil)", "er for stor (højst 2 MB)")])
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AgendaImportError(name, [("(fil)", "findes ikke")]) from None
    except UnicodeDecodeError:
        raise AgendaImportError(name, [("(fil)", "er ikke UTF-8-tekst")]) from None
    except json.JSONDecodeError as exc:
        raise AgendaImportError(
            name, [("(fil)", f"er ikke gyldig JSON (linje {exc.lineno}, kolonne {exc.colno})")]
        ) from None
