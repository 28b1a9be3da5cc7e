"""The service behind the workbench screens: inbox filtering and paging in SQL, bulk changes with history,
recorded archive matches, claim context, filtered export, dashboard aggregates and uploads. On SQLite and
PostgreSQL (the `bench` fixture)."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from core.errors import InputError, InvalidValue, NotFound

RIVERTON = """Budget row deepens in Riverton

The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said on Tuesday.
Council members asked for an audit.
Repair costs rose 18 percent in 2023, the finance office said.
Residents counted 300 potholes on Main Street.
"""

LAKESIDE = """Lakeside opens a library

The new library cost 12 million dollars.
Readers welcomed it.
It holds 40,000 books.
"""

ARCHIVE = b"""claim,verdict,url,speaker
"The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said on Tuesday.",Mostly false,https://example.org/fc/1,Ana Ruiz
Wind farms kill most birds in the county.,False,https://example.org/fc/2,
"""


@pytest.fixture
def stocked(bench):
    bench.ingest.text(RIVERTON, "riverton.txt")
    bench.ingest.text(LAKESIDE, "lakeside.txt")
    return bench


def ids(page: dict) -> list[int]:
    return [r["claim_id"] for r in page["rows"]]


def test_inbox_pages_through_every_claim_best_first(stocked):
    everything = stocked.browse.inbox(limit=100)
    assert everything["total"] == 5 and len(everything["rows"]) == 5
    scores = [r["score"] for r in everything["rows"]]
    assert scores == sorted(scores, reverse=True)
    pages = [stocked.browse.inbox(limit=4, offset=o) for o in (0, 4)]
    assert [len(p["rows"]) for p in pages] == [4, 1] and all(p["total"] == 5 for p in pages)
    assert ids(pages[0]) + ids(pages[1]) == ids(everything)  # no claim twice, none left out
    row = everything["rows"][0]
    assert {"claim_id", "score", "claim_type", "status", "verdict", "assignee", "source", "document", "text",
            "match_score", "has_match", "created_at"} <= set(row)
    newest = stocked.browse.inbox(order="newest", limit=100)
    assert ids(newest) == sorted(ids(everything), reverse=True)


def test_inbox_filters_combine(stocked):
    docs = {d["name"]: d["id"] for d in stocked.browse.documents()}
    lake = stocked.browse.inbox({"document_ids": [docs["lakeside.txt"]]}, limit=100)
    assert lake["total"] == 2 and {r["document"] for r in lake["rows"]} == {"lakeside.txt"}
    first = ids(lake)[0]
    stocked.reviews.save(first, {"status": "reviewed", "verdict": "True", "assignee": "bob"}, reviewer="alice")
    assert ids(stocked.browse.inbox({"statuses": ["reviewed"]})) == [first]
    assert stocked.browse.inbox({"statuses": ["new"]})["total"] == 4
    assert ids(stocked.browse.inbox({"verdicts": ["True"]})) == [first]
    assert stocked.browse.inbox({"verdicts": ["(none)"]})["total"] == 4
    assert ids(stocked.browse.inbox({"has_verdict": True})) == [first]
    assert ids(stocked.browse.inbox({"assignee": "bob"})) == [first]
    assert stocked.browse.inbox({"assignee": "(nobody)"})["total"] == 4
    assert stocked.browse.inbox({"text": "POTHOLES"})["total"] == 1  # case-insensitive
    assert stocked.browse.inbox({"text": "100%_"})["total"] == 0  # LIKE wildcards are literal
    assert stocked.browse.inbox({"min_score": 0.95})["total"] == 0
    assert stocked.browse.inbox({"min_score": 0.5, "max_score": 0.95, "claim_types": ["quantity"]})["total"] == 5
    assert stocked.browse.inbox({"claim_types": ["causal"]})["total"] == 0
    today = datetime.now(timezone.utc).date()
    assert stocked.browse.inbox({"date_from": today - timedelta(days=1), "date_to": today + timedelta(days=1)})["total"] == 5
    assert stocked.browse.inbox({"date_from": today + timedelta(days=2)})["total"] == 0
    assert stocked.browse.inbox({"statuses": [], "source": "", "document_ids": None})["total"] == 5  # empty = any


def test_inbox_filters_on_the_shown_source(stocked):
    doc_id = next(d["id"] for d in stocked.browse.documents() if d["name"] == "riverton.txt")
    sentence = next(s for s in stocked.browse.document(doc_id)["sentences"] if "$4.2 million" in s["text"])
    stocked.reviews.edit_attribution(sentence["id"], {"source": "Mayor Ana Ruiz", "cue": "said"}, reviewer="alice")
    page = stocked.browse.inbox({"source": "ruiz"})
    assert page["total"] == 1 and page["rows"][0]["source"] == "Mayor Ana Ruiz"


def test_inbox_refuses_unknown_filters_and_orders(stocked):
    with pytest.raises(InvalidValue, match="unknown claim filters"):
        stocked.browse.inbox({"colour": "red"})
    with pytest.raises(InvalidValue, match="unknown order"):
        stocked.browse.inbox(order="random")


def test_bulk_review_changes_many_and_records_each(stocked):
    page = stocked.browse.inbox(limit=3)
    chosen = ids(page)
    stocked.reviews.save(chosen[0], {"status": "in progress"}, reviewer="carol")
    out = stocked.reviews.bulk(chosen, {"status": "in progress", "assignee": "dana"}, reviewer="erin")
    assert out == {"changed": 3, "unchanged": 0}  # the first only gets its assignee, still a change
    for cid in chosen:
        claim = stocked.browse.claim(cid)
        assert (claim["status"], claim["assignee"], claim["reviewer"]) == ("in progress", "dana", "erin")
        assert claim["history"][-1]["reviewer"] == "erin"
    assert stocked.browse.claim(chosen[0])["history"][-1]["changes"] == {"assignee": ["", "dana"]}
    assert stocked.reviews.bulk(chosen, {"assignee": "dana"}, reviewer="erin") == {"changed": 0, "unchanged": 3}


def test_bulk_review_is_all_or_nothing(stocked):
    chosen = ids(stocked.browse.inbox(limit=2))
    with pytest.raises(NotFound):
        stocked.reviews.bulk([*chosen, 999_999], {"status": "dismissed"}, reviewer="erin")
    assert all(stocked.browse.claim(c)["status"] == "new" for c in chosen)
    with pytest.raises(InputError, match="only status and assignee"):
        stocked.reviews.bulk(chosen, {"verdict": "True"})
    with pytest.raises(InputError, match="no claims selected"):
        stocked.reviews.bulk([], {"status": "in progress"})
    with pytest.raises(InvalidValue):
        stocked.reviews.bulk(chosen, {"status": "maybe"}, reviewer="erin")
    with pytest.raises(InputError, match="no reviewer named"):  # the history says who decided, from a program too
        stocked.reviews.bulk(chosen, {"status": "dismissed"})
    assert all(stocked.browse.claim(c)["status"] == "new" for c in chosen)


def test_matches_are_recorded_for_the_has_a_match_filter(stocked, tmp_path):
    assert stocked.matches.pending() == 0  # no archive: nothing to match against
    report = stocked.archive.import_upload("archive.csv", ARCHIVE, match=False)
    assert report.created == 2 and report.matched == 0
    assert stocked.matches.pending() == 5
    assert stocked.matches.refresh() == 5
    assert stocked.matches.pending() == 0
    matched = stocked.browse.inbox({"has_match": True})
    same = next(r for r in matched["rows"] if r["text"].startswith("The city spent $4.2 million"))
    assert same["match_score"] >= stocked.reranker.match_threshold and same["match_band"] == "match"
    assert stocked.browse.inbox({"has_match": False})["total"] == 5 - matched["total"]
    assert ids(stocked.browse.inbox(order="match"))[0] == same["claim_id"]
    # the inbox decides as the Claim page does: the same top fact-check, probability and band
    for row in stocked.browse.inbox(limit=100)["rows"]:
        top = next(m for m in stocked.matches.for_claim(row["claim_id"], k=1) if m["kind"] == "factcheck")
        assert (row["match_score"], row["match_band"], row["has_match"]) == (top["score"], top["band"], top["match"])
    # a changed archive makes every recorded match stale
    stocked.archive.import_upload("more.csv", b"claim,verdict\nLibraries hold 40000 books.,True\n", match=False)
    assert stocked.matches.pending() == 5


def test_archive_upload_problems_name_the_upload(stocked):
    from core.errors import BadArchive

    with pytest.raises(BadArchive, match=r"^upload\.csv has no 'claim' column"):
        stocked.archive.import_upload("upload.csv", b"text,verdict\nx,True\n")
    report = stocked.archive.import_upload("upload.csv", b"claim,verdict\n,True\nA claim.,False\n")
    assert report.created == 1 and report.problems == ["upload.csv line 2: empty claim; skipped"]


def test_claim_context_is_the_sentence_and_its_neighbours(stocked):
    cid = next(r["claim_id"] for r in stocked.browse.inbox(limit=100)["rows"] if "18 percent" in r["text"])
    context = stocked.browse.context(cid, before=1, after=1)
    assert [s["text"] for s in context] == ["Council members asked for an audit.",
                                           "Repair costs rose 18 percent in 2023, the finance office said.",
                                           "Residents counted 300 potholes on Main Street."]
    assert [s["is_target"] for s in context] == [False, True, False]
    with pytest.raises(NotFound):
        stocked.browse.context(999_999)


def test_filtered_export(stocked):
    docs = {d["name"]: d["id"] for d in stocked.browse.documents()}
    cid = ids(stocked.browse.inbox({"document_ids": [docs["riverton.txt"]]}))[0]
    stocked.reviews.save(cid, {"verdict": "Half true", "rationale": "=cmd|' /C calc'!A0"}, reviewer="alice")
    rows = list(csv.DictReader(io.StringIO(stocked.exports.filtered("csv", {"document_ids": [docs["riverton.txt"]]}))))
    assert len(rows) == 3 and {r["document"] for r in rows} == {"riverton.txt"}
    reviewed = list(csv.DictReader(io.StringIO(stocked.exports.filtered("csv", {"has_verdict": True}))))
    assert [(r["claim_id"], r["verdict"]) for r in reviewed] == [(str(cid), "Half true")]
    assert reviewed[0]["rationale"].startswith("'=")  # formula-safe
    items = json.loads(stocked.exports.filtered("claimreview", {"document_ids": [docs["riverton.txt"]]}))
    assert [i["reviewRating"]["alternateName"] for i in items] == ["Half true"]
    first = stocked.exports.filtered_rows({"document_ids": [docs["lakeside.txt"]]}, limit=1)
    assert [r["document"] for r in first] == ["lakeside.txt"]
    assert stocked.browse.count({"has_verdict": True}) == 1


def test_dashboard_aggregates(stocked):
    chosen = [c for c in ids(stocked.browse.inbox(limit=100)) if "$4.2 million" in stocked.browse.claim(c)["text"]]
    chosen += [ids(stocked.browse.inbox({"document_ids": [d["id"] for d in stocked.browse.documents()
                                                   if d["name"] == "lakeside.txt"]}))[0]]
    stocked.reviews.save(chosen[0], {"verdict": "True", "status": "published"}, reviewer="alice")
    stocked.reviews.save(chosen[1], {"verdict": "False"}, reviewer="bob")
    stocked.reviews.save(chosen[1], {"rationale": "See the audit."}, reviewer="bob")
    doc_id = next(d["id"] for d in stocked.browse.documents() if d["name"] == "riverton.txt")
    sentence = next(s for s in stocked.browse.document(doc_id)["sentences"] if "$4.2 million" in s["text"])
    stocked.reviews.edit_attribution(sentence["id"], {"source": "Mayor Ana Ruiz"}, reviewer="alice")
    d = stocked.browse.dashboard()
    today = datetime.now(timezone.utc).date().isoformat()  # days are UTC days
    assert d["claims_per_day"] == [{"day": today, "claims": 5}]
    assert d["claims_per_type"] == [{"claim_type": "quantity", "claims": 5}]
    assert sorted((v["verdict"], v["claims"]) for v in d["verdicts"]) == [("False", 1), ("True", 1)]
    # a verdict saved on a new claim makes it reviewed; every status is listed, in workflow order
    assert [(s["status"], s["claims"]) for s in d["statuses"]] == [
        ("new", 3), ("in progress", 0), ("reviewed", 1), ("published", 1), ("dismissed", 0)]
    assert d["statuses"] == stocked.browse.status_counts()
    assert d["top_sources"] == [{"source": "Mayor Ana Ruiz", "claims": 1}]
    assert d["reviews_per_day"] == [{"day": today, "changes": 4, "claims": 2}]
    assert {r["reviewer"]: (r["changes"], r["claims"]) for r in d["reviewers"]} == {"alice": (2, 1), "bob": (2, 1)}
    assert d["totals"]["claims"] == 5


def test_uploads_are_read_from_bytes(bench):
    feed = json.dumps({"id": "feed-1", "title": "Feed item", "text": "The port handled 9 million tonnes."})
    report = bench.ingest.uploads([
        ("riverton.txt", RIVERTON.encode()),
        ("page.html", b"<html><body><article><p>The bridge cost 80 million euros to build in 2019.</p>"
                      b"<p>It opened late.</p></article></body></html>"),
        ("feed.jsonl", feed.encode() + b"\n"),
    ])
    assert report.documents == 3
    names = {d["name"] for d in bench.browse.documents()}
    assert names == {"riverton.txt", "page.html", "feed-1"}
    assert bench.ingest.uploads([("again.txt", RIVERTON.encode())]).duplicates == 1


@pytest.mark.parametrize("files, message", [
    ([("notes.pdf", b"%PDF-1.4")], "not an article file"),
    ([("empty.txt", b"  ")], "empty"),
    ([("ok.txt", b"The city spent 5 dollars."), ("bin.txt", b"\x00\x01\x02")], "binary"),
    ([], "no files given"),
])
def test_bad_uploads_store_nothing(bench, files, message):
    with pytest.raises(InputError, match=message):
        bench.ingest.uploads(files)
    assert bench.browse.documents() == []


HOUSING = """Council says 4,000 homes were built across the county in 2024

