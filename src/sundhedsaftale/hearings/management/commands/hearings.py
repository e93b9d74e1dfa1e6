"""`sundhedsaftale hearings remind --days N` and `sundhedsaftale hearings open-due`.

remind: e-mail parties of open hearings whose deadline is at most N days away and who have
neither answered nor declined; each (party, N) reminder is sent once, so a daily job may run it
again and again. open-due: open scheduled hearings whose start date has come.
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sundhedsaftale.hearings import services


class Command(BaseCommand):
    help = "Hearings: send reminders before the deadline (remind) or open due hearings."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        remind = sub.add_parser("remind", help="Remind parties that have not answered.")
        remind.add_argument("--days", type=int, required=True,
                            help="Send when the deadline is at most this many days away.")
        remind.add_argument("--today", help="Act as if today were YYYY-MM-DD (for testing).")
        due = sub.add_parser("open-due", help="Open scheduled hearings whose start has come.")
        due.add_argument("--today", help="Act as if today were YYYY-MM-DD.")

    def handle(self, *args: object, action: str, today: str | None = None,
               days: int | None = None, **options: object) -> None:
        on = None
        if today:
            try:
                on = datetime.date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError(f"--today: not a date (YYYY-MM-DD): {today!r}") from exc
        if action == "remind":
            if days is None or days < 0:
                raise CommandError("--days must be 0 or more")
            sent = services.reminders_send(days=days, today=on)
            self.stdout.write(f"reminders sent: {sent}")
        elif action == "open-due":
            opened = services.hearings_open_due(today=on)
            self.stdout.write(f"hearings opened: {len(opened)}")
