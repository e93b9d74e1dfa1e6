"""Read endpoints of the hearings app in the platform API (/api/v1/)."""

from ninja import Router

router = Router(tags=["hearings"])
