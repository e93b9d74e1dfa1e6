"""Which content is searchable: a registry each app fills from its own `search_documents.py`.

An app declares the kinds of document it contributes (`register_kind`: the label of one hit
and the Danish heading of the group) and one or more providers (`@search_provider`): functions
that return every *public* document of the app, built from published content only (the
published agreement snapshot, never draft rows). The search app discovers the modules at
start-up (`autodiscover_modules("search_documents")`), so adding an app's content to search is
one new file in that app, e.g. for the responsibility catalogue:

    # responsibilities/search_documents.py
    from sundhedsaftale.search.registry import Document, register_kind, search_provider

    register_kind("responsibility", label=_("Opgave"), heading=_("Opgaver og ansvar"),
                  order=45)

    @search_provider(models=("responsibilities.responsibility",))
    def responsibilities():
        for entry in published_responsibilities():
            yield Document("responsibility", f"responsibility:{entry.pk}",
                           entry.get_absolute_url(), entry.task, body=entry.search_text())

`models` names the models whose saves and deletes change the provider's documents: a change
to one of them bumps the content generation after commit (portal/generation.py), which
rebuilds the index (search/index.py). Models of the apps in portal.generation.CONTENT_APPS bump
it already.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.functional import Promise


@dataclass(frozen=True)
class Document:
    """One searchable thing: `key` is unique within `kind` (e.g. "goal:12")."""

    kind: str
    key: str
    url: str
    title: str
    body: str = ""
    context: str = ""  # shown beside the kind, e.g. the agreement a goal belongs to
    language: str = "da"


@dataclass(frozen=True)
class Kind:
    kind: str
    label: str | Promise
    heading: str | Promise
    order: int


@dataclass(frozen=True)
class Provider:
    collect: Callable[[], Iterable[Document]]
    models: tuple[str, ...] = field(default=())


_KINDS: dict[str, Kind] = {}
_PROVIDERS: dict[str, Provider] = {}


def register_kind(kind: str, *, label: str | Promise, heading: str | Promise,
                  order: int = 100) -> None:
    """Declare a kind of document; `order` places its group among equally ranked groups."""
    _KINDS[kind] = Kind(kind, label, heading, order)
    _translated.cache_clear()


def search_provider(*, models: tuple[str, ...] = ()
                    ) -> Callable[[Callable[[], Iterable[Document]]],
                                  Callable[[], Iterable[Document]]]:
    """Register a function returning public documents (`models`: see the module)."""

    def decorator(func: Callable[[], Iterable[Document]]) -> Callable[[], Iterable[Document]]:
        _PROVIDERS[f"{func.__module__}.{func.__qualname__}"] = Provider(func, tuple(models))
        return func

    return decorator


def kind_of(kind: str) -> Kind:
    return _KINDS.get(kind) or Kind(kind, kind, kind, 1000)


def kind_words(kind: str, language: str | None) -> tuple[str, str]:
    """A kind's label and heading in `language` (the request's, `translation.get_language()`),
    as str: what str() of the lazy label and heading gives, without Django's lookup of the
    active language for each of them (a search page shows a label per hit, a heading per
    group). Kinds and catalogues are fixed while the process runs, so each pair is looked up
    once per language."""
    if language is None:  # translations deactivated: str() reads the default language
        found = kind_of(kind)
        return str(found.label), str(found.heading)
    return _translated(kind, language)


@functools.lru_cache(maxsize=256)
def _translated(kind: str, language: str) -> tuple[str, str]:
    found = kind_of(kind)
    with translation.override(language):
        return str(found.label), str(found.heading)


def providers() -> list[Provider]:
    return list(_PROVIDERS.values())


def documents() -> Iterable[Document]:
    """Every public document of every provider."""
    for provider in providers():
        yield from provider.collect()


def join_text(*parts: str) -> str:
    """Non-empty parts as one text, each ending as a sentence ("Mål. Tekst.")."""
    return " ".join(p if p[-1] in ".!?…" else f"{p}." for p in (x.strip() for x in parts) if p)
