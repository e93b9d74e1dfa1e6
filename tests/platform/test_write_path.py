"""One write path (issue 12): the write guard, audited admin writes, the agreement status
transitions, revert as a service, and no lost updates with two sessions."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.urls import reverse

from sundhedsaftale.agreements.models import Agreement, Goal
from sundhedsaftale.agreements.services import (
    STATUS_TRANSITIONS,
    agreement_status_set,
    goal_update,
)
from sundhedsaftale.bodies.models import Body, Membership
from sundhedsaftale.core.audit import events_for_object, events_for_user
from sundhedsaftale.core.concurrency import StaleVersionError, version_check, version_token
from sundhedsaftale.core.guard import WriteOutsideServiceError, writes_unguarded
from sundhedsaftale.core.models import AuditEvent
from sundhedsaftale.core.services import content_create, service
from sundhedsaftale.geography.models import Municipality

DRAFT = "naersundhedsplan-2027-udkast"


# ------------------------------------------------------------------ the write guard

def test_a_bare_save_outside_a_service_is_refused(demo_content):
    goal = Goal.objects.first()
    goal.title = "Gemt uden om tjenesten"
    with pytest.raises(WriteOutsideServiceError, match="agreements.Goal"), transaction.atomic():
        goal.save()
    with pytest.raises(WriteOutsideServiceError), transaction.atomic():
        Membership.objects.first().delete()
    with pytest.raises(WriteOutsideServiceError, match="many-to-many"), transaction.atomic():
        Agreement.objects.get(slug="2024-2027").party_municipalities.clear()
    goal.refresh_from_db()
    assert goal.title != "Gemt uden om tjenesten"


def test_the_same_save_inside_a_service_passes(demo_content):
    @service
    def rename(*, goal: Goal) -> None:
        goal.title = "Gemt af en tjeneste"
        goal.save()

    goal = Goal.objects.first()
    rename(goal=goal)
    goal.refresh_from_db()
    assert goal.title == "Gemt af en tjeneste"


def test_bookkeeping_writes_are_exempt(db, django_user_model):
    user = django_user_model.objects.create_user("bruger", password="x-not-used-4")
    user.first_name = "Ny"
    user.save()  # auth is not domain content
    with writes_unguarded():
        pass


# ------------------------------------------------------------------ audited admin writes

def _form_data(client: Client, url: str) -> dict[str, object]:
    """The fields of an admin change form as a browser would send them back."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data: dict[str, object] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if hasattr(value, "pk"):
            value = value.pk
        if isinstance(value, (list, tuple)) or hasattr(value, "all"):
            value = [getattr(v, "pk", v) for v in value]
        data[name] = "" if value is None else value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{management.prefix}-{name}"] = 0 if name != "MAX_NUM_FORMS" else 1000
    data["_base_version"] = response.context["base_version"]
    return data


def test_admin_change_is_one_audited_service_call(demo_content, client, secretariat_user):
    goal = Goal.objects.get(agreement__slug="2024-2027", slug="hele-mennesket")
    url = reverse("admin:agreements_goal_change", args=[goal.pk])
    client.force_login(secretariat_user)
    data = _form_data(client, url)
    data["title"] = "Hele mennesket (admin)"
    assert client.post(url, data).status_code == 302
    event = events_for_object(goal).first()
    assert event.action == "agreements.goal.update"
    assert event.actor == secretariat_user
    assert event.changes["title"]["after"] == "Hele mennesket (admin)"
    assert event in events_for_user(secretariat_user)


