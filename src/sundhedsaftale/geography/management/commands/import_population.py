"""`sundhedsaftale import_population PATH`: load population figures in FOLK1A's shape."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sundhedsaftale.geography.services import (
    PopulationImportError,
    population_import,
    population_parse,
)


class Command(BaseCommand):
    help = ("Import population by area, sex and age from a semicolon-separated file shaped like "
            "Statistics Denmark's FOLK1A (OMRÅDE;KØN;ALDER;TID;INDHOLD[;KILDE]). Every row is "
            "checked first; nothing is imported if any row is wrong.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--source", default="",
                            help="Source text stored with the figures (default: the file name).")
        parser.add_argument("--check", action="store_true",
                            help="Only validate the file; write nothing.")

    def handle(self, *args, path: str, source: str, check: bool, **options) -> None:
        try:
            if check:
                rows = population_parse(path=path)
                self.stdout.write(self.style.SUCCESS(
                    f"{len(rows)} rows OK; nothing imported (--check)."))
                return
            result = population_import(path=path, source=source)
        except PopulationImportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"{result.rows} rows imported for {result.areas} areas, quarter(s) "
            f"{', '.join(result.quarters)} ({result.real_rows} real, {result.synthetic_rows} "
            f"synthetic); {result.replaced} earlier rows replaced."))
