"""Time to first render of the Inbox and the Claim page with 100,000 stored claims.

Builds a SQLite database of synthetic articles (sentences, claims, sources, vectors, recorded archive matches,
some review history) in a temporary CLAIMS_HOME with bulk inserts, then renders each page in-process with
Streamlit's AppTest: once cold (a fresh server process: engine, schema check and FAISS index built on the way),
then as a new browser session on a warm server (the median of several runs after a warm-up). Prints the figures
and writes bench/results/ui_render.json. Never asserts anything.

    python bench/ui_render.py                # 100,000 claims
    python bench/ui_render.py --claims 20000 --runs 3
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
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from store.db import make_engine  # noqa: E402
from store.models import (Attribution, Claim, ClaimMatch, Document, FactCheck, ReviewEvent, Sentence,  # noqa: E402
                          Vector)

MODEL = "test/hashing"  # the fast stand-in: this measures the screens, not the embedding model
DIM = 384
TYPES = ("quantity", "comparison", "causal", "prediction", "law or rule", "personal experience", "event", "other")
SOURCES = ("Mayor Ana Ruiz", "the council's finance office", "Senator Lopez", "the health ministry",
           "police officials", "the chamber of commerce", "a senior administration official", "")
VERDICTS = ("True", "Mostly true", "Half true", "Mostly false", "False", "Misleading")
REVIEWERS = ("alice", "bob", "carol", "dana")


def sentence_text(rng: random.Random, d: int, i: int, claim: bool) -> str:
    if claim:
        n = rng.randint(2, 950)
        return (f"Spending on item {i} of report {d} rose {n} percent to ${rng.randint(1, 90)}.{rng.randint(0, 9)} "
                f"million in {rng.randint(2015, 2025)}, officials said.")
    return f"Residents of district {d} spoke about topic {i} at a meeting on Tuesday."


def build(url: str, n_claims: int, claims_per_doc: int = 50, other_per_doc: int = 30, n_factchecks: int = 1000,
          seed: int = 7) -> dict:
    """Fill an empty database with `n_claims` claims in documents of `claims_per_doc` claims each."""
    rng = random.Random(seed)
    vec_rng = np.random.default_rng(seed)
    engine = make_engine(url)
    n_docs = -(-n_claims // claims_per_doc)
    now = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(FactCheck), [{
            "id": f + 1, "key": f"https://factcheck.example.org/{f}", "claim": sentence_text(rng, -1, f, True),
            "verdict": rng.choice(VERDICTS), "url": f"https://factcheck.example.org/{f}", "date": "2024-01-01",
            "speaker": rng.choice(SOURCES), "title": "", "created_at": now - timedelta(days=90),
            "updated_at": now - timedelta(days=90)} for f in range(n_factchecks)])
        fc_vecs = vec_rng.standard_normal((n_factchecks, DIM)).astype(np.float32)
        fc_vecs /= np.linalg.norm(fc_vecs, axis=1, keepdims=True)
        conn.execute(insert(Vector), [{"kind": "factcheck", "ref_id": f + 1, "model": MODEL, "dim": DIM,
                                       "data": fc_vecs[f].tobytes()} for f in range(n_factchecks)])
        sentence_id = claim_id = 0
        made = 0
        for d in range(n_docs):
            k = min(claims_per_doc, n_claims - made)
            kinds = [True] * k + [False] * other_per_doc
            rng.shuffle(kinds)
            texts = [sentence_text(rng, d, i, c) for i, c in enumerate(kinds)]
            created = now - timedelta(days=rng.randint(0, 59), minutes=rng.randint(0, 1439))
            conn.execute(insert(Document), [{
                "id": d + 1, "content_hash": f"{d:064x}", "name": f"article-{d:05d}.txt", "origin": "",
                "title": f"Report {d}: council spending under scrutiny", "text": "\n".join(texts), "published": "",
                "created_at": created}])
            sentences, claims, attributions, vectors, matches, events = [], [], [], [], [], []
            offset = 0
            for i, (text, is_claim) in enumerate(zip(texts, kinds)):
                sentence_id += 1
                score = rng.uniform(0.45, 0.99) if is_claim else rng.uniform(0.0, 0.4)
                kind = rng.choice(TYPES) if is_claim else "not a claim"
                sentences.append({"id": sentence_id, "document_id": d + 1, "idx": i, "text": text, "start": offset,
                                  "end": offset + len(text), "kind": "body", "score": score, "is_claim": is_claim,
                                  "claim_type": kind, "reasons": "number,money amount" if is_claim else ""})
                offset += len(text) + 1
                source = rng.choice(SOURCES)
                if source:
                    attributions.append({"sentence_id": sentence_id, "ord": 0, "source": source, "cue": "said",
                                         "content": text, "quote": "reported", "source_type": "person",
                                         "resolved": "", "edited": False})
                if not is_claim:
                    continue
                claim_id += 1
                reviewed = rng.random() < 0.1
                verdict = rng.choice(VERDICTS) if reviewed else ""
                claims.append({"id": claim_id, "sentence_id": sentence_id, "document_id": d + 1, "text": text,
                               "score": score, "claim_type": kind, "origin": "detector",
                               "status": "reviewed" if reviewed else "new", "verdict": verdict, "rationale": "",
                               "evidence": "", "reviewer": rng.choice(REVIEWERS) if reviewed else "",
                               "assignee": rng.choice(REVIEWERS) if rng.random() < 0.2 else "",
                               "version": 2 if reviewed else 1, "created_at": created, "updated_at": created})
                vec = vec_rng.standard_normal(DIM).astype(np.float32)
                vectors.append({"kind": "claim", "ref_id": claim_id, "model": MODEL, "dim": DIM,
                                "data": (vec / np.linalg.norm(vec)).tobytes()})
                best = rng.uniform(0.2, 0.95)
                matches.append({"claim_id": claim_id, "factcheck_id": rng.randint(1, n_factchecks), "score": best,
                                "is_match": best >= 0.856, "model": f"{MODEL}|rerank", "matched_at": now})
                if reviewed:
                    events.append({"claim_id": claim_id, "reviewer": claims[-1]["reviewer"], "version": 2,
                                   "at": created + timedelta(hours=rng.randint(1, 48)),
                                   "changes": json.dumps({"status": ["new", "reviewed"], "verdict": ["", verdict]})})
            conn.execute(insert(Sentence), sentences)
            conn.execute(insert(Claim), claims)
            if attributions:
                conn.execute(insert(Attribution), attributions)
            conn.execute(insert(Vector), vectors)
            conn.execute(insert(ClaimMatch), matches)
            if events:
                conn.execute(insert(ReviewEvent), events)
            made += k
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    return {"documents": n_docs, "sentences": sentence_id, "claims": claim_id, "factchecks": n_factchecks,
            "build_s": round(time.perf_counter() - t0, 1)}


def ensure_reranker(tmp: str) -> str:
    """The Claim page ranks past fact-checks with `claims/data/reranker.npz`. Where a checkout lacks the file,
    time the same work with placeholder weights (what the page computes does not depend on their values)."""
    from claims.matching import rerank

    if rerank.default_path().is_file():
        return "shipped"
    n = len(rerank.FEATURE_NAMES)
    path = Path(tmp) / "reranker.npz"
    rerank.Reranker(np.zeros(n), 0.0, np.zeros(n), np.ones(n), fusion_weight=0.5, match_threshold=0.75,
                    possible_threshold=0.5).save(path)
    rerank.default_path = lambda: path
    return "placeholder weights (claims/data/reranker.npz is not in this checkout)"


def query_timings(runs: int) -> dict:
    """Seconds (median) for the service calls behind the screens, filtered and deep-paged ones included."""
    from claims.services.workbench import Workbench
    from core.settings import load_settings

    wb = Workbench(load_settings())
    total = wb.browse.count()
    calls = {
        "inbox page 1": lambda: wb.browse.inbox(limit=50),
        "inbox last page": lambda: wb.browse.inbox(limit=50, offset=total - 50),
        "inbox status=new, type=quantity": lambda: wb.browse.inbox({"statuses": ["new"], "claim_types": ["quantity"]}),
        "inbox source contains": lambda: wb.browse.inbox({"source": "ruiz"}),
        "inbox text contains": lambda: wb.browse.inbox({"text": "rose 42 percent"}),
        "inbox has a match": lambda: wb.browse.inbox({"has_match": True}),
        "inbox by closest match": lambda: wb.browse.inbox(order="match"),
        "inbox date range": lambda: wb.browse.inbox({"date_from": datetime.now(timezone.utc).date() - timedelta(days=7)}),
        "filter choices": wb.browse.facets,
        "pending matches": wb.matches.pending,
        "dashboard": wb.browse.dashboard,
    }
    out = {}
    for name, call in calls.items():
        call()
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            call()
            times.append(time.perf_counter() - t)
        out[name] = round(statistics.median(times), 4)
    wb.engine.dispose()
    return out


def render(page: str, *, query: dict | None = None) -> float:
    """Seconds for one new session's first run of `page`, as a reviewer's browser tab would get it."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.switch_page(page)
    if query:
        at.query_params.update(query)
    t = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - t
    if at.exception:
        raise SystemExit(f"{page} failed: {at.exception[0].message}")
    if at.error:
        raise SystemExit(f"{page} showed an error: {at.error[0].value}")
    return elapsed


