"""Read endpoints of the meetings app in the platform API (/api/v1/)."""

from ninja import Router

router = Router(tags=["meetings"])
