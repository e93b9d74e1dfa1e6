"""Official municipality names ("Københavns Kommune", "Bornholms Regionskommune") for the
municipalities already stored. Only København (genitive -s) and Bornholm (a regional
municipality) differ from "<name> Kommune" in Region Hovedstaden."""

from django.db import migrations

IRREGULAR = {"101": "Københavns Kommune", "400": "Bornholms Regionskommune"}


def fill(apps, schema_editor):
    Municipality = apps.get_model("geography", "Municipality")
    for municipality in Municipality.objects.filter(official_name=""):
        municipality.official_name = IRREGULAR.get(municipality.code,
                                                   f"{municipality.name} Kommune")
        municipality.save(update_fields=["official_name"])


OLD_DEMO_SOURCE = ("Demo: totals from Danmarks Statistik FOLK1A 2023K1 where marked real; "
                   "all breakdowns synthetic")
NEW_DEMO_SOURCE = ("Demo: totaltal fra Danmarks Statistik, FOLK1A 2023K1, hvor de er "
                   "markeret som ægte; alle fordelinger er syntetiske")


def danish_source(apps, schema_editor):
    for model in ("PopulationCount", "AreaPopulation"):
        apps.get_model("geography", model).objects.filter(source=OLD_DEMO_SOURCE).update(
            source=NEW_DEMO_SOURCE)


class Migration(migrations.Migration):
    dependencies = [("geography", "0005_municipality_official_name")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop),
                  migrations.RunPython(danish_source, migrations.RunPython.noop)]
