"""`sundhedsaftale import_population FILE [--check] [--replace]`: population in FOLK1A's shape."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sundhedsaftale.geography.services import (
    PopulationImportError,
    population_import,
    population_plan,
)


class Command(BaseCommand):
    help = ("Import population by area, sex and age from a semicolon-separated file shaped like "
            "Statistics Denmark's FOLK1A (OMRÅDE;KØN;ALDER;TID;INDHOLD[;KILDE][;SIKKERHED]). "
            "Every row is checked first and the command says what it will do (rows added, "
            "existing rows replaced per area and quarter) before doing it; nothing is imported "
            "if any row is wrong.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--source", default="",
                            help="Source text stored with the figures (default: the file name).")
        parser.add_argument("--check", action="store_true",
                            help="Only check the file and say what the import would do.")
        parser.add_argument("--replace", action="store_true",
                            help="Allow a partial import: a new quarter without every "
                                 "municipality, or an area's quarter replaced by fewer rows.")

    def handle(self, *args: Any, path: str, source: str, check: bool, replace: bool,
               **options: Any) -> None:
        try:
            plan = population_plan(path=path, replace=replace)
            for line in plan.describe():
                self.stdout.write(line)
            if check:
                self.stdout.write(self.style.SUCCESS(
                    f"{plan.rows} rows OK; nothing imported (--check)."))
                return
            result = population_import(path=path, source=source, replace=replace, plan=plan)
        except PopulationImportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"{result.rows} rows imported for {result.areas} areas, quarter(s) "
            f"{', '.join(result.quarters)} ({result.real_rows} real, {result.synthetic_rows} "
            f"synthetic); {result.replaced} earlier rows replaced."))
