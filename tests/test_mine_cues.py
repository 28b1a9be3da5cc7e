"""The cue miner's counting on a few made-up sentences (no ../shared needed)."""
from __future__ import annotations

import pytest

from claims.pipeline import nlp as nlp_module
from claims.research.mine_cues import count_doc, rank


@pytest.fixture(scope="module")
def nlp():
    try:
        return nlp_module.get_nlp()
    except ImportError as e:  # pragma: no cover - the model is a dependency
        pytest.skip(str(e))


def counted(nlp, text: str):
    return count_doc(nlp(text))


def test_clausal_complement_verb_introduces_content(nlp):
    c = counted(nlp, "The minister said that the new tax would hurt farmers.")
    assert c.total["say", "VERB"] == 1
    assert c.content["say", "VERB"] == 1
    assert c.that_clause["say", "VERB"] == 1


def test_plain_transitive_verb_does_not(nlp):
    c = counted(nlp, "She bought a new car in the city yesterday.")
    assert c.total["buy", "VERB"] == 1
    assert c.content["buy", "VERB"] == 0


def test_quotation_frame_counts_as_quote_adjacent(nlp):
    c = counted(nlp, '"We will not give up on this fight," said Smith.')
    assert c.content["say", "VERB"] == 1
    assert c.quote_adjacent["say", "VERB"] == 1
    assert c.content["give", "VERB"] == 0  # inside the quotation


def test_noun_with_that_clause(nlp):
    c = counted(nlp, "There were claims that the vote was rigged.")
    assert c.content["claim", "NOUN"] == 1


def test_rank_prefers_content_introducing_lemmas(nlp):
    c = counted(nlp, "He said the bank failed. He said the plan worked. She bought a car. She bought a house.")
    rows = {r["lemma"]: r for r in rank(c, min_count=2)}
    assert rows["say"]["score"] > rows["buy"]["score"]


def test_a_verb_that_says_what_its_object_is_counts_as_an_evaluation(nlp):
    from claims.research.mine_cues import rank_evaluations

    c = counted(nlp, "The senator branded the plan a disaster. The minister hailed the deal as historic. "
                     "The senator bought the plan. The minister signed the deal.")
    assert c.evaluation["brand", "VERB"] == 1 and c.evaluation["hail", "VERB"] == 1
    assert c.evaluation["buy", "VERB"] == 0 and c.evaluation["sign", "VERB"] == 0
    rows = {r["lemma"] for r in rank_evaluations(c, min_count=1)}
    assert "buy" not in rows and "sign" not in rows
