"""Site requests as jobs: submit (202 + id), poll, list the caller's own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from .. import engine, jobs
from ..admission import ComputeKeyDep
from ..db import Job
from ..deps import DbDep, KeyDep, SettingsDep
from ..limits import check_count, check_site_request, check_time_limit
from ..schemas import (
    JobAccepted,
    JobCreate,
    JobPage,
    JobPublic,
    JobStatus,
    JobSummary,
    error_responses,
)

router = APIRouter(prefix="/v1/requests", tags=["requests"])

JobId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="Job id from POST /v1/requests")]


def _name(job: Job) -> str:
    return str(job.request.get("name", "request"))


def _public(job: Job) -> JobPublic:
    return JobPublic.model_validate({
        "id": job.id, "name": _name(job), "status": job.status, "attempts": job.attempts, "note": job.note,
        "created_at": job.created_at, "started_at": job.started_at, "finished_at": job.finished_at,
        "request": job.request, "options": job.options, "result": job.result, "error": job.error,
    })


@router.post("", status_code=202, response_model=JobAccepted,
             responses=error_responses(401, 413, 422, 429),
             summary="Submit a request as a job; stored before it is acknowledged")
def submit(body: JobCreate, key: ComputeKeyDep, db: DbDep, settings: SettingsDep,
           response: Response) -> JobAccepted:
    check_site_request(body.request, settings)
    limit = check_time_limit("time_limit_s", body.time_limit_s or settings.job_time_limit_s,
                             settings.max_job_time_limit_s)
    robust = None
    if body.robust is not None:
        samples = body.robust.samples_within(settings.max_job_robust_samples)
        check_count("robust.samples", samples, settings.max_job_robust_samples, "samples")
        robust = {"samples": samples, "seed": body.robust.seed}
    engine.validate_ids(body.request)
    job = jobs.submit(db, key.id, body.request.model_dump(mode="json"),
                      {"time_limit_s": limit, "explain": body.explain, "robust": robust})
    url = f"/v1/requests/{job.id}"
    response.headers["Location"] = url
    return JobAccepted(id=job.id, status="queued", created_at=job.created_at, url=url)


@router.get("", response_model=JobPage, responses=error_responses(401, 422),
            summary="The caller's requests, newest first")
def list_requests(
    key: KeyDep, db: DbDep, settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size")] = 20,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    status: Annotated[JobStatus | None, Query(description="Only jobs in this state")] = None,
) -> JobPage:
    check_count("limit", limit, settings.max_page_size, "")
    rows, total = jobs.list_owned(db, key.id, limit, offset, status)
    items = [JobSummary(id=j.id, name=_name(j), status=j.status,  # type: ignore[arg-type]
                        attempts=j.attempts, created_at=j.created_at, finished_at=j.finished_at)
             for j in rows]
    return JobPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{request_id}", response_model=JobPublic, responses=error_responses(401, 404, 422),
            summary="Status (queued, running, done, failed) and, when done, the result")
def get_request(request_id: JobId, key: KeyDep, db: DbDep) -> JobPublic:
    return _public(jobs.get_owned(db, key.id, request_id))
