"""The review workflow (issue 19): new -> in progress -> reviewed -> published, plus dismissed; a verdict moves
a new or in-progress claim to reviewed; CLAIMS_STATUSES renames and adds; evidence is http(s) links only; one
status count for the Dashboard and the Inbox; the Dashboard's days and sources. SQLite and PostgreSQL."""
from __future__ import annotations

from dataclasses import replace

import pytest

from claims.io.readers import Article
from core.errors import InputError, InvalidValue, SettingsError
from core.review import STATUSES, status_after
from core.settings import load_settings, statuses

ARTICLE = """Budget row deepens in Riverton

The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said on Tuesday.
Repair costs rose 18 percent in 2023, the finance office said.
Residents counted 300 potholes on Main Street.
"""


@pytest.fixture
def claims(bench):
    bench.ingest.text(ARTICLE, "riverton.txt")
    return bench, [c["claim_id"] for c in bench.browse.claims()]


def status(bench, cid):
    return bench.browse.claim(cid)["status"]


def test_the_builtin_statuses_in_order():
    assert STATUSES == ("new", "in progress", "reviewed", "published", "dismissed")


def test_a_verdict_moves_new_and_in_progress_claims_to_reviewed(claims):
    bench, (a, b, c) = claims
    bench.reviews.save(a, {"verdict": "False"}, reviewer="ann")
    assert status(bench, a) == "reviewed"
    assert bench.browse.claim(a)["history"][-1]["changes"] == {"verdict": ["", "False"], "status": ["new", "reviewed"]}
    bench.reviews.save(b, {"status": "in progress"}, reviewer="ann")
    assert status(bench, b) == "in progress"
    # the review form sends the status it shows with every save
    bench.reviews.save(b, {"status": "in progress", "verdict": "True", "rationale": "Budget."}, reviewer="ann")
    assert status(bench, b) == "reviewed"
    bench.reviews.save(c, {"status": "published", "verdict": "True"}, reviewer="ann")
    bench.reviews.save(c, {"status": "published", "verdict": "Mostly true"}, reviewer="bob")
    assert status(bench, c) == "published"  # never moved back


def test_a_dismissed_or_reopened_claim_is_left_as_asked(claims):
    bench, (a, b, _) = claims
    bench.reviews.save(a, {"status": "dismissed", "verdict": "False"}, reviewer="ann")
    assert status(bench, a) == "dismissed"
    bench.reviews.save(b, {"verdict": "False"}, reviewer="ann")
    bench.reviews.save(b, {"status": "in progress", "verdict": "False"}, reviewer="ann")  # re-opened, same verdict
    assert status(bench, b) == "in progress"


def test_status_after_is_the_one_rule():
    assert status_after("new", "", {"verdict": "False"}) == "reviewed"
    assert status_after("new", "", {"rationale": "x"}) is None
    assert status_after("published", "True", {"verdict": "False"}) is None
    assert status_after("reviewed", "True", {"status": "in progress", "verdict": "True"}) is None
    assert status_after("reviewed", "True", {"status": "in progress", "verdict": "False"}) == "reviewed"


def test_bulk_changes_offer_the_new_statuses_only(claims):
    bench, (a, b, c) = claims
    out = bench.reviews.bulk([a, b], {"status": "in progress"}, reviewer="ann")
    assert out == {"changed": 2, "unchanged": 0}
    with pytest.raises(InvalidValue, match="status must be one of new, in progress, reviewed, published, dismissed"):
        bench.reviews.bulk([a], {"status": "accepted"}, reviewer="ann")


def test_claims_statuses_renames_and_adds(monkeypatch, claims):
    bench, (a, _, _) = claims
    monkeypatch.setenv("CLAIMS_STATUSES", "new=To triage|in progress|Second look|reviewed|published=Live|dismissed")
    bench.settings = replace(bench.settings, statuses=load_settings().statuses)
    offered = bench.reviews.statuses()
    assert [(s["status"], s["label"]) for s in offered] == [
        ("new", "To triage"), ("in progress", "in progress"), ("second look", "Second look"),
        ("reviewed", "reviewed"), ("published", "Live"), ("dismissed", "dismissed")]
    assert [s["status"] for s in offered if s["reviewed"]] == ["reviewed", "published"]
    assert [s["builtin"] for s in offered] == [True, True, False, True, True, True]
    bench.reviews.save(a, {"status": "second look"}, reviewer="ann")
    counts = bench.browse.status_counts()
    assert [(s["status"], s["label"], s["claims"]) for s in counts] == [
        ("new", "To triage", 2), ("in progress", "in progress", 0), ("second look", "Second look", 1),
        ("reviewed", "reviewed", 0), ("published", "Live", 0), ("dismissed", "dismissed", 0)]
    with pytest.raises(InvalidValue):
        bench.reviews.save(a, {"status": "on hold"}, reviewer="ann")


