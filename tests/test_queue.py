"""Ingest jobs: enqueue without duplicates, runs that take each job once, a job whose workers die each time
failed after its attempts, and failures that are recorded and not retried forever. In process (`drain`); the
Celery workers on a real broker are tested in test_engine.py."""
import json
import os
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from claims.cli import main
from claims.pipeline.embed import HashingEmbedder
from core.errors import InputError
from claims.services.workbench import Workbench
from conftest import ROOT, FakeDetector
from store import jobs
from store.db import atomic
from store.models import Document, Job, Sentence


def _articles(folder, n, start=0):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (folder / f"a{i:03}.txt").write_text(
            f"Article {i}: the county spent ${i}.5 million on roads in 2024, officials said.\n\n"
            f"The council meets again on {i % 28 + 1} March.\n", encoding="utf-8")
    return folder


def _fast(settings):
    return Workbench(settings, embedder=HashingEmbedder(), detector=FakeDetector(), attribution=False)


def _jobs(bench):
    with bench.session() as s:
        return {j.id: j for j in s.scalars(select(Job))}


def test_enqueue_expands_targets_and_does_not_queue_twice(bench, tmp_path):
    folder = _articles(tmp_path / "arts", 3)
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join([
        json.dumps({"id": "wire-1", "text": "Fares rose 4 percent in 2025."}),
        json.dumps("https://news.example/story-1"),
        json.dumps({"url": "https://news.example/story-2"}),
        "",
    ]), encoding="utf-8")
    out = bench.jobs.enqueue([str(folder), str(feed), "https://news.example/story-3"], local=True)
    assert out == {"added": 7, "already_queued": 0}
    kinds = sorted(j.kind for j in _jobs(bench).values())
    assert kinds == ["article", "path", "path", "path", "url", "url", "url"]
    # the same work again, in any spelling of the folder, while it is queued: nothing new
    again = bench.jobs.enqueue([str(folder / "."), "https://news.example/story-1", str(feed)], local=True)
    assert again == {"added": 0, "already_queued": 7}
    assert bench.jobs.status()["counts"] == {"queued": 7, "running": 0, "done": 0, "failed": 0}


@pytest.mark.parametrize("target, word", [
    ("ftp://files.example/a.txt", "only http"),
    ("missing.txt", "does not exist"),
    ("-", "standard input"),
    ("badfeed", "not valid JSON"),
    ("emptydir", "no articles"),
])
def test_bad_target_queues_nothing(bench, tmp_path, target, word):
    good = _articles(tmp_path / "arts", 1)
    (tmp_path / "badfeed.jsonl").write_text('{"text": "Taxes rose 3 percent."}\n{not json\n')
    (tmp_path / "emptydir").mkdir()
    (tmp_path / "emptydir" / "x.pdf").write_bytes(b"%PDF")
    target = {"badfeed": str(tmp_path / "badfeed.jsonl"), "emptydir": str(tmp_path / "emptydir"),
              "missing.txt": str(tmp_path / "missing.txt")}.get(target, target)
    with pytest.raises(InputError, match=word):
        bench.jobs.enqueue([str(good), target], local=True)
    assert bench.jobs.status()["counts"]["queued"] == 0


def test_worker_drains_the_queue_and_records_failures(bench, tmp_path):
    folder = _articles(tmp_path / "arts", 4)
    (folder / "dup.txt").write_text((folder / "a000.txt").read_text())  # same content as a000
    gone = folder / "a003.txt"
    bench.jobs.enqueue([str(folder)], local=True)
    gone.unlink()  # the file disappears before a worker gets to it
    report = bench.jobs.drain(worker="w1")
    assert report.done == 4 and report.failed == 1 and report.documents == 3 and report.duplicates == 1
    by_target = {j.target: j for j in _jobs(bench).values()}
    failed = by_target[str(gone.resolve())]
    assert failed.status == "failed" and failed.attempts == 1  # an input error is not retried
    assert "does not exist" in failed.error and "\n" not in failed.error
    assert failed.active_key is None
    assert {j.status for t, j in by_target.items() if t != str(gone.resolve())} == {"done"}
    assert bench.browse.stats()["documents"] == 3
    # the same folder can be queued again once done (and ingests nothing new)
    assert bench.jobs.enqueue([str(folder)], local=True)["added"] == 4
    assert bench.jobs.drain(worker="w2").documents == 0


