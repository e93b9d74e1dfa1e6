"""Small text helpers shared by the apps."""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify
from markupsafe import escape

_DANISH = str.maketrans({"æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "å": "a", "Å": "a"})


def danish_slugify(value: str) -> str:
    """A URL slug that keeps Danish letters readable: "Børn og unge" -> "born-og-unge"."""
    return slugify(value.translate(_DANISH))


def escape_text(value: Any) -> str:
    """`value` HTML-escaped exactly as markupsafe's `escape` writes it (& < > ' " become &amp;
    &lt; &gt; &#39; &#34;; safe HTML such as a Markup is kept as it is), as a plain str, for
    the table rows the busiest pages build as text in one pass. For a str, `escape` costs more
    than the escaping: it makes a Markup, which asks the str for `__html__`, and that raises
    an AttributeError every time."""
    if type(value) is not str:
        return str(escape(value))
    return (value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))
