"""Agreement between two annotators of the Wikinews gold (claims/research/agreement.py): kappa, the label
figures with their intervals, and a second annotation read from notes and scored like the extractor."""
from __future__ import annotations

import json

import pytest
from conftest import SHARED, need_shared

from claims.research import agreement as ag
from claims.research import eval_spans as es
from claims.research.wikinews_gold import read_articles, read_gold

WIKINEWS = SHARED / "data" / "wikinews" / "articles.jsonl"


def test_kappa_is_one_for_the_same_labels_and_zero_for_chance():
    same = [(True, True), (False, False)] * 5
    assert ag.kappa(same) == pytest.approx(1.0)
    independent = [(True, True), (True, False), (False, True), (False, False)] * 5
    assert ag.kappa(independent) == pytest.approx(0.0)
    assert ag.kappa([(True, False), (False, True)] * 5) < 0  # worse than chance


def test_label_figures_count_the_second_labelling_against_the_first():
    per_article = {"A": [(True, True), (True, False), (False, False)], "B": [(False, True), (True, True)]}
    out = ag.label_figures(per_article, reps=200)
    assert (out["units"], out["gold claims"], out["second claims"]) == (5, 3, 3)
    assert out["precision"] == pytest.approx(2 / 3, abs=1e-4) and out["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert out["agreement"] == pytest.approx(0.6)
    lo, hi = out["interval"]["agreement"]
    assert lo <= out["agreement"] <= hi


def _as_note(aid: str, text: str, records: list[dict]) -> dict:
    cut = lambda span: text[span[0]:span[1]]  # noqa: E731
    return {"id": aid, "annotator": "test", "attributions": [
        {"sentence": cut(r["sentence"]), "source": cut(r["source"]), "cue": cut(r["cue"]),
         "content": [cut(c) for c in r["content"]], "quote": r["quote"], "source_type": r["source_type"],
         "resolved": cut(r["resolved"]) if r["resolved"] else "",
         "sentence_occurrence": text[:r["sentence"][0]].count(cut(r["sentence"])) + 1,
         "source_occurrence": cut(r["sentence"])[:r["source"][0] - r["sentence"][0]].count(cut(r["source"])) + 1,
         "cue_occurrence": cut(r["sentence"])[:r["cue"][0] - r["sentence"][0]].count(cut(r["cue"])) + 1}
        for r in records]}


def test_a_second_annotation_identical_to_the_gold_agrees_fully(tmp_path):
    texts = {k: v["text"] for k, v in read_articles(need_shared(WIKINEWS)).items()}
    arts, attrs = read_gold()
    aid = next(a["id"] for a in arts if a["split"] == "train" and sum(r["id"] == a["id"] for r in attrs) >= 3)
    mine = [r for r in attrs if r["id"] == aid]
    (tmp_path / f"{aid}.json").write_text(json.dumps(_as_note(aid, texts[aid], mine)))
    second, labels = ag.read_notes([tmp_path], {aid: texts[aid]})
    assert labels == [] and len(second[aid]) == len(mine)
    gold = {aid: [es.gold_view(r, texts[aid]) for r in mine]}
    other = {aid: [es.gold_view(r, texts[aid]) for r in second[aid]]}
    assert es.score(gold, other)["metrics"]["pair_lenient"]["f1"] == 1.0
    other[aid] = other[aid][1:]  # one attribution left out: recall drops, precision stays
    m = es.score(gold, other)["metrics"]["pair_lenient"]
    assert m["precision"] == 1.0 and m["recall"] == pytest.approx((len(mine) - 1) / len(mine), abs=1e-4)


def test_a_note_on_an_article_outside_train_and_dev_is_refused(tmp_path):
    (tmp_path / "ID0.json").write_text(json.dumps({"id": "ID0", "attributions": []}))
    with pytest.raises(SystemExit, match="not an article of the gold's train or dev split"):
        ag.read_notes([tmp_path], {})