def test_admin_many_to_many_and_delete_go_through_services(demo_content, client, django_user_model):
    admin_user = django_user_model.objects.create_superuser("admin-wp", password="x-not-used-5")
    client.force_login(admin_user)
    agreement = Agreement.objects.get(slug="2024-2027")
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    data = _form_data(client, url)
    data["party_municipalities"] = list(Municipality.objects.filter(
        code__in=["101", "147"]).values_list("pk", flat=True))
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert {m.code for m in agreement.party_municipalities.all()} == {"101", "147"}
    event = events_for_object(agreement).first()
    assert "party_municipalities" in event.changes
    body = content_create(instance=Body(name="Midlertidig arbejdsgruppe", slug="midlertidig",
                                        kind=Body.Kind.WORKING_GROUP), by=admin_user)
    delete_url = reverse("admin:bodies_body_delete", args=[body.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Body.objects.filter(pk=body.pk).exists()
    assert AuditEvent.objects.filter(action="bodies.body.delete", object_id=str(body.pk)).exists()


def test_status_is_not_a_form_field_in_the_admin(demo_content, client, secretariat_user):
    draft = Agreement.objects.get(slug=DRAFT)
    client.force_login(secretariat_user)
    response = client.get(reverse("admin:agreements_agreement_change", args=[draft.pk]))
    assert "status" not in response.context["adminform"].form.fields


def test_revert_from_history_is_an_audited_service(demo_content, client, secretariat_user):
    goal = Goal.objects.get(agreement__slug="2024-2027", slug="hele-mennesket")
    old_title = goal.title
    goal_update(goal=goal, by=secretariat_user, title="Midlertidig titel")
    first = goal.history.order_by("history_id").first()
    url = reverse("admin:agreements_goal_simple_history", args=[goal.pk, first.history_id])
    client.force_login(secretariat_user)
    response = client.get(url)
    data = {"_base_version": response.context["base_version"],
            "focus_area": first.focus_area_id, "vision": "", "number": first.number,
            "title": first.title, "slug": first.slug, "summary": first.summary}
    assert client.post(url, data).status_code == 302
    goal.refresh_from_db()
    assert goal.title == old_title
    assert events_for_object(goal).first().action == "agreements.goal.revert"


# ------------------------------------------------------------------ status transitions

def test_status_moves_follow_the_transition_table(demo_content, secretariat_user):
    draft = Agreement.objects.get(slug=DRAFT)
    with pytest.raises(ValidationError) as refused:
        agreement_status_set(agreement=draft, status="archived", by=secretariat_user)
    assert "kan ikke gå fra „udkast“ til „arkiveret“" in refused.value.messages[0]
    for status in ("hearing", "approved", "published", "archived"):
        agreement_status_set(agreement=draft, status=status, by=secretariat_user)
        draft.refresh_from_db()
        assert draft.status == status
    assert [e.changes["status"]["after"] for e in events_for_object(draft)
            if e.action == "agreements.agreement.status"] == [
        "archived", "published", "approved", "hearing"]


def test_every_status_pair_is_allowed_or_refused_as_the_table_says(demo_content, secretariat_user):
    agreement = Agreement.objects.get(slug=DRAFT)
    statuses = Agreement.Status.values
    for start in statuses:
        for target in statuses:
            if start == target:
                continue
            Agreement.objects.filter(pk=agreement.pk).update(status=start)
            agreement.refresh_from_db()
            if (start, target) in STATUS_TRANSITIONS:
                agreement_status_set(agreement=agreement, status=target, by=secretariat_user)
                agreement.refresh_from_db()
                assert agreement.status == target
            else:
                with pytest.raises(ValidationError):
                    agreement_status_set(agreement=agreement, status=target, by=secretariat_user)


def test_an_editor_may_approve_but_not_publish(demo_content, django_user_model):
    from sundhedsaftale.access.services import role_grant
    from sundhedsaftale.geography.models import Region

    editor = django_user_model.objects.create_user("redaktoer", password="x-not-used-6")
    role_grant(user=editor, role="editor", organisation=Region.objects.get(), by=None)
    draft = Agreement.objects.get(slug=DRAFT)
    agreement_status_set(agreement=draft, status="approved", by=editor)
    with pytest.raises(PermissionDenied):
        agreement_status_set(agreement=draft, status="published", by=editor)
    assert Agreement.objects.get(pk=draft.pk).status == "approved"


# ------------------------------------------------------------------ no lost updates

def test_two_sessions_editing_the_same_goal(demo_content, django_user_model, groups):
    """A saves a new title; B saves a summary from the form opened before: B is refused and
    shown A's change; nothing of B's is saved and A's title stays."""
    from sundhedsaftale.core.services import SECRETARIAT_GROUP

    goal = Goal.objects.get(agreement__slug="2024-2027", slug="hele-mennesket")
    url = reverse("admin:agreements_goal_change", args=[goal.pk])
    sessions = {}
    for name in ("anne", "bo"):
        user = django_user_model.objects.create_user(name, password="x-not-used-8",
                                                     is_staff=True)
        user.groups.add(groups[SECRETARIAT_GROUP])
        client = Client()
        client.force_login(user)
        sessions[name] = (client, _form_data(client, url))  # both open the form
    original_summary = goal.summary

    client_a, data_a = sessions["anne"]
    data_a["title"] = "Hele mennesket – Annes titel"
    assert client_a.post(url, data_a).status_code == 302

    client_b, data_b = sessions["bo"]
    data_b["summary"] = "Bos nye resumé"
    response = client_b.post(url, data_b)
    assert response.status_code == 200  # the form again, with the refusal
    page = response.content.decode()
    assert "En anden har gemt dette, mens du redigerede" in page
    assert "Hele mennesket – Annes titel" in page  # what A saved, shown to B
    assert re.search(r"[Tt]itel", page)
    goal.refresh_from_db()
    assert goal.title == "Hele mennesket – Annes titel"
    assert goal.summary == original_summary
    # B reloads (a fresh version) and saves: now it goes through, on top of A's title.
    data_b = _form_data(client_b, url)
    data_b["summary"] = "Bos nye resumé"
    assert client_b.post(url, data_b).status_code == 302
    goal.refresh_from_db()
    assert (goal.title, goal.summary) == ("Hele mennesket – Annes titel", "Bos nye resumé")


def test_the_version_check_for_services_and_the_api(demo_content, secretariat_user):
    goal = Goal.objects.get(agreement__slug="2024-2027", slug="hele-mennesket")
    token = version_token(goal)
    goal_update(goal=goal, by=secretariat_user, title="Ny titel", base_version=token)
    with pytest.raises(StaleVersionError) as stale:
        goal_update(goal=Goal.objects.get(pk=goal.pk), by=secretariat_user,
                    summary="For sent", base_version=token)
    conflict = stale.value.conflicts[0]
    assert (conflict.field, conflict.theirs) == ("title", "Ny titel")
    assert Goal.objects.get(pk=goal.pk).summary != "For sent"
    with pytest.raises(StaleVersionError):
        version_check(instance=goal, token="forfalsket")
    with pytest.raises(StaleVersionError):
        version_check(instance=goal, token=None)


def test_bodies_services_are_audited_and_ruled(demo_content, django_user_model):
    import datetime

    from sundhedsaftale.access.services import role_grant
    from sundhedsaftale.bodies.services import body_update, membership_create, membership_end

    tss, ssu = Body.objects.get(slug="tss"), Body.objects.get(slug="ssu")
    clerk = django_user_model.objects.create_user("tss-sekretaer", password="x-not-used-2")
    role_grant(user=clerk, role="secretariat", organisation=tss, by=None)
    body_update(body=tss, by=clerk, description="Ny beskrivelse")
    seat = membership_create(body=tss, person_name="Demo Person (fiktiv)", by=clerk,
                             is_synthetic=True, valid_from=datetime.date(2024, 1, 1))
    membership_end(membership=seat, by=clerk, on=datetime.date(2025, 1, 1))
    assert [e.action for e in events_for_user(clerk)] == [
        "bodies.membership.end", "bodies.membership.create", "bodies.body.update"]
    with pytest.raises(PermissionDenied):
        body_update(body=ssu, by=clerk, description="Ikke min")
    assert Body.objects.get(pk=ssu.pk).description != "Ikke min"
