"""The only place the service calls the engine: validate, score, optimise, run a job.

Handlers call these functions and shape nothing but HTTP; there is no maths here
either, only conversion of engine results into JSON-safe data.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import siting
from siting.analysis import scenarios
from siting.analysis.compare import compare_scenarios
from siting.analysis.explain import assumption_share, leading
from siting.analysis.explain import explain as tell_story
from siting.analysis.pareto import pareto as run_pareto
from siting.analysis.robust import robust as run_robust
from siting.analysis.scorecard import provenance_for
from siting.data.catalog import Catalog
from siting.data.request import SiteRequest
from siting.errors import RequestError, SitingError
from siting.optimization.problem import build_site_problem
from siting.serialize import frame_records, to_jsonable

from .errors import NotFoundError

log = logging.getLogger("api.engine")

_REQUEST_FIELDS = frozenset(SiteRequest.model_fields)
F = TypeVar("F", bound=Callable[..., Any])


def in_request_body(fn: F) -> F:
    """The engine names a bad field relative to the site request (``packages[0]``,
    ``classes[0].demand_regions``); over HTTP the request sits under ``request`` in the body, so the
    error's field is the body path (``request.packages[0]``), spelt like the validation errors'."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except SitingError as exc:
            head = re.split(r"[.\[]", exc.field or "", maxsplit=1)[0]
            if head in _REQUEST_FIELDS:
                exc.field = f"request.{exc.field}"
            raise
    return wrapper  # type: ignore[return-value]


def catalog() -> Catalog:
    return siting.default_catalog()


def sites_geojson() -> dict[str, Any]:
    return to_jsonable(catalog().sites_geojson())


def centres_geojson() -> dict[str, Any]:
    """The demand centres as a GeoJSON FeatureCollection (name, province, region, population)."""
    features = []
    for centre, row in catalog().centres.iterrows():
        features.append({"type": "Feature", "id": str(centre),
                         "geometry": {"type": "Point", "coordinates": [float(row["lon_deg"]), float(row["lat_deg"])]},
                         "properties": {"id": str(centre), "name_en": str(row["name_en"]),
                                        "name_zh": str(row["name_zh"]), "province": str(row["province"]),
                                        "region": str(row["region"]),
                                        "population_million": float(row["population_million"])}})
    return {"type": "FeatureCollection", "features": features}


def options() -> dict[str, Any]:
    """The packages and green options of the catalog, with provenance (what a request may opt into)."""
    cat = catalog()
    return to_jsonable({"packages": [p.to_dict() for p in cat.packages.values()],
                        "green_options": cat.green_option_records()})


def basemap_geojson() -> bytes:
    """The offline basemap (Natural Earth 1:50m countries, clipped; siting/report/basemap/README.md)."""
    from importlib import resources

    return resources.files("siting.report").joinpath("basemap/east_asia_50m.geojson").read_bytes()


def site_feature(site_id: str) -> dict[str, Any]:
    """One site's GeoJSON feature; unknown id -> NotFoundError (a path id, so 404)."""
    if site_id not in catalog().site_ids:
        raise NotFoundError(f"no site with id {site_id!r}; GET /v1/sites lists them", field="site_id")
    for feature in sites_geojson()["features"]:
        if feature["id"] == site_id:
            return feature
    raise NotFoundError(f"no site with id {site_id!r}", field="site_id")  # pragma: no cover


@in_request_body
def validate_ids(req: SiteRequest) -> None:
    """Check the request against the catalog (unknown site/centre ids) without solving."""
    build_site_problem(catalog(), req)


@in_request_body
def score(req: SiteRequest, all_sites: bool | None, with_provenance: bool) -> dict[str, Any]:
    cat = catalog()
    df = siting.rank(req, cat, all_sites=all_sites)
    rows: list[dict[str, Any]] = frame_records(df) or []
    if with_provenance:
        for row in rows:
            row["provenance"] = to_jsonable(provenance_for(cat, str(row["site"]), req))
    return {"request": req.model_dump(mode="json"), "sites": rows}


@in_request_body
def optimize(req: SiteRequest, time_limit_s: float, explain: bool,
             robust: dict[str, Any] | None = None) -> dict[str, Any]:
    cat = catalog()
    # the server's time limit is wall-clock: solve, diagnosis and explanations share it
    result = siting.optimize(req, cat, time_limit_s=time_limit_s, explain=explain, wall_clock_s=time_limit_s)
    out = result.to_dict()
    robust_result = None
    if result.status in ("optimal", "time_limit"):
        share, names = assumption_share(result, req, cat)
        out["cost_on_assumptions"] = {"share": share, "values": names}
        out["leading_inputs"] = leading(result, req, cat)
        if robust is not None:
            robust_result = run_robust(req, cat, samples=int(robust["samples"]), seed=int(robust["seed"]), workers=1)
            out["robust"] = robust_result.to_dict()
    # the same story the CLI prints and the report tells (siting.analysis.explain)
    out["explanation"] = [s.to_dict() for s in tell_story(result, req, cat, robust_result)]
    return to_jsonable(out)


