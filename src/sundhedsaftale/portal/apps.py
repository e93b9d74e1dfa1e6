from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sundhedsaftale.portal"

    def ready(self) -> None:
        from .generation import connect_content_signals

        # A change to a content model bumps the cache generation once, after its commit.
        connect_content_signals()
