"""Scenario files: a named base request plus overrides of the request and the catalog.

A scenario (YAML or JSON) is validated strictly; unknown keys are rejected and a bad
path or value names itself in the :class:`~siting.errors.RequestError` (``.field`` is the
path, e.g. ``overrides.sites.zhongwei.electricity_price_list_yuan_per_kwh``)::

    name: zhongwei-dearer
    description: Zhongwei's tariff up, with its 2015 deal as a package
    extends: base.yaml                # optional: start from another scenario file
    request: ../default.yaml          # a request file (relative to this file) or a mapping
    overrides:                        # dotted paths, or the same paths nested
      sites.zhongwei.electricity_price_list_yuan_per_kwh: 0.5
      request.packages: [zhongwei-aws-2015]   # a negotiated deal or policy (siting packages)
      request.classes.interactive.max_rtt_ms: 20
      carbon_price_yuan_per_t: 100    # bare request fields mean request.<field>
      defaults.discount_rate_fraction: 0.06
      subsidies.remove: [zhongwei-bw-2015]
      subsidies.add: [{subsidy_id: x, site: yaan, kind: capex, rate_fraction: 0.1}]
      subsidies.yaan-capex-2023.cap_yuan: 10000000
    monte_carlo: {samples: 1000, seed: 7, parameters: {PATH: DISTRIBUTION, ...}}
    sensitivity: {change_fraction: 0.2, parameters: {PATH: null | {change_fraction} | {low, high}}}

Paths (units are those of the field or of ``sites/schema.csv``):

- ``request.<field>``, ``request.classes.<class name>.<field>``, ``request.phases.<n>.<field>``
- ``sites.<site id>.<parameter>`` (``sites.*.<parameter>`` in sweeps: every candidate);
  the virtual parameter ``electricity_price_yuan_per_kwh`` is the price in effect
  (an opted-in package's price where one applies at the site, else the published tariff)
- ``defaults.<parameter>``
- ``subsidies.<subsidy id>.<field>``, ``subsidies.remove``, ``subsidies.add``

Distributions (Monte Carlo): ``uniform`` (low, high), ``triangular`` (low, mode, high),
``normal`` (mean, std; clipped to ``low``/``high``, by default the schema range),
``discrete`` (values, optional weights).  ``relative: true`` makes the draw a factor
applied to the scenario's value (``sites.*.capex_yuan_per_mw: {distribution: normal,
mean: 1, std: 0.1, relative: true}``).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from siting.data.catalog import Catalog, Subsidy, default_catalog
from siting.data.request import PRINTABLE, SiteRequest, WorkloadClass, load_mapping, parse_request
from siting.errors import RequestError, SitingError, field_path
from siting.optimization.problem import candidate_sites, effective_price_parameter

#: Virtual site parameter: the electricity price actually used [yuan/kWh].
EFFECTIVE_PRICE = "electricity_price_yuan_per_kwh"
_SUBSIDY_NUMERIC = ("amount_yuan", "rate_fraction", "price_reduction_yuan_per_kwh", "cap_yuan",
                    "duration_years")
_SUBSIDY_TEXT = ("conditions", "requires", "note")
_MAX_EXTENDS_DEPTH = 10
#: How deeply an ``overrides`` document may nest mappings and lists.  The deepest path a scenario can name,
#: ``overrides.request.classes.<class>.demand_weights.<centre>``, is five mappings deep; anything past this is
#: not a scenario (and would exhaust a serialiser's recursion limit: issue 26).
MAX_OVERRIDE_DEPTH = 8
#: The largest magnitude an override value may have: the largest finite IEEE 754 double, ~1.8e308
#: (``sys.float_info.max``).  A larger integer has no float value (``float()`` raises OverflowError).
MAX_OVERRIDE_MAGNITUDE = sys.float_info.max


def check_override_document(value: Any, where: str = "overrides", depth: int = 0) -> None:
    """Raise :class:`ValueError` naming the path when ``value`` nests deeper than :data:`MAX_OVERRIDE_DEPTH`
    or holds a number that is not finite or beyond :data:`MAX_OVERRIDE_MAGNITUDE` (issue 26)."""
    if isinstance(value, Mapping | list | tuple):
        if depth >= MAX_OVERRIDE_DEPTH:
            raise ValueError(f"{where}: nested more than {MAX_OVERRIDE_DEPTH} levels deep (the limit is "
                             f"{MAX_OVERRIDE_DEPTH}; the deepest override path is "
                             "request.classes.<class>.demand_weights.<centre>)")
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for k, v in items:
            check_override_document(v, field_path([where, k]) if isinstance(k, int) else f"{where}.{k}", depth + 1)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{where} = {value!r}: must be a finite number")
        if isinstance(value, int) and abs(value) > MAX_OVERRIDE_MAGNITUDE:
            raise ValueError(f"{where} = an integer of {_digits(value)} digits: exceeds the limit of "
                             f"{MAX_OVERRIDE_MAGNITUDE:.4g} in magnitude (the largest finite double)")


def _digits(value: int) -> int:
    """Decimal digits of ``abs(value)``, without ``str()`` (which refuses more than 4,300 digits)."""
    n = max(1, math.floor(abs(value).bit_length() * math.log10(2)))
    return n + 1 if abs(value) >= 10**n else n


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Uniform(_Strict):
    """Uniform on [low, high]."""

    distribution: Literal["uniform"]
    low: float
    high: float
    relative: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low:g}) must be < high ({self.high:g})")
        return self


class Triangular(_Strict):
    """Triangular on [low, high] with its mode at ``mode``."""

    distribution: Literal["triangular"]
    low: float
    mode: float
    high: float
    relative: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"need low <= mode <= high and low < high, got {self.low:g}, {self.mode:g}, "
                             f"{self.high:g}")
        return self


class Normal(_Strict):
    """Normal(mean, std) clipped to [low, high] (default: the parameter's allowed range)."""

    distribution: Literal["normal"]
    mean: float
    std: float = Field(gt=0)
    low: float | None = None
    high: float | None = None
    relative: bool = False


class Discrete(_Strict):
    """One of ``values`` with probabilities proportional to ``weights`` (default equal)."""

    distribution: Literal["discrete"]
    values: list[float] = Field(min_length=1)
    weights: list[Annotated[float, Field(ge=0)]] | None = None
    relative: bool = False

    @model_validator(mode="after")
    def _weights(self) -> Discrete:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"weights has {len(self.weights)} entries for {len(self.values)} values")
            if sum(self.weights) <= 0:
                raise ValueError("weights must contain a positive weight")
        return self


