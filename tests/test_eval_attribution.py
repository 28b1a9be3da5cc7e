"""`claims eval attribution`: the matching and metrics, the labelled samples it reads, and the measured floors."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from claims.research import eval_attribution as ev
from claims.cli import main
from core.errors import NoGold
from claims.pipeline.types import CLAIM_TYPES, NOT_A_CLAIM, Attribution

ROOT = Path(__file__).resolve().parents[1]
GOLD, ARTICLES = ROOT / "samples" / "gold", ROOT / "samples" / "articles"
SOURCE_TYPES = {"person", "organisation", "document", "anonymous", "group", "pronoun"}


def said(source: str, cue: str = "said") -> Attribution:
    return Attribution(source, cue, "content", "reported")


def gold(source: str, cue: str = "said") -> dict:
    return {"source": source, "cue": cue, "content": "content", "quote": "reported", "source_type": "person",
            "resolved": ""}


# ---- Matching and metrics ---------------------------------------------------------------------------


def test_lenient_source_needs_half_of_the_gold_tokens_case_insensitive():
    assert ev.source_lenient("Andrade", "Celia Andrade")  # 1 of 2
    assert ev.source_lenient("he", "He") and ev.source_exact("he", "He")
    assert not ev.source_lenient("the authority", "the Port Ellery Transit Authority")  # 2 of 5
    assert ev.source_lenient("Celia Andrade, the chief executive", "Celia Andrade, the authority’s chief executive")
    assert not ev.source_lenient("the mayor", "Tom Reyes")
    assert ev.cue_match("According to", "according to") and not ev.cue_match("says", "said")


def test_exact_and_lenient_differ_only_in_the_source():
    counts = ev.score_sentence([gold("Celia Andrade, the authority’s chief executive")],
                               [said("Celia Andrade, the authority’s chief executive, at a board meeting")])
    assert counts["source_exact"] == counts["pair_exact"] == ev.Counts(0, 1, 1)
    assert counts["source_lenient"] == counts["pair_lenient"] == counts["cue"] == ev.Counts(1, 0, 0)


def test_a_right_source_with_the_wrong_cue_is_no_pair():
    counts = ev.score_sentence([gold("Holm", "says")], [said("Holm", "said")])
    assert counts["source_exact"].tp == 1 and counts["cue"].tp == 0 and counts["pair_lenient"] == ev.Counts(0, 1, 1)


def test_two_attributions_in_a_sentence_pair_up_in_any_order():
    g = [gold("Grain traders", "expect"), gold("the Norland Bakers’ Federation")]
    counts = ev.score_sentence(g, [said("the Norland Bakers’ Federation"), said("Grain traders", "expect")])
    assert counts["pair_exact"] == ev.Counts(2, 0, 0)
    counts = ev.score_sentence(g, [said("the Norland Bakers’ Federation"), said("the turbines", "estimated")])
    assert counts["pair_exact"] == ev.Counts(1, 1, 1)


def test_pairing_is_greedy_gold_in_order():
    # "Tom Reyes" takes the first lenient match ("Reyes"), leaving "Reyes" with only "Tom": one pair, not two
    g, p = [gold("Tom Reyes"), gold("Reyes")], [said("Reyes"), said("Tom")]
    assert ev.match(g, p, ev.SAME["pair_lenient"]) == [(0, 0)]
    assert ev.score_sentence(g, p)["pair_lenient"] == ev.Counts(1, 1, 1)


def test_counts_give_precision_recall_f1():
    m = ev.Counts(tp=8, fp=2, fn=8).as_dict()
    assert (m["precision"], m["recall"], m["f1"]) == (0.8, 0.5, 0.6154)
    assert ev.Counts().as_dict()["f1"] == 0.0


def test_score_aligns_by_text_and_counts_what_does_not_align():
    rows = [{"text": "Prices rose, she said.", "attributions": [gold("she")]},
            {"text": "Nothing here.", "attributions": []},
            {"text": "A. B.", "attributions": [gold("Kim")]}]
    predicted = [("Prices rose, she said.", (said("she"),)), ("Nothing here.", (said("Nothing"),)),
                 ("A.", ()), ("B.", (said("Kim"),))]
    result = ev.score({"doc": rows}, {"doc": predicted})
    assert result["metrics"]["pair_exact"] == {"tp": 1, "fp": 2, "fn": 1, "precision": 0.3333, "recall": 0.5,
                                               "f1": 0.4}
    a = result["alignment"]
    assert (a["gold rows"], a["gold rows not found"], a["gold attributions on rows not found"]) == (3, 1, 1)
    assert (a["predicted sentences not in gold"], a["predicted attributions on sentences not in gold"]) == (2, 1)
    assert a["false alarms on sentences without attributions"] == 1
    assert result["recall_by_form"]["source_type"]["person"] == {"gold": 2, "found": 1, "recall": 0.5}
    assert [m["text"] for m in result["mismatches"]] == ["Nothing here.", "A. B.", "B."]


def test_forms_are_read_off_the_gold():
    g = {**gold("the Port Ellery Chamber of Commerce", "according to"), "resolved": ""}
    f = ev.forms(g, "It is the largest project, according to the Port Ellery Chamber of Commerce.", 1)
    assert (f["cue_kind"], f["order"], f["reference"]) == ("preposition", "source after cue", "first mention")
    assert ev.cue_kind(":") == "colon" and ev.cue_kind("claim") == "noun" and ev.cue_kind("recommendation") == "noun"
    assert ev.cue_kind("said") == "verb"


def test_splits_pick_files_by_their_number(tmp_path):
    dev, heldout, fresh, every = (ev.gold_files(GOLD, s) for s in ("dev", "heldout", "fresh", "all"))
    assert [p.name[:2] for p in dev] == [f"{n:02d}" for n in range(1, 13)]
    assert [p.name[:2] for p in heldout] == [f"{n:02d}" for n in range(13, 21)]
    assert [p.name[:2] for p in fresh] == [f"{n:02d}" for n in range(21, 26)]
    assert every == dev + heldout + fresh
    assert ev.gold_files(dev[0], "heldout") == [dev[0]]  # one file: the split does not apply
    with pytest.raises(NoGold, match="--gold"):
        ev.gold_files(tmp_path, "dev")
    with pytest.raises(NoGold, match="--articles"):
        ev.evaluate_attribution(dev[:1], tmp_path)


def test_cli_prints_the_table_and_writes_json(tmp_path, monkeypatch):
    """The command's wiring, with the gold itself as the prediction (no model)."""
    def perfect(texts):
        return {name: [(r["text"], tuple(Attribution(**a) for a in r["attributions"]))
                       for r in ev.read_gold(GOLD / f"{name}.jsonl")] for name in texts}

    monkeypatch.setattr(ev, "predict", perfect)
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["eval", "attribution", "--split", "heldout", "--json-out", str(out)])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0].startswith("attribution (heldout): 8 articles")
    assert re.match(r"pair lenient\s+1\.000\s+1\.000\s+1\.000", lines[8]), lines[8]
    assert re.match(r"content exact\s+1\.000\s+1\.000\s+1\.000", lines[5]), lines[5]
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["split"] == "heldout" and saved["metrics"]["pair_exact"]["fn"] == 0 and not saved["mismatches"]
    res = CliRunner().invoke(main, ["eval", "attribution", "--gold", str(tmp_path)])
    assert res.exit_code == 1 and res.output.startswith("Error: no gold files")