@in_request_body
def export(req: SiteRequest, fmt: str, time_limit_s: float, explain_: bool,
           robust: dict[str, Any] | None = None) -> tuple[bytes, str, str]:
    """The optimisation result of ``req`` as a file: (content, media type, file name).

    csv: per-site table; xlsx: every table and the explanation; geojson: flat sites and allocation
    lines; html: the full report (ranking, optimum, story, map, sources) -- siting.report.  ``robust``
    ({samples, seed}; xlsx and html) re-solves over the catalog's ranges for the story's "how sure".
    """
    from siting.report import exports
    from siting.report.html import render_report

    cat = catalog()
    result = siting.optimize(req, cat, time_limit_s=time_limit_s, explain=explain_ or fmt == "html",
                             wall_clock_s=time_limit_s)
    if result.objective_yuan_per_year is None:
        detail = "; ".join(str(f["message"]) for f in result.diagnosis) or result.message or result.status
        raise RequestError(f"request is {result.status}, there is no plan to export: {detail}", field="request")
    sure = (run_robust(req, cat, samples=int(robust["samples"]), seed=int(robust["seed"]), workers=1)
            if robust is not None else None)
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in req.name)[:80] or "siting"
    if fmt == "csv":
        content = exports.to_csv(result, cat).encode("utf-8")
    elif fmt == "xlsx":
        content = exports.to_xlsx(result, cat, tell_story(result, req, cat, sure))
    elif fmt == "geojson":
        content = exports.geojson_text(result, cat).encode("utf-8")
    else:
        content = render_report(cat, req, siting.rank(req, cat), result, sure).encode("utf-8")
    return content, exports.MEDIA_TYPES[fmt], f"{stem}.{fmt}"


@in_request_body
def pareto(req: SiteRequest, criterion: str, points: int, time_limit_s: float) -> dict[str, Any]:
    frontier = run_pareto(req, catalog(), criterion=criterion, points=points,  # type: ignore[arg-type]
                          time_limit_s=time_limit_s)
    return to_jsonable(frontier.to_dict())


@in_request_body
def classic(req: SiteRequest, p: int | None, radius_ms: float | None) -> dict[str, Any]:
    from siting.analysis.classic import classic_views

    return to_jsonable(classic_views(req, catalog(), p=p, radius_ms=radius_ms).to_dict())


@in_request_body
def stage(req: SiteRequest, options: dict[str, Any], time_limit_s: float) -> dict[str, Any]:
    from siting.optimization.staging import StagingOptions
    from siting.optimization.staging import stage as run_stage

    return to_jsonable(run_stage(req, catalog(), StagingOptions(**options), time_limit_s=time_limit_s).to_dict())


def error_dict(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field}


def run_job(request: dict[str, Any], options: dict[str, Any]) -> tuple[str, dict[str, Any] | None,
                                                                        dict[str, Any] | None]:
    """Run one stored job: ``(status, result, error)`` with status ``done`` or ``failed``.

    An infeasible request is ``done`` (the answer is the diagnosis); a solver error or any
    exception is ``failed`` with the reason.  Never raises.
    """
    try:
        req = siting.parse_request(request)
        if options.get("kind") == "pareto":  # a long frontier (POST /v1/pareto above the synchronous limit)
            frontier = pareto(req, str(options["criterion"]), int(options["points"]), float(options["time_limit_s"]))
            return "done", {"status": "optimal", "frontier": frontier}, None
        result = optimize(req, float(options["time_limit_s"]), bool(options.get("explain", False)),
                          options.get("robust"))
    except SitingError as exc:
        return "failed", None, error_dict(exc.code, exc.message, exc.field)
    except Exception as exc:  # a bug in the engine must fail the job, not lose it
        log.exception("job crashed")
        return "failed", None, error_dict("internal_error", f"{type(exc).__name__}: {exc}")
    if result["status"] == "error":
        return "failed", result, error_dict("solver_error", result.get("message") or "solver error")
    return "done", result, None


# -- scenarios (siting.analysis.scenarios.parse_scenario, siting.analysis.compare.compare_scenarios) ------------
def examples_dir() -> Path:
    """The example requests and scenarios shipped in the package (the repository's examples/)."""
    from importlib import resources

    return Path(str(resources.files("siting.examples")))


def parse_scenario(document: dict[str, Any], field: str = "scenario") -> Any:
    """Validate a scenario document (RequestError naming the bad path, as 422).

    Over HTTP ``request: FILE`` and ``extends: FILE`` may name only the examples shipped with
    siting (``examples/``, resolved as if the document sat in ``examples/scenarios/``), so the
    example scenario files can be sent as they are; any other path is refused with the list.
    """
    at = "" if field == "scenario" else f"{field}."
    root = examples_dir()
    try:
        return scenarios.parse_scenario(document, catalog=catalog(), base_dir=root / "scenarios", sandbox=root)
    except SitingError as exc:
        if at and exc.field:
            exc.field = at + exc.field
            exc.message = f"{field}: {exc.message}"
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        log.exception("scenario validation crashed (an engine bug); reported as invalid input")
        raise RequestError(f"{at or 'scenario: '}invalid scenario ({type(exc).__name__}: {exc})",
                           field=field) from None


def scenario_name(scenario: Any, document: dict[str, Any]) -> str:
    return str(getattr(scenario, "name", None) or document.get("name") or "scenario")


def compare(scenario_list: list[Any], explain: bool, wall_clock_s: float | None = None) -> dict[str, Any]:
    comparison = compare_scenarios(scenario_list, catalog(), explain=explain, wall_clock_s=wall_clock_s)
    return to_jsonable(comparison.to_dict())
