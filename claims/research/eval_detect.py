"""Measure the check-worthiness detector on labelled data (`claims eval detect`).

Two kinds of labelled data are read:

* a CT24-style TSV (columns `split`, `sentence_id`, `text`, `label`; `split` optional, filtered with
  `split=`): every row is one sentence, scored as `claims extract --lines` scores a line;
* the samples' gold JSONL (one file, or a folder of them: rows `text`, `is_claim`, `furniture`,
  `headline` in document order): the matching article `<articles>/<name>.txt` (by default the
  `articles/` folder next to the gold folder) goes through the whole pipeline (cleaning, splitting,
  furniture, embedding, scoring) and the pipeline's sentences are aligned to the gold rows by their
  character spans in the article. A gold row split in two by the pipeline (or two rows merged into
  one sentence) counts as predicted a claim when any overlapping pipeline sentence is one, with the
  highest overlapping score. Furniture rows are negatives: the pipeline must not call them claims.

Both run the product's scoring path (`claims.pipeline.extract.Pipeline` with the embedder and detector the
caller passes), without attribution, which no score depends on. The result is a plain dict:
precision, recall, F1 and average precision of the positive class, the predicted and labelled
positive rates, the confusion counts, and for gold files how the sentences aligned.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Sequence

import numpy as np

from core.errors import BadGold, NoGold
from claims.io.jsonl import json_lines

#: Where `claims eval detect` looks when no --data is given.
DEFAULT_GOLD = Path(__file__).resolve().parents[2] / "samples" / "gold"
_TRUE = (True, 1, "1", "true", "True", "yes")


# --------------------------------------------------------------------------------------- metrics
def average_precision(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the precision-recall curve as a step function (scikit-learn's definition):
    sum over distinct score thresholds of (recall gained) x (precision there). NaN without positives."""
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    n_pos = int(y.sum())
    if n_pos == 0:
        return float("nan")
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # the last row of each group of tied scores
    tp = np.cumsum(y)[last]
    flagged = last + 1
    precision = tp / flagged
    recall = tp / n_pos
    gained = np.diff(np.r_[0.0, recall])
    return float(np.sum(gained * precision))


def binary_metrics(labels: Sequence[int], scores: Sequence[float], predicted: Sequence[bool]) -> dict:
    """Precision, recall, F1 (positive class), average precision, rates and confusion counts."""
    y = np.asarray(labels, dtype=bool)
    p = np.asarray(predicted, dtype=bool)
    if y.shape != p.shape or len(scores) != len(y):
        raise ValueError(f"{len(y)} labels, {len(p)} predictions and {len(scores)} scores")
    tp = int(np.sum(y & p))
    fp = int(np.sum(~y & p))
    fn = int(np.sum(y & ~p))
    tn = int(np.sum(~y & ~p))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    n = len(y)
    ap = average_precision(y.astype(int), scores)
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "average_precision": None if np.isnan(ap) else round(ap, 4),
        "positive_rate": round(float(p.mean()), 4) if n else 0.0,
        "label_rate": round(float(y.mean()), 4) if n else 0.0,
        "n": n,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }


