"""Ingest jobs: planned from files, folders, feeds and URLs, recorded in the database, carried to Celery
workers by the broker (`CLAIMS_BROKER`, claims.engine), run once to their end, and the queue's state for
operators."""
from __future__ import annotations

import json
import os
import re
import socket
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
    #: jobs another worker finished or took first
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
    """Queue, run and watch ingest jobs."""

    def __init__(self, bench):
        super().__init__(bench)
        self._app = None  # the Celery app, made on first use

    def enqueue(self, targets: Sequence[str], *, max_attempts: int = 3, local: bool = False) -> dict:
        """Queue ingest jobs: one per file (folders are walked), URL, or line of a JSONL feed (an article or a
        URL), and send each to the Celery workers through `CLAIMS_BROKER`. Work already queued or running is
        not queued twice. Every target is checked first: if one is bad, nothing is queued. With `local`, the
        jobs are recorded for `drain` in this process instead (no broker). Returns `{"added",
        "already_queued"}`."""
        if max_attempts < 1:
            raise InputError(f"max attempts must be 1 or more, not {max_attempts}")
        # jobs sent to a broker carry their files' bytes: the workers may run on other machines
        specs = [job_store.JobSpec(*p) for p in planning.plan(targets, self.settings, carry=not local)]
        if not specs:
            raise InputError("nothing to queue: name files, folders, JSONL feeds or URLs")
        if not local and not self.settings.broker:
            raise InputError("no broker to queue on: set CLAIMS_BROKER (amqp://guest:guest@127.0.0.1:5672// or "
                             "redis://127.0.0.1:6379/0) and start `claims worker`; on one machine, `claims ingest` "
                             "does the same work in process")
        added, skipped = self._record_and_send(specs, max_attempts=max_attempts, send=not local)
        return {"added": added, "already_queued": skipped}

    def _record_and_send(self, specs, *, max_attempts: int, send: bool = True) -> tuple[int, int]:
        """Record jobs and send each new one to the workers: (added, already queued)."""
        app = self.celery() if send else None
        with atomic(self.engine) as s:
            ids: list[int] = []
            added, skipped = job_store.enqueue(s, specs, max_attempts=max_attempts, ids=ids)
            if app is not None:
                # sent before the rows commit: if sending fails, nothing is queued (a task that arrives
                # before its row is visible waits for it)
                with app.producer_or_acquire() as producer:
                    for job_id in ids:
                        app.send_task("claims.ingest_job", args=[job_id], producer=producer)
        return added, skipped

    def run(self, job_id: int, worker: str, *, queued_only: bool = False) -> dict:
        """Run one recorded job here and record how it ended: `{"status": done | failed | retry | skipped,
        "attempt", ...}`. A job already done or failed (or taken by another) is skipped; input that cannot
        be read fails it at once with its one-line reason; other errors (the network, the database) put it
        back to queued while attempts are left ("retry": the caller sends it again later). A job started
        more times than its attempts allow (its workers died each time) is failed."""
        job = None
        for _ in range(2):  # a row committed between the UPDATE and the look that follows is started then
            with atomic(self.engine) as s:
                job = job_store.start(s, int(job_id), worker, queued_only=queued_only)
            if job is not None:
                break
            with self.session() as s:
                state = job_store.status_of(s, int(job_id))
            if state is None:
                return {"status": "missing", "id": job_id}  # not committed yet (or never): the caller waits
            if state != "queued":
                return {"status": "skipped", "id": job_id}
        if job is None:
            return {"status": "skipped", "id": job_id}
        outcome = {"id": job.id, "target": job.target, "attempt": job.attempt}
        if job.attempt > job.max_attempts:
            with atomic(self.engine) as s:
                job_store.fail(s, job, worker, "its worker stopped before finishing on every attempt; check the "
                               "workers' logs, then queue it again", retry=False)
            return {**outcome, "status": "failed", "error": "its worker stopped on every attempt"}
        try:
            if job.kind == "archive":
                got = self._archive_chunk(job.payload)
            else:
                if job.kind == "url":
                    self.wait_for_host(job.target)
                articles = [as_text(a) for a in planning.job_articles(job.kind, job.target, job.payload,
                                                                      self.settings)]
                got = self.bench.ingest.articles(articles)  # new claims are matched too: that raises the alerts
        except Exception as exc:
            # Input that cannot be read will not read better next time; anything else (a fetch, the
            # database) may.
            retry = not isinstance(exc, InputError) or isinstance(exc, FetchError)
            message = str(exc) if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {exc}"
            with atomic(self.engine) as s:
                status = job_store.fail(s, job, worker, message, retry=retry)
            if job.kind == "archive" and status == "failed":
                self._archive_settled()
            return {**outcome, "status": {"queued": "retry", None: "skipped"}.get(status, status),
                    "error": " ".join(message.split())}
        with atomic(self.engine) as s:
            held = job_store.finish(s, job, worker, documents=got.documents, duplicates=got.duplicates)
        if job.kind == "archive" and held:
            self._archive_settled()
        return {**outcome, "status": "done" if held else "skipped", "documents": got.documents,
                "duplicates": got.duplicates}

    def _archive_chunk(self, payload: str):
        """Store one chunk of archive records (`Archive.store_records`): new fact-checks count as documents,
        those already stored as they were as duplicates."""
        records = json.loads(payload)["records"]
        report = self.bench.archive.store_records(records)
        return WorkReport(documents=report.created, duplicates=len(records) - report.created)

    def _archive_settled(self) -> None:
        """After an archive chunk ended: when no chunk is left queued or running, send the stored claims to be
        compared with the archive. Two chunks that end together may both send it; comparing twice is
        harmless (the comparison is idempotent)."""
        with self.session() as s:
            if job_store.active_count(s, "archive"):
                return
        if self.settings.broker:
            self.send_rematch(self.bench.matches.pending_ids())
        else:
            self.bench.matches.refresh()

    def drain(self, *, worker: str = "", passes: int = 3,
              on_job: Callable[[dict], None] | None = None) -> WorkReport:
        """Run every queued job in this process, oldest first, without a broker (tests, a single machine);
        jobs to retry get up to `passes` passes in all. Safe beside other drains and workers: a job is
        started by one of them only."""
        report = WorkReport(worker=worker or f"{socket.gethostname()}:{os.getpid()}")
        for _ in range(max(1, passes)):
            with self.session() as s:
                ids = job_store.queued_ids(s)
            if not ids:
                break
            for job_id in ids:
                outcome = self.run(job_id, report.worker, queued_only=True)
                status = outcome["status"]
                if status == "done":
                    report.done += 1
                    report.done_ids.append(job_id)
                    report.documents += outcome["documents"]
                    report.duplicates += outcome["duplicates"]
                elif status == "failed":
                    report.failed += 1
                    report.errors.append(f"{outcome['target']}: {outcome['error']}")
                elif status == "retry":
                    report.retried += 1
                else:
                    report.lost += 1
                if on_job:
                    on_job(outcome)
        return report

    def status(self, *, limit: int = 10) -> dict:
        """Jobs per status, and the latest running, waiting to be retried and failed jobs (`limit` of each)."""
        with self.session() as s:
            return {"counts": job_store.status_counts(s),
                    "running": job_store.list_jobs(s, status="running", limit=limit),
                    "waiting": job_store.list_jobs(s, status="queued", retried=True, limit=limit),
                    "failed": job_store.list_jobs(s, status="failed", limit=limit)}

    def celery(self):
        """The Celery app on `CLAIMS_BROKER`, its broker checked: a clear error when it cannot be reached."""
        from claims.engine.app import make_app

        broker = self.settings.broker
        if not broker:
            raise InputError("no broker: set CLAIMS_BROKER (amqp://guest:guest@127.0.0.1:5672// or "
                             "redis://127.0.0.1:6379/0) to run ingest on Celery workers")
        if self._app is None:
            self._app = make_app(broker, self.settings.queue)  # made once (the settings do not change): slow to build
        app = self._app
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=5)
        except Exception as exc:  # kombu raises the transport's own errors
            raise WorkbenchError(f"cannot reach the broker CLAIMS_BROKER={_safe(broker)} "
                                 f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]}); start it or "
                                 "fix CLAIMS_BROKER") from None
        return app

    def send_archive(self, records: list[dict], name: str, *, chunk: int = 500, chunk_bytes: int = 4_000_000,
                     local: bool = False) -> int:
        """Record checked archive records as jobs of `chunk` records (or about `chunk_bytes` of JSON) and send
        them to the Celery workers (with `local`, keep them for `drain`); returns how many chunks. A chunk
        already queued is not queued twice."""
        parts, part, size = [], [], 0
        for rec in records:
            n = len(json.dumps(rec, ensure_ascii=False))
            if part and (len(part) >= chunk or size + n > chunk_bytes):
                parts.append(part)
                part, size = [], 0
            part.append(rec)
            size += n
        if part:
            parts.append(part)
        specs, first = [], 1
        for part in parts:
            target = f"{name} (records {first}-{first + len(part) - 1} of {len(records)})"
            specs.append(job_store.JobSpec("archive", target, json.dumps({"records": part}, ensure_ascii=True,
                                                                         sort_keys=True)))
            first += len(part)
        self._record_and_send(specs, max_attempts=3, send=not local)
        return len(specs)

    def send_rematch(self, claim_ids, *, batch: int = 500) -> int:
        """Hand these claims to the Celery workers to compare with the archive (`Matches.refresh`), in batches;
        returns how many were sent."""
        ids = [int(i) for i in claim_ids]
        if not ids:
            return 0
        app = self.celery()
        with app.producer_or_acquire() as producer:
            for i in range(0, len(ids), batch):
                app.send_task("claims.rematch", args=[ids[i:i + batch]], producer=producer)
        return len(ids)

    def beat(self, *, check_every: float = 60.0) -> None:
        """Run Celery beat in this process until it is stopped: every `check_every` seconds a task asks the
        workers to poll the sources that are due. Run one per deployment."""
        if check_every < 5:
            raise InputError(f"--check-every {check_every}: 5 seconds or more")
        app = self.celery()
        app.conf.beat_schedule = {"poll-sources": {"task": "claims.poll_sources", "schedule": float(check_every),
                                                   "options": {"expires": float(check_every)}}}
        schedule = self.settings.home / "beat-schedule"
        self.settings.home.mkdir(parents=True, exist_ok=True)
        app.Beat(loglevel="INFO", schedule=str(schedule)).run()

    def worker(self, *, concurrency: int = 1, name: str = "") -> None:
        """Run a Celery worker in this process until it is stopped: `concurrency` processes, each taking one
        task at a time and loading the models once."""
        if concurrency < 1:
            raise InputError(f"concurrency must be 1 or more, not {concurrency}")
        from claims.engine import app as engine_app

        app = self.celery()
        # Each process gets its share of the cores: torch's default (every core in every process) makes
        # processes fight over them (bench/workers.py: two processes of one thread each ingest 1.7 times as
        # fast as one process of two threads on two cores). The parse helper's extra process goes too.
        threads = self.settings.worker_threads or max(1, (os.cpu_count() or 1) // concurrency)
        engine_app.worker_threads = threads
        engine_app.worker_settings = self.settings.with_options(
            parse_helper=self.settings.parse_helper and concurrency == 1)
        argv = ["worker", f"--concurrency={concurrency}", "--loglevel=INFO", f"--queues={self.settings.queue}",
                "--without-gossip", "--without-mingle"]
        if name:
            argv.append(f"--hostname={name}@%h")
        app.worker_main(argv)
