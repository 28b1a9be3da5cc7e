"""Does a debate sentence's context help to rank check-worthy claims? A probe on CT24 train (issue 16, lever not yet
measured): a logistic regression over the MiniLM search vector the pipeline computes anyway, with and without the
vectors of the sentences before and after it in the debate.

    python -m claims.research.context_probe --data ../shared/data/ct24/ct24_english.tsv --out FILE.json

The rule, written before the first run (2026-12-06, fourteenth session):

* Data: CT24 train only, cut into 4 folds of consecutive sentence ids, as the detector's cross-validation cuts it.
  A sentence's neighbours are the sentences whose ids are one less and one more, from any split (their text only,
  never their labels); a missing neighbour is a zero vector.
* Variants: (a) the sentence's vector alone; (b) with its two neighbours' vectors; (c) with the mean of the two
  sentences before and the mean of the two after. Each is a logistic regression (balanced classes) whose C is
  chosen from 0.1, 1, 10 by the best mean AP over the same 4 folds, for every variant alike.
* Reading: context helps if a context variant's pooled out-of-fold average precision is at least 0.01 above (a)'s
  and it is above (a) in every fold. This is a probe: nothing ships from it. The shipped transcript detector is the
  fine-tuned teacher (CV AP 0.814); a teacher that reads context would need the GPU to train.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

C_GRID = (0.1, 1.0, 10.0)
FOLDS = 4


def neighbours(ids: np.ndarray, vectors: dict[int, np.ndarray], offsets: tuple[int, ...]) -> np.ndarray:
    """For each id, the mean of the vectors at id+o for o in `offsets` that exist (zeros where none does)."""
    dim = len(next(iter(vectors.values())))
    out = np.zeros((len(ids), dim), dtype=np.float32)
    for k, i in enumerate(ids):
        found = [vectors[i + o] for o in offsets if i + o in vectors]
        if found:
            out[k] = np.mean(found, axis=0)
    return out


def folds_by_id(ids: np.ndarray, k: int = FOLDS) -> np.ndarray:
    """k blocks of consecutive ids (as claims.research.detect_data cuts CT24 train)."""
    order = np.argsort(ids, kind="stable")
    fold = np.empty(len(ids), dtype=np.int64)
    for n, block in enumerate(np.array_split(order, k)):
        fold[block] = n
    return fold


def cross_validate(x: np.ndarray, y: np.ndarray, fold: np.ndarray) -> dict:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score

    best = None
    for c in C_GRID:
        scores = np.zeros(len(y))
        for f in range(fold.max() + 1):
            test = fold == f
            m = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(x[~test], y[~test])
            scores[test] = m.predict_proba(x[test])[:, 1]
        per_fold = [float(average_precision_score(y[fold == f], scores[fold == f])) for f in range(fold.max() + 1)]
        row = {"C": c, "ap_per_fold": [round(a, 4) for a in per_fold], "ap_mean": round(float(np.mean(per_fold)), 4),
               "ap_pooled": round(float(average_precision_score(y, scores)), 4)}
        if best is None or row["ap_mean"] > best["ap_mean"]:
            best = row
    return best


def main(argv: list[str] | None = None) -> int:
    from claims.pipeline.embed import MiniLMEmbedder
    from claims.research.detect_data import read_ct24

    ap = argparse.ArgumentParser(prog="python -m claims.research.context_probe", description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="../shared/data/ct24/ct24_english.tsv")
    ap.add_argument("--out", help="write the figures as JSON")
    args = ap.parse_args(argv)
    t0 = time.time()
    splits = read_ct24(args.data)
    texts, ids = [], []
    for t, _, i in splits.values():
        texts += list(t)
        ids += list(i)
    vecs = MiniLMEmbedder().encode(texts, batch_size=64)
    by_id = {int(i): v for i, v in zip(ids, vecs)}
    print(f"embedded {len(texts)} CT24 sentences in {time.time() - t0:.0f} s", file=sys.stderr)
    t_texts, y, t_ids = splits["train"]
    own = np.stack([by_id[int(i)] for i in t_ids])
    fold = folds_by_id(t_ids)
    variants = {
        "a: sentence alone": own,
        "b: with the sentences before and after": np.hstack([own, neighbours(t_ids, by_id, (-1,)),
                                                             neighbours(t_ids, by_id, (1,))]),
        "c: with the means of the two before and the two after": np.hstack(
            [own, neighbours(t_ids, by_id, (-2, -1)), neighbours(t_ids, by_id, (1, 2))]),
    }
    rows = {}
    for name, x in variants.items():
        rows[name] = cross_validate(x, y, fold)
        print(f"{name:<55} C {rows[name]['C']:<5} AP pooled {rows[name]['ap_pooled']:.4f} "
              f"folds {rows[name]['ap_per_fold']}", file=sys.stderr)
    base = rows["a: sentence alone"]
    verdict = {name: r["ap_pooled"] >= base["ap_pooled"] + 0.01 and all(
        a > b for a, b in zip(r["ap_per_fold"], base["ap_per_fold"])) for name, r in rows.items() if r is not base}
    print("context helps (by the rule): " + ", ".join(f"{k}: {v}" for k, v in verdict.items()))
    if args.out:
        Path(args.out).write_text(json.dumps({"rule": "pooled CV AP >= (a) + 0.01 and above (a) in every fold",
                                              "sentences": int(len(y)), "positives": int(y.sum()), "variants": rows,
                                              "context_helps": verdict}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
