"""Fetching an article by URL: http(s) only, bounded in size and time, redirects checked, and private or
loopback addresses refused unless the settings allow them.

`timeout` bounds the whole request: the name lookup, the connection, the TLS handshake, the status line, the
headers and the body, across redirects. Every wait on the network asks one deadline how long it may take, so
a server that drips its headers or its body is cut off when the time is up. Whatever a server does, `fetch`
raises FetchError or TooLarge with one line that says what to do, never a traceback."""
from __future__ import annotations

import http.client
import io
import ipaddress
import socket
import ssl
import string
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from core.errors import FetchError, TooLarge

MAX_REDIRECTS = 5
USER_AGENT = "claim-workbench/0.1 (+fact-checking)"


@dataclass(frozen=True)
class Fetched:
    url: str  # final URL after redirects
    body: bytes
    content_type: str
    charset: str | None
    #: 200, or 304 when a conditional request found nothing new (then `body` is empty)
    status: int = 200
    #: the validators to send next time (If-None-Match, If-Modified-Since), as the server gave them
    etag: str = ""
    last_modified: str = ""


def check_url(url: str, *, allow_private: bool = False, timeout: float | None = None) -> None:
    """Raise FetchError unless `url` is http(s) to a public address (or private ones are allowed).

    timeout: seconds the host name lookup may take (None: as long as the system's resolver takes)."""
    _check(url, allow_private, _Deadline(timeout) if timeout else None)


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether `ip` is an address on the internet rather than a private, loopback or otherwise special one."""
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
                or ip.is_unspecified)


def fetch(url: str, *, timeout: float = 15.0, max_bytes: int = 5 * 1024 * 1024, allow_private: bool = False,
          etag: str = "", last_modified: str = "") -> Fetched:
    """GET `url` within the limits; raise FetchError or TooLarge with a message that says what to do.

    timeout: seconds for the whole request, redirects included. max_bytes: the most body bytes accepted.
    etag, last_modified: what the server said last time; when given, the request is conditional and a
    "304 Not Modified" comes back as `status` 304 with an empty body."""
    deadline = _Deadline(timeout)
    headers = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if v}
    try:
        _check(url, allow_private, deadline)
        return _get(_sendable(url), deadline, max_bytes, allow_private, headers)
    except (FetchError, TooLarge):
        raise
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 304 and headers:
            return Fetched(url=url, body=b"", content_type="", charset=None, status=304,
                           etag=exc.headers.get("ETag", "") or etag,
                           last_modified=exc.headers.get("Last-Modified", "") or last_modified)
        raise _http_error(url, exc) from None
    except urllib.error.URLError as exc:
        reason = exc.reason if isinstance(exc.reason, BaseException) else OSError(str(exc.reason))
        raise _failure(url, reason, deadline) from None
    except Exception as exc:  # noqa: BLE001 -- whatever a server sends, the caller gets one line
        raise _failure(url, exc, deadline) from None


# -- checks ---------------------------------------------------------------------------------------------
def _check(url: str, allow_private: bool, deadline: _Deadline | None) -> None:
    try:
        parts = urllib.parse.urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise FetchError(_line(f"refusing {url!r}: it is not a valid URL ({exc}); check it")) from None
    if parts.scheme not in ("http", "https"):
        raise FetchError(_line(f"refusing {url!r}: only http:// and https:// URLs can be fetched"))
    if not host:
        raise FetchError(_line(f"refusing {url!r}: the URL has no host name"))
    if allow_private:
        return
    try:
        infos = _lookup(host, port or (443 if parts.scheme == "https" else 80), deadline)
    except socket.gaierror as exc:
        raise FetchError(_line(f"cannot reach {_shown(url)}: host {host!r} not found ({exc.strerror}); "
                               "check the URL")) from None
    except _OutOfTime:
        raise FetchError(_line(f"cannot reach {_shown(url)}: looking up {host!r} took longer than "
                               f"{deadline.seconds:g} s; check the URL, or try again later")) from None
    except UnicodeError:
        raise FetchError(_line(f"refusing {url!r}: {host!r} is not a valid host name; check the URL")) from None
    except (OSError, ValueError) as exc:
        raise FetchError(_line(f"cannot reach {_shown(url)}: looking up {host!r} failed ({exc}); "
                               "check the URL")) from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not is_public(ip):
            raise FetchError(_line(
                f"refusing {_shown(url)}: {host} is a private or loopback address ({ip}); "
                "set CLAIMS_ALLOW_PRIVATE_URLS=1 to allow it"))


def _lookup(host: str, port: int, deadline: _Deadline | None) -> list:
    """socket.getaddrinfo for a TCP connection, given up on at the deadline."""
    if deadline is None:
        return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    return deadline.run(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)


def _sendable(url: str) -> str:
    """`url` with spaces, control and non-ASCII characters in its path and query percent-encoded (as UTF-8, as
    browsers send them); the host is left to IDNA."""
    parts = urllib.parse.urlsplit(url)
    return parts._replace(path=urllib.parse.quote(parts.path, safe=string.punctuation),
                          query=urllib.parse.quote(parts.query, safe=string.punctuation), fragment="").geturl()


# -- the request ----------------------------------------------------------------------------------------
def _get(url: str, deadline: _Deadline, max_bytes: int, allow_private: bool, headers: dict | None = None) -> Fetched:
    opener = urllib.request.OpenerDirector()
    # No FTP, file: or data: handlers: nothing but http(s) can be opened, even by a redirect.
    for handler in (urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), _HTTPHandler(deadline),
                    _HTTPSHandler(deadline), urllib.request.HTTPDefaultErrorHandler(),
                    _CheckedRedirects(allow_private, deadline), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})
    with opener.open(req, timeout=deadline.seconds) as resp:
        length = resp.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise TooLarge(f"{_shown(url)} is {int(length):,} bytes, over the {max_bytes:,}-byte limit; "
                           "raise CLAIMS_FETCH_MAX_BYTES or save the article and ingest the file")
        chunks, size = [], 0
        while True:
            chunk = resp.read1(65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(f"{_shown(url)} is over the {max_bytes:,}-byte limit; "
                               "raise CLAIMS_FETCH_MAX_BYTES or save the article and ingest the file")
        if getattr(resp, "length", None):  # the connection closed before the declared Content-Length
            raise http.client.IncompleteRead(b"", resp.length)
        return Fetched(url=resp.geturl(), body=b"".join(chunks),
                       content_type=resp.headers.get_content_type() or "",
                       charset=resp.headers.get_content_charset(), etag=resp.headers.get("ETag", "") or "",
                       last_modified=resp.headers.get("Last-Modified", "") or "")


class _OutOfTime(TimeoutError):
    """The deadline of the whole fetch has passed."""


class _Deadline:
    """One time limit for a whole fetch: every wait on the network asks it how long it may last."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.heard = False  # whether any server has sent anything yet (for the message)

    def left(self) -> float:
        """Seconds left; raises _OutOfTime when there are none."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise _OutOfTime()
        return left

    def run(self, fn, *args):
        """fn(*args) on a helper thread, given up on at the deadline: a name lookup takes no timeout. (A lookup
        given up on finishes in the background and is dropped.)"""
        box: dict = {}

        def call():
            try:
                box["value"] = fn(*args)
            except BaseException as exc:  # handed to the caller below
                box["error"] = exc

        worker = threading.Thread(target=call, name="claims-fetch-lookup", daemon=True)
        worker.start()
        worker.join(self.left())
        if worker.is_alive():
            raise _OutOfTime()
        if "error" in box:
            raise box["error"]
        return box["value"]


class _DeadlineReader(io.RawIOBase):
    """The reading side of a connection, each read allowed only the time left before the deadline."""

    def __init__(self, sock, deadline: _Deadline):
        self._sock, self._deadline = sock, deadline
        # The socket's own file object counts as a user of the socket, so it stays open while this one reads
        # (urllib closes the connection's socket as soon as the headers are in).
        self._raw = sock.makefile("rb", buffering=0)
        self.ended = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self._sock.settimeout(self._deadline.left())
        n = self._raw.readinto(buffer)
        if n:
            self._deadline.heard = True
        else:
            self.ended = True
        return n

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineSocket:
    """A connected socket (plain or TLS) whose sends and reads end at the deadline."""

    def __init__(self, sock, deadline: _Deadline):
        self._sock, self._deadline = sock, deadline

    def sendall(self, data) -> None:
        self._sock.settimeout(self._deadline.left())
        self._sock.sendall(data)

    def makefile(self, mode="rb", *_args, **_kwargs):
        if mode != "rb":
            raise ValueError(f"only binary reading is supported, not {mode!r}")
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def __getattr__(self, name):
        return getattr(self._sock, name)


class _Response(http.client.HTTPResponse):
    def begin(self):
        super().begin()
        # http.client takes the end of the stream for the blank line that ends the headers; it is not one.
        # (Complete headers end in a newline, so their reader never needs to look past them.)
        if isinstance(self.fp, io.BufferedReader) and getattr(self.fp.raw, "ended", False):
            raise http.client.HTTPException("the connection closed in the middle of the headers")


class _Bounded:
    """What the HTTP and HTTPS connections share: name lookup and connection within the deadline."""

    response_class = _Response

    def __init__(self, host, *, deadline: _Deadline, **kwargs):
        super().__init__(host, **kwargs)
        self._deadline = deadline
        self._create_connection = self._open_socket

    def _open_socket(self, address, timeout=None, source_address=None):
        host, port = address
        error: OSError | None = None
        for family, kind, proto, _name, addr in _lookup(host, port, self._deadline):
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(self._deadline.left())
                sock.connect(addr)
                return sock
            except _OutOfTime:
                sock.close()
                raise
            except OSError as exc:  # try the host's next address
                sock.close()
                error = exc
        raise error or OSError(f"no address found for {host}")


class _HTTPConnection(_Bounded, http.client.HTTPConnection):
    def connect(self):
        http.client.HTTPConnection.connect(self)
        self.sock = _DeadlineSocket(self.sock, self._deadline)


class _HTTPSConnection(_Bounded, http.client.HTTPSConnection):
    def connect(self):
        http.client.HTTPConnection.connect(self)  # TCP, and the tunnel through a proxy if there is one
        self.sock.settimeout(self._deadline.left())  # the handshake as a whole waits at most this long
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self._tunnel_host or self.host)
        self.sock = _DeadlineSocket(self.sock, self._deadline)


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self.deadline = deadline

    def http_open(self, req):
        return self.do_open(_HTTPConnection, req, deadline=self.deadline)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: _Deadline):
        super().__init__()
        self.deadline = deadline

    def https_open(self, req):
        return self.do_open(_HTTPSConnection, req, context=self._context, deadline=self.deadline)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def __init__(self, allow_private: bool, deadline: _Deadline):
        self.allow_private, self.deadline = allow_private, deadline

    def http_error_302(self, req, fp, code, msg, headers):
        fp.close()  # a redirect's body is never read: it could be endless
        target = headers.get("Location") or headers.get("URI")
        if target:  # refuse another scheme with the usual message (urllib's own says less)
            _check(urllib.parse.urljoin(req.full_url, target), True, None)
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        _check(newurl, self.allow_private, self.deadline)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


# -- messages -------------------------------------------------------------------------------------------
def _line(text: str) -> str:
    return " ".join(text.split())


def _shown(url: str) -> str:
    return url if url.isprintable() else ascii(url)


def _http_error(url: str, exc: urllib.error.HTTPError) -> FetchError:
    if str(exc.reason).startswith(urllib.request.HTTPRedirectHandler.inf_msg):
        return FetchError(_line(f"cannot fetch {_shown(url)}: more than {MAX_REDIRECTS} redirects, or a redirect "
                                "loop; open it in a browser, save the article and ingest the file"))
    return FetchError(_line(f"cannot fetch {_shown(url)}: the server answered {exc.code} {exc.reason}"))


def _failure(url: str, exc: BaseException, deadline: _Deadline) -> FetchError:
    """One line for anything that went wrong on the way (the network, TLS, a reply that is not HTTP...)."""
    shown = _shown(url)
    if isinstance(exc, (_OutOfTime, TimeoutError, socket.timeout)):
        if deadline.heard:
            text = (f"cannot fetch {shown}: it took longer than {deadline.seconds:g} s in all; try again later, "
                    "raise CLAIMS_FETCH_TIMEOUT, or save the article and ingest the file")
        else:
            text = (f"cannot fetch {shown}: no answer within {deadline.seconds:g} s; try again later or raise "
                    "CLAIMS_FETCH_TIMEOUT")
    elif isinstance(exc, http.client.InvalidURL):
        text = f"refusing {shown}: it is not a valid URL ({exc}); check it"
    elif isinstance(exc, http.client.HTTPException):
        text = (f"cannot fetch {shown}: the server's reply is broken ({_broken(exc)}); try again later, or "
                "save the article and ingest the file")
    elif isinstance(exc, ssl.SSLCertVerificationError):
        text = (f"cannot fetch {shown}: its certificate cannot be trusted ({exc.verify_message}); check the "
                "address, or save the article and ingest the file")
    elif isinstance(exc, ssl.SSLError):
        text = (f"cannot fetch {shown}: the secure connection failed ({exc.reason or exc}); try again later, or "
                "save the article and ingest the file")
    elif isinstance(exc, socket.gaierror):
        text = f"cannot reach {shown}: host not found ({exc.strerror}); check the URL"
    elif isinstance(exc, ConnectionRefusedError):
        text = f"cannot reach {shown}: the connection was refused; check the URL, or try again later"
    elif isinstance(exc, ConnectionError):
        text = (f"cannot fetch {shown}: the connection broke ({exc.strerror or exc}); try again later, or save "
                "the article and ingest the file")
    elif isinstance(exc, OSError):
        text = f"cannot reach {shown}: {exc.strerror or exc}; check the URL and your connection"
    elif isinstance(exc, UnicodeError):
        text = f"refusing {shown}: its host name or path cannot be sent ({exc}); check the URL"
    elif isinstance(exc, ValueError):
        text = f"cannot fetch {shown}: {exc}; check the URL"
    else:
        text = (f"cannot fetch {shown}: {type(exc).__name__}: {exc}; try again, and report it if it goes on")
    return FetchError(_line(text))


def _broken(exc: http.client.HTTPException) -> str:
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(exc, http.client.BadStatusLine):
        return f"it is not HTTP: it began {str(exc.line)[:40]!r}"
    if isinstance(exc, http.client.IncompleteRead):
        short = f", {exc.expected:,} bytes short" if exc.expected else ""
        return f"the body is incomplete{short}"
    return str(exc) or type(exc).__name__
