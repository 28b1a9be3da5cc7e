"""The Streamlit pages, run in-process with AppTest over a temp database filled by the fast fake pipeline."""
from __future__ import annotations

import sys

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from claims.pipeline.embed import HashingEmbedder
from core.settings import load_settings
from conftest import ROOT, FakeDetector

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # app_pages is imported the way `streamlit run app.py` imports it

from app_pages.common import WORD_JOINER, as_text  # noqa: E402

APP = ROOT / "app.py"

ARTICLE = """Budget row deepens in Riverton

Photo: City Hall / Getty Images

The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said on Tuesday.
Council members asked for an audit. Ruiz said the money was well spent.

Load more
"""

HOSTILE = """Markup test page

<script>alert(1)</script> The council approved 12 new posts.
Critics called it **bold** [link](javascript:alert(1)) in 2023 and $x^2$ :red[alarm] :smile: too.
<img src=x onerror=alert(2)> was paid 5 dollars.
"""


@pytest.fixture
def home(tmp_path, monkeypatch):
    """The app's environment: an empty home in tmp, the fast embedder, a known reviewer; a fresh Workbench."""
    monkeypatch.setenv("CLAIMS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLAIMS_MODEL", "test/hashing")
    monkeypatch.setenv("CLAIMS_REVIEWER", "alice")
    for name in ("CLAIMS_DB", "CLAIMS_REVIEWER_HEADER", "CLAIMS_VERDICTS"):
        monkeypatch.delenv(name, raising=False)
    st.cache_resource.clear()  # the app's Workbench is cached process-wide
    yield tmp_path / "home"
    st.cache_resource.clear()


@pytest.fixture
def service(home):
    """A Workbench on the same home with the fake detector: how the tests write what the app reads."""
    from claims.services.workbench import Workbench

    wb = Workbench(load_settings(), embedder=HashingEmbedder(), detector=FakeDetector(), attribution=False)
    yield wb
    if "engine" in wb.__dict__:
        wb.engine.dispose()


