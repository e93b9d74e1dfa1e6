"""The write guard: a model write outside a service is a bug, and it fails loudly.

`pre_save`, `pre_delete` and `m2m_changed` receivers check `in_service()`. Writes that are not
domain content are exempt: Django's own bookkeeping (auth, sessions, content types, admin log,
migrations), django-axes, simple-history's historical rows, and models of migration states.
Deletes are guarded per model (a receiver per sender) so models that are replaced in bulk by
one service (population counts) keep Django's fast delete.

The guard is on by default everywhere (`WRITE_GUARD=raise`): a bare `.save()` would skip the
audit log and anything attached to the service, so it is better refused than done. Set
`WRITE_GUARD=log` to log instead of raising, or `off`. Code that must write without a service
(a test that provokes a database constraint) says so with `writes_unguarded()`.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import Any

from django.apps import apps as global_apps
from django.conf import settings
from django.db import models
from django.db.models.signals import m2m_changed, pre_delete, pre_save

from .services import in_service

logger = logging.getLogger(__name__)

EXEMPT_APPS = frozenset({"auth", "sessions", "contenttypes", "admin", "axes", "migrations",
                         "simple_history", "sites"})
# Bookkeeping, not domain content: the page cache's content generation is bumped after commit
# (outside any service by design).
# The search index is derived data, rebuilt wholly from published content after commit
# (search/index.py says why it needs no service and no audit entry).
EXEMPT_MODELS = frozenset({"portal.contentgeneration", "search.searchdocument",
                           "search.searchindexstate"})
# Deleted only in bulk by their own service; a pre_delete receiver would disable fast delete.
FAST_DELETE_MODELS = frozenset({"geography.populationcount"})

_UNGUARDED: contextvars.ContextVar[bool] = contextvars.ContextVar("writes_unguarded",
                                                                   default=False)


class WriteOutsideServiceError(RuntimeError):
    """A model was written outside a function decorated with @service."""


@contextlib.contextmanager
def writes_unguarded() -> Iterator[None]:
    """Allow model writes outside a service in this block (tests of database constraints)."""
    token = _UNGUARDED.set(True)
    try:
        yield
    finally:
        _UNGUARDED.reset(token)


def _mode() -> str:
    return str(getattr(settings, "WRITE_GUARD", "raise")).lower()


def is_exempt(model: type[models.Model]) -> bool:
    meta = model._meta
    if meta.app_label in EXEMPT_APPS or meta.apps is not global_apps:
        return True
    if meta.label_lower in EXEMPT_MODELS:
        return True
    # simple-history's historical models (and their m2m history rows)
    return hasattr(model, "instance_type") or meta.model_name.startswith("historical")


def _check(model: type[models.Model], what: str) -> None:
    if in_service() or _UNGUARDED.get() or is_exempt(model):
        return
    mode = _mode()
    if mode == "off":
        return
    message = (f"{what} of {model._meta.label} outside a service: call a function decorated "
               f"with @service (sundhedsaftale.core.services) instead")
    if mode == "log":
        logger.warning(message, stack_info=True)
        return
    raise WriteOutsideServiceError(message)


def _on_save(sender: type[models.Model], raw: bool = False, **kwargs: Any) -> None:
    if not raw:  # loaddata fixtures are not domain writes
        _check(sender, "save")


def _on_delete(sender: type[models.Model], **kwargs: Any) -> None:
    _check(sender, "delete")


def _on_m2m(sender: type[models.Model], instance: models.Model, action: str,
            **kwargs: Any) -> None:
    if action.startswith("pre_"):
        _check(type(instance), f"many-to-many {action[4:]}")


def connect() -> None:
    """Connect the guard (called from CoreConfig.ready)."""
    pre_save.connect(_on_save, dispatch_uid="core-write-guard-save")
    m2m_changed.connect(_on_m2m, dispatch_uid="core-write-guard-m2m")
    for model in global_apps.get_models():
        if is_exempt(model) or model._meta.label_lower in FAST_DELETE_MODELS:
            continue
        pre_delete.connect(_on_delete, sender=model,
                           dispatch_uid=f"core-write-guard-delete-{model._meta.label_lower}")