# --------------------------------------------------------------------------------------- readers
def read_ct24(path: str | Path, split: str | None = None) -> tuple[list[str], list[int]]:
    """Texts and 0/1 labels from a CT24-style TSV; `split` keeps only the rows of that split."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        cols = set(reader.fieldnames or ())
        if not {"text", "label"} <= cols:
            raise BadGold(f"{path}: a TSV needs the columns text and label (and optionally split); found {sorted(cols)}")
        if split is not None and "split" not in cols:
            raise BadGold(f"{path} has no split column; leave out --split")
        texts, labels, seen = [], [], set()
        for n, row in enumerate(reader, 2):
            seen.add(row.get("split"))
            if split is not None and row["split"] != split:
                continue
            label = (row["label"] or "").strip()
            if label not in ("0", "1"):
                raise BadGold(f"{path}:{n}: label must be 0 or 1, got {label!r}")
            texts.append(row["text"] or "")
            labels.append(int(label))
    if not texts:
        where = f" with split {split!r} (splits here: {', '.join(sorted(s for s in seen if s))})" if split else ""
        raise NoGold(f"{path} has no labelled rows{where}")
    return texts, labels


def read_gold(path: str | Path, split: str | None = None) -> dict[str, list[dict]]:
    """{article name: gold rows} from one gold JSONL file or a folder of them; for a folder, `split`
    is dev (01-12), heldout (13-20), fresh (21-25) or all (the default), as for `claims eval attribution`."""
    from claims.research.eval_attribution import SPLITS

    path = Path(path)
    if not path.exists():
        raise NoGold(f"{path} does not exist: give a gold .jsonl file or a folder of them (samples/gold)")
    if split not in (None, "all", *SPLITS):
        raise BadGold(f"unknown split {split!r} for gold files: use dev, heldout, fresh or all")
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if path.is_dir() and split not in (None, "all"):
        files = [f for f in files if (m := re.match(r"\d+", f.name)) and int(m.group()) in SPLITS[split]]
    if not files:
        raise NoGold(f"{path} holds no .jsonl gold files" + (f" of split {split!r}" if split else ""))
    out = {}
    for f in files:
        rows = []
        with open(f, encoding="utf-8") as fh:
            for n, rec, bad in json_lines(fh):
                if bad:
                    raise BadGold(f"{f}:{n}: not JSON ({bad}); one object per line")
                if not isinstance(rec, dict) or "text" not in rec or "is_claim" not in rec:
                    raise BadGold(f"{f}:{n}: a gold row needs 'text' and 'is_claim'")
                furniture = rec.get("furniture") in _TRUE
                rows.append({
                    "text": str(rec["text"]),
                    "is_claim": rec["is_claim"] in _TRUE and not furniture,
                    "furniture": furniture,
                    "headline": rec.get("headline") in _TRUE,
                })
        if not rows:
            raise NoGold(f"{f} has no gold rows")
        out[f.stem] = rows
    return out


# --------------------------------------------------------------------------------------- alignment
def gold_spans(text: str, rows: list[dict], name: str = "") -> list[tuple[int, int]]:
    """Character spans of the gold rows in the article, each found after the one before it."""
    spans, pos = [], 0
    for i, row in enumerate(rows):
        start = text.find(row["text"], pos)
        if start < 0:
            start = text.find(row["text"])  # out of order: tolerate, the overlap rule still works
        if start < 0:
            raise BadGold(f"{name} gold row {i + 1} is not in the article text: {row['text'][:60]!r}")
        spans.append((start, start + len(row["text"])))
        pos = start + len(row["text"])
    return spans


def align(spans: list[tuple[int, int]], sentences: list[tuple[int, int]]) -> list[list[int]]:
    """For each gold span, the indices of the pipeline sentences (start, end) that overlap it."""
    out = []
    for gs, ge in spans:
        out.append([j for j, (s, e) in enumerate(sentences) if s < ge and gs < e])
    return out


# --------------------------------------------------------------------------------------- evaluation
def evaluate_detect(
    path: str | Path | None = None,
    *,
    embedder,
    detector,
    split: str | None = None,
    articles: str | Path | None = None,
    max_errors: int = 50,
    genre: str | None = None,
) -> dict:
    """Score the labelled sentences at `path` with the product's pipeline and measure the detector.

    (The Wikinews gold, offsets only, is measured by `claims.research.eval_news.evaluate_news`.)

    path: a CT24-style TSV, a gold JSONL file, or a folder of them (default: samples/gold).
    split: for a TSV, only the rows of this split (e.g. "dev-test"); for a gold folder dev (01-12),
        heldout (13-20), fresh (21-25) or all.
    articles: for gold files, the folder of `<name>.txt` articles (default: ../articles next to them).
    genre: which of the detector's thresholds applies: "transcript" for a TSV (CT24 is debate transcripts)
        and "article" for gold files, unless given.
    """
    from claims.pipeline.extract import Pipeline

    path = Path(path) if path is not None else DEFAULT_GOLD
    if not path.exists():
        raise NoGold(f"{path} does not exist: give a CT24 TSV, a gold .jsonl file or a folder of them")
    pipeline = Pipeline(embedder=embedder, detector=detector, attribution=False)
    tsv = path.is_file() and path.suffix.lower() != ".jsonl"
    genre = genre or ("transcript" if tsv else "article")
    if tsv:
        result = _evaluate_tsv(path, pipeline, split, max_errors, genre)
    else:
        result = _evaluate_gold(path, pipeline, split, articles, max_errors, genre)
    threshold_for = getattr(detector, "threshold_for", None)
    threshold = threshold_for(genre) if threshold_for else getattr(detector, "threshold", None)
    result["threshold"] = None if threshold is None else round(float(threshold), 4)
    result["genre"] = genre
    return result


def _evaluate_tsv(path: Path, pipeline, split: str | None, max_errors: int, genre: str | None = None) -> dict:
    texts, labels = read_ct24(path, split)
    # One document per row in line mode: exactly `claims extract --lines`, and alignment is trivial.
    docs = pipeline.run([(str(i), t) for i, t in enumerate(texts)], lines=True, genre=genre)
    scores, predicted, unscored = [], [], 0
    for doc in docs:
        if not doc.results:  # an empty line: nothing to score
            unscored += 1
            scores.append(0.0)
            predicted.append(False)
            continue
        scores.append(max(r.score.score for r in doc.results))
        predicted.append(any(r.score.is_claim for r in doc.results))
    result = {"data": str(path), "format": "tsv", "split": split}
    result.update(binary_metrics(labels, scores, predicted))
    result["unscored"] = unscored
    result["errors"] = _errors(texts, labels, scores, predicted, None, max_errors)
    return result


def load_articles(gold: dict[str, list[dict]], folder: str | Path) -> list[tuple[str, str]]:
    """(name, text) of the article of each gold file: `<folder>/<name>.txt`."""
    docs = []
    for name in gold:
        article = Path(folder) / f"{name}.txt"
        if not article.is_file():
            raise NoGold(f"no article {article} for the gold file {name}.jsonl; give the folder with --articles")
        docs.append((name, article.read_text(encoding="utf-8")))
    return docs


def caught(result, claims: set[int]) -> bool:
    """A sentence's claim is caught: it is a claim, or a headline linked to the body sentence that is one."""
    return result.score.is_claim or (result.restates is not None and result.restates in claims)


