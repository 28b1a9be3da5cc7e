"""Train the fact-check reranker and calibrate the match decision; writes `claims/data/reranker.npz`.

    python -m claims.research.train_match --data ../shared/data/checkthat2022_2a --out claims/data/reranker.npz

Data: CLEF CheckThat! 2022 task 2A, English (Nakov et al. 2022; the 2021 edition: Shaar et al. 2021):
tweets, each repeating a claim that Snopes checked, and the archive of 14,231 checks. Train + dev (1,196
tweets) fit and calibrate the model; dev-test (202, the 2021 test set) is scored once, at the end. Tweet ids
are keyed by file and id together, as the data's SOURCE.md asks.

The recipe is the one `claims eval match --cv` chose under the rule in `claims.research.cv_match` (2026-12-05):
1. Candidates per tweet: the top 50 by MiniLM cosine and the top 50 by BM25 over claim + headline, pooled
   (`claims.matching.match`); a tweet of several sentences also gets its best sentence's cosine with each
   candidate's claim and headline.
2. A logistic regression (C = 1) over `claims.matching.rerank.FEATURE_NAMES`, one row per (tweet, candidate),
   every tweet twice: with dates (the tweet's signature, the checks' dates) and without any, and its candidates
   from random archives of 25 and 300 checks (round 4). Since round 5 (2026-12-06) its score is averaged with a
   listwise model's over the same rows and calibrated back into a probability (`fit`, recipe "mean").
3. Thresholds from out-of-fold probabilities (the same five folds by fact-check as the CV). Each tweet gives
   two top results: one from the full archive, and one from the archive without its right fact-check(s)
   (then any top result is wrong; this stands in for the claims that were never checked). `match` is the
   lowest probability from which the top results are right at least `--precision` (0.9) of the time on that
   half-and-half mix, with dates and without (the higher of the two thresholds); `possible` the same for
   `--possible-precision` (0.6).
4. Printed: MAP@5, recall@1 and MRR on dev-test for dense only, BM25 only, fused and reranked, with and
   without dates, MAP@5 with a bootstrap interval over tweets; the same figures are stored in the file's
   `meta`. Dev-test is scored once per shipped model: do not rerun it to tune anything.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from claims.research.cv_match import (BASE_WEIGHT, SEED, SMALL_SIZES, build_pools, fact_check_folds,
                                      listwise_weights, small_archives)
from claims.research.eval_match import METHODS, rank_all, ranking_metrics, read_qrels, read_queries, read_vclaims
from claims.matching.match import DEPTH, MemoryArchive, encode_cached, query_text, sentence_vectors
from core.settings import cache_dir
from claims.matching.rerank import FEATURE_NAMES, Reranker

C = 1.0
BOOTSTRAP = 2000


@dataclass
class Split:
    name: str
    texts: list[str]
    relevant: list[set[int]]  # archive positions
    vectors: np.ndarray | None = None
    sentences: list | None = None


def load_splits(data: Path, positions: dict[str, int]) -> dict[str, Split]:
    """`fit` (train + dev) and `devtest`, each query keyed by its file and id."""
    train_dev = read_queries(data / "train_dev_queries.tsv")
    qrels = {**read_qrels(data / "train_qrels.tsv"), **read_qrels(data / "dev_qrels.tsv")}
    devtest, devtest_qrels = read_queries(data / "devtest_queries.tsv"), read_qrels(data / "devtest_qrels.tsv")
    out = {}
    for name, queries, rels in (("fit", train_dev, qrels), ("devtest", devtest, devtest_qrels)):
        keys = [q for q in rels if q in queries]
        out[name] = Split(name, [queries[q] for q in keys],
                          [{positions[d] for d in rels[q] if d in positions} for q in keys])
    return out


def fit(Xs, ys, C: float = C, recipe: str = "mean"):
    """(weights, bias, mean, std) of p = sigmoid(bias + w . (x - mean) / std).

    recipe "logistic": a logistic regression. "mean" (round 5 of `claims.research.cv_match`): the mean of that
    regression's score and a listwise model's, each divided by its spread over the training rows; both are
    linear in the standardised features, so their mean is one weight vector, which a one-feature logistic
    regression on the same rows (Platt scaling) turns back into a probability."""
    from sklearn.linear_model import LogisticRegression

    X, y = np.vstack(Xs), np.concatenate(ys)
    mean, std = X.mean(axis=0), X.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    Z = (X - mean) / std
    clf = LogisticRegression(C=C, max_iter=5000, solver="lbfgs")
    clf.fit(Z, y)
    w, b = clf.coef_[0], float(clf.intercept_[0])
    if recipe == "logistic":
        return w, b, mean, std
    wl, lmean, lstd = listwise_weights(Xs, ys)
    assert np.allclose(lmean, mean) and np.allclose(lstd, std)  # the same rows, standardised the same way
    sl, sw = float(np.std(Z @ w + b)) or 1.0, float(np.std(Z @ wl)) or 1.0
    w, b = w / sl + wl / sw, b / sl
    platt = LogisticRegression(C=1e6, max_iter=5000).fit((Z @ w + b)[:, None], y)
    a, c = float(platt.coef_[0][0]), float(platt.intercept_[0])
    return a * w, a * b + c, mean, std


def _rows(pools, kinds=("undated", "dated")):
    """Feature rows and labels of the pools, each kind (dated, undated) in turn, with their small-archive pools."""
    every = [*pools, *(q for p in pools for q in p.extra.get("small", ()))]
    return [p.extra[k] for k in kinds for p in every], [p.y for _ in kinds for p in every]


# --------------------------------------------------------------------------------------------- thresholds
def precision_threshold(p: np.ndarray, right: np.ndarray, target: float) -> tuple[float, float, int]:
    """The lowest p from which every higher cut keeps precision >= target: (threshold, precision, n above)."""
    order = np.argsort(-p)
    ps, ok = p[order], right[order].astype(float)
    prec = np.cumsum(ok) / np.arange(1, len(ok) + 1)
    good = prec >= target
    # the deepest position whose precision, and that of every cut above it, reaches the target
    bad = np.where(~good)[0]
    last = (bad[0] - 1) if len(bad) else len(ps) - 1
    if last < 0:
        return 1.0, float("nan"), 0
    # cut midway between this score and the next lower one, so ties stay together
    nxt = ps[last + 1] if last + 1 < len(ps) else 0.0
    thr = float((ps[last] + nxt) / 2)
    sel = p >= thr
    return round(thr, 4), round(float(right[sel].mean()), 4), int(sel.sum())


def out_of_fold_tops(pools, gone, fold, kind: str, kinds=("undated", "dated")) -> tuple[np.ndarray, np.ndarray]:
    """Top-1 probability and rightness of every tweet, full archive then without its right checks, each from
    a model fitted on the other folds."""
    p_full, r_full, p_gone = np.zeros(len(pools)), np.zeros(len(pools), dtype=bool), np.zeros(len(pools))
    for f in np.unique(fold):
        Xs, ys = _rows([p for p, g in zip(pools, fold) if g != f], kinds)
        w, b, mean, std = fit(Xs, ys)
        for i in np.where(fold == f)[0]:
            for target, pool in (("full", pools[i]), ("gone", gone[i])):
                prob = 1 / (1 + np.exp(-(((pool.extra[kind] - mean) / std) @ w + b)))
                j = int(np.argmax(prob)) if len(prob) else -1
                top = float(prob[j]) if j >= 0 else 0.0
                if target == "full":
                    p_full[i], r_full[i] = top, bool(j >= 0 and pool.y[j])
                else:
                    p_gone[i] = top
    return np.concatenate([p_full, p_gone]), np.concatenate([r_full, np.zeros(len(pools), dtype=bool)])


def bootstrap_map(rankings, relevant, n: int = BOOTSTRAP, seed: int = SEED) -> list[float]:
    """A 95% interval of MAP@5 from resampling the queries."""
    from claims.research.eval_match import average_precision

    aps = np.array([average_precision(r, rel, 5) for r, rel in zip(rankings, relevant)])
    rng = np.random.default_rng(seed)
    means = aps[rng.integers(0, len(aps), size=(n, len(aps)))].mean(axis=1)
    return [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)]


# --------------------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="folder with vclaims.jsonl and the query and qrels files")
    ap.add_argument("--out", default="claims/data/reranker.npz")
    ap.add_argument("--precision", type=float, default=0.9, help="precision the match threshold aims at")
    ap.add_argument("--possible-precision", type=float, default=0.6,
                    help="precision the possible-match threshold aims at")
    ap.add_argument("--cache-dir", default=str(cache_dir()), help="where embeddings are kept between runs")
    ap.add_argument("--dates", action=argparse.BooleanOptionalAction, default=True,
                    help="train on every tweet with dates as well as without (--no-dates: without only)")
    ap.add_argument("--small-archives", action=argparse.BooleanOptionalAction, default=True,
                    help="also train on each tweet's candidates from random archives of 25 and 300 checks")
    ap.add_argument("--no-test", dest="test", action="store_false",
                    help="do not score dev-test (for trying things: dev-test is scored once per shipped model)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    data = Path(args.data)
    records = read_vclaims(data / "vclaims.jsonl")
    positions = {r["id"]: i for i, r in enumerate(records)}
    splits = load_splits(data, positions)
    print(f"archive {len(records)}; queries " + ", ".join(f"{s.name} {len(s.texts)}" for s in splits.values()),
          flush=True)

    from claims.pipeline.embed import MiniLMEmbedder

    embedder = MiniLMEmbedder()
    archive = MemoryArchive.build(records, embedder, cache_dir=args.cache_dir)
    for s in splits.values():
        s.vectors = encode_cached(embedder, [query_text(t) for t in s.texts], args.cache_dir)
        s.sentences = sentence_vectors(embedder, s.texts, args.cache_dir)
    t_embed = time.perf_counter()
    print(f"embedded and indexed in {t_embed - t0:.0f}s", flush=True)

    tr = splits["fit"]
    pools = build_pools(archive, tr.texts, tr.vectors, tr.relevant, tr.sentences)
    gone = build_pools(archive, tr.texts, tr.vectors, tr.relevant, tr.sentences, exclude_relevant=True)
    if args.small_archives:
        small = [build_pools(archive, tr.texts, tr.vectors, tr.relevant, tr.sentences,
                             excludes=small_archives(len(archive), tr.relevant, size)) for size in SMALL_SIZES]
        for n, p in enumerate(pools):
            p.extra["small"] = [s[n] for s in small]
    found = np.mean([p.y.any() for p in pools])
    print(f"train + dev: a right fact-check is among the candidates for {found:.1%} of the tweets", flush=True)
    kinds = ("undated", "dated") if args.dates else ("undated",)
    w, b, mean, std = fit(*_rows(pools, kinds))
    t_fit = time.perf_counter()

    # thresholds on out-of-fold probabilities
    fold = fact_check_folds(tr.relevant)
    thresholds = {}
    for kind in ("dated", "undated"):
        p, right = out_of_fold_tops(pools, gone, fold, kind, kinds)
        thresholds[kind] = {"match": precision_threshold(p, right, args.precision),
                            "possible": precision_threshold(p, right, args.possible_precision)}
        print(f"out-of-fold thresholds ({kind}): " + "; ".join(
            f"{k} p >= {t} (precision {pr}, {n} of {len(p)} top results)" for k, (t, pr, n) in
            thresholds[kind].items()), flush=True)
    match_t = max(t["match"][0] for t in thresholds.values())
    possible_t = min(max(t["possible"][0] for t in thresholds.values()), match_t)
    model = Reranker(w, b, mean, std, fusion_weight=BASE_WEIGHT, match_threshold=match_t,
                     possible_threshold=possible_t)

    # dev-test, once
    dt = splits["devtest"]
    figures, intervals = {}, {}
    for dates in ((True, False) if args.test else ()):
        ranked = rank_all(archive, dt.texts, dt.vectors, model, use_dates=dates, sentences=dt.sentences)
        for m in METHODS:
            if m != "reranked" and not dates:
                continue
            label = m if m != "reranked" else ("reranked" if dates else "reranked, no dates")
            figures[label] = ranking_metrics(ranked[m], dt.relevant)
            intervals[label] = bootstrap_map(ranked[m], dt.relevant)
    t_end = time.perf_counter()
    if args.test:
        print(f"\ndev-test, scored once ({len(dt.texts)} tweets)")
        print(f"{'method':<20} {'MAP@5':>7} {'95% interval':>16} {'R@1':>7} {'MRR':>7}")
    for label, f in figures.items():
        lo, hi = intervals[label]
        print(f"{label:<20} {f['map@5']:>7.4f} {f'[{lo:.4f}, {hi:.4f}]':>16} {f['recall@1']:>7.4f} {f['mrr']:>7.4f}")
    print(f"\nmatch at p >= {match_t} (aims at precision {args.precision} out of fold, half the tweets without their "
          f"fact-check); possible match at p >= {possible_t} (aims at {args.possible_precision})")
    print(f"time: {t_end - t0:.0f}s in all, {t_embed - t0:.0f}s embedding and indexing, "
          f"{t_fit - t_embed:.0f}s candidates and fitting")
    print("weights (standardised features): " + ", ".join(f"{n} {v:+.2f}" for n, v in zip(FEATURE_NAMES, w)))

    meta = {
        "trained": date.today().isoformat(),
        "data": "CLEF CheckThat! 2022 task 2A English (train + dev; dev-test scored once)",
        "recipe": "mean of logistic and listwise (round 5), sentence cosines, dated rows too"
                  + (", small archives" if args.small_archives else "") + " (claims.research.cv_match)",
        "model": embedder.name, "depth": DEPTH, "C": C, "fusion_weight": BASE_WEIGHT,
        "target_precision": args.precision, "possible_precision": args.possible_precision,
        "thresholds_out_of_fold": thresholds, "devtest": figures, "devtest_map5_interval": intervals,
        "seconds": round(t_end - t0, 1),
    }
    model.meta = meta
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
