"""Job storage: submit (stored before it is acknowledged), read own jobs, claim, finish, recover.

Every state change is one short transaction, and claims are a single
``UPDATE ... WHERE status = 'queued'`` (``FOR UPDATE SKIP LOCKED`` on PostgreSQL),
so several workers, threads or processes, never run the same job twice at once.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update

from .db import ApiKey, Database, Job, utcnow
from .errors import NotFoundError

log = logging.getLogger("api.jobs")

#: Worker ids of this process that are alive (a job of another id with our pid is an orphan).
LIVE_WORKERS: set[str] = set()


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def submit(db: Database, key_id: str, request: dict[str, Any], options: dict[str, Any]) -> Job:
    """Store a queued job and commit; only then may the caller answer 202."""
    job = Job(id=str(uuid.uuid4()), key_id=key_id, status="queued", request=request,
              options=options, attempts=0, created_at=utcnow())
    with db.session() as s, s.begin():
        s.add(job)
    return job


def get_owned(db: Database, key_id: str, job_id: str) -> Job:
    """The job ``job_id`` of ``key_id``; another key's job is indistinguishable from none."""
    with db.session() as s:
        job = s.scalar(select(Job).where(Job.id == job_id, Job.key_id == key_id))
    if job is None:
        raise NotFoundError(f"no request with id {job_id!r} for this API key", field="request_id")
    return job


def list_owned(db: Database, key_id: str, limit: int, offset: int,
               status: str | None = None) -> tuple[list[Job], int]:
    where = [Job.key_id == key_id] + ([Job.status == status] if status else [])
    with db.session() as s:
        total = s.scalar(select(func.count()).select_from(Job).where(*where)) or 0
        rows = s.scalars(select(Job).where(*where).order_by(Job.created_at.desc(), Job.id)
                         .limit(limit).offset(offset)).all()
    return list(rows), int(total)


def claim_next(db: Database, worker_id: str) -> Job | None:
    """Atomically move the oldest queued job to ``running`` for ``worker_id``."""
    active = select(ApiKey.id).where(ApiKey.revoked_at.is_(None))  # a revoked key's queued job never runs
    sub = (select(Job.id).where(Job.status == "queued", Job.key_id.in_(active))
           .order_by(Job.created_at, Job.id).limit(1))
    if db.dialect == "postgresql":
        sub = sub.with_for_update(skip_locked=True)
    now = utcnow()
    stmt = (
        update(Job)
        .where(Job.id == sub.scalar_subquery(), Job.status == "queued")
        .values(status="running", worker_id=worker_id, started_at=now, heartbeat_at=now,
                attempts=Job.attempts + 1)
        .returning(Job.id)
    )
    with db.session() as s, s.begin():
        job_id = s.scalar(stmt)
    if job_id is None:
        return None
    with db.session() as s:
        return s.get(Job, job_id)


def heartbeat(db: Database, job_id: str, worker_id: str) -> bool:
    with db.session() as s, s.begin():
        res = s.execute(update(Job).where(Job.id == job_id, Job.worker_id == worker_id,
                                          Job.status == "running").values(heartbeat_at=utcnow()))
    return bool(getattr(res, "rowcount", 0))


def finish(db: Database, job_id: str, worker_id: str, status: str, result: dict[str, Any] | None,
           error: dict[str, Any] | None) -> bool:
    """Record the outcome if the job is still this worker's (it may have been recovered)."""
    with db.session() as s, s.begin():
        res = s.execute(
            update(Job).where(Job.id == job_id, Job.worker_id == worker_id, Job.status == "running")
            .values(status=status, result=result, error=error, finished_at=utcnow()))
    return bool(getattr(res, "rowcount", 0))


@dataclass
class Recovery:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def orphan_reason(worker_id: str | None, heartbeat_age_s: float, stale_after_s: float) -> str | None:
    """Why a running job has no live worker, or None if its worker may still be alive."""
    if heartbeat_age_s > stale_after_s:
        return f"its worker {worker_id} sent no heartbeat for {heartbeat_age_s:.0f} s"
    host, _, rest = (worker_id or "").partition(":")
    pid_text, _, _ = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    if pid == os.getpid():
        return None if worker_id in LIVE_WORKERS else f"its worker {worker_id} was restarted"
    return None if _pid_alive(pid) else f"its worker {worker_id} (pid {pid}) is gone"


def recover(db: Database, stale_after_s: float, max_attempts: int) -> Recovery:
    """Re-queue running jobs whose worker died; fail them with the reason after ``max_attempts``."""
    now = utcnow()
    out = Recovery()
    with db.session() as s:
        running = s.execute(select(Job.id, Job.worker_id, Job.heartbeat_at, Job.attempts, Job.note)
                            .where(Job.status == "running")).all()
    for job_id, worker_id, beat, attempts, note in running:
        age = (now - beat).total_seconds() if beat is not None else float("inf")
        reason = orphan_reason(worker_id, age, stale_after_s)
        if reason is None:
            continue
        stamp = now.replace(microsecond=0).isoformat() + "Z"
        guard = [Job.id == job_id, Job.status == "running", Job.worker_id == worker_id]
        if attempts >= max_attempts:
            message = (f"interrupted {attempts} time(s), the last because {reason}; "
                       f"not retried after {max_attempts} attempt(s)")
            values: dict[str, Any] = {
                "status": "failed", "finished_at": now,
                "error": {"code": "worker_lost", "message": message, "field": None}}
            target = out.failed
        else:
            values = {"status": "queued", "worker_id": None, "started_at": None,
                      "heartbeat_at": None}
            target = out.requeued
        line = f"{stamp} attempt {attempts} interrupted: {reason}; " + (
            "failed" if target is out.failed else "re-queued")
        values["note"] = f"{note}\n{line}" if note else line
        with db.session() as s, s.begin():
            res = s.execute(update(Job).where(*guard).values(**values))
        if getattr(res, "rowcount", 0):
            target.append(job_id)
            log.warning("job %s: %s", job_id, line)
    return out
