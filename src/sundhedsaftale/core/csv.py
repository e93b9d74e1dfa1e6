"""CSV downloads that a spreadsheet cannot run: formula injection neutralised.

A cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return (or their full-width
forms, which some spreadsheets also accept) is read as a formula by Excel and LibreOffice; a
name such as `=HYPERLINK("http://evil.example", "klik")` would run when the file is opened.
Every CSV the platform sends goes through `csv_safe_writer` (or `csv_response`), which puts a
single quote before such a text cell, as OWASP recommends. Numbers (int, float, Decimal) are
written as they are, so a negative number stays a number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_safe_cell(value: Any) -> Any:
    """`value`, with a leading single quote if a spreadsheet would read it as a formula."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    text = str(value)
    if text.lstrip(" ").startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


class SafeWriter:
    """A `csv.writer` whose every text cell goes through `csv_safe_cell`."""

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_safe_writer(file: Any, **kwargs: Any) -> SafeWriter:
    """Like `csv.writer(file, **kwargs)`, with formula injection neutralised."""
    return SafeWriter(csv.writer(file, **kwargs))


def csv_response(filename: str, rows: Iterable[Iterable[Any]], *, delimiter: str = ";"
                 ) -> HttpResponse:
    """A UTF-8 CSV download (with BOM so spreadsheets read æ, ø and å), cells made safe."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    csv_safe_writer(response, delimiter=delimiter).writerows(rows)
    return response
