"""Inputs stage: a site request and the catalog become one numeric :class:`SiteProblem`.

Every front end funnels into :class:`SiteProblem` (the site request through
:func:`build_site_problem`, a generic facility-location instance through
:func:`siting.optimization.facility_location.FacilityLocationProblem.to_site_problem`), so
geometry, climate and tariffs stay out of the optimisation model, which only
sees arrays indexed by site, centre and class ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from siting.data.catalog import PACKAGE_PRICE, Catalog, Package, Subsidy
from siting.data.request import SiteRequest
from siting.errors import CatalogError, RequestError, UnknownIdError
from siting.models.costs import (
    COST_COMPONENTS,
    WUE_L_PER_KWH,
    Assumptions,
    SiteInputs,
    demand_charge_yuan_per_kwh,
    emissions_t_per_mw_year,
    energy_mwh_per_mw_year,
    unit_costs_yuan_per_mw_year,
)
from siting.models.finance import capital_recovery_factor
from siting.models.green import PV_DEFAULTS, GreenOffer, onsite_pv_mwh_per_mw_year, pv_lcoe_yuan_per_mwh
from siting.models.latency import geodesic_km, rtt_matrix_ms
from siting.models.pue import annual_from_monthly
from siting.models.subsidies import SubsidyTerm, subsidy_term
from siting.models.tariffs import TouSchedule, flat_equivalent_price_yuan_per_kwh

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass
class SiteProblem:
    """A numeric site-selection / facility-location instance.

    Index sets: sites ``j`` (``sites``), demand centres ``i`` (``centres``),
    workload classes ``k`` (``classes``).  Arrays are positional in those lists.

    Attributes
    ----------
    demand_mw : (K, I)         demand of class k at centre i [MW]
    unit_cost : (K, I, J)      cost of serving 1 MW of (k, i) from j [yuan/(MW*yr)]
    allowed : (K, I, J)        whether (k, i) may be served from j (latency, residency)
    fixed_cost : (J,)          fixed annual cost of opening j [yuan/yr]
    capacity_mw : (J,)         IT capacity available at j [MW]
    components : name -> (K, J) per-MW cost components (reporting and subsidy bases)
    subsidies : linear subsidy terms (see :mod:`siting.models.subsidies`)
    energy_mwh_per_mw, renewable_share, emissions_t_per_mw, pue : (J,)
    rtt_ms : (I, J) or None
    """

    sites: list[str]
    centres: list[str]
    classes: list[str]
    demand_mw: FloatArray
    unit_cost: FloatArray
    allowed: BoolArray
    fixed_cost: FloatArray
    capacity_mw: FloatArray
    components: dict[str, FloatArray] = field(default_factory=dict)
    subsidies: list[SubsidyTerm] = field(default_factory=list)
    energy_mwh_per_mw: FloatArray | None = None
    renewable_share: FloatArray | None = None
    emissions_t_per_mw: FloatArray | None = None
    pue: FloatArray | None = None
    rtt_ms: FloatArray | None = None
    max_rtt_ms: list[float | None] = field(default_factory=list)
    # service levels: per class, the share of its demand that must be within its RTT limit (1: every centre,
    # enforced through ``allowed``; below 1, ``allowed`` keeps the far pairs and the service-level row counts
    # the load on the pairs in ``within_rtt`` (K, I, J), True where the RTT is within the class's limit)
    service_level: list[float] = field(default_factory=list)
    within_rtt: BoolArray | None = None
    min_site_mw: float = 0.0  # minimum IT load of a used site (campus size) [MW]; 0: none
    site_ok: BoolArray | None = None  # (K, J) class k may use site j at all (residency, hazard limits)
    distance_km: FloatArray | None = None  # (I, J) geodesic distance behind a modelled RTT
    rtt_measured: BoolArray | None = None  # (I, J) the RTT is a measurement, not the model
    route_factor: float = 1.5  # of the modelled RTTs [1]
    equipment_ms: float = 1.0  # fixed delay in every modelled RTT [ms]
    # site sets a plan may not use exactly (the next-best plans: siting.optimization.alternatives)
    excluded_plans: list[tuple[int, ...]] = field(default_factory=list)
    flexible_share: list[float] = field(default_factory=list)  # per class: share of daily energy it may shift
    # capacity by year: phase p is in service in phase_years[p] with load share phase_share[p] of the peak;
    # grid_capacity_mw[p, j] is the site's grid capacity that year (NaN: its available_capacity_mw)
    phase_years: list[int] = field(default_factory=list)
    phase_share: list[float] = field(default_factory=list)
    grid_capacity_mw: FloatArray | None = None
    capacity_reason: dict[str, str] = field(default_factory=dict)  # the binding year and source, per site
    # green offers (siting.models.green): one per (site, option) the request allows, in site order; the
    # arrays are (G,) and filled by apply_site_inputs from the offers and the site inputs
    green_offers: list[GreenOffer] = field(default_factory=list)
    green_site: IntArray | None = None  # site index of each offer
    green_price_yuan_per_mwh: FloatArray | None = None  # paid per MWh (premium, delivered price or LCOE)
    green_avoided_yuan_per_mwh: FloatArray | None = None  # grid energy a MWh replaces (0 for a premium)
    green_cap_mwh_per_mw: FloatArray | None = None  # per MW of IT at the offer's site [MWh/(MW*yr)]
    green_credit_t_per_mwh: FloatArray | None = None  # tCO2 a MWh takes off the site's account (0: none)
    carbon_price_yuan_per_t: float = 0.0

    @property
    def n_green(self) -> int:
        return len(self.green_offers)

    def green_net_cost_yuan_per_mwh(self) -> FloatArray:
        """(G,) what a MWh of each offer costs net [yuan/MWh]: the price paid, less the grid energy it replaces,
        less the carbon price on the emissions it takes off."""
        if not self.green_offers:
            return np.zeros(0)
        assert self.green_price_yuan_per_mwh is not None and self.green_avoided_yuan_per_mwh is not None
        assert self.green_credit_t_per_mwh is not None
        return np.asarray(self.green_price_yuan_per_mwh - self.green_avoided_yuan_per_mwh
                          - self.carbon_price_yuan_per_t * self.green_credit_t_per_mwh, dtype=float)

    def green_credits_emissions(self) -> bool:
        """True when some offer takes emissions off the account (market-based accounting, or on-site solar)."""
        return self.green_credit_t_per_mwh is not None and bool((self.green_credit_t_per_mwh > 0).any())

    # epsilon bounds of a second criterion (trade-off frontiers, siting.analysis.pareto)
    max_emissions_t_per_year: float | None = None
    max_mean_rtt_ms: float | None = None
    min_sites: int = 0
    max_sites: int | None = None
    max_share_per_site: float = 1.0
    locked: BoolArray | None = None
    excluded: BoolArray | None = None
    excluded_reason: dict[str, str] = field(default_factory=dict)
    # (class index, site) -> why the class may not use the site at all (residency, seismic limit)
    class_site_reason: dict[tuple[int, str], str] = field(default_factory=dict)
    kept_reason: dict[str, str] = field(default_factory=dict)  # rules a locked site breaks but is kept despite
    min_green_share: float = 0.0
    budget_yuan_per_year: float | None = None
    strong_linking: bool = True
    price_yuan_per_kwh: FloatArray | None = None
    it_load_mw: float = 0.0
    assumptions: Assumptions | None = None  # request-level assumptions the costs were built with
    inputs: list[SiteInputs] = field(default_factory=list)  # per-site inputs, in ``sites`` order
    packages: list[Package] = field(default_factory=list)  # opted-in deals and policies, conditions checked

    @property
    def shape(self) -> tuple[int, int, int]:
        return len(self.classes), len(self.centres), len(self.sites)

    def site_index(self, site: str) -> int:
        return self.sites.index(site)

    def is_locked(self) -> BoolArray:
        return self.locked if self.locked is not None else np.zeros(len(self.sites), dtype=bool)

    def is_excluded(self) -> BoolArray:
        return self.excluded if self.excluded is not None else np.zeros(len(self.sites), dtype=bool)

    def with_energy_price(self, site: str, price_yuan_per_kwh: float) -> SiteProblem:
        """A copy with one site's electricity price changed (energy component rescaled).

        Subsidy terms that depend on the price (price reductions) keep their
        factor: the reduction is re-expressed only when the problem is rebuilt.
        """
        if self.price_yuan_per_kwh is None or "energy" not in self.components:
            raise ValueError("this problem has no electricity price to change")
        j = self.site_index(site)
        old = float(self.price_yuan_per_kwh[j])
        scale = price_yuan_per_kwh / old if old > 0 else 0.0
        components = {k: v.copy() for k, v in self.components.items()}
        delta = components["energy"][:, j] * (scale - 1.0)
        components["energy"][:, j] *= scale
        unit_cost = self.unit_cost.copy()
        unit_cost[:, :, j] += delta[:, None]
        price = self.price_yuan_per_kwh.copy()
        price[j] = price_yuan_per_kwh
        return replace(self, components=components, unit_cost=unit_cost, price_yuan_per_kwh=price)

    def with_rtt_limit(self, k: int, limit_ms: float, service_level: float) -> SiteProblem:
        """A copy in which class k has RTT limit ``limit_ms`` [ms] and service level ``service_level`` [1]."""
        if self.rtt_ms is None or self.site_ok is None or self.within_rtt is None:
            raise ValueError("this problem has no RTT matrix to limit")
        within = self.within_rtt.copy()
        within[k] = self.rtt_ms <= limit_ms
        allowed = self.allowed.copy()
        allowed[k] = self.site_ok[k][None, :] & (within[k] if service_level >= 1.0 else True)
        limits = list(self.max_rtt_ms)
        limits[k] = limit_ms
        levels = list(self.service_level)
        levels[k] = service_level
        return replace(self, within_rtt=within, allowed=allowed, max_rtt_ms=limits, service_level=levels)

    def with_route_factor(self, route_factor: float) -> SiteProblem:
        """A copy whose modelled RTTs use ``route_factor`` [1] (measured pairs keep their value); the pairs within
        each class's limit, and for classes at service level 1 the allowed pairs, follow."""
        if self.rtt_ms is None or self.site_ok is None or self.within_rtt is None:
            raise ValueError("this problem has no RTT matrix")
        measured = self.rtt_measured if self.rtt_measured is not None else np.zeros(self.rtt_ms.shape, dtype=bool)
        scaled = self.equipment_ms + (self.rtt_ms - self.equipment_ms) * (route_factor / self.route_factor)
        out = replace(self, rtt_ms=np.where(measured, self.rtt_ms, scaled), route_factor=float(route_factor))
        for k, limit in enumerate(self.max_rtt_ms):
            if limit is not None:
                out = out.with_rtt_limit(k, limit, self.service_level[k] if self.service_level else 1.0)
        return out

    def with_cost_scaled(self, site: str, factor: float) -> SiteProblem:
        """A copy in which every cost of ``site`` (per-MW and fixed) is multiplied by ``factor``."""
        j = self.site_index(site)
        components = {k: v.copy() for k, v in self.components.items()}
        for v in components.values():
            v[:, j] *= factor
        unit_cost = self.unit_cost.copy()
        unit_cost[:, :, j] *= factor
        fixed = self.fixed_cost.copy()
        fixed[j] *= factor
        return replace(self, components=components, unit_cost=unit_cost, fixed_cost=fixed)