def wait_for_indexes(limit: float = 600.0) -> float:
    """Seconds until the server's indexes, opening in the background since it started, are open."""
    from app_pages.common import get_bench

    bench, t = get_bench(), time.perf_counter()
    while bench.indexes.loading() and time.perf_counter() - t < limit:
        time.sleep(0.1)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "ui_render.json"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="claims-ui-bench-") as tmp:
        os.environ.update(CLAIMS_HOME=tmp, CLAIMS_MODEL=MODEL, CLAIMS_REVIEWER="bench")
        for name in ("CLAIMS_DB", "CLAIMS_REVIEWER_HEADER", "CLAIMS_VERDICTS"):
            os.environ.pop(name, None)
        url = f"sqlite:///{Path(tmp) / 'claims.db'}"
        print(f"building a database of {args.claims:,} claims in {tmp} …", flush=True)
        data = build(url, args.claims)
        print(f"  {data['documents']:,} documents, {data['sentences']:,} sentences, {data['claims']:,} claims "
              f"in {data['build_s']} s", flush=True)

        import streamlit as st

        reranker = ensure_reranker(tmp)

        middle = data["claims"] // 2
        pages = {
            "inbox": ("app_pages/inbox.py", None),
            "claim": ("app_pages/claim.py", {"id": str(middle)}),
        }
        queries = query_timings(args.runs)
        cold, index_ready = {}, {}
        for name, (path, q) in pages.items():
            for f in (Path(tmp) / "index").glob("*"):  # no saved index either: the slowest start, built from the database
                f.unlink()
            st.cache_resource.clear()  # each page is the first after its own server start
            t0 = time.perf_counter()
            cold[name] = render(path, query=q)
            index_ready[name] = round(wait_for_indexes() + (time.perf_counter() - t0), 3)
        warm = {}
        for name, (path, q) in pages.items():
            render(path, query=q)  # warm-up
            warm[name] = [render(path, query=q) for _ in range(args.runs)]
        st.cache_resource.clear()

    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "database": "sqlite",
        "embedding_model": MODEL,
        "reranker": reranker,
        **data,
        "target_s": 1.5,
        "first_render_s": {name: round(statistics.median(ts), 3) for name, ts in warm.items()},
        "first_render_runs_s": {name: [round(t, 3) for t in ts] for name, ts in warm.items()},
        "cold_server_first_render_s": {name: round(t, 3) for name, t in cold.items()},
        "cold_server_indexes_open_s": index_ready,
        "cold_target_s": 2.0,
        "service_s": queries,
        "runs": args.runs,
        "what": "AppTest first run of the page in a new session (median after a warm-up); cold: the first "
                "render after the server process starts, no saved index (engine, schema check; the FAISS indexes "
                "open in the background: cold_server_indexes_open_s is when they were open, from the start)",
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"time to first render with {data['claims']:,} claims (median of {args.runs}, new session, warm server):")
    for name, t in result["first_render_s"].items():
        print(f"  {name:6s} {t:6.3f} s   (cold server: {result['cold_server_first_render_s'][name]:.3f} s; its indexes "
              f"open after {index_ready[name]:.1f} s)")
    print("service calls behind them (median):")
    for name, t in queries.items():
        print(f"  {name:34s} {t:7.4f} s")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
