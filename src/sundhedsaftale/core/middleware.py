"""Danish first: the portal speaks Danish until the visitor chooses English.

Django's LocaleMiddleware would follow the browser's Accept-Language header, so a visitor with an
English browser would land on English pages. A Danish public site starts in Danish; the language
switch (a cookie set by /i18n/setlang/) is the only way to English.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class DanishFirstMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