def usage_factors(request: SiteRequest, discount_rate: float, horizon_years: float) -> tuple[float, float]:
    """Mean load over the horizon as a share of the peak [fraction]: (present-value weighted, plain).

    Costs use the present-value weighting (a MW-year in year 10 costs less today than one in
    year 1); physical quantities reported per year (energy, emissions) use the plain mean.
    """
    if not request.phases:
        return 1.0, 1.0
    n = int(round(horizon_years))
    for idx, p in enumerate(request.phases):
        if p.year_offset >= n:
            raise RequestError(
                f"phases[{idx}].year_offset = {p.year_offset} is out of range: must be < the horizon of {n} years",
                field=f"phases[{idx}].year_offset",
            )
    years = np.arange(1, n + 1)
    disc = (1.0 + discount_rate) ** -years.astype(float)
    load = np.zeros_like(disc)
    for p in request.phases:
        load[years > p.year_offset] = p.it_load_mw
    share = load / request.it_load_mw
    return float((share * disc).sum() / disc.sum()), float(share.mean())


def demand_weights(catalog: Catalog, request: SiteRequest, class_index: int) -> pd.Series:
    """Normalised demand weights over the catalog's centres for one class."""
    cls = request.classes[class_index]
    centres = catalog.centres
    if cls.demand_weights is not None:
        for c in cls.demand_weights:
            catalog.check_centre(c, field_name=f"classes[{class_index}].demand_weights.{c}")
        w = pd.Series(0.0, index=centres.index)
        for c, v in cls.demand_weights.items():
            w[c] = v
    elif cls.demand_regions is not None:
        mask = centres["region"].isin(cls.demand_regions)
        if not mask.any():
            raise RequestError(
                f"classes[{class_index}].demand_regions = {cls.demand_regions}: no demand centre in these regions",
                field=f"classes[{class_index}].demand_regions",
            )
        w = centres["population_million"].where(mask, 0.0).astype(float)
    else:
        w = centres["population_million"].astype(float)
    return w / w.sum()


