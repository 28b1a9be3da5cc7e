"""The ingest work queue: enqueue without duplicates, workers that drain it each job once, leases that hand a
dead worker's job to another, and failures that are recorded and not retried forever."""
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
    out = bench.jobs.enqueue([str(folder), str(feed), "https://news.example/story-3"])
    assert out == {"added": 7, "already_queued": 0}
    kinds = sorted(j.kind for j in _jobs(bench).values())
    assert kinds == ["article", "path", "path", "path", "url", "url", "url"]
    # the same work again, in any spelling of the folder, while it is queued: nothing new
    again = bench.jobs.enqueue([str(folder / "."), "https://news.example/story-1", str(feed)])
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
        bench.jobs.enqueue([str(good), target])
    assert bench.jobs.status()["counts"]["queued"] == 0


def test_worker_drains_the_queue_and_records_failures(bench, tmp_path):
    folder = _articles(tmp_path / "arts", 4)
    (folder / "dup.txt").write_text((folder / "a000.txt").read_text())  # same content as a000
    gone = folder / "a003.txt"
    bench.jobs.enqueue([str(folder)])
    gone.unlink()  # the file disappears before a worker gets to it
    report = bench.jobs.work(worker="w1")
    assert report.done == 4 and report.failed == 1 and report.documents == 3 and report.duplicates == 1
    by_target = {j.target: j for j in _jobs(bench).values()}
    failed = by_target[str(gone.resolve())]
    assert failed.status == "failed" and failed.attempts == 1  # an input error is not retried
    assert "does not exist" in failed.error and "\n" not in failed.error
    assert failed.active_key is None
    assert {j.status for t, j in by_target.items() if t != str(gone.resolve())} == {"done"}
    assert bench.browse.stats()["documents"] == 3
    # the same folder can be queued again once done (and ingests nothing new)
    assert bench.jobs.enqueue([str(folder)])["added"] == 4
    assert bench.jobs.work(worker="w2").documents == 0


def test_transient_errors_are_retried_then_fail_for_good(bench, tmp_path, monkeypatch):
    _articles(tmp_path / "arts", 1)
    bench.jobs.enqueue([str(tmp_path / "arts")], max_attempts=3)
    import claims.io.queue

    def broken(*_args, **_kw):
        raise RuntimeError("the database went away\nmid-job")

    monkeypatch.setattr(claims.io.queue, "job_articles", broken)
    report = bench.jobs.work(worker="w1")
    assert (report.done, report.failed, report.retried) == (0, 1, 2)
    (job,) = _jobs(bench).values()
    assert job.status == "failed" and job.attempts == 3
    assert job.error == "RuntimeError: the database went away mid-job"
    assert bench.jobs.work(worker="w1").failed == 0  # not picked up again


def test_retry_waits_for_its_delay(bench, tmp_path, monkeypatch):
    _articles(tmp_path / "arts", 1)
    bench.jobs.enqueue([str(tmp_path / "arts")])
    import claims.io.queue

    real = claims.io.queue.job_articles
    monkeypatch.setattr(claims.io.queue, "job_articles", lambda *a, **k: (_ for _ in ()).throw(OSError("flaky")))
    assert bench.jobs.work(worker="w1", retry_delay=3600).retried == 1
    monkeypatch.setattr(claims.io.queue, "job_articles", real)
    assert bench.jobs.work(worker="w1").done == 0  # still waiting for its retry time
    assert bench.jobs.status()["waiting"][0]["error"] == "OSError: flaky"


