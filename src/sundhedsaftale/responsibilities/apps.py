from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponsibilitiesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sundhedsaftale.responsibilities"
    verbose_name = _("Snitfladekatalog")

    def ready(self) -> None:
        from . import rules  # noqa: F401  (registers the responsibilities.* permission rules)