def effective_price_parameter(row: Mapping[str, Any], request: SiteRequest) -> str:
    """Which price a request pays at a site: an opted-in package's price where one applies, else the tariff.

    The catalog row carries a package price only after :meth:`Catalog.with_packages` (done by
    :func:`build_site_problem` for the request's ``packages``); by default every site pays its
    published tariff.
    """
    package = row.get(PACKAGE_PRICE)
    if request.packages and package is not None and np.isfinite(package):
        return PACKAGE_PRICE
    return "electricity_price_list_yuan_per_kwh"


def applied_packages(catalog: Catalog, request: SiteRequest) -> list[Package]:
    """The request's packages, checked: known ids, and the eligibility each requires."""
    out = []
    for n, pid in enumerate(request.packages):
        pkg = catalog.check_package(pid, field_name=f"packages[{n}]")
        if pkg.requires and not set(pkg.requires) & set(request.eligibility):
            need = " or ".join(pkg.requires)
            raise RequestError(f"packages[{n}] = {pid!r} applies only to projects with eligibility {need} "
                               f"({pkg.conditions}); add one to eligibility if the project qualifies, or drop "
                               "the package", field=f"packages[{n}]")
        out.append(pkg)
    return out


def price_parts(row: Mapping[str, Any], request: SiteRequest, load_factor: float) -> tuple[str, float, float]:
    """(price parameter, its price [yuan/kWh], demand-charge adder [yuan/kWh]) a request pays at a site.

    For the published tariff, the basic (demand) charge D [yuan/(kW*month)] is converted at the
    load factor L (mean / peak demand; the request's utilisation): D * 12 / (8760 h * L).  A
    package price is taken as all-in (adder 0).  (Peak and mean PUE are taken as equal here.)
    """
    param = effective_price_parameter(row, request)
    adder = 0.0
    if param != PACKAGE_PRICE:
        demand = row.get("demand_charge_yuan_per_kw_month")
        if demand is not None and np.isfinite(demand):
            adder = demand_charge_yuan_per_kwh(float(demand), load_factor)
    return param, float(row[param]), adder


