"""Convenience functions of the public API: one number or one breakdown, by site id."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from siting.analysis.scorecard import score_problem
from siting.data.catalog import Catalog, default_catalog
from siting.data.request import parse_request
from siting.models.latency import rtt_matrix_ms
from siting.optimization.problem import build_site_problem, site_inputs


def site_pue(site: str, cooling: str = "airside", catalog: Catalog | None = None) -> float:
    """Annual PUE [1] of ``site`` with a cooling technology (airside, waterside, chiller, liquid)."""
    cat = catalog or default_catalog()
    cat.check_site(site)
    return site_inputs(cat, parse_request({"cooling": cooling, "candidates": [site]}), site).pue


def site_weather(cooling: str = "airside", catalog: Catalog | None = None) -> pd.DataFrame:
    """Per site: the weather station behind its hours (name, WMO number, distance [km], dry-bulb correction [K]),
    the annual PUE and the largest hourly PUE of the typical year for ``cooling`` [1] (dust days included, as
    the optimiser uses them), and the on-site PV yield [kWh/kWp/yr] of its irradiance."""
    cat = catalog or default_catalog()
    stations = cat.climate.set_index("site") if "station" in cat.climate.columns else pd.DataFrame()
    rows = []
    for site in cat.site_ids:
        dust = cat.site_value(site, "dust_days_per_year") if "dust_days_per_year" in cat.sites.columns else 0.0
        hours = cat.pue_hours_of(site, cooling, float(dust) if np.isfinite(dust) else 0.0)
        st = stations.loc[site] if site in stations.index else None
        rows.append({"site": site, "station": None if st is None else str(st["station"]),
                     "wmo": None if st is None else str(st["wmo"]),
                     "distance_km": None if st is None else float(st["distance_km"]),
                     "drybulb_correction_k": None if st is None else float(st["drybulb_correction_k"]),
                     f"pue_annual_{cooling}": hours.annual, f"pue_peak_{cooling}": float(hours.hourly.max()),
                     "pv_yield_kwh_per_kwp_year": cat.pv_yield_kwh_per_kwp(site) if cat.has_irradiance(site)
                     else None})
    return pd.DataFrame(rows).set_index("site")


def rtt_between(site: str, centre: str, catalog: Catalog | None = None) -> float:
    """Modelled round-trip time [ms] between a site and a demand centre (ids)."""
    cat = catalog or default_catalog()
    cat.check_site(site)
    cat.check_centre(centre)
    d = cat.defaults
    m = rtt_matrix_ms(cat.sites.loc[[site]], cat.centres.loc[[centre]], d["route_factor"], d["fibre_km_per_s"],
                      d["equipment_ms"])
    return float(m.iloc[0, 0])


def site_cost(site: str, it_load_mw: float = 20.0, catalog: Catalog | None = None, **request: Any) -> dict[str, float]:
    """Annual cost breakdown [yuan/yr] and levelised cost [yuan/(kW*month)] of ``site`` hosting a request alone.

    Extra keyword arguments are request fields (``utilisation_fraction``, ``cooling``, ``classes``, ...).
    """
    cat = catalog or default_catalog()
    cat.check_site(site)
    req = parse_request({**request, "it_load_mw": it_load_mw, "candidates": [site]})
    row = score_problem(build_site_problem(cat, req)).loc[site]
    return {str(k): float(v) for k, v in row.items() if isinstance(v, int | float) and not isinstance(v, bool)}
