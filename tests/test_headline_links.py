"""The headline-link gold and its threshold rule (claims.research.headline_links)."""
import numpy as np
import pytest

from claims.research import headline_links as hl


ARTICLES = {"A1": {"id": "A1", "title": "Mayor resigns", "text": "The mayor resigned on Monday. It rained."}}
PAIRS = [{"pair": "A1:1", "id": "A1", "date": "2005-01-01", "split": "train", "rank": 1, "title": "Mayor resigns",
          "sentence": "The mayor resigned on Monday.", "start": 0, "end": 29}]


def test_convert_ships_offsets_and_labels_only():
    rows = hl.convert(PAIRS, [{"pair": "A1:1", "restates": True}], ARTICLES)
    assert rows == [{"id": "A1", "date": "2005-01-01", "split": "train", "rank": 1, "sentence": [0, 29], "restates": True}]
    assert "Mayor" not in str(rows)


@pytest.mark.parametrize("label, message", [
    ({"pair": "B9:1", "restates": True}, "unknown pair"),
    ({"pair": "A1:1", "restates": "yes"}, "true or false"),
])
def test_convert_refuses_bad_labels(label, message):
    with pytest.raises(ValueError, match=message):
        hl.convert(PAIRS, [label], ARTICLES)


def test_convert_refuses_a_sentence_that_moved():
    moved = {"A1": {**ARTICLES["A1"], "text": "Earlier: " + ARTICLES["A1"]["text"]}}
    with pytest.raises(ValueError, match="not at its offsets"):
        hl.convert(PAIRS, [{"pair": "A1:1", "restates": True}], moved)


def test_pick_takes_the_middle_of_the_best_plateau():
    y = np.array([True, True, False, False])
    s = np.array([0.90, 0.80, 0.50, 0.40])
    t = hl.pick(y, s)
    assert 0.50 < t <= 0.80  # every threshold in (0.50, 0.80] separates them; the middle is chosen
    assert abs(t - 0.655) <= 0.01


def test_choose_reports_out_of_fold_figures_and_leaves_test_alone():
    rows, sims = [], []
    for i in range(40):
        split = "test" if i >= 30 else "train"
        for rank, (restates, sim) in enumerate(((True, 0.8), (False, 0.4)), 1):
            rows.append({"id": f"A{i}", "date": f"2005-01-{i + 1:02d}", "split": split, "rank": rank, "restates": restates})
            sims.append(sim)
    sims = np.array(sims)
    result = hl.choose(rows, sims)
    assert result["pairs"] == 60 and result["articles"] == 30 and result["restates"] == 30
    assert result["out_of_fold"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert 0.4 < result["chosen"] <= 0.8 and len(result["fold_thresholds"]) == 5
    sims[-1] = 0.9  # a test negative above the threshold: only the test figure sees it
    assert hl.choose(rows, sims) == result
    assert hl.score_test(rows, sims, result["chosen"])["precision"] < 1.0


def test_the_shipped_gold_has_both_answers_in_every_split():
    rows = hl.read()
    for split in ("train", "dev", "test"):
        part = [r for r in rows if r["split"] == split]
        assert part and any(r["restates"] for r in part) and not all(r["restates"] for r in part)
    assert all(set(r) == {"id", "date", "split", "rank", "sentence", "restates"} for r in rows)
