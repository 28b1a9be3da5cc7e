"""Fit the stored-claim calibration (`claims.matching.calibrate`); writes `claims/data/claim_similarity.json`.

    python -m claims.research.train_claim_similarity --data ../shared/data/checkthat2022_2a

Pairs: every CheckThat! 2022 2A train + dev tweet (1,196) and the 10 other tweets nearest to it by MiniLM
cosine, as the Claim page lists a claim's nearest stored claims; a pair states the same claim when both
tweets repeat the same Snopes check. The probability is thus that of a listed neighbour, not of any pair.
A logistic regression over (cosine, numbers differ, negation on one side only) is scored out of fold (five
folds by fact-check, as `claims.research.cv_match` folds) for its calibration (Brier score, and each band's
precision at the reranker's thresholds), then fitted on all pairs.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import numpy as np

from claims.matching.calibrate import ClaimCalibration, pair_features
from claims.matching.match import encode_cached, query_text
from claims.matching.rerank import Reranker
from claims.research.cv_match import fact_check_folds
from claims.research.eval_match import read_qrels, read_queries
from core.settings import cache_dir

NEIGHBOURS = 10


def pairs(texts, vectors, relevant, k: int = NEIGHBOURS):
    """(i, j, features, same) for each tweet i and its k nearest other tweets j."""
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -2.0)
    out = []
    for i in range(len(texts)):
        for j in np.argsort(-sims[i])[:k]:
            out.append((i, int(j), pair_features(texts[i], texts[j], float(sims[i, j])),
                        bool(relevant[i] & relevant[j])))
    return out


def fit(X, y):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=1.0, max_iter=2000).fit(X, y)
    return clf.coef_[0], float(clf.intercept_[0])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="folder with the CheckThat! 2022 2A query and qrels files")
    ap.add_argument("--out", default="claims/data/claim_similarity.json")
    ap.add_argument("--cache-dir", default=str(cache_dir()), help="where embeddings are kept between runs")
    args = ap.parse_args(argv)
    data = Path(args.data)
    queries = read_queries(data / "train_dev_queries.tsv")
    qrels = {**read_qrels(data / "train_qrels.tsv"), **read_qrels(data / "dev_qrels.tsv")}
    keys = [q for q in qrels if q in queries]
    texts, relevant = [queries[q] for q in keys], [set(qrels[q]) for q in keys]

    from claims.pipeline.embed import MiniLMEmbedder

    vectors = encode_cached(MiniLMEmbedder(), [query_text(t) for t in texts], args.cache_dir)
    rows = pairs(texts, vectors, relevant)
    X = np.array([r[2] for r in rows])
    y = np.array([r[3] for r in rows], dtype=np.int64)
    fold = fact_check_folds(relevant)[[r[0] for r in rows]]
    p = np.zeros(len(rows))
    for f in np.unique(fold):
        w, b = fit(X[fold != f], y[fold != f])
        p[fold == f] = 1 / (1 + np.exp(-(X[fold == f] @ w + b)))
    reranker = Reranker.load()
    report = {"pairs": len(rows), "same_claim": int(y.sum()), "brier_out_of_fold": round(float(np.mean((p - y) ** 2)), 4),
              "brier_base_rate": round(float(np.mean((y.mean() - y) ** 2)), 4)}
    for band, lo, hi in (("match", reranker.match_threshold, 1.01),
                         ("possible", reranker.possible_threshold, reranker.match_threshold)):
        sel = (p >= lo) & (p < hi)
        report[band] = {"pairs": int(sel.sum()), "same_claim": round(float(y[sel].mean()), 4) if sel.any() else None,
                        "mean_probability": round(float(p[sel].mean()), 4) if sel.any() else None}
    bins = np.minimum((p * 10).astype(int), 9)
    report["reliability"] = [{"bin": f"{b / 10:.1f}-{(b + 1) / 10:.1f}", "pairs": int((bins == b).sum()),
                              "mean_probability": round(float(p[bins == b].mean()), 3),
                              "same_claim": round(float(y[bins == b].mean()), 3)}
                             for b in range(10) if (bins == b).any()]
    w, b = fit(X, y)
    model = ClaimCalibration(tuple(float(v) for v in w), b, meta={
        "trained": date.today().isoformat(), "data": "CLEF CheckThat! 2022 task 2A English, train + dev tweets",
        "neighbours": NEIGHBOURS, "out_of_fold": report})
    print(f"{len(rows)} pairs, {int(y.sum())} the same claim; out of fold Brier {report['brier_out_of_fold']} "
          f"(base rate {report['brier_base_rate']})")
    for band in ("match", "possible"):
        print(f"{band} band (p >= {getattr(reranker, band + '_threshold'):.3f}): {report[band]}")
    for r in report["reliability"]:
        print(f"  p {r['bin']}: {r['pairs']:>5} pairs, mean p {r['mean_probability']:.3f}, same claim {r['same_claim']:.3f}")
    print("weights: " + ", ".join(f"{n} {v:+.3f}" for n, v in zip(("cosine", "number_conflict", "negation_mismatch"), w))
          + f", bias {b:+.3f}")
    model.save(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
