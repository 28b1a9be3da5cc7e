"""The matching recipe's cross-validation: folds that keep twins together, small archives, the choosing rule."""
from __future__ import annotations

import numpy as np
from click.testing import CliRunner

from claims.cli import main
from claims.research import cv_match
from claims.research.cv_match import Pool, Variant, cross_validate, fact_check_folds, format_cv, small_archives


def test_queries_sharing_a_fact_check_share_a_fold_and_folds_are_balanced():
    relevant = [{i % 40} for i in range(200)] + [{100, 3}]  # the last one joins fact-checks 3 and 100
    fold = fact_check_folds(relevant, k=5)
    for a in range(len(relevant)):
        for b in range(a):
            if relevant[a] & relevant[b]:
                assert fold[a] == fold[b]
    sizes = np.bincount(fold, minlength=5)
    assert sizes.sum() == 201 and sizes.max() - sizes.min() <= 6
    assert (fact_check_folds(relevant, k=5) == fold).all()  # the same every run


def test_small_archives_keep_the_size_and_the_right_check_in_half():
    relevant = [{i} for i in range(40)]
    gone = small_archives(1000, relevant, 25)
    kept = [1000 - len(g) for g in gone]
    assert kept == [25] * 40
    with_right = sum(1 for g, rel in zip(gone, relevant) if not rel & g)
    assert with_right == 20


def _pool(scores_right: float, n: int = 5) -> Pool:
    y = np.zeros(n, dtype=np.int8)
    y[0] = 1
    dense = np.linspace(0.5, 0.4, n)
    dense[0] = scores_right
    return Pool(np.arange(n), np.zeros((n, 1)), y, dense, np.zeros(n), np.zeros(2, dtype=np.float32),
                {"undated": np.zeros((n, 1)), "dated": np.zeros((n, 1))})


def test_the_rule_takes_only_variants_at_or_above_fusion_in_every_fold():
    relevant = [{i} for i in range(50)]
    pools = {"usual": [_pool(0.6 if i % 2 else 0.3) for i in range(50)]}  # fusion gets half of them right
    for i, p in enumerate(pools["usual"]):
        p.extra["i"] = i
    fold = fact_check_folds(relevant, k=5)
    perfect = Variant("always right", "logistic", lambda tr, te, v: [p.y.astype(float) for p in te])
    bad_fold = Variant("wrong in fold 1", "logistic", lambda tr, te, v: [
        (-p.y if fold[p.extra["i"]] == 0 else p.y).astype(float) for p in te])
    base = next(v for v in cv_match.VARIANTS if v.name == cv_match.BASELINE)
    report = cross_validate(pools, relevant, np.zeros((5, 2)), variants=(base, perfect, bad_fold), k=5,
                            progress=lambda line: None)
    assert report["map@5"]["always right"] == [1.0] * 5
    assert report["qualify"] == ["always right"] and report["chosen"] == "always right"
    text = format_cv(report)
    assert "chosen by the rule: always right" in text and "worst fold" in text


def test_eval_match_needs_files_or_cv():
    result = CliRunner().invoke(main, ["eval", "match", "--no-dates"])
    assert result.exit_code != 0 and "--cv FOLDER" in result.output


def test_the_shipped_mean_of_logistic_and_listwise_is_one_calibrated_linear_model():
    """Round 5: the mean of the two scores is folded into one weight vector and turned back into a probability."""
    from claims.research.train_match import fit

    rng = np.random.default_rng(0)
    Xs, ys = [], []
    for _ in range(60):
        X = rng.normal(size=(8, 4))
        y = np.zeros(8, dtype=np.int8)
        y[int(np.argmax(X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=8)))] = 1
        Xs.append(X)
        ys.append(y)
    w, b, mean, std = fit(Xs, ys)
    wl, bl, _, _ = fit(Xs, ys, recipe="logistic")
    X, y = np.vstack(Xs), np.concatenate(ys)
    p = 1 / (1 + np.exp(-(b + ((X - mean) / std) @ w)))
    assert abs(p.mean() - y.mean()) < 0.01  # calibrated on its rows (Platt)
    assert w[0] > w[1] > 0 and abs(w[2]) < w[1]  # it reads what decides
    assert not np.allclose(w / np.linalg.norm(w), wl / np.linalg.norm(wl))  # not the logistic model alone