Distribution = Annotated[Uniform | Triangular | Normal | Discrete, Field(discriminator="distribution")]


class MonteCarloSpec(_Strict):
    """Monte Carlo section: ``samples`` draws with ``seed`` of the named parameters."""

    samples: int = Field(default=1000, ge=1, le=1_000_000)
    seed: int = Field(default=0, ge=0)
    parameters: dict[str, Distribution] = Field(min_length=1)


class SweepRange(_Strict):
    """A tornado range: +-``change_fraction`` of the value, or explicit ``low``/``high`` values."""

    change_fraction: float | None = Field(default=None, gt=0, lt=1)
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> SweepRange:
        explicit = self.low is not None or self.high is not None
        if explicit and self.change_fraction is not None:
            raise ValueError("give either change_fraction or low/high, not both")
        if explicit and (self.low is None or self.high is None):
            raise ValueError("give both low and high")
        return self


class SensitivitySpec(_Strict):
    """Tornado section: the parameters to swing and the default relative change [fraction]."""

    change_fraction: float = Field(default=0.2, gt=0, lt=1)
    parameters: dict[str, SweepRange | None] = Field(min_length=1)


class ScenarioFile(_Strict):
    """The file format of a scenario (see the module docstring)."""

    name: str = Field(min_length=1, max_length=200, pattern=PRINTABLE)
    description: str = Field(default="", max_length=2000, pattern=PRINTABLE)
    extends: str | None = None
    request: str | dict[str, Any] | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)
    monte_carlo: MonteCarloSpec | None = None
    sensitivity: SensitivitySpec | None = None

    @field_validator("overrides")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        check_override_document(value)
        return value


