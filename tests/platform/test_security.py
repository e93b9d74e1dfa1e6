"""Security defects of issue 12: the history-form write, login throttling, CSP and
Permissions-Policy headers."""

from __future__ import annotations

import datetime
import re

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from sundhedsaftale.agreements.models import Agreement, Goal
from sundhedsaftale.core.models import AuditEvent
from sundhedsaftale.geography.models import Hospital

DRAFT = "naersundhedsplan-2027-udkast"


def _state() -> dict[str, object]:
    """Everything the admin could change: rows and last ids of every model (history too)."""
    state: dict[str, object] = {}
    for model in apps.get_models():
        if model._meta.app_label in {"sessions", "axes", "admin"}:
            continue
        rows = list(model._default_manager.order_by("pk").values())
        state[model._meta.label] = rows
    return state


def test_reader_cannot_publish_a_draft_through_the_history_form(demo_content, reader_user,
                                                                client):
    """The exploit of issue 12: post the history form back with status=published."""
    draft = Agreement.objects.get(slug=DRAFT)
    history_id = draft.history.first().history_id
    client.force_login(reader_user)
    url = reverse("admin:agreements_agreement_simple_history", args=[draft.pk, history_id])
    assert client.get(url).status_code == 200  # a reader may look at the old version
    response = client.post(url, {
        "title": draft.title, "slug": draft.slug, "kind": draft.kind, "status": "published",
        "regime": draft.regime_id, "period_start": draft.period_start,
        "period_end": draft.period_end, "summary": draft.summary})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_reader_cannot_rename_a_goal_or_a_hospital_through_history(demo_content, reader_user,
                                                                   client):
    client.force_login(reader_user)
    for obj, field in ((Goal.objects.first(), "title"), (Hospital.objects.first(), "name")):
        meta = obj._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_simple_history",
                      args=[obj.pk, obj.history.first().history_id])
        assert client.post(url, {field: "Overtaget"}).status_code == 403
        obj.refresh_from_db()
        assert getattr(obj, field) != "Overtaget"


def _urls(model: type, obj: object | None) -> list[tuple[str, str]]:
    meta = model._meta
    prefix = f"admin:{meta.app_label}_{meta.model_name}"
    urls = [("add", reverse(f"{prefix}_add")), ("changelist", reverse(f"{prefix}_changelist"))]
    if obj is not None:
        urls += [("change", reverse(f"{prefix}_change", args=[obj.pk])),
                 ("delete", reverse(f"{prefix}_delete", args=[obj.pk]))]
        if hasattr(model, "history") and obj.history.exists():  # type: ignore[attr-defined]
            try:
                urls.append(("history", reverse(f"{prefix}_simple_history", args=[
                    obj.pk, obj.history.first().history_id])))  # type: ignore[attr-defined]
            except NoReverseMatch:
                pass
    return urls


def test_as_reader_no_post_to_any_admin_url_changes_anything(demo_content, reader_user,
                                                             client):
    client.force_login(reader_user)
    before = _state()
    posted = 0
    for model in admin.site._registry:
        obj = model._default_manager.first()
        for kind, url in _urls(model, obj):
            data: dict[str, object] = {"title": "Overtaget", "name": "Overtaget",
                                       "status": "published", "post": "yes"}
            if kind == "changelist":
                data = {"action": "delete_selected", "_selected_action": [obj.pk] if obj else [],
                        "post": "yes", "index": 0}
            response = client.post(url, data)
            posted += 1
            if kind in {"add", "change", "delete", "history"}:
                assert response.status_code == 403, (model, kind, response.status_code)
            else:
                assert response.status_code in {200, 302, 403}, (model, kind)
    assert posted > 60
    assert _state() == before


def _login(client: Client, username: str, password: str):
    return client.post(reverse("admin:login"), {"username": username, "password": password,
                                                "next": "/admin/"})


def test_ten_wrong_passwords_lock_the_login_with_an_audit_entry(db, django_user_model, settings):
    django_user_model.objects.create_user("kari", password="rigtigt-kodeord-42", is_staff=True)
    client = Client(REMOTE_ADDR="192.0.2.7")
    # Nine mistakes, then the right password: still allowed.
    for _ in range(9):
        assert _login(client, "kari", "forkert").status_code == 200
    assert _login(client, "kari", "rigtigt-kodeord-42").status_code == 302
    client.logout()
    for _ in range(10):
        _login(client, "kari", "forkert")
    response = _login(client, "kari", "rigtigt-kodeord-42")
    assert response.status_code == 429
    assert "midlertidigt låst" in response.content.decode()
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.filter(action="access.login.lockout").last()
    assert event is not None
    assert event.changes["username"] == "kari" and event.changes["ip_address"] == "192.0.2.7"
    assert "forkert" not in str(event.changes)  # no password in the log
    # Another address is locked out too for this user name (the account is locked).
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert _login(other, "kari", "rigtigt-kodeord-42").status_code == 429
    # After the cool-off the right password works again.
    AccessAttempt.objects.update(
        attempt_time=datetime.datetime.now(datetime.UTC) - settings.AXES_COOLOFF_TIME
        - datetime.timedelta(minutes=1))
    assert _login(other, "kari", "rigtigt-kodeord-42").status_code == 302


def test_the_cool_off_is_configurable(settings):
    assert settings.AXES_FAILURE_LIMIT == 10
    assert settings.AXES_COOLOFF_TIME >= datetime.timedelta(minutes=1)


PAGES = ["/", "/aftaler/", "/aftaler/2024-2027/", "/kommuner/", "/klynger/", "/soeg/?q=sundhed",
         "/tilgaengelighed/", "/findes-ikke/", "/admin/login/"]
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>",
                            re.IGNORECASE)


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_strict_csp_and_a_permissions_policy(demo_content, client, path):
    response = client.get(path)
    assert response.status_code in {200, 404}
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy.get("script-src", []) + policy["default-src"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert not _INLINE_SCRIPT.search(response.content.decode())


def test_admin_pages_have_the_policy_and_no_inline_script(demo_content, client,
                                                          secretariat_user):
    client.force_login(secretariat_user)
    goal = Goal.objects.first()
    for url in (reverse("admin:index"), reverse("admin:agreements_goal_change", args=[goal.pk]),
                reverse("admin:agreements_goal_history", args=[goal.pk])):
        response = client.get(url)
        assert response.status_code == 200
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert not _INLINE_SCRIPT.search(response.content.decode()), url
