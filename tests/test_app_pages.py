"""The workbench pages (Inbox, Claim, Search, Export, Dashboard, Ingest uploads and the archive, Review's
additions) run in-process with AppTest over a temp database filled by the fast fake pipeline."""
from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from test_app import APP, ARTICLE, HOSTILE, commonmark, first_claim, home, rendered_markdown, service  # noqa: F401

ARCHIVE = b"""claim,verdict,url,speaker
"The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said on Tuesday.",Mostly false,https://example.org/fc/1,Ana Ruiz
Wind farms kill most birds in the county.,False,javascript:alert(1),
"""

# thirty claims (each sentence has a number, which is what the fake detector calls a claim)
LONG = "Figures from the council\n\n" + "\n".join(f"Line {i} says the council spent {i} dollars." for i in range(1, 31))


def start(page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if query:
        at.query_params.update({k: str(v) for k, v in query.items()})
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def table(at: AppTest, column: str):
    return next(df for df in at.dataframe if column in df.value.columns)


def inbox_table(at: AppTest):
    return next(df for df in at.dataframe if (df.key or "").startswith("inbox_table_"))


@pytest.fixture
def stocked(service, monkeypatch):
    """Two articles and the archive, matched; the app uses this Workbench (the fake detector)."""
    import app_pages.common

    service.ingest.text(ARTICLE, "riverton.txt")
    service.ingest.text(LONG, "council-figures.txt")
    service.archive.import_upload("archive.csv", ARCHIVE)
    service.matches.refresh()
    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    return service


# --- Inbox ---------------------------------------------------------------------------------------------


def test_inbox_lists_claims_of_every_article_best_first_and_pages(stocked):
    at = start("app_pages/inbox.py")
    assert at.title[0].value == "Inbox"
    rows = inbox_table(at).value
    assert len(rows) == 31  # one page of 50 holds them all
    assert len(set(rows["article"])) == 2
    assert list(rows["score"]) == sorted(rows["score"], reverse=True)
    assert any("Claims 1–31 of 31" in c.value for c in at.caption)

    at.selectbox(key="inbox_f_size").set_value(25).run()
    assert len(inbox_table(at).value) == 25
    assert any("Claims 1–25 of 31" in c.value for c in at.caption)
    button(at, "Next").click().run()
    assert not at.exception
    assert len(inbox_table(at).value) == 6 and any("Claims 26–31 of 31" in c.value for c in at.caption)
    assert at.number_input(key="inbox_f_page").value == 2

    # a filter sends the reviewer back to page 1
    at.text_input(key="inbox_f_text").set_value("spent 1").run()
    texts = list(inbox_table(at).value["text"])
    assert len(texts) == 11 and all("spent 1" in t for t in texts)  # 1 and 10 to 19
    assert at.number_input(key="inbox_f_page").value == 1


def test_inbox_filters_by_status_match_and_article(stocked):
    cid = first_claim(stocked, "riverton.txt")["id"]
    stocked.reviews.save(cid, {"status": "in progress"}, reviewer="carol")
    at = start("app_pages/inbox.py")
    at.multiselect(key="inbox_f_statuses").set_value(["in progress"]).run()
    assert list(inbox_table(at).value["claim"]) == [cid]
    at.multiselect(key="inbox_f_statuses").set_value([]).run()
    at.selectbox(key="inbox_f_match").set_value("yes").run()
    rows = inbox_table(at).value
    assert list(rows["claim"]) == [cid] and list(rows["checked before"]) == ["Mostly false"]
    at.selectbox(key="inbox_f_match").set_value("any").run()
    figures = next(d["id"] for d in stocked.browse.documents() if d["name"] == "council-figures.txt")
    at.multiselect(key="inbox_f_documents").set_value([figures]).run()
    assert set(inbox_table(at).value["article"]) == {"Figures from the council"}  # the title, else the name
    at.text_input(key="inbox_f_text").set_value("no such words").run()
    assert "No claim matches these filters." in [i.value for i in at.info]


def test_inbox_ranks_scores_and_names_article_date_and_the_matchs_verdict(stocked):
    at = start("app_pages/inbox.py")
    rows = inbox_table(at).value
    assert list(rows["rank"]) == list(range(1, len(rows) + 1))
    assert list(rows["score"]) == sorted(rows["score"], reverse=True)
    assert {"Budget row deepens in Riverton", "Figures from the council"} == set(rows["article"])  # titles
    assert all(len(d) == 10 and d[4] == "-" for d in rows["date"])  # a day, not a file path
    checked = dict(zip(rows["text"], rows["checked before"]))
    assert checked["The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said on Tuesday."] == \
        "Mostly false"
    assert sum(1 for v in checked.values() if v) == 1
    assert any("ordered by the detector's score at full precision" in c.value for c in at.caption)
    # the second page's ranks go on from the first's
    at.selectbox(key="inbox_f_size").set_value(25).run()
    button(at, "Next").click().run()
    assert list(inbox_table(at).value["rank"]) == list(range(26, 32))


def test_inbox_assigned_to_me(stocked):
    ids = [int(c) for c in inbox_table(start("app_pages/inbox.py")).value["claim"][:2]]
    stocked.reviews.bulk(ids, {"assignee": "alice"}, reviewer="bob")  # alice: the app's reviewer (CLAIMS_REVIEWER)
    at = start("app_pages/inbox.py")
    at.toggle(key="inbox_f_mine").set_value(True).run()
    assert sorted(inbox_table(at).value["claim"]) == sorted(ids)
    assert at.query_params["inbox_f_mine"] == "true"
    at.sidebar.text_input(key="reviewer").set_value("bob").run()
    assert "No claim matches these filters." in [i.value for i in at.info]


def test_inbox_filters_live_in_the_url(stocked):
    at = start("app_pages/inbox.py")
    at.text_input(key="inbox_f_text").set_value("Line 3").run()
    at.selectbox(key="inbox_f_order").set_value("newest").run()
    assert at.query_params["inbox_f_text"] == "Line 3" and at.query_params["inbox_f_order"] == "Newest first"

    shared = start(**{"inbox_f_text": "Line 3", "inbox_f_order": "Oldest first"})  # a bookmarked Inbox: the landing page
    assert shared.title[0].value == "Inbox"
    texts = list(inbox_table(shared).value["text"])
    assert texts and all("Line 3" in t for t in texts)
    assert texts == sorted(texts, key=lambda t: int(t.split()[1]))  # oldest first: Line 3, then Line 30
    assert any("Oldest claims first" in c.value for c in shared.caption)


def test_inbox_filters_survive_a_visit_to_another_page(stocked):
    at = start("app_pages/inbox.py")
    at.multiselect(key="inbox_f_statuses").set_value(["new"]).run()
    at.text_input(key="inbox_f_text").set_value("Line 3").run()
    at.switch_page("app_pages/dashboard.py").run()
    at.switch_page("app_pages/inbox.py").run()
    assert not at.exception
    assert at.multiselect(key="inbox_f_statuses").value == ["new"]
    assert at.text_input(key="inbox_f_text").value == "Line 3"
    assert all("Line 3" in t for t in inbox_table(at).value["text"])


def test_inbox_bulk_change_records_each_claim_with_the_reviewer(stocked):
    at = start("app_pages/inbox.py")
    at.sidebar.text_input(key="reviewer").set_value("bob")
    at.run()
    grid = inbox_table(at)
    chosen = [int(c) for c in grid.value["claim"][:3]]
    at.session_state[grid.key] = {"selection": {"rows": [0, 1, 2], "columns": [], "cells": []}}
    at.run()
    assert any("Change the 3 selected claim(s)" in m.value for m in at.markdown)
    at.selectbox(key="inbox_bulk_status").set_value("in progress")
    at.text_input(key="inbox_bulk_assignee").set_value("dana")
    button(at, "Apply").click().run()
    assert not at.exception and "Changed 3 claim(s)." in at.success[0].value
    for cid in chosen:
        claim = stocked.browse.claim(cid)
        assert (claim["status"], claim["assignee"], claim["reviewer"]) == ("in progress", "dana", "bob")
        assert claim["history"][-1]["changes"] == {"status": ["new", "in progress"], "assignee": ["", "dana"]}
    # the ticks are gone with the change: a second Apply does not hit the same rows by accident
    assert not inbox_table(at).key == grid.key
    assert at.selectbox(key="inbox_bulk_status").value == "(unchanged)"  # the form is cleared too
    button(at, "Apply").click().run()
    assert "nothing to change" in at.error[0].value
    at.selectbox(key="inbox_bulk_status").set_value("dismissed")
    button(at, "Apply").click().run()
    assert "no claims selected" in at.error[0].value
    assert all(stocked.browse.claim(c)["status"] == "in progress" for c in chosen)

    at.selectbox(key="inbox_bulk_status").set_value("(unchanged)")
    at.checkbox(key="inbox_bulk_page").check()
    at.checkbox(key="inbox_bulk_unassign").check()
    button(at, "Apply").click().run()
    assert "Changed 3 claim(s); 28 already had that." in at.success[0].value
    assert all(stocked.browse.claim(c)["assignee"] == "" for c in chosen)


def test_inbox_opens_a_claim(stocked):
    at = start("app_pages/inbox.py")
    grid = inbox_table(at)
    second = int(grid.value["claim"][1])
    at.session_state[grid.key] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    button(at, "Open claim").click().run()
    assert not at.exception
    assert at.title[0].value == f"Claim {second}"


def test_inbox_offers_to_match_claims_stored_since_the_archive(stocked):
    stocked.ingest.text("Late news\n\nThe mayor hired 7 new staff.", "late.txt", match=False)  # stored without being matched
    at = start("app_pages/inbox.py")
    assert any("1 claim(s) are not yet compared" in c.value for c in at.caption)
    button(at, "Match them now").click().run()
    assert not at.exception and "Compared 1 claim(s)" in at.success[0].value
    assert stocked.matches.pending() == 0


def test_inbox_on_an_empty_database(home):
    at = start("app_pages/inbox.py")
    assert "No claims yet" in at.info[0].value


# --- Claim ---------------------------------------------------------------------------------------------


def claim_id(service, fragment: str) -> int:
    return next(r["claim_id"] for r in service.browse.inbox(limit=100)["rows"] if fragment in r["text"])


def test_claim_page_shows_context_source_reasons_matches_and_history(stocked):
    cid = claim_id(stocked, "$4.2 million")
    sentence = stocked.browse.claim(cid)["sentence_id"]
    stocked.reviews.edit_attribution(sentence, {"source": "Mayor Ana Ruiz", "cue": "said"}, reviewer="carol")
    at = start("app_pages/claim.py", id=cid)
    assert at.title[0].value == f"Claim {cid}"
    texts = [t.value for t in at.text]
    assert "The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said on Tuesday." in texts
    assert "Council members asked for an audit." in texts  # the next sentences, for context
    assert any("Getty Images" in c.value for c in at.caption)  # furniture, greyed
    assert any("Mayor Ana Ruiz" in m.value and "said" in m.value for m in at.markdown)
    assert any("Flagged because: number" in c.value for c in at.caption)
    assert "Checked before:" in at.info[0].value and "Mostly false" in at.info[0].value
    matches = table(at, "kind").value
    assert matches["kind"][0] == "past fact-check" and matches["verdict"][0] == "Mostly false"
    assert matches["link"][0] == "https://example.org/fc/1"
    assert "none" not in set(matches["band"])  # weak candidates hidden unless asked for
    weak = [m for m in stocked.matches.for_claim(cid, k=5) if m["band"] == "none"]
    assert weak  # the small archive holds fact-checks on other subjects
    at.toggle(key=f"claim_weak_{cid}").set_value(True).run()
    assert len(table(at, "kind").value) == len(matches) + len(weak)
    assert any("other articles" in c.value and "probability" in c.value for c in at.caption)
    assert any("**carol**" in c.value and "version" in c.value for c in at.caption)  # the history: who, when
    assert any(m.value.startswith("- attribution\\.source: \\(empty\\) → Mayor Ana Ruiz") for m in at.markdown)


def test_claim_page_saves_a_verdict_and_shows_it(stocked):
    cid = claim_id(stocked, "$4.2 million")
    at = start("app_pages/claim.py", id=cid)
    at.sidebar.text_input(key="reviewer").set_value("bob")
    at.radio(key=f"claim_status_{cid}").set_value("reviewed")
    at.selectbox(key=f"claim_verdict_{cid}").set_value("Mostly false")
    at.text_input(key=f"claim_assignee_{cid}").set_value("dana")
    at.text_area(key=f"claim_rationale_{cid}").set_value("The audit says $3.1 million.")
    at.text_area(key=f"claim_evidence_{cid}").set_value("https://example.org/audit\njavascript:alert(1)")
    button(at, "Save").click().run()
    assert "'javascript:alert(1)' is not a web address" in at.error[0].value  # refused by the service
    assert stocked.browse.claim(cid)["version"] == 1
    at.text_area(key=f"claim_evidence_{cid}").set_value("https://example.org/audit")
    button(at, "Save").click().run()
    assert not at.exception
    assert f"Saved your review of claim {cid}." in at.success[0].value
    saved = stocked.browse.claim(cid)
    assert (saved["status"], saved["verdict"], saved["assignee"], saved["reviewer"]) == (
        "reviewed", "Mostly false", "dana", "bob")
    assert any("verdict: Mostly false" in m.value for m in at.markdown)
    links = table(at, "evidence").value
    assert list(links["evidence"]) == ["https://example.org/audit"]
    assert any("**bob**" in c.value for c in at.caption)
    # the history shows every change in full: no value is cut off, however long
    long = "The audit says $3.1 million; " + "the council's own minutes for March agree, line by line. " * 6
    at.text_area(key=f"claim_rationale_{cid}").set_value(long)
    button(at, "Save").click().run()
    assert any(m.value.startswith("- rationale: The audit says") and m.value.count("line by line") == 6
               for m in at.markdown)


def test_claim_page_links_every_matching_fact_check(stocked):
    at = start("app_pages/claim.py", id=claim_id(stocked, "$4.2 million"))
    assert [e.proto.url for e in at.get("link_button")] == ["https://example.org/fc/1"]
    at = start("app_pages/claim.py", id=claim_id(stocked, "Line 3 says"))  # no match: no link
    assert not at.get("link_button")


def test_claim_page_steps_through_the_inbox_order(stocked):
    at = start("app_pages/inbox.py")
    at.text_input(key="inbox_f_text").set_value("Line 1").run()  # Line 1, Line 10 ... Line 19
    order = [int(c) for c in inbox_table(at).value["claim"]]
    assert len(order) == 11
    grid = inbox_table(at)
    at.session_state[grid.key] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    button(at, "Open claim").click().run()
    assert at.title[0].value == f"Claim {order[1]}"
    at.switch_page("app_pages/claim.py").run()  # AppTest forgets a page reached by st.switch_page: go there
    assert at.title[0].value == f"Claim {order[1]}"
    assert any("2 of 11 in the Inbox's order" in c.value for c in at.caption)
    button(at, "Next").click().run()
    assert at.title[0].value == f"Claim {order[2]}" and at.query_params["id"] == str(order[2])
    button(at, "Previous").click().run()
    button(at, "Previous").click().run()
    assert at.title[0].value == f"Claim {order[0]}"
    assert button(at, "Previous").disabled and not button(at, "Next").disabled
    # from the last of the list, Next is off
    at.switch_page("app_pages/inbox.py").run()
    grid = inbox_table(at)
    at.session_state[grid.key] = {"selection": {"rows": [10], "columns": [], "cells": []}}
    at.run()
    button(at, "Open claim").click().run()
    at.switch_page("app_pages/claim.py").run()
    assert at.title[0].value == f"Claim {order[-1]}"
    assert button(at, "Next").disabled and any("11 of 11" in c.value for c in at.caption)


def test_claim_page_of_a_claim_the_inbox_does_not_list_has_no_steps(stocked):
    at = start("app_pages/inbox.py")
    at.text_input(key="inbox_f_text").set_value("Line 1").run()
    at.query_params["id"] = str(claim_id(stocked, "$4.2 million"))  # a link from elsewhere
    at.switch_page("app_pages/claim.py").run()
    assert not [b for b in at.button if b.label in ("Previous", "Next")]
    assert any("Open a claim from the Inbox" in c.value for c in at.caption)


def test_claim_page_conflict_shows_the_other_version(stocked):
    cid = claim_id(stocked, "$4.2 million")
    at = start("app_pages/claim.py", id=cid)  # this tab opens version 1 ...
    stocked.reviews.save(cid, {"verdict": "True", "rationale": "Checked the budget."}, reviewer="carol",
                   expected_version=1)  # ... then carol saves
    at.selectbox(key=f"claim_verdict_{cid}").set_value("False")
    button(at, "Save").click().run()
    warning = at.warning[0].value
    assert "carol" in warning and "version 2" in warning and "True" in warning
    assert stocked.browse.claim(cid)["verdict"] == "True"
    button(at, "Discard my edits and load their version").click().run()
    assert at.selectbox(key=f"claim_verdict_{cid}").value == "True"
    at.selectbox(key=f"claim_verdict_{cid}").set_value("Half true")
    button(at, "Save").click().run()
    assert not at.warning and stocked.browse.claim(cid)["verdict"] == "Half true"


def test_claim_page_corrects_the_source_with_a_version_check(stocked):
    cid = claim_id(stocked, "Line 7 ")
    at = start("app_pages/claim.py", id=cid)
    at.text_input(key=f"claim_source_{cid}").set_value("The council's treasurer")
    at.text_input(key=f"claim_cue_{cid}").set_value("says")
    button(at, "Save source").click().run()
    assert not at.exception and f"Saved the source of claim {cid}." in at.success[0].value
    attr = stocked.browse.claim(cid)["attributions"][0]
    assert (attr["source"], attr["cue"], attr["edited"]) == ("The council's treasurer", "says", True)
    # someone else saves; this tab's next source edit is refused and shows theirs
    stocked.reviews.save(cid, {"status": "dismissed"}, reviewer="carol")
    at.text_input(key=f"claim_source_{cid}").set_value("Someone else")
    button(at, "Save source").click().run()
    assert "carol" in at.warning[0].value and "dismissed" in at.warning[0].value
    assert stocked.browse.claim(cid)["attributions"][0]["source"] == "The council's treasurer"


def test_claim_page_without_a_claim_and_with_a_missing_one(stocked):
    at = start("app_pages/claim.py")
    assert "Pick a claim" in at.info[0].value
    at = start("app_pages/claim.py", id=999_999)
    assert "no claim with id 999999" in at.error[0].value


def test_claim_page_shows_hostile_text_as_text(service, monkeypatch):
    import app_pages.common

    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    service.ingest.text(HOSTILE, "hostile.txt")
    cid = claim_id(service, "12 new posts")
    service.reviews.edit_attribution(service.browse.claim(cid)["sentence_id"],
                             {"source": "<img src=y onerror=alert(3)> **Boss**", "cue": "[said](javascript:x)"},
                             reviewer="alice")
    service.reviews.save(cid, {"rationale": "<script>alert(4)</script> [x](javascript:y)"}, reviewer="alice")
    at = start("app_pages/claim.py", id=cid)
    assert "<script>alert(1)</script> The council approved 12 new posts." in [t.value for t in at.text]
    for value in rendered_markdown(at) + [i.value for i in at.info]:
        html = commonmark(value)
        assert "<script" not in html and "<img" not in html and 'href="javascript' not in html, value
    assert not [h for h in at.get("html") if "alert" in str(h.proto)]


# --- Review additions ----------------------------------------------------------------------------------


def test_review_page_adds_a_missed_claim_and_opens_a_claim(stocked):
    at = start("app_pages/review.py")
    doc = stocked.browse.document(next(d["id"] for d in stocked.browse.documents() if d["name"] == "riverton.txt"))
    at.selectbox(key="review_doc").select(doc["id"]).run()
    missed = next(s for s in doc["sentences"] if s["text"] == "Council members asked for an audit.")
    at.selectbox(key="review_missed_sentence").set_value(missed["id"])
    button(at, "Add as a claim").click().run()
    assert not at.exception and "Added claim" in at.success[0].value
    added = stocked.browse.document(doc["id"])["sentences"][missed["index"]]["claim"]
    assert added is not None
    row = stocked.browse.claim(added["id"])
    assert row["origin"] == "reviewer" and row["history"][0]["changes"] == {"created": [None, "reviewer"]}

    next(b for b in at.button if b.key == f"review_open_{added['id']}").click().run()
    assert not at.exception and at.title[0].value == f"Claim {added['id']}"


def add_attribution(service, sentence_id: int, **values) -> None:
    """A further attribution of a sentence (the fake pipeline finds none; spaCy would find several)."""
    from store.db import atomic
    from store.models import Attribution

    with atomic(service.engine) as s:
        s.add(Attribution(sentence_id=sentence_id, ord=9, **values))


def test_review_page_names_the_sources_of_sentences_that_are_no_claims(stocked):
    doc = stocked.browse.document(next(d["id"] for d in stocked.browse.documents() if d["name"] == "riverton.txt"))
    audit = next(s for s in doc["sentences"] if s["text"] == "Council members asked for an audit.")
    headline = next(s for s in doc["sentences"] if s["kind"] == "headline")
    assert audit["claim"] is None and headline["claim"] is None
    stocked.reviews.edit_attribution(audit["id"], {"source": "Councillor Ortiz", "cue": "said", "quote": "reported"},
                                     reviewer="carol")
    add_attribution(stocked, audit["id"], source="<b>minutes</b> [x](javascript:alert(1))", cue="according to",
                    quote="reported")
    add_attribution(stocked, headline["id"], source="Riverton Post", resolved="The Riverton Post", cue="reports",
                    quote="direct")
    at = start("app_pages/review.py")
    at.selectbox(key="review_doc").select(doc["id"]).run()
    captions = [c.value for c in at.caption]
    line = next(c for c in captions if "Councillor Ortiz" in c)
    assert line.startswith("Sources: **Councillor Ortiz** — said (reported) (corrected) · ")
    assert "according to (reported)" in line and "<b>" not in commonmark(line) and "href" not in commonmark(line)
    assert any(c.startswith("Source: **The Riverton Post** — reports (direct quote)") for c in captions)
    # a sentence with no source gets no line: one per sentence with attributions, no more
    assert len([c for c in captions if c.startswith(("Source: ", "Sources: "))]) == 2


def test_claim_page_shows_every_attribution_and_those_of_its_neighbours(stocked):
    cid = claim_id(stocked, "$4.2 million")
    claim = stocked.browse.claim(cid)
    stocked.reviews.edit_attribution(claim["sentence_id"], {"source": "Mayor Ana Ruiz", "cue": "said"}, reviewer="carol")
    add_attribution(stocked, claim["sentence_id"], source="the budget office", cue="according to", quote="direct")
    doc = stocked.browse.document(claim["document_id"])
    audit = next(s for s in doc["sentences"] if s["text"] == "Council members asked for an audit.")
    add_attribution(stocked, audit["id"], source="Councillor Ortiz", cue="said", quote="reported")
    assert len(stocked.browse.claim(cid)["attributions"]) == 2
    at = start("app_pages/claim.py", id=cid)
    captions = [c.value for c in at.caption]
    assert "Also: **the budget office** — according to (direct quote)" in captions
    assert "Source: **Councillor Ortiz** — said (reported)" in captions  # a neighbour in the context


# --- Search --------------------------------------------------------------------------------------------


def test_search_finds_fact_checks_and_claims_and_opens_one(stocked):
    at = start("app_pages/search.py")
    assert not at.dataframe
    at.text_input(key="search_f_query").set_value("city spent 4.2 million on road repairs").run()
    assert not at.exception and not at.error
    results = table(at, "kind").value
    assert {"past fact-check", "stored claim"} <= set(results["kind"])
    assert "Mostly false" in list(results["verdict"])
    assert "javascript:alert(1)" not in [v for v in results["link"] if v]
    cid = claim_id(stocked, "$4.2 million")
    at.selectbox(key="search_open_pick").set_value(cid)
    button(at, "Open claim").click().run()
    assert at.title[0].value == f"Claim {cid}"


def test_search_only_in_the_archive(stocked):
    at = start("app_pages/search.py")
    at.text_input(key="search_f_query").set_value("wind farms birds").run()
    at.pills(key="search_f_kinds").set_value(["factcheck"]).run()
    assert set(table(at, "kind").value["kind"]) == {"past fact-check"}
    at.pills(key="search_f_kinds").set_value([]).run()
    assert "Choose where to look" in at.warning[0].value


# --- Export --------------------------------------------------------------------------------------------


def test_export_page_previews_what_the_filter_selects(stocked):
    cid = claim_id(stocked, "$4.2 million")
    stocked.reviews.save(cid, {"verdict": "Mostly false", "rationale": "Audit."}, reviewer="bob")
    at = start("app_pages/export.py")
    assert any("31 claim(s) in the CSV; 1 with a verdict" in c.value for c in at.caption)
    preview = table(at, "claim_id").value
    assert len(preview) == 20 and list(preview.columns)[:3] == ["claim_id", "score", "claim_type"]
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download ClaimReview",
                                                            "Download history CSV", "Download history JSONL"]
    assert any("Every saved change (1 so far)" in c.value for c in at.caption)
    items = json.loads(at.get("code")[0].value)
    assert items[0]["@type"] == "ClaimReview" and items[0]["reviewRating"]["alternateName"] == "Mostly false"
    assert "author" not in items[0]  # no CLAIMS_PUBLISHER_NAME: no invented publisher, and a note says so
    assert [w.value.split(" is not set")[0] for w in at.warning] == ["CLAIMS_PUBLISHER_NAME", "CLAIMS_REVIEW_URL"]
    assert at.checkbox(key="export_excel").label == "CSV for Excel"

    at.toggle(key="export_f_reviewed").set_value(True).run()
    assert any("1 claim(s) in the CSV; 1 with a verdict" in c.value for c in at.caption)
    assert list(table(at, "claim_id").value["claim_id"]) == [cid]
    at.toggle(key="export_f_reviewed").set_value(False)
    at.text_input(key="export_f_text").set_value("nothing like this").run()
    assert any("0 claim(s) in the CSV" in c.value for c in at.caption)
    buttons = {b.label: b.proto.disabled for b in at.get("download_button")}
    assert buttons["Download CSV"] and buttons["Download ClaimReview"]
    assert not buttons["Download history CSV"]  # the history is not filtered


