"""Alerts: a stored claim that repeats an archived fact-check raises one alert, listed by `claims alerts`, the
Alerts page and the Inbox's filter. On SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from claims.cli import main
from test_app import APP, ARTICLE, home, service  # noqa: F401

ARCHIVE = b"""claim,verdict,url
"The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said on Tuesday.",Mostly false,https://example.org/fc/1
Wind farms kill most birds in the county.,False,https://example.org/fc/2
"""


def test_a_repeated_claim_raises_one_alert_with_the_fact_check(bench):
    bench.ingest.text(ARTICLE, "riverton.txt")
    assert bench.matches.alerts() == []  # no archive yet
    bench.archive.import_upload("archive.csv", ARCHIVE)  # the import matches every stored claim
    alerts = bench.matches.alerts()
    assert len(alerts) == 1
    a = alerts[0]
    assert a["claim"].startswith("The city spent $4.2 million") and a["document"] == "riverton.txt"
    assert a["verdict"] == "Mostly false" and a["url"] == "https://example.org/fc/1"
    assert a["score"] >= bench.reranker.match_threshold and a["status"] == "new"
    bench.matches.refresh()  # matched again: no second alert for the same pair
    assert len(bench.matches.alerts()) == 1
    # the same claim in a later article is a new alert, newest first
    bench.ingest.text(ARTICLE.replace("Riverton", "Oakdale"), "oakdale.txt")
    later = bench.matches.alerts()
    assert [x["document"] for x in later] == ["oakdale.txt", "riverton.txt"]
    assert bench.browse.count({"has_alert": True}) == 2
    assert bench.browse.count({"has_alert": False}) == bench.browse.count({}) - 2
    future = datetime.now(timezone.utc) + timedelta(minutes=5)
    assert bench.matches.alerts(since=future) == [] and len(bench.matches.alerts(limit=1)) == 1


def test_a_claim_matching_nothing_raises_no_alert(bench):
    bench.archive.import_upload("archive.csv", ARCHIVE)
    bench.ingest.text("Harbour news\n\nThe port handled 3,100 ships in 2023, its director said.\n", "port.txt")
    assert bench.matches.alerts() == []


@pytest.mark.slow
def test_claims_alerts_prints_json_lines(env, tmp_path):
    article = tmp_path / "riverton.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    archive = tmp_path / "archive.csv"
    archive.write_bytes(ARCHIVE)
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(article)]).exit_code == 0
    assert runner.invoke(main, ["import-factchecks", str(archive)]).exit_code == 0
    res = runner.invoke(main, ["alerts", "--since", "1h"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.output.splitlines()]
    assert len(lines) == 1 and lines[0]["verdict"] == "Mostly false" and "claim_id" in lines[0]
    assert runner.invoke(main, ["alerts", "--since", "2099-01-01"]).output == ""
    bad = runner.invoke(main, ["alerts", "--since", "last tuesday"])
    assert bad.exit_code != 0 and "15m, 24h, 7d" in bad.output


def test_alerts_page_lists_alerts_and_inbox_filters_on_them(service, monkeypatch):
    import app_pages.common

    service.ingest.text(ARTICLE, "riverton.txt")
    service.archive.import_upload("archive.csv", ARCHIVE)
    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/alerts.py").run()
    assert not at.exception, at.exception
    rows = next(df for df in at.dataframe if "repeats" in df.value.columns).value
    assert len(rows) == 1 and rows["verdict"][0] == "Mostly false" and rows["article"][0] == "riverton.txt"
    at.switch_page("app_pages/inbox.py").run()
    at.selectbox(key="inbox_f_match").set_value("alert").run()
    assert not at.exception, at.exception
    inbox = next(df for df in at.dataframe if (df.key or "").startswith("inbox_table_")).value
    assert len(inbox) == 1 and inbox["text"][0].startswith("The city spent $4.2 million")


def test_alerts_page_when_there_are_none(service, monkeypatch):
    import app_pages.common

    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/alerts.py").run()
    assert not at.exception and any("No alerts yet" in i.value for i in at.info)
