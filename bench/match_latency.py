"""Query time of matching one claim against the 14,231-check CheckThat! archive, as the product does it: encode
the query with MiniLM, hybrid retrieval (FAISS + BM25, 50 each), re-rank and explain (`Matches.search`, past
fact-checks only, k=5), on a SQLite database the archive was imported into.

With --baseline REV, the same queries are timed in the same run with the code of git revision REV (checked
out to a temporary folder, its own reranker included) on the same database, in alternating rounds, so that
the two figures share the machine's load; the ratio is what to compare (this machine's speed varies by 2x
between days). Queries: CheckThat! dev-test tweets (often several sentences) and, as single sentences, the
first sentence of each. Prints median and p99 per tree and writes bench/results/match_latency.json. Never
asserts anything.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Run in a child process with the tree to time first on sys.path: argv = tree, home, queries file, warm-up.
TIMER = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
os.environ["CLAIMS_HOME"] = sys.argv[2]
from claims.services.workbench import Workbench
from core.settings import load_settings
wb = Workbench(load_settings(home=sys.argv[2]))
queries = json.load(open(sys.argv[3], encoding="utf-8"))
for q in queries[: int(sys.argv[4])]:
    wb.matches.search([q], k=5, kinds=("factcheck",))
out = []
for q in queries:
    t0 = time.perf_counter()
    wb.matches.search([q], k=5, kinds=("factcheck",))
    out.append((time.perf_counter() - t0) * 1000)
print(json.dumps(out))
"""


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "checkthat2022_2a"))
    ap.add_argument("--baseline", default=None, help="a git revision to time in the same run")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds per tree")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "match_latency.json"))
    args = ap.parse_args()
    data = Path(args.data)
    if not (data / "vclaims.jsonl").exists():
        sys.exit(f"{data / 'vclaims.jsonl'} is not here: this benchmark needs ../shared/data/checkthat2022_2a")
    from bench.import_archive import convert
    from claims.research.eval_match import read_queries
    from claims.services.workbench import Workbench
    from core.settings import load_settings

    with tempfile.TemporaryDirectory(prefix="claims-match-bench-") as tmp:
        tmp = Path(tmp)
        home = tmp / "home"
        convert(data / "vclaims.jsonl", tmp / "archive.jsonl")
        t0 = time.perf_counter()
        wb = Workbench(load_settings(home=str(home)))
        wb.archive.import_file(tmp / "archive.jsonl")
        print(f"imported the archive in {time.perf_counter() - t0:.0f}s", flush=True)
        tweets = list(read_queries(data / "devtest_queries.tsv").values())
        from claims.matching.match import query_sentences, query_text

        singles = [(query_sentences(t) or [query_text(t)])[0] for t in tweets]
        qfile = tmp / "queries.json"
        qfile.write_text(json.dumps(tweets + singles), encoding="utf-8")
        trees = {"current": ROOT}
        if args.baseline:
            base = tmp / "baseline"
            base.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.baseline], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
            trees[f"baseline {args.baseline}"] = base
        times: dict[str, list[float]] = {name: [] for name in trees}
        for r in range(args.rounds):
            for name, tree in trees.items():
                done = subprocess.run([sys.executable, "-c", TIMER, str(tree), str(home), str(qfile), "20"],
                                      check=True, capture_output=True, text=True)
                times[name] += json.loads(done.stdout.strip().splitlines()[-1])
                print(f"round {r + 1}, {name}: median {percentile(times[name][-len(tweets) * 2:], 50):.1f} ms",
                      flush=True)
        n = len(tweets)
        result = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": platform.machine(),
                  "cpus": os.cpu_count(), "archive": 14231, "queries": {"tweets": n, "single sentences": n},
                  "rounds": args.rounds, "trees": {}}
        for name, ts in times.items():
            per_round = [ts[i:i + 2 * n] for i in range(0, len(ts), 2 * n)]
            tw = [t for rnd in per_round for t in rnd[:n]]
            si = [t for rnd in per_round for t in rnd[n:]]
            result["trees"][name] = {kind: {"p50_ms": round(percentile(v, 50), 2), "p99_ms": round(percentile(v, 99), 2)}
                                     for kind, v in (("tweets", tw), ("single sentences", si), ("all", tw + si))}
        print(f"\n{'tree':<24} {'tweets p50':>11} {'p99':>8} {'sentences p50':>14} {'p99':>8} {'all p50':>8} {'p99':>8}")
        for name, r in result["trees"].items():
            print(f"{name:<24} " + " ".join(f"{r[k]['p50_ms']:>{w}.1f} {r[k]['p99_ms']:>8.1f}" for k, w in
                                           (("tweets", 11), ("single sentences", 14), ("all", 8))))
        if args.baseline:
            cur, old = result["trees"]["current"]["all"], result["trees"][f"baseline {args.baseline}"]["all"]
            result["ratio_p50"] = round(cur["p50_ms"] / old["p50_ms"], 3)
            result["ratio_p99"] = round(cur["p99_ms"] / old["p99_ms"], 3)
            print(f"current / baseline: p50 {result['ratio_p50']:.2f}x, p99 {result['ratio_p99']:.2f}x")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