def site_inputs(
    catalog: Catalog,
    request: SiteRequest,
    site: str,
    row: Mapping[str, Any] | None = None,
    known_pue: float | None = None,
    known_pue_monthly: tuple[float, ...] | None = None,
) -> SiteInputs:
    """The inputs of one site for a request (price over the year, PUE for the cooling technology).

    PUE comes hour by hour from the site's weather (``catalog.pue_hours_of``, cached per site, cooling
    and dust days); ``known_pue`` / ``known_pue_monthly`` are accepted for callers that know it is
    unchanged and then only skip the summary.  The price is the package price (all in, flat) or the
    published tariff: its flat-period price times the province's time-of-use multipliers hour by hour
    (a flat schedule where the province has none), plus the demand charge billed on each month's
    peak PUE (:mod:`siting.models.tariffs`).
    """
    if row is None:
        row = catalog.sites.loc[site].to_dict()
    load_factor = request.utilisation_fraction or catalog.defaults["utilisation_fraction"]
    dust = row.get("dust_days_per_year")
    dust_days = float(dust) if dust is not None and np.isfinite(dust) else 0.0
    hours = catalog.pue_hours_of(site, request.cooling, dust_days)
    if known_pue is None or known_pue_monthly is None:
        known_pue = hours.annual
        known_pue_monthly = tuple(float(x) for x in hours.monthly)
    peak = tuple(float(x) for x in hours.monthly_peak)
    param, base, _ = price_parts(row, request, load_factor)
    demand = row.get("demand_charge_yuan_per_kw_month")
    demand_d = float(demand) if param != PACKAGE_PRICE and demand is not None and np.isfinite(demand) else 0.0
    schedule = (catalog.tou.get(str(row.get("province", ""))) or TouSchedule.flat()) if param != PACKAGE_PRICE \
        else None
    monthly = None
    if schedule is None:  # a package price: one all-in price all year
        price, flat, adder = base, None, 0.0
    else:
        flat, adder = base, 0.0
        # where the province publishes monthly tables (sites/monthly_prices.csv), the price moves month by month
        # with them around the site's row, which is their hour-weighted annual mean (a catalog test keeps it so);
        # so an override of the row (a scenario, a break-even) moves the whole year
        months = catalog.monthly_base_price_yuan_per_kwh(site)
        if months is not None:
            profile = months / annual_from_monthly(months)
            monthly = tuple(float(x) for x in base * profile)
        price = flat_equivalent_price_yuan_per_kwh(monthly if monthly is not None else flat, adder, schedule,
                                                   np.asarray(known_pue_monthly), load_factor,
                                                   hours.hourly, demand_d, np.asarray(peak))
    return SiteInputs(
        site=site,
        price_yuan_per_kwh=price,
        pue=known_pue,
        capex_yuan_per_mw=float(row["capex_yuan_per_mw"]),
        land_price_yuan_per_m2=float(row["land_price_yuan_per_m2"]),
        wage_yuan_per_year=float(row["wage_yuan_per_year"]),
        water_price_yuan_per_m3=float(row["water_price_yuan_per_m3"]),
        bandwidth_price_yuan_per_gbps_month=float(row["bandwidth_price_yuan_per_gbps_month"]),
        grid_emission_factor_t_per_mwh=float(row["grid_emission_factor_t_per_mwh"]),
        renewable_share_fraction=float(row["renewable_share_fraction"]),
        available_capacity_mw=float(row["available_capacity_mw"]),
        price_flat_yuan_per_kwh=flat, price_adder_yuan_per_kwh=adder, tou=schedule,
        price_flat_monthly_yuan_per_kwh=monthly,
        pue_monthly=known_pue_monthly, pue_hourly=hours.hourly, pue_monthly_peak=peak,
        demand_charge_yuan_per_kw_month=demand_d,
    )