def score_gold(gold: dict[str, list[dict]], docs: list[tuple[str, str]], pipeline, genre: str | None = None) -> list[dict]:
    """One record per gold row: its label and what the pipeline made of the overlapping sentences
    (`score`: the highest, `predicted`: any is a claim, `match`: exact, split_or_merged or missing)."""
    out = []
    for (name, text), ex in zip(docs, pipeline.run(docs, genre=genre)):
        rows = gold[name]
        spans = gold_spans(text, rows, name)
        matched = align(spans, [(r.sentence.start, r.sentence.end) for r in ex.results])
        covered = {j for js in matched for j in js}
        claims = {r.sentence.index for r in ex.results if r.score.is_claim}
        unlabelled = sum(1 for j, r in enumerate(ex.results) if j not in covered and r.sentence.text.strip())
        for i, (row, span, js) in enumerate(zip(rows, spans, matched)):
            hits = [ex.results[j] for j in js]
            if len(hits) == 1 and (hits[0].sentence.start, hits[0].sentence.end) == span:
                match = "exact"
            else:
                match = "split_or_merged" if hits else "missing"
            out.append({
                "doc": name,
                "text": row["text"],
                "label": int(row["is_claim"]),
                "furniture": row["furniture"],
                "headline": row["headline"],
                "score": max((h.score.score for h in hits), default=0.0),
                "predicted": any(caught(h, claims) for h in hits),
                "scored": any(h.sentence.kind != "furniture" for h in hits),
                "match": match,
                # per document, on its first row: pipeline sentences that overlap no gold row
                "unlabelled_sentences": unlabelled if i == 0 else 0,
                "pipeline_sentences": len(ex.results) if i == 0 else 0,
            })
    return out


def summarize_gold(rows: list[dict], max_errors: int = 50) -> dict:
    """Metrics, alignment counts, furniture and headline counts, and the errors of scored gold rows."""
    result = binary_metrics([r["label"] for r in rows], [r["score"] for r in rows], [r["predicted"] for r in rows])
    result["aligned"] = {
        "gold_rows": len(rows),
        "pipeline_sentences": sum(r["pipeline_sentences"] for r in rows),
        "exact": sum(r["match"] == "exact" for r in rows),
        "split_or_merged": sum(r["match"] == "split_or_merged" for r in rows),
        "missing": sum(r["match"] == "missing" for r in rows),
        "unlabelled_sentences": sum(r["unlabelled_sentences"] for r in rows),
    }
    furn = [r for r in rows if r["furniture"]]
    result["furniture"] = {
        "rows": len(furn),
        "predicted_claim": sum(r["predicted"] for r in furn),
        "scored": sum(r["scored"] for r in furn),
        "texts_predicted_claim": [f"{r['doc']}: {r['text']}" for r in furn if r["predicted"]],
    }
    heads = [r for r in rows if r["headline"]]
    result["headline"] = {
        "rows": len(heads),
        "claims": sum(r["label"] for r in heads),
        "predicted_claim": sum(r["predicted"] for r in heads),
    }
    result["errors"] = _errors(
        [r["text"] for r in rows], [r["label"] for r in rows], [r["score"] for r in rows],
        [r["predicted"] for r in rows], [r["doc"] for r in rows], max_errors,
    )
    return result


