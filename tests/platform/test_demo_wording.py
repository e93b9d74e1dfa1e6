"""The demo texts are written in our own words: no run of eight words copied from the seeds."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from sundhedsaftale.core.demo import DATA_FILES

SEEDS = Path("/work/shared/seeds")
RUN = 8


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def shingles(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i:i + RUN]) for i in range(len(w) - RUN + 1)}


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents (/work/shared/seeds) are "
                    "not on this machine")
def test_demo_texts_copy_no_sentence_from_the_seed_documents():
    seed_runs: set[tuple[str, ...]] = set()
    for path in sorted(SEEDS.glob("0*.txt")):
        seed_runs |= shingles(path.read_text(encoding="utf-8", errors="replace"))
    copied = []
    for path in DATA_FILES:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        for text in strings(data):
            overlap = shingles(text) & seed_runs
            if overlap:
                copied.append((path.name, " ".join(min(overlap))))
    assert copied == []
