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
"""

from __future__ import annotations

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

__version__ = "0.1.0"

__all__ = [
    "Catalog", "CatalogError", "Evaluation", "FacilityLocationProblem", "OptimizationResult", "RequestError",
    "SiteProblem",
    "SiteRequest", "SitingError", "SolverError", "Subsidy", "UnknownIdError", "WorkloadClass",
    "build_site_problem", "default_catalog", "evaluate", "load_catalog", "load_request", "optimize", "optimize_problem",
    "parse_request", "rank", "rtt_between", "site_cost", "site_pue", "solve_facility_location",
]
