from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegimesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sundhedsaftale.regimes"
    verbose_name = _("legal regimes")

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the permission rules)
