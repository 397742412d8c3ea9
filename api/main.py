"""The FastAPI application: ``create_app(settings)`` wires routers, errors, limits and storage.

Start-up (lifespan): run the migrations (``alembic upgrade head``), open the
database, load the catalog, recover jobs interrupted by a dead worker, and start
the in-process worker threads unless ``run_worker`` is off (compose runs a
separate ``siting worker``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

import siting

from . import compute, engine, jobs
from .db import Database
from .errors import install_error_handlers
from .middleware import BodySizeLimit, SecurityHeaders, inline_hashes
from .migrate import upgrade
from .routes import admin, classic, compare, exports, optimize, pareto, requests, scenarios, score, sites, stage, web
from .schemas import HealthPublic, ReadyPublic
from .settings import Settings, get_settings
from .worker import WorkerPool

log = logging.getLogger("api")

DESCRIPTION = """\
Where to put data-centre IT load in western China: site catalog with provenance, score cards,
exact optimisation (MILP) and scenario comparison, as a service.

* Sites are public; everything else needs an API key in the `X-API-Key` header
  (`siting keys create OWNER`).  Stored requests and scenarios belong to their key: another key
  gets 404.
* Long optimisations: `POST /v1/requests` (202 + id), then poll `GET /v1/requests/{id}`.
* Every error is `{"error": {"code", "message", "field"}}`; limits are named in the message.
"""


def _start(app: FastAPI, settings: Settings) -> None:
    """Start the service's resources once; a nested lifespan (a test client inside another) shares them."""
    running = getattr(app.state, "lifespans", 0)
    app.state.lifespans = running + 1
    if running:
        return
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    app.state.db = db
    engine.catalog()  # load and validate the shipped catalog once, before the first request
    rec = jobs.recover(db, settings.stale_after_s, settings.max_attempts)
    if rec.requeued or rec.failed:
        log.warning("start-up: %d interrupted job(s) re-queued, %d failed",
                    len(rec.requeued), len(rec.failed))
    pool = WorkerPool(db, settings, settings.worker_threads if settings.run_worker else 0)
    pool.start()
    app.state.pool = pool
    compute.configure(settings.compute_processes)
    compute.warm()


def _stop(app: FastAPI) -> None:
    """Stop them when the outermost lifespan ends (an inner one would leave the outer's database
    connections to the garbage collector: the psycopg ResourceWarning of the PostgreSQL schemathesis run)."""
    app.state.lifespans -= 1
    if app.state.lifespans:
        return
    app.state.pool.stop()
    compute.shutdown()
    app.state.db.dispose()


_HEALTH_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="health")


def _ping(db: Database) -> bool:
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        log.warning("health check: database unreachable", exc_info=True)
        return False


def _set_maximum(prop: dict[str, Any], maximum: float) -> None:
    """State ``maximum`` on a numeric property, or on the number branch of an optional one (anyOf [number, null])."""
    for branch in [prop, *prop.get("anyOf", [])]:
        if branch.get("type") in ("number", "integer"):
            branch["maximum"] = maximum


