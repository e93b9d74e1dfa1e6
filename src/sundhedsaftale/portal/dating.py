"""`?dato=` on the public pages: one parser, one meaning.

Every dated page (/klynger/, /klynger/<kode>/, /kommuner/, /kommuner/<kode>/, /organisation/,
/organisation/<slug>/ and the CSV downloads) shows the structure *in effect on* the date: the
areas whose own period covers it, with the memberships valid that day. Nothing is moved into an
area's own period, so a list and a detail page give the same answer for the same date.

- no `dato`: today; the page still says which date it shows;
- `dato=YYYY-MM-DD`: that day;
- anything else (`dato=2027-13-01`, `dato=i morgen`): the page is shown for today with a Danish
  message saying the date was not understood, and HTTP status 400. 400 rather than 200: the
  address is wrong and should not be bookmarked or indexed as if it were fine, and the page
  cache stores only 200 responses, so an invalid date never gets or serves a cached page.
  The visitor still gets a whole, usable page (the same template, the error on top).

`normalise` is also the page cache's key for `dato` (portal.caching), so the cache and the
page read the parameter the same way.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest
from django.utils import timezone

PARAM = "dato"
INVALID = "!invalid"
# A date outside these years is not a date anyone means here (and keeps strftime sane).
FIRST_YEAR, LAST_YEAR = 1900, 2199


def _parse(raw: str) -> datetime.date | None:
    raw = raw.strip()
    # Only the written form YYYY-MM-DD: fromisoformat would also take "20270601" or weeks.
    if len(raw) != 10 or raw[4] != "-" or raw[7] != "-":
        return None
    try:
        value = datetime.date.fromisoformat(raw)
    except ValueError:
        return None
    return value if FIRST_YEAR <= value.year <= LAST_YEAR else None


def normalise(raw: str) -> str:
    """The parameter as a cache key part: "" (none), an ISO date, or INVALID."""
    if not raw.strip():
        return ""
    value = _parse(raw)
    return value.isoformat() if value else INVALID


@dataclass(frozen=True)
class Dating:
    """The date a page shows, and how it came about."""

    on: datetime.date
    asked: bool
    """The visitor gave a valid ?dato= (links to other dated pages then carry it)."""
    invalid: bool
    """The visitor gave a ?dato= that is not a date (the page shows today and says so)."""
    today: datetime.date

    @property
    def status(self) -> int:
        return 400 if self.invalid else 200

    @property
    def query(self) -> str:
        """"?dato=…" to append to links to other dated pages, or ""."""
        return "?" + urlencode({PARAM: self.on.isoformat()}) if self.asked else ""

    @property
    def is_today(self) -> bool:
        return self.on == self.today


def dating(request: HttpRequest) -> Dating:
    """The reference date of a request (see the module). Cached on the request."""
    cached = getattr(request, "_portal_dating", None)
    if cached is not None:
        return cached
    today = timezone.localdate()
    raw = request.GET.get(PARAM, "")
    value = _parse(raw) if raw.strip() else None
    result = Dating(on=value or today, asked=value is not None,
                    invalid=bool(raw.strip()) and value is None, today=today)
    request._portal_dating = result  # type: ignore[attr-defined]
    return result
