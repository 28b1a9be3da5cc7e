"""Upgrading a database made by the first released schema (revision 0001) to the newest: nothing is lost and
the service works on the result. The old database is filled through its own tables, as read from it, not
through today's models."""
import json
from datetime import datetime, timedelta, timezone

import numpy as np
from alembic import command
from sqlalchemy import MetaData, create_engine, func, select

from claims.pipeline.embed import HashingEmbedder
from claims.services.workbench import Workbench
from conftest import FakeDetector
from store.db import _alembic_config, check_url, head_revision, make_engine, schema_revision

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
EMB = HashingEmbedder()

SENTENCES = [
    "Harbour fees rose 9 percent in 2024, the port authority said.",
    "Ships waited longer.",
    "The authority expects 3 new berths by 2027.",
]


def _at_revision(url: str, revision: str):
    """An engine on a database migrated up to `revision`, and its tables as reflected there."""
    engine = create_engine(check_url(url))
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), revision)
    md = MetaData()
    with engine.connect() as conn:
        md.reflect(conn)
    return engine, md.tables


def _old_database(url: str) -> None:
    engine, t = _at_revision(url, "0001")
    with engine.begin() as conn:
        assert "jobs" not in t  # this is the schema as first released
        text = "\n\n".join(SENTENCES)
        for d in (1, 2):
            conn.execute(t["documents"].insert(), [dict(
                id=d, content_hash=f"{d:064x}", name=f"harbour-{d}.txt", origin=f"/news/harbour-{d}.txt",
                title=f"Harbour {d}", text=text, published="2026-02-28", created_at=T0)])
            start = 0
            for i, s in enumerate(SENTENCES):
                sid = d * 10 + i
                is_claim = any(ch.isdigit() for ch in s)
                conn.execute(t["sentences"].insert(), [dict(
                    id=sid, document_id=d, idx=i, text=s, start=start, end=start + len(s), kind="body",
                    score=0.9 if is_claim else 0.1, is_claim=is_claim,
                    claim_type="quantity" if is_claim else "not a claim", reasons="number" if is_claim else "")])
                start += len(s) + 2
                if i == 0:
                    conn.execute(t["attributions"].insert(), [dict(
                        id=sid, sentence_id=sid, ord=0, source="the port authority", cue="said",
                        content=s.split(",")[0], quote="reported", source_type="organization", resolved="",
                        edited=False)])
                if is_claim:
                    conn.execute(t["claims"].insert(), [dict(
                        id=sid, sentence_id=sid, document_id=d, text=s, score=0.9, claim_type="quantity",
                        origin="detector", status="new", verdict="", rationale="", evidence="", reviewer="",
                        assignee="", version=1, created_at=T0, updated_at=T0)])
                    conn.execute(t["vectors"].insert(), [dict(
                        kind="claim", ref_id=sid, model=EMB.name, dim=EMB.dim,
                        data=EMB.encode([s])[0].astype(np.float32).tobytes())])
        conn.execute(t["factchecks"].insert(), [dict(
            id=1, key="https://fc.example/harbour", claim="Harbour fees went up 9 percent last year.",
            verdict="True", url="https://fc.example/harbour", date="2025-01-10", speaker="Port authority",
            title="Did harbour fees rise?", created_at=T0, updated_at=T0)])
        conn.execute(t["vectors"].insert(), [dict(
            kind="factcheck", ref_id=1, model=EMB.name, dim=EMB.dim,
            data=EMB.encode(["Harbour fees went up 9 percent last year."])[0].astype(np.float32).tobytes())])
        # claim 10's review, saved three times by two reviewers: the history the newsroom keeps
        changes = [({"status": ["new", "accepted"]}, "alice"),
                   ({"verdict": ["", "Mostly true"], "rationale": ["", "Port records."]}, "bob"),
                   ({"verdict": ["Mostly true", "True"]}, "alice")]
        for v, (diff, who) in enumerate(changes, start=2):
            conn.execute(t["review_events"].insert(), [dict(
                id=v - 1, claim_id=10, reviewer=who, at=T0 + timedelta(minutes=v), version=v,
                changes=json.dumps(diff))])
        conn.execute(t["claims"].update().where(t["claims"].c.id == 10).values(
            status="accepted", verdict="True", rationale="Port records.", reviewer="alice", version=4,
            updated_at=T0 + timedelta(minutes=4)))
        # claim 20 was accepted without a verdict (no history: statuses were set in bulk before the history)
        conn.execute(t["claims"].update().where(t["claims"].c.id == 20).values(status="accepted"))
        conn.execute(t["claim_matches"].insert(), [dict(
            claim_id=10, factcheck_id=1, score=0.91, is_match=True, model=EMB.name, matched_at=T0)])
        if conn.dialect.name == "postgresql":  # ids were given here: move the sequences past them, as use would
            for name in ("documents", "sentences", "attributions", "claims", "vectors", "factchecks",
                         "review_events"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), MAX(id)) FROM {name}")
    engine.dispose()


