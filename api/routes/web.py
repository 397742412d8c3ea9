"""The planner's web page: one static HTML file (no external assets) over the /v1 API."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["web"])
_PAGE = resources.files("api").joinpath("static/index.html")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def index() -> HTMLResponse:
    """Rank and optimise from a browser: a form, the ranking and recommendation tables, the catalog."""
    return HTMLResponse(_PAGE.read_text(encoding="utf-8"))
