"""Ingest throughput on Celery with 1, 2 and 4 worker processes, and the time from a feed item appearing to its
alert. Real parts: RabbitMQ (or $CLAIMS_BENCH_BROKER), PostgreSQL (a schema of its own, dropped at the end),
the real models (MiniLM, the detector, spaCy) unless --fast.

Throughput: for each worker count, a fresh schema, `claims worker --concurrency N` started and waited for until
every process has loaded its models (one warm-up article each), then --articles real Wikinews articles
(../shared/data/wikinews, the newest ones) queued with `claims queue add`; the clock runs from queueing to the
last job done. Alert latency: a local HTTP server serves a feed whose new item repeats an archived
fact-check; one worker and `claims monitor --check-every 5` run; the clock runs from the item appearing to
`claims alerts` listing it. Prints the figures and writes bench/results/workers.json. Never asserts anything.

    python bench/workers.py                      # 1, 2, 4 workers, 40 articles each
    python bench/workers.py --workers 1,2 --articles 20 --fast
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.load import PG_URL, _schema_url  # noqa: E402

BROKER = os.environ.get("CLAIMS_BENCH_BROKER", "amqp://guest:guest@127.0.0.1:5672//")


def cli(env, *args, timeout=600):
    return subprocess.run([sys.executable, "-m", "claims.cli", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def bench_for(env):
    """A Workbench in this process on the run's database and broker (queueing and counting without a CLI start)."""
    from claims.services.workbench import Workbench
    from core.settings import load_settings

    return Workbench(load_settings(db_url=env["CLAIMS_DB"], home=env["CLAIMS_HOME"]).with_options(
        broker=env["CLAIMS_BROKER"], queue=env["CLAIMS_QUEUE"]))


