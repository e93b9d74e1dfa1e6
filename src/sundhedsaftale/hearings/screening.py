"""Screening of response texts for personal data before publication.

What is detected (each a `Finding` with character offsets, never stored with its value):

- CPR numbers: six digits that form a real date DDMMYY (in 1900-1999 or 2000-2099; 29 February
  only in a leap year), then four digits; the groups may be separated by a dash, spaces or dots
  ("010203-1234", "010203 1234", "0102031234", "01.02.03-1234"). No modulus-11 check: numbers
  issued since 2007 need not pass it, and a false hit costs one click.
- E-mail addresses.
- Danish phone numbers: eight digits, optionally after +45 or 0045, written together or in
  groups of two or four ("38 66 60 00", "3866 6000", "+45 38666000").
- Names of private persons, where detectable: a first name from a list of common Danish first
  names followed by one or two capitalised words ("Mette Hansen", "Jens Peter Nielsen"), and
  the line after a closing such as "Med venlig hilsen" when it looks like a name (two or three
  capitalised words). Names not matching these patterns are not found: the secretariat reads
  every response before publishing it.
- Blocked terms: the `BlockedTerm` rows, matched case-insensitively as whole words.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass

CPR_RE = re.compile(
    r"(?<![\d])(?P<dd>\d{2})[ .]?(?P<mm>\d{2})[ .]?(?P<yy>\d{2})\s?[-–.]?\s?(?P<seq>\d{4})(?![\d])")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
PHONE_RE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)45[ ]?)?(?:\d{2}[ .]?\d{2}[ .]?\d{2}[ .]?\d{2}|\d{4} \d{4})(?![\d])")
_CAP = r"[A-ZÆØÅ][a-zæøåéü]+(?:-[A-ZÆØÅ][a-zæøåéü]+)?"
FIRST_NAMES = (
    "Anders", "Anne", "Anna", "Birgit", "Bente", "Camilla", "Charlotte", "Christian", "Dorthe",
    "Emil", "Emma", "Erik", "Frederik", "Gitte", "Hanne", "Hans", "Helle", "Henrik", "Ida",
    "Inge", "Jakob", "Jan", "Jens", "Jesper", "Johanne", "Jørgen", "Karen", "Kirsten", "Lars",
    "Lene", "Line", "Lise", "Louise", "Mads", "Maria", "Marianne", "Martin", "Mette", "Michael",
    "Mikkel", "Morten", "Niels", "Nikolaj", "Ole", "Peter", "Pia", "Poul", "Rasmus", "Rikke",
    "Signe", "Simon", "Sofie", "Susanne", "Søren", "Thomas", "Tina", "Torben", "Trine",
    "Ulla", "Winnie",
)
NAME_RE = re.compile(
    r"\b(?:" + "|".join(FIRST_NAMES) + r")(?: " + _CAP + r"){1,2}\b")
SIGNATURE_RE = re.compile(
    r"(?:med )?venlig(?:st)? hilsen[ \t]*,?[ \t]*\r?\n[ \t]*(?P<name>" + _CAP + r"(?: " + _CAP
    + r"){1,2})[ \t]*(?:\r?\n|$)", re.IGNORECASE)

@dataclass(frozen=True)
class Finding:
    kind: str  # ScreeningHit.Kind value
    start: int
    end: int


def is_cpr_date(dd: str, mm: str, yy: str) -> bool:
    day, month, year = int(dd), int(mm), int(yy)
    for century in (1900, 2000):
        try:
            datetime.date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def find_cpr(text: str) -> list[Finding]:
    return [Finding("cpr", m.start(), m.end()) for m in CPR_RE.finditer(text)
            if is_cpr_date(m["dd"], m["mm"], m["yy"])]


def contains_cpr(text: str) -> bool:
    return bool(find_cpr(text))


def _overlaps(a: Finding, taken: list[Finding]) -> bool:
    return any(a.start < b.end and b.start < a.end for b in taken)


def screen_text(text: str, blocked_terms: Iterable[str] = ()) -> list[Finding]:
    """Every finding in `text`, in order; where two overlap, the first kind in the order CPR,
    e-mail, phone, name, term wins."""
    found: list[Finding] = []
    groups: list[list[Finding]] = [
        find_cpr(text),
        [Finding("email", m.start(), m.end()) for m in EMAIL_RE.finditer(text)],
        [Finding("phone", m.start(), m.end()) for m in PHONE_RE.finditer(text)],
        [Finding("name", m.start(), m.end()) for m in NAME_RE.finditer(text)]
        + [Finding("name", m.start("name"), m.end("name")) for m in SIGNATURE_RE.finditer(text)],
    ]
    terms = [t.strip() for t in blocked_terms if t and t.strip()]
    if terms:
        term_re = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in terms) + r")(?!\w)",
                             re.IGNORECASE)
        groups.append([Finding("term", m.start(), m.end()) for m in term_re.finditer(text)])
    for group in groups:
        for finding in sorted(group, key=lambda f: f.start):
            if not _overlaps(finding, found):
                found.append(finding)
    return sorted(found, key=lambda f: f.start)


REDACTION_LABELS = {
    "cpr": "[CPR-nummer fjernet]",
    "email": "[e-mail fjernet]",
    "phone": "[telefonnummer fjernet]",
    "name": "[navn fjernet]",
    "term": "[fjernet]",
}


def redact(text: str, spans: Iterable[tuple[str, int, int]]) -> str:
    """`text` with each (kind, start, end) span replaced by its redaction label."""
    out: list[str] = []
    position = 0
    for kind, start, end in sorted(spans, key=lambda s: s[1]):
        if start < position:
            continue
        out.append(text[position:start])
        out.append(REDACTION_LABELS.get(kind, "[fjernet]"))
        position = end
    out.append(text[position:])
    return "".join(out)


def mask_all_cpr(text: str) -> str:
    """`text` with every digit of every CPR-shaped number replaced by "•" (offsets kept), for
    showing staff a context without the number."""
    chars = list(text)
    for finding in find_cpr(text):
        for i in range(finding.start, finding.end):
            if chars[i].isdigit():
                chars[i] = "•"
    return "".join(chars)


def context(text: str, start: int, end: int, *, width: int = 60) -> tuple[str, str, str]:
    """(before, hit, after) around a span, with CPR numbers masked everywhere."""
    masked = mask_all_cpr(text)
    return masked[max(0, start - width):start], masked[start:end], masked[end:end + width]