def _evaluate_gold(path: Path, pipeline, split: str | None, articles: str | Path | None, max_errors: int,
                   genre: str | None = None) -> dict:
    gold = read_gold(path, split)
    folder = Path(articles) if articles is not None else (path if path.is_dir() else path.parent).parent / "articles"
    rows = score_gold(gold, load_articles(gold, folder), pipeline, genre=genre)
    result = {"data": str(path), "format": "gold", "split": split, "documents": len(gold), "articles": list(gold)}
    summary = summarize_gold(rows, max_errors)
    errors = summary.pop("errors")
    result.update(summary)
    seen = _seen_in_training(pipeline.detector, list(gold))
    result["seen_in_training"] = seen
    if seen:
        result["note"] = (
            f"the detector was trained on {len(seen)} of these {len(gold)} articles, so these are training-set "
            "figures; `python -m claims.research.train_detect` prints the cross-validated ones"
        )
    result["errors"] = errors
    return result


def _seen_in_training(detector, names: list[str]) -> list[str]:
    meta = getattr(detector, "meta", None) or {}
    trained = set(meta.get("news_articles", ()))
    return sorted(n for n in names if n in trained)


def _errors(texts, labels, scores, predicted, names, limit: int) -> list[dict]:
    """The false positives and false negatives, most confident first."""
    out = []
    for i, (t, y, s, p) in enumerate(zip(texts, labels, scores, predicted)):
        if bool(y) != bool(p):
            rec = {"text": t, "label": int(y), "score": round(float(s), 4)}
            if names is not None:
                rec = {"doc": names[i], **rec}
            out.append(rec)
    out.sort(key=lambda r: -abs(r["score"] - 0.5))
    return out[:limit]


def format_report(result: dict) -> str:
    """A few lines for the terminal."""
    what = result["data"] + (f" (split {result['split']})" if result.get("split") else "")
    lines = [
        f"data          {what}",
        f"sentences     {result['n']} ({result['label_rate']:.1%} labelled claims, "
        f"{result['positive_rate']:.1%} predicted) at threshold {result['threshold']}"
        + (f" ({result['genre']})" if result.get("genre") else ""),
        f"precision     {result['precision']:.3f}",
        f"recall        {result['recall']:.3f}",
        f"F1            {result['f1']:.3f}",
        "average prec. " + ("n/a" if result["average_precision"] is None else f"{result['average_precision']:.3f}"),
        f"counts        tp {result['tp']}  fp {result['fp']}  fn {result['fn']}  tn {result['tn']}",
    ]
    if result["format"] == "wikinews":
        iv = result["interval"]
        lines.append(f"95% interval  precision {iv['precision'][0]:.3f}-{iv['precision'][1]:.3f}, recall "
                     f"{iv['recall'][0]:.3f}-{iv['recall'][1]:.3f}, F1 {iv['f1'][0]:.3f}-{iv['f1'][1]:.3f} "
                     f"(bootstrap over {result['documents']} articles)")
    if result["format"] == "gold":
        a, f = result["aligned"], result["furniture"]
        lines.append(
            f"aligned       {a['exact']} of {a['gold_rows']} gold rows exactly, {a['split_or_merged']} split or merged, "
            f"{a['missing']} missing; {a['unlabelled_sentences']} pipeline sentences without a gold row"
        )
        lines.append(f"furniture     {f['rows']} rows, {f['predicted_claim']} predicted a claim")
        for t in f["texts_predicted_claim"]:
            lines.append(f"  furniture called a claim: {t}")
        if result.get("note"):
            lines.append(f"note          {result['note']}")
    return "\n".join(lines)
