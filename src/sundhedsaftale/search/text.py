"""Danish words to index terms: casefolded, Danish stop words dropped, Snowball-stemmed.

The same function makes the terms of a document (SQLite's FTS5 table stores them) and of a
query, so "genindlæggelser", "genindlæggelsen" and "genindlæggelse" all become "genindlæg",
"ældres" and "ældre" become "ældr". A query term also matches terms it begins (FTS5 prefix
query, PostgreSQL `:*`), so "medicin" finds "medicinkort" and "sundhedsklynge" finds
"sundhedsklyngerne", while "ældre" does not find "forældre" (a term must begin with it).

PostgreSQL's `danish` configuration uses the same Snowball algorithm and stop list, so both
databases answer alike.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import snowballstemmer

_WORD = re.compile(r"[^\W_]+")

# Snowball's Danish stop list (the one PostgreSQL's `danish` configuration uses).
STOP_WORDS = frozenset([
    "og", "i", "jeg", "det", "at", "en", "den", "til", "er", "som", "på", "de", "med",
    "han", "af", "for", "ikke", "der", "var", "mig", "sig", "men", "et", "har", "om", "vi",
    "min", "havde", "ham", "hun", "nu", "over", "da", "fra", "du", "ud", "sin", "dem", "os",
    "op", "man", "hans", "hvor", "eller", "hvad", "skal", "selv", "her", "alle", "vil",
    "blev", "kunne", "ind", "når", "være", "dog", "noget", "ville", "jo", "deres", "efter",
    "ned", "skulle", "denne", "end", "dette", "mit", "også", "under", "have", "dig",
    "anden", "hende", "mine", "alt", "meget", "sit", "sine", "vor", "mod", "disse", "hvis",
    "din", "nogle", "hos", "blive", "mange", "ad", "bliver", "hendes", "været", "thi",
    "jer", "sådan",
])

# Terms shorter than this match only whole terms, not as a prefix ("kol" would find
# "kollega" and "kolonne").
MIN_PREFIX = 4

_local = threading.local()


def _stemmer() -> Any:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:  # a stemmer object is not safe to share between threads
        stemmer = _local.stemmer = snowballstemmer.stemmer("danish")
    return stemmer


def words(text: str) -> list[str]:
    """The words of `text`, casefolded, without stop words."""
    return [w for w in _WORD.findall(text.casefold()) if w not in STOP_WORDS]


def terms(text: str) -> list[str]:
    """The stemmed index terms of `text`, in order (duplicates kept)."""
    found = words(text)
    return _stemmer().stemWords(found) if found else []


def query_terms(query: str) -> list[str]:
    """The distinct stemmed terms of a query, in order."""
    return list(dict.fromkeys(terms(query)))


def query_words(query: str) -> list[tuple[str, str]]:
    """The distinct (word, stemmed term) pairs of a query, in order (PostgreSQL stems the
    words itself; the term says whether the word is long enough to match as a prefix)."""
    found = words(query)
    return list(dict.fromkeys(zip(found, _stemmer().stemWords(found) if found else [])))


def is_prefix_term(term: str) -> bool:
    return len(term) >= MIN_PREFIX


def matches_all(query: list[str], text_terms: list[str]) -> bool:
    """True if every query term is a term of `text_terms` or (long enough) begins one."""
    return all(any(t == q or (is_prefix_term(q) and t.startswith(q)) for t in text_terms)
               for q in query)


def needles(query: list[str]) -> list[str]:
    """`matches_all` as substrings of the terms joined by single spaces with a space at each
    end (as `spaced` makes them): " term " for a whole term, " term" for a prefix term."""
    return [f" {q}" if is_prefix_term(q) else f" {q} " for q in query]


def spaced(joined_terms: str) -> str:
    """Terms joined by single spaces (SearchDocument.title_terms), a space at each end."""
    return f" {joined_terms} "
