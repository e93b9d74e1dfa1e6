"""The fast paths of the busiest pages give what the standard tools give: JSON columns read with
raw SQL (core.columns.json_value) as json.loads, row text (core.text.escape_text) as
markupsafe.escape."""

from __future__ import annotations

import json
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from sundhedsaftale.core.columns import json_value
from sundhedsaftale.core.text import escape_text


def _same(a: object, b: object) -> bool:
    """Equal, NaN included (NaN != NaN), and of the same types throughout."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))  # type: ignore[arg-type]
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)  # type: ignore[attr-defined,index]
    return a == b


@pytest.mark.parametrize("text", [
    "[]", "{}", "null", "[2320, 1713, 3701, 3526, 1697, 456]",
    ('[[7, [1, 2, "region", "84", "2024-01-01", 12.0, 345.0, false, 3.4782608695652173,'
     ' 0.1, 6.9]], null]'),
    '{"å": "Københavns Kommune – bydel", "tal": [-0.0, 1e-300, 1.7976931348623157e308]}',
    "[NaN, Infinity, -Infinity]",  # json.dumps writes these; orjson refuses them
    "[9223372036854775807, -9223372036854775808]",  # the 64-bit limits
])
def test_json_value_decodes_as_json_loads(text: str) -> None:
    assert _same(json_value(text), json.loads(text))
    assert _same(json_value(text.encode()), json.loads(text))


def test_json_value_decodes_random_figures_as_json_loads() -> None:
    """Floats as the engine writes them: json.dumps's shortest repr, read back bit for bit."""
    rng = random.Random(2027)
    values = [rng.uniform(-1e6, 1e6) for _ in range(2000)] + [rng.random() * 10 ** rng.randint(
        -20, 20) for _ in range(2000)]
    text = json.dumps(values)
    assert json_value(text) == json.loads(text) == values


def test_json_value_returns_what_the_driver_already_decoded() -> None:
    decoded = [1, {"a": 2}]
    assert json_value(decoded) is decoded
    assert json_value(None) is None


def test_json_value_still_refuses_what_is_not_json() -> None:
    with pytest.raises(json.JSONDecodeError):
        json_value("[1, 2")


def test_json_value_reads_integers_beyond_64_bits_as_floats() -> None:
    """orjson's one difference from json.loads that is not an error: the columns hold
    counts, figures and ids, none of which reaches 2**63."""
    assert json_value("[123456789012345678901234567890]") == [1.2345678901234568e+29]


@given(st.text())
def test_escape_text_writes_what_markupsafe_escape_writes(text: str) -> None:
    assert escape_text(text) == str(escape(text))


def test_escape_text_keeps_safe_html_and_escapes_other_values_as_escape_does() -> None:
    safe = Markup("<b>Kilde</b> &amp; data")
    assert escape_text(safe) == str(safe)
    assert type(escape_text(safe)) is str
    assert escape_text(1891871) == "1891871"
    assert escape_text("Kø & <Søn> 'x' \"y\"") == "Kø &amp; &lt;Søn&gt; &#39;x&#39; &#34;y&#34;"


def test_rows_html_puts_escaped_rows_into_the_markup_of_a_set_block() -> None:
    """The row markup comes from a {% set %} block (a Markup, whose own % would escape the
    values a second time); the values are escaped text already."""
    from sundhedsaftale.core.jinja import _rows_html

    row = Markup('<tr><th scope="row">%s</th><td class="numeric">%s</td></tr>\n')
    rows = [(escape_text("Kø & <Søn>"), "1.234"), ("Ballerup", '<span class="hidden-cell">x</span>')]
    html = _rows_html(rows, row)
    assert html == ('<tr><th scope="row">Kø &amp; &lt;Søn&gt;</th><td class="numeric">1.234</td>'
                    '</tr>\n<tr><th scope="row">Ballerup</th><td class="numeric">'
                    '<span class="hidden-cell">x</span></td></tr>\n')
    assert isinstance(html, Markup)
    assert _rows_html([], row) == ""
