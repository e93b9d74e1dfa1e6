"""Forms of the hearings pages (validation only; the views call services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Hearing, HearingParty, Response
from .selectors import anchor_choices


class DesignSystemForm(forms.Form):
    """Adds the design system's classes to every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else (
                "form-file-input" if isinstance(widget, forms.FileInput) else "form-input")
            widget.attrs.setdefault("class", css)


class ResponseForm(DesignSystemForm):
    """A response: the section it concerns, the text, an optional attachment. Public hearings
    add name and e-mail; representatives choose which of their parties they answer for."""

    party = forms.ModelChoiceField(queryset=HearingParty.objects.none(), required=False,
                                   label=_("Answering for"), empty_label=None)
    author_name = forms.CharField(label=_("Your name"), max_length=200, required=False)
    author_email = forms.EmailField(
        label=_("Your e-mail"), required=False,
        help_text=_("We send a link to confirm the address. Your name and e-mail are never "
                    "published."))
    anchor_key = forms.ChoiceField(label=_("What does your response concern?"), required=False)
    text = forms.CharField(label=_("Your response"), widget=forms.Textarea(attrs={"rows": 10}),
                           required=False, max_length=50_000)
    attachment = forms.FileField(label=_("Attachment (PDF or DOCX, at most 10 MB)"),
                                 required=False)

    def __init__(self, *args: Any, hearing: Hearing, mode: str,
                 parties: list[HearingParty] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["anchor_key"].choices = anchor_choices(hearing)
        if mode == "login":
            self.fields["party"].queryset = HearingParty.objects.filter(
                pk__in=[p.pk for p in parties or []])
            self.fields["party"].required = True
        else:
            del self.fields["party"]
        if mode == "public":
            self.fields["author_name"].required = True
            self.fields["author_email"].required = True
        else:
            del self.fields["author_name"]
            del self.fields["author_email"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("attachment"):
            raise forms.ValidationError(_("Write a response or attach a file."))
        return data


class RegisterForm(DesignSystemForm):
    """The secretariat registers a response received by e-mail or letter."""

    party = forms.ModelChoiceField(queryset=HearingParty.objects.none(), required=False,
                                   label=_("Party"), empty_label=_("Not a named party"))
    channel = forms.ChoiceField(label=_("Received by"), choices=[
        (Response.Channel.EMAIL, _("e-mail")), (Response.Channel.LETTER, _("letter"))])
    received_on = forms.DateField(label=_("Received on (YYYY-MM-DD)"))
    author_name = forms.CharField(label=_("Sender's name (not published)"), max_length=200,
                                  required=False)
    anchor_key = forms.ChoiceField(label=_("Section"), required=False)
    text = forms.CharField(label=_("Text of the response"), required=False,
                           widget=forms.Textarea(attrs={"rows": 10}), max_length=50_000)
    attachment = forms.FileField(label=_("Attachment (PDF or DOCX, at most 10 MB)"),
                                 required=False)

    def __init__(self, *args: Any, hearing: Hearing, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = hearing.parties.select_related(
            "municipality", "body", "organisation")
        self.fields["anchor_key"].choices = anchor_choices(hearing)


class SubscribeForm(DesignSystemForm):
    email = forms.EmailField(label=_("Your e-mail"))