def test_export_page_on_an_empty_database(home):
    at = start("app_pages/export.py")
    assert "Nothing to export yet" in at.info[0].value


# --- Dashboard -----------------------------------------------------------------------------------------


def test_dashboard_shows_counts_and_charts(stocked):
    cid = claim_id(stocked, "$4.2 million")
    stocked.reviews.save(cid, {"verdict": "Mostly false", "status": "reviewed"}, reviewer="bob")
    stocked.reviews.edit_attribution(stocked.browse.claim(cid)["sentence_id"], {"source": "Mayor Ana Ruiz"}, reviewer="bob")
    at = start("app_pages/dashboard.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Articles": "2", "Claims": "31", "Reviewed": "1", "With a verdict": "1",
                       "Past fact-checks": "2"}
    charts = at.get("vega_lite_chart")
    assert len(charts) == 6  # per day, verdicts, throughput, per type, sources, status
    assert list(table(at, "reviewer").value["reviewer"]) == ["bob"]
    # the Inbox counts the same way: 30 new and the 1 reviewed
    inbox = start("app_pages/inbox.py")
    assert any("By status: new 30 · reviewed 1." in c.value for c in inbox.caption), [c.value for c in inbox.caption]


def test_dashboard_on_an_empty_database(home):
    at = start("app_pages/dashboard.py")
    assert "No claims yet" in at.info[0].value


