from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sundhedsaftale.followup"
    verbose_name = _("follow-up")

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the app's permission rules)
