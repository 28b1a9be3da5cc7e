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
    from claims.research.wikinews_gold import pick, read_gold

    n_dev = len(pick(read_gold()[0], "dev"))  # every dev article is scored and resampled
    assert f"bootstrap over {n_dev} articles" in res.output and "detected: article" in res.output
    res = CliRunner().invoke(main, ["eval", "detect", "--data", "gold/wikinews", "--split", "dev"])
    assert res.exit_code != 0 and "--wikinews" in res.output


def test_news_folds_keep_samples_round_robin_and_wikinews_in_date_blocks():
    from claims.research.detect_data import news_folds

    names = ["01-a", "02-b", "03-c", "W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8"]
    folds = news_folds(names, {f"W{i}" for i in range(1, 9)}, 4)
    assert list(folds[:3]) == [0, 1, 2]
    assert list(folds[3:]) == [0, 0, 1, 1, 2, 2, 3, 3]  # consecutive dates stay together


def test_wikinews_training_rows_are_the_gold_sentences_in_date_order():
    from claims.research.detect_data import wikinews_gold
    from claims.research.wikinews_gold import read_gold, read_labels

    path = need_shared(SHARED / "data" / "wikinews" / "articles.jsonl")
    gold = wikinews_gold(path)
    arts = {a["id"]: a for a in read_gold()[0]}
    assert {arts[i]["split"] for i in gold} == {"train", "dev"}  # never the test split
    dates = [arts[i]["date"] for i in gold]
    assert dates == sorted(dates)
    labels = [r for r in read_labels() if r["split"] != "test"]
    rows = [row for rs, _ in gold.values() for row in rs]
    assert len(rows) == len(labels) and sum(r["is_claim"] for r in rows) == sum(r["is_claim"] for r in labels)
    rows0, text0 = next(iter(gold.values()))
    assert all(r["text"] in text0 and not r["furniture"] for r in rows0)