def test_transient_errors_are_retried_then_fail_for_good(bench, tmp_path, monkeypatch):
    _articles(tmp_path / "arts", 1)
    bench.jobs.enqueue([str(tmp_path / "arts")], max_attempts=3, local=True)
    import claims.io.queue

    def broken(*_args, **_kw):
        raise RuntimeError("the database went away\nmid-job")

    monkeypatch.setattr(claims.io.queue, "job_articles", broken)
    report = bench.jobs.drain(worker="w1")
    assert (report.done, report.failed, report.retried) == (0, 1, 2)
    (job,) = _jobs(bench).values()
    assert job.status == "failed" and job.attempts == 3
    assert job.error == "RuntimeError: the database went away mid-job"
    assert bench.jobs.drain(worker="w1").failed == 0  # not picked up again


def test_a_job_started_again_after_its_worker_died_is_run_once_to_its_end(bench, tmp_path):
    _articles(tmp_path / "arts", 1)
    bench.jobs.enqueue([str(tmp_path / "arts")], local=True)
    (job_id,) = _jobs(bench)
    with atomic(bench.engine) as s:  # a worker starts it and dies; the broker hands the task to another
        dead = jobs.start(s, job_id, "dead-worker")
    assert bench.jobs.status()["counts"]["running"] == 1
    assert bench.jobs.run(job_id, "alive")["status"] == "done"
    with atomic(bench.engine) as s:  # the dead worker's late word counts for nothing
        assert not jobs.finish(s, dead, "dead-worker", documents=1, duplicates=0)
    assert bench.jobs.run(job_id, "third")["status"] == "skipped"  # delivered once more: nothing to do
    (job,) = _jobs(bench).values()
    assert (job.status, job.worker, job.attempts) == ("done", "alive", 2)
    assert bench.browse.stats()["documents"] == 1


def test_a_task_for_a_job_not_yet_committed_waits_and_a_finished_one_is_skipped(bench, tmp_path):
    assert bench.jobs.run(424242, "w")["status"] == "missing"  # the task retries until its row is there
    _articles(tmp_path / "arts", 1)
    bench.jobs.enqueue([str(tmp_path / "arts")], local=True)
    (job_id,) = _jobs(bench)
    assert bench.jobs.run(job_id, "w")["status"] == "done"
    assert bench.jobs.run(job_id, "w")["status"] == "skipped"


def test_a_job_whose_worker_dies_every_time_fails(bench, tmp_path):
    _articles(tmp_path / "arts", 1)
    bench.jobs.enqueue([str(tmp_path / "arts")], max_attempts=2, local=True)
    (job_id,) = _jobs(bench)
    for name in ("w1", "w2"):  # each starts it and dies
        with atomic(bench.engine) as s:
            assert jobs.start(s, job_id, name) is not None
    assert bench.jobs.run(job_id, "w3")["status"] == "failed"
    (job,) = _jobs(bench).values()
    assert job.status == "failed" and "stopped before finishing on every attempt" in job.error
    assert bench.browse.stats()["documents"] == 0


