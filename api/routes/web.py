"""The planner's web page: static HTML, JS and CSS shipped in the package (/static), over the /v1 API."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from .. import engine

router = APIRouter(tags=["web"])
_PAGE = resources.files("api").joinpath("static/index.html")
_DOCS = resources.files("api").joinpath("static/docs.html")
_REDOC = resources.files("api").joinpath("static/redoc.html")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index() -> HTMLResponse:
    """Rank and optimise from a browser: a form, the ranking and recommendation tables, the catalog."""
    return HTMLResponse(_PAGE.read_text(encoding="utf-8"))


@router.get("/basemap.geojson", include_in_schema=False)
def basemap() -> Response:
    """The map's backdrop, shipped with the package (no tile server): Natural Earth 1:50m countries."""
    return Response(engine.basemap_geojson(), media_type="application/geo+json",
                    headers={"Cache-Control": "public, max-age=86400"})


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def docs() -> HTMLResponse:
    """Swagger UI, served from the package (api/static/vendor/swagger-ui), over /openapi.json."""
    return HTMLResponse(_DOCS.read_text(encoding="utf-8"))


@router.get("/redoc", response_class=HTMLResponse, include_in_schema=False)
def redoc() -> HTMLResponse:
    """ReDoc, served from the package (api/static/vendor/redoc), over /openapi.json."""
    return HTMLResponse(_REDOC.read_text(encoding="utf-8"))
