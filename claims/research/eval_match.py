"""Measure the matching of claims against past fact-checks on labelled data (`claims eval match`).

Inputs, as in CLEF CheckThat! 2021/2022 task 2A:
- queries: `id<TAB>text` per line (no header);
- qrels: TREC format, `query_id 0 fact_check_id relevance` (whitespace-separated; relevance > 0 counts);
- archive: JSONL with `vclaim_id`, `vclaim`, `title`, `subtitle`, `date`, `author`, `page_url` (or this
  project's `id`/`claim` names).

The archive is embedded (MiniLM unless another embedder is passed; cached in /tmp/claims-cache, override with
$CLAIMS_CACHE_DIR) and indexed in memory (`claims.matching.match.MemoryArchive`): no database. Every query is ranked
four ways over the same candidates (the top 50 of each retriever): dense only, BM25 only, their fused score,
and the reranker. Metrics: MAP@5 (AP@5 divided by min(relevant, 5)), recall@1 and MRR over the candidates.
"""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from core.errors import InputError
from claims.io.jsonl import json_lines
from claims.matching.match import DEPTH, FROM_SETTINGS, MemoryArchive, encode_cached, query_text, sentence_vectors
from claims.matching.rerank import fuse

METHODS = ("dense", "lexical", "fused", "reranked")


# --------------------------------------------------------------------------------------------- reading
def read_queries(path: Path | str) -> dict[str, str]:
    """{query id: text} from `id<TAB>text` lines; a first line `tweet_id<TAB>...` is taken as a header."""
    out: dict[str, str] = {}
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} does not exist: give the queries file (id<TAB>text per line)")
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            if "\t" not in line:
                raise InputError(f"{path} line {n}: expected id<TAB>text")
            qid, text = line.split("\t", 1)
            if n == 1 and qid.strip().lower() in ("tweet_id", "id", "query_id", "iclaim_id"):
                continue
            out[qid.strip()] = text
    return out


def read_qrels(path: Path | str) -> dict[str, set[str]]:
    """{query id: relevant fact-check ids} from TREC qrels (`qid 0 docid rel`)."""
    out: dict[str, set[str]] = {}
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} does not exist: give a TREC qrels file (query_id 0 fact_check_id 1)")
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 4:
                raise InputError(f"{path} line {n}: expected 4 columns (query_id 0 fact_check_id relevance)")
            try:
                rel = float(parts[3])
            except ValueError:
                if n == 1:
                    continue  # a header
                raise InputError(f"{path} line {n}: relevance {parts[3]!r} is not a number") from None
            if rel > 0:
                out.setdefault(parts[0], set()).add(parts[2])
    return out


def read_vclaims(path: Path | str) -> list[dict]:
    """Archive records {id, claim, title, date} from CheckThat!'s vclaims JSONL."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} does not exist: give the archive as JSONL (vclaim_id, vclaim, title, ...)")
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, rec, bad in json_lines(fh):
            if bad:
                raise InputError(f"{path} line {n}: not valid JSON ({bad})")
            ref = rec.get("vclaim_id", rec.get("id"))
            claim = rec.get("vclaim", rec.get("claim"))
            if ref is None or not claim:
                raise InputError(f"{path} line {n}: a record needs vclaim_id and vclaim")
            out.append({"id": str(ref), "claim": str(claim), "title": str(rec.get("title") or ""),
                        "date": str(rec.get("date") or "")})
    if not out:
        raise InputError(f"{path} holds no fact-checks")
    return out


# --------------------------------------------------------------------------------------------- metrics
def average_precision(ranked: Sequence, relevant: set, k: int = 5) -> float:
    """AP@k: precision at each relevant item in the top k, summed, over min(relevant, k)."""
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for r, item in enumerate(ranked[:k], 1):
        if item in relevant:
            hits += 1
            total += hits / r
    return total / min(len(relevant), k)


def ranking_metrics(rankings: Iterable[Sequence], relevant: Iterable[set], k: int = 5) -> dict:
    """MAP@k, recall@1 and MRR of ranked lists against their relevant sets."""
    aps, r1, rr = [], [], []
    for ranked, rel in zip(rankings, relevant):
        aps.append(average_precision(ranked, rel, k))
        r1.append(1.0 if ranked and ranked[0] in rel else 0.0)
        rr.append(next((1.0 / r for r, item in enumerate(ranked, 1) if item in rel), 0.0))
    n = len(aps)
    return {f"map@{k}": round(float(np.mean(aps)), 4) if n else 0.0,
            "recall@1": round(float(np.mean(r1)), 4) if n else 0.0,
            "mrr": round(float(np.mean(rr)), 4) if n else 0.0, "queries": n}


def rank_all(archive: MemoryArchive, texts: Sequence[str], qvecs: np.ndarray, reranker, *, depth: int = DEPTH,
             use_dates: bool = True, excludes: Sequence[set] | None = None,
             sentences: Sequence | None = None) -> dict[str, list]:
    """For each query, archive positions ranked by each method, and the reranked results (dicts whose `ref`
    is the archive position). A tweet's signature date is used unless `use_dates` is False; `sentences` are
    the queries' sentence vectors (`claims.matching.match.sentence_vectors`)."""
    out: dict[str, list] = {m: [] for m in METHODS}
    out["results"] = []
    for i, (text, qvec) in enumerate(zip(texts, qvecs)):
        cands = archive.candidates(text, qvec, depth=depth, exclude=excludes[i] if excludes else frozenset(),
                                   svecs=sentences[i] if sentences is not None else None)
        refs = [c.ref for c in cands]
        dense = np.array([c.dense for c in cands])
        lexical = np.array([c.lexical for c in cands])
        out["dense"].append([refs[j] for j in np.argsort(-dense, kind="stable")])
        out["lexical"].append([refs[j] for j in np.argsort(-lexical, kind="stable")])
        fused = fuse(dense, lexical, reranker.fusion_weight)
        out["fused"].append([refs[j] for j in np.argsort(-fused, kind="stable")])
        if not use_dates:  # as when a claim comes without a date: no date on either side
            cands = [replace(c, date=None) for c in cands]
        ranked = reranker.rank(text, cands, idf=archive.bm25.idf_of)
        out["reranked"].append([r["ref"] for r in ranked])
        out["results"].append(ranked)
    return out


