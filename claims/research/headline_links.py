"""Headlines that restate a body sentence: the gold, and the similarity above which the pipeline links them.

    python -m claims.research.headline_links draw --data ../shared/data/wikinews/articles.jsonl --out PAIRS.jsonl
    python -m claims.research.headline_links convert --data ../shared/data/wikinews/articles.jsonl --notes LABELS.jsonl
    python -m claims.research.headline_links choose --data ../shared/data/wikinews/articles.jsonl [--test]

A news page states its main claim twice: in the headline and again in the body ("Obama says Trump modelling
policies on Putin" / "Barack Obama said on Tuesday that ..."). A fact-checker checks it once, so the pipeline
links a headline to the body sentence it restates (`claims.pipeline.headlines`) instead of counting two claims.

`draw` takes Wikinews articles that are not in the attribution and check-worthiness gold, at random with a
fixed seed, in the gold's date splits. For each it pairs the article's title with the two body sentences most
similar to it by MiniLM cosine (the candidates the product considers) and writes the pairs with their words for
annotators, outside the repository. Annotators answer one question per pair, blind to the similarity: does the
body sentence state the headline's claim (the same who and what, so that one check settles both)?
`convert` ships their answers as `gold/wikinews/headlines.jsonl` (ids and offsets, never the text).

`choose` applies the rule written before the first run: 5-fold cross-validation over the train and dev pairs,
folds being blocks of articles in date order. In each fold the threshold with the best F1 for "restates" on the
other four folds (the middle of a plateau) is applied to the held-out fold. The pooled out-of-fold figures,
with 95% bootstrap intervals over articles, are the estimate. The threshold shipped is the one the rule picks
on all of train and dev. `--test` scores the test pairs once, at the shipped threshold.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import numpy as np

from claims.research.detect_data import f1_on_grid
from claims.research.eval_news import prf
from claims.research.eval_news import bootstrap as news_bootstrap
from claims.research.wikinews_gold import GOLD_DIR, read_articles, split_of

SEED, SHARES, MIN_WORDS = 17, {"train": 90, "dev": 30, "test": 50}, 120
GRID = tuple(round(t, 2) for t in np.arange(0.30, 0.96, 0.01))


def _jsonl(path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _body(title: str, text: str):
    """The body sentences of an article as the product splits the page "title, blank line, text": (start, end)
    offsets into `text`."""
    from claims.pipeline import clean, split

    page = title + "\n\n" + text
    shift = len(title) + 2
    sents = split.split_sentences(page, clean.clean(page))
    return [(s.start - shift, s.end - shift) for s in sents if s.start >= shift and s.kind == "body"]


def _encoder():
    from claims.pipeline.embed import get_embedder
    from claims.pipeline.detect import DEFAULT_MODEL_NAME

    return get_embedder(DEFAULT_MODEL_NAME)


def draw(articles: dict[str, dict], gold_dir: Path = GOLD_DIR, per_article: int = 2) -> list[dict]:
    """The pairs to annotate: per split, `SHARES` articles outside the gold, each title with its `per_article`
    most similar body sentences."""
    taken = {a["id"] for a in _jsonl(gold_dir / "articles.jsonl")}
    rng, chosen = random.Random(SEED), []
    for split, k in SHARES.items():
        pool = sorted((a for a in articles.values() if a["id"] not in taken and split_of(a["date"]) == split
                       and len(a["text"].split()) >= MIN_WORDS and a.get("title")), key=lambda a: (a["date"], a["id"]))
        chosen += [(split, a) for a in rng.sample(pool, k)]
    enc, out = _encoder(), []
    for split, a in sorted(chosen, key=lambda x: (x[1]["date"], x[1]["id"])):
        body = _body(a["title"], a["text"])
        if not body:
            continue
        vecs = enc.encode([a["title"]] + [a["text"][s:e] for s, e in body])
        sims = vecs[1:] @ vecs[0]
        for rank, j in enumerate(np.argsort(-sims)[:per_article], 1):
            s, e = body[j]
            out.append({"pair": f"{a['id']}:{rank}", "id": a["id"], "date": a["date"], "split": split, "rank": rank,
                        "title": a["title"], "sentence": a["text"][s:e], "start": s, "end": e})
    return out


def convert(pairs: list[dict], labels: list[dict], articles: dict[str, dict]) -> list[dict]:
    """Shipped rows for labelled pairs; ValueError when a label names no pair or a pair's words moved."""
    by_pair = {p["pair"]: p for p in pairs}
    out = []
    for lab in labels:
        p = by_pair.get(lab.get("pair"))
        if p is None:
            raise ValueError(f"label for unknown pair {lab.get('pair')!r}")
        if not isinstance(lab.get("restates"), bool):
            raise ValueError(f"pair {p['pair']}: 'restates' must be true or false")
        if articles[p["id"]]["text"][p["start"]:p["end"]] != p["sentence"]:
            raise ValueError(f"pair {p['pair']}: the sentence is not at its offsets in the article")
        out.append({"id": p["id"], "date": p["date"], "split": p["split"], "rank": p["rank"],
                    "sentence": [p["start"], p["end"]], "restates": lab["restates"]})
    return sorted(out, key=lambda r: (r["date"], r["id"], r["rank"]))


