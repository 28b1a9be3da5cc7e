"""Sources watched on a schedule: RSS and Atom feeds and plain pages, polled with conditional GETs, their new
items ingested (or queued for the Celery workers when a broker is set) and remembered, by link and by content,
so that an item is taken once. A poll that fails records its one-line error on the source; polling goes on."""
from __future__ import annotations

import hashlib
import re

from claims.io.feeds import FeedItem, looks_like_feed, parse_feed
from claims.io.fetch import check_url, fetch
from claims.io.readers import Article, read_bytes, read_url
from claims.services.common import UseCase
from claims.services.ingest import as_text
from core.errors import FetchError, InputError, WorkbenchError
from store import sources as source_store
from store.db import atomic

#: Shortest and longest polling intervals.
MIN_EVERY, MAX_EVERY = 60, 7 * 86400
_SPAN = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")


def parse_every(text: str | int) -> int:
    """Seconds from "15m", "2h", "1d", "90s" or a number of seconds; InputError outside 1 minute to 7 days."""
    m = _SPAN.match(str(text))
    if not m:
        raise InputError(f"--every {text!r}: give a span such as 15m, 2h or 1d")
    seconds = int(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if not MIN_EVERY <= seconds <= MAX_EVERY:
        raise InputError(f"--every {text!r}: poll between every minute and every 7 days")
    return seconds


def span(seconds: int) -> str:
    """Seconds written back as the shortest span: 900 -> 15m, 7200 -> 2h."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


class Sources(UseCase):
    """Add, list, remove and poll the sources a newsroom watches."""

    def add(self, url: str, every: str | int = "15m") -> dict:
        """Watch `url` (http or https, a public address unless CLAIMS_ALLOW_PRIVATE_URLS) every `every`."""
        url = url.strip()
        seconds = parse_every(every)
        check_url(url, allow_private=self.settings.allow_private_urls, timeout=self.settings.fetch_timeout)
        with atomic(self.engine) as s:
            row, created = source_store.add(s, url, seconds)
            return {**source_store.as_dict(row), "every": span(seconds), "created": created}

    def list(self) -> list[dict]:
        """Every source, with `every` written as a span (15m, 2h, 1d) beside `every_seconds`."""
        with self.session() as s:
            return [{**src, "every": span(src["every_seconds"])} for src in source_store.list_sources(s)]

    def remove(self, ref: str) -> str:
        """Stop watching a source (by id or URL); returns its URL. What it brought in stays stored."""
        with atomic(self.engine) as s:
            return source_store.remove(s, ref)

    def poll_due(self, *, every_source: bool = False) -> list[dict]:
        """Poll the sources whose interval has passed (all of them with `every_source`); one result each."""
        with self.session() as s:
            ids = [r["id"] for r in source_store.list_sources(s)] if every_source else source_store.due(s)
        return [self.poll(i) for i in ids]

    def poll(self, source_id: int) -> dict:
        """Fetch one source (conditionally), take its new items, record how it went; never raises for what the
        source sends. Returns `{"id", "url", "new", "error", "status"}`."""
        with self.session() as s:
            src = source_store.find(s, str(source_id))
            url, etag, modified = src.url, src.etag, src.last_modified
        out = {"id": source_id, "url": url, "new": 0, "error": "", "status": 0}
        try:
            self.wait_for_host(url)
            got = fetch(url, timeout=self.settings.fetch_timeout,
                        max_bytes=min(self.settings.fetch_max_bytes, self.settings.max_bytes),
                        allow_private=self.settings.allow_private_urls, etag=etag, last_modified=modified)
            out["status"] = got.status
            if got.status == 304:
                kind, title, new = "", "", 0
            elif looks_like_feed(got.body, got.content_type):
                feed = parse_feed(got.body, url)
                kind, title, new = "feed", feed.title, self._take_items(source_id, feed.items)
                out["error"] = feed.problem  # read in part: what could be read is taken, the fault shown
            else:
                kind, title, new = "page", "", self._take_page(source_id, got)
        except WorkbenchError as exc:
            out["error"] = " ".join(str(exc).split())
            with atomic(self.engine) as s:
                source_store.record_poll(s, source_id, error=out["error"])
            return out
        out["new"] = new
        with atomic(self.engine) as s:
            source_store.record_poll(s, source_id, kind=kind, title=title, etag=got.etag,
                                     last_modified=got.last_modified, new=new, error=out["error"])
        return out

    # -- taking what is new ------------------------------------------------------------------------------
    def _take_items(self, source_id: int, items: list[FeedItem]) -> int:
        with self.session() as s:
            fresh = dict(source_store.unseen(s, source_id, [(i.key, i.digest) for i in items]))
        taken = 0
        for item in (i for i in items if i.key in fresh):
            try:
                self._ingest_item(item)
            except InputError as exc:
                if isinstance(exc, FetchError):
                    raise  # the network: not remembered, tried again next poll
                # unreadable: remembered, so not tried on every poll
            with atomic(self.engine) as s:
                source_store.remember(s, source_id, [(item.key, fresh[item.key])])
            taken += 1
        return taken

    def _ingest_item(self, item: FeedItem) -> None:
        if item.url and self.settings.broker:
            self.bench.jobs.enqueue([item.url])
        elif item.url:
            self.wait_for_host(item.url)
            self.bench.ingest.articles([as_text(a) for a in read_url(item.url, self.settings)])
        else:  # an item with no link: its own text is the article
            body = f"<html><body><h1>{item.title}</h1>{item.text}</body></html>".encode("utf-8")
            self.bench.ingest.articles([as_text(Article(name=item.key, text=a.text, origin=item.key,
                                                        title=item.title, is_html=a.is_html))
                                        for a in read_bytes(body, item.key, settings=self.settings,
                                                            content_type="text/html")])

    def _take_page(self, source_id: int, got) -> int:
        articles = [as_text(a) for a in read_bytes(got.body, got.url, origin=got.url, settings=self.settings,
                                                   charset=got.charset, content_type=got.content_type)]
        digest = hashlib.sha256("\n".join(a.text for a in articles).encode("utf-8")).hexdigest()
        key = f"{got.url}#{digest[:16]}"  # a page is new each time its text changes
        with self.session() as s:
            if not source_store.unseen(s, source_id, [(key, digest)]):
                return 0
        self.bench.ingest.articles(articles)
        with atomic(self.engine) as s:
            source_store.remember(s, source_id, [(key, digest)])
        return 1
