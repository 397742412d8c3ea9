"""Request (``...Create``) and response (``...Public``) bodies, with OpenAPI examples."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StrictBool,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
    field_validator,
)

from siting.analysis.scenarios import MonteCarloSpec, SensitivitySpec, check_override_document
from siting.data.request import PRINTABLE, SiteRequest

from .results import (
    ClassicViewsPublic,
    ComparisonPublic,
    FrontierPublic,
    OptimizationResultPublic,
    PackagePublic,
    ScoreCard,
    StagedPlanPublic,
)

JobStatus = Literal["queued", "running", "done", "failed"]

_REQUEST_EXAMPLE: dict[str, Any] = {
    "name": "ai-campus-50mw",
    "it_load_mw": 50,
    "classes": [
        {"name": "interactive", "share_fraction": 0.3, "max_rtt_ms": 30, "egress_gbps_per_mw": 1.0,
         "demand_regions": ["east"]},
        {"name": "batch", "share_fraction": 0.7, "egress_gbps_per_mw": 0.2,
         "demand_regions": ["east"]},
    ],
    "candidates": ["zhongwei", "guian", "yaan", "chongqing"],
    "max_sites": 2,
}


def _guard(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Validation must end in a 422: an engine validator that crashes becomes a ValueError."""
    try:
        return handler(value)
    except ValidationError:
        raise
    except (TypeError, KeyError, IndexError, AttributeError, ArithmeticError) as exc:
        raise ValueError(f"invalid request ({type(exc).__name__}: {exc})") from None


#: The engine's request schema (what OpenAPI shows), guarded against validator crashes.
RequestBody = Annotated[SiteRequest, WrapValidator(_guard)]
_REQUEST_ADAPTER: TypeAdapter[SiteRequest] = TypeAdapter(RequestBody)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def _utc(value: datetime) -> str:
    """Stored times are naive UTC: send them as ISO 8601 with a Z."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat().replace("+00:00", "Z")


#: A time in UTC, sent as ISO 8601 with a Z (the database stores naive UTC).
UtcTime = Annotated[datetime, PlainSerializer(_utc, return_type=str, when_used="json"),
                    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization")]


# -- errors -----------------------------------------------------------------------------------
class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable tag, e.g. request_invalid, not_found")
    message: str = Field(description="What is wrong: the field, the value given and the limit")
    field: str | None = Field(default=None, description="Dotted path of the offending field")


class ErrorResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"error": {
        "code": "limit_exceeded", "field": "request.candidates",
        "message": "request.candidates = 300 items exceeds the limit of 200 items"}}]})

    error: ErrorBody


# -- health -----------------------------------------------------------------------------------
class ReadyPublic(BaseModel):
    ready: bool
    database_ok: bool
    workers_expected: int = Field(description="Worker threads this process should run (SITING_WORKER_THREADS)")
    workers_alive: int
    compute_expected: int = Field(default=0, description="Compute processes (SITING_COMPUTE_PROCESSES; 0: inline)")
    compute_ready: int = Field(default=0, description="Compute processes that have started; ready needs one")
    reason: str = Field(description="Why not ready; empty when ready")


class KeyAdminCreate(_Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"owner": "alice@example.com", "expires_in_days": 90}]})

    owner: str = Field(min_length=1, max_length=200, pattern=PRINTABLE,
                       description="Who the key is for (name or e-mail), one line")
    expires_in_days: float | None = Field(strict=True, default=None, gt=0, le=3650,
                                          description="The key stops working after")


class KeyAdminPublic(BaseModel):
    id: str
    prefix: str
    owner: str
    state: Literal["active", "revoked", "expired"]
    created_at: UtcTime
    expires_at: UtcTime | None
    last_used_at: UtcTime | None
    revoked_at: UtcTime | None


class KeyAdminIssued(KeyAdminPublic):
    key: str = Field(description="The key itself: shown only in this response, stored only as its hash")


class HealthPublic(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    database: str = Field(description="Database back end (sqlite, postgresql)")
    database_ok: bool
    worker_threads: int


# -- sites ------------------------------------------------------------------------------------
class PointGeometry(BaseModel):
    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=3, description="[lon, lat] WGS84")


class SiteFeature(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: PointGeometry
    properties: dict[str, Any] = Field(
        description="Identity, and per parameter its value, unit, source, year and status")


class SiteCollection(BaseModel):
    type: Literal["FeatureCollection"]
    features: list[SiteFeature]


class GreenOptionPublic(BaseModel):
    option_id: str = Field(description="The id a request names in `green_options`")
    title: str
    kind: str = Field(description="certificate, green_power_trade, ppa or onsite_solar")
    price_basis: Literal["premium", "delivered", "lcoe"] = Field(
        description="premium: paid over grid energy; delivered: replaces grid energy; lcoe: on-site solar at its "
                    "levelised cost at each site")
    scope: str = Field(description="national, a province or a site id")
    price_yuan_per_mwh: float | None = Field(description="The premium or delivered price; null for lcoe")
    max_share_of_grid_energy: float = Field(description="Cap, as a share of a site's non-renewable energy")
    source: str
    year: int
    status: str
    note: str = ""
    low: float | None = None
    high: float | None = None
    sites: list[str] = Field(description="Catalog sites where the option is offered")


class OptionsPublic(BaseModel):
    packages: list[PackagePublic]
    green_options: list[GreenOptionPublic]


# -- score ------------------------------------------------------------------------------------
class ScoreCreate(_Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"request": _REQUEST_EXAMPLE, "all_sites": False, "provenance": True}]})

    request: RequestBody = Field(default_factory=SiteRequest, description="The site request")
    all_sites: StrictBool | None = Field(
        default=None, description="Rank every catalog site (default: unless candidates are named)")
    provenance: StrictBool = Field(default=True, description="Add the catalog rows behind each criterion")


class ScorePublic(BaseModel):
    request: SiteRequest = Field(description="The validated request, with defaults filled in")
    sites: list[ScoreCard] = Field(description="Score cards, cheapest first")


# -- optimise and jobs ------------------------------------------------------------------------
class RobustOptions(BaseModel):
    """Robustness samples of a job (``POST /v1/requests``): the schema states this server's maximum
    (SITING_MAX_JOB_ROBUST_SAMPLES); ``samples`` left out is the default or that maximum, whichever is less."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    samples: int = Field(default=200, strict=True, ge=1, le=2000, description="Samples of the catalog's ranges")
    seed: int = Field(default=2026, strict=True, ge=0, le=2**31 - 1, description="Random seed")

    def samples_within(self, limit: int) -> int:
        """The samples to run: as sent, or the default capped at the server's ``limit`` when not sent."""
        return self.samples if "samples" in self.model_fields_set else min(self.samples, limit)


