from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sundhedsaftale.agreements"
    verbose_name = _("Agreements")

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the permission rules)
