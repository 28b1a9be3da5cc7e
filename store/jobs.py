"""The ingest work queue: enqueue, claim, finish and fail jobs, safely across workers and processes.

Claiming is one UPDATE of the oldest claimable row. On PostgreSQL the row is picked with
`SELECT ... FOR UPDATE SKIP LOCKED`, so workers never wait on each other's rows and never take the same one;
on SQLite the UPDATE is the transaction's first statement, so it holds the database's write lock while it
picks and marks the row (the same guarantee as BEGIN IMMEDIATE), and its WHERE clause re-checks the status.
A job is finished only by the worker holding it in the attempt it started: a worker whose lease ran out and
whose job was taken over cannot mark it done or failed afterwards."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from .models import Job, utcnow
from .repo import as_utc

JOB_STATUSES = ("queued", "running", "done", "failed")


@dataclass(frozen=True)
class JobSpec:
    """What to enqueue: `kind` is path, url or article (`payload` then holds the article's JSON line)."""

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


def _claimable(now: datetime):
    # `lease_until` is the running worker's lease, or on a queued job the time its next try may start
    return and_(
        Job.status.in_(("queued", "running")),
        or_(Job.lease_until.is_(None), Job.lease_until < now),
        Job.attempts < Job.max_attempts,
    )


def expire_abandoned(session: Session, now: datetime | None = None) -> int:
    """Fail running jobs whose lease ran out on their last allowed attempt (their worker died each time).

    One UPDATE, so on SQLite it takes the write lock first like `claim`."""
    now = now or utcnow()
    result = session.execute(
        update(Job)
        .where(Job.status == "running", Job.lease_until < now, Job.attempts >= Job.max_attempts)
        .values(status="failed", active_key=None, finished_at=now, updated_at=now,
                error="its worker stopped before finishing on every attempt (the lease expired each time); "
                      "check the workers' logs, then queue it again")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def unfinished(session: Session) -> int:
    """Jobs still to finish: queued (a retry waiting for its time included) or running (a dead worker's job
    too, until its lease runs out and another worker takes it or `expire_abandoned` fails it)."""
    return int(session.scalar(select(func.count(Job.id)).where(Job.status.in_(("queued", "running")))) or 0)


def claim(session: Session, worker: str, lease_seconds: float) -> ClaimedJob | None:
    """Take the oldest queued job (or one whose worker's lease expired) for `worker`; None if there is none.

    Call it as the first statement of its own transaction and commit right after."""
    now = utcnow()
    pick = select(Job.id).where(_claimable(now)).order_by(Job.id).limit(1)
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    row = session.execute(
        update(Job)
        .where(Job.id == pick.scalar_subquery(), _claimable(now))
        .values(status="running", worker=worker[:200], attempts=Job.attempts + 1,
                lease_until=now + timedelta(seconds=lease_seconds), started_at=now, updated_at=now)
        .returning(Job.id, Job.kind, Job.target, Job.payload, Job.attempts, Job.max_attempts)
        .execution_options(synchronize_session=False)
    ).first()
    return None if row is None else ClaimedJob(*row)


def start(session: Session, job_id: int, worker: str) -> ClaimedJob | None:
    """Take one named job for `worker` (a broker handed it over): queued, or running on a worker that died
    (the broker gives a dead worker's task to another). None if it is done, failed or not there (yet)."""
    now = utcnow()
    row = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(("queued", "running")))
        .values(status="running", worker=worker[:200], attempts=Job.attempts + 1, lease_until=None,
                started_at=now, updated_at=now)
        .returning(Job.id, Job.kind, Job.target, Job.payload, Job.attempts, Job.max_attempts)
        .execution_options(synchronize_session=False)
    ).first()
    return None if row is None else ClaimedJob(*row)


def _held(job: ClaimedJob, worker: str):
    return and_(Job.id == job.id, Job.status == "running", Job.worker == worker[:200], Job.attempts == job.attempt)


def finish(session: Session, job: ClaimedJob, worker: str, *, documents: int, duplicates: int) -> bool:
    """Mark a held job done; False if the worker no longer holds it (its lease ran out and it was taken over)."""
    now = utcnow()
    result = session.execute(
        update(Job).where(_held(job, worker))
        .values(status="done", active_key=None, error="", documents=documents, duplicates=duplicates,
                lease_until=None, finished_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def fail(session: Session, job: ClaimedJob, worker: str, error: str, *, retry: bool,
         retry_after: float = 0.0) -> str | None:
    """Record a held job's error: back to the queue (not to be tried again for `retry_after` seconds) if
    `retry` and attempts are left, else failed. Returns the new status, or None if the worker no longer
    holds the job."""
    now = utcnow()
    line = " ".join(error.split())[:1000]
    status = "queued" if retry and job.attempt < job.max_attempts else "failed"
    values = dict(status=status, error=line, updated_at=now,
                  lease_until=now + timedelta(seconds=retry_after) if status == "queued" and retry_after else None)
    if status == "failed":
        values.update(active_key=None, finished_at=now)
    result = session.execute(
        update(Job).where(_held(job, worker)).values(**values).execution_options(synchronize_session=False)
    )
    return status if result.rowcount else None


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
             "max_attempts": j.max_attempts, "error": j.error, "worker": j.worker, "lease_until": as_utc(j.lease_until),
             "documents": j.documents, "duplicates": j.duplicates, "created_at": as_utc(j.created_at),
             "finished_at": as_utc(j.finished_at)} for j in session.scalars(q)]