class SyncRobustOptions(RobustOptions):
    """Robustness samples of a synchronous call (``POST /v1/optimize``, ``/v1/exports``): at most
    SITING_MAX_SYNC_ROBUST_SAMPLES (the schema states it); more: submit a job."""

    samples: int = Field(default=50, strict=True, ge=1, le=2000, description="Samples of the catalog's ranges")


_ROBUST_TEXT = ("Re-solve over samples of the catalog's ranges: p_chosen per site, expected and P90 cost and regret "
                "of the plan, least-expected-cost and least-max-regret plans")


class _OptimizeBody(_Body):
    request: RequestBody = Field(default_factory=SiteRequest, description="The site request")
    time_limit_s: float | None = Field(
        default=None, strict=True, gt=0,
        description="Time limit [s]: of the whole call from its arrival for a synchronous one (waiting for a compute "
                    "process, solves, explanations, samples, rendering; past it: 504), of its run for a job; default "
                    "and maximum are server limits")
    explain: StrictBool = Field(default=False, description="Shadow prices and break-evens (extra solves)")


class OptimizeCreate(_OptimizeBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"request": _REQUEST_EXAMPLE, "time_limit_s": 5, "explain": False},
        {"request": _REQUEST_EXAMPLE, "robust": {"samples": 20, "seed": 7}}]})

    robust: SyncRobustOptions | None = Field(default=None, description=_ROBUST_TEXT)


