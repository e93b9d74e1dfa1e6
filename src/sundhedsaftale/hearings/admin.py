
"""Admin for hearings: the secretariat writes the hearing and its letter and chooses the
parties here; every save goes through the services (and so into the audit log). Responses,
screening and the memo have their own staff pages (/hoeringer/<hearing>/sekretariat/)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.access.models import ExternalOrganisation
from sundhedsaftale.bodies.models import Body
from sundhedsaftale.core.admin import ReadOnlyAdmin
from sundhedsaftale.geography.models import Municipality

from . import services
from .models import BlockedTerm, Hearing, HearingParty


class HearingForm(forms.ModelForm):
    party_municipalities = forms.ModelMultipleChoiceField(
        Municipality.objects.all(), required=False, label=_("Municipalities"),
        widget=admin.widgets.FilteredSelectMultiple(_("municipalities"), False))
    party_bodies = forms.ModelMultipleChoiceField(
        Body.objects.all(), required=False, label=_("Bodies and committees"),
        widget=admin.widgets.FilteredSelectMultiple(_("bodies"), False))
    party_organisations = forms.ModelMultipleChoiceField(
        ExternalOrganisation.objects.all(), required=False, label=_("Outside organisations"),
        widget=admin.widgets.FilteredSelectMultiple(_("outside organisations"), False))

    class Meta:
        model = Hearing
        fields = ["version", "title", "slug", "purpose", "start", "deadline",
                  "response_address", "next_steps", "is_public", "letter_date", "letter_text",
                  "letter_signature"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _("Empty: made from the title.")
        if self.instance.pk:
            parties = list(self.instance.parties.all())
            self.fields["party_municipalities"].initial = [p.municipality_id for p in parties
                                                           if p.municipality_id]
            self.fields["party_bodies"].initial = [p.body_id for p in parties if p.body_id]
            self.fields["party_organisations"].initial = [p.organisation_id for p in parties
                                                          if p.organisation_id]


@admin.register(Hearing)
class HearingAdmin(admin.ModelAdmin):
    form = HearingForm
    list_display = ["title", "version", "status", "start", "deadline", "is_public"]
    list_filter = ["status", "is_public"]
    search_fields = ["title"]
    readonly_fields = ["status", "opened_at", "closed_at", "concluded_at"]

    def save_model(self, request: HttpRequest, obj: Hearing, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in services.HEARING_FIELDS
                if name in form.cleaned_data}
        if change:  # the form has set the new values on obj already: compare with the row
            current = Hearing.objects.get(pk=obj.pk)
            services.hearing_update(hearing=current, by=request.user, **data)
        else:
            created = services.hearing_create(
                by=request.user, version=form.cleaned_data["version"],
                slug=form.cleaned_data.get("slug", ""),
                **{k: v for k, v in data.items()})
            obj.pk = created.pk
            obj.status = created.status

    def save_related(self, request: HttpRequest, form: Any, formsets: Any,
                     change: bool) -> None:
        hearing = Hearing.objects.get(pk=form.instance.pk)
        if hearing.status in services.EDITABLE:
            services.hearing_parties_set(
                hearing=hearing, by=request.user,
                municipalities=form.cleaned_data["party_municipalities"],
                bodies=form.cleaned_data["party_bodies"],
                organisations=form.cleaned_data["party_organisations"])

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "version"] if obj is not None else fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(HearingParty)
class HearingPartyAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "hearing", "status", "email"]
    list_filter = ["hearing", "status"]
    readonly_fields = ["hearing", "municipality", "body", "organisation", "status",
                       "invited_at", "opened_at", "answered_at", "declined_at", "number"]


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ["term", "note"]

    def save_model(self, request: HttpRequest, obj: BlockedTerm, form: Any,
                   change: bool) -> None:
        if change:
            old = BlockedTerm.objects.get(pk=obj.pk)
            services.blocked_term_remove(blocked=old, by=request.user)
        created = services.blocked_term_add(term=obj.term, note=obj.note, by=request.user)
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: BlockedTerm) -> None:
        services.blocked_term_remove(blocked=obj, by=request.user)
