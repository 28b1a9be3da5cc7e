"""Load test: ingest workers pulling a queue and reviewers saving verdicts, at once, on one database.

`--ingest-workers` threads (4) each run the queued jobs in process (`Jobs.drain`, what a Celery worker runs per
task, without the broker) over a JSONL feed of synthetic
articles, some of them the same text under another id; `--reviewers` threads (20) each read the Inbox, open a
claim and save a verdict with the version they read (`Workbench.review(..., expected_version=...)`), and on a
ReviewConflict re-read the claim and try again. Half the reviewers work the 10 claims at the top of the Inbox,
so saves collide. Every thread has its own Workbench (its own engine and connection pool), as separate
processes would. After `--seconds` (60) the threads stop and the database is checked:

- documents: every job done once, every article stored exactly once (none lost, none duplicated);
- verdicts: every successful save is in the history under the version it returned, the history has no other
  event, versions run without gaps, and each claim's final state is its last successful save;
- conflicts: every conflict was raised to its reviewer (it carries a newer version than the one they read),
  and no save succeeded on a stale version.

Prints the counts and the p50/p95 latency of a verdict save and writes bench/results/load.json. The ingest
workers use the hashing embedder and a digit-rule detector, not MiniLM: with the real model the 2-core machine
would measure the model, not the database. Needs PostgreSQL (the default: $CLAIMS_TEST_PG or the local test
server, in a schema of its own, dropped at the end); `--db` takes any URL, SQLite included.

    python bench/load.py                      # 60 s, 4 ingest workers, 20 reviewers
    python bench/load.py --seconds 10 --reviewers 5
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.pipeline.embed import HashingEmbedder  # noqa: E402
from core.errors import ReviewConflict  # noqa: E402
from claims.services.workbench import Workbench  # noqa: E402
from core.settings import load_settings  # noqa: E402
from claims.pipeline.types import NOT_A_CLAIM, Score  # noqa: E402

PG_URL = os.environ.get("CLAIMS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PIPELINE = "hashing embedder + digit-rule detector, no spaCy (the database under load, not the model)"
VERDICTS = ("True", "Mostly true", "Half true", "Mostly false", "False", "Misleading")
HOT = 10


class DigitDetector:
    """A sentence with a digit is a claim: the cheap stand-in for the check-worthiness model."""

    threshold = 0.5

    def score(self, texts, embeddings):
        out = []
        for t in texts:
            has = any(ch.isdigit() for ch in t)
            out.append(Score(0.5 + 0.4 * (sum(ch.isdigit() for ch in t) % 10) / 10 if has else 0.1, has,
                             "quantity" if has else NOT_A_CLAIM, ("number",) if has else ()))
        return out


def article(i: int) -> str:
    rng = random.Random(i)
    lines = [f"Report {i}: the county spent ${rng.randint(1, 90)}.{rng.randint(0, 9)} million on roads in "
             f"{rng.randint(2015, 2025)}, officials said.",
             f"Residents of district {i} spoke at a meeting on Tuesday.",
             f"Bus ridership rose {rng.randint(2, 40)} percent in the year to March, according to agency {i}.",
             "Critics called the plan reckless."]
    return "\n\n".join(lines) + "\n"


def write_feed(path: Path, n: int, dup_every: int = 10) -> dict:
    """n articles as JSONL; every `dup_every`-th repeats an earlier text under a new id. Returns counts."""
    texts = {}
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            text = article(i // 2) if dup_every and i % dup_every == dup_every - 1 else article(i)
            texts[f"a{i}"] = text
            fh.write(json.dumps({"id": f"a{i}", "title": f"Report {i}", "text": text}) + "\n")
    return texts


def _workbench(url: str, home: Path) -> Workbench:
    return Workbench(load_settings(db_url=url, home=str(home)), embedder=HashingEmbedder(),
                     detector=DigitDetector(), attribution=False)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def run(url: str, *, seconds: float = 60.0, ingest_workers: int = 4, reviewers: int = 20,
        feed_size: int | None = None, seed_articles: int = 20, home: Path | None = None, log=print) -> dict:
    """Run the load and check it; returns the figures and the checks (`ok` is True when all hold)."""
    tmp = tempfile.TemporaryDirectory(prefix="claims-load-")
    home = Path(home or tmp.name)
    feed = home / "feed.jsonl"
    # more than the workers can take in the time (so they work throughout), less than a feed's size limit
    texts = write_feed(feed, feed_size or int(min(20000, max(200, 60 * seconds * ingest_workers))))
    setup = _workbench(url, home)
    seed_names = [f"a{i}" for i in range(seed_articles)]
    # a first batch stored before the clock starts, so the reviewers have claims from the first second
    from claims.io.readers import Article

    setup.ingest.articles([Article(name=n, text=texts[n]) for n in seed_names])
    queued = setup.jobs.enqueue([str(feed)], local=True)
    log(f"queued {queued['added']} feed articles; {seed_articles} stored first; "
        f"{ingest_workers} ingest workers, {reviewers} reviewers, {seconds:.0f} s")

    stop = threading.Event()
    deadline = time.monotonic() + seconds
    errors: list[str] = []
    ingest_reports = []
    saves: list[dict] = []  # successful verdict saves
    conflicts: list[dict] = []
    reads = [0]
    lock = threading.Lock()

    def ingest(i: int) -> None:
        wb = _workbench(url, home)
        try:
            while not stop.is_set():  # take whatever is queued, as a worker takes tasks
                report = wb.jobs.drain(worker=f"ingest-{i}", passes=1)
                ingest_reports.append(report)
                if not (report.done or report.failed or report.retried):
                    stop.wait(0.2)
        except Exception as exc:  # reported, and fails the run
            errors.append(f"ingest-{i}: {type(exc).__name__}: {exc}")
        finally:
            wb.engine.dispose()

    def review(i: int) -> None:
        name = f"reviewer-{i:02}"
        rng = random.Random(i)
        wb = _workbench(url, home)
        hot = i % 2 == 0
        n = 0
        try:
            while time.monotonic() < deadline:
                total = wb.browse.inbox(limit=1)["total"]
                offset = 0 if hot else rng.randrange(max(1, total - HOT + 1))
                rows = wb.browse.inbox(order="score", limit=HOT, offset=offset)["rows"]
                if not rows:
                    time.sleep(0.05)
                    continue
                cid = rng.choice(rows)["claim_id"]
                seen = wb.browse.claim(cid)["version"]
                for _ in range(10):
                    n += 1
                    change = {"status": "reviewed", "verdict": rng.choice(VERDICTS),
                              "rationale": f"{name} save {n}"}
                    t0 = time.perf_counter()
                    try:
                        state = wb.reviews.save(cid, change, reviewer=name, expected_version=seen)
                    except ReviewConflict as exc:
                        took = time.perf_counter() - t0
                        with lock:
                            conflicts.append({"claim_id": cid, "reviewer": name, "expected": seen,
                                              "current": (exc.current or {}).get("version"), "seconds": took})
                        seen = wb.browse.claim(cid)["version"]  # re-read, then apply the change again
                        with lock:
                            reads[0] += 1
                        continue
                    took = time.perf_counter() - t0
                    with lock:
                        saves.append({"claim_id": cid, "reviewer": name, "expected": seen,
                                      "version": state["version"], "seconds": took, **change})
                    break
                with lock:
                    reads[0] += 3
        except Exception as exc:  # reported, and fails the run
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
        finally:
            wb.engine.dispose()

    threads = ([threading.Thread(target=ingest, args=(i,)) for i in range(ingest_workers)]
               + [threading.Thread(target=review, args=(i,)) for i in range(reviewers)])
    load_at_start = round(os.getloadavg()[0], 1)  # the machine may be shared: say how busy it was
    started = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(max(0.0, deadline - time.monotonic()))
    stop.set()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started

    checks = verify(setup, texts, seed_names, saves, conflicts)
    latencies = [s["seconds"] * 1000 for s in saves]
    conflict_ms = [c["seconds"] * 1000 for c in conflicts]
    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "database": setup.engine.dialect.name,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_1min_at_start": load_at_start, "load_average_1min_at_end": round(os.getloadavg()[0], 1)},
        "pipeline": PIPELINE,
        "seconds": round(elapsed, 1), "ingest_workers": ingest_workers, "reviewers": reviewers,
        "documents_stored": checks["documents"], "jobs_done": checks["jobs_done"],
        "duplicate_articles_seen": checks["duplicates_seen"],
        "ingest_articles_per_s": round(checks["jobs_done"] / elapsed, 1),
        "verdict_saves": len(saves), "saves_per_s": round(len(saves) / elapsed, 1),
        "conflicts": len(conflicts), "claims_saved": len({s["claim_id"] for s in saves}),
        "save_ms": {"p50": _r(pct(latencies, 50)), "p95": _r(pct(latencies, 95)), "max": _r(max(latencies, default=None))},
        "conflict_ms": {"p50": _r(pct(conflict_ms, 50)), "p95": _r(pct(conflict_ms, 95))},
        "reads": reads[0],
        "checks": checks["checks"], "problems": checks["problems"] + errors,
    }
    result["ok"] = not result["problems"]
    setup.engine.dispose()
    tmp.cleanup()
    return result


def _r(v):
    return None if v is None else round(v, 1)


def verify(wb: Workbench, texts: dict, seed_names: list[str], saves: list[dict], conflicts: list[dict]) -> dict:
    """Check the database against what the threads did; `problems` lists every invariant broken."""
    from sqlalchemy import func, select

    from store import repo
    from store.models import Claim, Document, Job, ReviewEvent

    problems: list[str] = []
    with wb.session() as s:
        jobs = s.execute(select(Job.target, Job.status, Job.attempts, Job.documents, Job.duplicates)).all()
        hashes = set(s.scalars(select(Document.content_hash)))
        n_docs = s.scalar(select(func.count(Document.id)))
        done = [j for j in jobs if j.status == "done"]
        if any(j.status in ("running", "failed") for j in jobs):
            problems.append(f"jobs left running or failed: {sum(j.status in ('running', 'failed') for j in jobs)}")
        if any(j.attempts != 1 for j in done):
            problems.append("a job was done more than once")
        if any(j.documents + j.duplicates != 1 for j in done):
            problems.append("a job stored other than one article")
        expected = {repo.content_hash(texts[n]) for n in seed_names} | {repo.content_hash(texts[j.target]) for j in done}
        if hashes != expected:
            problems.append(f"documents lost: {len(expected - hashes)}, unexpected: {len(hashes - expected)}")
        if n_docs != len(hashes):
            problems.append("duplicate documents")
        stored_new = sum(j.documents for j in done)
        if stored_new + len(set(repo.content_hash(texts[n]) for n in seed_names)) != n_docs:
            problems.append(f"jobs report {stored_new} new documents, the database holds {n_docs}")

        events = defaultdict(list)
        for e in s.scalars(select(ReviewEvent).order_by(ReviewEvent.id)):
            events[e.claim_id].append(e)
        claims = {c.id: c for c in s.scalars(select(Claim).where(Claim.id.in_(list(events) or [0])))}
    by_claim = defaultdict(list)
    for sv in saves:
        by_claim[sv["claim_id"]].append(sv)
    for sv in saves:
        if sv["version"] != sv["expected"] + 1:
            problems.append(f"claim {sv['claim_id']}: a save on version {sv['expected']} made {sv['version']}")
    lost = extra = 0
    for cid in set(events) | set(by_claim):
        evs = {e.version: e for e in events.get(cid, [])}
        mine = {sv["version"]: sv for sv in by_claim.get(cid, [])}
        if len(mine) != len(by_claim.get(cid, [])):
            problems.append(f"claim {cid}: two saves returned the same version")
        for v, sv in mine.items():
            e = evs.get(v)
            if e is None or e.reviewer != sv["reviewer"] or json.loads(e.changes).get("rationale", [None, None])[1] != sv["rationale"]:
                lost += 1
        extra += len(set(evs) - set(mine))
        if sorted(evs) != list(range(2, 2 + len(evs))):
            problems.append(f"claim {cid}: history versions {sorted(evs)} have gaps")
        if mine:
            last = mine[max(mine)]
            c = claims.get(cid)
            if c is None or (c.version, c.verdict, c.rationale, c.reviewer) != (
                    last["version"], last["verdict"], last["rationale"], last["reviewer"]):
                problems.append(f"claim {cid}: final state is not the last successful save")
    if lost:
        problems.append(f"{lost} successful saves missing from the history")
    if extra:
        problems.append(f"{extra} history events no reviewer saved")
    unreported = [c for c in conflicts if c["current"] is None or c["current"] <= c["expected"]]
    if unreported:
        problems.append(f"{len(unreported)} conflicts without a newer version to show")
    checks = {
        "every job done once, every article stored once": not any("job" in p or "document" in p for p in problems),
        "every successful save in the history, final state = last save": not lost and not any(
            "final state" in p or "gaps" in p for p in problems),
        "no history event without a save": not extra,
        "every conflict reported with the newer version; no save on a stale version": not unreported and not any(
            "a save on version" in p for p in problems),
    }
    return {"documents": n_docs, "jobs_done": len(done), "duplicates_seen": sum(j.duplicates for j in done),
            "checks": checks, "problems": problems}


def _schema_url(base: str):
    import psycopg

    schema = "load_" + uuid.uuid4().hex[:10]
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", lambda: _drop(plain, schema)


def _drop(plain: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--ingest-workers", type=int, default=4)
    ap.add_argument("--reviewers", type=int, default=20)
    ap.add_argument("--db", default=None, help="database URL, used as is (default: a new schema on $CLAIMS_TEST_PG)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "load.json"))
    args = ap.parse_args(argv)
    if args.db:
        url, cleanup = args.db, (lambda: None)
    else:
        url, cleanup = _schema_url(PG_URL)
    try:
        result = run(url, seconds=args.seconds, ingest_workers=args.ingest_workers, reviewers=args.reviewers)
    finally:
        cleanup()
    print(f"database {result['database']}, {result['seconds']} s, {result['ingest_workers']} ingest workers, "
          f"{result['reviewers']} reviewers on {result['machine']['cores']} cores (load average "
          f"{result['machine']['load_average_1min_at_start']} at the start, {result['machine']['load_average_1min_at_end']} at the end)")
    print(f"ingest pipeline: {result['pipeline']}")
    print(f"documents stored  {result['documents_stored']} ({result['jobs_done']} jobs done, "
          f"{result['duplicate_articles_seen']} repeated articles stored once; {result['ingest_articles_per_s']} articles/s)")
    print(f"verdict saves     {result['verdict_saves']} on {result['claims_saved']} claims ({result['saves_per_s']}/s)")
    print(f"conflicts         {result['conflicts']} (each reported, re-read and retried)")
    print(f"save latency ms   p50 {result['save_ms']['p50']}  p95 {result['save_ms']['p95']}  max {result['save_ms']['max']}")
    for name, ok in result["checks"].items():
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    for p in result["problems"]:
        print(f"problem: {p}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