def request_assumptions(catalog: Catalog, request: SiteRequest) -> Assumptions:
    d = catalog.defaults
    r = request.discount_rate_fraction if request.discount_rate_fraction is not None else d["discount_rate_fraction"]
    n = request.horizon_years if request.horizon_years is not None else d["horizon_years"]
    u = request.utilisation_fraction if request.utilisation_fraction is not None else d["utilisation_fraction"]
    pv_usage, mean_usage = usage_factors(request, r, n)
    return Assumptions(
        utilisation_fraction=u,
        usage_factor=pv_usage,
        mean_usage_factor=mean_usage,
        crf_per_year=capital_recovery_factor(r, n),
        discount_rate_fraction=r,
        horizon_years=n,
        land_m2_per_mw=d["land_m2_per_mw"],
        staff_per_mw=d["staff_per_mw"],
        fixed_site_cost_yuan_per_year=d["fixed_site_cost_yuan_per_year"],
        carbon_price_yuan_per_t=request.carbon_price_yuan_per_t,
        wue_l_per_kwh=WUE_L_PER_KWH[request.cooling],
    )


def candidate_sites(catalog: Catalog, request: SiteRequest) -> list[str]:
    """Candidate ids of a request, validated (default: the catalog's default candidates)."""
    if request.candidates is None:
        cands = catalog.default_candidates
    else:
        cands = []
        for n, s in enumerate(request.candidates):
            catalog.check_site(s, field_name=f"candidates[{n}]")
            if s not in cands:
                cands.append(s)
    for name in ("locked_sites", "excluded_sites"):
        for n, s in enumerate(getattr(request, name)):
            catalog.check_site(s, field_name=f"{name}[{n}]")
    for s in request.locked_sites:
        if s not in cands:
            cands.append(s)
    for k, cls in enumerate(request.classes):
        for name in ("allowed_sites", "forbidden_sites"):
            for n, s in enumerate(getattr(cls, name) or []):
                catalog.check_site(s, field_name=f"classes[{k}].{name}[{n}]")
    if not cands:
        raise RequestError("candidates: the candidate list is empty", field="candidates")
    return cands


def apply_site_inputs(
    skeleton: SiteProblem,
    request: SiteRequest,
    a: Assumptions,
    inputs: list[SiteInputs],
    subsidies: Iterable[Subsidy],
) -> SiteProblem:
    """The cost half of :func:`build_site_problem`: every array that depends on site inputs and assumptions.

    ``skeleton`` carries the geometry (sites, centres, classes, demand, RTT, allowed pairs);
    scenario sweeps call this directly with changed inputs instead of rebuilding everything.
    """
    K, I, J = skeleton.shape
    sites = skeleton.sites
    components = {c: np.zeros((K, J)) for c in COST_COMPONENTS}
    for k, cls in enumerate(request.classes):
        for j, si in enumerate(inputs):
            for c, v in unit_costs_yuan_per_mw_year(si, a, cls.egress_gbps_per_mw,
                                                    cls.flexible_share_fraction).items():
                components[c][k, j] = v
    per_mw = sum(components.values())
    assert isinstance(per_mw, np.ndarray)
    unit_cost = np.broadcast_to(per_mw[:, None, :], (K, I, J)).copy()

    pue_arr = np.array([si.pue for si in inputs])
    excluded = np.array([s in request.excluded_sites for s in sites])
    reasons = {s: "excluded by the request" for s in sites if s in request.excluded_sites}
    kept: dict[str, str] = {}
    if request.max_pue is not None:
        for j, s in enumerate(sites):
            if pue_arr[j] > request.max_pue:
                why = f"PUE {pue_arr[j]:.3f} with {request.cooling} cooling exceeds max_pue {request.max_pue:g}"
                if s in request.locked_sites:
                    kept[s] = why + ", but the site is locked in"
                else:
                    excluded[j] = True
                    reasons[s] = why

    terms: list[SubsidyTerm] = []
    if request.apply_subsidies:
        by_site: dict[str, list[Subsidy]] = {}
        for sub in subsidies:
            by_site.setdefault(sub.site, []).append(sub)
        for j, s in enumerate(sites):
            for sub in by_site.get(s, []):
                if sub.requires and sub.requires not in request.eligibility:
                    continue
                if sub.package and sub.package not in request.packages:
                    continue  # a package's subsidy applies only when the request opts into the package
                terms.append(subsidy_term(sub, a.discount_rate_fraction, a.horizon_years, inputs[j].price_yuan_per_kwh))

    capacity, cap_reason = _capacity_by_year(skeleton, inputs)
    energy = np.array([a.mean_usage_factor * energy_mwh_per_mw_year(si.pue, a.utilisation_fraction) for si in inputs])
    return replace(
        skeleton, unit_cost=unit_cost, components=components, subsidies=terms,
        fixed_cost=np.full(J, a.fixed_site_cost_yuan_per_year),
        capacity_mw=capacity,
        capacity_reason={s: why + (f" ({skeleton.capacity_reason[s]})" if s in skeleton.capacity_reason else "")
                         for s, why in cap_reason.items()},
        energy_mwh_per_mw=energy, **_green_arrays(skeleton, request, inputs, energy, a.mean_usage_factor),
        renewable_share=np.array([si.renewable_share_fraction for si in inputs]),
        emissions_t_per_mw=np.array([
            a.mean_usage_factor * emissions_t_per_mw_year(si.pue, a.utilisation_fraction,
                                                          si.grid_emission_factor_t_per_mwh)
            for si in inputs
        ]),
        pue=pue_arr, excluded=excluded, excluded_reason=reasons, kept_reason=kept,
        price_yuan_per_kwh=np.array([si.price_yuan_per_kwh for si in inputs]),
        assumptions=a, inputs=list(inputs),
    )


