"""The fast paths of the busiest pages give what the standard tools give: JSON columns read with
raw SQL (core.columns.json_value) as json.loads, row text (core.text.escape_text) as
markupsafe.escape."""

from __future__ import annotations

import json
import math
import random
from typing import Any

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


# --- core.statements: fixed statements run on the driver's cursor ----------------------------


def _statement(sql: str) -> object:
    from django.db import connection

    from sundhedsaftale.core.statements import Statement

    return Statement(sql, connection.vendor)


_ROWS_SQL = ("SELECT %s, '50 %%', 'x%%s' UNION ALL SELECT %s, '%%', NULL ORDER BY 1")


@pytest.mark.django_db
def test_fetch_all_gives_the_rows_django_s_cursor_gives() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sundhedsaftale.core.statements import fetch_all

    with connection.cursor() as cursor:
        cursor.execute(_ROWS_SQL, [1, 2])
        expected = cursor.fetchall()
    assert expected == [(1, "50 %", "x%s"), (2, "%", None)]
    assert fetch_all(_statement(_ROWS_SQL), [1, 2]) == expected  # type: ignore[arg-type]
    # Watched queries go through Django's cursor: counted and logged as any other.
    with CaptureQueriesContext(connection) as queries:
        assert fetch_all(_statement(_ROWS_SQL), (1, 2)) == expected  # type: ignore[arg-type]
    assert len(queries.captured_queries) == 1


@pytest.mark.django_db
def test_fetch_all_goes_through_execute_wrappers() -> None:
    from django.db import connection

    from sundhedsaftale.core.statements import fetch_all

    seen: list[str] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        assert fetch_all(_statement("SELECT %s"), [7]) == [(7,)]  # type: ignore[arg-type]
    assert seen == ["SELECT %s"]


@pytest.mark.django_db
def test_fetch_all_raises_django_s_errors_and_refuses_a_broken_transaction() -> None:
    from django.db import DatabaseError, connection, transaction
    from django.db.transaction import TransactionManagementError

    from sundhedsaftale.core.statements import fetch_all

    bad = "SELECT no_such_column FROM geography_municipality"
    with pytest.raises(DatabaseError), transaction.atomic():
        fetch_all(_statement(bad), ())  # type: ignore[arg-type]
    with transaction.atomic():
        with (pytest.raises(DatabaseError), transaction.atomic(savepoint=False),
              connection.cursor() as cursor):
            cursor.execute(bad)
        with pytest.raises(TransactionManagementError):  # as Django's cursor refuses it
            fetch_all(_statement("SELECT %s"), [1])  # type: ignore[arg-type]
