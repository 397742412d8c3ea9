"""Typed result documents: the OpenAPI response models of what the engine returns.

Each model mirrors one ``to_dict`` of the engine (``siting.optimization.results.OptimizationResult``,
``siting.analysis.pareto.Frontier``, ``siting.analysis.classic.ClassicViews``,
``siting.optimization.staging.StagedPlan``, ``siting.analysis.compare.Comparison``, the score cards
of ``siting.rank``).  Units are in the field names, as in the engine.

The models accept keys they do not declare (``extra="allow"``), so a field added to the engine
is never dropped from a response; ``tests/api/test_response_models.py`` walks real outputs of
every route and fails on any undeclared key, so the schema keeps up with the engine.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from siting.data.catalog import PackageTerm  # a dataclass: pydantic validates and documents it as it is

ResultStatus = Literal["optimal", "time_limit", "no_solution", "infeasible", "error"]
Number = float | None


class _Doc(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


# -- optimise -----------------------------------------------------------------------------------
class SiteOutcome(_Doc):
    site: str
    open: bool = Field(description="The site is opened by the plan")
    it_mw: float = Field(description="IT load placed here [MW]")
    capacity_mw: Number = Field(default=None, description="Capacity available to the request [MW]")
    pue: float = Field(description="Annual PUE at the site's climate")
    price_yuan_per_kwh: float = Field(description="Electricity price in effect (flat-load mean) [yuan/kWh]")
    emissions_t_per_year: float
    annual_cost_yuan: float
    levelised_cost_yuan_per_kw_month: Number = None


class AllocationRow(_Doc):
    class_: str = Field(alias="class", description="Workload class")
    centre: str
    site: str
    mw: float
    rtt_ms: float


class CostRow(_Doc):
    """Annual cost at one site by component [yuan/yr]; ``total`` is their sum (subsidies negative)."""

    site: str
    energy: float
    capex: float
    land: float
    labour: float
    water: float
    bandwidth: float
    carbon: float
    fixed: float
    subsidies: float
    green: float = Field(default=0.0, description="Green certificates or power bought [yuan/yr]")
    total: float


class LatencyRow(_Doc):
    class_: str = Field(alias="class")
    centre: str
    demand_mw: float
    mean_rtt_ms: float
    max_rtt_ms: float
    limit_ms: Number = Field(default=None, description="The class's max_rtt_ms (null: no limit)")


class EnergyPeriodRow(_Doc):
    site: str
    season: str
    period: str = Field(description="Time-of-use period: peak, flat, valley, critical_peak, deep_valley")
    it_energy_mwh: float
    energy_cost_yuan: float
    schedule: str = Field(description="The time-of-use table used (flat: none)")


class GreenPurchase(_Doc):
    """Renewable energy of one green option at one site (siting.models.green)."""

    site: str
    option: str = Field(description="Green option id (sites/green_options.csv)")
    kind: str = Field(description="certificate, green_power_trade, ppa or onsite_solar")
    price_basis: str = Field(description="premium (paid over grid energy), delivered (replaces grid energy) or "
                                         "lcoe (on-site solar at its levelised cost, replaces grid energy)")
    mwh_per_year: float
    price_yuan_per_mwh: float = Field(description="Paid per MWh: the premium, the delivered price or the LCOE")
    cost_yuan_per_year: float = Field(description="Paid for it: MWh x price (the cost table's green row)")
    grid_energy_avoided_yuan_per_year: float = Field(
        description="Grid energy it replaces (taken off the cost table's energy row; 0 for a premium)")
    net_cost_yuan_per_year: float = Field(
        description="Cost, less the grid energy avoided, less the carbon price on the emissions it takes off")


class DiagnosisItem(_Doc):
    """Why a request is infeasible (severity error) or what to watch (warning); the numbers behind it."""

    code: str
    severity: Literal["error", "warning", "info"]
    field: str | None = Field(default=None, description="The request field that causes it")
    message: str
    available_mw: Number = None
    requested_mw: Number = None
    min_sites: int | None = None
    max_sites: int | None = None
    usable_sites: int | None = Field(default=None, description="How many candidate sites are usable")
    class_: str | None = Field(default=None, alias="class")
    centre: str | None = None
    nearest_site: str | None = None
    nearest_rtt_ms: Number = None
    limit_ms: Number = None
    min_green_share_fraction: Number = None
    budget_yuan_per_year: Number = None
    amount: Number = None
    unit: str | None = None
    year: int | None = Field(default=None, description="The calendar year it holds in (a staged plan)")


class PackagePublic(_Doc):
    """A deal or policy package (sites/packages.csv): applied to a result, or listed by GET /v1/options."""

    package_id: str = Field(description="The id a request names in `packages`")
    title: str
    kind: str = Field(description="negotiated_deal, policy_price or policy_subsidy")
    requires: list[str] = Field(default_factory=list,
                                description="Eligibility tags of which the request must declare one (empty: any)")
    conditions: str
    source: str
    year: int
    status: str
    note: str = ""
    changes: str = Field(description="What the package changes, in one line")
    terms: list[PackageTerm] = Field(default_factory=list,
                                     description="Site parameters the package sets, with provenance")
    subsidy_ids: list[str] = Field(default_factory=list)


class ShadowPrice(_Doc):
    class_: str = Field(alias="class")
    centre: str
    marginal_cost_yuan_per_mw_year: float


class CapacityValue(_Doc):
    site: str
    capacity_mw: float
    value_of_capacity_yuan_per_mw_year: float


class BreakEven(_Doc):
    """What a site left out would need to enter the plan (price or cost cut), verified by re-solving."""

    site: str
    price_yuan_per_kwh: Number = None
    break_even_price_yuan_per_kwh: Number = None
    price_verified: bool | None = None
    break_even_cost_reduction_fraction: Number = None
    cost_verified: bool | None = None
    note: str | None = Field(default=None, description="Why there is no break-even (excluded, never enters, ...)")


class CostOnAssumptions(_Doc):
    share: float = Field(description="Share of the plan's cost computed from at least one `assumption` value "
                                     "(site values, and the planning defaults the request leaves to the catalog)")
    values: list[str] = Field(description="Those values, as site.parameter or defaults.parameter")


class LeadingInput(_Doc):
    """A ranged input and the optimal cost at both ends of its catalog range (the tornado's largest swings)."""

    parameter: str
    value: float
    low: float
    high: float
    cost_low_yuan_per_year: float
    cost_high_yuan_per_year: float
    swing_yuan_per_year: float
    sites_low: str
    sites_high: str
    sites_change: bool


class Alternative(_Doc):
    """A next-best plan: the cheapest with a different set of sites than the plans before it."""

    sites: dict[str, float] = Field(description="IT load by site [MW], largest first")
    cost_yuan_per_year: float
    levelised_cost_yuan_per_kw_month: float
    more_than_best_fraction: float = Field(description="Cost above the optimum [fraction]")


class DecidingPair(_Doc):
    centre: str
    rtt_ms: float
    demand_share_fraction: float
    how: str = Field(description="measured, or modelled: distance x route factor in fibre")


class LatencyCase(_Doc):
    """A site that latency keeps out of the plan for one class, and the limits at which it would enter."""

    site: str
    class_: str = Field(alias="class")
    limit_ms: float
    service_level_fraction: float
    within_share_fraction: float
    deciding_pairs: list[DecidingPair]
    enters_at_limit_ms: Number = None
    enters_at_service_level_fraction: Number = None


class RobustPlan(_Doc):
    sites: list[str]
    optimal_in_share: float
    cost_at_catalog_values_yuan_per_year: Number = None
    expected_cost_yuan_per_year: Number = None
    p90_cost_yuan_per_year: Number = None
    infeasible_share: float
    regret_mean_yuan_per_year: Number = None
    regret_p90_yuan_per_year: Number = None
    regret_max_yuan_per_year: Number = None


class RobustSummary(_Doc):
    samples: int
    seed: int
    feasible_samples: int
    sites: list[str]
    p_chosen: dict[str, float] = Field(description="Share of samples in which each site is chosen")
    nominal_sites: list[str]
    nominal_cost_yuan_per_year: float
    nominal_optimal_share: float
    expected_cost_yuan_per_year: float
    p90_cost_yuan_per_year: float
    regret_mean_yuan_per_year: float
    regret_p90_yuan_per_year: float
    regret_max_yuan_per_year: float
    least_expected_cost: RobustPlan
    least_max_regret: RobustPlan
    candidates: list[RobustPlan]
    drawn: list[str] = Field(description="The catalog values sampled")
    route_factor: dict[str, Any] = Field(
        default_factory=dict,
        description="Latency: the catalog's fibre route factor (value), the samples drawn below and above it and "
                    "each site's share chosen in each (p_chosen_below, p_chosen_above); empty when not drawn")
    plan_shares: dict[str, float] = Field(
        default_factory=dict, description="Share of the feasible samples in which each site set ('a+b') is optimal")


class StorySection(_Doc):
    key: Literal["headline", "question", "answer", "why", "how_sure", "change", "rests_on"]
    title: str
    sentences: list[str]


class OptimizationResultPublic(_Doc):
    """One optimisation: the plan, its costs, latency, energy, and the story behind it."""

    status: ResultStatus
    objective_yuan_per_year: Number = Field(description="Annual cost of the plan (null: no plan)")
    levelised_cost_yuan_per_kw_month: Number = None
    it_load_mw: float
    solve_seconds: float
    solver: str
    mip_gap: Number = None
    chosen_sites: list[str]
    sites: list[SiteOutcome]
    allocation: list[AllocationRow]
    cost_breakdown: list[CostRow]
    latency: list[LatencyRow]
    energy_by_period: list[EnergyPeriodRow]
    emissions_t_per_year: Number = None
    green_share_fraction: Number = None
    green_purchases: list[GreenPurchase]
    diagnosis: list[DiagnosisItem]
    packages: list[PackagePublic] = Field(description="Deals and policies applied (none by default)")
    shadow_prices: list[ShadowPrice] | None = None
    capacity_values: list[CapacityValue] | None = None
    break_even: list[BreakEven] | None = None
    alternatives: list[Alternative] | None = Field(
        default=None, description="The next-best plans in order of cost (with explanations)")
    latency_cases: list[LatencyCase] | None = Field(
        default=None, description="Sites that latency keeps out, with the deciding pairs (with explanations)")
    message: str = ""
    cost_on_assumptions: CostOnAssumptions | None = None
    leading_inputs: list[LeadingInput] | None = Field(
        default=None, description="The ranged inputs that move the optimal cost most over their ranges")
    robust: RobustSummary | None = None
    explanation: list[StorySection] = Field(
        default_factory=list, description="The story the CLI prints and the report tells")


# -- score cards --------------------------------------------------------------------------------
class ProvenanceValue(_Doc):
    parameter: str
    value: float
    unit: str
    source: str
    year: int
    status: str
    note: str = ""
    low: float | None = Field(default=None, description="Low end of the row's range (every assumption has one)")
    high: float | None = Field(default=None, description="High end of the row's range")
    url: str | None = None
    package: str | None = Field(default=None, description="The package that set this value, if any")


class ProvenanceClimate(_Doc):
    sources: list[str]
    years: list[int]
    statuses: list[str]


class ProvenanceSubsidy(_Doc):
    subsidy_id: str
    kind: str
    package: str | None = None
    source: str
    status: str
    year: float | None = None


class Provenance(_Doc):
    price: ProvenanceValue | None = None
    bandwidth_price: ProvenanceValue | None = None
    capex: ProvenanceValue | None = None
    grid_emission_factor: ProvenanceValue | None = None
    climate: ProvenanceClimate | None = None
    subsidies: list[ProvenanceSubsidy] = Field(default_factory=list)


class ScoreCard(BaseModel):
    """One site alone: annual cost by component [yuan/yr], latency, flags and the score (cheapest = 100).

    Per workload class and demand centre it also carries ``rtt_mean_ms[CLASS]``, ``rtt_max_ms[CLASS]``,
    ``within_sla_share[CLASS]`` and ``rtt_ms[CENTRE]`` (the additional properties, numbers).
    """

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, float | None] = Field(init=False)

    site: str
    name_en: str
    name_zh: str
    role: str
    rank: int
    energy_yuan_per_year: float
    capex_yuan_per_year: float
    land_yuan_per_year: float
    labour_yuan_per_year: float
    water_yuan_per_year: float
    bandwidth_yuan_per_year: float
    carbon_yuan_per_year: float
    fixed_yuan_per_year: float
    bandwidth_subsidy_yuan_per_year: float
    bandwidth_net_yuan_per_year: float
    other_subsidies_yuan_per_year: float
    total_yuan_per_year: float
    levelised_cost_yuan_per_kw_month: float
    price_yuan_per_kwh: float
    pue: float
    emissions_t_per_year: float
    carbon_intensity_t_per_mwh: float
    renewable_share_fraction: float
    capacity_ok: bool
    available_capacity_mw: Number = None
    excluded: str | None = Field(default=None, description="Why the request excludes the site")
    feasible_alone: bool = Field(description="The site alone can host the whole request")
    flags: list[str] = Field(description="What to watch: over capacity, over a latency limit, hazard, ...")
    score: float = Field(description="100 x cheapest total / this total")
    provenance: Provenance | None = Field(default=None, description="Catalog rows behind each criterion")