@dataclass(frozen=True)
class Override:
    """One resolved override: a canonical path and its value."""

    path: str
    value: Any

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "value": self.value}


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: the request with its overrides applied, plus the catalog overrides.

    ``overrides`` lists every override in application order (catalog ones first, then
    the request's); :meth:`catalog_for` applies the catalog part to a catalog.
    """

    name: str
    request: SiteRequest
    base_request: SiteRequest
    overrides: tuple[Override, ...] = ()
    description: str = ""
    monte_carlo: MonteCarloSpec | None = None
    sensitivity: SensitivitySpec | None = None
    source: str | None = None
    _catalog_cache: dict[int, tuple[Catalog, Catalog]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def catalog_overrides(self) -> tuple[Override, ...]:
        return tuple(o for o in self.overrides if not o.path.startswith("request."))

    @property
    def request_overrides(self) -> tuple[Override, ...]:
        return tuple(o for o in self.overrides if o.path.startswith("request."))

    def catalog_for(self, catalog: Catalog | None = None) -> Catalog:
        """``catalog`` (default: the shipped one) with this scenario's catalog overrides applied."""
        cat = catalog if catalog is not None else default_catalog()
        cached = self._catalog_cache.get(id(cat))
        if cached is None or cached[0] is not cat:
            self._catalog_cache.clear()
            # the request's packages first, so that an override of a site's price reaches the price it pays
            packaged = cat.with_packages(self.request.packages)
            applied = _apply_catalog_overrides(packaged, self.catalog_overrides, self.request, prefix="overrides.")
            cached = self._catalog_cache[id(cat)] = (cat, applied)
        return cached[1]

    def __getstate__(self) -> dict[str, Any]:
        # the cache holds whole catalogs: do not ship it to workers
        return {**self.__dict__, "_catalog_cache": {}}

    def apply(self, values: Mapping[str, float], catalog: Catalog | None = None) -> tuple[SiteRequest, Catalog]:
        """(request, catalog) with numeric ``values`` by concrete path applied on top of the scenario.

        The reference (slow) path used by sweeps for parameters the fast patcher cannot handle,
        by the naive benchmark loop and by the equality tests.
        """
        cat = self.catalog_for(catalog)
        cat_ov = [Override(p, v) for p, v in values.items() if not p.startswith("request.")]
        req_ov = [Override(p, v) for p, v in values.items() if p.startswith("request.")]
        cat = _apply_catalog_overrides(cat, cat_ov, self.request, prefix="")
        req = _apply_request_overrides(self.request, req_ov, prefix="") if req_ov else self.request
        return req, cat

    def value_of(self, path: str, catalog: Catalog | None = None) -> float:
        """The scenario's current value at a concrete numeric path."""
        return current_value(path, self.request, self.catalog_for(catalog))

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "request": self.request.model_dump(mode="json"),
            "overrides": [o.to_dict() for o in self.overrides],
            "monte_carlo": self.monte_carlo.model_dump(mode="json") if self.monte_carlo else None,
            "sensitivity": self.sensitivity.model_dump(mode="json") if self.sensitivity else None,
        }


# -- parsing -------------------------------------------------------------------------------


def _validation_error(exc: ValidationError, prefix: str = "") -> RequestError:
    parts = []
    first = None
    for err in exc.errors():
        loc = [x for x in err["loc"] if x not in ("uniform", "normal", "triangular", "discrete")]
        where = prefix + field_path(loc) if loc else (prefix.rstrip(".") or "scenario")
        first = first or where
        value = err.get("input")
        shown = "" if isinstance(value, dict | list) else f" = {value!r}"
        parts.append(f"{where}{shown}: {err['msg'].removeprefix('Value error, ')}")
    return RequestError("invalid scenario: " + "; ".join(parts), field=first)


def _flatten(prefix: str, value: Any, out: list[tuple[str, Any]], where: str) -> None:
    """Flatten nested override mappings into dotted paths (dict-valued leaves kept whole)."""
    leaf_dicts = prefix.endswith(".demand_weights")
    if isinstance(value, Mapping) and not leaf_dicts:
        if not value:
            raise RequestError(f"{where}{prefix}: empty mapping", field=f"{where}{prefix}")
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out, where)
    else:
        out.append((prefix, value))


