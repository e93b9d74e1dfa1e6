"""Admin base classes: the admin writes through services only.

`ServiceAdminMixin` routes every write of a model admin through a service:
- add/change (the form, its many-to-many fields and inline formsets) -> one call of
  `save_service` (default `core.services.content_form_save`), audited, in one transaction;
- delete (one object or the changelist action) -> `delete_service` (`content_delete`);
- the history form of django-simple-history (revert) -> `content_revert`, which needs the change
  permission: a POST to a history URL without it is 403.
Every change form carries the version it was based on (a hidden `_base_version`, see
core.concurrency); a save from a stale form is refused with what changed meanwhile.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from .concurrency import FORM_FIELD, StaleVersionError, version_conflicts, version_token
from .services import content_delete, content_form_save, content_revert, deletion_refusal

admin.site.site_header = _("Health agreement administration")
admin.site.site_title = _("Health agreement")
admin.site.index_title = _("Organisation and agreement content")

SOURCE_FIELDSET = (_("Source and certainty"), {"fields": ("source", "source_url", "certainty")})


def _versioned_form(form_class: type, request: HttpRequest) -> type:
    """A subclass of the admin's form that refuses a change based on a stale version."""

    class VersionedForm(form_class):  # type: ignore[misc, valid-type]
        def clean(self) -> dict[str, Any]:
            data = super().clean()
            if self.instance.pk is not None and self.is_bound and not self._errors:
                token = self.data.get(FORM_FIELD)
                try:
                    conflicts = version_conflicts(instance=self.instance, token=token,
                                                  yours=data)
                except StaleVersionError as exc:
                    raise ValidationError(exc.messages) from None
                if conflicts:
                    raise StaleVersionError(conflicts)
            return data

    VersionedForm.__name__ = form_class.__name__
    return VersionedForm


class ServiceAdminMixin:
    """Mixin for ModelAdmin: every write goes through a service (see the module)."""

    save_service = staticmethod(content_form_save)
    delete_service = staticmethod(content_delete)
    change_form_template = "admin/core/change_form.html"
    object_history_form_template = "admin/core/object_history_form.html"

    # -- the version the form was based on
    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False,
                 **kwargs: Any) -> type:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        return _versioned_form(form, request)

    def base_version(self, request: HttpRequest, obj: Any) -> str:
        """The posted version (a form re-shown after an error keeps its base), else now's."""
        if request.method == "POST" and request.POST.get(FORM_FIELD):
            return request.POST[FORM_FIELD]
        current = type(obj)._default_manager.filter(pk=obj.pk).first()
        return version_token(current) if current is not None else ""

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Any = None) -> Any:
        if obj is not None and obj.pk is not None:
            context["base_version"] = self.base_version(request, obj)
            context["base_version_field"] = FORM_FIELD
        return super().render_change_form(  # type: ignore[misc]
            request, context, add=add, change=change, form_url=form_url, obj=obj)

    # -- writes
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        """Nothing is written here: save_related saves the object with its relations and
        inlines in one service call. The history form (revert) saves here, through its
        service."""
        history_id = getattr(request, "_history_revert_id", None)
        if history_id is not None:
            content_revert(form=form, by=request.user, history_id=history_id,
                           base_version=request.POST.get(FORM_FIELD))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any,
                     change: bool) -> None:
        self.save_service(form=form, formsets=formsets, by=request.user, change=change,
                          base_version=request.POST.get(FORM_FIELD))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self.delete_service(instance=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_service(instance=obj, by=request.user)

    # -- deleting: who may (the app's "<app>.delete" rule) and what (never published material)
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        from sundhedsaftale.access.rules import can

        if super().has_delete_permission(request, obj):  # type: ignore[misc]
            return True
        # The role only; whether this object may go is said on the delete page itself.
        return can(request.user, f"{self.opts.app_label}.delete", None)  # type: ignore[attr-defined]

    def delete_view(self, request: HttpRequest, object_id: str,
                    extra_context: dict[str, Any] | None = None) -> Any:
        """Published material is refused with a clear message on its change page."""
        obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
        if obj is not None and not self.has_delete_permission(  # type: ignore[attr-defined]
                request, obj):
            raise PermissionDenied  # who may not delete learns nothing more (403)
        refusal = deletion_refusal(obj) if obj is not None else None
        if refusal:
            from django.shortcuts import redirect
            from django.urls import reverse

            messages.error(request, refusal)
            opts = self.opts  # type: ignore[attr-defined]
            return redirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_change",
                                    args=[obj.pk]))
        return super().delete_view(request, object_id, extra_context)  # type: ignore[misc]

    def get_actions(self, request: HttpRequest) -> Any:
        """The changelist's "delete selected" refuses the whole choice, with the reasons, when
        any of it is published material (nothing is deleted then)."""
        actions = super().get_actions(request)  # type: ignore[misc]
        if "delete_selected" in actions:
            func, name, description = actions["delete_selected"]

            def guarded(modeladmin: Any, request: HttpRequest, queryset: Any) -> Any:
                refusals = [r for r in (deletion_refusal(obj) for obj in queryset) if r]
                if refusals:
                    for refusal in refusals:
                        modeladmin.message_user(request, refusal, messages.ERROR)
                    return None
                return func(modeladmin, request, queryset)

            actions["delete_selected"] = (guarded, name, description)
        return actions

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str,
                          extra_context: dict[str, Any] | None = None) -> Any:
        """GET shows a historical version; POST (revert) needs the change permission."""
        if request.method == "POST":
            obj = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
            if obj is None or not self.has_change_permission(request, obj):  # type: ignore[attr-defined]
                raise PermissionDenied
            request._history_revert_id = version_id  # type: ignore[attr-defined]
        extra = {**(extra_context or {}), "base_version_field": FORM_FIELD}
        if request.method != "POST" or not request.POST.get(FORM_FIELD):
            current = self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]
            if current is not None:
                extra["base_version"] = version_token(current)
        else:
            extra["base_version"] = request.POST[FORM_FIELD]
        try:
            return super().history_form_view(  # type: ignore[misc]
                request, object_id, version_id, extra_context=extra)
        except StaleVersionError as exc:
            messages.error(request, " ".join(exc.messages))
            from django.shortcuts import redirect

            return redirect(request.path)