def test_worker_threads_drain_a_queue_each_job_once(settings, tmp_path):
    n = 40
    folder = _articles(tmp_path / "arts", n)
    workers = [_fast(settings) for _ in range(4)]
    assert workers[0].jobs.enqueue([str(folder)], local=True)["added"] == n
    barrier = threading.Barrier(len(workers))
    reports, errors = [], []

    def run(wb, name):
        try:
            barrier.wait()
            reports.append(wb.jobs.drain(worker=name))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(wb, f"w{i}")) for i, wb in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    done = [i for r in reports for i in r.done_ids]
    assert len(done) == n and len(set(done)) == n  # every job done, by exactly one worker
    assert sum(r.documents for r in reports) == n and sum(r.duplicates for r in reports) == 0
    state = _jobs(workers[0])
    assert {(j.status, j.attempts) for j in state.values()} == {("done", 1)}
    with workers[0].session() as s:
        assert s.scalar(select(func.count(Document.id))) == n
        per_doc = s.execute(select(Sentence.document_id, func.count()).group_by(Sentence.document_id)).all()
        assert len(per_doc) == n and {c for _, c in per_doc} == {2}
    for wb in workers:
        wb.engine.dispose()


def test_enqueue_in_batches_counts_what_was_already_queued(bench):
    specs = [jobs.JobSpec("url", f"https://news.example/{i}") for i in range(7)]
    with atomic(bench.engine) as s:
        assert jobs.enqueue(s, specs[:4], batch=3) == (4, 0)
    with atomic(bench.engine) as s:
        assert jobs.enqueue(s, specs + specs[:1], batch=3) == (3, 5)
    assert bench.jobs.status()["counts"]["queued"] == 7


# -- URLs are checked when queued as the worker's fetch checks them (issue 14, item 8c) -----------------------
PUBLIC_IP = "93.184.216.34"


@pytest.fixture(autouse=True)
def example_hosts(monkeypatch):
    """Queueing looks each URL's host up. No test here asks a real name server: `*.example` hosts resolve to a
    public address, `*.invalid` ones are not found, and the lookups are counted per host."""
    import socket

    real = socket.getaddrinfo
    lookups: dict[str, int] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host)
        lookups[name] = lookups.get(name, 0) + 1
        if name.endswith(".example"):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC_IP, port))]
        if name.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)  # numeric addresses in these tests: no lookup

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


@pytest.mark.parametrize("target, words", [
    ("http://127.0.0.1:9/x", ["http://127.0.0.1:9/x", "private or loopback", "CLAIMS_ALLOW_PRIVATE_URLS=1"]),
    ("http://[::1]/x", ["private or loopback", "CLAIMS_ALLOW_PRIVATE_URLS=1"]),
    ("http://169.254.169.254/latest/meta-data/", ["169.254.169.254", "CLAIMS_ALLOW_PRIVATE_URLS=1"]),
    ("https://news.invalid/story", ["https://news.invalid/story", "not found", "check the URL"]),
    ("http://[::1/x", ["not a valid URL"]),
    ("feed", ["line 2", "http://10.0.0.7/admin", "CLAIMS_ALLOW_PRIVATE_URLS=1"]),
    ("feed-string", ["line 1", "https://gone.invalid/a", "not found"]),
])
def test_a_url_the_worker_would_refuse_queues_nothing(bench, tmp_path, target, words):
    good = _articles(tmp_path / "arts", 1)
    (tmp_path / "feed.jsonl").write_text(json.dumps({"url": "https://news.example/1"}) + "\n"
                                         + json.dumps({"url": "http://10.0.0.7/admin"}) + "\n")
    (tmp_path / "feed-string.jsonl").write_text(json.dumps("https://gone.invalid/a") + "\n")
    target = {"feed": str(tmp_path / "feed.jsonl"),
              "feed-string": str(tmp_path / "feed-string.jsonl")}.get(target, target)
    with pytest.raises(InputError) as err:
        bench.jobs.enqueue([str(good), "https://news.example/ok", target], local=True)
    message = str(err.value)
    assert all(w in message for w in words) and "\n" not in message, message
    assert bench.jobs.status()["counts"]["queued"] == 0


def test_private_urls_are_queued_when_the_setting_allows_them(settings):
    from dataclasses import replace

    wb = _fast(replace(settings, allow_private_urls=True))
    assert wb.jobs.enqueue(["http://127.0.0.1:9/x", "http://10.0.0.7/admin"], local=True)["added"] == 2
    wb.engine.dispose()


