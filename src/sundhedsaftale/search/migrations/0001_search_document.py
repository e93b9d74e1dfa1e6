import django.contrib.postgres.search
from django.db import migrations, models

FTS_TABLE = "search_document_fts"


def create_full_text_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX search_document_vector_gin ON search_searchdocument USING GIN (vector)")
    elif vendor == "sqlite":
        # Terms are stemmed in Python (search/text.py); the tokenizer only splits on spaces
        # and must not fold æ, ø, å.
        schema_editor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, body, "
            "tokenize = 'unicode61 remove_diacritics 0')")


def drop_full_text_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_document_vector_gin")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


class Migration(migrations.Migration):

    initial = True

    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("kind", models.CharField(max_length=40, verbose_name="kind")),
                ("key", models.CharField(max_length=120, verbose_name="key")),
                ("url", models.CharField(blank=True, max_length=500, verbose_name="address")),
                ("title", models.CharField(max_length=500, verbose_name="title")),
                ("body", models.TextField(blank=True, verbose_name="text")),
                ("context", models.CharField(blank=True, max_length=300,
                                             verbose_name="context")),
                ("language", models.CharField(default="da", max_length=10,
                                              verbose_name="language")),
                ("position", models.PositiveIntegerField(default=0, verbose_name="order")),
                ("title_terms", models.TextField(blank=True)),
                ("vector", django.contrib.postgres.search.SearchVectorField(editable=False,
                                                                            null=True)),
            ],
            options={
                "verbose_name": "search document",
                "verbose_name_plural": "search documents",
                "constraints": [models.UniqueConstraint(fields=("kind", "key"),
                                                        name="search_document_kind_key")],
            },
        ),
        migrations.CreateModel(
            name="SearchIndexState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                           verbose_name="ID")),
                ("generation", models.BigIntegerField(null=True)),
                ("built_at", models.DateTimeField()),
                ("documents", models.PositiveIntegerField(default=0)),
            ],
            options={
                "verbose_name": "search index state",
                "verbose_name_plural": "search index state",
            },
        ),
        migrations.RunPython(create_full_text_index, drop_full_text_index),
    ]
