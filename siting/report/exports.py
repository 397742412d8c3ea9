"""An optimisation result as files: CSV, XLSX, flat GeoJSON (and the HTML report, siting.report.html).

One table builder, :func:`result_tables`, feeds every format, so the CSV, each XLSX sheet and the
GeoJSON properties carry the same numbers.  Column names carry their units; GeoJSON properties are
flat scalars so that QGIS (or ``geopandas.read_file``) shows them as attribute columns.

``sites``        one row per candidate site: position, MW placed, capacity, PUE, all-in price,
                 cost by component [yuan/yr] and levelised cost [yuan/(kW*month)]
``allocation``   one row per (class, centre, site) with MW and RTT [ms]
``latency``      per class and centre: demand, mean/worst RTT, limit
``energy``       energy cost by site, season and time-of-use period
``explanation``  the story (siting.analysis.explain), one sentence per row
"""

from __future__ import annotations

import io
import json
from typing import Any, Literal

import pandas as pd

from siting.analysis.explain import Section
from siting.data.catalog import Catalog
from siting.optimization.results import OptimizationResult

ExportFormat = Literal["csv", "xlsx", "geojson"]
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "geojson": "application/geo+json", "html": "text/html; charset=utf-8"}
_COMPONENTS = ["energy", "capex", "land", "labour", "water", "bandwidth", "carbon", "green", "fixed", "subsidies",
               "total"]


def sites_table(result: OptimizationResult, catalog: Catalog) -> pd.DataFrame:
    """One row per candidate site of the result (chosen or not), with units in the column names."""
    s = result.sites.copy()
    out = pd.DataFrame(index=s.index)
    out.index.name = "site"
    cat = catalog.sites.loc[s.index]
    out["name_en"] = cat["name_en"]
    out["name_zh"] = cat["name_zh"]
    out["province"] = cat["province"]
    out["lat_deg"] = cat["lat_deg"].astype(float)
    out["lon_deg"] = cat["lon_deg"].astype(float)
    out["chosen"] = s["open"].astype(bool)
    out["it_mw"] = s["it_mw"].astype(float)
    out["capacity_mw"] = s["capacity_mw"].astype(float)
    out["pue"] = s["pue"].astype(float)
    out["price_yuan_per_kwh"] = s["price_yuan_per_kwh"].astype(float)
    cb = result.cost_breakdown
    for c in _COMPONENTS:
        out[f"{c}_yuan_per_year"] = (cb[c].reindex(out.index).fillna(0.0).astype(float) + 0.0
                                     if c in cb.columns else 0.0)  # + 0.0: no "-0" in files
    out["levelised_cost_yuan_per_kw_month"] = s["levelised_cost_yuan_per_kw_month"].astype(float)
    out["emissions_t_per_year"] = s["emissions_t_per_year"].astype(float)
    return out


def result_tables(result: OptimizationResult, catalog: Catalog,
                  story: list[Section] | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the result (see the module docstring), keyed by sheet name."""
    tables = {"sites": sites_table(result, catalog).reset_index(),
              "allocation": result.allocation.rename(columns={"mw": "it_mw"}).copy(),
              "latency": result.latency.copy(),
              "energy": result.energy_by_period.copy()}
    if story is not None:
        tables["explanation"] = pd.DataFrame(
            [{"section": x.title, "sentence": s} for x in story for s in x.sentences], columns=["section", "sentence"])
    return tables


def to_csv(result: OptimizationResult, catalog: Catalog) -> str:
    """The per-site table as CSV (UTF-8, one header row, units in column names)."""
    return sites_table(result, catalog).round(4).reset_index().to_csv(index=False)


def to_xlsx(result: OptimizationResult, catalog: Catalog, story: list[Section] | None = None) -> bytes:
    """A workbook with one sheet per table (openpyxl)."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in result_tables(result, catalog, story).items():
            df.to_excel(xw, sheet_name=name, index=False)
    return buf.getvalue()


def to_geojson(result: OptimizationResult, catalog: Catalog) -> dict[str, Any]:
    """Sites as points and the allocation as site->centre lines, all properties flat scalars (QGIS columns)."""
    features: list[dict[str, Any]] = []
    for row in sites_table(result, catalog).reset_index().to_dict("records"):
        props = {k: (round(v, 6) if isinstance(v, float) else v) for k, v in row.items()
                 if k not in ("lat_deg", "lon_deg")}
        props["kind"] = "site"
        features.append({"type": "Feature", "id": row["site"], "properties": props,
                         "geometry": {"type": "Point", "coordinates": [row["lon_deg"], row["lat_deg"]]}})
    centres = catalog.centres
    sites = catalog.sites
    for r in result.allocation.to_dict("records"):
        if r["centre"] not in centres.index:
            continue
        features.append({"type": "Feature", "properties": {
            "kind": "allocation", "class": r["class"], "site": r["site"], "centre": r["centre"],
            "it_mw": round(float(r["mw"]), 6), "rtt_ms": round(float(r["rtt_ms"]), 3)},
            "geometry": {"type": "LineString", "coordinates": [
                [float(sites.at[r["site"], "lon_deg"]), float(sites.at[r["site"], "lat_deg"])],
                [float(centres.at[r["centre"], "lon_deg"]), float(centres.at[r["centre"], "lat_deg"])]]}})
    return {"type": "FeatureCollection", "features": features}


def geojson_text(result: OptimizationResult, catalog: Catalog) -> str:
    return json.dumps(to_geojson(result, catalog), ensure_ascii=False)
