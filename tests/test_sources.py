"""Sources: a feed served by a local HTTP server, polled with conditional GETs, its new items ingested once (by
link and by content); a page source; a malformed feed recorded as the source's error while polling goes on;
the commands. On SQLite and PostgreSQL."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from claims.cli import main
from claims.pipeline.embed import HashingEmbedder
from claims.services.sources import parse_every
from claims.services.workbench import Workbench
from conftest import FakeDetector
from test_app import home, service  # noqa: F401
from core.errors import InputError


class Site:
    """What the local server serves: path -> (body, content type); feeds carry an ETag."""

    def __init__(self):
        self.pages: dict[str, tuple[bytes, str]] = {}
        self.requests: list[tuple[str, str]] = []  # (path, If-None-Match sent)
        self.times: list[float] = []  # when each request came (time.monotonic)

    def etag(self, path):
        return f'"{hash(self.pages[path][0]) & 0xffffffff:x}"'


def _serve(data: Site) -> Site:
    """Serve `data` on a free local port in a thread; `data.base` is its URL, `data.server` the server."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the stdlib's name)
            data.requests.append((self.path, self.headers.get("If-None-Match", "")))
            data.times.append(time.monotonic())
            if self.path not in data.pages:
                self.send_error(404)
                return
            body, ctype = data.pages[self.path]
            tag = data.etag(self.path)
            if self.headers.get("If-None-Match") == tag:
                self.send_response(304)
                self.send_header("ETag", tag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", tag)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    data.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=data.server.serve_forever, daemon=True).start()
    data.base = f"http://127.0.0.1:{data.server.server_address[1]}"
    return data


@pytest.fixture
def site():
    data = _serve(Site())
    yield data
    data.server.shutdown()
    data.server.server_close()


@pytest.fixture
def wb(settings):
    bench = Workbench(settings.with_options(allow_private_urls=True, fetch_per_host=0.0), embedder=HashingEmbedder(),
                      detector=FakeDetector(), attribution=False)
    yield bench
    if "engine" in bench.__dict__:
        bench.engine.dispose()


def _story(n: int) -> bytes:
    return (f"<html><head><title>Story {n}</title></head><body><article><h1>Story {n}</h1>"
            f"<p>The county spent ${n}.5 million on roads in 2024, officials said on Monday.</p>"
            f"<p>The council meets again in March.</p></article></body></html>").encode()


def _rss(site: Site, items: list[tuple[str, str]]) -> bytes:
    entries = "".join(f"<item><title>{title}</title><link>{site.base}{path}</link><description>{title}"
                      f"</description></item>" for path, title in items)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>County news</title>'
            f"{entries}</channel></rss>").encode()


def test_a_feed_polled_twice_stores_its_new_item_once(wb, site):
    for n in (1, 2, 3):
        site.pages[f"/story-{n}"] = (_story(n), "text/html")
    site.pages["/feed.xml"] = (_rss(site, [("/story-1", "Story 1"), ("/story-2", "Story 2")]), "application/rss+xml")
    src = wb.sources.add(f"{site.base}/feed.xml", "15m")
    assert src["created"] and src["every_seconds"] == 900

    first = wb.sources.poll(src["id"])
    assert (first["new"], first["error"], first["status"]) == (2, "", 200)
    assert wb.browse.stats()["documents"] == 2

    again = wb.sources.poll(src["id"])  # nothing changed: the server answers 304 to the conditional GET
    assert (again["new"], again["status"]) == (0, 304)
    assert site.requests[-1] == ("/feed.xml", site.etag("/feed.xml"))

    # a new item appears, with one already seen under another link (the same story): one new article
    site.pages["/story-1-amp"] = site.pages["/story-1"]
    site.pages["/feed.xml"] = (_rss(site, [("/story-3", "Story 3"), ("/story-1-amp", "Story 1"),
                                           ("/story-1", "Story 1"), ("/story-2", "Story 2")]), "application/rss+xml")
    third = wb.sources.poll(src["id"])
    assert third["new"] == 1 and third["error"] == ""
    assert wb.browse.stats()["documents"] == 3
    (listed,) = wb.sources.list()
    assert (listed["kind"], listed["title"], listed["polls"], listed["new_items"], listed["last_new"]) == \
        ("feed", "County news", 3, 3, 1)


def test_a_malformed_feed_is_the_sources_error_and_polling_goes_on(wb, site):
    site.pages["/broken.xml"] = (b'<?xml version="1.0"?><rss><channel><item><title>cut', "application/rss+xml")
    site.pages["/story-1"] = (_story(1), "text/html")
    site.pages["/good.xml"] = (_rss(site, [("/story-1", "Story 1")]), "application/rss+xml")
    broken = wb.sources.add(f"{site.base}/broken.xml", "5m")
    good = wb.sources.add(f"{site.base}/good.xml", "5m")
    results = {r["id"]: r for r in wb.sources.poll_due()}
    assert "not a readable RSS or Atom feed" in results[broken["id"]]["error"]
    assert results[good["id"]]["new"] == 1 and results[good["id"]]["error"] == ""
    by_id = {s["id"]: s for s in wb.sources.list()}
    assert by_id[broken["id"]]["last_error"] and "\n" not in by_id[broken["id"]]["last_error"]
    assert wb.sources.poll_due() == []  # both polled: neither is due for five minutes
    site.pages["/broken.xml"] = (_rss(site, []), "application/rss+xml")  # mended: the error clears
    assert wb.sources.poll(broken["id"])["error"] == ""
    assert {s["id"]: s for s in wb.sources.list()}[broken["id"]]["last_error"] == ""


