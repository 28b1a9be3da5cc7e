"""The ingest work queue: jobs planned from files, folders, feeds and URLs, taken by any number of workers
(leases, retries, a job per worker at a time), and the queue's state for operators."""
from __future__ import annotations

import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from claims.io import queue as planning
from claims.services.common import UseCase
from claims.services.ingest import as_text
from core.errors import FetchError, InputError, WorkbenchError
from store import jobs as job_store
from store.db import atomic


def _safe(url: str) -> str:
    """A broker URL without its password."""
    return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)


@dataclass
class WorkReport:
    """What one `Jobs.work` run did."""

    worker: str = ""
    done: int = 0
    failed: int = 0
    retried: int = 0
    #: jobs this worker's lease ran out on and another worker took over before it finished
    lost: int = 0
    documents: int = 0
    duplicates: int = 0
    done_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        s = (f"{self.worker}: {self.done} job(s) done, {self.failed} failed, {self.retried} to retry; "
             f"stored {self.documents} new document(s), {self.duplicates} already stored")
        if self.lost:
            s += f"; {self.lost} taken over by another worker"
        return s


class Jobs(UseCase):
    """Queue, work and watch ingest jobs."""

    def enqueue(self, targets: Sequence[str], *, max_attempts: int = 3) -> dict:
        """Queue ingest jobs: one per file (folders are walked), URL, or line of a JSONL feed (an article or a
        URL). Work already queued or running is not queued twice. Every target is checked first: if one is
        bad, nothing is queued. Returns `{"added", "already_queued"}`."""
        if max_attempts < 1:
            raise InputError(f"max attempts must be 1 or more, not {max_attempts}")
        specs = [job_store.JobSpec(*p) for p in planning.plan(targets, self.settings)]
        if not specs:
            raise InputError("nothing to queue: name files, folders, JSONL feeds or URLs")
        app = self.celery() if self.settings.broker else None
        with atomic(self.engine) as s:
            ids: list[int] = []
            added, skipped = job_store.enqueue(s, specs, max_attempts=max_attempts, ids=ids)
            if app is not None:
                # sent before the rows commit: if sending fails, nothing is queued (a task that arrives
                # before its row is visible waits for it)
                with app.producer_or_acquire() as producer:
                    for job_id in ids:
                        app.send_task("claims.ingest_job", args=[job_id], producer=producer)
        return {"added": added, "already_queued": skipped}

    def celery(self):
        """The Celery app on `CLAIMS_BROKER`, its broker checked: a clear error when it cannot be reached."""
        from claims.engine.app import make_app

        broker = self.settings.broker
        if not broker:
            raise InputError("no broker: set CLAIMS_BROKER (amqp://guest:guest@127.0.0.1:5672// or "
                             "redis://127.0.0.1:6379/0) to run ingest on Celery workers")
        app = make_app(broker, self.settings.queue)
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=5)
        except Exception as exc:  # kombu raises the transport's own errors
            raise WorkbenchError(f"cannot reach the broker CLAIMS_BROKER={_safe(broker)} "
                                 f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); start it or "
                                 "fix CLAIMS_BROKER") from None
        return app

    def worker(self, *, concurrency: int = 1, name: str = "") -> None:
        """Run a Celery worker in this process until it is stopped: `concurrency` processes, each taking one
        task at a time and loading the models once."""
        if concurrency < 1:
            raise InputError(f"concurrency must be 1 or more, not {concurrency}")
        from claims.engine import app as engine_app

        app = self.celery()
        engine_app.worker_settings = self.settings  # what the worker processes' tasks run with
        argv = ["worker", f"--concurrency={concurrency}", "--loglevel=INFO", f"--queues={self.settings.queue}",
                "--without-gossip", "--without-mingle"]
        if name:
            argv.append(f"--hostname={name}@%h")
        app.worker_main(argv)

    def work(self, *, worker: str = "", once: bool = False, forever: bool = False, poll: float = 2.0,
             lease_seconds: float = 600.0, retry_delay: float = 0.0, stop: threading.Event | None = None,
             on_job: Callable[[dict], None] | None = None, wait_for_others: bool = False,
             on_wait: Callable[[int], None] | None = None) -> WorkReport:
        """Take jobs from the queue and ingest them, until none is left to take (or one job with `once`, or
        until `stop` is set with `forever`, polling every `poll` seconds). With `wait_for_others` (what
        `claims queue work --until-empty` asks), until every job is finished: while jobs are held by other
        workers (a dead worker's job comes back when its lease runs out) or wait for their retry, it polls,
        telling `on_wait` how many are left each time that number changes. A job's input error fails it at once
        with that error; other errors send it back to the queue, to be tried again after `retry_delay` x the
        attempts made, until its attempts run out. A job whose worker died is taken over when its lease
        (`lease_seconds`) runs out."""
        report = WorkReport(worker=worker or f"{socket.gethostname()}:{os.getpid()}")
        last_left = 0
        while not (stop is not None and stop.is_set()):
            with atomic(self.engine) as s:
                job_store.expire_abandoned(s)
            with atomic(self.engine) as s:
                job = job_store.claim(s, report.worker, lease_seconds)
            if job is None:
                # With `wait_for_others`, empty means no job left unfinished: a job another worker holds may
                # still come back (its worker died, or it failed and waits for its retry), so wait for it too.
                left = self._unfinished() if wait_for_others and not once and not forever else 0
                if left and on_wait and left != last_left:
                    on_wait(left)
                last_left = left
                if forever or left:
                    if stop is not None:
                        stop.wait(poll)
                    else:
                        time.sleep(poll)
                    continue
                break
            outcome = self._run(job, report, retry_delay)
            if on_job:
                on_job(outcome)
            if once:
                break
        return report

    def _unfinished(self) -> int:
        with self.session() as s:
            return job_store.unfinished(s)

    def _run(self, job, report: WorkReport, retry_delay: float) -> dict:
        """Ingest one job's articles and record how it ended."""
        outcome = {"id": job.id, "target": job.target, "attempt": job.attempt}
        try:
            articles = [as_text(a) for a in planning.job_articles(job.kind, job.target, job.payload, self.settings)]
            got = self.bench.ingest.articles(articles, match=False)
        except BaseException as exc:
            # Input that cannot be read will not read better next time; anything else (a fetch, the
            # database, an interrupted worker) may.
            retry = not isinstance(exc, InputError) or isinstance(exc, FetchError)
            message = str(exc) if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {exc}"
            with atomic(self.engine) as s:
                status = job_store.fail(s, job, report.worker, message, retry=retry,
                                        retry_after=retry_delay * job.attempt)
            if not isinstance(exc, Exception):
                raise
            outcome.update(status=status or "lost", error=" ".join(message.split()))
            if status == "failed":
                report.failed += 1
                report.errors.append(f"{job.target}: {outcome['error']}")
            elif status == "queued":
                report.retried += 1
            else:
                report.lost += 1
            return outcome
        with atomic(self.engine) as s:
            held = job_store.finish(s, job, report.worker, documents=got.documents, duplicates=got.duplicates)
        report.documents += got.documents
        report.duplicates += got.duplicates
        if held:
            report.done += 1
            report.done_ids.append(job.id)
        else:
            report.lost += 1
        outcome.update(status="done" if held else "lost", documents=got.documents, duplicates=got.duplicates)
        return outcome

    def status(self, *, limit: int = 10) -> dict:
        """Jobs per status, and the latest running, waiting to be retried and failed jobs (`limit` of each)."""
        with self.session() as s:
            return {"counts": job_store.status_counts(s),
                    "running": job_store.list_jobs(s, status="running", limit=limit),
                    "waiting": job_store.list_jobs(s, status="queued", retried=True, limit=limit),
                    "failed": job_store.list_jobs(s, status="failed", limit=limit)}
