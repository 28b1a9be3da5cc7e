"""A short run of bench/load.py (2 ingest workers, 5 reviewers, 5 s): the invariants hold (no document lost
or stored twice, no verdict lost, every conflict reported); and its checks do catch a lost verdict."""
import importlib.util

from sqlalchemy import delete, select

from conftest import ROOT


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_short_load_run_keeps_every_document_and_verdict(db_url, tmp_path):
    load = _load_bench()
    result = load.run(db_url, seconds=5, ingest_workers=2, reviewers=5, home=tmp_path, log=lambda *_: None)
    assert result["problems"] == [] and result["ok"]
    assert all(result["checks"].values()), result["checks"]
    assert result["verdict_saves"] > 0 and result["jobs_done"] > 0
    assert result["documents_stored"] >= 20  # the first batch, plus what the workers stored


def test_load_checks_catch_a_lost_verdict_and_a_lost_document(bench):
    from store.models import Document, ReviewEvent

    load = _load_bench()
    texts = {"a0": load.article(0), "a1": load.article(1)}
    from claims.io.readers import Article

    bench.ingest.articles([Article(name=n, text=t) for n, t in texts.items()])
    cid = bench.browse.claims()[0]["claim_id"]
    saves = []
    for n in range(3):
        change = {"status": "reviewed", "verdict": "True", "rationale": f"r{n}"}
        state = bench.reviews.save(cid, change, reviewer="alice", expected_version=n + 1)
        saves.append({"claim_id": cid, "reviewer": "alice", "expected": n + 1, "version": state["version"],
                      **change})
    assert load.verify(bench, texts, ["a0", "a1"], saves, [])["problems"] == []
    with bench.session() as s, s.begin():
        s.execute(delete(ReviewEvent).where(ReviewEvent.version == 3))
        doc_of_claim = bench.browse.claim(cid)["document_id"]
        s.execute(delete(Document).where(Document.id == s.scalar(select(Document.id).where(Document.id != doc_of_claim))))
    problems = load.verify(bench, texts, ["a0", "a1"], saves, [{"expected": 2, "current": 2}])["problems"]
    assert any("missing from the history" in p for p in problems)
    assert any("gaps" in p for p in problems)
    assert any("documents lost: 1" in p for p in problems)
    assert any("conflicts without a newer version" in p for p in problems)