class FullValueHistoryHelper(HistoricalRecordContextHelper):
    """History diffs with whole values (simple-history shortens them to 100 characters with
    "[...]" in the middle), an empty value shown as "–" instead of "None", yes/no in the page's
    language and dates in its format."""

    def stringify_delta_change_values(self, change: Any, old: Any, new: Any) -> tuple[Any, Any]:
        return display_value(old), display_value(new)


def display_value(value: Any) -> str:
    """A stored value as staff read it: "–" for nothing, "ja"/"nej", dates localised, lists
    joined; escaped."""
    import datetime

    from django.utils.formats import date_format
    from django.utils.html import conditional_escape

    if value is None or value == "" or value == [] or getattr(value, "pk", True) is None:
        return "–"  # nothing, or a foreign key that was empty (simple-history's pk=None)
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, datetime.datetime):
        return date_format(value, "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, list):
        return conditional_escape(", ".join(str(item) for item in value))
    return conditional_escape(str(value))


# "Add another ..." under an inline, with the noun's gender right in Danish ("et princip",
# "en vision"); Django's one string ("Tilføj endnu en %(verbose_name)s") cannot know it.
ADD_ANOTHER: dict[str, Any] = {
    "agreements.vision": _("Add another vision"),
    "agreements.principle": _("Add another principle"),
    "agreements.focusarea": _("Add another focus area"),
    "agreements.goal": _("Add another goal"),
    "agreements.initiative": _("Add another initiative"),
    "agreements.followupsource": _("Add another follow-up source"),
    "agreements.agreementannex": _("Add another annex"),
    "agreements.versionevent": _("Add another event"),
    "geography.district": _("Add another district"),
    "geography.areamembership": _("Add another cluster membership"),
    "bodies.membership": _("Add another membership"),
}


def add_another_text(model: Any) -> str:
    label = model._meta.label_lower
    if label in ADD_ANOTHER:
        return str(ADD_ANOTHER[label])
    from django.utils.translation import gettext

    return gettext("Add another %(verbose_name)s") % {"verbose_name": model._meta.verbose_name}


class DanishInlinesMixin:
    """Inline formsets whose "add another" button names the noun with its right gender."""

    def get_inline_formsets(self, request: HttpRequest, formsets: Any, inline_instances: Any,
                            obj: Any = None) -> Any:
        result = super().get_inline_formsets(  # type: ignore[misc]
            request, formsets, inline_instances, obj)
        for inline_admin_formset in result:
            original = inline_admin_formset.inline_formset_data
            text = add_another_text(inline_admin_formset.opts.model)

            def data(original: Any = original, text: str = text) -> str:
                payload = json.loads(original())
                payload["options"]["addText"] = text
                return json.dumps(payload)

            inline_admin_formset.inline_formset_data = data
        return result


class ContentAdmin(DanishInlinesMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    """The admin of content with history: writes through services, with history pages that
    show whole values, and a "Vis på siden" link for models with a public page."""

    object_history_list_template = "admin/core/object_history_list.html"

    def get_historical_record_context_helper(self, request: HttpRequest,
                                             historical_record: Any) -> Any:
        return FullValueHistoryHelper(self.model, historical_record)


class ReadOnlyAdmin(admin.ModelAdmin):
    """A list and detail view only: rows of this model are written by services elsewhere
    (pages, commands), never through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ServiceModelAdmin(DanishInlinesMixin, ServiceAdminMixin, admin.ModelAdmin):
    """The admin of a model without history: writes through services."""


@admin.display(boolean=True, description=_("uncertain"))
def uncertain(obj: Any) -> bool:
    return obj.is_uncertain


# ------------------------------------------------------------------ the audit log, read-only
from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log, per object (filter by kind of object and search its id or name) and per
    user (filter by user). Nobody adds, changes or deletes entries."""

    list_display = ("at", "actor_label", "action", "content_type", "object_label", "note")
    list_filter = ("action", "content_type", "actor")
    search_fields = ("object_label", "object_id", "actor_label", "action", "note")
    date_hierarchy = "at"
    list_select_related = ("content_type", "actor")
    readonly_fields = ("at", "actor", "actor_label", "action", "content_type", "object_id",
                       "object_label", "changes", "note")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        from sundhedsaftale.access.rules import can

        return super().has_view_permission(request, obj) or can(
            request.user, "access.view_audit", obj)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)
