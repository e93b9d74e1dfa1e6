"""Numbers in the visitor's language, fast: the same text as Django's `number_format` (grouped
by threes, the language's separators) for a fraction of its cost, since a page formats hundreds
of figures (tests/platform/test_indicator_page.py compares the two on 45,000 values)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.signals import setting_changed
from django.utils import translation
from django.utils.formats import get_format, number_format


@functools.lru_cache(maxsize=16)
def _separators(language: str) -> tuple[str, str] | None:
    """The language's decimal and thousand separators, to put in place of Python's own in
    "1,234.5"; None where grouping is not by threes (then Django formats)."""
    if get_format("NUMBER_GROUPING", language, use_l10n=True) != 3:
        return None
    return (str(get_format("DECIMAL_SEPARATOR", language, use_l10n=True)),
            str(get_format("THOUSAND_SEPARATOR", language, use_l10n=True)))


setting_changed.connect(lambda **_kwargs: _separators.cache_clear(), weak=False,
                        dispatch_uid="core.numbers.separators")


_SPECS = {0: ",.0f", 1: ",.1f", 2: ",.2f"}


def number_formatter(language: str | None = None) -> Callable[[Any, int], str]:
    """`num` with the language's separators (the current one unless given) looked up once, for
    code that formats a table's figures in a loop: `fmt = number_formatter(); fmt(12.34, 1)` ->
    "12,3"."""
    separators = _separators(language if language is not None
                             else translation.get_language() or "")
    decimal, thousand = separators or (".", ",")
    swap = (decimal, thousand) != (".", ",")

    def fmt(value: Any, decimals: int = 1) -> str:
        if value is None or value == "":
            return ""
        number = value if type(value) is float else float(value)
        if separators is None or not -math.inf < number < math.inf:
            places = int(decimals)
            rounded = Decimal(f"{number:.{places}f}")  # round half to even, then format
            return number_format(rounded, decimal_pos=places, use_l10n=True,
                                 force_grouping=True)
        text = format(number, _SPECS.get(decimals) or f",.{int(decimals)}f")
        if text[0] == "-" and not text.strip("-0.,"):
            text = text[1:]  # as Django: a figure that rounds to zero has no sign
        if swap:  # str.replace three times is faster than str.translate
            text = text.replace(",", "\0").replace(".", decimal).replace("\0", thousand)
        return text

    return fmt


def grouped(value: Any, language: str | None = None) -> str:
    """A whole number grouped in the language (the current one unless given: "1.891.871" in
    Danish, "1,891,871" in English), as `number_format(value, force_grouping=True)`; empty for
    None."""
    if value is None or value == "":
        return ""
    if type(value) is not int:
        return number_format(value, decimal_pos=None, force_grouping=True)
    separators = _separators(language if language is not None
                             else translation.get_language() or "")
    if separators is None:
        return number_format(value, decimal_pos=None, force_grouping=True)
    text = format(value, ",")
    return text if separators[1] == "," else text.replace(",", separators[1])