# -- pareto, classic, staged ------------------------------------------------------------------
class FrontierPoint(_Doc):
    cost_yuan_per_year: float
    epsilon: Number = Field(default=None, description="The bound on the second criterion at this step")
    feasible_without_the_bound: bool | None = None
    knee: bool
    mean_rtt_ms: Number = Field(default=None, description="criterion rtt: demand-weighted mean RTT [ms]")
    emissions_t_per_year: Number = Field(default=None, description="criterion emissions [tCO2/yr]")
    sites_mw: dict[str, float]


class FrontierPublic(_Doc):
    criterion: Literal["emissions", "rtt"]
    unit: str
    points: list[FrontierPoint] = Field(description="Non-dominated plans, cheapest first; the knee is marked")
    dropped: int = Field(description="Dominated or duplicate points removed")


class ClassicRowPublic(_Doc):
    view: str = Field(description="cost-optimal, p-median, p-center or MCLP")
    sites: list[str]
    objective: Number = None
    mean_rtt_ms: float
    worst_rtt_ms: float
    covered_fraction: Number = Field(default=None, description="Demand within the covering radius")
    cost_yuan_per_year: Number = Field(default=None, description="The request served from these sites")
    cost_status: str
    cost_note: str = ""
    costed_sites: list[str] = Field(default_factory=list,
                                    description="The sites the cost is for: the view's and the request's locked ones")


