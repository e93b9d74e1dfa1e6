"""Staff forms: they validate input; the views hand the cleaned data to the services."""

from __future__ import annotations

from typing import ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AgendaItem


class ItemForm(forms.ModelForm):
    journal_number = forms.CharField(label=_("Journal number"), max_length=40, required=False)

    class Meta:
        model = AgendaItem
        fields = ("title", "kind", "is_closed", "background", "recommendation",
                  "case_description", "timeline", "earlier_handling")
        widgets: ClassVar[dict[str, forms.Widget]] = {name: forms.Textarea(attrs={"rows": 4, "class": "form-input"})
                   for name in ("background", "recommendation", "case_description",
                                "timeline", "earlier_handling")}


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("starts at"),
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    ends_at = forms.DateTimeField(label=_("ends at"), required=False,
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    place = forms.CharField(label=_("place"), max_length=300, required=False)
    online_url = forms.URLField(label=_("online meeting link"), max_length=500, required=False,
                                assume_scheme="https")
    title = forms.CharField(label=_("title"), max_length=200, required=False)
