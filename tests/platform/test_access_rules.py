"""Every role × action of the foundation's rules (issue 12), including that a municipality's
user acts only for their own municipality, and granting/revoking roles in the admin."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from sundhedsaftale.access.models import ExternalOrganisation, Role, RoleAssignment
from sundhedsaftale.access.rules import actions, can
from sundhedsaftale.access.services import role_grant
from sundhedsaftale.agreements.models import Agreement
from sundhedsaftale.bodies.models import Body
from sundhedsaftale.core.audit import events_for_object
from sundhedsaftale.core.services import READER_GROUP, SECRETARIAT_GROUP, content_create
from sundhedsaftale.geography.models import Municipality, Region

# Who: a name -> how the user is made. (role, organisation key) or a Django group.
USERS = {
    "anonymous": None,
    "plain": (),
    "group_sekretariat": ("group", SECRETARIAT_GROUP),
    "group_laeser": ("group", READER_GROUP),
    "region_secretariat": (Role.SECRETARIAT, "region"),
    "region_editor": (Role.EDITOR, "region"),
    "region_reader": (Role.READER, "region"),
    "albertslund_secretariat": (Role.SECRETARIAT, "albertslund"),
    "albertslund_editor": (Role.EDITOR, "albertslund"),
    "albertslund_reader": (Role.READER, "albertslund"),
    "tss_secretariat": (Role.SECRETARIAT, "tss"),
    "patient_org_representative": (Role.PARTY_REPRESENTATIVE, "patient_org"),
}

# (action, object key) -> the users allowed; everyone else is refused.
EXPECTED: dict[tuple[str, str | None], set[str]] = {
    ("agreements.view_draft", "draft"): {"group_sekretariat", "group_laeser",
                                         "region_secretariat", "region_editor",
                                         "region_reader"},
    ("agreements.edit", "draft"): {"group_sekretariat", "region_secretariat", "region_editor"},
    ("agreements.publish", "draft"): {"group_sekretariat", "region_secretariat"},
    ("geography.edit", None): {"group_sekretariat", "region_secretariat"},
    ("geography.successor.create", None): {"group_sekretariat", "region_secretariat"},
    ("geography.municipality.edit", "albertslund"): {
        "group_sekretariat", "region_secretariat", "albertslund_secretariat",
        "albertslund_editor"},
    ("geography.municipality.edit", "ballerup"): {"group_sekretariat", "region_secretariat"},
    ("bodies.edit", "tss"): {"group_sekretariat", "region_secretariat", "tss_secretariat"},
    ("bodies.edit", "ssu"): {"group_sekretariat", "region_secretariat"},
    ("access.manage_roles", "region"): {"group_sekretariat", "region_secretariat"},
    ("access.manage_roles", "albertslund"): {"group_sekretariat", "region_secretariat",
                                             "albertslund_secretariat"},
    ("access.manage_roles", "ballerup"): {"group_sekretariat", "region_secretariat"},
    ("access.manage_roles", "tss"): {"group_sekretariat", "region_secretariat",
                                     "tss_secretariat"},
    ("access.manage_roles", "patient_org"): {"group_sekretariat", "region_secretariat"},
    ("access.view_audit", None): {"group_sekretariat", "region_secretariat"},
}


@pytest.fixture
def world(demo_content, groups, django_user_model):
    objects = {
        "region": Region.objects.get(code="1084"),
        "albertslund": Municipality.objects.get(name="Albertslund"),
        "ballerup": Municipality.objects.get(name="Ballerup"),
        "tss": Body.objects.get(slug="tss"),
        "ssu": Body.objects.get(slug="ssu"),
        "draft": Agreement.objects.get(slug="naersundhedsplan-2027-udkast"),
        "patient_org": content_create(instance=ExternalOrganisation(
            name="Patientforeningen (demo)", kind="patient", is_demo=True), by=None),
        None: None,
    }
    users = {}
    for name, how in USERS.items():
        if how is None:
            users[name] = AnonymousUser()
            continue
        user = django_user_model.objects.create_user(name, password="x-not-used-3",
                                                     is_staff=bool(how))
        if how and how[0] == "group":
            user.groups.add(groups[how[1]])
        elif how:
            role_grant(user=user, role=how[0], organisation=objects[how[1]], by=None)
        users[name] = user
    return objects, users


def test_the_rules_are_registered():
    assert {action for action, _ in EXPECTED} <= set(actions())


def test_every_role_and_action(world):
    objects, users = world
    wrong = []
    for (action, key), allowed in EXPECTED.items():
        for name, user in users.items():
            if can(user, action, objects[key]) != (name in allowed):
                wrong.append((action, key, name))
    assert wrong == []


def test_a_superuser_may_do_everything(world, django_user_model):
    objects, _ = world
    root = django_user_model.objects.create_superuser("rod", password="x-not-used-2")
    assert all(can(root, action, objects[key]) for action, key in EXPECTED)


def test_a_revoked_role_no_longer_counts(world):
    from sundhedsaftale.access.services import role_revoke

    objects, users = world
    user = users["albertslund_secretariat"]
    assert can(user, "geography.municipality.edit", objects["albertslund"])
    role_revoke(assignment=RoleAssignment.objects.get(user=user), by=None)
    assert not can(user, "geography.municipality.edit", objects["albertslund"])


def test_a_municipality_secretariat_grants_roles_only_for_its_own_municipality(world,
                                                                              django_user_model):
    from django.core.exceptions import PermissionDenied

    objects, users = world
    new = django_user_model.objects.create_user("ny-medarbejder", password="x-not-used-1")
    granter = users["albertslund_secretariat"]
    role_grant(user=new, role=Role.EDITOR, organisation=objects["albertslund"], by=granter)
    with pytest.raises(PermissionDenied):
        role_grant(user=new, role=Role.EDITOR, organisation=objects["ballerup"], by=granter)
    assert list(RoleAssignment.objects.filter(user=new).values_list("organisation_id",
                                                                    flat=True)) == [
        objects["albertslund"].pk]


def test_staff_see_who_holds_which_role_and_grant_and_revoke_in_the_admin(
        world, client, django_user_model):
    from django.contrib.contenttypes.models import ContentType

    objects, _users = world
    secretariat = django_user_model.objects.get(username="group_sekretariat")
    client.force_login(secretariat)
    listing = client.get(reverse("admin:access_roleassignment_changelist"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "albertslund_secretariat" in page and "Albertslund" in page
    new = django_user_model.objects.create_user("kommunal", password="x-not-used-0")
    ct = ContentType.objects.get_for_model(Municipality)
    response = client.post(reverse("admin:access_roleassignment_add"), {
        "user": new.pk, "role": "editor", "for_organisation": f"{ct.pk}:{objects['ballerup'].pk}",
        "valid_from": "", "valid_to": ""})
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=new)
    assert assignment.organisation == objects["ballerup"]
    assert events_for_object(assignment).first().action == "access.role.grant"
    assert can(new, "geography.municipality.edit", objects["ballerup"])
    response = client.post(reverse("admin:access_roleassignment_changelist"), {
        "action": "revoke", "_selected_action": [assignment.pk]})
    assert response.status_code == 302
    assert not can(new, "geography.municipality.edit", objects["ballerup"])
    assert events_for_object(assignment).first().action == "access.role.revoke"


def test_the_audit_log_is_readable_per_object_and_per_user_and_read_only(world, client):
    from django.contrib.auth import get_user_model

    secretariat = get_user_model().objects.get(username="group_sekretariat")
    reader = get_user_model().objects.get(username="group_laeser")
    client.force_login(secretariat)
    url = reverse("admin:core_auditevent_changelist")
    by_user = client.get(url, {"actor__id__exact": secretariat.pk})
    assert by_user.status_code == 200
    assert {e.actor for e in by_user.context["cl"].result_list} <= {secretariat}
    by_object = client.get(url, {"q": "Patientforeningen"})
    assert {e.action for e in by_object.context["cl"].result_list} == {
        "access.externalorganisation.create", "access.role.grant"}
    assert client.get(reverse("admin:core_auditevent_add")).status_code == 403
    client.force_login(reader)
    assert client.get(url).status_code == 403