# --- Ingest: uploads, URLs, archive ----------------------------------------------------------------------


def test_ingest_page_uploads_files(service, monkeypatch):
    import app_pages.common

    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    at = start("app_pages/ingest.py")
    feed = json.dumps({"id": "feed-1", "text": "The port handled 9 million tonnes."}) + "\n"
    at.file_uploader(key="ingest_files").set_value([
        ("riverton.txt", ARTICLE.encode(), "text/plain"),
        ("feed.jsonl", feed.encode(), "application/jsonl"),
    ]).run()
    button(at, "Ingest files").click().run()
    assert not at.exception and not at.error
    assert "stored 2 new document" in at.success[0].value
    assert {d["name"] for d in service.browse.documents()} == {"riverton.txt", "feed-1"}
    assert next(s for s in at.status if s.label == "Ingested").state == "complete"
    # one line per article as it is stored, in order, and a bar that ends full
    lines = [m.value for m in at.markdown if "sentences," in m.value]
    assert len(lines) == 2 and lines[0].startswith("1/2 · riverton\\.txt: ") and lines[1].startswith("2/2 · feed\\.jsonl: ")
    assert "claims" in lines[0]
    bar = at.get("progress")[-1]
    assert bar.proto.value == 100 and bar.proto.text == "2 of 2 done"


