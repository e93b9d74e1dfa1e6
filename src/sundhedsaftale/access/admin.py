"""Staff see who holds which role for which organisation, and grant and revoke roles; every
write goes through access.services (audited)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sundhedsaftale.core.admin import ServiceModelAdmin

from .models import ExternalOrganisation, Role, RoleAssignment
from .rules import can
from .services import role_grant, role_revoke

# The kinds of organisation a role can be held for, in the order the form lists them.
ORGANISATION_MODELS = ("geography.region", "geography.municipality", "geography.healthcluster",
                       "bodies.body", "access.externalorganisation")


def organisation_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices "<content type id>:<pk>" for every organisation."""
    from django.apps import apps

    groups = []
    for label in ORGANISATION_MODELS:
        model = apps.get_model(label)
        ct = ContentType.objects.get_for_model(model)
        groups.append((str(model._meta.verbose_name).capitalize(),
                       [(f"{ct.pk}:{obj.pk}", str(obj))
                        for obj in model._default_manager.all()]))
    return groups


def organisation_from_choice(value: str) -> Any:
    ct_id, pk = value.split(":", 1)
    return ContentType.objects.get_for_id(int(ct_id)).get_object_for_this_type(pk=pk)


class _GrantRefusedError(Exception):
    """role_grant refused the grant; shown to the user as a message, nothing saved."""


class RoleGrantForm(forms.ModelForm):
    for_organisation = forms.ChoiceField(label=_("organisation"), choices=())

    class Meta:
        model = RoleAssignment
        fields = ("user", "role", "valid_from", "valid_to")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["for_organisation"].choices = [("", "---------"), *organisation_choices()]
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True)

    def _post_clean(self) -> None:
        # The assignment is made by role_grant, which validates it; nothing to build here.
        pass


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ServiceModelAdmin):
    """Who holds which role: filter by role and kind of organisation, search by user."""

    list_display = ("user", "role", "organisation_label", "organisation_type", "valid_from",
                    "valid_to", "is_current", "granted_by", "granted_at")
    list_filter = ("role", "organisation_type", "valid_to")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    list_select_related = ("user", "organisation_type", "granted_by")
    actions = ["revoke"]
    form = RoleGrantForm

    @admin.display(description=_("organisation"))
    def organisation_label(self, obj: RoleAssignment) -> str:
        return str(obj.organisation) if obj.organisation is not None else "—"

    @admin.display(boolean=True, description=_("current"))
    def is_current(self, obj: RoleAssignment) -> bool:
        return obj.is_valid_on(timezone.localdate())

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a role is granted, then revoked (ended); never edited in place

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked roles stay for the record

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) or can(
            request.user, "access.manage_roles", None)

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        """Granting is the service role_grant (checks access.manage_roles, audits)."""
        data = form.cleaned_data
        organisation = organisation_from_choice(data["for_organisation"])
        try:
            return role_grant(user=data["user"], role=data["role"], organisation=organisation,
                              by=request.user, valid_from=data.get("valid_from"),
                              valid_to=data.get("valid_to"))
        except ValidationError as exc:
            raise _GrantRefusedError(" ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise _GrantRefusedError(
                str(_("You may not grant roles for %(organisation)s.") % {
                    "organisation": organisation})) from exc

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pass

    def save_related(self, request: HttpRequest, form: Any, formsets: Any,
                     change: bool) -> None:
        pass

    def _changeform_view(self, request: HttpRequest, object_id: Any, form_url: str,
                         extra_context: Any) -> Any:
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)
        except _GrantRefusedError as exc:
            messages.error(request, str(exc))
            from django.shortcuts import redirect

            return redirect(request.path)

    @admin.action(description=_("Revoke the chosen roles (they end yesterday)"),
                  permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for assignment in queryset:
            try:
                role_revoke(assignment=assignment, by=request.user)
            except PermissionDenied:
                self.message_user(request, _("%(role)s: you may not revoke this role.") % {
                    "role": assignment}, messages.ERROR)
            else:
                self.message_user(request, _("%(role)s: revoked.") % {"role": assignment},
                                  messages.SUCCESS)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        """Offered to anyone who may manage some roles; role_revoke checks each one."""
        return self.has_add_permission(request)


@admin.register(ExternalOrganisation)
class ExternalOrganisationAdmin(ServiceModelAdmin):
    list_display = ("name", "kind", "email", "is_demo")
    list_filter = ("kind", "is_demo")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


__all__ = ["ExternalOrganisationAdmin", "Role", "RoleAssignmentAdmin"]
