"""The responsibility catalogue in the search index: every published entry."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from sundhedsaftale.search.registry import Document, register_kind, search_provider

from .selectors import published_responsibilities

register_kind("responsibility", label=_("Opgave"), heading=_("Opgaver og ansvar"), order=45)


@search_provider(models=("responsibilities.responsibility",))
def responsibilities() -> Iterator[Document]:
    for entry in published_responsibilities():
        yield Document("responsibility", f"responsibility:{entry.pk}", entry.get_absolute_url(),
                       entry.task, body=entry.search_text(),
                       context=str(entry.get_sector_display()))