def test_a_page_source_is_taken_again_only_when_its_text_changes(wb, site):
    site.pages["/budget"] = (_story(7), "text/html")
    src = wb.sources.add(f"{site.base}/budget", "1h")
    assert wb.sources.poll(src["id"])["new"] == 1
    site.pages["/budget"] = (_story(7) + b" ", "text/html")  # a new ETag, the same text
    assert wb.sources.poll(src["id"])["new"] == 0
    site.pages["/budget"] = (_story(8), "text/html")
    assert wb.sources.poll(src["id"])["new"] == 1
    assert wb.sources.list()[0]["kind"] == "page" and wb.browse.stats()["documents"] == 2


def test_sources_refuse_what_they_cannot_poll(bench):
    with pytest.raises(InputError, match="only http"):
        bench.sources.add("ftp://example.org/feed.xml")
    with pytest.raises(InputError, match="private|loopback"):
        bench.sources.add("http://127.0.0.1:9/feed.xml")  # private addresses refused by default
    for bad in ("0m", "8d", "soon"):
        with pytest.raises(InputError, match="--every"):
            parse_every(bad)
    assert parse_every("2h") == 7200 and parse_every("90s") == 90


def test_sources_commands(env, site, monkeypatch):
    monkeypatch.setenv("CLAIMS_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setenv("CLAIMS_PARSE_HELPER", "0")
    site.pages["/feed.xml"] = (_rss(site, []), "application/rss+xml")
    runner = CliRunner()
    added = runner.invoke(main, ["sources", "add", f"{site.base}/feed.xml", "--every", "30m"])
    assert added.exit_code == 0 and "added source 1" in added.output and "every 30m" in added.output
    assert "not polled yet" in runner.invoke(main, ["sources", "list"]).output
    polled = runner.invoke(main, ["sources", "poll", "--all"])
    assert polled.exit_code == 0 and "0 new" in polled.output, polled.output
    assert "0 new at last poll" in runner.invoke(main, ["sources", "list"]).output
    assert runner.invoke(main, ["sources", "remove", "1"]).exit_code == 0
    missing = runner.invoke(main, ["sources", "remove", "1"])
    assert missing.exit_code == 1 and "claims sources list" in missing.output


def test_sources_page_lists_adds_and_shows_errors(service, site, monkeypatch):
    import app_pages.common
    from streamlit.testing.v1 import AppTest

    from test_app import APP

    service.settings = service.settings.with_options(allow_private_urls=True)
    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    site.pages["/broken.xml"] = (b"<rss><channel><item><title>cut", "application/rss+xml")
    service.sources.poll(service.sources.add(f"{site.base}/broken.xml", "5m")["id"])
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/sources.py").run()
    assert not at.exception, at.exception
    rows = at.dataframe[0].value
    assert len(rows) == 1 and "not a readable RSS or Atom feed" in rows["error"][0]
    assert any("1 failed at their last poll" in c.value for c in at.caption)
    site.pages["/story-1"] = (_story(1), "text/html")
    site.pages["/feed.xml"] = (_rss(site, [("/story-1", "Story 1")]), "application/rss+xml")
    at.text_input[0].set_value(f"{site.base}/feed.xml")
    at.button[0].click().run()  # the form's "Watch it"
    assert not at.exception, at.exception
    assert len(at.dataframe[0].value) == 2
    next(b for b in at.button if b.label == "Poll every source now").click().run()
    assert not at.exception, at.exception
    assert service.browse.stats()["documents"] == 1


def test_fetches_from_one_host_keep_the_rate_limit(wb, site):
    from store import ratelimit
    from store.db import atomic

    wb.settings = wb.settings.with_options(fetch_per_host=0.4)
    for n in (1, 2):
        site.pages[f"/story-{n}"] = (_story(n), "text/html")
    site.pages["/feed.xml"] = (_rss(site, [("/story-1", "Story 1"), ("/story-2", "Story 2")]), "application/rss+xml")
    src = wb.sources.add(f"{site.base}/feed.xml", "5m")
    assert wb.sources.poll(src["id"])["new"] == 2
    gaps = [b - a for a, b in zip(site.times, site.times[1:])]
    assert len(site.times) == 3 and min(gaps) >= 0.35, gaps  # the feed, then each story, 0.4 s apart
    with atomic(wb.engine) as s:  # a slot taken just now: the next one on that host waits, another host does not
        first = ratelimit.reserve(s, "news.example", 30.0)
    with atomic(wb.engine) as s:
        second = ratelimit.reserve(s, "NEWS.example", 30.0)
    with atomic(wb.engine) as s:
        other = ratelimit.reserve(s, "wire.example", 30.0)
    assert first == 0.0 and 29.0 < second <= 30.0 and other == 0.0
