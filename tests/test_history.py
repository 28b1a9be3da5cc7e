"""The review history is append-only and exportable: CSV (a row per changed field, formula-safe) and JSON
lines (an event per line), from the service and from `claims history`."""
import csv
import io
import json

import pytest
from click.testing import CliRunner

from claims.cli import main
from core.errors import NotFound, ReviewConflict

ARTICLE = ("Harbour fees rose 9 percent in 2024, the port authority said.\n\n"
           "The authority expects 3 new berths by 2027.\n")


def _claims(bench):
    bench.ingest.text(ARTICLE, "harbour.txt")
    return [c["claim_id"] for c in bench.browse.claims()]


def test_history_export_csv_and_jsonl(bench):
    first, second = _claims(bench)
    v = bench.reviews.save(first, {"status": "reviewed", "verdict": "Mostly true"}, reviewer="alice")["version"]
    bench.reviews.save(first, {"rationale": "=HYPERLINK(\"https://x.example\",\"click\")", "assignee": "@SUM(A1)"},
                 reviewer="bob", expected_version=v)
    with pytest.raises(ReviewConflict):  # a stale save is refused and leaves no event
        bench.reviews.save(first, {"verdict": "False"}, reviewer="carol", expected_version=v)
    bench.reviews.bulk([first, second], {"assignee": "dana"}, reviewer="erin")

    events = bench.exports.history_events()
    assert [(e["claim_id"], e["version"], e["reviewer"]) for e in events] == [
        (first, 2, "alice"), (first, 3, "bob"), (first, 4, "erin"), (second, 2, "erin")]
    assert events[0]["changes"] == {"status": ["new", "reviewed"], "verdict": ["", "Mostly true"]}

    lines = bench.exports.history("jsonl").splitlines()
    assert [json.loads(line) for line in lines] == json.loads(json.dumps(events))

    rows = list(csv.DictReader(io.StringIO(bench.exports.history("csv"))))
    assert len(rows) == 6  # 2 + 2 + 1 + 1 changed fields
    assert [(r["claim_id"], r["field"], r["old"], r["new"]) for r in rows[:2]] == [
        (str(first), "status", "new", "reviewed"), (str(first), "verdict", "", "Mostly true")]
    rationale = next(r for r in rows if r["field"] == "rationale")
    assert rationale["new"].startswith("'=HYPERLINK")  # neutralised for spreadsheets
    assert next(r for r in rows if r["field"] == "assignee")["new"] == "'@SUM(A1)"
    assert all(r["document"] == "harbour.txt" and r["reviewer"] for r in rows)

    only = bench.exports.history_events(claim_id=second)
    assert [e["changes"] for e in only] == [{"assignee": ["", "dana"]}]
    with pytest.raises(NotFound):
        bench.exports.history_events(claim_id=999_999)


def test_history_command(bench, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLAIMS_MODEL", "test/hashing")
    first, _ = _claims(bench)
    bench.reviews.save(first, {"verdict": "Half true"}, reviewer="alice")
    runner = CliRunner()
    res = runner.invoke(main, ["history", "--format", "jsonl", "--db", db_url])
    assert res.exit_code == 0, res.output
    (event,) = [json.loads(line) for line in res.output.splitlines()]
    assert event["changes"] == {"verdict": ["", "Half true"], "status": ["new", "reviewed"]} and event["reviewer"] == "alice"
    out = tmp_path / "history.csv"
    res = runner.invoke(main, ["history", "--out", str(out), "--db", db_url])
    assert res.exit_code == 0
    assert out.read_text().splitlines()[0].startswith("event_id,claim_id,version,at,reviewer,field,old,new")
    res = runner.invoke(main, ["history", "--claim", "424242", "--db", db_url])
    assert res.exit_code == 1 and "no claim with id 424242" in res.output