def _snapshot(engine) -> dict:
    md = MetaData()
    md.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name in ("documents", "sentences", "attributions", "claims", "vectors", "factchecks", "review_events",
                     "claim_matches"):
            table = md.tables[name]
            pk = list(table.primary_key.columns)
            rows = conn.execute(select(table).order_by(*pk)).mappings().all()
            out[name] = [{k: (bytes(v) if isinstance(v, memoryview) else v) for k, v in r.items()} for r in rows]
    return out


def test_upgrade_from_the_first_released_schema_keeps_everything(db_url, tmp_path):
    _old_database(db_url)
    raw = create_engine(check_url(db_url))
    assert schema_revision(raw) == "0001"
    before = _snapshot(raw)
    raw.dispose()
    assert {k: len(v) for k, v in before.items()} == {
        "documents": 2, "sentences": 6, "attributions": 2, "claims": 4, "vectors": 5, "factchecks": 1,
        "review_events": 3, "claim_matches": 1}

    engine = make_engine(db_url)  # what any command does on start: migrate to head
    assert schema_revision(engine) == head_revision() != "0001"
    after = _snapshot(engine)
    # 0003 added the genre a document was scored as: the old documents read "article", not known how decided
    assert [(d.pop("genre"), d.pop("genre_source")) for d in after["documents"]] == [("article", "")] * 2
    # 0004 added headline links: old sentences have none
    assert [s.pop("restates") for s in after["sentences"]] == [None] * 6
    # 0009: accepted with a verdict is reviewed, without one in progress; versions and history stay as they were
    statuses = {c["id"]: (c["status"], a["status"]) for c, a in zip(before["claims"], after["claims"])}
    assert statuses == {10: ("accepted", "reviewed"), 12: ("new", "new"), 20: ("accepted", "in progress"),
                        22: ("new", "new")}
    for c in after["claims"]:
        c["status"] = statuses[c["id"]][0]
    assert json.loads(after["review_events"][0]["changes"]) == {"status": ["new", "accepted"]}
    assert after == before  # every row and every value, bytes and times included
    engine.dispose()

    from core.settings import load_settings

    wb = Workbench(load_settings(home=str(tmp_path / "home"), db_url=db_url), embedder=EMB,
                   detector=FakeDetector(), attribution=False)
    claim = wb.browse.claim(10)
    assert (claim["verdict"], claim["version"], claim["reviewer"]) == ("True", 4, "alice")
    assert [h["reviewer"] for h in claim["history"]] == ["alice", "bob", "alice"]
    assert claim["attributions"][0]["source"] == "the port authority"
    # the service works on the upgraded database: review with versions, search, ingest, queue, export
    state = wb.reviews.save(10, {"verdict": "Mostly true"}, reviewer="carol", expected_version=4)
    assert state["version"] == 5
    assert len(wb.exports.history_events(claim_id=10)) == 4
    hit = wb.matches.search(["harbour fees rose 9 percent"], k=1)[0]["results"]
    assert {r["kind"] for r in hit} == {"factcheck", "claim"}
    assert wb.ingest.text("Rents rose 5 percent in 2025.", "rents.txt").documents == 1
    (tmp_path / "feed").mkdir()
    (tmp_path / "feed" / "a.txt").write_text("Bus fares rose 8 percent in 2025.")
    assert wb.jobs.enqueue([str(tmp_path / "feed")], local=True)["added"] == 1 and wb.jobs.drain(worker="w").done == 1
    assert wb.browse.stats()["documents"] == 4
    assert wb.browse.inbox({"has_match": True})["total"] >= 1
    wb.engine.dispose()


def test_jobs_of_the_old_queue_are_failed_with_a_reason_when_celery_takes_over(db_url):
    """0006: a job queued or running under the in-database queue has no task on any broker: it is failed with
    the reason, done jobs stay as they were, and the lease column goes."""
    engine, tables = _at_revision(db_url, "0005")
    jobs = tables["jobs"]
    with engine.begin() as conn:
        for i, status in enumerate(("queued", "running", "done"), 1):
            conn.execute(jobs.insert(), [dict(
                id=i, key=f"{i:064x}", active_key=None if status == "done" else f"{i:064x}", kind="path",
                target=f"/news/{i}.txt", payload="", status=status, attempts=0 if status == "queued" else 1,
                max_attempts=3, error="", worker="" if status == "queued" else "old-worker",
                lease_until=T0 + timedelta(minutes=10) if status == "running" else None, documents=int(status == "done"),
                duplicates=0, created_at=T0, updated_at=T0)])
    engine.dispose()
    engine = make_engine(db_url)
    assert schema_revision(engine) == head_revision()
    with engine.connect() as conn:
        md = MetaData()
        md.reflect(conn)
        assert "lease_until" not in md.tables["jobs"].c
        rows = {r.id: r for r in conn.execute(select(md.tables["jobs"])).all()}
    assert [rows[i].status for i in (1, 2, 3)] == ["failed", "failed", "done"]
    assert "queue it again with claims queue add" in rows[1].error and rows[1].active_key is None
    assert rows[3].error == "" and rows[3].documents == 1
    engine.dispose()