def measured_rtt_frame(catalog: Catalog, request: SiteRequest, sites: list[str]) -> pd.DataFrame | None:
    """The request's measured RTTs as rows (site, centre, rtt_ms), ids checked; None when there are none.

    Pairs for sites that are not candidates are ignored (they cannot be chosen).
    """
    if not request.measured_rtt_ms:
        return None
    rows = []
    for site, by_centre in request.measured_rtt_ms.items():
        catalog.check_site(site, field_name=f"measured_rtt_ms.{site}")
        for centre, ms in by_centre.items():
            catalog.check_centre(centre, field_name=f"measured_rtt_ms.{site}.{centre}")
            if site in sites:
                rows.append({"site": site, "centre": centre, "rtt_ms": float(ms)})
    return pd.DataFrame(rows, columns=["site", "centre", "rtt_ms"])


def _capacity_by_year(p: SiteProblem, inputs: list[SiteInputs]) -> tuple[FloatArray, dict[str, str]]:
    """Capacity for the peak allocation [MW]: min over phases of (capacity that year) / (phase load / peak).

    The model places the peak load and each phase uses the same split, so phase p fits at site j when
    alloc_j x share_p <= cap_j(year_p).  Also returns, per site, the binding year and its source.
    """
    base = np.array([si.available_capacity_mw for si in inputs], dtype=float)
    if p.grid_capacity_mw is None or not p.phase_years:
        return base, {}
    caps = np.where(np.isnan(p.grid_capacity_mw), base[None, :], p.grid_capacity_mw)
    share = np.asarray(p.phase_share, dtype=float)[:, None]
    scaled = caps / share
    worst = np.argmin(scaled, axis=0)
    out = scaled[worst, np.arange(len(base))]
    reasons = {}
    for j, s in enumerate(p.sites):
        k = int(worst[j])
        if np.isfinite(p.grid_capacity_mw[k, j]) or len(p.phase_years) > 1:
            reasons[s] = (f"{caps[k, j]:,.0f} MW available in {p.phase_years[k]} for a phase at "
                          f"{100 * share[k, 0]:.0f} % of the peak")
    return out, reasons


def _green_offers(catalog: Catalog, request: SiteRequest, sites: list[str], a: Assumptions) -> list[GreenOffer]:
    """The request's green options as offers, one per site where each applies (``scope``), in site order.

    An on-site solar option (``price_basis: lcoe``) is offered where the site's weather has irradiance; its
    yield comes from those hours, its price is the LCOE there and its limit the output of the campus's own
    land (:mod:`siting.models.green`).
    """
    if not request.green_options:
        return []
    opts = []
    for n, oid in enumerate(request.green_options):
        if oid not in catalog.green_options:
            raise UnknownIdError("green option", oid, sorted(catalog.green_options), field=f"green_options[{n}]")
        if catalog.green_options[oid] not in opts:
            opts.append(catalog.green_options[oid])
    d = catalog.defaults
    offers: list[GreenOffer] = []
    for s in sites:
        for o in opts:
            if not catalog.green_offered_at(o.option_id, s):
                continue
            if o.price_basis != "lcoe":
                assert o.price_yuan_per_mwh is not None
                offers.append(GreenOffer(s, o.option_id, o.kind, o.price_basis, o.price_yuan_per_mwh,
                                         o.max_share_of_grid_energy))
                continue
            missing = [k for k in PV_DEFAULTS if k not in d]
            if missing:
                raise CatalogError(f"green option {o.option_id!r} (on-site solar) needs defaults.csv rows "
                                   f"{', '.join(missing)}")
            hours = catalog.pv_yield_kwh_per_kwp(s)
            lcoe = pv_lcoe_yuan_per_mwh(d["pv_capex_yuan_per_w"], d["pv_om_yuan_per_w_year"], d["pv_life_years"],
                                        a.discount_rate_fraction, hours)
            output = onsite_pv_mwh_per_mw_year(a.land_m2_per_mw, d["pv_share_of_campus_land_fraction"],
                                               d["pv_land_m2_per_mwp"], hours)
            offers.append(GreenOffer(s, o.option_id, o.kind, o.price_basis, lcoe, o.max_share_of_grid_energy,
                                     output_mwh_per_mw_year=output, onsite=True))
    if not offers:
        names = ", ".join(o.option_id for o in opts)
        raise RequestError(f"green_options [{names}]: none applies to any candidate site ({', '.join(sites)}): "
                           "check each option's scope in sites/green_options.csv", field="green_options")
    return offers


