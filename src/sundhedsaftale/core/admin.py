"""Admin base class: every content change goes through content_save with the request's user,
and every change form has a history page (django-simple-history)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .services import content_save

admin.site.site_header = _("Health agreement administration")
admin.site.site_title = _("Health agreement")
admin.site.index_title = _("Organisation and agreement content")

SOURCE_FIELDSET = (_("Source and certainty"), {"fields": ("source", "source_url", "certainty")})


class ContentAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin whose saves record the logged-in user through the service layer."""

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        content_save(instance=obj, by=request.user, validate=False)


@admin.display(boolean=True, description=_("uncertain"))
def uncertain(obj: Any) -> bool:
    return obj.is_uncertain
