"""The site request: what a planner asks for.

Units are in field names.  Unknown keys are rejected.  ``parse_request`` turns
pydantic's validation errors into one :class:`~siting.errors.RequestError` that
names each field, the value given and the limit.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from siting.errors import RequestError, field_path

Id = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"  # names and notes: no NUL or other control characters
PackageId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]*$", max_length=64)]
CoolingTechnology = Literal["airside", "waterside", "chiller", "liquid"]

#: Hard limits on request sizes (also enforced by the HTTP API).
MAX_IT_LOAD_MW = 5000.0
MIN_IT_LOAD_MW = 0.1
MAX_CLASSES = 10
MAX_CANDIDATES = 1000
#: Service level of the default interactive class: 95 % of its users within the limit (README, "Service levels").
DEFAULT_SERVICE_LEVEL = 0.95


class _Strict(BaseModel):
    # strict: no silent coercion (true is not 1 MW, "20" is not 20); no NaN or infinity anywhere
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class WorkloadClass(_Strict):
    """A workload class: a share of the load with its latency limit, egress and residency rules."""

    name: Id = Field(description="Class id, e.g. interactive, batch, cold_storage")
    share_fraction: float = Field(gt=0, le=1, description="Share of the request's IT load [fraction]")
    max_rtt_ms: float | None = Field(
        default=None, gt=0, le=1000, description="Latency limit to every demand centre served [ms]; none = no limit"
    )
    service_level_fraction: float = Field(
        default=1.0, gt=0, le=1,
        description="Service level: the share of the class's demand (weighted by its demand weights) that must be "
                    "served within max_rtt_ms [fraction]; the rest may be served from any allowed site. 1 = every "
                    "demand centre within the limit; 0.95 = 95 % of the users")
    egress_gbps_per_mw: float = Field(default=0.2, ge=0, le=100, description="Egress bandwidth per MW of IT [Gbps/MW]")
    flexible_share_fraction: float = Field(
        default=0.0, ge=0, le=0.9,
        description="Share of the class's daily IT energy that may move to cheaper hours of the same day "
                    "(batch, AI training; 0 = flat load) [fraction]")
    demand_regions: list[Literal["east", "central", "west", "northeast", "international"]] | None = Field(
        default=None, description="Spread demand over the centres of these regions, by population"
    )
    demand_weights: dict[Id, Annotated[float, Field(ge=0, le=1e9)]] | None = Field(
        default=None, description="Explicit demand weights by centre id (normalised); overrides demand_regions"
    )
    allowed_sites: list[Id] | None = Field(default=None, description="Data residency: only these sites")
    forbidden_sites: list[Id] = Field(default_factory=list, description="Data residency: never these sites")
    max_pga_g: float | None = Field(
        default=None, gt=0, le=2,
        description="Seismic hazard limit: only sites whose design peak ground acceleration (seismic_pga_g, "
                    "GB 18306 / GB 50011) is at most this [g]; none = no limit")
    min_flood_return_period_years: float | None = Field(
        default=None, ge=1, le=10000,
        description="Flood hazard limit: only sites whose city flood-protection standard "
                    "(flood_protection_return_period_years, a design return period) is at least this [years]; "
                    "a site with no assessed standard is barred; none = no limit")

    @model_validator(mode="after")
    def _weights_positive(self) -> WorkloadClass:
        if self.demand_weights is not None and sum(self.demand_weights.values()) <= 0:
            raise ValueError("demand_weights must contain at least one positive weight")
        if self.service_level_fraction < 1.0 and self.max_rtt_ms is None:
            raise ValueError(f"service_level_fraction = {self.service_level_fraction:g} needs max_rtt_ms: a service "
                             "level is the share of demand within a latency limit")
        return self


class Phase(_Strict):
    """A step of a phased build-out: from ``year_offset`` the load is ``it_load_mw``."""

    year_offset: int = Field(ge=0, le=50, description="Years after the start [years]")
    it_load_mw: float = Field(ge=MIN_IT_LOAD_MW, le=MAX_IT_LOAD_MW, description="IT load from that year on [MW]")


def _default_classes() -> list[WorkloadClass]:
    return [
        WorkloadClass(
            name="interactive", share_fraction=0.3, max_rtt_ms=30.0, service_level_fraction=DEFAULT_SERVICE_LEVEL,
            egress_gbps_per_mw=1.0, demand_regions=["east"]),
        WorkloadClass(name="batch", share_fraction=0.7, max_rtt_ms=None, egress_gbps_per_mw=0.2,
                      demand_regions=["east"]),
    ]


class SiteRequest(_Strict):
    """A planner's request: load, workload classes, constraints and financial assumptions.

    Fields left ``None`` take the catalog's planning defaults (``sites/defaults.csv``).
    """

    name: str = Field(default="request", max_length=200, pattern=PRINTABLE,
                      description="A name for the request (printable text, no control characters)")
    it_load_mw: float = Field(
        default=20.0, ge=MIN_IT_LOAD_MW, le=MAX_IT_LOAD_MW, description="Peak IT load to host [MW]"
    )
    phases: list[Phase] | None = Field(
        default=None, min_length=1, max_length=50,
        description="Phased schedule; capacity is built for the peak, energy and bandwidth follow the schedule",
    )
    utilisation_fraction: float | None = Field(
        default=None, ge=0.05, le=1,
        description="Average IT load / built IT capacity [fraction]; also the load factor of the demand charge")
    classes: list[WorkloadClass] = Field(default_factory=_default_classes, min_length=1, max_length=MAX_CLASSES)
    candidates: list[Id] | None = Field(
        default=None, max_length=MAX_CANDIDATES, description="Candidate site ids (default: the four western sites)"
    )
    min_sites: int = Field(default=1, ge=0, le=MAX_CANDIDATES)
    max_sites: int | None = Field(default=None, ge=1, le=MAX_CANDIDATES)
    max_share_per_site: float = Field(default=1.0, gt=0, le=1, description="Redundancy: max share of load per site")
    min_site_it_load_mw: float | None = Field(
        default=None, ge=0, le=MAX_IT_LOAD_MW,
        description="Minimum IT load of every site the plan uses (a campus smaller than this is not built) [MW]; "
                    "default: the catalog's min_campus_it_load_mw (sites/defaults.csv), lowered to the request's "
                    "load divided by its minimum number of sites when that is smaller; 0 = no minimum")
    locked_sites: list[Id] = Field(default_factory=list, description="Sites that must be used (existing campuses)")
    excluded_sites: list[Id] = Field(default_factory=list, description="Sites that must not be used")
    min_green_share_fraction: float = Field(default=0.0, ge=0, le=1, description="Min renewable share of energy")
    max_pue: float | None = Field(default=None, ge=1.0, le=3.0, description="PUE cap (e.g. 1.25 in national hubs)")
    avoid_water_scarce_sites: bool = Field(
        default=False, description="Bar sites in regions a source names severely water-scarce (catalog "
                                   "parameter water_scarce_region; e.g. for waterside cooling); unassessed ones stay")
    carbon_price_yuan_per_t: float = Field(default=0.0, ge=0, le=10000, description="Carbon price [yuan/tCO2]")
    budget_yuan_per_year: float | None = Field(default=None, gt=0, le=1e13, description="Cap on total annualised cost")
    horizon_years: float | None = Field(default=None, ge=1, le=50)
    discount_rate_fraction: float | None = Field(default=None, ge=0, le=0.5)
    cooling: CoolingTechnology = "airside"
    measured_rtt_ms: dict[Id, dict[Id, Annotated[float, Field(gt=0, le=1000)]]] | None = Field(
        default=None,
        description="Measured round-trip times [ms] by site then demand centre; they replace the modelled RTT "
                    "for those pairs in rank, optimise and every analysis. Needs measured_rtt_source",
    )
    measured_rtt_source: str | None = Field(
        default=None, min_length=3, max_length=500,
        description="Where the measurements come from (tool, date, vantage points), e.g. 'ping from ECS, 2026-10'",
    )
    in_service_year: int | None = Field(
        default=None, ge=2020, le=2060,
        description="Year the first phase comes into service (default: defaults.in_service_year); grid capacity "
                    "for each phase is taken in its own year")
    green_options: list[PackageId] = Field(
        default_factory=list, max_length=10,
        description="Ways to buy or make renewable energy the optimiser may use, to meet min_green_share_fraction "
                    "or where they cost less than grid energy (sites/green_options.csv: gec certificates, green-trade "
                    "green electricity, ppa-nx-pv a Ningxia PV PPA, onsite-pv campus solar at its LCOE; each applies "
                    "where its scope says); none by default: the share comes from the grid mix")
    emissions_accounting: Literal["location", "market"] = Field(
        default="location",
        description="Scope 2 accounting of the carbon price and of reported emissions: location (grid average "
                    "factor for all energy drawn from the grid; bought options only count toward the green share, "
                    "on-site solar lowers the draw itself) or market (renewable energy bought through green_options "
                    "carries no emissions, so each MWh bought saves its site's grid factor x the carbon price)")
    packages: list[PackageId] = Field(
        default_factory=list, max_length=20,
        description="Negotiated deals and policy packages to apply (sites/packages.csv, `siting packages`), e.g. "
                    "zhongwei-aws-2015; none by default: every site pays its published tariff",
    )
    apply_subsidies: bool = True
    eligibility: list[Id] = Field(
        default_factory=list,
        description="Conditions the project meets (e.g. domestic_ai_chips) that unlock conditional subsidies",
    )

    @model_validator(mode="before")
    @classmethod
    def _removed_fields(cls, data: Any) -> Any:
        if isinstance(data, dict) and "use_policy_prices" in data:
            raise ValueError("use_policy_prices was removed: every site pays its published tariff unless the "
                             "request names packages, e.g. packages: [zhongwei-aws-2015] (list them with "
                             "`siting packages`)")
        return data

    @model_validator(mode="after")
    def _consistent(self) -> SiteRequest:
        total = sum(c.share_fraction for c in self.classes)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"classes: share_fraction must sum to 1, got {total:g}")
        names = [c.name for c in self.classes]
        if len(set(names)) != len(names):
            raise ValueError(f"classes: names must be unique, got {names}")
        if self.max_sites is not None and self.max_sites < self.min_sites:
            raise ValueError(f"max_sites ({self.max_sites}) must be >= min_sites ({self.min_sites})")
        if self.measured_rtt_ms and not self.measured_rtt_source:
            raise ValueError("measured_rtt_source: say where the measured_rtt_ms values come from (tool, date, "
                             "vantage points); a measurement without a source cannot be defended")
        if len(set(self.packages)) != len(self.packages):
            raise ValueError(f"packages: each package once, got {self.packages}")
        both = set(self.locked_sites) & set(self.excluded_sites)
        if both:
            raise ValueError(f"sites {sorted(both)} are both locked and excluded")
        if self.phases is not None:
            offsets = [p.year_offset for p in self.phases]
            if offsets != sorted(set(offsets)) or offsets[0] != 0:
                raise ValueError("phases: year_offset must start at 0 and strictly increase")
            peak = max(p.it_load_mw for p in self.phases)
            if abs(peak - self.it_load_mw) > 1e-9 * max(1.0, peak):
                raise ValueError(f"phases: peak load {peak:g} MW must equal it_load_mw {self.it_load_mw:g} MW")
        return self


def _format_validation_error(exc: ValidationError) -> RequestError:
    parts = []
    first_field = None
    for err in exc.errors():
        loc = field_path(err["loc"]) or "request"
        first_field = first_field or loc
        value = err.get("input")
        shown = "" if isinstance(value, dict | list) else f" = {value!r}"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{loc}{shown}: {msg}")
    return RequestError("invalid request: " + "; ".join(parts), field=first_field)


def parse_request(data: Any) -> SiteRequest:
    """Validate a mapping (from JSON/YAML) as a :class:`SiteRequest`."""
    if isinstance(data, SiteRequest):
        return data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RequestError(f"a request must be a mapping of fields, got {type(data).__name__}", field="request")
    try:
        return SiteRequest.model_validate(data)
    except ValidationError as exc:
        raise _format_validation_error(exc) from None


class _Yaml12FloatLoader(yaml.SafeLoader):
    """PyYAML's safe loader reading floats as YAML 1.2 does.

    YAML 1.1 (PyYAML) requires a dot in a float, so ``1e9`` is the *string* "1e9" while
    ``1.0e9`` is a number; a planner writing ``budget_yuan_per_year: 1e9`` means the number.
    """


_Yaml12FloatLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


#: Largest request or scenario file read [bytes]: the largest shipped example is a few kB; a file of many
#: megabytes is a mistake (or /dev/zero) and would take minutes to parse.
MAX_INPUT_BYTES = 1_000_000
#: Most digits an integer in an input file may have: far beyond any quantity here, far below Python's own limit
#: on converting text to int (4,300 digits, which raises ValueError without a line).
MAX_INTEGER_DIGITS = 400


class _StrictYamlLoader(_Yaml12FloatLoader):
    """The YAML 1.2-float loader that also refuses a key given twice in one mapping (PyYAML keeps the last one
    silently: ``it_load_mw: 20`` then ``it_load_mw: 5000`` ran 5,000 MW) and integers of more than
    :data:`MAX_INTEGER_DIGITS` digits; both errors name the line."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base class reports it
                continue
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first on line {first}; each key once)", key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > MAX_INTEGER_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"an integer of {digits} digits; at most {MAX_INTEGER_DIGITS} are accepted",
                node.start_mark)
        value: int = super().construct_yaml_int(node)
        return value


