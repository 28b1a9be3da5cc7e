"""Crash safety: an ingest worker killed with SIGKILL leaves whole articles only, and a rerun finishes the job."""
import json
import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from conftest import ROOT
from store.db import make_engine, session_factory
from store.models import Claim, Document, Sentence, Vector


def _feed(path, n):
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            body = "\n\n".join(f"Article {i}: the county spent ${i}.{j} million on item {j} in 2024, officials said."
                               for j in range(30))
            fh.write(json.dumps({"id": f"a{i}", "title": f"Article {i}", "text": body}) + "\n")


def _check_whole(engine):
    with session_factory(engine)() as s:
        docs = s.scalars(select(Document.id)).all()
        for doc_id in docs:
            n = s.scalar(select(func.count(Sentence.id)).where(Sentence.document_id == doc_id))
            assert n == 30, f"document {doc_id} has {n} of its 30 sentences"
        claims = s.scalar(select(func.count(Claim.id)))
        vectors = s.scalar(select(func.count(Vector.id)).where(Vector.kind == "claim"))
        assert claims == vectors, "every stored claim has its vector"
        return len(docs)


def test_sigkill_mid_ingest_leaves_no_half_article(db_url, tmp_path):
    feed = tmp_path / "feed.jsonl"
    _feed(feed, 40)
    env = dict(os.environ, CLAIMS_HOME=str(tmp_path / "home"), CLAIMS_MODEL="test/hashing", HF_HUB_OFFLINE="1")
    cmd = [sys.executable, "-m", "claims.cli", "ingest", str(feed), "--db", db_url]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    engine = make_engine(db_url)
    deadline = time.monotonic() + 180
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        with session_factory(engine)() as s:
            stored = s.scalar(select(func.count(Document.id)))
        if stored >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the worker ended before it could be killed: {proc.stderr.read()[-2000:]}"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    partial = _check_whole(engine)
    assert 3 <= partial < 40
    # a rerun stores the rest, each article once, and search sees every claim (the index reconciles)
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"{40 - partial} new document" in done.stdout
    assert _check_whole(engine) == 40
    res = subprocess.run([sys.executable, "-m", "claims.cli", "search", "county spent 39.29 million on item 29",
                          "--db", db_url, "--k", "1"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    top = json.loads(res.stdout.splitlines()[0])["results"]
    assert any("Article 39" in r["text"] and "item 29" in r["text"] for r in top), top
    engine.dispose()
