"""`sundhedsaftale demo` loads the whole demo and is idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from sundhedsaftale.agreements.models import Agreement, Goal
from sundhedsaftale.bodies.models import Body, Membership
from sundhedsaftale.geography.models import (
    District,
    HealthCluster,
    Municipality,
    PopulationCount,
)


def snapshot() -> dict[str, object]:
    from django.apps import apps

    counts = {m._meta.label: m.objects.count() for m in apps.get_models()
              if m._meta.app_label in {"geography", "bodies", "agreements", "auth"}}
    counts["population_sum"] = sum(PopulationCount.objects.filter(
        municipality__isnull=False, sex="T").values_list("count", flat=True))
    return counts


@pytest.mark.django_db
def test_demo_command_loads_everything_and_is_idempotent():
    out = StringIO()
    call_command("demo", stdout=out)
    first = snapshot()
    assert "sekretariat password:" in out.getvalue()
    out = StringIO()
    call_command("demo", stdout=out)
    assert snapshot() == first  # same data, and no new history rows
    assert "password unchanged" in out.getvalue()

    assert Municipality.objects.count() == 29
    assert HealthCluster.objects.count() == 5
    assert District.objects.count() == 10
    current = Agreement.objects.get(slug="2024-2027")
    assert (current.visions.count(), current.principles.count(),
            current.focus_areas.count(), current.goals.count()) == (4, 8, 3, 6)
    assert all(fa.goals.count() == 2 for fa in current.focus_areas.all())
    assert current.regime.code == "bek-1248-2022" and current.is_public
    assert current.party_municipalities.count() == 29
    assert current.followup_sources.count() == 3
    old = Agreement.objects.get(slug="2015-2018")
    assert (old.visions.count(), old.goals.count()) == (4, 11)
    assert old.is_public and old.regime.code == "vej-9005-2013"
    assert Goal.objects.filter(agreement=old, focus_area__isnull=False).count() == 0
    assert not Agreement.objects.get(slug="naersundhedsplan-2027-udkast").is_public
    assert first["population_sum"] == 1_891_871
    for slug in ("ssu", "tss", "piu", "kkr-hovedstaden", "praksisplanudvalget"):
        assert Body.objects.filter(slug=slug).exists()
    assert Body.objects.filter(kind="cluster_political").count() == 5
    assert Body.objects.filter(kind="cluster_professional").count() == 5
    assert not Membership.objects.filter(is_synthetic=False).exists()


@pytest.mark.django_db
def test_demo_users_have_group_permissions():
    call_command("demo", stdout=StringIO())
    User = get_user_model()
    secretariat = User.objects.get(username="sekretariat")
    reader = User.objects.get(username="laeser")
    assert secretariat.is_staff and reader.is_staff
    assert secretariat.has_perm("agreements.change_goal")
    assert secretariat.has_perm("geography.change_areamembership")
    assert not secretariat.has_perm("agreements.delete_agreement")
    assert reader.has_perm("agreements.view_goal")
    assert not reader.has_perm("agreements.change_goal")
