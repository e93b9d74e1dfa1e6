"""The platform's one JSON API, /api/v1/ (Django Ninja: typed schemas, OpenAPI generated).

Each app contributes a Router in its own `api.py`; this module mounts them. The schema is at
/api/v1/openapi.json. Django Ninja's own docs page loads Swagger UI from a CDN, which breaks
the no-network rule and a strict CSP, so it is switched off (docs_url=None) and /api/v1/docs
is a plain server-rendered HTML page listing every endpoint and parameter from the schema
(no JavaScript, no outside requests).
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from ninja import NinjaAPI

from sundhedsaftale.followup.api import router as followup_router
from sundhedsaftale.hearings.api import router as hearings_router
from sundhedsaftale.meetings.api import router as meetings_router
from sundhedsaftale.regimes.api import router as regimes_router

api = NinjaAPI(title="Sundhedsaftale API", version="1", urls_namespace="api", docs_url=None)
api.add_router("/opfoelgning/", followup_router)
api.add_router("/hoeringer/", hearings_router)
api.add_router("/moeder/", meetings_router)
api.add_router("/aftaler/", regimes_router)


def _endpoints(schema: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for route, methods in sorted(schema.get("paths", {}).items()):
        for method, op in methods.items():
            out.append({"method": method.upper(), "path": route,
                        "summary": op.get("summary", ""),
                        "description": op.get("description", ""),
                        "parameters": [{"name": p.get("name"), "in": p.get("in"),
                                        "required": p.get("required", False),
                                        "type": (p.get("schema") or {}).get("type", "")}
                                       for p in op.get("parameters", [])]})
    return out


def docs(request: HttpRequest) -> HttpResponse:
    schema = api.get_openapi_schema(path_prefix="/api/v1/")
    return render(request, "api/docs.html", {"endpoints": _endpoints(schema),
                                             "title": schema["info"]["title"]})


urlpatterns = [path("docs", docs, name="api_docs"), path("", api.urls)]