The council said 4,000 homes were built across the county in 2024, most of them after the new rules.
Builders queued for permits.
"""


def test_a_claim_restated_by_its_headline_is_matched_with_the_headlines_words_too(bench):
    headline = HOUSING.splitlines()[0]
    body = HOUSING.splitlines()[2]
    bench.ingest.text(HOUSING, "housing.txt")
    rows = bench.browse.inbox(limit=100)["rows"]
    assert [r["text"] for r in rows] == [body]  # the headline is linked to it, not a second claim
    bench.archive.import_upload("archive.csv", f'claim,verdict\n"{headline}",Half true\n'.encode(), match=False)
    assert bench.matches.refresh() == 1
    row = bench.browse.inbox(limit=100)["rows"][0]
    body_alone = next(r for r in bench.matches.search([body], k=1)[0]["results"] if r["kind"] == "factcheck")
    via_headline = next(r for r in bench.matches.search([headline], k=1)[0]["results"] if r["kind"] == "factcheck")
    assert via_headline["score"] > body_alone["score"]  # the headline's words are the fact-check's
    assert row["match_score"] == via_headline["score"] and row["has_match"] == via_headline["match"]
    top = next(m for m in bench.matches.for_claim(row["claim_id"], k=1) if m["kind"] == "factcheck")
    assert top["score"] == via_headline["score"]  # the Claim page decides as the inbox does
