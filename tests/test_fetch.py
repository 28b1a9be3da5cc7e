"""URL ingest against a real (local) HTTP server: only http(s), private and loopback addresses refused, every
redirect checked, size and time bounded."""
import socket
import threading
import time
import types
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import claims.io.fetch
from core.errors import FetchError, TooLarge
from claims.io.fetch import check_url, fetch

PAGE = b"<html><body><p>The county spent $4 million on roads in 2024.</p></body></html>"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass

    def do_GET(self):  # noqa: N802 (http.server's name)
        routes = {
            "/page": lambda: self._send(PAGE),
            "/to-page": lambda: self._redirect("/page"),
            "/to-metadata": lambda: self._redirect("http://169.254.169.254/latest/meta-data/"),
            "/to-private": lambda: self._redirect("http://10.0.0.7/admin"),
            "/to-ftp": lambda: self._redirect("ftp://files.example/a.txt"),
            "/loop": lambda: self._redirect("/loop"),
            "/huge": lambda: self._send(b"x" * 200_000, length=False),
            "/huge-declared": lambda: self._send(b"x" * 10, length=200_000),
            "/slow": self._slow,
            "/drip": self._drip,
        }
        routes.get(self.path, lambda: self.send_error(404))()

    def _send(self, body, length=True):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if length is True:
            self.send_header("Content-Length", str(len(body)))
        elif length:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    def _redirect(self, where):
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _slow(self):
        time.sleep(3)
        self._send(PAGE)

    def _drip(self):
        """A byte every 0.1 s for 4 s: each read answers well within the timeout, the whole never does."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        try:
            for _ in range(40):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture
def public_server(server, monkeypatch):
    """The local server seen as a public address by the checks (the connection still goes to 127.0.0.1), so
    that what is refused is what the server redirects to."""
    port = int(server.rsplit(":", 1)[1])
    real = socket.getaddrinfo

    def getaddrinfo(host, p, *args, **kwargs):
        if host == "127.0.0.1" and p == port:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]
        return real(host, p, *args, **kwargs)

    fake = types.SimpleNamespace(getaddrinfo=getaddrinfo, gaierror=socket.gaierror, timeout=socket.timeout)
    monkeypatch.setattr(claims.io.fetch, "socket", fake)
    return server


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://files.example/a.txt", "javascript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "gopher://x.example/", "http:///nohost"])
def test_only_http_and_https(url):
    with pytest.raises(FetchError, match="refusing"):
        check_url(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://localhost:8501/", "http://10.1.2.3/",
                                 "http://192.168.0.1/router", "http://172.16.5.4/", "http://169.254.169.254/latest/",
                                 "http://[::1]/", "http://0.0.0.0/", "http://[fd00::1]/"])
def test_private_and_loopback_addresses_are_refused(url):
    with pytest.raises(FetchError) as err:
        check_url(url)
    assert "private or loopback" in str(err.value) and "CLAIMS_ALLOW_PRIVATE_URLS" in str(err.value)
    check_url(url, allow_private=True)  # the setting allows them


def test_local_server_needs_the_setting(server):
    with pytest.raises(FetchError, match="CLAIMS_ALLOW_PRIVATE_URLS"):
        fetch(server + "/page")
    got = fetch(server + "/page", allow_private=True)
    assert got.body == PAGE and got.charset == "utf-8"


def test_a_followed_redirect_is_fetched(public_server):
    got = fetch(public_server + "/to-page")
    assert got.url.endswith("/page") and got.body == PAGE


@pytest.mark.parametrize("path, word", [("/to-metadata", "169.254.169.254"), ("/to-private", "10.0.0.7"),
                                        ("/to-ftp", "only http")])
def test_redirects_are_checked_like_the_first_url(public_server, path, word):
    with pytest.raises(FetchError) as err:
        fetch(public_server + path)
    assert word in str(err.value) and "\n" not in str(err.value)


def test_redirect_loops_end(public_server):
    with pytest.raises(FetchError, match="cannot fetch"):
        fetch(public_server + "/loop")


@pytest.mark.parametrize("path", ["/huge", "/huge-declared"])
def test_size_is_bounded_with_or_without_a_declared_length(public_server, path):
    with pytest.raises(TooLarge, match="CLAIMS_FETCH_MAX_BYTES"):
        fetch(public_server + path, max_bytes=100_000)


def test_time_is_bounded(public_server):
    with pytest.raises(FetchError, match="no answer within 0.5 s"):
        fetch(public_server + "/slow", timeout=0.5)


def test_a_server_that_drips_bytes_is_cut_off_by_the_deadline(public_server):
    with pytest.raises(FetchError, match="longer than 1 s in all"):
        fetch(public_server + "/drip", timeout=1)
