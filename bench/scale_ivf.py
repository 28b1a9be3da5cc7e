"""IVF (inverted lists over k-means cells) against exact search on the same synthetic vectors as bench/scale.py.

HNSW at 1,000,000 vectors stopped at recall@10 0.97 here (bench/scale.py); an IVF index scans the `nprobe`
nearest cells exhaustively, so its recall is set by nprobe alone and it builds in a fraction of HNSW's time.
Prints build time, index size, single-query latency (median, p99) and recall@10 for several nprobe values, and
writes bench/results/scale_ivf.json. Never asserts anything.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from scale import Synthetic, file_bytes, latencies, recall_at, rss_bytes, summary  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--nlist", type=int, default=4096)
    ap.add_argument("--train", type=int, default=150_000, help="vectors used to train the k-means cells")
    ap.add_argument("--nprobe", default="16,32,64,128,256")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--truth-queries", type=int, default=200, help="queries checked against exact search")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "scale_ivf.json"))
    args = ap.parse_args()
    faiss.omp_set_num_threads(args.threads)
    data = Synthetic()
    rss0 = rss_bytes()
    t0 = time.perf_counter()
    xb = data.rows(0, args.n)
    t_gen = time.perf_counter() - t0
    queries = data.queries(args.queries)
    print(f"{args.n:,} vectors generated in {t_gen:.1f} s", flush=True)

    t0 = time.perf_counter()
    exact = faiss.IndexFlatIP(xb.shape[1])
    exact.add(xb)
    _, truth = exact.search(queries[:args.truth_queries], 10)
    t_truth = time.perf_counter() - t0
    flat_times, _ = latencies(exact, queries[:50])
    print(f"exact search: median {summary(flat_times)['median_ms']:.1f} ms a query", flush=True)
    del exact

    t0 = time.perf_counter()
    quantizer = faiss.IndexFlatIP(xb.shape[1])
    index = faiss.IndexIVFFlat(quantizer, xb.shape[1], args.nlist, faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    index.train(xb[rng.choice(args.n, size=min(args.train, args.n), replace=False)])
    t_train = time.perf_counter() - t0
    index.add(xb)
    t_build = time.perf_counter() - t0
    size = file_bytes(index)
    print(f"IVF{args.nlist},Flat: trained in {t_train:.1f} s, built in {t_build:.1f} s, {size / 2**30:.2f} GiB",
          flush=True)
    rows = []
    for nprobe in [int(x) for x in args.nprobe.split(",") if x]:
        index.nprobe = nprobe
        times, found = latencies(index, queries)
        row = {"nprobe": nprobe, **summary(times),
               "recall_at_10": round(recall_at(truth, found[:args.truth_queries]), 4)}
        rows.append(row)
        print(f"  nprobe {nprobe:>4}: median {row['median_ms']:.2f} ms, p99 {row['p99_ms']:.2f} ms, "
              f"recall@10 {row['recall_at_10']:.4f}", flush=True)
    result = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "n": args.n, "nlist": args.nlist,
              "threads": args.threads, "train_vectors": args.train, "build_seconds": round(t_build, 1),
              "train_seconds": round(t_train, 1), "index_bytes": size, "rss_growth_bytes": rss_bytes() - rss0,
              "exact_median_ms": summary(flat_times)["median_ms"], "exact_truth_seconds": round(t_truth, 1),
              "load_average": os.getloadavg()[0], "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