# --------------------------------------------------------------------------------------------- the measurement
def evaluate_match(queries_path, qrels_path, archive_path, *, embedder=None, reranker=None, k: int = 5,
                   depth: int = DEPTH, use_dates: bool = True, cache_dir=FROM_SETTINGS) -> dict:
    """MAP@k, recall@1 and MRR of dense, BM25, fused and reranked retrieval of `archive_path`'s fact-checks
    for the judged queries, plus how the match decision fared on the top result.

    `embedder` defaults to MiniLM, `reranker` to the shipped model; `use_dates=False` hides dates (as when a
    claim comes without one)."""
    t0 = time.perf_counter()
    queries = read_queries(queries_path)
    qrels = read_qrels(qrels_path)
    records = read_vclaims(archive_path)
    if embedder is None:
        from claims.pipeline.embed import get_embedder

        embedder = get_embedder()
    if reranker is None:
        from claims.matching.rerank import Reranker

        reranker = Reranker.load()
    judged = [q for q in qrels if q in queries]
    if not judged:
        raise InputError(f"none of the {len(qrels)} judged queries in {qrels_path} is in {queries_path}: "
                         "check that the two files belong together")
    position = {r["id"]: i for i, r in enumerate(records)}
    relevant = [{position[d] for d in qrels[q] if d in position} for q in judged]
    unknown = sum(len(qrels[q]) for q in judged) - sum(len(r) for r in relevant)
    archive = MemoryArchive.build(records, embedder, cache_dir=cache_dir)
    t1 = time.perf_counter()
    texts = [queries[q] for q in judged]
    qvecs = encode_cached(embedder, [query_text(t) for t in texts], cache_dir)
    sentences = sentence_vectors(embedder, texts, cache_dir)
    ranked = rank_all(archive, texts, qvecs, reranker, depth=depth, use_dates=use_dates, sentences=sentences)
    t2 = time.perf_counter()
    out = {
        "queries": len(judged), "archive": len(records), "k": k, "depth": depth, "dates": use_dates,
        "unjudged_queries": len(queries) - len(judged), "qrels_not_in_archive": unknown,
        "methods": {m: ranking_metrics(ranked[m], relevant, k) for m in METHODS},
        "decision": decision_stats(ranked["results"], relevant, reranker),
        "model": {key: reranker.meta.get(key) for key in ("trained", "target_precision") if key in reranker.meta},
        "seconds": {"index": round(t1 - t0, 2), "rank": round(t2 - t1, 2)},
    }
    return out


def decision_stats(results: Sequence[list[dict]], relevant: Sequence[set], reranker) -> dict:
    """How the top result of each query was banded, and how often each band was right."""
    out = {"match_threshold": round(reranker.match_threshold, 4),
           "possible_threshold": round(reranker.possible_threshold, 4)}
    for band in ("match", "possible", "none"):
        tops = [r[0]["ref"] in rel for r, rel in zip(results, relevant) if r and r[0]["band"] == band]
        out[band] = {"queries": len(tops), "top_is_right": round(float(np.mean(tops)), 4) if tops else None}
    return out


def format_table(report: dict) -> str:
    """The small table `claims eval match` prints."""
    k = report["k"]
    lines = [f"{report['queries']} queries, {report['archive']} fact-checks"
             f"{'' if report['dates'] else ', dates hidden'}",
             f"{'method':<10} {'MAP@' + str(k):>7} {'R@1':>7} {'MRR':>7}"]
    for m in METHODS:
        r = report["methods"][m]
        lines.append(f"{m:<10} {r[f'map@{k}']:>7.4f} {r['recall@1']:>7.4f} {r['mrr']:>7.4f}")
    d = report["decision"]
    for band in ("match", "possible"):
        b = d[band]
        right = "-" if b["top_is_right"] is None else f"{b['top_is_right']:.3f}"
        lines.append(f"top result in the {band} band (p >= {d[band + '_threshold']:.3f}): {b['queries']} "
                     f"queries, right {right}")
    return "\n".join(lines)