def wait_done(wb, n, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        c = wb.jobs.status(limit=1)["counts"]
        if c.get("done", 0) + c.get("failed", 0) >= n:
            return c
        time.sleep(0.2)
    return wb.jobs.status(limit=1)["counts"]


def start_workers(env, n, log):
    return subprocess.Popen([sys.executable, "-m", "claims.cli", "worker", "--concurrency", str(n)], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc):
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def write_articles(folder: Path, data: Path, n: int, start: int = 0) -> int:
    every = data.read_text(encoding="utf-8").splitlines()
    lines = every[len(every) - start - n:len(every) - start]  # the newest articles, `start` from the end
    folder.mkdir(parents=True, exist_ok=True)
    words = 0
    for line in lines:
        rec = json.loads(line)
        text = f"{rec['title']}\n\n{rec['text']}"
        words += len(text.split())
        (folder / f"{rec['id']}.txt").write_text(text, encoding="utf-8")
    return words


def throughput(workers: int, args, tmp: Path, base_env: dict) -> dict:
    url, cleanup = _schema_url(PG_URL)
    env = dict(base_env, CLAIMS_DB=url, CLAIMS_QUEUE=f"bench-{uuid.uuid4().hex[:8]}",
               CLAIMS_HOME=str(tmp / f"home-{workers}"))
    log = open(tmp / f"workers-{workers}.log", "w", encoding="utf-8")
    proc = start_workers(env, workers, log)
    wb = bench_for(env)
    try:
        warm = tmp / f"warm-{workers}"
        write_articles(warm, args.data, workers, start=args.articles)  # one per process: models load
        wb.jobs.enqueue([str(warm)])
        wait_done(wb, workers, 900)
        folder = tmp / f"arts-{workers}"
        words = write_articles(folder, args.data, args.articles)
        t0 = time.perf_counter()
        wb.jobs.enqueue([str(folder)])
        c = wait_done(wb, workers + args.articles, 3600)
        seconds = time.perf_counter() - t0
    finally:
        stop(proc)
        log.close()
        wb.engine.dispose()
        cleanup()
    return {"workers": workers, "articles": args.articles, "words": words, "seconds": round(seconds, 1),
            "articles_per_s": round(args.articles / seconds, 3), "words_per_s": round(words / seconds, 1),
            "done": c.get("done", 0) - workers, "failed": c.get("failed", 0)}


def alert_latency(args, tmp: Path, base_env: dict) -> dict:
    from test_sources import Site, _rss, _serve, _story

    site = _serve(Site())
    url, cleanup = _schema_url(PG_URL)
    env = dict(base_env, CLAIMS_DB=url, CLAIMS_QUEUE=f"bench-{uuid.uuid4().hex[:8]}", CLAIMS_HOME=str(tmp / "home-a"),
               CLAIMS_ALLOW_PRIVATE_URLS="1")
    logs = [open(tmp / "alert-worker.log", "w"), open(tmp / "alert-monitor.log", "w")]
    procs = []
    try:
        archive = tmp / "archive.csv"
        archive.write_text("claim,verdict,url\n\"The county spent $9.5 million on roads in 2024, officials said on "
                           "Monday.\",False,https://fc.example/roads\n", encoding="utf-8")
        cli(env, "import-factchecks", str(archive))
        site.pages["/story-1"] = (_story(1), "text/html")
        site.pages["/feed.xml"] = (_rss(site, [("/story-1", "Story 1")]), "application/rss+xml")
        cli(env, "sources", "add", f"{site.base}/feed.xml", "--every", "1m")
        procs = [start_workers(env, 1, logs[0]),
                 subprocess.Popen([sys.executable, "-m", "claims.cli", "monitor", "--check-every", "5"], cwd=ROOT,
                                  env=env, stdout=logs[1], stderr=subprocess.STDOUT, start_new_session=True)]
        wb = bench_for(env)
        wait_done(wb, 1, 900)  # the first poll took story 1: the models are loaded
        time.sleep(61)  # the source is due again in a minute
        site.pages["/story-9"] = (_story(9), "text/html")
        site.pages["/feed.xml"] = (_rss(site, [("/story-9", "Story 9"), ("/story-1", "Story 1")]),
                                   "application/rss+xml")
        t0 = time.perf_counter()
        seconds = None
        poll_to_alert = None
        while time.perf_counter() - t0 < 600:
            found = [a for a in wb.matches.alerts() if a["document"].endswith("/story-9")]
            if found:
                seconds = time.perf_counter() - t0
                # the poll that found the item, to the alert: what follows the wait for the next poll
                polled = datetime.fromisoformat(wb.sources.list()[0]["last_polled_at"])
                poll_to_alert = (datetime.fromisoformat(found[0]["created_at"]) - polled).total_seconds()
                break
            time.sleep(0.2)
        wb.engine.dispose()
    finally:
        for p in procs:
            stop(p)
        for h in logs:
            h.close()
        cleanup()
        site.server.shutdown()
    return {"check_every_s": 5, "poll_every_s": 60, "seconds_item_to_alert": None if seconds is None else
            round(seconds, 1), "seconds_poll_to_alert": None if poll_to_alert is None else round(poll_to_alert, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--articles", type=int, default=40)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "wikinews" / "articles.jsonl")
    ap.add_argument("--fast", action="store_true", help="the hashing embedder instead of MiniLM")
    ap.add_argument("--no-alert", action="store_true", help="skip the feed-to-alert measurement")
    ap.add_argument("--threads", type=int, default=0,
                    help="torch and BLAS threads per worker process (OMP_NUM_THREADS; the parse helper off); "
                         "0: as the libraries choose (each process then uses every core)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "workers.json"))
    args = ap.parse_args()
    if not args.data.exists():
        sys.exit(f"{args.data} is not here: this benchmark reads real articles from ../shared/data/wikinews")
    base_env = dict(os.environ, CLAIMS_BROKER=BROKER, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                    CLAIMS_FETCH_PER_HOST="0")
    if args.fast:
        base_env["CLAIMS_MODEL"] = "test/hashing"
    if args.threads:
        base_env.update(OMP_NUM_THREADS=str(args.threads), MKL_NUM_THREADS=str(args.threads), CLAIMS_PARSE_HELPER="0")
    load0 = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="claims-workers-bench-") as tmp:
        runs = []
        for n in [int(x) for x in args.workers.split(",") if x.strip()]:
            r = throughput(n, args, Path(tmp), base_env)
            runs.append(r)
            print(f"{n} worker process(es): {r['articles']} articles ({r['words']:,} words) in {r['seconds']} s, "
                  f"{r['articles_per_s']} articles/s, {r['words_per_s']} words/s; failed {r['failed']}", flush=True)
        alert = None if args.no_alert else alert_latency(args, Path(tmp), base_env)
        if alert:
            print(f"feed item to alert: {alert['seconds_item_to_alert']} s (the source polled every "
                  f"{alert['poll_every_s']} s, the monitor checking every {alert['check_every_s']} s); from the poll "
                  f"that found it: {alert['seconds_poll_to_alert']} s", flush=True)
    base = runs[0]["articles_per_s"] if runs else None
    for r in runs:
        r["speedup_vs_first"] = round(r["articles_per_s"] / base, 2) if base else None
    result = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "cpus": os.cpu_count(),
              "machine": platform.machine(), "threads_per_process": args.threads or "library default",
              "load_average_start": round(load0, 2),
              "load_average_end": round(os.getloadavg()[0], 2), "models": "hashing" if args.fast else "real",
              "throughput": runs, "alert": alert}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
