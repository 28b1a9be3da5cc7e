"""Hostile and awkward cases from issue 14 that belong to no single module: one time format on every database,
and `--until-empty` waiting for a dead worker's job."""
from __future__ import annotations

import csv
import io
import json
import re

from click.testing import CliRunner

from claims.cli import main
from store import jobs
from store.db import atomic

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


def test_times_have_one_format_on_every_database(bench):
    report = bench.ingest.text("Tolls\n\nBridge tolls rose 12 percent in 2024.", "a.txt")
    claim_id = bench.browse.claims()[0]["claim_id"]
    bench.reviews.save(claim_id, {"verdict": "True"}, reviewer="ana")
    row = next(csv.DictReader(io.StringIO(bench.exports.claims("csv"))))
    assert ISO_UTC.match(row["created_at"]) and ISO_UTC.match(row["updated_at"])
    (event,) = [json.loads(line) for line in bench.exports.history("jsonl").splitlines()]
    assert ISO_UTC.match(event["at"])
    history_row = next(csv.DictReader(io.StringIO(bench.exports.history("csv"))))
    assert ISO_UTC.match(history_row["at"])
    # what the pages show is aware UTC too, so it prints the same way on SQLite and PostgreSQL
    assert bench.browse.claim(claim_id)["history"][0]["at"].utcoffset().total_seconds() == 0
    assert bench.browse.inbox()["rows"][0]["updated_at"].utcoffset().total_seconds() == 0
    assert bench.browse.documents()[0]["created_at"].utcoffset().total_seconds() == 0
    assert report.documents == 1


def _queue_one(bench, tmp_path):
    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "a.txt").write_text("Fares\n\nBus fares rose 4 percent in 2024.", encoding="utf-8")
    assert bench.jobs.enqueue([str(folder)])["added"] == 1


def test_until_empty_waits_for_a_dead_workers_job(bench, tmp_path):
    _queue_one(bench, tmp_path)
    with atomic(bench.engine) as s:
        held = jobs.claim(s, "dead-worker", lease_seconds=1.0)  # it dies now; its lease runs out in a second
    # taking only what is free now: nothing to do, the job stays "running"
    assert bench.jobs.work(worker="cron").done == 0
    told = []
    report = bench.jobs.work(worker="cron", wait_for_others=True, poll=0.2, on_wait=told.append)
    assert report.done == 1 and report.done_ids == [held.id] and told == [1]
    assert bench.jobs.status()["counts"]["running"] == 0 and bench.browse.stats()["documents"] == 1


def test_until_empty_waits_for_a_retry(bench, tmp_path, monkeypatch):
    import claims.io.queue as planning

    _queue_one(bench, tmp_path)
    real, calls = planning.job_articles, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("connection reset")
        return real(*args, **kwargs)

    monkeypatch.setattr(planning, "job_articles", flaky)
    report = bench.jobs.work(worker="cron", retry_delay=0.5, wait_for_others=True, poll=0.2)
    assert (report.retried, report.done, len(calls)) == (1, 1, 2)


def test_the_cli_says_what_it_waits_for(bench, settings, tmp_path):
    _queue_one(bench, tmp_path)
    with atomic(bench.engine) as s:
        jobs.claim(s, "dead-worker", lease_seconds=1.0)
    res = CliRunner().invoke(main, ["queue", "work", "--poll", "0.2", "--db", settings.database_url,
                                    "--home", str(settings.home)])
    assert res.exit_code == 0, res.output
    assert "waiting for 1 job(s) that other workers hold" in res.output and "1 job(s) done" in res.output