def _canonical(path: str) -> str:
    head = path.split(".", 1)[0]
    if head in ("request", "sites", "defaults", "subsidies"):
        return path
    if head in SiteRequest.model_fields:
        return "request." + path
    return path


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RequestError(f"{where} = {value!r}: must be a finite number", field=where)
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the float range (~1.8e308)
        raise RequestError(f"{where} = an integer of {_digits(int(value))} digits: exceeds the limit of "
                           f"{MAX_OVERRIDE_MAGNITUDE:.4g} in magnitude", field=where) from None
    if not math.isfinite(number):
        raise RequestError(f"{where} = {value!r}: must be a finite number", field=where)
    return number


def _as_request_error(exc: SitingError, where: str, path: str) -> RequestError:
    msg = exc.message
    if msg.startswith(path):
        msg = where.removesuffix(path) + msg
    elif not msg.startswith(where):
        msg = f"{where}: {msg}"
    return RequestError(msg, field=where)


def price_parameter_at(catalog: Catalog, request: SiteRequest, site: str) -> str:
    """The catalog parameter the virtual ``electricity_price_yuan_per_kwh`` path stands for at ``site``
    (the rule itself is :func:`siting.optimization.problem.effective_price_parameter`)."""
    catalog.check_site(site)
    return effective_price_parameter(catalog.sites.loc[site], request)


def _apply_catalog_overrides(
    catalog: Catalog, overrides: Iterable[Override], request: SiteRequest, prefix: str
) -> Catalog:
    cat = catalog
    for o in overrides:
        where = prefix + o.path
        parts = o.path.split(".")
        try:
            if parts[0] == "sites":
                if len(parts) != 3:
                    raise RequestError(f"{where}: a site path is sites.<site id>.<parameter>", field=where)
                _, site, param = parts
                cat.check_site(site, field_name=where)
                if param == EFFECTIVE_PRICE:
                    param = price_parameter_at(cat, request, site)
                cat = cat.with_site_value(site, param, _number(where, o.value))
            elif parts[0] == "defaults":
                if len(parts) != 2:
                    raise RequestError(f"{where}: a default path is defaults.<parameter>", field=where)
                cat = cat.with_default(parts[1], _number(where, o.value))
            elif parts[0] == "subsidies":
                cat = _apply_subsidy_override(cat, parts[1:], o.value, where)
            else:
                raise RequestError(
                    f"{where}: unknown path; paths start with request., sites., defaults. or subsidies. "
                    f"(or a request field: {', '.join(SiteRequest.model_fields)})", field=where)
        except RequestError:
            raise
        except SitingError as exc:
            raise _as_request_error(exc, where, o.path) from None
    return cat


def _apply_subsidy_override(cat: Catalog, parts: list[str], value: Any, where: str) -> Catalog:
    subs = list(cat.subsidies)
    ids = [s.subsidy_id for s in subs]
    if parts == ["remove"]:
        items = value if isinstance(value, list) else [value]
        for n, sid in enumerate(items):
            if sid not in ids:
                raise RequestError(f"{where}[{n}] = {sid!r}: unknown subsidy id; known: {', '.join(ids)}",
                                   field=f"{where}[{n}]")
        return cat.with_subsidies(s for s in subs if s.subsidy_id not in items)
    if parts == ["add"]:
        items = value if isinstance(value, list) else [value]
        for n, rec in enumerate(items):
            w = f"{where}[{n}]"
            if not isinstance(rec, Mapping):
                raise RequestError(f"{w}: a subsidy must be a mapping of Subsidy fields", field=w)
            unknown = sorted(set(rec) - set(Subsidy.__dataclass_fields__))
            if unknown:
                raise RequestError(f"{w}: unknown field(s) {', '.join(unknown)}; allowed: "
                                   f"{', '.join(Subsidy.__dataclass_fields__)}", field=w)
            missing = [k for k in ("subsidy_id", "site", "kind") if k not in rec]
            if missing:
                raise RequestError(f"{w}: missing field(s) {', '.join(missing)}", field=w)
            if rec["subsidy_id"] in ids:
                raise RequestError(f"{w}.subsidy_id = {rec['subsidy_id']!r}: already in the catalog",
                                   field=f"{w}.subsidy_id")
            data = {"source": "scenario", "status": "assumption", **rec}
            for k in _SUBSIDY_NUMERIC:
                if data.get(k) is not None:
                    data[k] = _number(f"{w}.{k}", data[k])
            subs.append(Subsidy(**data))
            ids.append(str(rec["subsidy_id"]))
        return cat.with_subsidies(subs)
    if len(parts) != 2:
        raise RequestError(f"{where}: a subsidy path is subsidies.remove, subsidies.add or "
                           "subsidies.<subsidy id>.<field>", field=where)
    sid, fld = parts
    if sid not in ids:
        raise RequestError(f"{where}: unknown subsidy id {sid!r}; known: {', '.join(ids)}", field=where)
    if fld in _SUBSIDY_NUMERIC:
        new: Any = None if value is None else _number(where, value)
    elif fld in _SUBSIDY_TEXT:
        new = str(value)
    else:
        raise RequestError(f"{where}: unknown subsidy field {fld!r}; allowed: "
                           f"{', '.join(_SUBSIDY_NUMERIC + _SUBSIDY_TEXT)}", field=where)
    return cat.with_subsidies(replace(s, **{fld: new}) if s.subsidy_id == sid else s for s in subs)


