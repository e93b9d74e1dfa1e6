"""A small per-process cache of rendered public pages.

The public pages change only when the secretariat edits content, yet each render runs a dozen
queries and a large template. Anonymous GET requests are therefore served from memory, keyed by
path + query, language and the day (memberships are dated). The cache is emptied:
- when any content model of the platform is saved or deleted in this process (signals), and
- after `TTL_SECONDS` at most, which bounds how long *another* process (gunicorn worker) may
  show a page edited elsewhere, and covers bulk writes that send no signals (population import).
The CSRF token of the language form differs per visitor, so it is stored as a placeholder and
filled in on every hit. Logged-in users (who may see drafts) always get a fresh render.

A page rendered inside an open transaction is neither cached nor served from the cache: it may
show rows that are rolled back later (that is also how tests run, so one test's data never
leaks into the next through this cache). With ATOMIC_REQUESTS on, the cache would be idle.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.translation import get_language

TTL_SECONDS = 60.0
MAX_ENTRIES = 500
CONTENT_APPS = {"core", "geography", "bodies", "agreements"}

_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_PLACEHOLDER = b"__portal_csrf_token__"


@dataclass
class _Entry:
    stored_at: float
    status: int
    headers: dict[str, str]
    body: bytes
    has_csrf: bool


_entries: dict[tuple[str, str, str], _Entry] = {}
_lock = threading.Lock()
_enabled = True
_even_in_transactions = False


def clear() -> None:
    """Forget every cached page (called on content changes and by tests)."""
    with _lock:
        _entries.clear()


def set_enabled(enabled: bool, *, even_in_transactions: bool = False) -> None:
    """Turn the cache on or off; tests of the cache itself also allow it inside transactions."""
    global _enabled, _even_in_transactions
    _enabled = enabled
    _even_in_transactions = even_in_transactions
    clear()


def content_changed(sender: Any, **kwargs: Any) -> None:
    """Signal receiver: a content model was saved, deleted or had its relations changed."""
    meta = getattr(sender, "_meta", None)
    if meta is not None and meta.app_label in CONTENT_APPS:
        clear()


def _cacheable(request: HttpRequest) -> bool:
    return (_enabled and request.method in ("GET", "HEAD")
            and (_even_in_transactions or not connection.in_atomic_block)
            and not request.user.is_authenticated)


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve an anonymous GET of `view` from the per-process cache (see the module)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not _cacheable(request):
            return view(request, *args, **kwargs)
        key = (request.get_full_path(), get_language() or "", timezone.localdate().isoformat())
        now = time.monotonic()
        entry = _entries.get(key)
        if entry is None or now - entry.stored_at > TTL_SECONDS:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming:
                return response
            body = response.content
            has_csrf = bool(_CSRF_INPUT.search(body))
            entry = _Entry(
                stored_at=now,
                status=response.status_code,
                headers={name: value for name, value in response.items()},
                body=_CSRF_INPUT.sub(rb"\1" + _PLACEHOLDER + rb"\2", body),
                has_csrf=has_csrf,
            )
            with _lock:
                if len(_entries) >= MAX_ENTRIES:
                    _entries.clear()
                _entries[key] = entry
            return response
        body = entry.body
        if entry.has_csrf:
            body = body.replace(_PLACEHOLDER, get_token(request).encode())
        response = HttpResponse(body, status=entry.status)
        for name, value in entry.headers.items():
            response[name] = value
        return response

    return wrapper
