"""Convenience functions of the public API: one number or one breakdown, by site id."""

from __future__ import annotations

from typing import Any

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
