from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HearingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sundhedsaftale.hearings"
    verbose_name = _("hearings")

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the hearings.* permission rules)
