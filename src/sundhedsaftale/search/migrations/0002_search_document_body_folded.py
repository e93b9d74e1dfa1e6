from django.db import migrations, models


def forget_the_index_state(apps, schema_editor):
    # The index was built without body_folded: the next search (or content change) rebuilds it.
    apps.get_model("search", "SearchIndexState").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0001_search_document"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchdocument",
            name="body_folded",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(forget_the_index_state, migrations.RunPython.noop),
    ]
