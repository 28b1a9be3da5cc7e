"""The record of ingest jobs: what was queued, which worker runs it, how it ended. The Celery broker carries
the jobs' ids (claims.engine); this table is what `claims queue status` reads and what makes a job run once
to its end: `start` is one UPDATE from queued (or running, for a task the broker handed on after its worker
died) to running, and only the worker that started an attempt can finish or fail it."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from .models import Job, utcnow
from .repo import as_utc

JOB_STATUSES = ("queued", "running", "done", "failed")


@dataclass(frozen=True)
class JobSpec:
    """What to enqueue: `kind` is path, file, url, article or archive (`payload` holds a file's bytes, an
    article's JSON line or a chunk of archive records)."""

    kind: str
    target: str
    payload: str = ""

    @property
    def key(self) -> str:
        return hashlib.sha256(f"{self.kind}\x00{self.target}\x00{self.payload}".encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    target: str
    payload: str
    attempt: int
    max_attempts: int


def _insert(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def enqueue(session: Session, specs: Iterable[JobSpec], *, max_attempts: int = 3,
            batch: int = 500, ids: list | None = None) -> tuple[int, int]:
    """Queue each spec unless the same work is already queued or running: (added, already queued). The new
    jobs' ids are appended to `ids` when given."""
    insert = _insert(session)
    specs = list(specs)
    unique = list(dict.fromkeys(specs))  # the same work twice in one call is queued once
    added = 0
    now = utcnow()
    for i in range(0, len(unique), batch):
        rows = [dict(key=spec.key, active_key=spec.key, kind=spec.kind, target=spec.target[:2000],
                     payload=spec.payload, status="queued", attempts=0, max_attempts=max_attempts, error="",
                     worker="", documents=0, duplicates=0, created_at=now, updated_at=now)
                for spec in unique[i:i + batch]]
        stmt = insert(Job).values(rows).on_conflict_do_nothing(index_elements=["active_key"]).returning(Job.id)
        new = [r[0] for r in session.execute(stmt).all()]  # the rows inserted (rowcount is not reliable on psycopg)
        added += len(new)
        if ids is not None:
            ids.extend(new)
    return added, len(specs) - added


def start(session: Session, job_id: int, worker: str, *, queued_only: bool = False) -> ClaimedJob | None:
    """Take one named job for `worker`: queued, or (unless `queued_only`) running on a worker that died (the
    broker gives a dead worker's task to another). None if it is done, failed or not there (yet)."""
    now = utcnow()
    row = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(("queued",) if queued_only else ("queued", "running")))
        .values(status="running", worker=worker[:200], attempts=Job.attempts + 1, started_at=now, updated_at=now)
        .returning(Job.id, Job.kind, Job.target, Job.payload, Job.attempts, Job.max_attempts)
        .execution_options(synchronize_session=False)
    ).first()
    return None if row is None else ClaimedJob(*row)


def _held(job: ClaimedJob, worker: str):
    return and_(Job.id == job.id, Job.status == "running", Job.worker == worker[:200], Job.attempts == job.attempt)


def finish(session: Session, job: ClaimedJob, worker: str, *, documents: int, duplicates: int) -> bool:
    """Mark a held job done; False if the worker no longer holds it (the broker handed its task to another)."""
    now = utcnow()
    result = session.execute(
        update(Job).where(_held(job, worker))
        .values(status="done", active_key=None, error="", documents=documents, duplicates=duplicates,
                finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def fail(session: Session, job: ClaimedJob, worker: str, error: str, *, retry: bool) -> str | None:
    """Record a held job's error: back to queued if `retry` and attempts are left (its task is sent again,
    later), else failed. Returns the new status, or None if the worker no longer holds the job."""
    now = utcnow()
    line = " ".join(error.split())[:1000]
    status = "queued" if retry and job.attempt < job.max_attempts else "failed"
    values = dict(status=status, error=line, updated_at=now)
    if status == "failed":
        values.update(active_key=None, finished_at=now)
    result = session.execute(
        update(Job).where(_held(job, worker)).values(**values).execution_options(synchronize_session=False)
    )
    return status if result.rowcount else None


def status_of(session: Session, job_id: int) -> str | None:
    """The job's status, None when there is no such row (or it is not committed yet)."""
    return session.scalar(select(Job.status).where(Job.id == job_id))


def queued_ids(session: Session, limit: int | None = None) -> list[int]:
    """Queued jobs, oldest first."""
    q = select(Job.id).where(Job.status == "queued").order_by(Job.id)
    return list(session.scalars(q.limit(limit) if limit else q))


def active_count(session: Session, kind: str) -> int:
    """How many jobs of `kind` are queued or running."""
    return int(session.scalar(select(func.count()).select_from(Job)
                              .where(Job.kind == kind, Job.status.in_(("queued", "running")))) or 0)


def status_counts(session: Session) -> dict[str, int]:
    rows = dict(session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
    return {s: int(rows.get(s, 0)) for s in JOB_STATUSES}


def list_jobs(session: Session, *, status: str | None = None, retried: bool = False,
              limit: int | None = 20) -> list[dict]:
    """Jobs, newest change first, as plain dicts; `retried`: only those tried before."""
    q = select(Job).order_by(Job.updated_at.desc(), Job.id.desc())
    if status:
        q = q.where(Job.status == status)
    if retried:
        q = q.where(Job.attempts > 0)
    if limit:
        q = q.limit(limit)
    return [{"id": j.id, "kind": j.kind, "target": j.target, "status": j.status, "attempts": j.attempts,
             "max_attempts": j.max_attempts, "error": j.error, "worker": j.worker,
             "documents": j.documents, "duplicates": j.duplicates, "created_at": as_utc(j.created_at),
             "finished_at": as_utc(j.finished_at)} for j in session.scalars(q)]
