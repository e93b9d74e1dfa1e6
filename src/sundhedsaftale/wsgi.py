"""The WSGI application gunicorn serves: Django, with a turn per page request under gunicorn
(`portal.turns`: searches take their own turns, in the search view)."""

import functools
import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application
from django.urls import reverse

from sundhedsaftale.portal.turns import page_turns

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sundhedsaftale.settings")
django_application = get_wsgi_application()


@functools.cache
def search_path() -> str:
    """The portal's search, which takes a search turn instead of a page turn."""
    return reverse("portal:search")


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    turns = page_turns()
    if turns is None or environ.get("PATH_INFO", "") == search_path():
        return django_application(environ, start_response)
    turns.acquire()
    try:
        return django_application(environ, start_response)
    finally:
        turns.release()
