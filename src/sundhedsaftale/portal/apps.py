from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sundhedsaftale.portal"

    def ready(self) -> None:
        from . import cache

        # Any content change empties the page cache of this process.
        post_save.connect(cache.content_changed, dispatch_uid="portal-cache-save")
        post_delete.connect(cache.content_changed, dispatch_uid="portal-cache-delete")
        m2m_changed.connect(cache.content_changed, dispatch_uid="portal-cache-m2m")
