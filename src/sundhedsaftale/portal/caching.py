"""Public pages through Django's cache framework, shared by every worker.

`public_page(...)` caches what an anonymous GET of a view renders, in the cache named by
`PORTAL_CACHE_ALIAS` (the default cache; `CACHES` comes from the environment: local memory by
default, a database or Redis cache in production, see docs/portal.md). The key holds:

- the content generation (`portal.generation`): it changes after every commit that changes
  public content, so no worker serves a page from before a publish or a withdrawal;
- the path, the language and today's date (memberships are dated);
- only the query parameters the view reads, normalised (`?dato=` as portal.dating reads it,
  `?format=csv`):
  any other parameter (`/kommuner/?x=1`) gets the same entry, so it cannot bypass the cache.

Logged-in users (who may see drafts) always get a fresh render. A page rendered inside an open
transaction is neither stored nor served (it may show rows that are rolled back later; that is
also how tests run). The CSRF token of the language form, and a CSP nonce if the page has one,
differ per visitor: they are stored as placeholders and filled in on every hit.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, empty
from django.utils.translation import get_language

from .dating import normalise as dating_normalise
from .generation import cache_generation

_CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_CSRF_PLACEHOLDER = b"__portal_csrf_token__"
_NONCE_PLACEHOLDER = b"__portal_csp_nonce__"
_KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Cache-Control")
# Tests of this module turn this on to cache inside their transaction.
allow_in_transactions = False


def _date_param(value: str) -> str:
    # The same reading as the pages (portal.dating): an invalid date gets its own key part,
    # never today's entry (its page says the date was not understood, and is not stored).
    return dating_normalise(value)


def _format_param(value: str) -> str:
    return "csv" if value == "csv" else ""


# The query parameters a cached view may depend on, each with its normalisation.
PARAMS: dict[str, Callable[[str], str]] = {"dato": _date_param, "format": _format_param}


def _cache() -> Any:
    return caches[getattr(settings, "PORTAL_CACHE_ALIAS", "default")]


def _nonce(request: HttpRequest, *, create: bool) -> str | None:
    """The request's CSP nonce (django-csp): only if the render used one, unless `create`."""
    nonce = getattr(request, "csp_nonce", None)
    if nonce is None:
        return None
    if not create and isinstance(nonce, SimpleLazyObject) and nonce._wrapped is empty:
        return None
    return str(nonce)


def page_key(request: HttpRequest, generation: int, params: tuple[str, ...],
             vary: Callable[[HttpRequest], str] | None = None) -> str:
    parts = [str(generation), get_language() or "", timezone.localdate().isoformat(),
             request.path]
    for name in params:
        parts.append(f"{name}={PARAMS[name](request.GET.get(name, ''))}")
    if vary is not None:
        parts.append(vary(request))
    digest = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"portal:page:{digest}"


def _cacheable(request: HttpRequest) -> bool:
    return (getattr(settings, "PORTAL_PAGE_CACHE", True)
            and request.method in ("GET", "HEAD")
            # The dummy cache keeps nothing: no generation to read, no key to build.
            and not isinstance(_cache(), DummyCache)
            and (allow_in_transactions or not connection.in_atomic_block)
            and not request.user.is_authenticated)


def _store(request: HttpRequest, response: HttpResponse, key: str, timeout: int) -> None:
    body = bytes(response.content)
    has_csrf = bool(_CSRF_INPUT.search(body))
    body = _CSRF_INPUT.sub(rb"\1" + _CSRF_PLACEHOLDER + rb"\2", body)
    nonce = (_nonce(request, create=False) or "").encode()
    has_nonce = bool(nonce) and nonce in body
    if has_nonce:
        body = body.replace(nonce, _NONCE_PLACEHOLDER)
    headers = {name: response[name] for name in _KEPT_HEADERS if name in response}
    _cache().set(key, (response.status_code, headers, body, has_csrf, has_nonce), timeout)


def _replay(request: HttpRequest, entry: tuple[int, dict[str, str], bytes, bool, bool]
            ) -> HttpResponse:
    status, headers, body, has_csrf, has_nonce = entry
    if has_csrf:
        body = body.replace(_CSRF_PLACEHOLDER, get_token(request).encode())
    if has_nonce:
        body = body.replace(_NONCE_PLACEHOLDER, (_nonce(request, create=True) or "").encode())
    response = HttpResponse(body, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


def public_page(*, params: tuple[str, ...] = ("dato",), timeout: int | None = None,
                vary: Callable[[HttpRequest], str] | None = None,
                ) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Cache an anonymous GET of the view (see the module). `params` are the query parameters
    the view reads (keys of PARAMS); `vary`, for a view with choices of its own, returns
    those choices from the request normalised the way the view reads them (an unknown value
    as its default), so they are part of the key; `timeout` defaults to PORTAL_CACHE_SECONDS."""
    for name in params:
        if name not in PARAMS:
            raise ValueError(f"unknown cache parameter {name!r}")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _cacheable(request):
                return view(request, *args, **kwargs)
            generation = cache_generation()
            if generation is None:
                return view(request, *args, **kwargs)
            key = page_key(request, generation, params, vary)
            entry = _cache().get(key)
            if entry is not None:
                return _replay(request, entry)
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                _store(request, response, key,
                       timeout if timeout is not None else settings.PORTAL_CACHE_SECONDS)
            return response

        return wrapper

    return decorator
