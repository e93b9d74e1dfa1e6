"""The portal's one table: the content generation that public page cache keys include."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContentGeneration(models.Model):
    """A single row whose `value` changes (after commit) whenever public content changes.

    Cached pages are stored under keys that include it, so after a change every worker asks
    for new keys and renders afresh; old entries are never served again and simply expire.
    Written only by `sundhedsaftale.portal.generation.cache_generation_bump`.
    """

    value = models.BigIntegerField(_("value"), default=0)

    class Meta:
        verbose_name = _("content generation")
        verbose_name_plural = _("content generations")

    def __str__(self) -> str:
        return str(self.value)