def _green_arrays(p: SiteProblem, request: SiteRequest, inputs: list[SiteInputs],
                  energy_mwh_per_mw: FloatArray, mean_usage_factor: float) -> dict[str, Any]:
    """(G,) arrays of the offers at these site inputs: price, grid energy avoided, cap per MW, emission credit."""
    offers = p.green_offers
    if not offers:
        return {}
    idx = np.array([p.site_index(o.site) for o in offers], dtype=np.int64)
    market = request.emissions_accounting == "market"
    avoided, cap, credit = np.zeros(len(offers)), np.zeros(len(offers)), np.zeros(len(offers))
    for n, (o, j) in enumerate(zip(offers, idx, strict=True)):
        si = inputs[j]
        if o.replaces_grid_energy:  # the flat-period energy price (the all-in price where there is no schedule)
            flat = si.price_flat_yuan_per_kwh
            avoided[n] = 1000.0 * (flat if flat is not None else si.price_yuan_per_kwh)
        cap[n] = o.cap_share * (1.0 - si.renewable_share_fraction) * energy_mwh_per_mw[j]
        if o.output_mwh_per_mw_year is not None:
            cap[n] = min(cap[n], mean_usage_factor * o.output_mwh_per_mw_year)
        if market or o.onsite:
            credit[n] = si.grid_emission_factor_t_per_mwh
    return {"green_site": idx, "green_price_yuan_per_mwh": np.array([o.price_yuan_per_mwh for o in offers]),
            "green_avoided_yuan_per_mwh": avoided, "green_cap_mwh_per_mw": cap, "green_credit_t_per_mwh": credit,
            "carbon_price_yuan_per_t": float(request.carbon_price_yuan_per_t)}


def _cite(row: Mapping[str, Any]) -> str:
    """``source, status`` of a catalog row; an assumption (whose source is the word itself) once."""
    return "assumption" if row["source"] == "assumption" else f"{row['source']}, {row['status']}"


#: The least IT load of a site that counts as used, even with min_site_it_load_mw 0 [MW]: 1 kW.
MIN_USED_SITE_MW = 1e-3


def min_site_load_mw(catalog: Catalog, request: SiteRequest) -> float:
    """Minimum IT load of a used site [MW]: the request's ``min_site_it_load_mw``, or the catalog default
    ``min_campus_it_load_mw`` lowered to what the request can give each of the sites it must use (its load over
    max(min_sites, locked sites), and at most its max_share_per_site), so that a default never makes a small
    request infeasible; at least ``MIN_USED_SITE_MW``, so that a site counted as used by min_sites or a lock
    carries load (the evaluator counts the sites with load)."""
    must_use = max(1, request.min_sites, len(set(request.locked_sites)))
    if request.min_site_it_load_mw is not None:
        wanted = float(request.min_site_it_load_mw)
    else:
        default = float(catalog.defaults.get("min_campus_it_load_mw", 0.0))
        wanted = min(default, request.it_load_mw / must_use, request.max_share_per_site * request.it_load_mw)
    # a site that counts as used (min_sites, locked_sites) carries load: never an open site with none
    return max(wanted, min(MIN_USED_SITE_MW, request.it_load_mw / must_use))