def _apply_request_overrides(base: SiteRequest, overrides: Iterable[Override], prefix: str) -> SiteRequest:
    data = base.model_dump()
    locs: list[tuple[str, str, Any]] = []  # (pydantic loc spelt by field_path, where, value)
    for o in overrides:
        where = prefix + o.path
        parts = o.path.split(".")[1:]
        if not parts:
            raise RequestError(f"{where}: name a request field", field=where)
        f0 = parts[0]
        if f0 not in SiteRequest.model_fields:
            raise RequestError(f"{where}: unknown request field {f0!r}; allowed: "
                               f"{', '.join(SiteRequest.model_fields)}", field=where)
        if len(parts) == 1:
            data[f0] = o.value
            locs.append((f0, where, o.value))
            continue
        if f0 == "classes":
            names = [c["name"] for c in data["classes"]]
            key = parts[1]
            idx = names.index(key) if key in names else (int(key) if key.isdigit() and int(key) < len(names)
                                                          else None)
            if idx is None:
                raise RequestError(f"{where}: no workload class {key!r}; classes: {', '.join(names)}",
                                   field=where)
            if len(parts) < 3 or parts[2] not in WorkloadClass.model_fields:
                raise RequestError(f"{where}: name a class field; allowed: "
                                   f"{', '.join(WorkloadClass.model_fields)}", field=where)
            cls = data["classes"][idx]
            if len(parts) == 3:
                cls[parts[2]] = o.value
            elif len(parts) == 4 and parts[2] == "demand_weights":
                cls["demand_weights"] = {**(cls["demand_weights"] or {}), parts[3]: o.value}
            else:
                raise RequestError(f"{where}: path is too long", field=where)
            locs.append((f"classes[{idx}].{parts[2]}", where, o.value))
        elif f0 == "phases" and data["phases"] and len(parts) == 3 and parts[1].isdigit():
            n = int(parts[1])
            if n >= len(data["phases"]) or parts[2] not in ("year_offset", "it_load_mw"):
                raise RequestError(f"{where}: no such phase field", field=where)
            data["phases"][n][parts[2]] = o.value
            locs.append((f"phases[{n}].{parts[2]}", where, o.value))
        else:
            raise RequestError(f"{where}: {f0} has no sub-fields", field=where)
    try:
        return SiteRequest.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = field_path(err["loc"])  # the spelling of the paths in locs
        msg = err["msg"].removeprefix("Value error, ")
        for ploc, where, value in reversed(locs):
            if loc == ploc or loc.startswith(ploc + ".") or (not loc and ploc in msg):
                raise RequestError(f"{where} = {value!r}: {msg}", field=where) from None
        raise RequestError(f"{prefix}request (after overrides) {loc or ''}: {msg}".replace("  ", " "),
                           field=f"{prefix}request.{loc}" if loc else f"{prefix}request") from None


