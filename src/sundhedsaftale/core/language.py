"""The language switch, without a CSRF token: every public page stays free of cookies.

The header's "Dansk | English" buttons post to `set_language` (Django's view). With Django's
CSRF protection that form needs a token, and a token means a `csrftoken` cookie and two rounds of
random numbers on every anonymous page view: no public page could be served without setting a
cookie, and a tenth of a small page's time went to it. A forged language switch harms nobody's
data, but it must still not be possible from another site, so the view is exempt from the
token check and protected by the check OWASP lists for this ("verifying origin with standard
headers"), which Django's CSRF middleware also makes: a POST is taken only if its `Origin`
header (or, when a browser leaves it out, its `Referer`) is this site or one of
`CSRF_TRUSTED_ORIGINS`. A request with neither header is refused. Every other form of the
platform keeps Django's token.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language as django_set_language


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(request: HttpRequest) -> bool:
    """True when the request says it comes from a page of this site (Origin, else Referer)."""
    claimed = request.META.get("HTTP_ORIGIN")
    origin = _origin(claimed) if claimed and claimed != "null" else None
    if origin is None and not claimed:
        referer = request.META.get("HTTP_REFERER")
        origin = _origin(referer) if referer else None
    if origin is None:
        return False
    own = f"{request.scheme}://{request.get_host()}".lower()
    trusted = {o.lower().rstrip("/") for o in settings.CSRF_TRUSTED_ORIGINS}
    return origin == own or origin in trusted


@csrf_exempt
def set_language(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and not same_origin(request):
        return HttpResponseForbidden(
            _("Sproget kan kun skiftes fra portalens egne sider."),
            content_type="text/plain; charset=utf-8")
    return django_set_language(request)
