"""Declarations, code lists and the standard population are data, checked when loaded."""

from __future__ import annotations

import pytest

from indicator_engine.definitions import (
    INDICATOR_IDS,
    DefinitionError,
    load_codelist,
    load_indicator,
    load_indicators,
    load_standard_population,
    parse_indicator,
)


def test_all_indicators_load_with_their_code_lists():
    inds = load_indicators()
    assert [i.id for i in inds] == list(INDICATOR_IDS)
    kinds = {i.id: i.kind for i in inds}
    assert kinds["readmission_somatic_30d"] == "readmission"
    assert kinds["discharge_ready_days_psychiatric"] == "bed_days"
    assert kinds["acute_admissions_copd"] == "event_rate"
    prev = load_indicator("preventable_admissions_65plus")
    assert prev.provisional
    assert "DE86" in prev.codelists["preventable_admissions_65plus_v1"].prefixes
    assert not load_indicator("acute_admissions_copd").provisional


def test_code_list_header_names_version_status_and_source(tmp_path):
    cl = load_codelist("cancer_v1")
    assert (cl.version, cl.status) == ("1", "verified")
    assert "DC97" in cl.prefixes
    (tmp_path / "x_v1.csv").write_text("prefix,group,description\nDA00,a,b\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match="version"):
        load_codelist("x_v1", tmp_path)


def test_declaration_with_an_unknown_key_or_kind_is_refused():
    base = {"id": "x", "version": "1", "kind": "event_rate", "unit": "per_1000",
            "standardise": True, "title_da": "x", "title_en": "x", "description_da": "x",
            "event": {"acute": True}, "population": {}, "period": {"date": "start"}}
    parse_indicator(base, "x.toml")
    with pytest.raises(DefinitionError, match="ukendte"):
        parse_indicator({**base, "event": {"acutee": True}}, "x.toml")
    with pytest.raises(DefinitionError, match="kind"):
        parse_indicator({**base, "kind": "magic"}, "x.toml")
    with pytest.raises(DefinitionError, match="kodelisten"):
        parse_indicator({**base, "event": {"include": [{"codelist": "nope_v9",
                                                          "match": "action"}]}}, "x.toml")


def test_standard_population_is_esp_2013_for_both_sexes():
    std = load_standard_population()
    for sex in ("M", "K"):
        part = std[std.sex == sex]
        assert part.weight.sum() == 100_000
        assert list(part.age_from)[:3] == [0, 5, 10]
        assert part.age_from.max() == 90


def test_unknown_indicator_is_refused():
    with pytest.raises(DefinitionError, match="ukendt indikator"):
        load_indicator("no_such_indicator")
