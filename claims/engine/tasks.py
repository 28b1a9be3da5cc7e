"""Celery tasks. Each runs one recorded job (a row of `jobs`: a file, a URL or one article of a feed) and
records how it ended there; the broker only carries the job's id.

- A job already done or failed is not run again (a task delivered twice does nothing the second time).
- Input that cannot be read fails the job at once with its one-line reason; a network error (fetching) or a
  database error is retried with exponential backoff (2, 4, 8 ... seconds, at most 10 minutes) until the
  job's attempts run out.
- A task whose job row is not visible yet (its sender has not committed) is tried again a few times.
- The models load once per worker process, on its first task.
"""
from __future__ import annotations

import os
import socket
import threading

from celery import shared_task

from core.errors import FetchError, InputError, WorkbenchError

_local = threading.local()
MISSING_RETRIES = 10


def worker_bench():
    """This process's Workbench (settings from the environment; models loaded on first use, then kept)."""
    bench = getattr(_local, "bench", None)
    if bench is None:
        from claims.engine import app as engine_app
        from claims.services.workbench import Workbench

        bench = _local.bench = Workbench(engine_app.worker_settings)
    return bench


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (1, 2, ...): 2, 4, 8 ..., at most 600."""
    return float(min(600, 2 ** max(1, attempt)))


@shared_task(bind=True, name="claims.ingest_job", max_retries=None)
def ingest_job(self, job_id: int) -> str:
    """Ingest the articles of job `job_id` and record the outcome. Returns done, failed, retry or skipped."""
    from claims.io import queue as planning
    from claims.services.ingest import as_text
    from store import jobs as job_store
    from store.db import atomic

    bench = worker_bench()
    worker = worker_name()
    with atomic(bench.engine) as s:
        job = job_store.start(s, int(job_id), worker)
    if job is None:
        with bench.session() as s:
            known = s.get(job_store.Job, int(job_id)) is not None
        if not known and self.request.retries < MISSING_RETRIES:
            raise self.retry(countdown=1.0)
        return "skipped"
    if job.attempt > job.max_attempts:  # its workers died on every attempt: a poison job
        with atomic(bench.engine) as s:
            job_store.fail(s, job, worker, "its worker stopped before finishing on every attempt; check the "
                           "workers' logs, then queue it again", retry=False)
        return "failed"
    try:
        articles = [as_text(a) for a in planning.job_articles(job.kind, job.target, job.payload, bench.settings)]
        got = bench.ingest.articles(articles)  # new claims are matched against the archive: alerts
    except Exception as exc:
        retry = not isinstance(exc, InputError) or isinstance(exc, FetchError)
        message = str(exc) if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {exc}"
        with atomic(bench.engine) as s:
            status = job_store.fail(s, job, worker, message, retry=retry)
        if status == "queued":
            raise self.retry(countdown=backoff(job.attempt), exc=exc)
        return "failed"
    with atomic(bench.engine) as s:
        job_store.finish(s, job, worker, documents=got.documents, duplicates=got.duplicates)
    return "done"
