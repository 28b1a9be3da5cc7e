"""The same claim said in several articles: grouped from the claim index (cosine and compatible figures), a
verdict given once applied to every member with versions and history, and the Claim page that shows it. On
SQLite and PostgreSQL (the `bench` fixture); the page with AppTest."""
from __future__ import annotations

from dataclasses import replace

import pytest

from core.errors import InputError
from claims.matching.match import same_claim
from claims.io.readers import Article
from core.errors import ReviewConflict

# Two short articles repeat one claim in other words; a third gives another figure; the fake detector calls
# every sentence with a digit a claim.
FIRST = Article(name="first.txt", title="Crime figures in Port Ellery", published="2025-03-01", text="""Crime figures in Port Ellery

Violent crime in Port Ellery rose 22 percent between 2021 and 2023, police records show.
The mayor's office declined to comment.
""")
SECOND = Article(name="second.txt", title="Council debate heats up", published="2025-04-12", text="""Council debate heats up

Police records show that between 2021 and 2023 violent crime in Port Ellery went up by 22 percent.
The library will stay open until 9 pm on weekdays.
""")
OTHER_FIGURE = Article(name="third.txt", title="A correction", published="2025-02-01", text="""A correction

Violent crime in Port Ellery rose 12 percent between 2021 and 2023, police records show.
""")

# The fake embedder hashes words, so paraphrases score lower than with MiniLM: the plumbing is tested at a
# threshold that suits it.
THRESHOLD = 0.7


@pytest.fixture
def grouped(bench):
    bench.settings = replace(bench.settings, group_threshold=THRESHOLD)
    bench.ingest.articles([FIRST, SECOND, OTHER_FIGURE])
    return bench


def claim_of(wb, fragment: str) -> int:
    return next(r["claim_id"] for r in wb.browse.inbox(limit=100)["rows"] if fragment in r["text"])


def test_same_claim_needs_closeness_and_agreeing_figures():
    a = "Violent crime rose 22 percent between 2021 and 2023."
    assert same_claim(a, "Between 2021 and 2023 violent crime went up 22 percent.", 0.9, 0.85)
    assert not same_claim(a, "Between 2021 and 2023 violent crime went up 22 percent.", 0.8, 0.85)
    assert not same_claim(a, "Violent crime rose 12 percent between 2021 and 2023.", 0.99, 0.85)
    assert not same_claim(a, "Violent crime did not rise 22 percent between 2021 and 2023.", 0.95, 0.85)
    assert same_claim(a, "Violent crime rose 22 percent.", 0.9, 0.85)  # a figure left out is no disagreement


def test_a_claim_repeated_in_other_words_is_one_group(grouped):
    first = claim_of(grouped, "rose 22 percent")
    second = claim_of(grouped, "went up by 22 percent")
    group = grouped.matches.group(first)
    assert [m["claim_id"] for m in group["members"]] == [first, second]  # oldest first
    assert group["articles"] == 2 and group["first_seen"] == "2025-03-01" and group["first_claim_id"] == first
    member = group["members"][1]
    assert (member["document"], member["title"], member["date"], member["dated_by"]) == (
        "second.txt", "Council debate heats up", "2025-04-12", "published")
    assert member["status"] == "new" and member["verdict"] == "" and THRESHOLD <= member["similarity"] < 1
    # the same group seen from the other article
    assert [m["claim_id"] for m in grouped.matches.group(second)["members"]] == [first, second]
    # "12 percent" is close in words but another figure: a claim of its own
    lone = grouped.matches.group(claim_of(grouped, "rose 12 percent"))
    assert [m["text"][:40] for m in lone["members"]] == ["Violent crime in Port Ellery rose 12 per"]
    assert lone["articles"] == 1


def test_a_stricter_threshold_splits_the_group(grouped):
    first = claim_of(grouped, "rose 22 percent")
    grouped.settings = replace(grouped.settings, group_threshold=0.99)
    assert [m["claim_id"] for m in grouped.matches.group(first)["members"]] == [first]