_StrictYamlLoader.add_constructor("tag:yaml.org,2002:int", _StrictYamlLoader.construct_yaml_int)


def load_yaml(text: str) -> Any:
    """Parse YAML text safely, with YAML 1.2 exponent floats (``1e9`` is a number); a duplicate key or an integer
    of more than :data:`MAX_INTEGER_DIGITS` digits is a :class:`yaml.YAMLError` naming the line."""
    return yaml.load(text, Loader=_StrictYamlLoader)  # noqa: S506 - a SafeLoader subclass


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` of :func:`load_mapping`: a key given twice in one JSON object is an error."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r} (each key once)")
        out[key] = value
    return out


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueError(f"an integer of {len(text.lstrip('-'))} digits; at most {MAX_INTEGER_DIGITS} are accepted")
    return int(text)


def load_mapping(path: str | Path) -> Any:
    """Read a YAML or JSON file; errors name the file and the line.

    Refused with a :class:`RequestError`: a file over :data:`MAX_INPUT_BYTES` (read no further, so /dev/zero
    ends at once), an empty one (it would silently run the defaults), a key given twice, an integer of more than
    :data:`MAX_INTEGER_DIGITS` digits, text that is not UTF-8.
    """
    p = Path(path)
    try:
        with p.open("rb") as f:
            raw = f.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise RequestError(f"cannot read {p}: {exc.strerror}", field=str(p)) from None
    if len(raw) > MAX_INPUT_BYTES:
        raise RequestError(f"{p} is larger than the limit of {MAX_INPUT_BYTES:,} bytes for a request or scenario "
                           "file", field=str(p))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestError(f"{p} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start}); "
                           "save it as UTF-8", field=str(p)) from None
    try:
        if p.suffix.lower() == ".json":
            data = json.loads(text, object_pairs_hook=_json_pairs, parse_int=_json_int) if text.strip() else None
        else:
            data = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise RequestError(f"{p} is not valid YAML/JSON{where}: {problem}", field=str(p)) from None
    except json.JSONDecodeError as exc:
        raise RequestError(f"{p} is not valid YAML/JSON: {str(exc).splitlines()[0]}", field=str(p)) from None
    except ValueError as exc:  # the JSON hooks above
        raise RequestError(f"{p} is not valid JSON: {exc}", field=str(p)) from None
    except RecursionError:
        raise RequestError(f"{p} is nested too deeply to be a request or scenario", field=str(p)) from None
    if data is None:
        raise RequestError(f"{p} is empty: give at least one field (an empty file would run the defaults)",
                           field=str(p))
    return data


def load_request(path: str | Path) -> SiteRequest:
    """Load and validate a request file (YAML or JSON)."""
    return parse_request(load_mapping(path))