def current_value(path: str, request: SiteRequest, catalog: Catalog) -> float:
    """The value at a concrete numeric path (NaN when an optional catalog value is unknown)."""
    parts = path.split(".")
    if parts[0] == "sites" and len(parts) == 3:
        site, param = parts[1], parts[2]
        catalog.check_site(site, field_name=path)
        if param == EFFECTIVE_PRICE:
            param = price_parameter_at(catalog, request, site)
        return catalog.site_value(site, param)
    if parts[0] == "defaults" and len(parts) == 2:
        if parts[1] not in catalog.defaults:
            raise RequestError(f"{path}: unknown default parameter", field=path)
        return float(catalog.defaults[parts[1]])
    if parts[0] == "subsidies" and len(parts) == 3:
        for s in catalog.subsidies:
            if s.subsidy_id == parts[1] and parts[2] in _SUBSIDY_NUMERIC:
                v = getattr(s, parts[2])
                return float("nan") if v is None else float(v)
        raise RequestError(f"{path}: unknown subsidy or field", field=path)
    if parts[0] == "request":
        data: Any = request.model_dump()
        for n, p in enumerate(parts[1:]):
            if isinstance(data, list):
                names = [c.get("name") if isinstance(c, dict) else None for c in data]
                data = data[names.index(p)] if p in names else data[int(p)] if p.isdigit() else None
            elif isinstance(data, dict) and p in data:
                data = data[p]
            else:
                raise RequestError(f"{path}: no request value at {'.'.join(parts[:n + 2])}", field=path)
        if data is None:
            return float("nan")
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise RequestError(f"{path}: not a numeric request field", field=path)
        return float(data)
    raise RequestError(f"{path}: not a numeric parameter path", field=path)


def expand_path(path: str, request: SiteRequest, catalog: Catalog) -> list[str]:
    """Concrete paths of a sweep path (``sites.*.x`` -> one per candidate site)."""
    path = _canonical(path)
    parts = path.split(".")
    if parts[0] == "sites" and len(parts) == 3 and parts[1] == "*":
        return [f"sites.{s}.{parts[2]}" for s in candidate_sites(catalog, request)]
    return [path]


def _inside(root: Path | None, path: Path, field: str) -> Path:
    """``path`` itself, or a RequestError when a sandbox ``root`` is set and the path leaves it."""
    if root is None:
        return path
    resolved, top = path.resolve(), root.resolve()
    if not resolved.is_relative_to(top) or not resolved.is_file():
        shipped = sorted(str(p.relative_to(top)) for p in top.rglob("*.yaml"))
        raise RequestError(f"{field}: {path.name!r} is not one of the examples shipped with siting, the only files "
                           f"a scenario may name here ({', '.join(shipped)}); otherwise send the request inline",
                           field=field)
    return resolved


