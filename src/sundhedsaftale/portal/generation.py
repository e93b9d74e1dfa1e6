"""The content generation: one number, in the database, that changes when public content does.

Public pages are cached (Django's cache framework, see `portal.caching`) under keys that
include this number. A service that publishes, withdraws or edits public content calls
`cache_generation_bump_on_commit()`; after its transaction commits the number changes and every
worker, whatever cache backend it uses, renders the next request afresh. Being in the
database (not in a per-process cache), the number is the same for every worker at once.

As a safety net, saves and deletes of the content models (agreements, bodies, geography, followup) also
schedule one bump per transaction (`connect_content_signals`, per model, never global), so an
edit that forgets to bump still cannot leave a withdrawn page in the cache.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from .models import ContentGeneration

_ROW = 1
# Content that public pages show. Population counts are bulk-written by their import service,
# which bumps once itself; so are follow-up results and reported values (followup.services).
CONTENT_APPS = ("agreements", "bodies", "geography", "outreach", "followup")
NOT_CONTENT = {"populationcount", "areapopulation"}
_SELECT = "SELECT {value} FROM {table} WHERE {pk} = %s"

# Sent after every bump (outside any transaction when the bump ran on commit).
content_generation_bumped = Signal()


def cache_generation(using: str = DEFAULT_DB_ALIAS) -> int | None:
    """The current generation, or None before the first bump (then nothing is cached: after a
    database is emptied, old cache entries could otherwise come back).

    Read on every cached hit, so it is one plain SQL statement on the primary key: building the
    equivalent ORM query cost more than the rest of a cache hit together (bench/web_bench.py).
    Still read from the database each time, so every worker sees a bump at once."""
    connection = connections[using]
    with connection.cursor() as cursor:
        quote, meta = connection.ops.quote_name, ContentGeneration._meta
        cursor.execute(_SELECT.format(value=quote(meta.get_field("value").column),
                                      table=quote(meta.db_table), pk=quote(meta.pk.column)),
                       [_ROW])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def cache_generation_bump() -> None:
    """Change the generation now. The first one starts at a random number, so a database that
    was emptied and filled again never reuses the keys of entries still in a shared cache.
    Then `content_generation_bumped` is sent (the search index rebuilds on it)."""
    if not ContentGeneration.objects.filter(pk=_ROW).update(value=F("value") + 1):
        ContentGeneration.objects.bulk_create(
            [ContentGeneration(pk=_ROW, value=secrets.randbits(48))], ignore_conflicts=True)
    content_generation_bumped.send(sender=ContentGeneration)


def cache_generation_bump_on_commit(using: str = DEFAULT_DB_ALIAS) -> None:
    """Bump the generation once the current transaction commits (at once outside one).

    Called any number of times in one transaction, it bumps once.
    """
    connection = connections[using]
    if connection.in_atomic_block and any(
            callback is cache_generation_bump for _ids, callback, *_rest
            in connection.run_on_commit):
        return
    transaction.on_commit(cache_generation_bump, using=using)


def _content_changed(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    cache_generation_bump_on_commit(using=using)


def connect_content_signals() -> None:
    """Connect the safety net to each content model (not to every model of the project)."""
    for app_label in CONTENT_APPS:
        try:
            config = apps.get_app_config(app_label)
        except LookupError:
            continue
        for model in config.get_models():
            name = model._meta.model_name or ""
            if name in NOT_CONTENT or name.startswith("historical"):
                continue
            uid = f"portal-generation-{model._meta.label_lower}"
            post_save.connect(_content_changed, sender=model, dispatch_uid=uid + "-save")
            post_delete.connect(_content_changed, sender=model, dispatch_uid=uid + "-delete")
            for m2m in model._meta.local_many_to_many:
                through = m2m.remote_field.through
                m2m_changed.connect(_content_changed, sender=through,
                                    dispatch_uid=f"{uid}-{m2m.name}-m2m")
