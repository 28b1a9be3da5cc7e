"""Repository functions and the FAISS index, on SQLite and PostgreSQL."""
import json

import numpy as np
import pytest
from sqlalchemy import select

from store import repo
from store.db import atomic, make_engine, session_factory
from core.errors import BadDatabaseURL, IndexMismatch, ReviewConflict
from store.index import VectorIndex, open_index
from store.models import ReviewEvent

from conftest import unit


def _doc(session, text="Prices rose 4 percent. Hello there.", name="a.txt"):
    sentences = [
        {"index": 0, "text": "Prices rose 4 percent.", "start": 0, "end": 22, "score": 0.9, "is_claim": True,
         "claim_type": "quantity", "reasons": ["number"],
         "attributions": [{"source": "officials", "cue": "said", "content": "x", "quote": "reported"}]},
        {"index": 1, "text": "Hello there.", "start": 23, "end": 35, "score": 0.1, "is_claim": False},
    ]
    return repo.add_document(session, content_hash_=repo.content_hash(text), name=name, origin="", title="",
                             text=text, published="", sentences=sentences)


def test_document_round_trip_and_claims(db_url):
    engine = make_engine(db_url)
    with atomic(engine) as s:
        doc = _doc(s)
        doc_id = doc.id
    with session_factory(engine)() as s:
        doc = repo.get_document(s, doc_id)
        assert [x.text for x in doc.sentences] == ["Prices rose 4 percent.", "Hello there."]
        assert doc.sentences[0].claim is not None and doc.sentences[1].claim is None
        assert doc.sentences[0].attributions[0].source == "officials"
        assert repo.counts(s)["claims"] == 1
    engine.dispose()


def test_failed_transaction_stores_nothing(db_url):
    engine = make_engine(db_url)
    with pytest.raises(RuntimeError):
        with atomic(engine) as s:
            _doc(s)
            raise RuntimeError("crash in the middle of an article")
    with session_factory(engine)() as s:
        assert repo.counts(s) == {"documents": 0, "sentences": 0, "claims": 0, "attributions": 0,
                                  "factchecks": 0, "reviewed": 0}
    engine.dispose()


def test_review_versioning_conflict_and_history(db_url):
    engine = make_engine(db_url)
    with atomic(engine) as s:
        claim_id = _doc(s).sentences[0].claim.id
    with atomic(engine) as s:
        c = repo.update_review(s, claim_id, {"verdict": "False", "status": "reviewed"}, reviewer="ann",
                               expected_version=1)
        assert c.version == 2
    with pytest.raises(ReviewConflict) as err:
        with atomic(engine) as s:
            repo.update_review(s, claim_id, {"verdict": "True"}, reviewer="bob", expected_version=1)
    assert err.value.current["verdict"] == "False"
    assert "ann" in str(err.value)
    with session_factory(engine)() as s:
        hist = repo.history(s, claim_id)
        assert len(hist) == 1 and hist[0]["reviewer"] == "ann"
        assert hist[0]["changes"]["verdict"] == ["", "False"]
        assert repo.get_claim(s, claim_id).verdict == "False"
    engine.dispose()


def test_factcheck_upsert_is_idempotent(db_url):
    engine = make_engine(db_url)
    rec = {"claim": "The moon is made of cheese.", "verdict": "False", "url": "https://fc.example/1"}
    with atomic(engine) as s:
        _, created = repo.upsert_factcheck(s, rec)
        assert created
    with atomic(engine) as s:
        row, created = repo.upsert_factcheck(s, {**rec, "verdict": "Mostly false"})
        assert not created and row.verdict == "Mostly false"
    with session_factory(engine)() as s:
        assert repo.counts(s)["factchecks"] == 1
    engine.dispose()


def test_bad_database_url():
    with pytest.raises(BadDatabaseURL):
        make_engine("not a url at all")
    with pytest.raises(BadDatabaseURL):
        make_engine("mysqlx://nobody@nowhere/db")


def test_index_rebuild_sync_and_mismatch(db_url, tmp_path):
    engine = make_engine(db_url)
    rng = np.random.default_rng(0)
    vecs = [unit(rng.normal(size=8)) for _ in range(5)]
    with atomic(engine) as s:
        repo.put_vectors(s, "claim", "m", [(i + 1, v) for i, v in enumerate(vecs[:3])])
    with session_factory(engine)() as s:
        idx = open_index(s, tmp_path, "claim-x", "claim", "m", 8)
    assert idx.count == 3
    hits = idx.search(vecs[1], 2)[0]
    assert hits[0][0] == 2 and hits[0][1] == pytest.approx(1.0, abs=1e-5)
    # another process stores more vectors; sync adds them without a rebuild
    with atomic(engine) as s:
        repo.put_vectors(s, "claim", "m", [(4, vecs[3]), (5, vecs[4])])
    with session_factory(engine)() as s:
        assert idx.sync(s) == "added 2"
        assert idx.search(vecs[4], 1)[0][0][0] == 5
        # a fresh open reads the saved files
        again = open_index(s, tmp_path, "claim-x", "claim", "m", 8)
        assert again.count == 5
    meta = json.loads((tmp_path / "claim-x.json").read_text())
    assert meta["model"] == "m" and meta["dim"] == 8
    with pytest.raises(IndexMismatch):
        VectorIndex(tmp_path, "claim-x", "claim", "other-model", 8).load()
    with pytest.raises(IndexMismatch):
        VectorIndex(tmp_path, "claim-x", "claim", "m", 16).load()
    engine.dispose()


def test_history_is_append_only_rows(db_url):
    engine = make_engine(db_url)
    with atomic(engine) as s:
        cid = _doc(s).sentences[0].claim.id
    for v, verdict in enumerate(["False", "Mostly false", "Misleading"], start=1):
        with atomic(engine) as s:
            repo.update_review(s, cid, {"verdict": verdict}, reviewer=f"r{v}", expected_version=v)
    with session_factory(engine)() as s:
        rows = s.scalars(select(ReviewEvent).where(ReviewEvent.claim_id == cid).order_by(ReviewEvent.id)).all()
        assert [json.loads(r.changes)["verdict"][1] for r in rows] == ["False", "Mostly false", "Misleading"]
    engine.dispose()
