"""The review flow in a real Chromium (Playwright) against `streamlit run app.py`, and `claims serve` startup.

Opt in or out with the marker: `pytest -m browser` / `pytest -m "not browser"`."""
from __future__ import annotations

import csv
import io
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from claims.pipeline.embed import HashingEmbedder
from core.settings import load_settings
from conftest import IN_CI, ROOT, FakeDetector

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
PYTHON = ROOT / ".venv" / "bin" / "python"
CLAIMS = ROOT / ".venv" / "bin" / "claims"
SCREENSHOT = ROOT / "docs" / "review.png"


def shot_path(tracked: Path) -> Path:
    """Where a screenshot goes: the tracked file in docs/ only when asked (`make screenshots` sets
    CLAIMS_SCREENSHOTS=1), else a temporary file, so a test run leaves the tree clean."""
    if os.environ.get("CLAIMS_SCREENSHOTS") == "1":
        return tracked
    return Path(tempfile.gettempdir()) / f"claims-test-{tracked.name}"

ARTICLE = """Budget row deepens in Riverton

Photo: City Hall / Getty Images

The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said on Tuesday.
Council members asked for an audit. "We fixed 37 miles of road," Ruiz said.
According to the council's finance office, repair costs rose 18 percent in two years.
Residents have complained about potholes for years.

Load more
"""

HOSTILE = """Markup test page

<script>alert(1)</script> The council approved 12 new posts.
Critics called it **bold** [link](javascript:alert(1)) in 2023.
<img src=x onerror=alert(2)> was paid 5 dollars.
"""


