"""What bfloat16 autocast would do to the search embedding: speed, cosine to the fp32 vectors, and retrieval.

Embeds the sample articles' sentences in fp32 and in bf16 (median of runs after a warm-up), then ranks
fact-checks for the CheckThat! 2022 2A dev-test tweets with each (dense cosine only, against the relevant
checks plus --distractors others) and compares MAP@5 and the top-1 results. Prints the figures and writes
bench/results/bf16_embed.json. Never asserts anything; the product keeps fp32 search vectors.

    python bench/bf16_embed.py [--distractors 2000]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.pipeline.embed import MiniLMEmbedder  # noqa: E402
from claims.pipeline.extract import Pipeline  # noqa: E402


def timed(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def map5(ranked: list[list[str]], relevant: list[set[str]]) -> float:
    total = 0.0
    for r, rel in zip(ranked, relevant):
        hits, score = 0, 0.0
        for i, doc in enumerate(r[:5]):
            if doc in rel:
                hits += 1
                score += hits / (i + 1)
        total += score / max(1, min(len(rel), 5))
    return total / max(1, len(ranked))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", default=str(ROOT / "samples" / "articles"))
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "checkthat2022_2a"))
    ap.add_argument("--distractors", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "bf16_embed.json"))
    args = ap.parse_args()

    fp32, bf16 = MiniLMEmbedder(), MiniLMEmbedder(bf16=True)
    bf16.model = fp32.model  # the same weights; only the arithmetic differs
    pipe = Pipeline(embedder=fp32, detector=None, attribution=False)  # for its splitter
    texts = [s.text for p in sorted(Path(args.samples).glob("*.txt"))
             for s in pipe.sentences(p.read_text(encoding="utf-8"))[0] if s.kind != "furniture"]
    fp32.encode(texts[:64])
    bf16.encode(texts[:64])
    t32 = timed(lambda: fp32.encode(texts), args.runs)
    t16 = timed(lambda: bf16.encode(texts), args.runs)
    a, b = fp32.encode(texts), bf16.encode(texts)
    cos = np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    result = {
        "sentences": len(texts),
        "fp32_sentences_per_s": round(len(texts) / t32, 1),
        "bf16_sentences_per_s": round(len(texts) / t16, 1),
        "cosine_bf16_to_fp32": {"min": round(float(cos.min()), 5), "median": round(float(np.median(cos)), 5),
                                "mean": round(float(cos.mean()), 5)},
    }
    data = Path(args.data)
    if (data / "devtest_queries.tsv").is_file():
        with open(data / "devtest_queries.tsv", encoding="utf-8") as fh:
            queries = [(r[0], r[1]) for r in csv.reader(fh, delimiter="\t") if len(r) >= 2 and r[0] != "tweet_id"]
        rel: dict[str, set[str]] = {}
        with open(data / "devtest_qrels.tsv", encoding="utf-8") as fh:
            for r in csv.reader(fh, delimiter="\t"):
                if len(r) >= 4 and r[3].strip() == "1":
                    rel.setdefault(r[0], set()).add(r[2])
        archive = {}
        with open(data / "vclaims.jsonl", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                archive[str(rec.get("vclaim_id") or rec.get("id"))] = rec.get("vclaim") or rec.get("claim") or ""
        queries = [(q, t) for q, t in queries if q in rel]
        needed = set().union(*rel.values()) & set(archive)
        others = sorted(set(archive) - needed)
        rng = np.random.default_rng(0)
        pool = sorted(needed) + list(rng.choice(others, size=min(args.distractors, len(others)), replace=False))
        docs = [archive[d] for d in pool]
        ranks = {}
        for name, emb in (("fp32", fp32), ("bf16", bf16)):
            q = emb.encode([t for _, t in queries])
            d = emb.encode(docs)
            order = np.argsort(-(q @ d.T), axis=1)[:, :5]
            ranks[name] = [[pool[j] for j in row] for row in order]
        relevant = [rel[qid] for qid, _ in queries]
        result["retrieval"] = {
            "queries": len(queries), "archive": len(pool),
            "map5_fp32": round(map5(ranks["fp32"], relevant), 4), "map5_bf16": round(map5(ranks["bf16"], relevant), 4),
            "top1_same": round(float(np.mean([x[0] == y[0] for x, y in zip(ranks["fp32"], ranks["bf16"])])), 4),
            "top5_same_set": round(float(np.mean([set(x) == set(y) for x, y in zip(ranks["fp32"], ranks["bf16"])])), 4),
        }
    print(json.dumps(result, indent=2))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