class ExportCreate(_OptimizeBody):
    """An export's optimisation; ``robust`` reaches the xlsx and html story and is refused by csv and geojson."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"request": _REQUEST_EXAMPLE, "time_limit_s": 5, "explain": False}]})

    robust: SyncRobustOptions | None = Field(default=None, description=_ROBUST_TEXT + " (xlsx and html only)")


class ParetoCreate(_Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"request": _REQUEST_EXAMPLE, "criterion": "rtt", "points": 6}]})

    request: RequestBody = Field(default_factory=SiteRequest, description="The site request")
    criterion: Literal["emissions", "rtt"] = Field(
        default="emissions", description="Second criterion: emissions [tCO2/yr] or demand-weighted mean RTT [ms]")
    points: int = Field(strict=True, default=6, ge=2, le=50,
                        description="Epsilon steps between the two ends; more than the synchronous maximum "
                                    "(SITING_MAX_SYNC_PARETO_POINTS) makes a job (202)")
    time_limit_s: float | None = Field(
        strict=True, default=None, gt=0,
        description="Time limit [s] of the whole call from its arrival (past it: 504), or of the job's run")


class ParetoPublic(BaseModel):
    request: SiteRequest
    frontier: FrontierPublic


class ClassicCreate(_Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"request": _REQUEST_EXAMPLE, "p": 2, "radius_ms": 30}]})

    request: RequestBody = Field(default_factory=SiteRequest, description="The site request")
    p: int | None = Field(strict=True, default=None, ge=1, le=50,
                          description="Sites to open; default: as many as the cost-optimal plan")
    radius_ms: float | None = Field(strict=True, default=None, gt=0, le=1000,
                                    description="MCLP covering radius [ms]; default: the tightest class limit")


class ClassicPublic(BaseModel):
    request: SiteRequest
    classic: ClassicViewsPublic = Field(
        description="p, radius_ms, centres and their weight_mw, and rows: the cost-optimal plan, p-median, "
                    "p-center and MCLP, each with sites, its own objective, mean/worst RTT to the nearest open "
                    "site [ms], covered fraction and the annual cost of serving the request from those sites")


class StageCreate(_Body):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"request": {"it_load_mw": 200, "phases": [{"year_offset": 0, "it_load_mw": 20},
                                                   {"year_offset": 3, "it_load_mw": 100},
                                                   {"year_offset": 6, "it_load_mw": 200}]},
         "years": 10, "build_block_mw": 10, "lead_time_years": 0, "price_yuan_per_kw_month": 900}]})

    request: RequestBody = Field(default_factory=SiteRequest,
                                 description="The site request; its phases are the load path")
    years: int | None = Field(strict=True, default=None, ge=1, le=40,
                              description="Plan length [years]; default: the horizon")
    build_block_mw: float = Field(strict=True, default=0.0, ge=0, le=1000,
                                  description="Minimum build block [MW]; 0 = any")
    lead_time_years: int = Field(strict=True, default=0, ge=0, le=10,
                                 description="Construction period: capital is spent this many years before use")
    price_yuan_per_kw_month: float | None = Field(
        default=None, strict=True,
        ge=0, le=100_000, description="Revenue per kW of IT per month: gives NPV, IRR, payback")
    residual_value: StrictBool = Field(
        default=False, description="Credit the capital not yet recovered at the end of the plan (terminal value)")
    time_limit_s: float | None = Field(strict=True, default=None, gt=0,
                                       description="Time limit [s] of the whole call from its arrival (past it: 504)")


class StagePublic(BaseModel):
    request: SiteRequest
    staged: StagedPlanPublic = Field(
        description="status, years, load_mw, open_year and built_mw/served_mw per site, cash_flows per year "
                    "(capex, opex, subsidies, revenue, net, cumulative; yuan), pv_cost_yuan, npv_yuan, "
                    "irr_fraction, payback_year, years_in_loss")


class JobCreate(_OptimizeBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"request": _REQUEST_EXAMPLE, "time_limit_s": 60, "explain": True},
        {"request": _REQUEST_EXAMPLE, "robust": {"samples": 500}}]})

    robust: RobustOptions | None = Field(default=None, description=_ROBUST_TEXT)


class OptimizePublic(BaseModel):
    request: SiteRequest
    result: OptimizationResultPublic = Field(
        description="status (optimal, time_limit, infeasible, error), costs, chosen sites, "
                    "allocation, latency, diagnosis, and `explanation`: the story the CLI prints and the "
                    "report tells, as sections {key, title, sentences} (question, answer, why, how_sure, "
                    "change, rests_on)")


class ParetoJobResult(BaseModel):
    status: Literal["optimal"]
    frontier: FrontierPublic


class JobOptions(BaseModel):
    """How a job runs: an optimisation (time limit, explanations, robust samples) or a long frontier."""

    model_config = ConfigDict(extra="allow")

    time_limit_s: float = Field(description="The job's solver time limit [s], as the server set it")
    explain: bool = Field(default=False, description="Shadow prices and break-evens")
    robust: RobustOptions | None = Field(default=None, description="Samples of the catalog's ranges")
    kind: Literal["pareto"] | None = Field(default=None, description="pareto: a frontier job (POST /v1/pareto)")
    criterion: Literal["emissions", "rtt"] | None = None
    points: int | None = None


class JobAccepted(BaseModel):
    id: str
    status: JobStatus
    created_at: UtcTime
    url: str = Field(description="Where to poll")


class JobSummary(BaseModel):
    id: str
    name: str
    status: JobStatus
    attempts: int
    created_at: UtcTime
    finished_at: UtcTime | None


class JobPublic(BaseModel):
    id: str
    name: str
    status: JobStatus
    attempts: int
    note: str | None = Field(description="Recovery history: interrupted runs re-queued, and why")
    created_at: UtcTime
    started_at: UtcTime | None
    finished_at: UtcTime | None
    request: SiteRequest
    options: JobOptions = Field(description="How the job runs")
    result: OptimizationResultPublic | ParetoJobResult | None = Field(
        description="The optimisation result, or for a long frontier {status, frontier}; null until done")
    error: ErrorBody | None


class JobPage(BaseModel):
    items: list[JobSummary]
    total: int
    limit: int
    offset: int


# -- scenarios and compare --------------------------------------------------------------------
SCENARIO_EXAMPLE: dict[str, Any] = {
    "name": "cheaper-power-zhongwei",
    "description": "Zhongwei's power at 0.25 yuan/kWh",
    "request": {"it_load_mw": 50},
    "overrides": {"sites.zhongwei.electricity_price_yuan_per_kwh": 0.25},
}


class ScenarioDocument(_Body):
    """A scenario document, as in the YAML files (``siting.analysis.scenarios``), sent as JSON.

    ``request`` and ``extends`` may name files only among the examples shipped with siting
    (``examples/``, resolved as from ``examples/scenarios/``: ``base.yaml``, ``../default.yaml``).
    Override paths: ``request.<field>``, ``sites.<site>.<parameter>``, ``defaults.<parameter>``,
    ``subsidies.<id>.<field>``, ``subsidies.add``/``remove``.
    """

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [SCENARIO_EXAMPLE]})

    name: str = Field(min_length=1, max_length=200, pattern=PRINTABLE, description="Scenario name")
    description: str = Field(default="", max_length=2000, pattern=PRINTABLE)
    extends: str | None = Field(default=None, max_length=200,
                                description="A shipped scenario file to start from, e.g. base.yaml")
    request: str | RequestBody | None = Field(
        default=None, description="The base request: a mapping, or a shipped file such as ../default.yaml")
    overrides: dict[str, Any] = Field(default_factory=dict,
                                      description="Dotted path -> value (or the same paths nested)")
    monte_carlo: MonteCarloSpec | None = Field(default=None, description="Samples of the named parameters")
    sensitivity: SensitivitySpec | None = Field(default=None, description="Tornado: parameters to swing")

    @field_validator("overrides")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Depth and magnitude limits (siting.analysis.scenarios.MAX_OVERRIDE_DEPTH, MAX_OVERRIDE_MAGNITUDE)."""
        check_override_document(value)
        return value

    @field_validator("request", mode="wrap")
    @classmethod
    def _file_or_request(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """A mapping is a request (its errors name request.<field>), anything else a file name."""
        if isinstance(value, dict):
            return _REQUEST_ADAPTER.validate_python(value)
        return handler(value)

    def document(self, max_samples: int) -> dict[str, Any]:
        """The document as sent (what was set, nothing else filled in): what the engine parses and the store
        keeps.  A Monte Carlo section without ``samples`` gets the service's limit ``max_samples`` when that is
        below the engine's default (1000), as the OpenAPI schema says, instead of a 422 for a value never sent."""
        doc = self.model_dump(mode="json", exclude_unset=True)
        if self.monte_carlo is not None and "samples" not in self.monte_carlo.model_fields_set:
            doc["monte_carlo"]["samples"] = min(self.monte_carlo.samples, max_samples)
        return doc


class ScenarioPublic(BaseModel):
    id: str
    name: str
    created_at: UtcTime
    document: dict[str, Any] = Field(description="The scenario document as submitted (validated)")


class ScenarioSummary(BaseModel):
    id: str
    name: str
    created_at: UtcTime


class ScenarioPage(BaseModel):
    items: list[ScenarioSummary]
    total: int
    limit: int
    offset: int


class CompareCreate(_Body):
    """The first scenario is the base; each other one is attributed against it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"scenarios": [{"name": "base", "request": {"it_load_mw": 50}}, SCENARIO_EXAMPLE],
         "explain": False}]})

    scenario_ids: list[str] = Field(default_factory=list, description="Stored scenarios of this key: the ids that "
                                                                     "POST /v1/scenarios returned")
    scenarios: list[ScenarioDocument] = Field(default_factory=list, description="Inline documents")
    explain: StrictBool = Field(default=True, description="Break-even prices of the sites left out "
                                                    "(extra solves)")


class ComparePublic(BaseModel):
    scenarios: list[str] = Field(description="Names of the compared scenarios, in order")
    comparison: ComparisonPublic = Field(
        description="base, per-scenario summaries, and the attribution of each difference to "
                    "the base (by cost component, repricing vs re-siting, sites entered/left)")


_ERROR_TEXT = {
    429: "Over a rate or in-flight limit: the body names it; retry after Retry-After seconds",
    401: "Missing or unknown API key",
    404: "Not found (or owned by another API key)",
    413: "Body larger than the limit",
    422: "Invalid input or over a limit; the message names field, value and limit",
    503: "Solver unavailable, or a compute process died: retry",
    504: "The request's time limit (wall clock from arrival: queue, solves, samples, rendering) was reached; "
         "the message says where the time went. Ask for less, or submit a job (POST /v1/requests)",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the error codes a route can answer, all in the error format."""
    return {c: {"model": ErrorResponse, "description": _ERROR_TEXT[c]} for c in codes}