# what a reviewer (or an attribution model) might store as a source: it must show exactly like this
HOSTILE_SOURCE = "<img src=y onerror=alert(3)> :smile: $x^2$ :red[red] **Boss** www.evil.example a@b.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(home: Path) -> dict:
    env = dict(os.environ, CLAIMS_HOME=str(home), CLAIMS_MODEL="test/hashing", CLAIMS_REVIEWER="dana",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    for name in ("CLAIMS_DB", "CLAIMS_REVIEWER_HEADER", "CLAIMS_VERDICTS"):
        env.pop(name, None)
    return env


def wait_healthy(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    url = f"http://127.0.0.1:{port}/_stcore/health"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited with status {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200 and r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer ok within {timeout:.0f} s")


@contextmanager
def running(cmd: list[str], env: dict, port: int, timeout: float = 60):
    """Run a server in its own process group; stop the whole group (`claims serve` starts a child) at the end."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_healthy(port, proc, timeout)
        yield proc
    finally:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """`streamlit run app.py` on a free port over a home holding two articles (stored with the fast fakes)."""
    from claims.services.workbench import Workbench

    home = tmp_path_factory.mktemp("browser") / "home"
    env = server_env(home)
    # no spaCy: sources are stored through the service, as a reviewer's corrections would be
    wb = Workbench(load_settings(home=str(home), db_url="", model="test/hashing"), embedder=HashingEmbedder(),
                   detector=FakeDetector(), attribution=False)
    wb.ingest.text(HOSTILE, "hostile.txt")
    wb.ingest.text(ARTICLE, "riverton-budget.txt")  # the newest: what the page shows first
    wb.archive.import_upload("archive.csv", FLOW_ARCHIVE)  # the $4.2 million claim was checked before
    wb.matches.refresh()
    sources = {"12 new posts": HOSTILE_SOURCE, "$4.2 million": "Mayor Ana Ruiz", "37 miles": "Ruiz",
               "18 percent": "the council's finance office"}
    for doc in wb.browse.documents():
        for s in wb.browse.document(doc["id"])["sentences"]:
            source = next((v for k, v in sources.items() if k in s["text"]), None)
            if source:
                cue = "According to" if "According" in s["text"] else "said"
                quote = "direct" if s["text"].startswith('"') else "reported"
                wb.reviews.edit_attribution(s["id"], {"source": source, "cue": cue, "quote": quote}, reviewer="dana")
    wb.engine.dispose()
    port = free_port()
    cmd = [str(PYTHON), "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    with running(cmd, env, port):
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("/usr/bin/chromium is missing: CI must install it (.ci/run does: apt-get install chromium)")
        pytest.skip("/usr/bin/chromium is not installed: apt-get install chromium")
    from playwright.sync_api import expect, sync_playwright

    # expect() waits 5 s by default: a page drawn on 2 busy cores (a full test run) can take longer
    expect.set_options(timeout=30_000)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM),
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1500}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def wait_idle(page) -> None:
    """Wait until the script run is over: no running indicator and nothing greyed out as stale."""
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
        " && !document.querySelector('[data-stale=\"true\"]')")


def pick_option(page, combobox, name, tries: int = 4, exact: bool = True) -> None:
    """Open a select box and click one of its options. The list of options can be drawn again under the
    pointer (Playwright then waits for an element that keeps being replaced: about one run in five here, in
    this test before 2026-11-27 too), so a failed click closes the list and opens it again."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(tries):
        combobox.click()
        try:
            page.get_by_role("option", name=name, exact=exact if isinstance(name, str) else None).click(timeout=5000)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
            page.keyboard.press("Escape")
            wait_idle(page)


def claim_box(page, text: str):
    return page.locator('[class*="_claim_"]').filter(has_text=text)


def test_review_a_claim_and_download_the_csv(app_url, page, tmp_path):
    page.goto(app_url + "review")  # every page has its address
    page.get_by_text("repair costs rose 18 percent in two years", exact=False).first.wait_for()
    box = claim_box(page, "The city spent $4.2 million")
    box.get_by_text("Mayor Ana Ruiz", exact=True).wait_for()  # its source
    wait_idle(page)  # the first run is over: a rerun would detach the list of options under the pointer
    # compact: a claim is its sentence, one line of badges and sources, and a closed "Review claim"
    boxes = page.locator('[class*="st-key-review_"][class*="_claim_"]')
    assert boxes.count() == 3  # the sentences with figures (the fake detector)
    heights = [boxes.nth(i).bounding_box()["height"] for i in range(boxes.count())]
    assert max(heights) < 190, heights

    box.get_by_text("Review claim").click()
    box.get_by_role("radio", name="reviewed").check(force=True)
    wait_idle(page)
    pick_option(page, box.get_by_role("combobox", name="Verdict"), "Mostly false")
    box.get_by_label("Rationale").fill("The audit puts it at $3.1 million.")
    box.get_by_role("button", name="Save").click()
    page.get_by_text("Saved your review of claim").wait_for()
    claim_box(page, "The city spent $4.2 million").get_by_text("verdict: Mostly false").wait_for()

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    saved = tmp_path / "claims.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    row = next(r for r in rows if r["text"].startswith("The city spent $4.2 million"))
    assert (row["verdict"], row["status"], row["reviewer"]) == ("Mostly false", "reviewed", "dana")

    wait_idle(page)
    page.mouse.move(0, 0)  # no tooltip in the picture
    page.screenshot(path=str(shot_path(SCREENSHOT)))


def test_no_table_offers_a_download_around_the_exporter(app_url, page):
    """Streamlit's table toolbar would write raw cells (a claim reading `=HYPERLINK(...)` stays a formula); the
    app turns its download off, so files only come from the formula-safe exporter."""
    seen = 0
    for path, ready in (("inbox", "Open claim"), ("claim?id=1", "History"), ("dashboard", "Dashboard")):
        page.goto(app_url + path)
        page.get_by_text(ready, exact=False).first.wait_for()
        wait_idle(page)
        tables = page.locator('[data-testid="stDataFrame"]')
        if path == "inbox":
            tables.first.wait_for()  # the Inbox always has its table; other pages only when they have rows
        for i in range(tables.count()):
            tables.nth(i).hover()
            toolbar = page.locator('[data-testid="stElementToolbar"]').filter(has=page.get_by_role("button"))
            toolbar.get_by_role("button", name="Search").first.wait_for()  # the toolbar is drawn
            assert page.get_by_role("button", name="Download as CSV").count() == 0, path
            seen += 1
    assert seen >= 1


def test_hostile_article_text_stays_text(app_url, page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app_url + "review")
    pick_option(page, page.get_by_role("combobox", name="Article"), "Markup test page", exact=False)
    page.get_by_text("<script>alert(1)</script> The council approved 12 new posts.").wait_for()
    page.get_by_text("**bold** [link](javascript:alert(1)) in 2023.").wait_for()
    # the Markdown path (as_text) shows it literally, give or take the invisible joiners that stop autolinks
    literally = re.escape(HOSTILE_SOURCE).replace("@", "@\u2060?").replace("www", "www\u2060?")
    page.get_by_text(re.compile(f"^{literally}$")).wait_for()
    wait_idle(page)
    assert page.locator("[data-testid='stMain'] img[src='x'], [data-testid='stMain'] img[src='y']").count() == 0
    links = page.locator("[data-testid='stMain'] a").evaluate_all("els => els.map(e => e.outerHTML)")
    assert not links, links  # no links made from article text
    assert page.locator(".katex").count() == 0  # no LaTeX
    assert page.locator("[data-testid='stMain'] script").count() == 0
    page.wait_for_timeout(500)
    assert not dialogs


def reviewer_box(page):
    return page.locator("[data-testid='stSidebar']").get_by_role("textbox", name="Reviewer")


def test_the_reviewers_name_is_kept_across_reloads_and_tabs(app_url, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.goto(app_url + "review")
        expect(reviewer_box(page)).to_have_value("dana")  # CLAIMS_REVIEWER until a name is typed
        wait_idle(page)
        reviewer_box(page).fill("Zoë Park")
        reviewer_box(page).press("Enter")
        wait_idle(page)
        page.reload()
        expect(reviewer_box(page)).to_have_value("Zoë Park")
        other = context.new_page()  # another tab of the same browser
        other.goto(app_url + "inbox")
        expect(reviewer_box(other)).to_have_value("Zoë Park")
    finally:
        context.close()
    fresh = browser.new_context()  # another browser knows nothing of it
    try:
        page = fresh.new_page()
        page.goto(app_url)
        expect(reviewer_box(page)).to_have_value("dana")
    finally:
        fresh.close()


def test_a_save_without_a_name_is_refused(app_url, page):
    from playwright.sync_api import expect

    page.goto(app_url + "review")
    box = claim_box(page, "We fixed 37 miles of road")
    box.wait_for()
    wait_idle(page)
    reviewer_box(page).fill("")
    reviewer_box(page).press("Enter")
    page.get_by_text("Type your name (and press Enter) before you save a review.").wait_for()
    wait_idle(page)
    box.get_by_text("Review claim").click()
    box.get_by_label("Rationale").fill("Nobody wrote this.")
    refused = page.get_by_text("Not saved: type your name under Reviewer")
    for _ in range(3):  # a click that lands while the page is still redrawing can be lost: press again
        wait_idle(page)
        box.get_by_role("button", name="Save").click()
        try:
            refused.wait_for(timeout=20_000)
            break
        except Exception:
            continue
    refused.wait_for(timeout=1_000)
    expect(page.get_by_text("Saved your review of claim")).to_have_count(0)


def grid_cells(page, table) -> list[str]:
    """The text of the table's cells, as its accessible grid gives them (the cells are drawn on a canvas)."""
    return table.locator("[role='gridcell']").evaluate_all("els => els.map(e => e.textContent)")


def test_the_inbox_fits_1280_px_with_title_verdict_and_score(app_url, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(app_url)  # the Inbox is the landing page
        page.get_by_role("heading", name="Inbox", exact=True).wait_for()
        table = page.locator("[data-testid='stDataFrame']").first
        table.locator("[role='gridcell']").first.wait_for(state="attached")
        wait_idle(page)
        headers = table.locator("[role='columnheader']").evaluate_all("els => els.map(e => e.textContent)")
        for name in ("rank", "score", "claim", "article", "date", "status", "verdict", "checked before"):
            assert name in headers, headers
        cells = grid_cells(page, table)
        assert "Budget row deepens in Riverton" in cells  # the article's title, not its file name
        assert "riverton-budget.txt" not in cells
        assert "Mostly false" in cells  # the matching fact-check's verdict
        assert "0.9" in cells, cells  # the score (the grid gives screen readers the value, drawn to 3 decimals)
        box = table.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
        # every column is in view: the grid does not scroll sideways
        scroller = table.locator(".dvn-scroller").first
        assert scroller.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), scroller.evaluate(
            "e => [e.scrollWidth, e.clientWidth]")
        page.get_by_text("ordered by the detector's score at full precision", exact=False).wait_for()
    finally:
        context.close()


def test_next_and_previous_on_the_claim_page_follow_the_inbox(app_url, page):
    from playwright.sync_api import expect

    page.goto(app_url + "inbox?inbox_f_statuses=new&inbox_f_statuses=dismissed&inbox_f_text=council")  # bookmarked
    page.get_by_role("heading", name="Inbox", exact=True).wait_for()
    expect(page.get_by_role("textbox", name="Text contains")).to_have_value("council")
    for status in ("new", "dismissed"):  # a filter of several values keeps them all
        expect(page.locator("[data-testid='stMultiSelect']").first).to_contain_text(status)
    listed = page.get_by_text(re.compile(r"Claims 1–\d+ of \d+"))
    listed.wait_for()
    total = int(listed.inner_text().split(" of ")[1].split()[0])
    assert total >= 2
    wait_idle(page)
    assert "inbox_f_text=council" in page.url
    page.get_by_role("button", name="Open claim", exact=True).click()
    heading = page.get_by_role("heading", name=re.compile(r"^Claim \d+$"))
    heading.wait_for()
    first = int(heading.inner_text().split()[1])
    page.get_by_text(f"1 of {total} in the Inbox's order", exact=True).wait_for()  # the filtered list
    wait_idle(page)
    expect(page.get_by_role("button", name="Previous")).to_be_disabled()
    page.get_by_role("button", name="Next").click()
    page.get_by_text(re.compile(r"^2 of \d+ in the Inbox's order$")).wait_for()
    second = int(page.get_by_role("heading", name=re.compile(r"^Claim \d+$")).inner_text().split()[1])
    assert second != first and f"id={second}" in page.url
    wait_idle(page)
    page.get_by_role("button", name="Previous").click()
    page.get_by_text(re.compile(r"^1 of \d+ in the Inbox's order$")).wait_for()
    expect(page.get_by_role("heading", name=f"Claim {first}", exact=True)).to_be_visible()


def test_claims_serve_starts_the_app(tmp_path):
    port = free_port()
    cmd = [str(CLAIMS), "serve", "--port", str(port), "--host", "127.0.0.1"]
    with running(cmd, server_env(tmp_path / "home"), port):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
            assert r.status == 200 and b"<html" in r.read().lower()


def test_reviewer_comes_from_the_trusted_proxy_header(browser, tmp_path):
    from playwright.sync_api import expect

    port = free_port()
    env = dict(server_env(tmp_path / "home"), CLAIMS_REVIEWER_HEADER="X-Forwarded-User")
    cmd = [str(PYTHON), "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    with running(cmd, env, port):
        context = browser.new_context(extra_http_headers={"X-Forwarded-User": "erin"})
        try:
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_text("No claims yet").wait_for(timeout=30_000)
            name = page.get_by_role("textbox", name="Reviewer")
            expect(name).to_have_value("erin")
            expect(name).to_be_disabled()
        finally:
            context.close()


def test_make_run_serves_the_samples_and_a_verdict_reaches_the_csv(browser, tmp_path):
    """`make run` as a newcomer runs it: real model, detector and spaCy load the samples, then the app serves
    them; a verdict set in Chromium comes back in the downloaded CSV."""
    port = free_port()
    env = dict(os.environ, CLAIMS_HOME=str(tmp_path / "home"), CLAIMS_REVIEWER="dana", HF_HUB_OFFLINE="1")
    for name in ("CLAIMS_DB", "CLAIMS_MODEL", "CLAIMS_REVIEWER_HEADER", "CLAIMS_VERDICTS"):
        env.pop(name, None)
    with running(["make", "run", f"PORT={port}"], env, port, timeout=600):
        context = browser.new_context(viewport={"width": 1400, "height": 1500}, accept_downloads=True)
        try:
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(f"http://127.0.0.1:{port}/review")
            box = page.locator('[class*="_claim_"]').first
            box.wait_for()
            box.get_by_text("Review claim").click()
            pick_option(page, box.get_by_role("combobox", name="Verdict"), "Misleading")
            box.get_by_label("Rationale").fill("Checked against the council minutes.")
            box.get_by_role("button", name="Save").click()
            page.get_by_text("Saved your review of claim").wait_for()
            wait_idle(page)
            with page.expect_download() as download:
                page.get_by_role("button", name="Download CSV").click()
            saved = tmp_path / "claims.csv"
            download.value.save_as(saved)
            rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
        finally:
            context.close()
    assert len({r["document"] for r in rows}) == len(list((ROOT / "samples" / "articles").glob("*.txt")))
    reviewed = [r for r in rows if r["verdict"]]
    assert [(r["verdict"], r["reviewer"], r["rationale"]) for r in reviewed] == [
        ("Misleading", "dana", "Checked against the council minutes.")]


# --- the workbench's main flow across pages ------------------------------------------------------------

FLOW_ARTICLE = """Riverton council clashes over road budget

Photo: City Hall / Getty Images

The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said on Tuesday.
According to the council's finance office, repair costs rose 18 percent between 2022 and 2024.
Council members asked for an independent audit of the contracts.
Residents have complained about potholes for years.

Load more
"""

FLOW_ARCHIVE = (b"claim,verdict,url,speaker\n"
                b"\"The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said on Tuesday.\","
                b"Mostly false,https://factcheck.example.org/riverton-roads,Ana Ruiz\n"
                b"Wind farms kill most birds in the county.,False,https://factcheck.example.org/wind,\n")

INBOX_SHOT = ROOT / "docs" / "inbox.png"
CLAIM_SHOT = ROOT / "docs" / "claim.png"


@pytest.fixture(scope="module")
def flow_url(tmp_path_factory):
    """`streamlit run app.py` over a home that holds only the archive of past fact-checks; articles come in
    through the Ingest page (scored by the shipped detector, sources found by spaCy)."""
    from claims.services.workbench import Workbench

    home = tmp_path_factory.mktemp("flow") / "home"
    wb = Workbench(load_settings(home=str(home), db_url="", model="test/hashing"), embedder=HashingEmbedder())
    wb.archive.import_upload("archive.csv", FLOW_ARCHIVE)
    wb.engine.dispose()
    port = free_port()
    cmd = [str(PYTHON), "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    with running(cmd, server_env(home), port):
        yield f"http://127.0.0.1:{port}/"


def go_to(page, title: str) -> None:
    page.locator("[data-testid='stSidebarNav']").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title, exact=True).wait_for()
    wait_idle(page)


def download(page, button: str, to: Path) -> Path:
    with page.expect_download() as got:
        page.get_by_role("button", name=button).click()
    got.value.save_as(to)
    return to


def test_ingest_open_match_verdict_export(flow_url, page, tmp_path):
    import json

    from playwright.sync_api import expect

    # ingest an article by pasting it
    page.goto(flow_url + "ingest")
    page.get_by_role("textbox", name="Name", exact=True).fill("riverton-roads.txt")
    page.get_by_role("textbox", name="Article text").fill(FLOW_ARTICLE)
    page.get_by_role("button", name="Ingest", exact=True).click()
    page.get_by_text("Done: stored 1 new document").wait_for(timeout=120_000)  # the first run loads spaCy

    # and upload three more as files
    page.get_by_role("tab", name="Upload files").click()
    samples = sorted((ROOT / "samples" / "articles").glob("*.txt"))[:3]
    page.get_by_role("tabpanel").locator("input[type=file]").set_input_files([str(p) for p in samples])
    expect(page.get_by_role("button", name="Ingest files")).to_be_enabled()  # once all three are up
    page.get_by_role("button", name="Ingest files").click()
    page.get_by_text("Done: stored 3 new document").wait_for(timeout=120_000)

    # the inbox lists their claims; open the one the archive has checked before
    page.get_by_role("link", name="See the claims in the Inbox").click()
    page.get_by_role("heading", name="Inbox", exact=True).wait_for()
    page.get_by_role("combobox", name="Open a claim").click()
    page.keyboard.type("city spent $4.2 million")  # the list is long: narrow it
    page.get_by_role("option", name=re.compile(r"The city spent \$4\.2 million")).click()
    page.get_by_role("button", name="Open claim", exact=True).click()

    # the claim page shows its match and takes a verdict
    page.get_by_role("heading", name=re.compile(r"^Claim \d+$")).wait_for()
    claim_id = int(page.get_by_role("heading", name=re.compile(r"^Claim \d+$")).inner_text().split()[1])
    assert f"id={claim_id}" in page.url
    page.get_by_text("Checked before:").wait_for()
    page.get_by_text(re.compile(r"Mostly false · match score \d\.\d\d")).wait_for()
    page.get_by_role("radio", name="reviewed").check(force=True)
    pick_option(page, page.get_by_role("combobox", name="Verdict"), "Mostly false")
    page.get_by_role("textbox", name="Rationale").fill("The audit puts it at $3.1 million.")
    page.get_by_role("textbox", name="Evidence links").fill("https://example.org/audit")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text(f"Saved your review of claim {claim_id}.").wait_for()
    page.get_by_text("verdict: Mostly false").wait_for()
    wait_idle(page)
    page.mouse.move(0, 0)
    page.screenshot(path=str(shot_path(CLAIM_SHOT)), full_page=True)

    # export: the CSV and the ClaimReview file carry the verdict
    go_to(page, "Export")
    page.get_by_text("with a verdict in the ClaimReview file").wait_for()
    rows = list(csv.DictReader(io.StringIO(download(page, "Download CSV", tmp_path / "c.csv").read_text("utf-8"))))
    row = next(r for r in rows if r["claim_id"] == str(claim_id))
    assert (row["verdict"], row["status"], row["reviewer"], row["document"]) == (
        "Mostly false", "reviewed", "dana", "riverton-roads.txt")
    assert row["rationale"] == "The audit puts it at $3.1 million." and row["evidence"] == "https://example.org/audit"
    assert all(r["verdict"] == "" for r in rows if r is not row)
    items = json.loads(download(page, "Download ClaimReview", tmp_path / "cr.json").read_text("utf-8"))
    assert len(items) == 1 and items[0]["@type"] == "ClaimReview"
    assert items[0]["claimReviewed"].startswith("The city spent $4.2 million")
    assert items[0]["reviewRating"]["alternateName"] == "Mostly false"
    assert items[0]["reviewBody"] == "The audit puts it at $3.1 million."
    assert items[0]["citation"] == ["https://example.org/audit"]

    # back in the inbox the claim shows as reviewed (pictured at 1280 px, the width the Inbox is laid out for)
    page.set_viewport_size({"width": 1280, "height": 1000})
    go_to(page, "Inbox")
    page.get_by_text(re.compile(r"Claims 1–\d+ of \d+")).wait_for()
    page.get_by_role("button", name="Apply").wait_for()  # the last thing on the page
    wait_idle(page)
    page.mouse.move(0, 0)
    page.screenshot(path=str(shot_path(INBOX_SHOT)))


def test_review_shows_the_seeds_attributed_sentences_claim_or_not(flow_url, page):
    """The seed article, uploaded: its Department of Justice sentence is a claim whose box names the release as
    its source; the senior official's quote is no claim (no box, no review form), yet the line under it names
    its source, cue and kind of speech (docs/checkworthiness-guideline.md says why each is what it is)."""
    from playwright.sync_api import expect

    from conftest import need_seed

    seed = need_seed()
    page.goto(flow_url + "ingest")
    page.get_by_role("tab", name="Upload files").click()
    page.get_by_role("tabpanel").locator("input[type=file]").set_input_files([str(seed)])
    expect(page.get_by_role("button", name="Ingest files")).to_be_enabled()
    page.get_by_role("button", name="Ingest files").click()
    page.get_by_text("Done: stored 1 new document").wait_for(timeout=120_000)
    page.get_by_role("link", name="Review it").click()
    page.get_by_role("heading", name="Review", exact=True).wait_for()

    release = "According to a short Department of Justice release, the two used the meeting"
    page.get_by_text(release, exact=False).first.wait_for()
    wait_idle(page)
    box = claim_box(page, release)
    expect(box).to_have_count(1)  # a claim ...
    expect(box).to_contain_text("a short Department of Justice release")  # ... with its source
    expect(box.get_by_text("Review claim", exact=False)).to_have_count(1)

    quote = "We have been clear with the Chinese government"
    expect(claim_box(page, quote)).to_have_count(0)  # not a claim ...
    shown = page.locator("[data-testid='stElementContainer']").filter(
        has=page.locator("[data-testid='stText']", has_text=quote))
    expect(shown).to_have_count(1)
    # ... and the element right under it names its source
    source = shown.locator("xpath=following-sibling::*[1]")
    expect(source).to_contain_text("a senior administration official")
    expect(source).to_contain_text("told (direct quote)")
    expect(source.locator("[data-testid='stCaptionContainer']")).to_have_count(1)


PUBLISHING = {"CLAIMS_PUBLISHER_NAME": "Riverton Checks", "CLAIMS_PUBLISHER_URL": "https://checks.example",
              "CLAIMS_REVIEW_URL": "https://checks.example/claims/{id}"}


@pytest.fixture(scope="module")
def published_url(tmp_path_factory):
    """A server with the publishing settings over a home holding one reviewed claim whose text and rationale
    carry the characters Excel turns to mojibake without a byte-order mark."""
    from unittest import mock

    from claims.services.workbench import Workbench

    home = tmp_path_factory.mktemp("published") / "home"
    env = {**server_env(home), **PUBLISHING}
    with mock.patch.dict(os.environ, PUBLISHING):
        wb = Workbench(load_settings(home=str(home), db_url="", model="test/hashing"), embedder=HashingEmbedder(),
                       detector=FakeDetector(), attribution=False)
    wb.ingest.text("The council’s plan costs €4.2 million in 2025, the mayor said.\n\n"
                   "Fares rose 12 percent in 2024, officials said.", "riverton.txt")
    cid = min(c["claim_id"] for c in wb.browse.claims())
    wb.reviews.edit_attribution(wb.browse.claim(cid)["sentence_id"], {"source": "Mayor Ana Ruiz", "cue": "said"},
                                reviewer="dana")
    wb.reviews.save(cid, {"verdict": "Mostly false", "rationale": "The budget’s own figure is €3.1 million.",
                          "evidence": ["https://example.org/budget"]}, reviewer="dana")
    port = free_port()
    cmd = [str(PYTHON), "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    with running(cmd, env, port):
        yield f"http://127.0.0.1:{port}/", wb
    wb.engine.dispose()


def test_export_downloads_are_the_exporters_bytes_for_excel_and_claimreview(published_url, page, tmp_path):
    """The Export page's files, downloaded in Chromium, are byte for byte what the exporter writes: the CSV for
    Excel starts with a UTF-8 byte-order mark and keeps ’ and €; the ClaimReview file names the publisher and
    each review's address, with every field Google's Fact Check Tools require."""
    import json

    url, wb = published_url
    page.goto(url + "export")
    page.get_by_role("heading", name="Export", exact=True).wait_for()
    wait_idle(page)
    assert page.get_by_text("CLAIMS_PUBLISHER_NAME is not set").count() == 0  # the settings reached the app
    from playwright.sync_api import expect

    page.get_by_text("CSV for Excel").click()
    expect(page.get_by_role("checkbox", name="CSV for Excel")).to_be_checked()
    csv_bytes = b""
    for _ in range(10):  # the button takes the box's value from the page's next run: wait for it to finish
        page.wait_for_timeout(300)
        wait_idle(page)
        csv_bytes = download(page, "Download CSV", tmp_path / "claims.csv").read_bytes()
        if csv_bytes.startswith(b"\xef\xbb\xbf"):
            break
    assert csv_bytes == wb.exports.filtered("csv", {}, excel=True).encode("utf-8")
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and "€3.1 million".encode() in csv_bytes
    assert "The council’s plan".encode() in csv_bytes
    cr_bytes = download(page, "Download ClaimReview", tmp_path / "claimreview.json").read_bytes()
    assert cr_bytes == wb.exports.filtered("claimreview", {}).encode("utf-8")
    [item] = json.loads(cr_bytes)
    cid = min(c["claim_id"] for c in wb.browse.claims())
    assert item["url"] == f"https://checks.example/claims/{cid}"
    assert item["author"] == {"@type": "Organization", "name": "Riverton Checks", "url": "https://checks.example"}
    assert item["claimReviewed"].startswith("The council’s plan costs €4.2 million")
    assert item["reviewRating"]["alternateName"] == "Mostly false" and item["datePublished"]
    assert item["itemReviewed"]["@type"] == "Claim" and item["itemReviewed"]["author"]["name"] == "Mayor Ana Ruiz"
    assert item["citation"] == ["https://example.org/budget"]
