"""Ingest on Celery with a real broker (RabbitMQ, and Redis for the small case) and PostgreSQL: worker processes
that drain a queue, one of them killed mid-task without losing or doubling an article; an input error that
fails its job once with its reason; a clear error when the broker cannot be reached."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid

import pytest
from click.testing import CliRunner

from claims.cli import main
from conftest import IN_CI, ROOT

RABBITMQ = os.environ.get("CLAIMS_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672//")
REDIS = os.environ.get("CLAIMS_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _reachable(url: str) -> str:
    from kombu import Connection

    try:
        with Connection(url, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
        return ""
    except Exception as exc:  # the transport's own errors
        return f"{type(exc).__name__}: {exc}"


def need_broker(url: str) -> str:
    problem = _reachable(url)
    if problem:
        if IN_CI:
            pytest.fail(f"the broker at {url} is not reachable ({problem}): .ci/run must start it")
        pytest.skip(f"the broker at {url} is not reachable ({problem}); runs in CI")
    return url


@pytest.fixture
def pg_url(pg_base_url):
    from conftest import _pg_drop, _pg_schema_url

    url, schema, plain = _pg_schema_url(pg_base_url)
    yield url
    _pg_drop(plain, schema)


def _articles(folder, n):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"a{i:03}.txt").write_text(
            f"Article {i}: the county spent ${i}.5 million on roads in 2024, officials said.\n\n"
            f"The council meets again on {i % 28 + 1} March.\n", encoding="utf-8")
    return folder


def _env(tmp_path, broker, db):
    return dict(os.environ, CLAIMS_HOME=str(tmp_path / "home"), CLAIMS_MODEL="test/hashing", CLAIMS_DB=db,
                CLAIMS_BROKER=broker, CLAIMS_QUEUE=f"test-{uuid.uuid4().hex[:10]}", HF_HUB_OFFLINE="1",
                TRANSFORMERS_OFFLINE="1", CLAIMS_PARSE_HELPER="0")


def _cli(env, *args, timeout=300):
    return subprocess.run([sys.executable, "-m", "claims.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _worker(env, log, name):
    return subprocess.Popen([sys.executable, "-m", "claims.cli", "worker", "--concurrency", "1", "--name", name],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _counts(env) -> dict:
    out = _cli(env, "queue", "status").stdout
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(queued|running|done|failed)\s+(\d+)", out, re.M)}


def _wait(env, until, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        counts = _counts(env)
        if until(counts):
            return counts
        time.sleep(1.0)
    return _counts(env)


def _stop(procs):
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def _delete_queue(env):
    from kombu import Connection

    with Connection(env["CLAIMS_BROKER"]) as conn:
        try:
            conn.default_channel.queue_delete(env["CLAIMS_QUEUE"])
        except Exception:  # already gone
            pass


def _log_state(path) -> tuple[set, set]:
    """Task ids a worker's log says it received, and those it finished (succeeded, failed or retried)."""
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    received = set(re.findall(r"claims\.ingest_job\[([0-9a-f-]+)\] received", text))
    ended = set(re.findall(r"claims\.ingest_job\[([0-9a-f-]+)\] (?:succeeded|failed|retry)", text))
    return received, ended


@pytest.mark.slow
def test_three_workers_ingest_every_article_once_though_one_is_killed_mid_task(pg_url, tmp_path):
    need_broker(RABBITMQ)
    n = 60
    env = _env(tmp_path, RABBITMQ, pg_url)
    added = _cli(env, "queue", "add", str(_articles(tmp_path / "arts", n)))
    assert added.returncode == 0 and f"queued {n} job(s)" in added.stdout, added.stderr
    logs = [tmp_path / f"w{i}.log" for i in range(3)]
    handles = [open(p, "w", encoding="utf-8") for p in logs]
    procs = [_worker(env, h, f"w{i}") for i, h in enumerate(handles)]
    try:
        # kill worker 0 (its whole process group: the worker and its pool process) while it holds a task
        deadline, killed_task = time.monotonic() + 300, None
        while time.monotonic() < deadline and killed_task is None:
            received, ended = _log_state(logs[0])
            if received - ended:
                killed_task = sorted(received - ended)[0]
                os.killpg(procs[0].pid, signal.SIGKILL)
            else:
                time.sleep(0.02)
        assert killed_task, "worker 0 never took a task: " + logs[0].read_text(errors="replace")[-2000:]
        counts = _wait(env, lambda c: c.get("done") == n, 300)
        assert counts == {"queued": 0, "running": 0, "done": n, "failed": 0}, counts
        res = _cli(env, "stats")
        assert f"documents     {n}" in res.stdout, res.stdout  # each article stored once
        # the task worker 0 died holding went back to the broker and another worker ran it
        others = set().union(*(_log_state(p)[0] for p in logs[1:]))
        assert killed_task in others
    finally:
        _stop(procs)
        for h in handles:
            h.close()
        _delete_queue(env)


