"""Invalid input is a 400, never a 500.

A NUL byte (or another control character) in a URL's path or query string cannot be a real
address or search: PostgreSQL refuses NUL in text, so passing it on would end in a server
error. This middleware answers such requests with 400 before any view or query runs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RejectControlCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if _CONTROL.search(request.path) or (
                "%" in query and _CONTROL.search(unquote(query, errors="replace"))) or (
                _CONTROL.search(query)):
            # A page of its own (templates/400.html) that does not echo the address.
            return HttpResponse(render_to_string("400.html"), status=400,
                                content_type="text/html; charset=utf-8")
        return self.get_response(request)
