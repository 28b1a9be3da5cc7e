"""Check-worthiness on the Wikinews gold (claims/research/eval_news.py): the threshold rule, its cross-validation
by article blocks, bootstrap intervals over articles, and the command on the shipped gold."""
from __future__ import annotations

import pytest
from conftest import SHARED, need_shared

from claims.research import eval_news as en


def rows(n_articles: int = 20) -> list[dict]:
    """Claims score 0.6-0.95, non-claims 0.1-0.7: the best threshold with precision >= 0.90 lies between."""
    out = []
    for a in range(n_articles):
        for k in range(10):
            label = int(k < 6)
            score = 0.6 + 0.05 * k if label else 0.1 + 0.15 * (k - 6)
            out.append({"id": f"A{a:02d}", "date": f"2007-01-{a + 1:02d}", "label": label, "score": score,
                        "predicted": score >= 0.5})
    return out


def test_the_rule_takes_the_best_f1_among_precise_thresholds():
    r = rows()
    t = en.pick([x["label"] for x in r], [x["score"] for x in r])
    assert 0.5 < t <= 0.6  # every claim kept, the 0.55 non-claims left out: precision 1.0, recall 1.0


def test_the_rule_falls_back_to_the_most_precise_threshold():
    t = en.pick([1, 0, 1, 0], [0.9, 0.95, 0.4, 0.3])  # no threshold reaches precision 0.90; 2/3 is the best
    assert 0.3 < t <= 0.4


def test_cross_validation_scores_each_fold_with_a_threshold_chosen_without_it():
    cv = en.choose_threshold(rows(), folds=5)
    assert len(cv["fold_thresholds"]) == 5 and cv["out_of_fold"]["f1"] == 1.0
    assert cv["interval"]["precision"] == [1.0, 1.0]


def test_bootstrap_intervals_hold_the_point_figure():
    r = rows()
    for x in r[:30]:
        x["predicted"] = not x["predicted"]
    iv = en.bootstrap(r, reps=300)
    assert iv["f1"][0] <= iv["f1"][1] and 0 < iv["precision"][0] < 1


@pytest.mark.slow
def test_eval_detect_measures_the_wikinews_gold(env):
    from click.testing import CliRunner

    from claims.cli import main

    wikinews = need_shared(SHARED / "data" / "wikinews" / "articles.jsonl")
    res = CliRunner().invoke(main, ["eval", "detect", "--data", "gold/wikinews", "--wikinews", str(wikinews),
                                    "--split", "dev"])
    assert res.exit_code == 0, res.output
    assert "bootstrap over 16 articles" in res.output and "detected: article" in res.output
    res = CliRunner().invoke(main, ["eval", "detect", "--data", "gold/wikinews", "--split", "dev"])
    assert res.exit_code != 0 and "--wikinews" in res.output
