"""Hostile and awkward cases from issue 14 that belong to no single module: one time format on every database,
and the in-process run of queued jobs."""
from __future__ import annotations

import csv
import io
import json
import re

from click.testing import CliRunner

from claims.cli import main

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
    assert bench.jobs.enqueue([str(folder)], local=True)["added"] == 1


def test_a_network_error_is_retried_and_the_job_done(bench, tmp_path, monkeypatch):
    import claims.io.queue as planning

    _queue_one(bench, tmp_path)
    real, calls = planning.job_articles, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("connection reset")
        return real(*args, **kwargs)

    monkeypatch.setattr(planning, "job_articles", flaky)
    report = bench.jobs.drain(worker="cron")
    assert (report.retried, report.done, len(calls)) == (1, 1, 2)


def test_queue_add_without_a_broker_says_what_to_do(bench, settings, tmp_path, monkeypatch):
    monkeypatch.delenv("CLAIMS_BROKER", raising=False)
    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "a.txt").write_text("Fares\n\nBus fares rose 4 percent in 2024.", encoding="utf-8")
    res = CliRunner().invoke(main, ["queue", "add", str(folder), "--db", settings.database_url,
                                    "--home", str(settings.home)])
    assert res.exit_code == 1 and "CLAIMS_BROKER" in res.output and "claims ingest" in res.output
    assert bench.jobs.status()["counts"]["queued"] == 0