class ClassicViewsPublic(_Doc):
    p: int
    radius_ms: Number = None
    centres: list[str]
    weight_mw: list[float]
    rows: list[ClassicRowPublic]


class CashFlow(_Doc):
    year: int
    load_mw: float
    capex_yuan: float
    opex_yuan: float
    subsidies_yuan: float
    revenue_yuan: float
    residual_yuan: float = Field(default=0.0, description="Residual value credited (last year, residual_value)")
    net_yuan: float
    cumulative_yuan: float


class StagedPlanPublic(_Doc):
    status: str
    message: str
    start_year: int
    years: list[int]
    load_mw: list[float]
    sites: list[str]
    open_year: dict[str, int | None] = Field(description="Calendar year each site opens (null: never)")
    built_mw: dict[str, list[float]] = Field(description="Cumulative IT capacity built by the end of each year")
    served_mw: dict[str, list[float]]
    cash_flows: list[CashFlow]
    pv_cost_yuan: Number = None
    npv_yuan: Number = Field(default=None, description="With revenue only")
    irr_fraction: Number = None
    payback_year: int | None = None
    years_in_loss: int | None = None
    discount_rate_fraction: float
    solve_seconds: float
    residual_value_yuan: float = Field(default=0.0, description="Assets' value left at the end of the plan")
    subsidy_model_yuan: list[float] = Field(
        default_factory=list, description="Subsidies by year as the MILP credits them (equal to cash_flows')")
    diagnosis: list[DiagnosisItem] = Field(
        default_factory=list, description="Why the plan is infeasible: the year and the rule (empty otherwise)")


