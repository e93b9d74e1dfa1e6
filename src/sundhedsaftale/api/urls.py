"""The platform's one JSON API, /api/v1/ (Django Ninja: typed schemas, OpenAPI generated).

Each app contributes a Router in its own `api.py`; this module mounts them. The schema is at
/api/v1/openapi.json and its documentation page at /api/v1/docs.
"""

from django.urls import path
from ninja import NinjaAPI

from sundhedsaftale.followup.api import router as followup_router
from sundhedsaftale.hearings.api import router as hearings_router
from sundhedsaftale.meetings.api import router as meetings_router
from sundhedsaftale.regimes.api import router as regimes_router

api = NinjaAPI(title="Sundhedsaftale API", version="1", urls_namespace="api")
api.add_router("/opfoelgning/", followup_router)
api.add_router("/hoeringer/", hearings_router)
api.add_router("/moeder/", meetings_router)
api.add_router("/aftaler/", regimes_router)

urlpatterns = [path("", api.urls)]