def run_app(page: str | None = "app_pages/review.py") -> AppTest:
    """The app as a browser opens it (the Inbox), then on `page` (the Review page unless told)."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def first_claim(service, doc_name: str) -> dict:
    doc_id = next(d["id"] for d in service.browse.documents() if d["name"] == doc_name)
    return next(s["claim"] for s in service.browse.document(doc_id)["sentences"] if s["claim"])


def save_button(at: AppTest, claim_id: int):
    return next(b for b in at.button if f"review_form_{claim_id}-" in (b.key or "") and b.label == "Save")


def commonmark(value: str) -> str:
    """HTML for Markdown, from markdown-it-py (installed with spaCy's CLI via rich), raw HTML allowed."""
    markdown_it = pytest.importorskip("markdown_it", reason="pip install markdown-it-py")
    return markdown_it.MarkdownIt("commonmark", {"html": True}).render(value)


def rendered_markdown(at: AppTest) -> list[str]:
    """Every string the page hands to the Markdown renderer."""
    out = [e.value for e in at.markdown] + [e.value for e in at.caption] + [e.value for e in at.subheader]
    out += [e.label for e in at.expander]
    out += [e.value for e in at.title] + [e.value for e in at.success] + [e.value for e in at.warning]
    return out


def test_review_page_shows_the_article_in_order(service):
    service.ingest.text(ARTICLE, "riverton.txt")
    at = run_app()
    texts = [t.value for t in at.text]
    assert "The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said on Tuesday." in texts
    assert texts.index("Council members asked for an audit.") < texts.index("Ruiz said the money was well spent.")
    assert any("Load more" in c.value for c in at.caption)  # page furniture, greyed
    assert any("score 0.900" in e.label and "quantity" in e.label for e in at.expander)  # the claim's one line
    assert at.sidebar.text_input(key="reviewer").value == "alice"
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download ClaimReview"]


def test_empty_database_points_to_ingest(home):
    at = run_app()
    assert "No articles yet" in at.info[0].value


def test_bad_database_url_is_a_message_not_a_traceback(home, monkeypatch):
    monkeypatch.setenv("CLAIMS_DB", "mysql://nowhere/db")
    at = run_app()
    assert "unsupported database" in at.error[0].value


def test_saving_a_review_stores_verdict_and_reviewer(service):
    service.ingest.text(ARTICLE, "riverton.txt")
    claim = first_claim(service, "riverton.txt")
    cid = claim["id"]
    at = run_app()
    at.sidebar.text_input(key="reviewer").set_value("bob")
    at.radio(key=f"review_status_{cid}").set_value("reviewed")
    at.selectbox(key=f"review_verdict_{cid}").set_value("Mostly false")
    at.text_area(key=f"review_rationale_{cid}").set_value("The audit says $3.1 million.")
    at.text_area(key=f"review_evidence_{cid}").set_value("https://example.org/audit")
    save_button(at, cid).click()
    at.run()
    assert not at.exception
    assert f"Saved your review of claim {cid}" in at.success[0].value

    saved = service.browse.claim(cid)
    assert (saved["status"], saved["verdict"], saved["reviewer"]) == ("reviewed", "Mostly false", "bob")
    assert saved["rationale"] == "The audit says $3.1 million."
    assert saved["history"][-1]["reviewer"] == "bob"
    assert saved["history"][-1]["changes"]["verdict"] == ["", "Mostly false"]
    assert any("verdict: Mostly false" in e.label for e in at.expander)  # the badge shows the new verdict
    assert any("**bob**" in c.value for c in at.caption)  # the history, inside the claim's expander
    assert any("\n- verdict: \\(empty\\) → Mostly false" in m.value for m in at.markdown)

    # a second save from the same tab is not a conflict with itself
    at.text_area(key=f"review_rationale_{cid}").set_value("The audit says $3.1 million; see p. 4.")
    save_button(at, cid).click()
    at.run()
    assert not at.warning and service.browse.claim(cid)["version"] == saved["version"] + 1


def test_saving_over_someone_elses_save_warns_and_keeps_theirs(service):
    service.ingest.text(ARTICLE, "riverton.txt")
    cid = first_claim(service, "riverton.txt")["id"]
    at = run_app()  # this tab opens the claim at version 1 ...
    service.reviews.save(cid, {"verdict": "True", "rationale": "Checked the budget."}, reviewer="carol",
                   expected_version=1)  # ... then carol saves
    at.selectbox(key=f"review_verdict_{cid}").set_value("False")
    save_button(at, cid).click()
    at.run()
    assert not at.exception
    warning = at.warning[0].value
    assert "carol" in warning and "version 2" in warning and "True" in warning
    assert service.browse.claim(cid)["verdict"] == "True"  # not overwritten

    # keeping my edits takes one more, deliberate, Save
    next(b for b in at.button if b.label.startswith("Keep my edits")).click()
    at.run()
    assert at.selectbox(key=f"review_verdict_{cid}").value == "False" and service.browse.claim(cid)["verdict"] == "True"
    save_button(at, cid).click()
    at.run()
    assert not at.warning and service.browse.claim(cid)["verdict"] == "False"
    assert [e["reviewer"] for e in service.browse.claim(cid)["history"]] == ["carol", "alice"]

    # or: load theirs, then change it knowingly
    service.reviews.save(cid, {"verdict": "True"}, reviewer="carol")
    at.selectbox(key=f"review_verdict_{cid}").set_value("Misleading")
    save_button(at, cid).click()
    at.run()
    assert "carol" in at.warning[0].value
    next(b for b in at.button if b.label.startswith("Discard my edits")).click()
    at.run()
    assert at.selectbox(key=f"review_verdict_{cid}").value == "True"
    at.selectbox(key=f"review_verdict_{cid}").set_value("Half true")
    save_button(at, cid).click()
    at.run()
    assert not at.warning
    assert service.browse.claim(cid)["verdict"] == "Half true"


def test_article_text_is_shown_as_text_never_as_markup(service):
    service.ingest.text(HOSTILE, "hostile.txt")
    doc_id = service.browse.documents()[0]["id"]
    sentences = service.browse.document(doc_id)["sentences"]
    script = next(s for s in sentences if "<script>" in s["text"])
    hostile_source = {"source": "<img src=y onerror=alert(3)> **Boss**", "cue": "[said](javascript:x)", "quote": "direct"}
    service.reviews.edit_attribution(script["id"], hostile_source, reviewer="alice")
    at = run_app()

    # sentences go through st.text, which renders no Markdown and no HTML
    texts = [t.value for t in at.text]
    assert any("<script>alert(1)</script>" in t for t in texts)
    assert any("**bold** [link](javascript:alert(1))" in t for t in texts)

    # whatever reaches the Markdown renderer has the article's markup escaped
    for value in rendered_markdown(at):
        html = commonmark(value)
        assert "<script" not in html and "<img" not in html and "href=\"javascript" not in html, value
    attribution = next(m.value for m in at.markdown if "onerror" in m.value)
    assert "<img" not in attribution and "&lt;img" in attribution and "\\*\\*Boss\\*\\*" in attribution
    assert not [h for h in at.get("html") if "alert" in str(h.proto)]  # st.html only carries the app's CSS


@pytest.mark.parametrize("raw", [
    "<script>alert(1)</script>",
    "**bold** [link](javascript:alert(1))",
    "see https://evil.example/x, www.evil.example and a@b.example; `code` and $x$ :red[hi] :smile:",
    "Heading\n===\n    indented\n> quoted\n- item\n1. item",
    "a & b &amp; <b>x</b> \\*",
])
def test_as_text_displays_exactly_the_input(raw):
    html = commonmark(as_text(raw))
    assert html.count("<p>") == 1 and not any(tag in html for tag in ("<a", "<em", "<strong", "<code", "<h1",
                                                                         "<li", "<blockquote", "<b>", "<script"))
    import html as html_mod

    shown = html_mod.unescape(html.removeprefix("<p>").removesuffix("</p>\n")).replace(WORD_JOINER, "")
    assert shown == "\n".join(line.lstrip() for line in raw.split("\n"))


def test_similar_claims_are_looked_up_on_request(service):
    service.ingest.text(ARTICLE, "riverton.txt")
    service.ingest.text(ARTICLE.replace("Riverton", "Lakeside").replace("Tuesday", "Friday"), "lakeside.txt")
    cid = first_claim(service, "riverton.txt")["id"]
    at = run_app()
    assert at.subheader[0].value == "Budget row deepens in Lakeside"  # the newest article first (its headline)
    at.selectbox(key="review_doc").select(service.browse.documents()[1]["id"]).run()
    assert at.subheader[0].value == "Budget row deepens in Riverton"
    assert all("similarity" not in df.value for df in at.dataframe)  # nothing loaded until asked
    at.toggle(key=f"review_matches_{cid}").set_value(True)
    at.run()
    assert not at.exception and not at.error
    tables = [df.value for df in at.dataframe if "similarity" in df.value]
    assert tables and "stored claim" in tables[0]["kind"].tolist()


def test_ingest_page_stores_the_article_and_hands_it_to_review(service, monkeypatch):
    import app_pages.common

    # the fake detector instead of the trained one: this tests the page, not the model
    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    at = run_app()
    at.switch_page("app_pages/ingest.py").run()
    assert not at.exception
    at.text_input(key="ingest_name").set_value("pasted-riverton.txt")
    at.text_area(key="ingest_text").set_value(ARTICLE)
    next(b for b in at.button if b.label == "Ingest").click()
    at.run()
    assert not at.exception and not at.error
    assert "stored 1 new document" in at.success[0].value
    assert (at.status[0].label, at.status[0].state) == ("Ingested", "complete")
    assert [d["name"] for d in service.browse.documents()] == ["pasted-riverton.txt"]

    next(b for b in at.button if b.label == "Ingest").click()  # the same text again
    at.run()
    assert "already stored" in at.info[0].value
    assert len(service.browse.documents()) == 1

    at.switch_page("app_pages/review.py").run()
    assert not at.exception
    assert "Ruiz said the money was well spent." in [t.value for t in at.text]


def test_ingest_page_refuses_empty_text(service, monkeypatch):
    import app_pages.common

    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    at = run_app()
    at.switch_page("app_pages/ingest.py").run()
    next(b for b in at.button if b.label == "Ingest").click()
    at.run()
    assert "Paste the article" in at.error[0].value
    assert service.browse.documents() == []


def test_with_a_trusted_header_a_missing_header_names_nobody_and_saves_nothing(service, monkeypatch):
    """A trusted proxy header is the only name (no typed fallback): a request without it cannot save."""
    monkeypatch.setenv("CLAIMS_REVIEWER_HEADER", "X-Forwarded-User")  # configured, but this request lacks it
    service.ingest.text(ARTICLE, "riverton.txt")
    cid = first_claim(service, "riverton.txt")["id"]
    at = run_app()
    box = at.sidebar.text_input(key="reviewer")
    assert box.value == "" and box.disabled
    assert "did not name you" in at.sidebar.error[0].value
    at.selectbox(key=f"review_verdict_{cid}").set_value("Mostly false")
    save_button(at, cid).click()
    at.run()
    assert any("Not saved: your sign-in did not name you" in e.value for e in at.main.error)
    assert service.browse.claim(cid)["verdict"] == "" and service.browse.claim(cid)["history"] == []


def test_without_a_name_the_app_asks_for_one_and_refuses_to_save(service, monkeypatch):
    monkeypatch.setenv("CLAIMS_REVIEWER", "")
    monkeypatch.setenv("USER", "")
    service.ingest.text(ARTICLE, "riverton.txt")
    cid = first_claim(service, "riverton.txt")["id"]
    at = run_app()
    assert at.sidebar.text_input(key="reviewer").value == ""
    assert "Type your name" in at.sidebar.warning[0].value
    at.selectbox(key=f"review_verdict_{cid}").set_value("Mostly false")
    save_button(at, cid).click()
    at.run()
    assert any("Not saved: type your name under Reviewer" in e.value for e in at.main.error)
    assert service.browse.claim(cid)["verdict"] == ""

    at.sidebar.text_input(key="reviewer").set_value("carol").run()  # the form keeps what was chosen
    assert not at.sidebar.warning
    save_button(at, cid).click()
    at.run()
    saved = service.browse.claim(cid)
    assert (saved["verdict"], saved["reviewer"]) == ("Mostly false", "carol")


def test_the_name_this_browser_kept_comes_before_the_setting(service, monkeypatch):
    import app_pages.common

    monkeypatch.setattr(app_pages.common.st.context.__class__, "cookies",
                        property(lambda self: {"claims_reviewer": "Ana%20Ruiz"}))
    at = run_app()
    assert at.sidebar.text_input(key="reviewer").value == "Ana Ruiz"  # not the setting's "alice"
