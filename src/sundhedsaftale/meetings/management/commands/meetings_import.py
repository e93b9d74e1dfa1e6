"""`sundhedsaftale meetings_import FILE [--as USER] [--check]`: bring in one meeting's agenda
from a JSON file (format in docs/meetings.md). A file with any problem is refused with every
problem listed (file, field path, what is wrong) and nothing is written."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sundhedsaftale.access.rules import require
from sundhedsaftale.meetings.importer import AgendaImportError, check, load_file
from sundhedsaftale.meetings.services import meeting_import


class Command(BaseCommand):
    help = "Import one meeting with its agenda items and annex links from a JSON file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", default="",
                            help="Import as this user (must be the body's secretariat).")
        parser.add_argument("--check", dest="only_check", action="store_true",
                            help="Only check the file; write nothing.")

    def handle(self, *args, file: Path, username: str, only_check: bool, **options) -> None:
        user = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"ukendt bruger: {username}")
        try:
            data = load_file(file)
            checked = check(data)
            if checked.errors:
                raise AgendaImportError(file.name, checked.errors)
            if user is not None and checked.body is not None:
                require(user, "meetings.meeting.import", checked.body)
            if only_check:
                self.stdout.write(f"{file.name}: OK ({len(data['items'])} punkter)")
                return
            meeting = meeting_import(data=data, by=user, source=file.name)
        except AgendaImportError as exc:
            raise CommandError("filen blev afvist, intet er importeret:\n" +
                               "\n".join(exc.lines())) from None
        except PermissionDenied:
            raise CommandError(f"{file.name}: {username} må ikke importere møder for dette "
                               "organ (kræver sekretariatsrollen for organet)") from None
        except ValidationError as exc:
            raise CommandError(f"{file.name}: filen blev afvist, intet er importeret: "
                               f"{'; '.join(exc.messages)}") from None
        self.stdout.write(self.style.SUCCESS(
            f"{file.name}: mødet {meeting.slug} er importeret med "
            f"{meeting.items.count()} punkter"))