def build_site_problem(catalog: Catalog, request: SiteRequest) -> SiteProblem:
    """Turn a request into a :class:`SiteProblem` (costs, PUE, RTT, demand, rules)."""
    packages = applied_packages(catalog, request)
    catalog = catalog.with_packages(p.package_id for p in packages)
    sites = candidate_sites(catalog, request)
    a = request_assumptions(catalog, request)
    rows = catalog.sites.loc[sites].drop(columns="geometry").to_dict("index")
    inputs = [site_inputs(catalog, request, s, rows[s]) for s in sites]
    d = catalog.defaults
    measured = measured_rtt_frame(catalog, request, sites)
    rtt = rtt_matrix_ms(
        catalog.sites.loc[sites], catalog.centres,
        route_factor=d["route_factor"], fibre_km_per_s=d["fibre_km_per_s"], equipment_ms=d["equipment_ms"],
        measured=measured,
    )
    weights = [demand_weights(catalog, request, k) for k in range(len(request.classes))]
    used = np.zeros(len(catalog.centres), dtype=bool)
    for w in weights:
        used |= w.to_numpy() > 0
    centres = [c for c, u in zip(catalog.centre_ids, used, strict=True) if u]
    rtt = rtt.loc[centres]
    K, I, J = len(request.classes), len(centres), len(sites)
    c_ll, s_ll = catalog.centres.loc[centres], catalog.sites.loc[sites]
    distance = geodesic_km(c_ll["lat_deg"].to_numpy()[:, None], c_ll["lon_deg"].to_numpy()[:, None],
                           s_ll["lat_deg"].to_numpy()[None, :], s_ll["lon_deg"].to_numpy()[None, :])
    is_measured = np.zeros((I, J), dtype=bool)
    if measured is not None:
        for row in measured.itertuples(index=False):
            if row.centre in centres:
                is_measured[centres.index(row.centre), sites.index(row.site)] = True

    demand = np.array([
        cls.share_fraction * request.it_load_mw * w.loc[centres].to_numpy()
        for cls, w in zip(request.classes, weights, strict=True)
    ])
    rtt_arr = rtt.to_numpy()
    allowed = np.ones((K, I, J), dtype=bool)
    site_ok_all = np.ones((K, J), dtype=bool)
    class_site_reason: dict[tuple[int, str], str] = {}

    def bar(k: int, site: str, why: str) -> None:
        """Record why class k may not use a site; every reason is kept (joined with 'and')."""
        before = class_site_reason.get((k, site))
        class_site_reason[k, site] = why if before is None else f"{before} and {why}"

    within = np.ones((K, I, J), dtype=bool)
    for k, cls in enumerate(request.classes):
        if cls.max_rtt_ms is not None:
            within[k] = rtt_arr <= cls.max_rtt_ms
            if cls.service_level_fraction >= 1.0:  # every centre within the limit: far pairs are not variables
                allowed[k] &= within[k]
        site_ok = np.array([
            (cls.allowed_sites is None or s in cls.allowed_sites) and s not in cls.forbidden_sites for s in sites
        ])
        for j, s in enumerate(sites):
            if not site_ok[j]:
                bar(k, s, "residency")
        if cls.max_pga_g is not None:
            for j, s in enumerate(sites):
                pga = catalog.site_value(s, "seismic_pga_g")
                if pga > cls.max_pga_g + 1e-12:
                    site_ok[j] = False
                    row = catalog.provenance(s, "seismic_pga_g")
                    bar(k, s, f"seismic PGA {pga:g} g > {cls.max_pga_g:g} g ({_cite(row)})")
        if cls.min_flood_return_period_years is not None:
            flood = "flood_protection_return_period_years"
            need = cls.min_flood_return_period_years
            for j, s in enumerate(sites):
                protected = catalog.site_value(s, flood)
                if not protected >= need - 1e-9:  # NaN (not assessed) is barred too
                    site_ok[j] = False
                    if np.isnan(protected):
                        bar(k, s, f"flood protection not assessed (no {flood})")
                    else:
                        row = catalog.provenance(s, flood)
                        bar(k, s, f"flood protection {protected:g}-year < {need:g}-year "
                                  f"({_cite(row)})")
        if request.avoid_water_scarce_sites:
            for j, s in enumerate(sites):
                if catalog.site_value(s, "water_scarce_region") == 1.0:
                    site_ok[j] = False
                    row = catalog.provenance(s, "water_scarce_region")
                    bar(k, s, f"water-scarce region ({_cite(row)}) and "
                              "avoid_water_scarce_sites is set")
        allowed[k] &= site_ok[None, :]
        site_ok_all[k] = site_ok

    start = int(request.in_service_year or catalog.defaults["in_service_year"])
    phases = request.phases or []
    years = [start + ph.year_offset for ph in phases] or [start]
    shares = [ph.it_load_mw / request.it_load_mw for ph in phases] or [1.0]
    grid = np.full((len(years), len(sites)), np.nan)
    grid_why: dict[str, str] = {}
    if catalog.grid_capacity is not None and len(catalog.grid_capacity):
        for j, s in enumerate(sites):
            for k, y in enumerate(years):
                value, why = catalog.capacity_in(s, y)
                if why.startswith("grid_capacity.csv"):
                    grid[k, j] = value
                    grid_why[s] = why
    skeleton = SiteProblem(
        sites=sites, centres=centres, classes=[c.name for c in request.classes],
        demand_mw=demand, unit_cost=np.zeros((K, I, J)), allowed=allowed,
        fixed_cost=np.zeros(J), capacity_mw=np.zeros(J),
        rtt_ms=rtt_arr, max_rtt_ms=[c.max_rtt_ms for c in request.classes],
        service_level=[c.service_level_fraction for c in request.classes], within_rtt=within,
        min_site_mw=min_site_load_mw(catalog, request), site_ok=site_ok_all, distance_km=distance,
        rtt_measured=is_measured, route_factor=float(d["route_factor"]), equipment_ms=float(d["equipment_ms"]),
        flexible_share=[c.flexible_share_fraction for c in request.classes],
        phase_years=years, phase_share=shares, grid_capacity_mw=grid, capacity_reason=grid_why,
        green_offers=_green_offers(catalog, request, sites, a),
        min_sites=request.min_sites, max_sites=request.max_sites, max_share_per_site=request.max_share_per_site,
        locked=np.array([s in request.locked_sites for s in sites]),
        min_green_share=request.min_green_share_fraction, budget_yuan_per_year=request.budget_yuan_per_year,
        it_load_mw=request.it_load_mw, packages=packages, class_site_reason=class_site_reason,
    )
    return apply_site_inputs(skeleton, request, a, inputs, catalog.subsidies)