def test_ingest_page_refuses_a_binary_upload(service, monkeypatch):
    import app_pages.common

    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    at = start("app_pages/ingest.py")
    at.file_uploader(key="ingest_files").set_value([("bad.txt", b"\x00\x01\x02binary", "text/plain")]).run()
    button(at, "Ingest files").click().run()
    assert "bad.txt looks like a binary file" in at.error[0].value
    assert service.browse.documents() == []


def test_ingest_page_stops_at_a_bad_upload_and_says_what_it_kept(service, monkeypatch):
    import app_pages.common

    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    at = start("app_pages/ingest.py")
    at.file_uploader(key="ingest_files").set_value([("riverton.txt", ARTICLE.encode(), "text/plain"),
                                                   ("bad.txt", b"\x00\x01\x02binary", "text/plain")]).run()
    button(at, "Ingest files").click().run()
    assert "bad.txt looks like a binary file" in at.error[0].value
    assert (at.status[0].label, at.status[0].state) == ("Stopped at bad.txt: 1 stored before it", "error")
    assert any(m.value.startswith("1/2 · riverton\\.txt: ") for m in at.markdown)
    assert [d["name"] for d in service.browse.documents()] == ["riverton.txt"]


def test_ingest_page_refuses_private_urls(service, monkeypatch):
    import app_pages.common

    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    at = start("app_pages/ingest.py")
    at.text_area(key="ingest_urls").set_value("http://localhost/admin")
    button(at, "Fetch and ingest").click().run()
    assert "refusing http://localhost/admin" in at.error[0].value
    button(at, "Fetch and ingest").click()
    at.text_area(key="ingest_urls").set_value("  ")
    at.run()
    assert "Give at least one web address" in at.error[0].value


