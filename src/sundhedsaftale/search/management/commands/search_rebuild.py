"""`sundhedsaftale search_rebuild`: rebuild the search index from the published content now."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from sundhedsaftale.search.index import index_rebuild


class Command(BaseCommand):
    help = "Rebuild the search index from published content (it also rebuilds by itself)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        count = index_rebuild()
        self.stdout.write(f"search index: {count} documents "
                          f"({time.perf_counter() - started:.2f} s)")
