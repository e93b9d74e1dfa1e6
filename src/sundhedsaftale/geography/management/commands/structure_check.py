"""`sundhedsaftale structure_check [--today YYYY-MM-DD]`: is every municipality in an area ahead?

Prints the same transition warning staff see in the admin (geography.transition) and exits with
status 1 when some municipality will be in no published area within the warning window (for
cron or monitoring), 0 otherwise.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sundhedsaftale.geography.transition import WARNING_DAYS, structure_gap, today


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today: not a date (YYYY-MM-DD): {value[:20]!r}") from None


class Command(BaseCommand):
    help = (f"Warn when, within {WARNING_DAYS} days, some municipality will belong to no "
            "published health cluster or health council area (the 2027 transition). "
            "Exit status 1 when there is such a gap.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=_date, default=None,
                            help="Check as if today were this date (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["today"] or today()
        gap = structure_gap(today=day)
        if gap is None:
            self.stdout.write(f"OK: every municipality is in an area for the next "
                              f"{WARNING_DAYS} days (from {day.isoformat()}).")
            return
        names = ", ".join(m.name for m in gap.uncovered)
        if gap.drafts_cover:
            self.stdout.write(self.style.WARNING(
                f"WARNING: from {gap.date.isoformat()} ({gap.days_left} days) the successor "
                f"structure exists only as drafts; publish it in the admin "
                f"(Sundhedsklynger > Opret efterfølgende struktur). Not covered by a published "
                f"area: {names}."))
        else:
            self.stdout.write(self.style.WARNING(
                f"WARNING: from {gap.date.isoformat()} ({gap.days_left} days) "
                f"{len(gap.uncovered)} municipalities are in no health cluster or health "
                f"council area: the current structure ends {gap.last_day.isoformat()} and no "
                f"successor has been set up. Set it up in the admin: Sundhedsklynger > "
                f"Opret efterfølgende struktur. Municipalities: {names}."))
        raise SystemExit(1)