# ---- The labelled samples (samples/GUIDELINE.md) ------------------------------------------------------


@pytest.mark.parametrize("path", sorted(GOLD.glob("*.jsonl")), ids=lambda p: p.stem)
def test_gold_file_follows_the_guideline(path):
    article = (ARTICLES / f"{path.stem}.txt").read_text(encoding="utf-8")
    rows = ev.read_gold(path)
    assert rows[0]["headline"] and not any(r["headline"] for r in rows[1:])
    pos = 0
    for r in rows:
        assert set(r) == {"text", "is_claim", "claim_type", "furniture", "headline", "attributions"}
        at = article.find(r["text"], pos)
        assert r["text"] and at >= 0, f"not in the article after the unit before: {r['text']!r}"
        assert r["claim_type"] in CLAIM_TYPES + (NOT_A_CLAIM,)
        assert r["is_claim"] == (r["claim_type"] != NOT_A_CLAIM)
        if r["furniture"]:
            assert not r["is_claim"] and not r["attributions"] and not r["headline"]
        for a in r["attributions"]:
            assert set(a) == {"source", "cue", "content", "quote", "source_type", "resolved"}
            assert a["quote"] in ("direct", "reported") and a["source_type"] in SOURCE_TYPES
            assert a["source"] in r["text"] and a["cue"] in r["text"]
            words = set(re.findall(r"\w+", r["text"]))
            assert set(re.findall(r"\w+", a["content"])) <= words, a["content"]
            assert not a["resolved"] or a["resolved"] in article[:at + r["text"].find(a["source"])], a["resolved"]
            assert a["resolved"] or a["source_type"] != "pronoun"
        pos = at + len(r["text"])
    assert not article[pos:].strip(), "article text after the last gold unit"


def test_the_samples_hold_enough_attributions_and_a_held_back_part():
    count = {s: sum(len(r["attributions"]) for p in ev.gold_files(GOLD, s) for r in ev.read_gold(p))
             for s in ev.SPLITS}
    assert count["dev"] == 186 and count["heldout"] >= 150 and count["dev"] + count["heldout"] >= 320
    assert count["fresh"] >= 60  # political news, labelled before the extractor ran on it


# ---- Measured on the real parse (floors: the figures of 2026-11-27 less a margin) -------------------------
# Training figures, all three: the rules were written on the dev articles, and the held-back and fresh
# articles' misses were read and turned into rules too. They guard against regressions on what the rules were
# built from; they do not say how attribution does on news nobody has read (the attribution issue's
# real-news test split does).


@pytest.mark.slow
def test_dev_split_training_floor():
    m = ev.evaluate_attribution(ev.gold_files(GOLD, "dev"), ARTICLES)["metrics"]["pair_lenient"]
    assert m["f1"] >= 0.97 and m["precision"] >= 0.97, m  # measured 0.992, precision 0.989


@pytest.mark.slow
def test_fresh_split_training_floor():
    """Political news labelled before the extractor ran on it, but whose misses were then mined for rules."""
    m = ev.evaluate_attribution(ev.gold_files(GOLD, "fresh"), ARTICLES)["metrics"]["pair_lenient"]
    assert m["f1"] >= 0.85 and m["precision"] >= 0.92, m  # measured 2026-11-27: 0.966, precision 1.000


@pytest.mark.slow
def test_heldout_split_training_floor():
    m = ev.evaluate_attribution(ev.gold_files(GOLD, "heldout"), ARTICLES)["metrics"]["pair_lenient"]
    assert m["f1"] >= 0.92 and m["precision"] >= 0.95, m  # measured 2026-11-27: 0.964, precision 0.987


def test_content_exact_wants_the_same_words_in_order_and_lenient_half_of_them():
    assert ev.content_exact("“the plan will fail,”", "The plan will fail")
    assert not ev.content_exact("fail will the plan", "the plan will fail")
    assert not ev.content_exact("the plan", "the plan will fail") and ev.content_lenient("the plan", "the plan will fail")
    assert not ev.content_lenient("a different thing", "the plan will fail") and not ev.content_exact("", "")