def test_a_verdict_given_once_reaches_every_member_with_history(grouped):
    first = claim_of(grouped, "rose 22 percent")
    second = claim_of(grouped, "went up by 22 percent")
    other = claim_of(grouped, "rose 12 percent")
    with pytest.raises(InputError, match="no verdict yet"):
        grouped.reviews.apply_to_group(first, reviewer="ann")
    grouped.reviews.save(first, {"verdict": "Mostly true", "rationale": "Police data: +21.6%.",
                           "evidence": "https://example.org/police"}, reviewer="ann")
    shown = {m["claim_id"]: m["version"] for m in grouped.matches.group(first)["members"]}
    result = grouped.reviews.apply_to_group(first, reviewer="bob", expected_versions=shown)
    assert result == {"changed": 1, "unchanged": 1, "claim_ids": [first, second]}
    got = grouped.browse.claim(second)
    assert (got["verdict"], got["rationale"], got["evidence"], got["reviewer"], got["version"]) == (
        "Mostly true", "Police data: +21.6%.", "https://example.org/police", "bob", 2)
    assert got["history"][-1]["reviewer"] == "bob" and got["history"][-1]["changes"]["verdict"] == ["", "Mostly true"]
    assert grouped.browse.claim(first)["version"] == 2  # had the verdict already: no new version
    assert grouped.browse.claim(other)["verdict"] == ""  # another figure, another claim
    # applying again changes nothing
    assert grouped.reviews.apply_to_group(first, reviewer="bob")["changed"] == 0


def test_a_member_saved_meanwhile_stops_the_whole_group(grouped):
    first = claim_of(grouped, "rose 22 percent")
    second = claim_of(grouped, "went up by 22 percent")
    grouped.reviews.save(first, {"verdict": "False"}, reviewer="ann")
    shown = {m["claim_id"]: m["version"] for m in grouped.matches.group(first)["members"]}
    grouped.reviews.save(second, {"rationale": "Looking into it."}, reviewer="carol")  # after the list was shown
    with pytest.raises(ReviewConflict, match="carol"):
        grouped.reviews.apply_to_group(first, reviewer="bob", expected_versions=shown)
    assert grouped.browse.claim(second)["verdict"] == ""  # nothing saved


def test_group_changes_are_checked(grouped):
    first = claim_of(grouped, "rose 22 percent")
    with pytest.raises(InputError, match="only status, verdict"):
        grouped.reviews.apply_to_group(first, {"verdict": "False", "assignee": "bob"})
    with pytest.raises(InputError, match="unknown verdict"):
        grouped.reviews.apply_to_group(first, {"verdict": "Pants on fire"})


# --- the Claim page -------------------------------------------------------------------------------------

from test_app import home, service  # noqa: E402,F401  (fixtures)
from test_app_pages import button, start  # noqa: E402


@pytest.fixture
def page_bench(service, monkeypatch):
    import app_pages.common

    service.settings = replace(service.settings, group_threshold=THRESHOLD)
    service.ingest.articles([FIRST, SECOND, OTHER_FIGURE])
    monkeypatch.setattr(app_pages.common, "get_bench", lambda: service)
    return service


def group_table(at):
    return next(df for df in at.dataframe if "similarity" in df.value.columns)


def test_claim_page_shows_the_group_and_applies_the_verdict(page_bench):
    first = claim_of(page_bench, "rose 22 percent")
    second = claim_of(page_bench, "went up by 22 percent")
    at = start("app_pages/claim.py", id=first)
    assert any(m.value == r"**Seen in 2 articles, first on 2025\-03\-01**" for m in at.markdown)
    rows = group_table(at).value
    assert list(rows["claim"]) == [first, second]
    assert list(rows["article"]) == ["Crime figures in Port Ellery", "Council debate heats up"]
    assert any("Save a verdict for this claim" in c.value for c in at.caption)  # no verdict yet: no button

    page_bench.reviews.save(first, {"verdict": "Mostly true"}, reviewer="ann")
    at = start("app_pages/claim.py", id=first)
    at.sidebar.text_input(key="reviewer").set_value("bob")
    button(at, "Apply this claim's verdict (Mostly true) to the 1 other claim(s)").click().run()
    assert not at.exception
    assert "Gave 1 other claim(s) the verdict Mostly true." in at.success[0].value
    assert page_bench.browse.claim(second)["verdict"] == "Mostly true" and page_bench.browse.claim(second)["reviewer"] == "bob"
    assert list(group_table(at).value["verdict"]) == ["Mostly true", "Mostly true"]


