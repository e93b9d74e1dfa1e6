"""Build the search index from the providers, and keep it current.

When: the index records the content generation (portal/generation.py) it was built from.
Every bump of the generation (a service published, withdrew or edited public content, after
its commit) rebuilds it at once (`content_generation_bumped`); a search that finds the index
older than the generation (e.g. right after `migrate` or a flush) rebuilds it first. Models of
other apps named by a provider (`search_provider(models=...)`) bump the generation after their
commit too. `sundhedsaftale search_rebuild` rebuilds by hand.

Write path: the index is derived data, not domain content. It is rebuilt wholly from published
content, nobody decides anything by writing it, and an audit entry per rebuild would only
repeat the audit entry of the change that caused it. So its two models are exempt from the
write guard (core/guard.py, EXEMPT_MODELS, like the content generation) and written only here,
in one transaction: a reader sees the old index or the new one, never half of each.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.apps import apps
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone, translation

from . import text
from .models import FTS_TABLE, SUMMARY_LENGTH, SearchDocument, SearchIndexState
from .registry import Document, documents, providers

logger = logging.getLogger(__name__)

_STATE_ROW = 1
_ADVISORY_LOCK = 0x5EA4C4  # pg_advisory_xact_lock key: one rebuild at a time
_process_lock = threading.RLock()


def body_folded(body: str) -> str:
    """What SearchDocument.body_folded stores for `body`."""
    return body.casefold() if len(body) > SUMMARY_LENGTH else ""


def _rows(docs: list[Document]) -> list[tuple[SearchDocument, str]]:
    rows = []
    seen: set[tuple[str, str]] = set()
    for position, doc in enumerate(docs):
        if (doc.kind, doc.key) in seen:
            continue
        seen.add((doc.kind, doc.key))
        title_terms = " ".join(text.terms(doc.title))
        rows.append((SearchDocument(
            kind=doc.kind, key=doc.key, url=doc.url, title=doc.title[:500], body=doc.body,
            context=doc.context[:300], language=doc.language, position=position,
            title_terms=title_terms, body_folded=body_folded(doc.body)),
            " ".join(text.terms(doc.body))))
    return rows


def index_rebuild() -> int:
    """Replace the whole index with the providers' current public documents; the count."""
    from sundhedsaftale.portal.generation import cache_generation

    with _process_lock, transaction.atomic():
        vendor = connection.vendor
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_ADVISORY_LOCK])
        generation = cache_generation()
        with translation.override("da"):  # the index is Danish whatever the request's language
            rows = _rows(list(documents()))
        SearchDocument.objects.all().delete()
        created = SearchDocument.objects.bulk_create([doc for doc, _body in rows],
                                                     batch_size=500)
        if vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {FTS_TABLE}")
                cursor.executemany(
                    f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",
                    [(doc.pk, doc.title_terms, body) for doc, (_d, body) in zip(created, rows)])
                # One b-tree for the whole index, as if made afresh: the delete and inserts
                # leave segments (and the deleted rows' markers) that every search would
                # otherwise read and merge.
                cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")
        elif vendor == "postgresql":
            from django.contrib.postgres.search import SearchVector

            SearchDocument.objects.update(
                vector=SearchVector("title", weight="A", config="danish")
                + SearchVector("body", weight="B", config="danish"))
        SearchIndexState.objects.update_or_create(
            pk=_STATE_ROW, defaults={"generation": generation, "built_at": timezone.now(),
                                     "documents": len(created)})
    return len(created)


def index_is_current() -> bool:
    """True when the index was built from the current content generation. One small query in
    plain SQL: it runs before every search, so it skips the ORM's query compilation."""
    from sundhedsaftale.portal.models import ContentGeneration

    state, generation = SearchIndexState._meta.db_table, ContentGeneration._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.generation, (SELECT g.value FROM {generation} g WHERE g.id = %s) "
            f"FROM {state} s WHERE s.id = %s", [1, _STATE_ROW])
        row = cursor.fetchone()
    return row is not None and row[0] == row[1]


def index_ensure_current() -> None:
    """Rebuild the index now if it is older than the content (see the module). Should the
    rebuild fail (another process holds the database's write lock past its timeout), the search
    answers from the index as it is, and the next search tries again."""
    if not index_is_current():
        try:
            index_rebuild()
        except DatabaseError:
            logger.exception("search index rebuild before a search failed")


def _on_generation_bumped(sender: Any, **kwargs: Any) -> None:
    try:
        index_rebuild()
    except Exception:  # the content's own change committed; the next search retries
        logger.exception("search index rebuild failed")


def _provider_model_changed(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from sundhedsaftale.portal.generation import cache_generation_bump_on_commit

    cache_generation_bump_on_commit(using=using)


def connect_signals() -> None:
    from sundhedsaftale.portal.generation import CONTENT_APPS, content_generation_bumped

    content_generation_bumped.connect(_on_generation_bumped, dispatch_uid="search-rebuild")
    for provider in providers():
        for label in provider.models:
            model = apps.get_model(label)
            if model._meta.app_label in CONTENT_APPS:
                continue  # portal.generation watches these already
            uid = f"search-{model._meta.label_lower}"
            post_save.connect(_provider_model_changed, sender=model, dispatch_uid=uid + "-save")
            post_delete.connect(_provider_model_changed, sender=model,
                                dispatch_uid=uid + "-delete")
