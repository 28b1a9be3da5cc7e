"""What the work queue holds and how a worker reads it back: targets (folders, files, JSONL feeds of articles
or URLs, URLs) become jobs of four kinds, `path`, `file`, `url` and `article`; each job reads back as articles.
A `path` job names a file the worker reads where it runs (one machine); a `file` job carries the file's bytes
with it, for workers on other machines (what `claims queue add` sends to a broker).

Everything cheap is checked when queueing (paths exist, feed lines are JSON with an article or a URL, URLs pass
the checks the worker's fetch makes: http(s), a host that resolves, no private or loopback address unless
CLAIMS_ALLOW_PRIVATE_URLS allows it), so a bad target stops `claims queue add` before anything is queued. What
can only be known by reading (size, encoding, a URL's answer) is found by the worker and recorded on the job."""
from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from core.errors import FetchError, InputError
from claims.io.fetch import check_url
from claims.io.jsonl import json_lines
from claims.io.readers import (Article, article_files, check_size, decode, is_url, read_bytes, read_feed, read_path,
                               read_url)
from claims.pipeline.normalise import normalise_text
from core.settings import Settings

KINDS = ("path", "file", "url", "article")


class UrlCheck:
    """Refuses a URL the worker's fetch would refuse (`fetch.check_url`), with the same message, prefixed by where
    it came from; each scheme, host and port is looked up once."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._passed: set[tuple] = set()

    def __call__(self, url: str, where: str = "") -> str:
        try:
            parts = urlsplit(url)
            key = (parts.scheme, parts.hostname, parts.port)
        except ValueError:  # check_url says what is wrong with it
            key = None
        if key is None or key not in self._passed:
            try:
                check_url(url, allow_private=self.settings.allow_private_urls, timeout=self.settings.fetch_timeout)
            except FetchError as exc:
                raise FetchError(f"{where}{exc}") from None
            if key is not None:
                self._passed.add(key)
        return url


def plan(targets: Iterable[str], settings: Settings, *, carry: bool = False) -> list[tuple[str, str, str]]:
    """(kind, target, payload) for every job the targets make, in order; raises InputError on a bad one. With
    `carry`, a file's job holds its bytes (kind `file`) instead of its path, so a worker anywhere can read it."""
    out: list[tuple[str, str, str]] = []
    check = UrlCheck(settings)
    for target in targets:
        if target == "-":
            raise InputError("standard input cannot be queued: save it to a file and queue the file")
        if is_url(target):
            out.append(("url", check(target), ""))
            continue
        for f in article_files(Path(target)):
            out.extend(_file_jobs(f, settings, check, carry))
    return out


def _file_jobs(path: Path, settings: Settings, check: UrlCheck, carry: bool) -> list[tuple[str, str, str]]:
    if path.suffix.lower() == ".jsonl":
        return feed_jobs(path, settings, check=check)
    if not carry:
        return [("path", str(path.resolve()), "")]
    check_size(path.stat().st_size, str(path), settings.max_bytes)
    return [("file", str(path.resolve()), json.dumps({"suffix": path.suffix.lower(),
                                                      "data": base64.b64encode(path.read_bytes()).decode("ascii")}))]


def feed_jobs(path: Path, settings: Settings, *, check: UrlCheck | None = None) -> list[tuple[str, str, str]]:
    """One job per line of a JSONL feed: an article (a line with "text", "content", "body" or "html") or a URL
    to fetch (a line with only "url", or a JSON string that is a URL). check: the URL check to share (one is
    made if not given)."""
    check = check or UrlCheck(settings)
    if path.stat().st_size > settings.max_bytes:
        raise InputError(f"{path} is {path.stat().st_size / 1e6:.1f} MB, over the {settings.max_bytes / 1e6:.0f} MB "
                         "limit for one feed; split it or raise CLAIMS_MAX_BYTES")
    text = decode(path.read_bytes(), str(path))
    origin = str(path.resolve())
    out = []
    lines = text.splitlines()
    for lineno, item, bad in json_lines(lines):
        where = f"{path} line {lineno}: "
        if bad:
            raise InputError(f"{path} line {lineno} is not valid JSON ({bad}): fix or remove that line")
        line = lines[lineno - 1]
        if isinstance(item, str) and is_url(item):
            out.append(("url", check(item, where), ""))
            continue
        if not isinstance(item, dict):
            raise InputError(f"{path} line {lineno} is neither an article nor a URL: give {{\"text\": ...}} "
                             "or {\"url\": ...}")
        if not any(item.get(k) for k in ("text", "content", "body", "html")) and isinstance(item.get("url"), str):
            out.append(("url", check(item["url"], where), ""))
            continue
        read_feed(line, str(path), origin)  # raises on a line without article text
        name = normalise_text(str(item.get("id") or item.get("url") or f"{path}#{lineno}"))
        # escaped, so a lone surrogate or a NUL in the item cannot reach the database as raw text
        out.append(("article", name, json.dumps({"origin": origin, "item": item}, ensure_ascii=True,
                                                sort_keys=True)))
    if not out:
        raise InputError(f"{path} has no articles or URLs: each line should be a JSON object with \"text\" or \"url\"")
    return out


def job_articles(kind: str, target: str, payload: str, settings: Settings) -> list[Article]:
    """Read a job back as articles (raises the readers' errors: InputError, FetchError, TooLarge...)."""
    if kind == "url":
        return read_url(target, settings)
    if kind == "path":
        return read_path(Path(target), settings)
    if kind == "file":
        data = json.loads(payload)
        return read_bytes(base64.b64decode(data["data"]), target, origin=target, suffix=data["suffix"],
                          settings=settings)
    if kind == "article":
        data = json.loads(payload)
        line = json.dumps(data["item"], ensure_ascii=False)
        return [replace(a, name=target) for a in read_feed(line, target, data.get("origin", ""))]
    raise InputError(f"unknown job kind {kind!r}; queue the target again")