def test_a_dead_workers_job_is_taken_over_when_its_lease_runs_out(bench, tmp_path):
    _articles(tmp_path / "arts", 2)
    bench.jobs.enqueue([str(tmp_path / "arts")])
    with atomic(bench.engine) as s:
        dead = jobs.claim(s, "dead-worker", lease_seconds=3600)
    with atomic(bench.engine) as s:
        expired = jobs.claim(s, "dying-worker", lease_seconds=-1)  # its lease has already run out
    assert bench.jobs.status()["counts"]["running"] == 2
    report = bench.jobs.work(worker="alive")
    assert report.done == 1 and report.done_ids == [expired.id]  # the live lease is left alone
    with atomic(bench.engine) as s:  # the dying worker wakes up: too late, the job is someone else's
        assert not jobs.finish(s, expired, "dying-worker", documents=1, duplicates=0)
    state = _jobs(bench)
    assert state[expired.id].worker == "alive" and state[expired.id].attempts == 2
    assert state[dead.id].status == "running" and state[dead.id].worker == "dead-worker"
    assert bench.browse.stats()["documents"] == 1


def test_a_job_whose_worker_dies_every_time_fails(bench, tmp_path):
    _articles(tmp_path / "arts", 1)
    bench.jobs.enqueue([str(tmp_path / "arts")], max_attempts=2)
    for name in ("w1", "w2"):
        with atomic(bench.engine) as s:
            assert jobs.claim(s, name, lease_seconds=-1) is not None
    report = bench.jobs.work(worker="w3")
    assert report.done == 0
    (job,) = _jobs(bench).values()
    assert job.status == "failed" and "lease expired" in job.error
    assert bench.browse.stats()["documents"] == 0


def test_worker_threads_drain_a_queue_each_job_once(settings, tmp_path):
    n = 40
    folder = _articles(tmp_path / "arts", n)
    workers = [_fast(settings) for _ in range(4)]
    assert workers[0].jobs.enqueue([str(folder)])["added"] == n
    barrier = threading.Barrier(len(workers))
    reports, errors = [], []

    def run(wb, name):
        try:
            barrier.wait()
            reports.append(wb.jobs.work(worker=name))
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


@pytest.mark.postgres
def test_worker_processes_drain_a_queue_on_postgresql(pg_base_url, tmp_path):
    from conftest import _pg_drop, _pg_schema_url

    url, schema, plain = _pg_schema_url(pg_base_url)
    try:
        n = 30
        folder = _articles(tmp_path / "arts", n)
        env = dict(os.environ, CLAIMS_HOME=str(tmp_path / "home"), CLAIMS_MODEL="test/hashing",
                   HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        cli = [sys.executable, "-m", "claims.cli"]
        added = subprocess.run(cli + ["queue", "add", str(folder), "--db", url], cwd=ROOT, env=env,
                               capture_output=True, text=True, timeout=300)
        assert added.returncode == 0 and f"queued {n} job(s)" in added.stdout, added.stderr
        procs = [subprocess.Popen(cli + ["queue", "work", "--until-empty", "--worker", f"p{i}", "--db", url],
                                  cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i in range(3)]
        outs = [p.communicate(timeout=600) for p in procs]
        assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outs]
        done_lines = [line for _, err in outs for line in err.splitlines() if " done: " in line]
        assert len(done_lines) == n and len(set(done_lines)) == n, done_lines
        res = CliRunner().invoke(main, ["queue", "status", "--db", url], env=env)
        assert res.exit_code == 0 and f"done     {n}" in res.output and "queued   0" in res.output
        res = CliRunner().invoke(main, ["stats", "--db", url], env=env)
        assert f"documents     {n}" in res.output
    finally:
        _pg_drop(plain, schema)


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
        bench.jobs.enqueue([str(good), "https://news.example/ok", target])
    message = str(err.value)
    assert all(w in message for w in words) and "\n" not in message, message
    assert bench.jobs.status()["counts"]["queued"] == 0


def test_private_urls_are_queued_when_the_setting_allows_them(settings):
    from dataclasses import replace

    wb = _fast(replace(settings, allow_private_urls=True))
    assert wb.jobs.enqueue(["http://127.0.0.1:9/x", "http://10.0.0.7/admin"])["added"] == 2
    wb.engine.dispose()


def test_each_host_is_looked_up_once_per_queueing(bench, tmp_path, example_hosts):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"url": f"https://news.example/{i}"}) + "\n" for i in range(50)))
    assert bench.jobs.enqueue([str(feed), "https://news.example/front", "https://wire.example/1"])["added"] == 52
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
