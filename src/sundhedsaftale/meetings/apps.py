from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sundhedsaftale.meetings"
    verbose_name = _("meetings and cases")

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the meetings.* permission rules)
