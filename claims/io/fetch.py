"""Fetching an article by URL: http(s) only, bounded in size and time, redirects checked, and private or
loopback addresses refused unless the settings allow them."""
from __future__ import annotations

import ipaddress
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from core.errors import FetchError, TooLarge

MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Fetched:
    url: str  # final URL after redirects
    body: bytes
    content_type: str
    charset: str | None


def check_url(url: str, *, allow_private: bool = False) -> None:
    """Raise FetchError unless `url` is http(s) to a public address (or private ones are allowed)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"refusing {url!r}: only http:// and https:// URLs can be fetched")
    if not parts.hostname:
        raise FetchError(f"refusing {url!r}: the URL has no host name")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise FetchError(f"cannot reach {url}: host {parts.hostname!r} not found ({exc.strerror}); check the URL") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
            raise FetchError(
                f"refusing {url}: {parts.hostname} is a private or loopback address ({ip}); "
                "set CLAIMS_ALLOW_PRIVATE_URLS=1 to allow it"
            )


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, allow_private: bool):
        self.allow_private = allow_private

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        check_url(newurl, allow_private=self.allow_private)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, *, timeout: float = 15.0, max_bytes: int = 5 * 1024 * 1024, allow_private: bool = False) -> Fetched:
    """GET `url` within the limits; raise FetchError or TooLarge with a message that says what to do."""
    check_url(url, allow_private=allow_private)
    opener = urllib.request.build_opener(_CheckedRedirects(allow_private))
    _CheckedRedirects.max_redirections = MAX_REDIRECTS
    req = urllib.request.Request(url, headers={"User-Agent": "claim-workbench/0.1 (+fact-checking)"})
    # `timeout` bounds each socket read; the deadline bounds the whole fetch, so a server that drips bytes
    # just faster than the timeout cannot hold a worker for long.
    deadline = time.monotonic() + timeout
    try:
        with opener.open(req, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise TooLarge(f"{url} is {int(length):,} bytes, over the {max_bytes:,}-byte limit; "
                               "raise CLAIMS_FETCH_MAX_BYTES or save the article and ingest the file")
            chunks, size = [], 0
            while True:
                chunk = resp.read1(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"{url} is over the {max_bytes:,}-byte limit; "
                                   "raise CLAIMS_FETCH_MAX_BYTES or save the article and ingest the file")
                if time.monotonic() > deadline:
                    raise FetchError(f"cannot fetch {url}: it took longer than {timeout:g} s in all; try again "
                                     "later, or save the article and ingest the file")
            body = b"".join(chunks)
            return Fetched(url=resp.geturl(), body=body,
                           content_type=resp.headers.get_content_type() or "",
                           charset=resp.headers.get_content_charset())
    except urllib.error.HTTPError as exc:
        raise FetchError(f"cannot fetch {url}: the server answered {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (FetchError, TooLarge)):
            raise reason from None
        raise FetchError(f"cannot reach {url}: {reason}; check the URL and your connection") from None
    except (TimeoutError, socket.timeout):
        raise FetchError(f"cannot fetch {url}: no answer within {timeout:g} s; try again later") from None
    except OSError as exc:
        raise FetchError(f"cannot fetch {url}: {exc}") from None
