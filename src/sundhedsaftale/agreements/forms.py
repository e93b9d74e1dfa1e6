"""Forms of the agreement lifecycle pages (staff)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AgreementVersion, CouncilDecision


class DecisionForm(forms.Form):
    council = forms.ChoiceField(label=_("Råd"))
    decision = forms.ChoiceField(label=_("Beslutning"), choices=CouncilDecision.Decision.choices)
    decided_on = forms.DateField(label=_("Dato (ÅÅÅÅ-MM-DD)"), required=False)
    journal_number = forms.CharField(label=_("Journalnummer"), max_length=100, required=False)
    minutes_url = forms.URLField(label=_("Link til referat"), max_length=500, required=False,
                                  assume_scheme="https")
    remarks = forms.CharField(label=_("Bemærkninger"), required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, councils: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["council"].choices = councils


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("Næste trin"), choices=AgreementVersion.Stage.choices)
    on = forms.DateField(label=_("Dato (ÅÅÅÅ-MM-DD)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class FreezeForm(forms.Form):
    election_period_start = forms.IntegerField(label=_("Valgperiodens første år"),
                                               min_value=2000, max_value=2100)
    entry_into_force = forms.DateField(label=_("Ikrafttræden (ÅÅÅÅ-MM-DD)"), required=False)
    significant = forms.BooleanField(label=_("Væsentlig ændring (skal godkendes igen)"),
                                     required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
