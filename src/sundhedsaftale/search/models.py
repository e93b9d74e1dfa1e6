"""The search index: one row per public document, derived from published content.

Rows are never edited by hand: `search.index.index_rebuild` replaces them all from the
providers (search/registry.py). On PostgreSQL `vector` holds the stored `danish` search vector
(title weight A, body weight B) with a GIN index; on SQLite an FTS5 table (`FTS_TABLE`, made by
the migration) holds the Snowball-stemmed terms under the same row id.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

FTS_TABLE = "search_document_fts"
# A hit shows the start of its text, at most this many characters (cut at a word; query.py).
SUMMARY_LENGTH = 280


class SearchDocument(models.Model):
    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("key"), max_length=120)
    url = models.CharField(_("address"), max_length=500, blank=True)
    title = models.CharField(_("title"), max_length=500)
    body = models.TextField(_("text"), blank=True)
    context = models.CharField(_("context"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=10, default="da")
    position = models.PositiveIntegerField(_("order"), default=0)
    # The Snowball-stemmed terms of the title, space-separated (SQLite's FTS5 table holds them
    # too; both backends use it to put hits in the title first).
    title_terms = models.TextField(blank=True)
    # The body casefolded, when it is longer than SUMMARY_LENGTH (else empty): a hit's summary
    # looks for the query's words in it (query._summary), which no search need fold again.
    body_folded = models.TextField(blank=True)
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="search_document_kind_key"),
        ]

    def __str__(self) -> str:
        return self.title


class SearchIndexState(models.Model):
    """One row: the content generation the index was built from, and when."""

    generation = models.BigIntegerField(null=True)
    built_at = models.DateTimeField()
    documents = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("search index state")
        verbose_name_plural = _("search index state")
