"""Train the fact-check reranker and calibrate the match decision; writes `claims/data/reranker.npz`.

    python -m claims.research.train_match --data /work/shared/data/checkthat2022_2a --out claims/data/reranker.npz

Data: CLEF CheckThat! 2022 task 2A, English (Nakov et al. 2022; the 2021 edition: Shaar et al. 2021):
tweets, each repeating a claim that Snopes checked, and the archive of 14,231 checks. `train` fits the model,
`dev` tunes it (fusion weight, regularisation, thresholds), `dev-test` (the 2021 test set) is held out.
Tweet ids are keyed by file and id together, as the data's SOURCE.md asks.

Method:
1. Embed the archive's claims and titles and the cleaned tweets with all-MiniLM-L6-v2 (cached under
   /tmp/claims-cache or $CLAIMS_CACHE_DIR, never in the repository). BM25 over claim + title.
2. Candidates per tweet: the top 50 by cosine and the top 50 by BM25 (`claims.matching.match`).
3. Fusion weight w of `w * cosine + (1 - w) * BM25 / best BM25`, picked on dev by MAP@5.
4. Reranker: logistic regression over `claims.matching.rerank.FEATURE_NAMES`, one row per (tweet, candidate), on
   train. Every train tweet appears twice: with its date (from the tweet's signature) and the fact-checks'
   dates, and with no dates at all, so that the model also ranks claims that come without a date. The
   regularisation C is picked on dev by MAP@5 (dated and undated averaged).
5. Thresholds on dev. Each dev tweet gives two top results: one from the full archive, and one from the
   archive without its right fact-check(s) (then any top result is wrong; this stands in for the claims that
   were never checked, which dev lacks). `match` is the lowest probability from which the top results are
   right at least `--precision` (0.9) of the time on that half-and-half mix, with dates and without (the
   higher of the two thresholds); `possible` the same for `--possible-precision` (0.6). The stand-in is
   strict: Snopes often checked a claim twice, so some "wrong" top results without the right check are
   in fact a second check of the same claim.
6. Printed: MAP@5, recall@1 and MRR on dev and dev-test for dense only, BM25 only, fused and reranked
   (with and without dates); the same figures are stored in the file's `meta`.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from claims.research.eval_match import METHODS, rank_all, ranking_metrics, read_qrels, read_queries, read_vclaims
from claims.matching.match import DEPTH, MemoryArchive, encode_cached, query_text
from core.settings import cache_dir
from claims.matching.rerank import FEATURE_NAMES, Reranker, features, fuse, text_date

C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
W_GRID = (0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)
SPLITS = (("train", "train_dev_queries.tsv", "train_qrels.tsv"),
          ("dev", "train_dev_queries.tsv", "dev_qrels.tsv"),
          ("devtest", "devtest_queries.tsv", "devtest_qrels.tsv"))


@dataclass
class Split:
    name: str
    keys: list[tuple[str, str]]  # (queries file, tweet id)
    texts: list[str]
    relevant: list[set[int]]  # archive positions
    vectors: np.ndarray | None = None


def load_splits(data: Path, positions: dict[str, int]) -> dict[str, Split]:
    out = {}
    for name, qfile, rfile in SPLITS:
        queries, qrels = read_queries(data / qfile), read_qrels(data / rfile)
        keys = [(qfile, q) for q in qrels if q in queries]
        out[name] = Split(name, keys, [queries[q] for _, q in keys],
                          [{positions[d] for d in qrels[q] if d in positions} for _, q in keys])
    return out


# --------------------------------------------------------------------------------------------- features
def candidate_lists(archive: MemoryArchive, split: Split, *, without_gold: bool = False) -> list[list]:
    return [archive.candidates(t, v, exclude=rel if without_gold else frozenset())
            for t, v, rel in zip(split.texts, split.vectors, split.relevant)]


def feature_rows(archive, split, lists, weight, *, dates: bool):
    Xs, ys, groups = [], [], []
    for qi, (text, cands, rel) in enumerate(zip(split.texts, lists, split.relevant)):
        if not dates:
            cands = [replace(c, date=None) for c in cands]
        Xs.append(features(text, cands, weight, idf=archive.bm25.idf_of,
                           query_date=text_date(text) if dates else None))
        ys.append(np.array([c.ref in rel for c in cands], dtype=np.int64))
        groups.append(np.full(len(cands), qi))
    return np.vstack(Xs), np.concatenate(ys), np.concatenate(groups)


def map_from_scores(lists, split, scores, groups, k=5) -> float:
    rankings = []
    for qi, cands in enumerate(lists):
        s = scores[groups == qi]
        rankings.append([cands[j].ref for j in np.lexsort((np.arange(len(s)), -s))])
    return ranking_metrics(rankings, split.relevant, k)[f"map@{k}"]


def fit(X, y, C):
    from sklearn.linear_model import LogisticRegression

    mean, std = X.mean(axis=0), X.std(axis=0)
    std = np.where(std > 1e-12, std, 1.0)
    clf = LogisticRegression(C=C, max_iter=5000, solver="lbfgs")
    clf.fit((X - mean) / std, y)
    return clf.coef_[0], float(clf.intercept_[0]), mean, std


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


def top1(results: list[list[dict]], relevant) -> tuple[np.ndarray, np.ndarray]:
    p = np.array([r[0]["score"] if r else 0.0 for r in results])
    right = np.array([bool(r) and r[0]["ref"] in rel for r, rel in zip(results, relevant)])
    return p, right


# --------------------------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="folder with vclaims.jsonl and the query and qrels files")
    ap.add_argument("--out", default="claims/data/reranker.npz")
    ap.add_argument("--precision", type=float, default=0.9, help="precision the match threshold aims at on dev")
    ap.add_argument("--possible-precision", type=float, default=0.6,
                    help="precision the possible-match threshold aims at on dev")
    ap.add_argument("--cache-dir", default=str(cache_dir()), help="where embeddings are kept between runs")
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
    t_embed = time.perf_counter()
    print(f"embedded and indexed in {t_embed - t0:.0f}s", flush=True)

    lists = {name: candidate_lists(archive, s) for name, s in splits.items()}
    gone = {name: candidate_lists(archive, splits[name], without_gold=True) for name in ("train", "dev")}
    for name, s in splits.items():
        found = np.mean([any(c.ref in rel for c in cands) for cands, rel in zip(lists[name], s.relevant)])
        print(f"{name}: a right fact-check is among the candidates for {found:.1%} of the tweets", flush=True)

    # 3. fusion weight on dev
    def fused_map(name, w):
        rankings = [[cands[j].ref for j in np.argsort(
            -fuse([c.dense for c in cands], [c.lexical for c in cands], w), kind="stable")]
            for cands in lists[name]]
        return ranking_metrics(rankings, splits[name].relevant)["map@5"]

    w_scores = {w: fused_map("dev", w) for w in W_GRID}
    weight = max(W_GRID, key=lambda w: (w_scores[w], -abs(w - 0.75)))
    print("fusion weight on dev (MAP@5): " + ", ".join(f"{w}: {m:.4f}" for w, m in w_scores.items())
          + f" -> {weight}", flush=True)

    # 4. the reranker
    tr_d = feature_rows(archive, splits["train"], lists["train"], weight, dates=True)
    tr_u = feature_rows(archive, splits["train"], lists["train"], weight, dates=False)
    X = np.vstack([tr_d[0], tr_u[0]])
    y = np.concatenate([tr_d[1], tr_u[1]])
    dev_d = feature_rows(archive, splits["dev"], lists["dev"], weight, dates=True)
    dev_u = feature_rows(archive, splits["dev"], lists["dev"], weight, dates=False)
    best = None
    for C in C_GRID:
        w, b, mean, std = fit(X, y, C)
        scores = [map_from_scores(lists["dev"], splits["dev"], ((Xd - mean) / std) @ w + b, g)
                  for Xd, _, g in (dev_d, dev_u)]
        print(f"C={C}: dev MAP@5 {scores[0]:.4f} with dates, {scores[1]:.4f} without", flush=True)
        if best is None or np.mean(scores) > best[0] + 1e-9:
            best = (float(np.mean(scores)), C, w, b, mean, std)
    _, C, w, b, mean, std = best
    model = Reranker(w, b, mean, std, fusion_weight=weight, match_threshold=1.0, possible_threshold=1.0)
    t_fit = time.perf_counter()

    # 5. thresholds on dev: the full archive and the archive without the right fact-check, half and half
    dev = splits["dev"]
    thresholds = {}
    for dates in (True, False):
        full = rank_all(archive, dev.texts, dev.vectors, model, use_dates=dates)["results"]
        cut = rank_all(archive, dev.texts, dev.vectors, model, use_dates=dates, excludes=dev.relevant)["results"]
        p1, r1 = top1(full, dev.relevant)
        p0, _ = top1(cut, dev.relevant)
        p, right = np.concatenate([p1, p0]), np.concatenate([r1, np.zeros(len(p0), dtype=bool)])
        thresholds[dates] = {
            "match": precision_threshold(p, right, args.precision),
            "possible": precision_threshold(p, right, args.possible_precision),
        }
        print(f"dev thresholds ({'with' if dates else 'without'} dates): " + "; ".join(
            f"{k} p >= {t} (precision {pr}, {n} of {len(p)} top results)" for k, (t, pr, n) in
            thresholds[dates].items()), flush=True)
    # the stricter of the two conditions, so that the aim holds with dates and without
    match_t = max(thresholds[d]["match"][0] for d in thresholds)
    possible_t = min(max(thresholds[d]["possible"][0] for d in thresholds), match_t)

    # 6. figures
    figures = {}
    for name in ("dev", "devtest"):
        s = splits[name]
        for dates in (True, False):
            ranked = rank_all(archive, s.texts, s.vectors, model, use_dates=dates)
            for m in METHODS:
                if m != "reranked" and not dates:
                    continue
                label = m if m != "reranked" else ("reranked" if dates else "reranked, no dates")
                figures.setdefault(name, {})[label] = ranking_metrics(ranked[m], s.relevant)
    t_end = time.perf_counter()
    print(f"\n{'method':<20} " + " ".join(f"{n + ' ' + m:>16}" for n in ("dev", "dev-test")
                                          for m in ("MAP@5", "R@1", "MRR")))
    for label in figures["dev"]:
        print(f"{label:<20} " + " ".join(f"{figures[n][label][m]:>16.4f}" for n in ("dev", "devtest")
                                         for m in ("map@5", "recall@1", "mrr")))
    print(f"\nmatch at p >= {match_t} (aims at precision {args.precision} on dev, half the tweets without their "
          f"fact-check); possible match at p >= {possible_t} (aims at {args.possible_precision})")
    print(f"time: {t_end - t0:.0f}s in all, {t_embed - t0:.0f}s embedding and indexing, "
          f"{t_fit - t_embed:.0f}s candidates and fitting")
    print("weights (standardised features): " + ", ".join(f"{n} {v:+.2f}" for n, v in zip(FEATURE_NAMES, w)))

    meta = {
        "trained": date.today().isoformat(), "data": "CLEF CheckThat! 2022 task 2A English (train; dev to tune)",
        "model": embedder.name, "depth": DEPTH, "C": C, "fusion_weight": weight,
        "target_precision": args.precision, "possible_precision": args.possible_precision,
        "thresholds_on_dev": {("with dates" if d else "without dates"): v for d, v in thresholds.items()},
        "figures": figures, "seconds": round(t_end - t0, 1),
    }
    final = Reranker(w, b, mean, std, fusion_weight=weight, match_threshold=match_t,
                     possible_threshold=possible_t, meta=meta)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    final.save(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