def test_each_host_is_looked_up_once_per_queueing(bench, tmp_path, example_hosts):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"url": f"https://news.example/{i}"}) + "\n" for i in range(50)))
    assert bench.jobs.enqueue([str(feed), "https://news.example/front", "https://wire.example/1"], local=True)["added"] == 52
    assert example_hosts == {"news.example": 1, "wire.example": 1}


def test_cli_queue_add_of_a_loopback_url_is_one_error_line_and_queues_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLAIMS_MODEL", "test/hashing")
    monkeypatch.delenv("CLAIMS_DB", raising=False)
    monkeypatch.delenv("CLAIMS_ALLOW_PRIVATE_URLS", raising=False)
    res = CliRunner().invoke(main, ["queue", "add", "http://127.0.0.1:9/x"])
    assert res.exit_code == 1, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), res.output
    assert "http://127.0.0.1:9/x" in lines[0] and "CLAIMS_ALLOW_PRIVATE_URLS=1" in lines[0]
    status = CliRunner().invoke(main, ["queue", "status"])
    assert status.exit_code == 0 and "queued   0" in status.output, status.output


def test_an_archive_sent_in_chunks_is_stored_once_and_compared_when_the_last_chunk_ends(settings, tmp_path):
    """What the Celery workers run for an archive import (`import a chunk`), here drained in process: every
    record stored once however the chunks fall, a chunk run twice changes nothing, and the stored claims are
    compared with the archive once no chunk is left."""
    bench = _fast(settings)
    bench.ingest.run([str(_articles(tmp_path / "arts", 2))])
    records = [{"claim": f"Claim number {i} about the county budget in {2000 + i % 20}.", "verdict": "False",
                "url": f"https://fc.example/{i}", "date": "", "speaker": "", "title": ""} for i in range(1199)]
    records.append({"claim": "Article 1: the county spent $1.5 million on roads in 2024, officials said.",
                    "verdict": "Mostly false", "url": "https://fc.example/roads", "date": "", "speaker": "",
                    "title": ""})
    assert bench.jobs.send_archive(records, "big.csv", chunk=500, local=True) == 3
    assert bench.jobs.send_archive(records, "big.csv", chunk=500, local=True) == 3  # already queued: no more jobs
    rows = sorted(_jobs(bench).values(), key=lambda j: j.id)
    assert [j.target for j in rows] == [f"big.csv (records {a}-{b} of 1200)" for a, b in
                                        ((1, 500), (501, 1000), (1001, 1200))]
    assert bench.browse.count({"has_match": True}) == 0
    report = bench.jobs.drain()
    assert (report.done, report.failed, report.documents) == (3, 0, 1200)
    assert bench.browse.stats()["factchecks"] == 1200
    # compared once the last chunk was in: the article that repeats a fact-check has its match
    assert bench.matches.pending() == 0 and bench.browse.count({"has_match": True}) >= 1
    # a chunk delivered again (at-least-once) stores nothing new
    again = bench.archive.store_records(records[:500])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 500)
    assert bench.browse.stats()["factchecks"] == 1200


def test_jobs_for_a_broker_carry_their_files(settings, tmp_path):
    """Workers may run on other machines: a queued file travels with its job, and reads back as the same
    article, named by its path, even once the file is gone."""
    from claims.io.queue import job_articles, plan
    from claims.io.readers import read_path

    folder = _articles(tmp_path / "arts", 1)
    path = folder / "a000.txt"
    [(kind, target, payload)] = plan([str(folder)], settings, carry=True)
    assert (kind, target) == ("file", str(path.resolve()))
    expected = read_path(path, settings)
    path.unlink()
    got = job_articles(kind, target, payload, settings)
    assert [(a.name, a.text, a.origin) for a in got] == [(str(path.resolve()), expected[0].text, str(path.resolve()))]