@pytest.mark.slow
@pytest.mark.parametrize("broker", [RABBITMQ, REDIS], ids=["rabbitmq", "redis"])
def test_an_input_error_fails_its_job_once_and_a_repeat_raises_an_alert(broker, pg_url, tmp_path):
    need_broker(broker)
    env = _env(tmp_path, broker, pg_url)
    archive = tmp_path / "archive.csv"
    archive.write_text("claim,verdict,url\n\"Article 0: the county spent $0.5 million on roads in 2024, officials "
                       "said.\",False,https://fc.example/roads\n", encoding="utf-8")
    assert _cli(dict(env, CLAIMS_BROKER=""), "import-factchecks", str(archive)).returncode == 0  # in process
    folder = _articles(tmp_path / "arts", 2)
    (folder / "a001.txt").write_bytes(b"\x00\x01\x02 not text \xff\xfe" * 50)  # only a worker reads it
    added = _cli(env, "queue", "add", str(folder))
    assert added.returncode == 0 and "queued 2 job(s)" in added.stdout, added.stderr
    log = tmp_path / "w.log"
    with open(log, "w", encoding="utf-8") as h:
        procs = [_worker(env, h, "solo")]
        try:
            counts = _wait(env, lambda c: c.get("done", 0) + c.get("failed", 0) == 2, 240)
        finally:
            _stop(procs)
            _delete_queue(env)
    assert counts == {"queued": 0, "running": 0, "done": 1, "failed": 1}, (counts, log.read_text()[-3000:])
    status = _cli(env, "queue", "status").stdout
    failed = [line for line in status.splitlines() if "a001.txt" in line]
    assert len(failed) == 1 and "after 1 attempt(s)" in failed[0], status
    alerts = [json.loads(line) for line in _cli(env, "alerts").stdout.splitlines()]
    assert [(a["document"].rsplit("/", 1)[-1], a["verdict"]) for a in alerts] == [("a000.txt", "False")], alerts


def test_an_unreachable_broker_is_named_and_nothing_is_queued(env, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMS_BROKER", "amqp://guest:secret@127.0.0.1:1//")
    folder = _articles(tmp_path / "arts", 2)
    res = CliRunner().invoke(main, ["queue", "add", str(folder)])
    assert res.exit_code == 1, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "CLAIMS_BROKER" in lines[0] and "secret" not in lines[0], res.output
    status = CliRunner().invoke(main, ["queue", "status"])
    assert "queued   0" in status.output


def test_a_worker_needs_a_broker(env, monkeypatch):
    monkeypatch.delenv("CLAIMS_BROKER", raising=False)
    res = CliRunner().invoke(main, ["worker"])
    assert res.exit_code != 0 and "CLAIMS_BROKER" in res.output


def test_compose_file_runs_real_commands_with_settings_the_code_reads():
    """compose.yaml (docs/deploy.md) cannot run here (no Compose); its commands and settings can be checked."""
    import yaml

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"db", "broker", "worker", "app", "proxy"} <= set(services)
    commands = {name: s.get("command") for name, s in services.items() if s.get("command")}
    assert commands["worker"][:2] == ["claims", "worker"] and commands["app"][:2] == ["claims", "serve"]
    for name in ("worker", "app"):
        runner = CliRunner().invoke(main, [*commands[name][1:], "--help"])
        assert runner.exit_code == 0, runner.output
    settings_code = (ROOT / "core" / "settings.py").read_text(encoding="utf-8")
    for service in ("worker", "app"):
        for var in services[service]["environment"]:
            assert f'"{var}"' in settings_code, var
    assert services["worker"]["environment"]["CLAIMS_BROKER"].startswith("amqp://")
    assert "ports" not in services["app"]  # only the proxy reaches the app


