"""Load demo data from the apps' TOML files: one loader for every model.

A data file holds tables (`[[municipality]]`, `[[goal]]`, ...). TABLES says which model each
table fills and which fields identify a row (its natural key), so loading twice updates rather
than duplicates, and a row whose values are unchanged is not saved again (no new history).
A key `field__lookup = value` refers to another row: `region__code = "1084"` sets the foreign key
`region` to the region with code 1084; for a many-to-many field every matching row is linked
(a list value means "any of these").
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import models, transaction

from .audit import audit_record
from .services import content_save, service

PACKAGE = Path(__file__).resolve().parent.parent
DATA_FILES = [
    PACKAGE / "geography" / "data" / "geography.toml",
    PACKAGE / "bodies" / "data" / "bodies.toml",
    PACKAGE / "agreements" / "data" / "agreements.toml",
    PACKAGE / "outreach" / "data" / "outreach.toml",
]
POPULATION_FILE = PACKAGE / "geography" / "data" / "folk1a_demo.csv"

# table name -> (model label, natural key fields); loaded in this order.
TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "region": ("geography.Region", ("code",)),
    "municipality": ("geography.Municipality", ("code",)),
    "district": ("geography.District", ("code",)),
    "hospital": ("geography.Hospital", ("slug",)),
    "cluster": ("geography.HealthCluster", ("code",)),
    "area_membership": ("geography.AreaMembership",
                        ("cluster", "municipality", "district", "valid_from")),
    "organisation": ("bodies.Organisation", ("slug",)),
    "body": ("bodies.Body", ("slug",)),
    "membership": ("bodies.Membership", ("body", "person_name", "role")),
    "legal_regime": ("agreements.LegalRegime", ("code",)),
    "agreement": ("agreements.Agreement", ("slug",)),
    "vision": ("agreements.Vision", ("agreement", "number")),
    "principle": ("agreements.Principle", ("agreement", "number")),
    "focus_area": ("agreements.FocusArea", ("agreement", "slug")),
    "goal": ("agreements.Goal", ("agreement", "slug")),
    "initiative": ("agreements.Initiative", ("goal", "number")),
    "followup_source": ("agreements.FollowUpSource", ("agreement", "number")),
    "annex": ("agreements.Annex", ("slug",)),
    "agreement_annex": ("agreements.AgreementAnnex", ("agreement", "annex")),
    "contact_point": ("outreach.ContactPoint", ("slug",)),
    "citizen_page": ("outreach.CitizenPage", ("focus_area",)),
}


class DemoDataError(Exception):
    pass


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _resolve(model: type[models.Model], row: dict[str, Any], where: str
             ) -> tuple[dict[str, Any], dict[str, models.QuerySet]]:
    """Split a data row into field values and many-to-many querysets, resolving references."""
    values: dict[str, Any] = {}
    references: dict[str, dict[str, Any]] = defaultdict(dict)
    for key, value in row.items():
        if "__" in key:
            name, lookup = key.split("__", 1)
            if isinstance(value, list):
                lookup += "__in"
            references[name][lookup] = value
        else:
            values[key] = value
    m2m: dict[str, models.QuerySet] = {}
    for name, lookups in references.items():
        field_ = model._meta.get_field(name)
        related = field_.related_model
        if field_.many_to_many:
            m2m[name] = related.objects.filter(**lookups)
            continue
        try:
            values[name] = related.objects.get(**lookups)
        except (related.DoesNotExist, related.MultipleObjectsReturned) as exc:
            raise DemoDataError(f"{where}: {name} {lookups}: {exc}") from exc
    return values, m2m


def load_rows(table: str, rows: list[dict[str, Any]], *, source: str,
              result: LoadResult, by: Any = None) -> None:
    """Create or update the rows of one table (the one loader for every model)."""
    label, key_fields = TABLES[table]
    model = apps.get_model(label)
    for index, row in enumerate(rows, start=1):
        where = f"{source}, [[{table}]] #{index}"
        values, m2m = _resolve(model, row, where)
        key = {name: values.get(name) for name in key_fields}
        instance = model.objects.filter(**key).first()
        if instance is None:
            instance = model(**values)
            content_save(instance=instance, by=by, reason="demo data")
            result.created[table] += 1
            changed = True
        else:
            changed = False
            for name, value in values.items():
                field_ = model._meta.get_field(name)
                current = getattr(instance, field_.attname)
                wanted = value.pk if isinstance(value, models.Model) else value
                if current != wanted:
                    setattr(instance, name, value)
                    changed = True
            if changed:
                content_save(instance=instance, by=by, reason="demo data")
                result.updated[table] += 1
        for name, queryset in m2m.items():
            manager = getattr(instance, name)
            wanted_ids = set(queryset.values_list("pk", flat=True))
            if set(manager.values_list("pk", flat=True)) != wanted_ids:
                manager.set(wanted_ids)
                if not changed:
                    result.updated[table] += 1
                    changed = True
        if not changed:
            result.unchanged[table] += 1


@service
def demo_data_load(*, files: list[Path] | None = None, by: Any = None) -> LoadResult:
    """Load every table of the demo data files, in dependency order, in one transaction (a
    service: the one write path; one audit event says what it created and updated)."""
    tables: dict[str, list[tuple[str, list[dict[str, Any]]]]] = defaultdict(list)
    for path in files or DATA_FILES:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        for table, rows in data.items():
            if table not in TABLES:
                raise DemoDataError(f"{path.name}: unknown table [[{table}]]")
            tables[table].append((path.name, rows))
    result = LoadResult()
    with transaction.atomic():
        for table in TABLES:
            for source, rows in tables.get(table, []):
                load_rows(table, rows, source=source, result=result, by=by)
    if result.created or result.updated:
        audit_record(actor=by, action="core.demo.load", note="demo data",
                     changes={"created": dict(result.created), "updated": dict(result.updated)})
    return result