def read(gold_dir: Path = GOLD_DIR) -> list[dict]:
    path = Path(gold_dir) / "headlines.jsonl"
    if not path.is_file():
        raise SystemExit(f"no {path}: draw pairs, have them labelled and run convert first")
    return _jsonl(path)


def similarities(rows: list[dict], articles: dict[str, dict]) -> np.ndarray:
    """MiniLM cosine of each pair's headline and body sentence, as the pipeline computes it."""
    enc = _encoder()
    titles = enc.encode([articles[r["id"]]["title"] for r in rows])
    sents = enc.encode([articles[r["id"]]["text"][slice(*r["sentence"])] for r in rows])
    return np.sum(titles * sents, axis=1)


def _prf(y: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    return prf(int(np.sum(y & p)), int(np.sum(~y & p)), int(np.sum(y & ~p)))


def pick(y: np.ndarray, sims: np.ndarray) -> float:
    """The rule: the threshold with the best F1 for "restates", the middle of a plateau."""
    f1 = f1_on_grid(y, sims, grid=np.asarray(GRID))
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    return float(GRID[best[len(best) // 2]])


def bootstrap(ids: list[str], y: np.ndarray, p: np.ndarray) -> dict:
    """95% intervals of precision, recall and F1, resampling articles (as for the check-worthiness gold)."""
    return news_bootstrap([{"id": a, "label": bool(t), "predicted": bool(q)} for a, t, q in zip(ids, y, p)])


def choose(rows: list[dict], sims: np.ndarray, folds: int = 5) -> dict:
    """Out-of-fold figures of the rule over train + dev, and the threshold it picks on all of them."""
    idx = [i for i, r in enumerate(rows) if r["split"] in ("train", "dev")]
    ids = [rows[i]["id"] for i in idx]
    y, s = np.array([rows[i]["restates"] for i in idx], bool), sims[idx]
    order = [a for _, a in sorted({(rows[i]["date"], rows[i]["id"]) for i in idx})]
    fold_of = {a: k * folds // len(order) for k, a in enumerate(order)}
    f = np.array([fold_of[a] for a in ids])
    pred, per_fold = np.zeros(len(idx), bool), []
    for k in range(folds):
        t = pick(y[f != k], s[f != k])
        per_fold.append(t)
        pred[f == k] = s[f == k] >= t
    p, r, f1 = _prf(y, pred)
    return {"pairs": len(idx), "articles": len(order), "restates": int(y.sum()), "fold_thresholds": per_fold,
            "out_of_fold": {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)},
            "interval": bootstrap(ids, y, pred), "chosen": pick(y, s)}


def score_test(rows: list[dict], sims: np.ndarray, threshold: float) -> dict:
    idx = [i for i, r in enumerate(rows) if r["split"] == "test"]
    y, pred = np.array([rows[i]["restates"] for i in idx], bool), sims[idx] >= threshold
    p, r, f1 = _prf(y, pred)
    return {"pairs": len(idx), "threshold": threshold, "precision": round(p, 4), "recall": round(r, 4),
            "f1": round(f1, 4), "interval": bootstrap([rows[i]["id"] for i in idx], y, pred)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m claims.research.headline_links", description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["draw", "convert", "choose"])
    ap.add_argument("--data", required=True, help="../shared/data/wikinews/articles.jsonl")
    ap.add_argument("--gold", default=str(GOLD_DIR))
    ap.add_argument("--out", help="draw: where the pairs (with their words) go, outside the repository")
    ap.add_argument("--pairs", help="convert: the file draw wrote")
    ap.add_argument("--notes", nargs="+", help="convert: label files, JSON lines {pair, restates}")
    ap.add_argument("--test", action="store_true", help="choose: also score the test pairs (once per shipped threshold)")
    ap.add_argument("--json-out", help="choose: write the figures here")
    args = ap.parse_args(argv)
    articles, gold = read_articles(args.data), Path(args.gold)
    if args.command == "draw":
        if not args.out:
            ap.error("draw needs --out PAIRS.jsonl (outside the repository: it holds article text)")
        pairs = draw(articles, gold)
        Path(args.out).write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
        print(f"wrote {len(pairs)} pairs to {args.out}")
        return 0
    if args.command == "convert":
        if not (args.pairs and args.notes):
            ap.error("convert needs --pairs and --notes")
        pairs = _jsonl(args.pairs)
        labels = [row for f in args.notes for row in _jsonl(f)]
        try:
            rows = convert(pairs, labels, articles)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        (gold / "headlines.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        print(f"wrote {len(rows)} labelled pairs ({sum(r['restates'] for r in rows)} restate) to {gold / 'headlines.jsonl'}")
        return 0
    rows = read(gold)
    sims = similarities(rows, articles)
    result = choose(rows, sims)
    o = result["out_of_fold"]
    print(f"train+dev: {result['pairs']} pairs from {result['articles']} articles, {result['restates']} restate")
    print(f"rule, out of fold: P {o['precision']:.3f} R {o['recall']:.3f} F1 {o['f1']:.3f} {result['interval']}; "
          f"fold thresholds {result['fold_thresholds']}; chosen on all {result['chosen']:.2f}")
    if args.test:
        result["test"] = score_test(rows, sims, result["chosen"])
        t = result["test"]
        print(f"test (scored once): {t['pairs']} pairs, P {t['precision']:.3f} R {t['recall']:.3f} F1 {t['f1']:.3f} "
              f"{t['interval']}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
