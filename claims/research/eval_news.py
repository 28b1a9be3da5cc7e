"""Check-worthiness on real news: the detector against the Wikinews gold's check-worthiness layer.

    claims eval detect --data gold/wikinews --wikinews ../shared/data/wikinews/articles.jsonl --split dev
    python -m claims.research.eval_news --wikinews ../shared/data/wikinews/articles.jsonl   (the threshold, by CV)

Each gold article goes through the product's pipeline as `claims extract` runs it (the genre detected from the
words unless `genre` is given); every gold sentence takes the highest score and any claim decision of the
pipeline sentences that overlap it. Figures come with 95% bootstrap intervals over articles.

The article threshold is chosen here, by the rule written before the first run: 5-fold cross-validation over
the train and dev articles (folds are blocks of articles in date order); in each fold the threshold with the
highest F1 among those with precision >= 0.90 on the other four folds (the most precise one if none reaches
0.90) is applied to the held-out fold; the pooled out-of-fold figures are the estimate, and the threshold
shipped is the one the rule picks on all of train + dev. The test split is scored once per shipped threshold.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from claims.research.eval_detect import binary_metrics
from claims.research.wikinews_gold import GOLD_DIR, SPLITS, read_articles, read_gold, read_labels
from claims.research.wikinews_gold import pick as pick_articles
from core.errors import NoGold

MIN_PRECISION = 0.90
THRESHOLDS = tuple(round(t, 3) for t in np.arange(0.30, 0.991, 0.005))


def score_news(gold_dir: Path, wikinews: Path, split: str, pipeline, genre: str | None = None) -> list[dict]:
    """One row per gold sentence: article id, split, date, label, score, predicted, the article's genre."""
    if not (Path(gold_dir) / "checkworthy.jsonl").is_file():
        raise NoGold(f"no check-worthiness gold in {gold_dir}: it needs checkworthy.jsonl (docs/checkworthiness-guideline.md)")
    if wikinews is None or not Path(wikinews).is_file():
        raise NoGold("the gold holds offsets only: give --wikinews ../shared/data/wikinews/articles.jsonl")
    try:
        arts = pick_articles(read_gold(Path(gold_dir))[0], split)
    except ValueError as e:
        raise NoGold(str(e)) from None
    labels: dict[str, list[dict]] = {}
    for r in read_labels(Path(gold_dir)):
        labels.setdefault(r["id"], []).append(r)
    texts = read_articles(wikinews)
    docs = [(a["id"], texts[a["id"]]["text"]) for a in arts]
    rows = []
    for a, ex in zip(arts, pipeline.run(docs, genre=genre)):
        sents = [(r.sentence.start, r.sentence.end, r.score) for r in ex.results]
        for lab in labels.get(a["id"], []):
            s0, e0 = lab["sentence"]
            hits = [sc for s, e, sc in sents if s < e0 and s0 < e]
            rows.append({"id": a["id"], "split": a["split"], "date": a["date"], "label": int(lab["is_claim"]),
                         "score": max((h.score for h in hits), default=0.0),
                         "predicted": any(h.is_claim for h in hits), "genre": ex.genre.genre if ex.genre else ""})
    return rows


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts (0 where undefined)."""
    p, r = (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def bootstrap(rows: Sequence[dict], predicted: Sequence[bool] | None = None, reps: int = 2000, seed: int = 0) -> dict:
    """95% intervals of precision, recall and F1, resampling articles."""
    pred = [r["predicted"] for r in rows] if predicted is None else list(predicted)
    by_art: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        by_art.setdefault(r["id"], []).append(i)
    ids, rng, out = sorted(by_art), random.Random(seed), {"precision": [], "recall": [], "f1": []}
    for _ in range(reps):
        idx = [i for a in (rng.choice(ids) for _ in ids) for i in by_art[a]]
        tp = sum(rows[i]["label"] and pred[i] for i in idx)
        fp = sum(not rows[i]["label"] and pred[i] for i in idx)
        fn = sum(rows[i]["label"] and not pred[i] for i in idx)
        for k, v in zip(("precision", "recall", "f1"), prf(tp, fp, fn)):
            out[k].append(v)
    return {k: [round(float(np.percentile(v, 2.5)), 4), round(float(np.percentile(v, 97.5)), 4)] for k, v in out.items()}


def evaluate_news(gold_dir: Path | str, wikinews: Path | str | None, split: str, *, embedder, detector,
                  genre: str | None = None) -> dict:
    """`claims eval detect --data gold/wikinews`: the metrics of `split` with bootstrap intervals over articles,
    the genres detected, and the first errors. The genre is detected per article unless given."""
    from claims.pipeline.extract import Pipeline

    rows = score_news(Path(gold_dir), wikinews, split, Pipeline(embedder, detector, attribution=False), genre)
    result = {"data": str(gold_dir), "format": "wikinews", "split": split,
              "documents": len({r["id"] for r in rows})}
    result.update(binary_metrics([r["label"] for r in rows], [r["score"] for r in rows], [r["predicted"] for r in rows]))
    result["interval"] = bootstrap(rows)
    result["genres"] = {g: len({r["id"] for r in rows if r["genre"] == g}) for g in sorted({r["genre"] for r in rows})}
    result["errors"] = [{"doc": r["id"], "label": r["label"], "score": round(r["score"], 4)}
                        for r in rows if bool(r["label"]) != bool(r["predicted"])][:50]
    threshold_for = getattr(detector, "threshold_for", None)
    result["threshold"] = round(float(threshold_for(genre or "article")), 4) if threshold_for else None
    result["genre"] = genre or "detected: " + ", ".join(f"{g} {n}" for g, n in result["genres"].items())
    return result


def pick(labels: Sequence[int], scores: Sequence[float]) -> float:
    """The rule: the threshold with the best F1 among those with precision >= MIN_PRECISION (else the most precise)."""
    y, s = np.asarray(labels, bool), np.asarray(scores, float)
    best, best_key = THRESHOLDS[-1], None
    for t in THRESHOLDS:
        p = s >= t
        prec, _, f1 = prf(int(np.sum(y & p)), int(np.sum(~y & p)), int(np.sum(y & ~p)))
        key = (prec >= MIN_PRECISION, f1 if prec >= MIN_PRECISION else prec)
        if best_key is None or key > best_key:
            best, best_key = t, key
    return float(best)


def choose_threshold(rows: Sequence[dict], folds: int = 5) -> dict:
    """Out-of-fold figures of the rule, and the threshold it picks on all rows (see the module doc)."""
    ids = [i for _, i in sorted({(r["date"], r["id"]) for r in rows})]  # articles in date order
    fold_of = {a: k * folds // len(ids) for k, a in enumerate(ids)}
    pred, per_fold = [False] * len(rows), []
    for f in range(folds):
        tr = [r for r in rows if fold_of[r["id"]] != f]
        t = pick([r["label"] for r in tr], [r["score"] for r in tr])
        per_fold.append(t)
        for i, r in enumerate(rows):
            if fold_of[r["id"]] == f:
                pred[i] = r["score"] >= t
    oof = binary_metrics([r["label"] for r in rows], [r["score"] for r in rows], pred)
    return {"fold_thresholds": per_fold, "out_of_fold": oof, "interval": bootstrap(rows, pred),
            "chosen": pick([r["label"] for r in rows], [r["score"] for r in rows])}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m claims.research.eval_news", description=__doc__.split("\n\n")[0])
    ap.add_argument("--wikinews", required=True, help="../shared/data/wikinews/articles.jsonl")
    ap.add_argument("--gold", default=str(GOLD_DIR))
    ap.add_argument("--json-out", help="write the CV table and the scores here")
    args = ap.parse_args(argv)
    from claims.pipeline.detector import load_detector
    from claims.pipeline.embed import get_embedder
    from claims.pipeline.extract import Pipeline

    det = load_detector()
    pipe = Pipeline(get_embedder(det.model_name), det, attribution=False)
    rows = score_news(Path(args.gold), Path(args.wikinews), "train+dev", pipe, genre="article")
    shipped = binary_metrics([r["label"] for r in rows], [r["score"] for r in rows],
                             [r["score"] >= det.threshold_for("article") for r in rows])
    cv = choose_threshold(rows)
    print(f"train+dev: {len(rows)} sentences, {len({r['id'] for r in rows})} articles")
    print(f"shipped threshold {det.threshold_for('article'):.3f}: P {shipped['precision']:.3f} R {shipped['recall']:.3f} "
          f"F1 {shipped['f1']:.3f} AP {shipped['average_precision']:.3f} (nothing was chosen on these articles)")
    o = cv["out_of_fold"]
    print(f"rule, out of fold: P {o['precision']:.3f} R {o['recall']:.3f} F1 {o['f1']:.3f} {cv['interval']}; "
          f"fold thresholds {cv['fold_thresholds']}; chosen on all {cv['chosen']:.3f}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"shipped": shipped, **cv, "rows": rows}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