@pytest.mark.slow
def test_monitor_polls_a_feed_on_schedule_and_the_workers_raise_an_alert(pg_url, tmp_path):
    """Celery beat (`claims monitor`) has a worker poll the due feed; its items become jobs the worker runs;
    the story that repeats an archived fact-check raises an alert."""
    from test_sources import Site, _rss, _serve, _story

    need_broker(RABBITMQ)
    site = _serve(Site())
    try:
        env = dict(_env(tmp_path, RABBITMQ, pg_url), CLAIMS_ALLOW_PRIVATE_URLS="1")
        for n in (1, 2):
            site.pages[f"/story-{n}"] = (_story(n), "text/html")
        site.pages["/feed.xml"] = (_rss(site, [("/story-1", "Story 1"), ("/story-2", "Story 2")]),
                                   "application/rss+xml")
        archive = tmp_path / "archive.csv"
        archive.write_text("claim,verdict,url\n\"The county spent $1.5 million on roads in 2024, officials said on "
                           "Monday.\",Mostly false,https://fc.example/roads\n", encoding="utf-8")
        assert _cli(dict(env, CLAIMS_BROKER=""), "import-factchecks", str(archive)).returncode == 0
        assert _cli(env, "sources", "add", f"{site.base}/feed.xml", "--every", "1m").returncode == 0
        logs = [tmp_path / "worker.log", tmp_path / "monitor.log"]
        handles = [open(p, "w", encoding="utf-8") for p in logs]
        procs = [_worker(env, handles[0], "w"),
                 subprocess.Popen([sys.executable, "-m", "claims.cli", "monitor", "--check-every", "5"], cwd=ROOT,
                                  env=env, stdout=handles[1], stderr=subprocess.STDOUT, start_new_session=True)]
        try:
            deadline, alerts = time.monotonic() + 180, []
            while time.monotonic() < deadline and not alerts:
                time.sleep(2)
                alerts = [json.loads(line) for line in _cli(env, "alerts").stdout.splitlines()]
            assert alerts, "\n".join(p.read_text(errors="replace")[-1500:] for p in logs)
            counts = _wait(env, lambda c: c.get("done") == 2, 60)
            assert counts["done"] == 2 and counts["failed"] == 0, counts
            alerts = [json.loads(line) for line in _cli(env, "alerts").stdout.splitlines()]
            story1 = [a for a in alerts if a["document"].endswith("/story-1")]
            assert len(story1) == 1 and story1[0]["verdict"] == "Mostly false", alerts
            listed = _cli(env, "sources", "list").stdout
            assert "2 new at last poll" in listed or "2 in all" in listed, listed
        finally:
            _stop(procs)
            for h in handles:
                h.close()
            _delete_queue(env)
    finally:
        site.server.shutdown()
        site.server.server_close()


@pytest.mark.slow
def test_an_archive_import_is_stored_by_the_workers_in_chunks_which_then_send_the_rematch(pg_url, tmp_path):
    """With CLAIMS_BROKER, `claims import-factchecks` checks the file and sends its records in chunks; a worker
    stores each chunk, and the last to finish sends the stored claims to be compared (claims.rematch)."""
    need_broker(RABBITMQ)
    env = _env(tmp_path, RABBITMQ, pg_url)
    folder = _articles(tmp_path / "arts", 3)
    assert _cli(env, "ingest", str(folder)).returncode == 0  # in process, as ever; nothing to match yet
    archive = tmp_path / "archive.csv"
    rows = [f"\"Claim {i}: the state spent ${i} million on schools in 2019.\",True,https://fc.example/{i}"
            for i in range(1200)]
    rows.append("\"Article 1: the county spent $1.5 million on roads in 2024, officials said.\",False,"
                "https://fc.example/roads")
    archive.write_text("claim,verdict,url\n" + "\n".join(rows) + "\n", encoding="utf-8")
    imported = _cli(env, "import-factchecks", str(archive))
    assert imported.returncode == 0 and "sent 1201 fact-check(s) to the workers in 3 chunk(s)" in imported.stdout, (
        imported.stdout, imported.stderr)
    assert _counts(env) == {"queued": 3, "running": 0, "done": 0, "failed": 0}
    log = tmp_path / "w.log"
    with open(log, "w", encoding="utf-8") as h:
        procs = [_worker(env, h, "archive")]
        try:
            deadline, alerts = time.monotonic() + 240, []
            while time.monotonic() < deadline and not alerts:
                time.sleep(1)
                alerts = [json.loads(line) for line in _cli(env, "alerts").stdout.splitlines()]
        finally:
            _stop(procs)
            _delete_queue(env)
    assert _counts(env) == {"queued": 0, "running": 0, "done": 3, "failed": 0}
    assert re.search(r"^factchecks\s+1201$", _cli(env, "stats").stdout, re.M)
    # (the hashing embedder finds the near-identical sibling articles close too: a001 is the one that must be there)
    assert "a001.txt" in [a["document"].rsplit("/", 1)[-1] for a in alerts], (alerts, log.read_text()[-2000:])
    assert re.search(r"claims\.rematch\[[0-9a-f-]+\] succeeded", log.read_text()), log.read_text()[-2000:]
