"""Helpers shared by the tests: data paths and small hand-made problems."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siting.optimization.problem import SiteProblem

DATA = Path(__file__).parent / "data"


def two_site_problem(fixed: float = 100.0, cost_ay: float = 2.0, capacity: float = 20.0) -> SiteProblem:
    """Sites a, b; centres x, y (10 MW each); a->x 1, a->y cost_ay, b->x 3, b->y 1 [yuan/(MW*yr)]."""
    unit = np.array([[[1.0, 3.0], [cost_ay, 1.0]]])
    return SiteProblem(
        sites=["a", "b"], centres=["x", "y"], classes=["all"],
        demand_mw=np.array([[10.0, 10.0]]), unit_cost=unit, allowed=np.ones((1, 2, 2), dtype=bool),
        fixed_cost=np.array([fixed, fixed]), capacity_mw=np.array([capacity, capacity]),
    )


#: The default request's classes with every eastern centre within 30 ms (service level 1, the default before
#: service levels): the request whose latency cliff many tests examine, kept explicit so that they test the rule
#: and not whatever the default is.
EVERY_CITY: dict[str, object] = {"classes": [
    {"name": "interactive", "share_fraction": 0.3, "max_rtt_ms": 30, "egress_gbps_per_mw": 1.0,
     "demand_regions": ["east"]},
    {"name": "batch", "share_fraction": 0.7, "egress_gbps_per_mw": 0.2, "demand_regions": ["east"]}]}
