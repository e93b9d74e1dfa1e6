from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sundhedsaftale.agreements"
    verbose_name = _("Agreements")

    def ready(self) -> None:
        from sundhedsaftale.core.services import DELETION_REFUSALS

        from . import rules  # noqa: F401  (registers the permission rules)
        from .deletion import deletion_refusal

        if deletion_refusal not in DELETION_REFUSALS:
            DELETION_REFUSALS.append(deletion_refusal)
