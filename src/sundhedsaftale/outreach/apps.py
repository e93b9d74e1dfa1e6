from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sundhedsaftale.outreach"
    verbose_name = _("Ways in for citizens")

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the app's permission rules)
