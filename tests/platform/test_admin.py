"""Every content model has a working admin list, add form, change form and history page."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from sundhedsaftale.agreements.models import Initiative
from sundhedsaftale.agreements.services import initiative_update
from sundhedsaftale.bodies.models import Body
from sundhedsaftale.core.selectors import history_for

APPS = {"geography", "bodies", "agreements"}
MODELS = sorted((m._meta.app_label, m._meta.model_name) for m in admin.site._registry
                if m._meta.app_label in APPS)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin-test", password="x-not-used-9")


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_admin_pages_render(demo_content, client, superuser, app, model):
    client.force_login(superuser)
    model_class = next(m for m in admin.site._registry
                       if (m._meta.app_label, m._meta.model_name) == (app, model))
    assert client.get(reverse(f"admin:{app}_{model}_changelist")).status_code == 200
    if admin.site._registry[model_class].has_add_permission(_request(superuser)):
        assert client.get(reverse(f"admin:{app}_{model}_add")).status_code == 200
    obj = model_class.objects.first()
    if obj is not None:
        assert client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk])).status_code == 200
        if hasattr(model_class, "history"):
            url = reverse(f"admin:{app}_{model}_history", args=[obj.pk])
            assert client.get(url).status_code == 200


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_history_shows_related_records_and_choices_by_name(demo_content, secretariat_user):
    initiative = Initiative.objects.filter(owner_body__slug="tss").first()
    ssu = Body.objects.get(slug="ssu")
    initiative_update(initiative=initiative, by=secretariat_user, owner_body=ssu,
                      status=Initiative.Status.COMPLETED)
    changes = {c.field: c for c in history_for(instance=initiative)[0].changes}
    assert set(changes) == {"owner_body", "status"}
    assert changes["owner_body"].new_display == str(ssu)
    assert "TSS" in changes["owner_body"].old_display
    assert changes["status"].new_display == str(Initiative.Status.COMPLETED.label)


def test_versions_decisions_submissions_and_annex_documents_are_read_only_in_the_admin(
        client, demo_content, django_user_model):
    """Written by their services only: even a superuser gets no save or delete (a POST is
    403, never a 500 from the write guard), yet can read them."""
    from sundhedsaftale.agreements.models import (
        Agreement,
        AgreementVersion,
        AnnexDocument,
        CouncilDecision,
        Submission,
    )
    from sundhedsaftale.agreements.services import version_freeze

    version_freeze(agreement=Agreement.objects.first(), by=None, election_period_start=2022)
    root = django_user_model.objects.create_superuser("rod-laes", password="x-not-used-9")
    client.force_login(root)
    checked = 0
    for model in (AgreementVersion, CouncilDecision, Submission, AnnexDocument):
        admin_class = admin.site._registry[model]
        assert not admin_class.has_delete_permission(type("R", (), {"user": root})())
        obj = model.objects.first()
        if obj is None:
            continue
        opts = model._meta
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert client.get(change).status_code == 200
        assert client.post(change, {}).status_code == 403
        delete = reverse(f"admin:{opts.app_label}_{opts.model_name}_delete", args=[obj.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=obj.pk).exists()
        checked += 1
    assert checked, "the demo content has versions to try"
