from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BodiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sundhedsaftale.bodies"
    verbose_name = _("Bodies")

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the app's permission rules)