@pytest.mark.parametrize("raw, problem", [
    ("new|reviewed", "lacks in progress, published, dismissed"),
    ("new|reviewed|in progress|published|dismissed", "must come in that order"),
    ("new|in progress|reviewed|published|dismissed|new", "named twice"),
    ("new|in progress|waiting for the second editor|reviewed|published|dismissed", "longer than 20"),
])
def test_a_bad_claims_statuses_is_one_line_that_says_what_to_write(raw, problem):
    with pytest.raises(SettingsError, match=problem) as err:
        statuses(raw)
    assert "\n" not in str(err.value) and "new|in progress|" in str(err.value)


@pytest.mark.parametrize("evidence", ["javascript:alert(1)", "file:///etc/passwd", "example.org/report",
                                      "https://", "see the audit"])
def test_evidence_must_be_http_links(claims, evidence):
    bench, (a, b, _) = claims
    with pytest.raises(InputError, match="give full http\\(s\\) links, one per line"):
        bench.reviews.save(a, {"evidence": f"https://example.org/ok\n{evidence}"}, reviewer="ann")
    bench.reviews.save(a, {"verdict": "False"}, reviewer="ann")
    with pytest.raises(InputError, match="not a web address"):
        bench.reviews.apply_to_group(a, {"verdict": "False", "evidence": evidence}, reviewer="ann")
    assert bench.browse.claim(a)["evidence"] == "" and bench.browse.claim(b)["version"] == 1


def test_evidence_is_stored_a_link_a_line(claims):
    bench, (a, _, _) = claims
    bench.reviews.save(a, {"evidence": "  https://example.org/a \n\nHTTP://example.org/b\n"}, reviewer="ann")
    assert bench.browse.claim(a)["evidence"] == "https://example.org/a\nHTTP://example.org/b"
    bench.reviews.save(a, {"evidence": ["https://example.org/c"]}, reviewer="ann")
    assert bench.browse.claim(a)["evidence"] == "https://example.org/c"


def test_status_counts_agree_with_the_inbox_and_the_dashboard(claims):
    bench, (a, b, c) = claims
    bench.reviews.save(a, {"verdict": "False"}, reviewer="ann")
    bench.reviews.save(b, {"status": "dismissed"}, reviewer="ann")
    counts = {s["status"]: s["claims"] for s in bench.browse.status_counts()}
    assert counts == {"new": 1, "in progress": 0, "reviewed": 1, "published": 0, "dismissed": 1}
    for s, n in counts.items():
        assert bench.browse.inbox({"statuses": [s]})["total"] == n
    assert bench.browse.dashboard()["statuses"] == bench.browse.status_counts()
    filtered = bench.browse.status_counts({"text": "potholes"})
    assert {s["status"]: s["claims"] for s in filtered if s["claims"]} == {"new": 1}


def test_claims_per_day_by_publication_date_when_known(bench):
    bench.ingest.articles([
        Article(name="a.txt", text="Rents rose 5 percent in 2025.", published="2026-02-28T10:00:00Z"),
        Article(name="b.txt", text="Bus fares rose 8 percent in 2025.", published="Sat, 28 Feb 2026 09:00:00 GMT"),
        Article(name="c.txt", text="Water bills rose 3 percent in 2025.", published="last spring"),
    ])
    days = {d["day"]: d["claims"] for d in bench.browse.dashboard()["claims_per_day"]}
    assert days.pop("2026-02-28") == 2
    assert list(days.values()) == [1]  # "last spring" reads as no date: the day it was stored


def test_top_sources_leave_out_generic_non_names(claims):
    bench, ids = claims
    for cid, source in zip(ids, ("the report", "A study", "Mayor Ana Ruiz")):
        sentence_id = bench.browse.claim(cid)["sentence_id"]
        bench.reviews.edit_attribution(sentence_id, {"source": source}, reviewer="ann")
    assert [s["source"] for s in bench.browse.dashboard()["top_sources"]] == ["Mayor Ana Ruiz"]
