"""Agreement content: the goal invariant, public vs draft reads, and the change history."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from sundhedsaftale.agreements.models import Agreement, FocusArea, Goal, Vision
from sundhedsaftale.agreements.selectors import (
    agreement_get_for_user,
    agreement_get_public,
    agreement_list_for_user,
    agreement_public_list,
    focus_area_get,
    goal_get,
)
from sundhedsaftale.agreements.services import agreement_status_set, goal_create, goal_update
from sundhedsaftale.core.guard import writes_unguarded
from sundhedsaftale.core.selectors import history_for
from sundhedsaftale.core.services import content_create

DRAFT = "naersundhedsplan-2027-udkast"


def test_goal_must_have_exactly_one_parent(demo_content):
    agreement = Agreement.objects.get(slug="2024-2027")
    focus_area = FocusArea.objects.get(agreement=agreement, slug="born-og-unge")
    vision = Vision.objects.get(agreement=agreement, number=1)
    # The database constraint itself, so the writes bypass the services on purpose.
    with pytest.raises(IntegrityError), transaction.atomic(), writes_unguarded():
        Goal.objects.create(agreement=agreement, title="To forældre", slug="to",
                            focus_area=focus_area, vision=vision)
    with pytest.raises(IntegrityError), transaction.atomic(), writes_unguarded():
        Goal.objects.create(agreement=agreement, title="Ingen forælder", slug="ingen")
    with pytest.raises(ValidationError):
        goal_create(by=None, title="Ingen forælder")
    goal = goal_create(by=None, title="Under en vision", vision=vision)
    assert goal.agreement == agreement and goal.slug == "under-en-vision"


def test_goal_parent_must_belong_to_the_same_agreement(demo_content):
    goal = Goal.objects.get(agreement__slug="2024-2027", slug="rette-sted")
    other_vision = Vision.objects.get(agreement__slug="2015-2018", number=1)
    with pytest.raises(ValidationError):
        goal_update(goal=goal, by=None, focus_area=None, vision=other_vision)


def test_public_selectors_hide_drafts(demo_content, reader_user, django_user_model):
    assert [a.slug for a in agreement_public_list()] == ["2024-2027", "2015-2018"]
    with pytest.raises(Agreement.DoesNotExist):
        agreement_get_public(slug=DRAFT)
    from django.contrib.auth.models import AnonymousUser

    plain = django_user_model.objects.create_user(username="borger", password="x-not-used-7")
    for user in (AnonymousUser(), plain):
        with pytest.raises(Agreement.DoesNotExist):
            agreement_get_for_user(slug=DRAFT, user=user)
    with pytest.raises(FocusArea.DoesNotExist):
        agreement = Agreement.objects.get(slug=DRAFT)
        content_create(instance=FocusArea(agreement=agreement, title="Kladde", slug="kladde"),
                       by=None)
        focus_area_get(agreement_slug=DRAFT, slug="kladde")
    # A reader (Læser) may read drafts.
    assert agreement_get_for_user(slug=DRAFT, user=reader_user).status == "draft"
    assert focus_area_get(agreement_slug=DRAFT, slug="kladde", user=reader_user).title == "Kladde"
    assert DRAFT in {a.slug for a in agreement_list_for_user(user=reader_user)}


def test_publishing_a_draft_makes_it_public(demo_content, secretariat_user):
    draft = Agreement.objects.get(slug=DRAFT)
    with pytest.raises(ValidationError, match="godkendt"):  # a draft is approved first
        agreement_status_set(agreement=draft, status=Agreement.Status.PUBLISHED,
                             by=secretariat_user)
    agreement_status_set(agreement=draft, status=Agreement.Status.APPROVED, by=secretariat_user)
    assert not agreement_get_for_user(slug=DRAFT, user=secretariat_user).is_public
    agreement_status_set(agreement=draft, status=Agreement.Status.PUBLISHED, by=secretariat_user)
    assert agreement_get_public(slug=DRAFT).is_public
    entry = history_for(instance=draft)[0]
    assert entry.user == "sekretariat"
    assert [(c.field, c.old, c.new) for c in entry.changes] == [
        ("status", "approved", "published")]


def test_public_agreement_page_content_loads_in_a_handful_of_queries(
        demo_content, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        agreement = agreement_get_public(slug="2024-2027")
        texts = [agreement.regime.short_name]
        texts += [v.title for v in agreement.visions.all()]
        texts += [p.title for p in agreement.principles.all()]
        for focus_area in agreement.focus_areas.all():
            for goal in focus_area.goals.all():
                texts += [str(i.owner) for i in goal.initiatives.all()]
        texts += [link.annex.title + str(link.carried_over_from)
                  for link in agreement.annex_links.all()]
        texts += [s.title for s in agreement.followup_sources.all()]
        texts += [m.name for m in agreement.party_municipalities.all()]
    assert len(texts) > 40


def test_goal_selector_finds_goal_by_agreement_and_slug(demo_content):
    goal = goal_get(agreement_slug="2015-2018", slug="faelles-midler")
    assert goal.number == 11 and goal.vision.number == 4
    with pytest.raises(Goal.DoesNotExist):
        goal_get(agreement_slug="2024-2027", slug="faelles-midler")


def test_goal_update_records_user_time_and_changed_field(demo_content, secretariat_user):
    goal = Goal.objects.get(agreement__slug="2024-2027", slug="rette-sted")
    old_title = goal.title
    goal_update(goal=goal, by=secretariat_user, title="Ældre syge får hjælp det rette sted")
    history = history_for(instance=goal)
    assert len(history) == 2  # created by the demo loader, then changed
    latest = history[0]
    assert latest.user == "sekretariat" and latest.kind == "~"
    assert latest.time is not None
    assert [(c.field, c.old, c.new) for c in latest.changes] == [
        ("title", old_title, "Ældre syge får hjælp det rette sted")]
    assert str(latest.changes[0].label) == str(Goal._meta.get_field("title").verbose_name)
    # Saving the same values again is not a change and adds no history.
    goal_update(goal=goal, by=secretariat_user, title="Ældre syge får hjælp det rette sted")
    assert len(history_for(instance=goal)) == 2


def test_goal_edit_in_admin_records_the_secretariat_user(demo_content, secretariat_user,
                                                         client):
    goal = Goal.objects.get(agreement__slug="2024-2027", slug="hele-mennesket")
    client.force_login(secretariat_user)
    url = reverse("admin:agreements_goal_change", args=[goal.pk])
    form = client.get(url)
    assert form.status_code == 200
    base_version = form.context["base_version"]
    response = client.post(url, {
        "_base_version": base_version,
        "focus_area": goal.focus_area_id, "vision": "", "number": goal.number,
        "title": "Hele mennesket – ændret i admin", "slug": goal.slug, "summary": goal.summary,
        "initiatives-TOTAL_FORMS": "0", "initiatives-INITIAL_FORMS": "0",
        "initiatives-MIN_NUM_FORMS": "0", "initiatives-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 302, response.content[:2000]
    latest = history_for(instance=goal)[0]
    assert latest.user == "sekretariat"
    assert [c.field for c in latest.changes] == ["title"]
    history_page = client.get(reverse("admin:agreements_goal_history", args=[goal.pk]))
    assert history_page.status_code == 200
    assert "sekretariat" in history_page.content.decode()


def test_reader_can_view_but_not_change_in_admin(demo_content, reader_user, client):
    goal = Goal.objects.get(agreement__slug="2024-2027", slug="hele-mennesket")
    client.force_login(reader_user)
    url = reverse("admin:agreements_goal_change", args=[goal.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "Må ikke"})
    assert response.status_code == 403
    goal.refresh_from_db()
    assert goal.title != "Må ikke"


def test_annexes_are_carried_over_from_2015_into_2024(demo_content):
    agreement = agreement_get_public(slug="2024-2027")
    links = list(agreement.annex_links.all())
    assert len(links) == 7
    assert {link.carried_over_from.slug for link in links} == {"2015-2018"}
    kinds = sorted(link.annex.kind for link in links)
    assert kinds.count("care_programme") == 5
    assert {a.slug for a in Agreement.objects.get(slug="2015-2018").annexes.all()} == {
        link.annex.slug for link in links}


def test_changing_the_parties_is_kept_in_the_history(demo_content, secretariat_user):
    from sundhedsaftale.agreements.services import agreement_parties_set
    from sundhedsaftale.geography.models import Municipality

    agreement = Agreement.objects.get(slug="2015-2018")
    without_bornholm = Municipality.objects.exclude(code="400")
    agreement_parties_set(agreement=agreement, municipalities=without_bornholm,
                          by=secretariat_user)
    latest = history_for(instance=agreement)[0]
    assert latest.user == "sekretariat"
    change = next(c for c in latest.changes if c.field == "party_municipalities")
    assert "Bornholm" in change.old_display and "Bornholm" not in change.new_display
    assert agreement.party_municipalities.count() == 28