def _show_server_defaults(app: FastAPI, cfg: Settings) -> None:
    """Defaults and maximums that are server settings appear in the OpenAPI schema as values, not null.

    A body's ``time_limit_s`` left out means this server's limit (SITING_SYNC_TIME_LIMIT_S for
    synchronous routes, SITING_JOB_TIME_LIMIT_S for jobs), and its maximum is SITING_SYNC_TIME_LIMIT_S
    or SITING_MAX_JOB_TIME_LIMIT_S (a pareto frontier of more than SITING_MAX_SYNC_PARETO_POINTS points is
    a job); the schema says which numbers those are.  Robust samples show their maximum (synchronous or
    job) and a default within it; the scenario sections show this service's limits on samples and parameters.
    """
    base = app.openapi
    defaults = {"OptimizeCreate": cfg.sync_time_limit_s, "ExportCreate": cfg.sync_time_limit_s,
                "ParetoCreate": cfg.sync_time_limit_s,
                "StageCreate": cfg.sync_time_limit_s, "JobCreate": cfg.job_time_limit_s}
    maximums = {"OptimizeCreate": cfg.sync_time_limit_s, "ExportCreate": cfg.sync_time_limit_s,
                "StageCreate": cfg.sync_time_limit_s,
                "ParetoCreate": max(cfg.sync_time_limit_s, cfg.max_job_time_limit_s),
                "JobCreate": cfg.max_job_time_limit_s}
    robust = {"SyncRobustOptions": cfg.max_sync_robust_samples, "RobustOptions": cfg.max_job_robust_samples}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = base()
            schemas = spec.get("components", {}).get("schemas", {})
            for name, value in defaults.items():
                prop = schemas.get(name, {}).get("properties", {})
                if "time_limit_s" in prop:
                    prop["time_limit_s"]["default"] = value
                    _set_maximum(prop["time_limit_s"], maximums[name])
            for name, limit in robust.items():
                samples = schemas.get(name, {}).get("properties", {}).get("samples")
                if samples is not None:  # api.schemas.RobustOptions.samples_within
                    samples["maximum"] = min(int(samples.get("maximum", limit)), limit)
                    samples["default"] = min(int(samples.get("default", limit)), limit)
            # the engine's scenario sections, at this service's limits (api.limits.check_scenario; an omitted
            # samples is the limit: api.schemas.ScenarioDocument.document)
            for section in ("MonteCarloSpec", "SensitivitySpec"):
                prop = schemas.get(section, {}).get("properties", {})
                if "parameters" in prop:
                    prop["parameters"]["maxProperties"] = cfg.max_sweep_parameters
            samples = schemas.get("MonteCarloSpec", {}).get("properties", {}).get("samples")
            if samples is not None:
                samples["maximum"] = cfg.max_samples
                samples["default"] = min(int(samples.get("default", cfg.max_samples)), cfg.max_samples)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API.  ``settings`` (tests) override the environment's :func:`get_settings`."""
    cfg = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(_start, app, cfg)
        try:
            yield
        finally:
            await run_in_threadpool(_stop, app)

    # /docs and /redoc are pages of this package over vendored Swagger UI and ReDoc (api/static/vendor): no CDN
    app = FastAPI(title="siting API", version=siting.__version__, description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=cfg.max_body_bytes, read_timeout_s=cfg.body_read_timeout_s)
    page = resources.files("api").joinpath("static/index.html").read_text(encoding="utf-8")
    app.add_middleware(SecurityHeaders, script_hashes=inline_hashes(page, "script"),
                       style_hashes=inline_hashes(page, "style"))
    for module in (sites, score, optimize, exports, requests, scenarios, compare, pareto, classic, stage, admin, web):
        app.include_router(module.router)
    app.include_router(sites.centres_router)
    app.include_router(sites.options_router)
    _show_server_defaults(app, cfg)
    app.mount("/static", StaticFiles(packages=[("api", "static")]), name="static")

    if cfg.cors_origins:  # off by default: the page is same-origin; other sites only when configured
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=cfg.cors_origins, allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Content-Type", "X-API-Key"], max_age=600)

    @app.get("/readyz", response_model=ReadyPublic, tags=["health"],
             responses={503: {"model": ReadyPublic, "description": "Not ready: database unreachable or workers down"}})
    @app.get("/v1/readyz", response_model=ReadyPublic, tags=["health"], include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Ready to take work: the database answers, every worker thread this process should run is alive and a
        compute process has started (synchronous calls before that wait for one within their time limit)."""
        db: Database = app.state.db
        db_ok = await asyncio.get_running_loop().run_in_executor(_HEALTH_THREADS, _ping, db)
        expected = cfg.worker_threads if cfg.run_worker else 0
        alive = sum(t.is_alive() for t in app.state.pool.threads)
        computing, processes = compute.readiness()
        reason = "; ".join(r for r, bad in (("database unreachable", not db_ok),
                                            (f"{alive} of {expected} worker thread(s) alive", alive < expected),
                                            ("no compute process has started yet", processes > 0 and not computing))
                           if bad)
        body = ReadyPublic(ready=not reason, database_ok=db_ok, workers_expected=expected, workers_alive=alive,
                           compute_expected=processes, compute_ready=computing, reason=reason)
        return JSONResponse(body.model_dump(), status_code=200 if not reason else 503)

    @app.get("/healthz", response_model=HealthPublic, tags=["health"],
             responses={503: {"model": HealthPublic, "description": "Database unreachable"}})
    @app.get("/v1/healthz", response_model=HealthPublic, tags=["health"], include_in_schema=False)
    async def healthz() -> JSONResponse:
        """Liveness: answered on the event loop, the database ping on its own thread (never queued behind
        the request threads that wait for solves)."""
        db: Database = app.state.db
        ok = await asyncio.get_running_loop().run_in_executor(_HEALTH_THREADS, _ping, db)
        body = HealthPublic(status="ok" if ok else "degraded", version=siting.__version__,
                            database=db.dialect, database_ok=ok,
                            worker_threads=len(app.state.pool.threads))
        return JSONResponse(body.model_dump(), status_code=200 if ok else 503)

    return app
