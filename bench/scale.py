"""Vector search at scale: exact (flat) search against an HNSW graph on synthetic claim-like vectors.

Synthetic vectors stand in for MiniLM embeddings: unit vectors in 384 dimensions, drawn around 2,000 topic
centres, each topic spread along its own 24-dimensional subspace plus a little noise in every direction (real
sentence embeddings have a low intrinsic dimension; isotropic noise would be a harder, less realistic case).
Queries are 1,000 fresh draws from the same topics, not stored vectors.

One HNSW graph (faiss IndexHNSWFlat, inner product) is grown through the checkpoint sizes (1k, 3k, 10k, 30k,
100k, 300k, then --n), so the build time at each size is the sum of the segments before it. At each size:

- flat: time to fill an IndexFlatIP, index file bytes, median and p99 latency of 1,000 single queries (k=10);
- hnsw: cumulative build time, index file bytes, RSS growth of the process since the graph was started, and
  at each efSearch the median and p99 latency of the same 1,000 single queries and recall@10 against exact
  search; plus the efSearch the product's own calibration (store.index.choose_ef_search) picks, and the
  recall and latency of new queries there.

faiss runs on --threads OpenMP threads (2, this project's machine). Prints a table and writes
bench/results/scale.json. Never asserts anything.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _threads_from_argv(default: int = 2) -> int:
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return int(sys.argv[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return default


# BLAS (the exact ground truth) must see the thread limit before numpy loads.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(_threads_from_argv())

import faiss  # noqa: E402
import numpy as np  # noqa: E402

from store.index import choose_ef_search  # noqa: E402

DIM = 384
TOPICS = 2000
SUBSPACE = 24
CHUNK = 50_000


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Synthetic:
    """Clustered unit vectors; row i is the same whatever the total, so smaller sizes are prefixes."""

    def __init__(self, seed: int = 7):
        rng = np.random.default_rng(seed)
        self.seed = seed
        c = rng.standard_normal((TOPICS, DIM)).astype(np.float32)
        self.centres = c / np.linalg.norm(c, axis=1, keepdims=True)
        self.bases = rng.standard_normal((TOPICS, SUBSPACE, DIM)).astype(np.float32) / np.sqrt(DIM)
        # topics differ in how widely they are spread, as real topics do
        self.spread = rng.uniform(0.5, 1.2, size=TOPICS).astype(np.float32)

    def _draw(self, rng, n: int) -> np.ndarray:
        topic = rng.integers(0, TOPICS, size=n)
        z = rng.standard_normal((n, SUBSPACE)).astype(np.float32) * (0.25 * self.spread[topic, None])
        v = self.centres[topic].copy()
        for i in range(0, n, 2000):  # a block at a time: the gathered bases are 37 KB a row
            t = topic[i:i + 2000]
            v[i:i + 2000] += np.einsum("ns,nsd->nd", z[i:i + 2000], self.bases[t])
        v += rng.standard_normal((n, DIM)).astype(np.float32) * 0.02
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def rows(self, start: int, stop: int) -> np.ndarray:
        out = np.empty((stop - start, DIM), dtype=np.float32)
        for c0 in range(start - start % CHUNK, stop, CHUNK):
            block = self._draw(np.random.default_rng([self.seed, c0 // CHUNK]), CHUNK)
            lo, hi = max(start, c0), min(stop, c0 + CHUNK)
            if lo < hi:
                out[lo - start:hi - start] = block[lo - c0:hi - c0]
        return out

    def queries(self, n: int) -> np.ndarray:
        return self._draw(np.random.default_rng([self.seed, 10**6]), n)


def latencies(index, queries: np.ndarray, k: int = 10) -> tuple[list[float], np.ndarray]:
    """Milliseconds per single query (after 20 warm-up queries), and the ids found."""
    for i in range(min(20, len(queries))):
        index.search(queries[i:i + 1], k)
    times, found = [], np.empty((len(queries), k), dtype=np.int64)
    for i in range(len(queries)):
        q = queries[i:i + 1]
        t = time.perf_counter()
        _, ids = index.search(q, k)
        times.append((time.perf_counter() - t) * 1000)
        found[i] = ids[0]
    return times, found


def summary(times: list[float]) -> dict:
    xs = sorted(times)
    return {"median_ms": round(statistics.median(xs), 3), "p99_ms": round(xs[int(0.99 * (len(xs) - 1))], 3),
            "mean_ms": round(statistics.fmean(xs), 3)}


def recall_at(truth: np.ndarray, found: np.ndarray, k: int = 10) -> float:
    return float(np.mean([len(set(t[:k]) & set(f[:k])) / k for t, f in zip(truth, found)]))


def file_bytes(index) -> int:
    fd, path = tempfile.mkstemp(suffix=".faiss")
    os.close(fd)
    try:
        faiss.write_index(index, path)
        return os.path.getsize(path)
    finally:
        os.unlink(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="largest collection (default 1,000,000)")
    ap.add_argument("--sizes", default="1000,3000,10000,30000,100000,300000", help="checkpoints below --n")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--flat-queries", type=int, default=None,
                    help="single queries timed on exact search (default: --queries; exact search over 1M takes "
                         "about a second a query on a busy machine)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--m", type=int, default=32, help="HNSW M")
    ap.add_argument("--ef-construction", type=int, default=64)
    ap.add_argument("--ef", default="16,32,64,128,256,512,1024", help="efSearch values to measure")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "scale.json"))
    args = ap.parse_args()

    faiss.omp_set_num_threads(args.threads)
    sizes = sorted({s for s in (int(x) for x in args.sizes.split(",") if x) if s < args.n} | {args.n})
    efs = [int(x) for x in args.ef.split(",") if x]
    data = Synthetic()
    queries = data.queries(args.queries)
    print(f"{args.n:,} synthetic {DIM}-d vectors, {args.queries} queries, {args.threads} threads, "
          f"HNSW M={args.m} efConstruction={args.ef_construction}", flush=True)

    rss_start = rss_bytes()
    graph = faiss.IndexHNSWFlat(DIM, args.m, faiss.METRIC_INNER_PRODUCT)
    graph.hnsw.efConstruction = args.ef_construction
    built, build_s, results = 0, 0.0, []
    for size in sizes:
        rows = data.rows(built, size)
        t = time.perf_counter()
        for i in range(0, len(rows), 20_000):
            graph.add(rows[i:i + 20_000])
        segment = time.perf_counter() - t
        build_s += segment
        built = size
        del rows
        rss_graph = rss_bytes() - rss_start
        print(f"\n{size:,} vectors: HNSW graph grown in {segment:.1f} s ({build_s:.1f} s in all)", flush=True)

        flat = faiss.IndexFlatIP(DIM)
        t = time.perf_counter()
        storage = faiss.downcast_index(graph.storage)
        flat.add(faiss.rev_swig_ptr(storage.get_xb(), size * DIM).reshape(size, DIM))
        flat_build = time.perf_counter() - t
        truth = flat.search(queries, 10)[1]  # batched exact search: the ground truth
        flat_times, flat_found = latencies(flat, queries[:args.flat_queries or len(queries)])
        row = {"n": size,
               "flat": {"build_s": round(flat_build, 3), "file_bytes": file_bytes(flat), **summary(flat_times),
                        "timed_queries": len(flat_times), "recall@10": round(recall_at(truth, flat_found), 4)},
               "hnsw": {"build_s": round(build_s, 2), "segment_build_s": round(segment, 2),
                        "file_bytes": file_bytes(graph), "rss_delta_bytes": int(rss_graph), "ef": {}}}
        del flat
        print(f"  flat        median {row['flat']['median_ms']:8.3f} ms  p99 {row['flat']['p99_ms']:8.3f} ms  "
              f"file {row['flat']['file_bytes'] / 2**20:8.1f} MiB", flush=True)
        for ef in efs:
            graph.hnsw.efSearch = ef
            times, found = latencies(graph, queries)
            cell = {**summary(times), "recall@10": round(recall_at(truth, found), 4)}
            row["hnsw"]["ef"][str(ef)] = cell
            print(f"  hnsw ef={ef:<4} median {cell['median_ms']:8.3f} ms  p99 {cell['p99_ms']:8.3f} ms  "
                  f"recall@10 {cell['recall@10']:.4f}", flush=True)
        t = time.perf_counter()
        ef, self_recall = choose_ef_search(graph)
        seconds = time.perf_counter() - t
        if str(ef) not in row["hnsw"]["ef"]:
            times, found = latencies(graph, queries)
            row["hnsw"]["ef"][str(ef)] = {**summary(times), "recall@10": round(recall_at(truth, found), 4)}
        row["hnsw"]["calibrated"] = {"ef_search": ef, "self_recall@10": self_recall,
                                     "recall@10": row["hnsw"]["ef"][str(ef)]["recall@10"],
                                     "median_ms": row["hnsw"]["ef"][str(ef)]["median_ms"],
                                     "p99_ms": row["hnsw"]["ef"][str(ef)]["p99_ms"], "seconds": round(seconds, 2)}
        ok = [e for e in efs if row["hnsw"]["ef"][str(e)]["recall@10"] >= 0.98]
        row["hnsw"]["smallest_ef_for_0.98"] = ok[0] if ok else None
        print(f"  hnsw file {row['hnsw']['file_bytes'] / 2**20:.1f} MiB, RSS +{rss_graph / 2**20:.1f} MiB; "
              f"calibration picks efSearch {ef} (recall@10 {self_recall} on stored vectors, "
              f"{row['hnsw']['calibrated']['recall@10']} on new queries) in {seconds:.1f} s", flush=True)
        results.append(row)

    crossover = None
    for row in results:
        ef = row["hnsw"]["smallest_ef_for_0.98"]
        if ef is not None and row["hnsw"]["ef"][str(ef)]["median_ms"] < row["flat"]["median_ms"]:
            crossover = row["n"]
            break
    print("\n      n | flat median / p99 ms | HNSW (ef for recall>=0.98) median / p99 ms | recall | build s | "
          "HNSW MiB | calibrated ef, recall, median ms")
    for row in results:
        ef = row["hnsw"]["smallest_ef_for_0.98"]
        cell = row["hnsw"]["ef"].get(str(ef), {}) if ef else {}
        print(f"{row['n']:>7,} | {row['flat']['median_ms']:8.3f} / {row['flat']['p99_ms']:8.3f} | "
              f"ef={ef} {cell.get('median_ms', float('nan')):7.3f} / {cell.get('p99_ms', float('nan')):7.3f} | "
              f"{cell.get('recall@10', float('nan')):.4f} | {row['hnsw']['build_s']:7.1f} | "
              f"{row['hnsw']['file_bytes'] / 2**20:8.1f} | {row['hnsw']['calibrated']['ef_search']}, "
              f"{row['hnsw']['calibrated']['recall@10']:.4f}, {row['hnsw']['calibrated']['median_ms']:.3f}")
    print(f"HNSW at recall@10 >= 0.98 is faster than exact search from {crossover:,} vectors on"
          if crossover else "HNSW never beat exact search at the sizes measured", flush=True)

    out = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": platform.platform(),
           "cpus": os.cpu_count(), "load_average": os.getloadavg(), "threads": args.threads, "faiss": faiss.__version__, "dim": DIM,
           "queries": args.queries, "data": {"topics": TOPICS, "subspace": SUBSPACE, "seed": data.seed},
           "hnsw_m": args.m, "ef_construction": args.ef_construction, "sizes": results,
           "crossover_n": crossover}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
