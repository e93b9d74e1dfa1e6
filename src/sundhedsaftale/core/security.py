"""Security glue: the lock-out audit entry and the Permissions-Policy header.

Login throttling is django-axes (settings.AXES_*): after AXES_FAILURE_LIMIT wrong passwords
from one address or for one user name, logins are refused for AXES_COOLOFF_TIME. Each lock-out
is written to the audit log (action "access.login.lockout"). The Content-Security-Policy comes
from django-csp (settings.CONTENT_SECURITY_POLICY); the Permissions-Policy, which django-csp
does not send, from `PermissionsPolicyMiddleware`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

DEFAULT_PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(self), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), "
    "screen-wake-lock=(), sync-xhr=(self), usb=(), xr-spatial-tracking=()")


class PermissionsPolicyMiddleware:
    """Send a Permissions-Policy on every response: the site uses no camera, microphone,
    location, payment or other powerful browser feature, so none may be used on it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = self.policy
        return response


def _locked_out(sender: Any, request: HttpRequest | None = None, username: str | None = None,
                ip_address: str | None = None, **kwargs: Any) -> None:
    from .services import login_lockout_record

    login_lockout_record(username=username or "", ip_address=ip_address or "")


def connect() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="core-audit-lockout")
