"""The real-news attribution gold (gold/wikinews): notes become offsets, bad notes are refused by name, and the
shipped gold matches the Wikinews texts it was made on."""
from __future__ import annotations

import json

import pytest
from conftest import SHARED, need_shared

from claims.research import wikinews_gold as wg

WIKINEWS = SHARED / "data" / "wikinews" / "articles.jsonl"
TEXT = ('Headline here\n\nThe minister, Anna Berg, said on Monday that taxes would rise. "We have no choice," '
        'she said. "None at all."\n\nCritics denied it.')


def note(**attr) -> dict:
    base = {"sentence": '"We have no choice," she said.', "source": "she", "cue": "said",
            "content": ["We have no choice"], "quote": "direct", "source_type": "pronoun", "resolved": "Anna Berg"}
    return {"id": "X", "attributions": [{**base, **attr}]}


def test_a_note_becomes_offsets_into_the_text():
    (rec,) = wg.convert_note(note(), TEXT)
    cut = lambda span: TEXT[span[0]:span[1]]  # noqa: E731
    assert cut(rec["source"]) == "she" and cut(rec["cue"]) == "said" and cut(rec["resolved"]) == "Anna Berg"
    assert [cut(c) for c in rec["content"]] == ["We have no choice"]
    assert cut(rec["sentence"]) == '"We have no choice," she said.' and rec["quote"] == "direct"
    assert "We have" not in json.dumps(rec)  # offsets and labels only: no article text in the gold


@pytest.mark.parametrize("change, message", [
    ({"source": "he"}, "source 'he'"),
    ({"sentence": "Not in the article."}, "sentence"),
    ({"resolved": "Critics"}, "does not occur before the source"),
    ({"quote": "indirect"}, "quote 'indirect'"),
    ({"source_type": "robot"}, "source_type 'robot'"),
    ({"content": []}, "no content"),
    ({"cue": "said", "cue_occurrence": 2}, "occurrence 2"),
])
def test_a_bad_note_is_refused_by_name(change, message):
    with pytest.raises(ValueError, match="X attribution 1") as err:
        wg.convert_note(note(**change), TEXT)
    assert message in str(err.value)


def test_the_second_occurrence_is_picked_when_asked():
    text = "He said it, and she said it too."
    (rec,) = wg.convert_note({"id": "Y", "attributions": [{
        "sentence": text, "source": "she", "cue": "said", "cue_occurrence": 2, "content": ["it too"],
        "quote": "reported", "source_type": "pronoun"}]}, text)
    assert rec["cue"] == [20, 24]


def test_the_shipped_gold_matches_the_wikinews_texts():
    articles = wg.read_articles(need_shared(WIKINEWS))
    shipped, attrs = wg.read_gold()
    first = [a for a in shipped if a.get("draw", 1) == 1]
    assert wg.select(articles) == first  # the first draw and its date split reproduce
    more = wg.select_more(articles, first)
    second = [a for a in shipped if a.get("draw", 1) <= 2]
    assert sorted(first + more, key=lambda a: (a["date"], a["id"])) == second  # so does the second
    third = wg.select_more(articles, second, wg.THIRD_SEED, wg.THIRD_SHARES, draw=3)
    assert {a["id"] for a in second + third} < {a["id"] for a in shipped}  # the third
    assert {a["split"] for a in third} == {"train", "dev"}  # the third draw leaves the test split as it was
    later = wg.select_draws(articles)  # every draw in order, as `select` writes it
    assert {a["split"] for a in later if a.get("draw", 1) >= 3} == {"train", "dev"}  # later draws leave the test split
    assert later == shipped  # the third to the last
    assert wg.select_draws(articles, 3) == sorted(second + third, key=lambda a: (a["date"], a["id"]))
    with pytest.raises(ValueError, match="--draws must be between 1 and"):
        wg.select_draws(articles, len(wg.LATER_DRAWS) + 2)
    assert {a["split"] for a in shipped} == set(wg.SPLITS)
    dates = {s: [a["date"] for a in shipped if a["split"] == s] for s in wg.SPLITS}
    assert max(dates["train"]) < min(dates["dev"]) and max(dates["dev"]) < min(dates["test"])
    assert wg.check(articles) == []


def test_the_gold_is_big_enough_to_measure_on():
    shipped, attrs = wg.read_gold()
    per_split = {s: sum(a["split"] == s for a in shipped) for s in wg.SPLITS}
    assert len(shipped) >= 40 and min(per_split.values()) >= 8, per_split
    split_of = {a["id"]: a["split"] for a in shipped}
    counts = {s: sum(split_of[r["id"]] == s for r in attrs) for s in wg.SPLITS}
    assert sum(counts.values()) >= 250 and counts["test"] >= 50, counts
    assert {r["quote"] for r in attrs} == set(wg.QUOTES) and any(r["resolved"] for r in attrs)


# The check-worthiness layer (docs/checkworthiness-guideline.md): one label per sentence, by offsets.

ARTS = [{"id": "X", "split": "train"}]
SOURCE = {"X": {"text": TEXT}}


def label(start: int, end: int, claim: bool = True, kind: str = "event") -> dict:
    return {"id": "X", "start": start, "end": end, "is_claim": claim, "claim_type": kind}


def test_sentence_labels_become_rows_in_text_order():
    second, first = label(76, 107, False, "not a claim"), label(15, 75, True, "prediction")
    rows = wg.convert_labels(ARTS, SOURCE, [second, first])
    assert [r["sentence"] for r in rows] == [[15, 75], [76, 107]]
    assert rows[0] == {"id": "X", "sentence": [15, 75], "is_claim": True, "claim_type": "prediction", "split": "train"}
    assert "minister" not in json.dumps(rows)


@pytest.mark.parametrize("labels, message", [
    ([label(15, 75, True, "opinion")], "claim_type 'opinion'"),
    ([label(15, 75, True, "not a claim")], "is_claim must be false"),
    ([label(15, 9999)], "outside the text"),
    ([label(15, 75), label(60, 90)], "overlap"),
    ([], "no labels for 1 article"),
    ([{**label(15, 75), "id": "Y"}], "Y: not an article of the gold"),
])
def test_bad_sentence_labels_are_refused_by_name(labels, message):
    with pytest.raises(ValueError, match=message):
        wg.convert_labels(ARTS, SOURCE, labels)


def test_every_gold_sentence_has_a_check_worthiness_label():
    shipped, _ = wg.read_gold()
    labels = wg.read_labels()
    assert {r["id"] for r in labels} == {a["id"] for a in shipped}
    split_of = {a["id"]: a["split"] for a in shipped}
    assert all(r["split"] == split_of[r["id"]] for r in labels)
    per_split = {s: [r["is_claim"] for r in labels if r["split"] == s] for s in wg.SPLITS}
    assert len(labels) >= 1000 and all(0.3 < sum(v) / len(v) < 0.9 for v in per_split.values()), per_split
    assert {r["claim_type"] for r in labels} >= {"event", "quantity", "not a claim"}


def test_pick_reads_splits_and_draws():
    arts = [{"id": "a", "split": "train"}, {"id": "b", "split": "dev", "draw": 3}, {"id": "c", "split": "test", "draw": 2}]
    assert [a["id"] for a in wg.pick(arts, "train+dev")] == ["a", "b"]
    assert [a["id"] for a in wg.pick(arts, "draw3")] == ["b"]
    assert [a["id"] for a in wg.pick(arts, "all")] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="draw3"):
        wg.pick(arts, "holdout")
