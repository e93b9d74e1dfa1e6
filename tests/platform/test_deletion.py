"""Staff delete what the rules allow (a draft agreement's parts, a mistaken row) through
`content_delete`, audited; published material is refused with a Danish message, never a 500."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sundhedsaftale.access.rules import can
from sundhedsaftale.agreements.models import Agreement, Goal, Initiative, Principle
from sundhedsaftale.core.models import AuditEvent
from sundhedsaftale.core.services import content_create, content_delete
from tests.platform.test_access_rules import USERS, world  # noqa: F401 (fixture)

DRAFT = "naersundhedsplan-2027-udkast"
PUBLISHED = "2024-2027"


def _draft_goal() -> Goal:
    """A goal under a focus area of the demo's draft agreement (made here if it has none)."""
    from sundhedsaftale.agreements.models import FocusArea

    goal = Goal.objects.filter(agreement__slug=DRAFT).first()
    if goal is None:
        draft = Agreement.objects.get(slug=DRAFT)
        assert draft.status == Agreement.Status.DRAFT
        focus = content_create(instance=FocusArea(agreement=draft, title="Fokus i udkastet",
                                                  slug="fokus-i-udkastet"), by=None)
        goal = content_create(instance=Goal(focus_area=focus, title="Mål i udkastet",
                                            slug="maal-i-udkastet"), by=None)
    return goal


def _published_goal() -> Goal:
    return Goal.objects.filter(agreement__slug=PUBLISHED).first()


def test_the_delete_rule_for_every_role(world) -> None:  # noqa: F811
    _objects, users = world
    draft_goal, published_goal = _draft_goal(), _published_goal()
    published = Agreement.objects.get(slug=PUBLISHED)
    allowed = {"group_sekretariat", "region_secretariat"}
    wrong = []
    for name, user in users.items():
        if can(user, "agreements.delete", draft_goal) != (name in allowed):
            wrong.append(("draft goal", name))
        if can(user, "agreements.delete", published_goal):
            wrong.append(("published goal", name))
        if can(user, "agreements.delete", published) and not user.is_superuser:
            wrong.append(("published agreement", name))
    assert wrong == []
    assert set(USERS) == set(users)


def test_secretariat_deletes_a_draft_goal_with_an_audit_entry(demo_content, secretariat_user):
    goal = _draft_goal()
    pk = goal.pk
    content_delete(instance=goal, by=secretariat_user, reason="oprettet ved en fejl")
    assert not Goal.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.get(action="agreements.goal.delete", object_id=str(pk))
    assert event.actor == secretariat_user and event.note == "oprettet ved en fejl"


def test_a_reader_may_not_delete(demo_content, reader_user):
    goal = _draft_goal()
    with pytest.raises(PermissionDenied):
        content_delete(instance=goal, by=reader_user)
    assert Goal.objects.filter(pk=goal.pk).exists()


@pytest.mark.parametrize("who", ["secretariat", "superuser"])
def test_published_material_is_never_deleted(demo_content, secretariat_user, django_user_model,
                                             who):
    user = secretariat_user if who == "secretariat" else django_user_model.objects.create_superuser(
        "rod-slet", password="x-not-used-8")
    published = Agreement.objects.get(slug=PUBLISHED)
    goal = _published_goal()
    principle = Principle.objects.filter(agreement=published).first()
    events_before = AuditEvent.objects.count()
    for obj in (published, goal, principle):
        with pytest.raises(ValidationError) as refused:
            content_delete(instance=obj, by=user)
        message = " ".join(refused.value.messages)
        assert "kan ikke slettes" in message and "trækkes tilbage" in message
    assert Agreement.objects.filter(pk=published.pk).exists()
    assert Goal.objects.filter(pk=goal.pk).exists()
    assert Principle.objects.filter(pk=principle.pk).exists()
    assert AuditEvent.objects.count() == events_before  # nothing half written


def test_a_whole_draft_agreement_is_deleted_with_its_parts(demo_content, secretariat_user):
    from sundhedsaftale.agreements.models import FocusArea, LegalRegime

    draft = content_create(instance=Agreement(
        title="Udkast oprettet ved en fejl", slug="fejl-udkast", period_start="2027-01-01",
        period_end="2030-12-31", regime=LegalRegime.objects.first()), by=secretariat_user)
    focus = content_create(instance=FocusArea(agreement=draft, title="Fejl", slug="fejl"),
                           by=secretariat_user)
    draft_pk, focus_pk = draft.pk, focus.pk
    content_delete(instance=draft, by=secretariat_user)
    assert not Agreement.objects.filter(pk=draft_pk).exists()
    assert not FocusArea.objects.filter(pk=focus_pk).exists()
    assert AuditEvent.objects.filter(action="agreements.agreement.delete",
                                     object_id=str(draft_pk)).exists()


def test_admin_refuses_deleting_published_material_with_a_danish_message(
        demo_content, client, secretariat_user):
    client.force_login(secretariat_user)
    published = Agreement.objects.get(slug=PUBLISHED)
    url = reverse("admin:agreements_agreement_delete", args=[published.pk])
    for response in (client.get(url), client.post(url, {"post": "yes"})):
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:agreements_agreement_change",
                                               args=[published.pk])
    page = client.get(reverse("admin:agreements_agreement_change", args=[published.pk]))
    text = page.content.decode()
    assert "kan ikke slettes" in text and "trækkes tilbage" in text
    assert Agreement.objects.filter(pk=published.pk).exists()


def test_admin_deletes_a_draft_part_and_refuses_a_mixed_bulk_delete(
        demo_content, client, secretariat_user):
    client.force_login(secretariat_user)
    goal = _draft_goal()
    initiative = Initiative.objects.filter(goal__agreement__slug=DRAFT).first() or content_create(
        instance=Initiative(goal=goal, title="Indsats ved en fejl"), by=secretariat_user)
    initiative_pk = initiative.pk
    url = reverse("admin:agreements_initiative_delete", args=[initiative_pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not Initiative.objects.filter(pk=initiative_pk).exists()
    assert AuditEvent.objects.filter(action="agreements.initiative.delete",
                                     object_id=str(initiative_pk)).exists()

    published_goal = _published_goal()
    changelist = reverse("admin:agreements_goal_changelist")
    response = client.post(changelist, {"action": "delete_selected", "post": "yes",
                                         "_selected_action": [goal.pk, published_goal.pk]},
                           follow=True)
    assert response.status_code == 200
    assert "kan ikke slettes" in response.content.decode()
    assert Goal.objects.filter(pk__in=[goal.pk, published_goal.pk]).count() == 2
