"""Columns read with raw SQL (the public pages' fast reads)."""

from __future__ import annotations

import json
from typing import Any

import orjson


def json_value(value: Any) -> Any:
    """A JSON column as Python values: SQLite gives its text, decoded here; PostgreSQL's driver
    has decoded it already (returned as it is).

    orjson decodes the text several times faster than the standard library (the cluster page's
    population and follow-up figures, the agreement page's frozen version). What orjson
    refuses and Python's `json` accepts (NaN and Infinity) goes to `json.loads`. One
    difference remains: an integer beyond 64 bits comes back as a float, where `json.loads`
    gives an int; these columns hold counts, figures and ids, none of which reaches 2**63."""
    if not isinstance(value, (str, bytes)):
        return value
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return json.loads(value)
