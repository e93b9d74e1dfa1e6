"""`sundhedsaftale followup import|publish|withdraw|runs|sync-catalogue|export-geography`.

Exit code 2 with the problems (file, row, column) when an import is refused; nothing is
written then. No traceback for bad input.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sundhedsaftale.followup import selectors, services
from sundhedsaftale.followup.importer import ResultFileError
from sundhedsaftale.followup.models import Run

GEOGRAPHY_COLUMNS = ["level", "code", "cluster", "valid_from", "valid_to"]


class Command(BaseCommand):
    help = "Opfølgning: importér motorens resultater, offentliggør kørsler, eksportér geografi."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="importér en resultatfil (Parquet) som en kørsel")
        imp.add_argument("file", type=Path)
        imp.add_argument("--label", required=True, help="kørslens navn, fx 'LPR 2020-2025'")
        imp.add_argument("--publish", action="store_true", help="offentliggør med det samme")
        pub = sub.add_parser("publish", help="offentliggør en kørsel")
        pub.add_argument("run", type=int)
        wd = sub.add_parser("withdraw", help="træk en offentliggjort kørsel tilbage")
        wd.add_argument("run", type=int)
        wd.add_argument("--reason", default="")
        sub.add_parser("runs", help="vis kørslerne")
        sub.add_parser("sync-catalogue", help="opdatér kataloget fra motorens deklarationer")
        geo = sub.add_parser("export-geography",
                             help="skriv motorens geografi.csv ud fra platformens medlemskaber")
        geo.add_argument("file", type=Path)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        handler = getattr(self, "_" + action.replace("-", "_"))
        try:
            handler(**options)
        except ResultFileError as exc:
            self.stderr.write(str(exc))
            raise SystemExit(2) from None
        except (ValidationError, Run.DoesNotExist) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None

    def _import(self, *, file: Path, label: str, publish: bool, **_: Any) -> None:
        outcome = services.run_import(path=file, label=label, by=None)
        run = outcome.run
        if not outcome.created:
            self.stdout.write(f"{file.name}: allerede importeret som kørsel {run.pk} "
                              f"({run.label}); intet ændret")
            return
        self.stdout.write(f"{file.name}: importeret som kørsel {run.pk}: {run.row_count} "
                          f"rækker, {run.hidden_count} diskretioneret")
        if publish:
            services.run_publish(run=run, by=None)
            self.stdout.write(f"kørsel {run.pk} offentliggjort")

    def _publish(self, *, run: int, **_: Any) -> None:
        obj = services.run_publish(run=Run.objects.get(pk=run), by=None)
        self.stdout.write(f"kørsel {obj.pk} offentliggjort")

    def _withdraw(self, *, run: int, reason: str, **_: Any) -> None:
        obj = Run.objects.get(pk=run)
        services.run_withdraw(run=obj, by=None, reason=reason)
        self.stdout.write(f"kørsel {obj.pk} trukket tilbage")

    def _runs(self, **_: Any) -> None:
        for run in Run.objects.all():
            self.stdout.write(f"{run.pk}\t{run.status}\t{run.label}\t{run.row_count} rækker\t"
                              f"{run.checksum[:12]}")

    def _sync_catalogue(self, **_: Any) -> None:
        result = services.catalogue_sync(by=None)
        self.stdout.write(f"katalog: {result.created} nye, {result.updated} opdateret, "
                          f"{result.unchanged} uændret")

    def _export_geography(self, *, file: Path, **_: Any) -> None:
        rows = selectors.geography_rows()
        tmp = file.with_name(file.name + ".tmp")
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=GEOGRAPHY_COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        tmp.replace(file)
        self.stdout.write(f"{file}: {len(rows)} rækker")
