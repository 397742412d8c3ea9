"""siting: where to put the next tens or hundreds of MW of data-centre IT load in western China.

Public API (everything a planner's tool needs)::

    import siting
    cat = siting.load_catalog()                      # validated catalog with provenance
    siting.site_pue("zhongwei", "airside")           # PUE from climate normals
    siting.rtt_between("zhongwei", "shanghai")       # modelled RTT [ms]
    siting.site_cost("yaan", it_load_mw=20)          # annual cost breakdown [yuan/yr]
    siting.rank({"it_load_mw": 50})                  # score cards, ranked
    siting.optimize({"it_load_mw": 50}, explain=True)  # exact MILP with explanations
    siting.evaluate({"it_load_mw": 50}, None, {"yaan": 50})  # cost and broken rules of any plan

The names are imported on first use (PEP 562 ``__getattr__``), so that ``import siting`` -- and the
command line's start-up, ``siting --help`` -- does not pay for pandas, geopandas and the solver
until a command needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    "rank": "siting.analysis.scorecard",
    "rtt_between": "siting.analysis.site_facts", "site_cost": "siting.analysis.site_facts",
    "site_pue": "siting.analysis.site_facts",
    "Catalog": "siting.data.catalog", "Subsidy": "siting.data.catalog", "default_catalog": "siting.data.catalog",
    "load_catalog": "siting.data.catalog",
    "SiteRequest": "siting.data.request", "WorkloadClass": "siting.data.request",
    "load_request": "siting.data.request", "parse_request": "siting.data.request",
    "CatalogError": "siting.errors", "RequestError": "siting.errors", "SitingError": "siting.errors",
    "SolverError": "siting.errors", "UnknownIdError": "siting.errors",
    "Evaluation": "siting.optimization.evaluate", "evaluate": "siting.optimization.evaluate",
    "FacilityLocationProblem": "siting.optimization.facility_location",
    "solve_facility_location": "siting.optimization.facility_location",
    "optimize": "siting.optimization.optimize", "optimize_problem": "siting.optimization.optimize",
    "SiteProblem": "siting.optimization.problem", "build_site_problem": "siting.optimization.problem",
    "OptimizationResult": "siting.optimization.results",
}

__all__ = [
    "Catalog", "CatalogError", "Evaluation", "FacilityLocationProblem", "OptimizationResult", "RequestError",
    "SiteProblem",
    "SiteRequest", "SitingError", "SolverError", "Subsidy", "UnknownIdError", "WorkloadClass",
    "build_site_problem", "default_catalog", "evaluate", "load_catalog", "load_request", "optimize", "optimize_problem",
    "parse_request", "rank", "rtt_between", "site_cost", "site_pue", "solve_facility_location",
]
assert sorted(__all__) == sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'siting' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # the names as mypy and editors see them
    from siting.analysis.scorecard import rank
    from siting.analysis.site_facts import rtt_between, site_cost, site_pue
    from siting.data.catalog import Catalog, Subsidy, default_catalog, load_catalog
    from siting.data.request import SiteRequest, WorkloadClass, load_request, parse_request
    from siting.errors import CatalogError, RequestError, SitingError, SolverError, UnknownIdError
    from siting.optimization.evaluate import Evaluation, evaluate
    from siting.optimization.facility_location import FacilityLocationProblem, solve_facility_location
    from siting.optimization.optimize import optimize, optimize_problem
    from siting.optimization.problem import SiteProblem, build_site_problem
    from siting.optimization.results import OptimizationResult
