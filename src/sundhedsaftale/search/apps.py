from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sundhedsaftale.search"
    verbose_name = _("Søgning")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from .index import connect_signals

        # Each app contributes its documents in its own `search_documents.py` (see registry.py).
        autodiscover_modules("search_documents")
        connect_signals()
