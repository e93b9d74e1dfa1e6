"""Re-make folk1a_demo.csv: population on 1 January 2023 (quarter 2023K1) in FOLK1A's shape.

    python src/sundhedsaftale/geography/data/make_folk1a_demo.py

What is real and what is invented (column KILDE):
- real: the region total (1,891,871) and the totals of the 19 municipalities that
  docs/domain.md quotes from Danmarks Statistik (København's 653,664 is marked uncertain there).
  Column SIKKERHED is V for the real figures and U for København's (empty for synthetic rows).
- synthetic: the totals of the other ten municipalities (rough sizes scaled so that the 29
  municipalities add up to the real region total), København's split into its ten districts,
  and EVERY breakdown by sex and age (a breakdown of a real total is still invented).
Each area's rows by sex and age add up exactly to its total. The seed makes the file
reproducible; change SEED only on purpose.
"""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

SEED = 20230101
QUARTER = "2023K1"
REGION_TOTAL = 1_891_871
REAL_TOTALS = {
    "Albertslund": 27_530, "Allerød": 26_061, "Ballerup": 50_039, "Bornholm": 39_602,
    "Brøndby": 37_128, "Dragør": 14_609, "Egedal": 45_202, "Fredensborg": 41_689,
    "Frederiksberg": 104_664, "Frederikssund": 46_117, "Furesø": 42_077, "Gentofte": 74_838,
    "Gladsaxe": 70_001, "Glostrup": 23_635, "Gribskov": 41_547, "Halsnæs": 31_466,
    "Helsingør": 63_399, "Herlev": 29_215, "København": 653_664,
}
UNCERTAIN_TOTALS = {"København"}  # marked [U] in docs/domain.md
# Rough relative sizes of the ten municipalities without a quoted figure (invented weights).
SYNTHETIC_WEIGHTS = {
    "Hillerød": 52, "Hvidovre": 54, "Høje-Taastrup": 57, "Hørsholm": 25, "Ishøj": 23,
    "Lyngby-Taarbæk": 56, "Rudersdal": 57, "Rødovre": 41, "Tårnby": 44, "Vallensbæk": 17,
}
# København's districts and invented relative sizes.
DISTRICTS = {
    "Indre By": 57, "Østerbro": 78, "Nørrebro": 80, "Vesterbro/Kongens Enghave": 77,
    "Valby": 63, "Vanløse": 41, "Brønshøj-Husum": 45, "Bispebjerg": 55, "Amager Øst": 61,
    "Amager Vest": 84,
}
MAX_AGE = 100  # the last age is "100 år og derover"
OUT = Path(__file__).with_name("folk1a_demo.csv")


def split(total: int, weights: list[float]) -> list[int]:
    """Whole numbers proportional to weights that add up exactly to total (largest remainder)."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    parts = [math.floor(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def age_weights(rng: random.Random, urban: float) -> list[float]:
    """A plausible Danish age profile; `urban` (0..1) adds young adults and removes elderly."""
    weights = []
    for age in range(MAX_AGE + 1):
        if age < 20:
            w = 1.15
        elif age < 30:
            w = 1.25 + 1.4 * urban
        elif age < 40:
            w = 1.3 + 0.8 * urban
        elif age < 65:
            w = 1.35 - 0.2 * urban
        elif age < 80:
            w = 1.05 - 0.35 * urban
        else:
            w = max(0.0, 0.8 * math.exp(-(age - 80) / 6)) * (1 - 0.3 * urban)
        weights.append(w * rng.uniform(0.93, 1.07) + (0.002 if age == MAX_AGE else 0))
    return weights


def breakdown(total: int, rng: random.Random, urban: float) -> list[tuple[str, int, int]]:
    """(sex, age, count) rows adding up to total; women outnumber men at high ages."""
    cells, weights = [], []
    for age, w in enumerate(age_weights(rng, urban)):
        share_men = 0.505 if age < 60 else max(0.30, 0.505 - (age - 60) * 0.006)
        cells += [("Mænd", age), ("Kvinder", age)]
        weights += [w * share_men, w * (1 - share_men)]
    return [(sex, age, n) for (sex, age), n in zip(cells, split(total, weights), strict=True)]


def age_label(age: int) -> str:
    return f"{age} år og derover" if age == MAX_AGE else f"{age} år"


def main() -> None:
    rng = random.Random(SEED)
    rows: list[list[str]] = [["OMRÅDE", "KØN", "ALDER", "TID", "INDHOLD", "KILDE", "SIKKERHED"]]

    def add_area(name: str, total: int, total_kind: str, detail: list[tuple[str, int, int]]):
        certainty = ("U" if name in UNCERTAIN_TOTALS else "V") if total_kind == "real" else ""
        rows.append([name, "I alt", "Alder i alt", QUARTER, str(total), total_kind, certainty])
        for sex, age, n in detail:
            rows.append([name, sex, age_label(age), QUARTER, str(n), "synthetic", ""])

    rows.append(["Region Hovedstaden", "I alt", "Alder i alt", QUARTER, str(REGION_TOTAL), "real",
                 "V"])
    remainder = REGION_TOTAL - sum(REAL_TOTALS.values())
    synthetic_totals = dict(zip(SYNTHETIC_WEIGHTS, split(remainder, list(SYNTHETIC_WEIGHTS.values())),
                                strict=True))
    totals = {**REAL_TOTALS, **synthetic_totals}

    # København: the districts first; the municipality's breakdown is their sum.
    district_totals = split(totals["København"], list(DISTRICTS.values()))
    kbh: dict[tuple[str, int], int] = {}
    district_rows = []
    for (district, _w), total in zip(DISTRICTS.items(), district_totals, strict=True):
        detail = breakdown(total, rng, urban=1.0)
        for sex, age, n in detail:
            kbh[(sex, age)] = kbh.get((sex, age), 0) + n
        district_rows.append((f"København - {district}", total, detail))

    for name in sorted(totals):
        kind = "real" if name in REAL_TOTALS else "synthetic"
        if name == "København":
            detail = [(sex, age, n) for (sex, age), n in kbh.items()]
            detail.sort(key=lambda r: (r[0] != "Mænd", r[1]))
        else:
            urban = 0.6 if name == "Frederiksberg" else 0.15
            detail = breakdown(totals[name], rng, urban)
            detail.sort(key=lambda r: (r[0] != "Mænd", r[1]))
        add_area(name, totals[name], kind, detail)
    for name, total, detail in district_rows:
        detail.sort(key=lambda r: (r[0] != "Mænd", r[1]))
        add_area(name, total, "synthetic", detail)

    with OUT.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\n").writerows(rows)
    print(f"wrote {OUT} ({len(rows) - 1} rows)")


if __name__ == "__main__":
    main()