def parse_scenario(
    mapping: Any, *, base_dir: str | Path | None = None, catalog: Catalog | None = None,
    source: str | None = None, _depth: int = 0, sandbox: str | Path | None = None,
) -> Scenario:
    """Validate a scenario mapping (see the module docstring).

    Relative paths (``request``, ``extends``) are resolved against ``base_dir``
    (default: the working directory); with ``sandbox`` (the HTTP API: the shipped examples)
    they may not leave that folder.  Overrides are checked against ``catalog``
    (default: the shipped one), so unknown sites, parameters and out-of-range values
    fail here with the path in the message and in ``RequestError.field``.
    """
    if not isinstance(mapping, Mapping):
        raise RequestError(f"a scenario must be a mapping, got {type(mapping).__name__}", field="scenario")
    try:
        spec = ScenarioFile.model_validate(dict(mapping))
    except ValidationError as exc:
        raise _validation_error(exc) from None
    cat = catalog if catalog is not None else default_catalog()
    base = Path(base_dir) if base_dir is not None else Path.cwd()

    parent: Scenario | None = None
    if spec.extends is not None:
        if _depth >= _MAX_EXTENDS_DEPTH:
            raise RequestError(f"extends: more than {_MAX_EXTENDS_DEPTH} levels (a cycle?)", field="extends")
        target = _inside(Path(sandbox) if sandbox else None, base / spec.extends, "extends")
        parent = load_scenario(target, catalog=cat, _depth=_depth + 1, sandbox=sandbox)

    if isinstance(spec.request, str):
        try:
            base_req = parse_request(load_mapping(_inside(Path(sandbox) if sandbox else None, base / spec.request,
                                                          "request")))
        except RequestError as exc:
            raise RequestError(f"request ({spec.request}): {exc.message}",
                               field=f"request.{exc.field}" if exc.field else "request") from None
    elif isinstance(spec.request, dict):
        try:
            base_req = parse_request(spec.request)
        except RequestError as exc:
            raise RequestError(f"request: {exc.message}",
                               field=f"request.{exc.field}" if exc.field else "request") from None
    elif parent is not None:
        base_req = parent.base_request
    else:
        base_req = parse_request({})

    flat: list[tuple[str, Any]] = []
    if spec.overrides:
        _flatten("", spec.overrides, flat, "overrides.")
    own = [Override(_canonical(p), v) for p, v in flat]
    inherited = list(parent.overrides) if parent is not None and spec.request is None else (
        list(parent.catalog_overrides) if parent is not None else [])
    overrides = tuple(inherited + own)
    request = _apply_request_overrides(base_req, [o for o in overrides if o.path.startswith("request.")],
                                       prefix="overrides.")
    cat_ov = tuple(o for o in overrides if not o.path.startswith("request."))
    scenario = Scenario(
        name=spec.name, description=spec.description, request=request, base_request=base_req,
        overrides=cat_ov + tuple(o for o in overrides if o.path.startswith("request.")),
        monte_carlo=spec.monte_carlo or (parent.monte_carlo if parent else None),
        sensitivity=spec.sensitivity or (parent.sensitivity if parent else None),
        source=source,
    )
    scenario.catalog_for(cat)  # validates the catalog overrides now, naming the bad path
    if scenario.monte_carlo is not None:
        for path, dist in scenario.monte_carlo.parameters.items():
            _check_sweep_path(scenario, cat, f"monte_carlo.parameters.{path}", path, _support(dist),
                              dist.relative)
    if scenario.sensitivity is not None:
        for path, rng in scenario.sensitivity.parameters.items():
            if rng is not None and rng.low is not None and rng.high is not None:
                _check_sweep_path(scenario, cat, f"sensitivity.parameters.{path}", path,
                                  (rng.low, rng.high), False)
            else:
                _check_sweep_path(scenario, cat, f"sensitivity.parameters.{path}", path, (), True)
    return scenario


def _support(dist: Uniform | Triangular | Normal | Discrete) -> tuple[float, ...]:
    if isinstance(dist, Uniform | Triangular):
        return (dist.low, dist.high)
    if isinstance(dist, Discrete):
        return (min(dist.values), max(dist.values))
    return tuple(x for x in (dist.low, dist.high) if x is not None)


def _check_sweep_path(
    scenario: Scenario, catalog: Catalog, where: str, path: str, endpoints: tuple[float, ...], relative: bool
) -> None:
    """A sweep path must resolve to numeric values and its endpoints must be valid inputs."""
    try:
        paths = expand_path(path, scenario.request, scenario.catalog_for(catalog))
        for p in paths:
            if p.startswith("subsidies.") and p.split(".")[-1] not in _SUBSIDY_NUMERIC:
                raise RequestError(f"{p}: not a numeric subsidy field", field=p)
            value = scenario.value_of(p, catalog)
            if relative and not np.isfinite(value):
                raise RequestError(f"{p} has no value in this scenario to scale", field=p)
            for e in endpoints:
                scenario.apply({p: e * value if relative else e}, catalog)
    except SitingError as exc:
        msg = exc.message
        raise RequestError(f"{where}: {msg}", field=where) from None


def load_scenario(path: str | Path, *, catalog: Catalog | None = None, _depth: int = 0,
                  sandbox: str | Path | None = None) -> Scenario:
    """Load and validate a scenario file (YAML or JSON); relative paths are taken from its folder."""
    p = Path(path)
    data = load_mapping(p)
    try:
        return parse_scenario(data, base_dir=p.parent, catalog=catalog, source=str(p), _depth=_depth,
                              sandbox=sandbox)
    except RequestError as exc:
        if str(p) in exc.message:
            raise
        raise RequestError(f"{p}: {exc.message}", field=exc.field) from None
