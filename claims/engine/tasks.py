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

_local = threading.local()
MISSING_RETRIES = 10


def worker_bench():
    """This process's Workbench (settings from the environment; models loaded on first use, then kept)."""
    bench = getattr(_local, "bench", None)
    if bench is None:
        from claims.engine import app as engine_app
        from claims.services.workbench import Workbench

        if engine_app.worker_threads:
            import torch

            torch.set_num_threads(engine_app.worker_threads)
        bench = _local.bench = Workbench(engine_app.worker_settings)
    return bench


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff(attempt: int) -> float:
    """Seconds before retry `attempt` (1, 2, ...): 2, 4, 8 ..., at most 600."""
    return float(min(600, 2 ** max(1, attempt)))


@shared_task(bind=True, name="claims.ingest_job", max_retries=None)
def ingest_job(self, job_id: int) -> str:
    """Run job `job_id` (`Jobs.run`) and record the outcome. Returns done, failed, retry or skipped."""
    bench = worker_bench()
    outcome = bench.jobs.run(int(job_id), worker_name())
    if outcome["status"] == "missing":
        if self.request.retries < MISSING_RETRIES:
            raise self.retry(countdown=1.0)  # its sender has not committed yet
        return "skipped"
    if outcome["status"] == "retry":
        raise self.retry(countdown=backoff(outcome["attempt"]))
    return outcome["status"]


@shared_task(name="claims.poll_sources", acks_late=False)
def poll_sources() -> list[dict]:
    """Poll the sources that are due (`claims monitor` sends this on schedule); their new items become jobs."""
    return worker_bench().sources.poll_due()


@shared_task(bind=True, name="claims.rematch", max_retries=5)
def rematch(self, claim_ids: list[int]) -> int:
    """Compare these stored claims with the archive (after an import); alerts are raised for repeats. A
    database error retries the batch with backoff; the comparison is idempotent."""
    try:
        return worker_bench().matches.refresh([int(i) for i in claim_ids])
    except OSError as exc:
        raise self.retry(countdown=backoff(self.request.retries + 1), exc=exc)
