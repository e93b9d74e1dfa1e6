"""Choice labels (`get_FOO_display()`) are read from one table per field (core.models.ChoiceDisplay)
and still shown in the language of each page."""

from __future__ import annotations

from django.utils import translation

from sundhedsaftale.bodies.models import Membership
from sundhedsaftale.followup.models import Indicator


def test_a_unit_is_shown_in_the_language_of_the_page_each_time():
    indicator = Indicator(code="x", title="X", unit=Indicator.Unit.PER_1000)
    with translation.override("da"):
        assert indicator.get_unit_display() == "pr. 1.000"
    with translation.override("en"):
        assert indicator.get_unit_display() == "per 1,000"
    with translation.override("da"):  # not the English label remembered from the call before
        assert indicator.get_unit_display() == "pr. 1.000"


def test_a_role_label_follows_the_language_and_an_unknown_value_is_shown_as_it_is():
    member = Membership(person_name="A", role=Membership.Role.CHAIR)
    with translation.override("da"):
        assert member.get_role_display() == "formand"
    with translation.override("en"):
        assert member.get_role_display() == "chair"
    member.role = "not-a-role"
    assert member.get_role_display() == "not-a-role"