def test_ingest_page_imports_the_archive_and_matches_claims(service, monkeypatch):
    import app_pages.common

    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    service.ingest.text(ARTICLE, "riverton.txt")
    at = start("app_pages/ingest.py")
    bad = ARCHIVE + b'"too","many","cells","here","and","more","x"\n'
    at.file_uploader(key="ingest_archive").set_value(("archive.csv", bad, "text/csv")).run()
    button(at, "Import archive").click().run()
    assert not at.exception and not at.error
    done = at.success[0].value
    assert "imported 2 new fact" in done and "1 row" in done and "compared 1 claim(s)" in done
    assert any("archive.csv line 4" in t.value for t in at.text)
    assert service.browse.inbox({"has_match": True})["total"] == 1


def test_ingest_page_reports_a_bad_archive(service, monkeypatch):
    import app_pages.common

    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    at = start("app_pages/ingest.py")
    at.file_uploader(key="ingest_archive").set_value(("facts.csv", b"text,verdict\nx,True\n", "text/csv")).run()
    button(at, "Import archive").click().run()
    assert "facts.csv has no 'claim' column" in at.error[0].value


# --- text stays text on every page ---------------------------------------------------------------------


@pytest.mark.parametrize("page", ["app_pages/inbox.py", "app_pages/search.py", "app_pages/export.py",
                                  "app_pages/dashboard.py"])