def test_claim_page_of_a_claim_said_once(page_bench):
    lone = claim_of(page_bench, "rose 12 percent")
    at = start("app_pages/claim.py", id=lone)
    assert any("Not seen in any other stored article." in c.value for c in at.caption)


# --- the real model ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_real_model_groups_a_paraphrase_at_the_default_threshold(tmp_path):
    """MiniLM at CLAIMS_GROUP_THRESHOLD's default: the same claim in other words is grouped, a claim about
    the same story with another figure and a related but different claim are not."""
    from claims.services.workbench import Workbench
    from core.settings import load_settings

    wb = Workbench(load_settings(home=str(tmp_path / "home"), db_url=f"sqlite:///{tmp_path / 'c.db'}"),
                   attribution=False)
    articles = [
        Article(name="a.txt", published="2025-03-01", text="Crime in Port Ellery\n\nViolent crime in Port Ellery "
                "rose 22 percent between 2021 and 2023, according to police records.\n"),
        Article(name="b.txt", published="2025-04-12", text="Council debate\n\nPolice records show violent crime "
                "in Port Ellery went up 22 percent from 2021 to 2023.\n"),
        Article(name="c.txt", published="2025-05-02", text="Correction\n\nViolent crime in Port Ellery rose "
                "12 percent between 2021 and 2023, according to police records.\n"),
        Article(name="d.txt", published="2025-05-03", text="Burglaries\n\nBurglaries in Port Ellery fell "
                "22 percent between 2021 and 2023, according to police records.\n"),
    ]
    report = wb.ingest.articles(articles)
    ids = {}
    for doc_id, art in zip(report.document_ids, articles):
        sent = next(s for s in wb.browse.document(doc_id)["sentences"] if "Port Ellery" in s["text"] and s["index"] > 0)
        ids[art.name] = sent["claim"]["id"] if sent["claim"] else wb.reviews.add_claim(sent["id"], reviewer="test")
    group = wb.matches.group(ids["a.txt"])
    assert wb.settings.group_threshold == 0.80
    assert [m["claim_id"] for m in group["members"]] == [ids["a.txt"], ids["b.txt"]], group["members"]
    assert group["articles"] == 2 and group["first_seen"] == "2025-03-01"
    wb.engine.dispose()


SAME_ARTICLE = Article(name="same.txt", title="Two figures", published="2025-05-01", text="""Two figures

Violent crime in Port Ellery rose 22 percent between 2021 and 2023, police records show.
Violent crime in Port Ellery rose 22 percent between 2021 and 2023, court records show.
""")


def test_similar_claims_come_from_other_articles_and_weak_ones_are_hidden_on_request(bench):
    bench.ingest.articles([SAME_ARTICLE, SECOND, FIRST])
    rows = bench.browse.inbox(limit=100)["rows"]
    mine = next(r for r in rows if "police records show." in r["text"] and r["document"] == "same.txt")
    sibling = next(r for r in rows if "court records" in r["text"])
    found = bench.matches.for_claim(mine["claim_id"], k=5)
    ids = [m["id"] for m in found if m["kind"] == "claim"]
    assert sibling["claim_id"] not in ids and mine["claim_id"] not in ids  # its own article is context
    assert {m["document"] for m in found if m["kind"] == "claim"} <= {"first.txt", "second.txt"}
    assert ids  # the other articles' claims are found
    strong = bench.matches.for_claim(mine["claim_id"], k=5, include_none=False)
    assert strong and all(m["band"] != "none" for m in strong)
    assert len(strong) < len(found)  # something weak was there to hide
