"""Public catalog data: the sites as GeoJSON with values, units and sources (no key needed)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from .. import engine
from ..schemas import OptionsPublic, SiteCollection, SiteFeature, error_responses

router = APIRouter(prefix="/v1/sites", tags=["sites"])
centres_router = APIRouter(prefix="/v1/centres", tags=["sites"])
options_router = APIRouter(prefix="/v1/options", tags=["sites"])


@options_router.get("", response_model=OptionsPublic,
                    summary="What a request may opt into: packages (deals, policy prices) and green options")
def list_options() -> dict[str, Any]:
    return engine.options()


@centres_router.get("", summary="Demand centres (GeoJSON FeatureCollection: name, province, region, population)")
def list_centres() -> dict[str, Any]:
    return engine.centres_geojson()


@router.get("", response_model=SiteCollection, summary="All sites (GeoJSON FeatureCollection)")
def list_sites() -> dict[str, Any]:
    return engine.sites_geojson()


@router.get("/{site_id}", response_model=SiteFeature, responses=error_responses(404, 422),
            summary="One site (GeoJSON Feature)")
def get_site(site_id: Annotated[str, Path(max_length=64)]) -> dict[str, Any]:
    return engine.site_feature(site_id)
