"""URL ingest against a real (local) HTTP server: only http(s), private and loopback addresses refused, every
redirect checked, size and time bounded."""
import socket
import threading
import time
from contextlib import contextmanager
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
            "/to-page-endless": self._redirect_with_an_endless_body,
            "/short": lambda: self._send(b"x" * 10, length=1000),
        }
        if self.path.startswith("/hop/"):  # a redirect every 0.4 s, each to the next hop
            time.sleep(0.4)
            return self._redirect(f"/hop/{int(self.path[5:]) + 1}")
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

    def _redirect_with_an_endless_body(self):
        """A redirect whose body goes on (for 3 s here): the client must not read it."""
        self.send_response(302)
        self.send_header("Location", "/page")
        self.end_headers()
        end = time.monotonic() + 3
        try:
            while time.monotonic() < end:
                self.wfile.write(b"x" * 65536)
        except OSError:
            pass

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
    """The local server counted as a public address by the checks (the connection still goes to 127.0.0.1), so
    that what is refused is what the server redirects to."""
    real = claims.io.fetch.is_public
    monkeypatch.setattr(claims.io.fetch, "is_public", lambda ip: str(ip) == "127.0.0.1" or real(ip))
    return server


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """No proxy from the environment: every request in these tests goes straight to 127.0.0.1."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


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


def test_the_time_limit_covers_all_the_redirects(public_server):
    start = time.monotonic()
    with pytest.raises(FetchError, match="longer than 1 s in all"):
        fetch(public_server + "/hop/1", timeout=1)
    assert time.monotonic() - start < 1.5


def test_a_redirects_body_is_not_read(public_server):
    start = time.monotonic()
    got = fetch(public_server + "/to-page-endless", max_bytes=100_000, timeout=10)
    assert got.body == PAGE and time.monotonic() - start < 2


def test_a_body_shorter_than_its_declared_length_is_an_error(public_server):
    with pytest.raises(FetchError, match="990 bytes short"):
        fetch(public_server + "/short")


def test_a_path_with_spaces_and_accents_is_sent_encoded(server):
    with pytest.raises(FetchError, match="answered 404"):  # sent and answered, not refused by http.client
        fetch(server + "/caf\u00e9 menu?q=cr\u00e8me", allow_private=True)


# -- servers that misbehave: raw sockets, for replies no HTTP server library would send --------------------
@contextmanager
def raw_server(answer):
    """A server on 127.0.0.1 that reads each request and calls `answer(conn, stop)`; `stop` is set when the test
    ends, so an answer that waits (`stop.wait(s)`) ends with it."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    conn.recv(65536)
                    answer(conn, stop)
                except OSError:  # the client gave up: what these tests want
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def drip_headers(conn, stop):
    """A status line, then a header line every 0.3 s for a minute: each read is quick, the whole never ends."""
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for i in range(200):
        if stop.wait(0.3):
            return
        conn.sendall(b"X-Drip-%d: %d\r\n" % (i, i))


def drip_status_line(conn, stop):
    for byte in b"HTTP/1.1 200 OK\r\n":
        if stop.wait(0.3):
            return
        conn.sendall(bytes([byte]))


def silent(conn, stop):
    stop.wait(10)


def reply(data: bytes):
    def answer(conn, stop):
        conn.sendall(data)
    return answer


def one_line_fetch_error(url, timeout=5.0, allow_private=True):
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        fetch(url, timeout=timeout, allow_private=allow_private)
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message, message
    return message, time.monotonic() - start


@pytest.mark.parametrize("answer", [drip_headers, drip_status_line])
def test_a_server_that_drips_its_headers_is_cut_off_at_the_deadline(answer):
    with raw_server(answer) as where:
        message, took = one_line_fetch_error(f"http://{where}/", timeout=1)
    assert took < 2, took
    assert "longer than 1 s in all" in message and "CLAIMS_FETCH_TIMEOUT" in message


def test_a_server_that_never_answers_is_cut_off_at_the_deadline():
    with raw_server(silent) as where:
        message, took = one_line_fetch_error(f"http://{where}/", timeout=1)
    assert took < 2 and "no answer within 1 s" in message


MANY_HEADERS = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Header-%d: %d\r\n" % (i, i) for i in range(150)) + b"\r\n"


@pytest.mark.parametrize("data, words", [
    (b"hello\r\n", "not HTTP"),
    (b"SSH-2.0-OpenSSH_9.6\r\n", "not HTTP"),
    (MANY_HEADERS, "more than 100 headers"),
    (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Cut: ", "middle of the headers"),
    (b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n", "65536"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n<p>only this", "bytes short"),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "incomplete"),
    (b"HTTP/1.1 299999 What\r\n\r\n", "not HTTP"),
    (b"", "without answering"),
])
def test_a_broken_reply_is_one_fetch_error(data, words):
    with raw_server(reply(data)) as where:
        message, took = one_line_fetch_error(f"http://{where}/page")
    assert words in message and "try again later" in message, message
    assert took < 3


def test_plain_http_on_an_https_port_is_one_fetch_error():
    with raw_server(reply(b"HTTP/1.1 400 Bad Request\r\n\r\n")) as where:
        message, _ = one_line_fetch_error(f"https://{where}/")
    assert "secure connection failed" in message


def test_a_tls_handshake_that_never_ends_is_cut_off_at_the_deadline():
    with raw_server(silent) as where:
        message, took = one_line_fetch_error(f"https://{where}/", timeout=1)
    assert took < 2 and "within 1 s" in message


@pytest.mark.parametrize("url, words", [
    ("http://[::1/", "not a valid URL"),
    ("http://127.0.0.1:99999/", "not a valid URL"),
    ("http://" + "a" * 70 + ".example/", "host name"),
    ("http://127.0.0.1:1/", "refused"),
])
@pytest.mark.parametrize("allow_private", [True, False])
def test_a_malformed_url_is_one_fetch_error(url, words, allow_private):
    if words == "refused" and not allow_private:
        words = "private or loopback"
    message, _ = one_line_fetch_error(url, timeout=2, allow_private=allow_private)
    assert words in message, message


def test_cli_ingest_of_a_dripping_server_is_one_error_line_and_stores_nothing(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from claims.cli import main

    monkeypatch.setenv("CLAIMS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLAIMS_MODEL", "test/hashing")
    monkeypatch.setenv("CLAIMS_ALLOW_PRIVATE_URLS", "1")
    monkeypatch.setenv("CLAIMS_FETCH_TIMEOUT", "1")
    monkeypatch.delenv("CLAIMS_DB", raising=False)
    with raw_server(drip_headers) as where:
        start = time.monotonic()
        res = CliRunner().invoke(main, ["ingest", f"http://{where}/"])
        took = time.monotonic() - start
    assert res.exit_code == 1 and isinstance(res.exception, SystemExit), res.exception
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "1 s" in lines[0], res.output
    assert took < 3, took
    stats = CliRunner().invoke(main, ["stats"])
    assert stats.exit_code == 0 and "documents     0" in stats.output, stats.output
