"""Read endpoints of the regimes app in the platform API (/api/v1/)."""

from ninja import Router

router = Router(tags=["regimes"])
