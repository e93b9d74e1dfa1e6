"""The WSGI application gunicorn serves: Django, with a turn per page request under gunicorn
(`portal.turns`: searches take their own turns, in the search view)."""

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

from sundhedsaftale.portal.turns import page_turns

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sundhedsaftale.settings")
django_application = get_wsgi_application()

#: Requests that take a search turn instead of a page turn (the portal's search).
SEARCH_PATH = "/soeg/"


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    turns = page_turns()
    if turns is None or environ.get("PATH_INFO", "") == SEARCH_PATH:
        return django_application(environ, start_response)
    turns.acquire()
    try:
        return django_application(environ, start_response)
    finally:
        turns.release()
