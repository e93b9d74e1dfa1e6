"""Fill AreaPopulation (totals per area and quarter) from the population rows already stored,
with the rules the import uses from now on."""

from collections import defaultdict

from django.db import migrations

BANDS_LAST = [14, 24, 44, 64, 79]  # geography.models.AGE_BANDS, as of this migration


def _band(age_from):
    for index, last in enumerate(BANDS_LAST):
        if age_from <= last:
            return index
    return len(BANDS_LAST)


def fill(apps, schema_editor):
    PopulationCount = apps.get_model("geography", "PopulationCount")
    AreaPopulation = apps.get_model("geography", "AreaPopulation")
    groups = defaultdict(lambda: {
        "sums": [None] * 4, "synthetic": [False] * 4, "certainty": ["V"] * 4,
        "bands": {"M": [0] * 6, "K": [0] * 6}, "rows": 0, "source": ""})
    rows = PopulationCount.objects.values_list(
        "quarter", "region_id", "municipality_id", "district_id", "sex", "age_from", "count",
        "is_synthetic", "certainty", "source")
    for quarter, region, municipality, district, sex, age_from, count, synthetic, certainty, \
            source in rows.iterator(chunk_size=5000):
        if municipality:
            area = ("municipality", municipality)
        elif district:
            area = ("district", district)
        else:
            area = ("region", region)
        group = groups[(quarter, area)]
        kind = (0 if sex == "T" else 2) if age_from is None else (3 if sex == "T" else 1)
        group["sums"][kind] = (group["sums"][kind] or 0) + count
        group["synthetic"][kind] = group["synthetic"][kind] or synthetic
        group["certainty"][kind] = min(group["certainty"][kind], certainty)
        group["rows"] += 1
        group["source"] = group["source"] or source
        if kind == 1:
            group["bands"][sex][_band(age_from)] += count
    totals = []
    for (quarter, (kind_name, pk)), group in groups.items():
        kind = next((k for k in (0, 1, 2, 3) if group["sums"][k] is not None), None)
        flags = 1 if kind is None else kind
        has_bands = group["sums"][1] is not None
        totals.append(AreaPopulation(
            quarter=quarter, **{f"{kind_name}_id": pk},
            count=None if kind is None else group["sums"][kind],
            men_by_band=group["bands"]["M"] if has_bands else [],
            women_by_band=group["bands"]["K"] if has_bands else [],
            rows=group["rows"], is_synthetic=group["synthetic"][flags],
            bands_synthetic=group["synthetic"][1],
            source=group["source"][:300], certainty=group["certainty"][flags]))
    AreaPopulation.objects.bulk_create(totals, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("geography", "0003_areapopulation")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