def test_hostile_text_never_reaches_markdown_unescaped(service, monkeypatch, page):
    import app_pages.common

    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    service.ingest.text(HOSTILE, "<b>hostile</b>.txt")
    cid = claim_id(service, "12 new posts")
    service.reviews.edit_attribution(service.browse.claim(cid)["sentence_id"], {"source": "<img src=y onerror=alert(3)> **Boss**"},
                             reviewer="alice")
    service.reviews.save(cid, {"verdict": "False", "rationale": "<script>alert(4)</script>"}, reviewer="<i>eve</i>")
    at = start(page)
    if page.endswith("search.py"):
        at.text_input(key="search_f_query").set_value("<script>alert(1)</script> council approved posts").run()
    assert not at.exception
    shown = rendered_markdown(at) + [i.value for i in at.info] + [e.value for e in at.error]
    for value in shown:
        html = commonmark(value)
        assert "<script" not in html and "<img" not in html and "<b>" not in html and "<i>" not in html, value
    assert not [h for h in at.get("html") if "alert" in str(h.proto)]


def test_claim_page_right_after_a_server_start_does_not_wait_for_the_indexes(stocked, monkeypatch):
    """A server that has just started opens its search indexes in the background (`get_bench` warms them): the
    first Claim page shows at once, says what is still loading, and shows the matches once it is open."""
    import threading

    import app_pages.common
    import claims.services.indexes as indexes_module
    from claims.services.workbench import Workbench

    gate, real_open = threading.Event(), indexes_module.open_index
    monkeypatch.setattr(indexes_module, "open_index", lambda *a, **k: (gate.wait(60), real_open(*a, **k))[1])
    server = Workbench(stocked.settings, embedder=stocked.embedder, detector=stocked.detector, attribution=False)
    server.indexes.warm()
    monkeypatch.setattr(app_pages.common, "get_bench", lambda: server)
    try:
        at = start("app_pages/claim.py", id=claim_id(stocked, "$4.2 million"))
        assert any("still loading" in i.value for i in at.info), [i.value for i in at.info]
        assert not at.get("link_button")  # its fact-check is not found yet
    finally:
        gate.set()
    for thread in list(server.indexes._warming.values()):
        thread.join(30)
    at = start("app_pages/claim.py", id=claim_id(stocked, "$4.2 million"))
    assert not any("still loading" in i.value for i in at.info)
    assert [e.proto.url for e in at.get("link_button")] == ["https://example.org/fc/1"]
