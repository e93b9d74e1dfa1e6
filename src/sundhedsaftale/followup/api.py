"""Read endpoints of the followup app in the platform API (/api/v1/)."""

from ninja import Router

router = Router(tags=["followup"])
