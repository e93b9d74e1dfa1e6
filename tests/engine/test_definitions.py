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
    with pytest.raises(DefinitionError, match=r"x\.toml\.event: ukendt nøgle 'acutee' "
                                              r"\(mente du acute\?\)"):
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


BASE = {"id": "x", "version": "1", "kind": "event_rate", "unit": "per_1000",
        "standardise": True, "title_da": "x", "title_en": "x", "description_da": "x",
        "event": {"acute": True}, "population": {}, "period": {"date": "start"}}


@pytest.mark.parametrize(("change", "message"), [
    ({"standardize": True}, r"x\.toml: ukendt nøgle 'standardize' \(mente du standardise\?\)"),
    ({"period": {}}, r"x\.toml\.period: nøglen 'date' mangler"),
    ({"period": {"date": "discharge"}}, r"x\.toml\.period\.date: 'discharge' er ikke en af"),
    ({"event": {"min_age": "65"}}, r"x\.toml\.event\.min_age: forventede int, fik str"),
    ({"event": {"acute": 1}}, r"x\.toml\.event\.acute: forventede bool"),
    ({"event": {"stay_type": "somatik"}}, r"stay_type: 'somatik' er ikke en af .*"),
    ({"event": {"include": [{"codelist": "cancer_v1", "macth": "any"}]}},
     r"x\.toml\.event\.include\[0\]: ukendt nøgle 'macth' \(mente du match\?\)"),
    ({"geography": {"at": "start"}}, r"x\.toml: ukendt nøgle 'geography'"),
])
def test_unknown_misspelt_missing_or_mistyped_keys_name_the_file_and_key(change, message):
    with pytest.raises(DefinitionError, match=message):
        parse_indicator({**BASE, **change}, "x.toml")


def test_missing_top_level_keys_and_sections_are_errors():
    data = dict(BASE)
    del data["standardise"]
    with pytest.raises(DefinitionError, match="nøglen 'standardise' mangler"):
        parse_indicator(data, "x.toml")
    data = dict(BASE)
    del data["population"]
    with pytest.raises(DefinitionError, match=r"sektionen \[population\] mangler"):
        parse_indicator(data, "x.toml")


def test_a_declaration_file_is_parsed_into_typed_objects(tmp_path):
    ind = load_indicator("readmission_somatic_30d")
    assert ind.index is not None and ind.readmission is not None
    assert ind.readmission.window_days == 30 and ind.readmission.acute is True
    assert ind.readmission.exclude_contact_reasons == ("accident", "violence",
                                                       "suicide_attempt")
    assert ind.period.date == "end" and ind.period.require_follow_up is True
    bad = tmp_path / "x.toml"
    bad.write_text('id = "x"\nkind = "event_rate"\n[event\n', encoding="utf-8")
    with pytest.raises(DefinitionError, match="x.toml: ikke gyldig TOML"):
        load_indicator("x", tmp_path)


def test_provisional_is_true_exactly_where_a_code_list_or_rule_is_provisional():
    inds = {i.id: i for i in load_indicators()}
    assert len(inds) >= 11
    provisional = {i for i, ind in inds.items() if ind.provisional}
    assert provisional == {
        "readmission_somatic_30d", "readmission_psychiatric_30d",  # hospice, births, reasons
        "preventable_admissions_65plus",  # the code list
        "acute_short_medical_admissions", "acute_short_psychiatric_admissions",  # rule
        "rehabilitation_waiting_time_general", "rehabilitation_plans_per_1000_discharges",
    }
    for i in provisional:
        ind = inds[i]
        assert ind.provisional_rule or any(c.provisional for c in ind.codelists.values())