# -- compare ------------------------------------------------------------------------------------
class OverridePublic(_Doc):
    path: str
    value: Any


class ScenarioSummaryPublic(_Doc):
    name: str
    description: str
    status: ResultStatus
    objective_yuan_per_year: Number = None
    levelised_cost_yuan_per_kw_month: Number = None
    chosen_sites: list[str]
    sites_mw: dict[str, float]
    components_yuan_per_year: dict[str, float]
    emissions_t_per_year: Number = None
    green_share_fraction: Number = None
    latency: dict[str, dict[str, float]] = Field(description="Per class: mean_rtt_ms and worst_rtt_ms")
    overrides: list[OverridePublic]
    diagnosis: list[str]


class SiteChange(_Doc):
    site: str
    change: Literal["entered", "left", "resized", "unchanged"]
    mw_base: float
    mw_scenario: float
    reasons: list[str]


class Violation(_Doc):
    family: str
    field: str | None = None
    message: str
    amount: float
    unit: str


class AttributionPublic(_Doc):
    scenario: str
    delta_total_yuan_per_year: Number = None
    delta_levelised_yuan_per_kw_month: Number = None
    components: dict[str, float] = Field(description="Difference by cost component [yuan/yr]")
    repricing: dict[str, float] | None = Field(default=None, description="The base plan repriced")
    resiting: dict[str, float] | None = Field(default=None, description="What moving the load changed")
    base_plan_note: str | None = None
    base_plan_broken: list[Violation] = Field(default_factory=list)
    sites: list[SiteChange]
    request_changes: list[str]
    delta_emissions_t_per_year: Number = None


class ComparisonPublic(_Doc):
    base: str
    scenarios: list[ScenarioSummaryPublic]
    attribution: list[AttributionPublic]
