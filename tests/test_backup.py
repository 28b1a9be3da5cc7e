"""Full backup and restore: a lossless round trip on both databases."""
import io

import pytest

from claims.pipeline.embed import HashingEmbedder
from claims.services.workbench import Workbench
from core.settings import load_settings
from conftest import FakeDetector
from store.backup import RestoreError

ARTICLE = """Tolls rise again

Bridge tolls rose 12 percent in 2023, the transport authority said.
"We had no choice," said Dana Ortiz, its director. Drivers were angry.
"""


def _bench(settings):
    return Workbench(settings, embedder=HashingEmbedder(), detector=FakeDetector(), attribution=False)


def _dump(bench) -> str:
    buf = io.StringIO()
    bench.backup.dump(buf)
    return buf.getvalue()


def test_dump_restore_dump_is_identical(bench, tmp_path, db_url):
    bench.ingest.text(ARTICLE, name="tolls.txt")
    (tmp_path / "fc.csv").write_text("claim,verdict,url\nTolls rose 12 percent,True,https://fc.example/t\n")
    bench.archive.import_file(tmp_path / "fc.csv")
    claim = bench.browse.claims()[0]
    bench.reviews.save(claim["claim_id"], {"verdict": "True", "status": "reviewed", "rationale": "Receipts =1+1"},
                 reviewer="ann", expected_version=claim["version"])
    bench.reviews.edit_attribution(claim["sentence_id"], {"source": "the transport authority"}, reviewer="bob")
    first = _dump(bench)
    assert '"table": "review_events"' in first and '"table": "vectors"' in first

    target = _bench(load_settings(home=str(tmp_path / "other"), db_url=f"sqlite:///{tmp_path / 'other.db'}"))
    counts = target.backup.restore(io.StringIO(first))
    assert counts["documents"] == 1 and counts["review_events"] == 2
    assert _dump(target) == first
    # the restored database works: search finds the claim, and new rows get fresh ids
    assert target.matches.search(["bridge tolls rose 12 percent"], k=1, kinds=("claim",))[0]["results"]
    report = target.ingest.text("Ferry fares fell 3 percent in 2024.", name="ferry.txt")
    assert report.documents == 1
    target.engine.dispose()


def test_restore_into_postgres_from_sqlite_dump(bench, tmp_path, pg_base_url):
    from conftest import _pg_drop, _pg_schema_url

    bench.ingest.text(ARTICLE, name="tolls.txt")
    first = _dump(bench)
    url, schema, plain = _pg_schema_url(pg_base_url)
    try:
        target = _bench(load_settings(home=str(tmp_path / "pg"), db_url=url))
        target.backup.restore(io.StringIO(first))
        assert _dump(target) == first
        assert target.ingest.text("Ferry fares fell 3 percent in 2024.", name="ferry.txt").documents == 1
        target.engine.dispose()
    finally:
        _pg_drop(plain, schema)


def test_restore_refuses_a_database_with_data(bench):
    bench.ingest.text(ARTICLE, name="tolls.txt")
    with pytest.raises(RestoreError, match="empty database"):
        bench.backup.restore(io.StringIO(_dump(bench)))


def test_restore_refuses_something_else(bench):
    with pytest.raises(RestoreError, match="not a Claim Workbench dump"):
        bench.backup.restore(io.StringIO('{"hello": 1}\n'))


def test_a_dump_from_before_the_workflow_restores_accepted_as_migration_0009_maps_it(bench, tmp_path):
    import json

    bench.ingest.text(ARTICLE, name="tolls.txt")
    bench.ingest.text("Ferry fares fell 3 percent in 2024.", name="ferry.txt")
    a, b = [c["claim_id"] for c in bench.browse.claims()][:2]
    bench.reviews.save(a, {"verdict": "True"}, reviewer="ann")
    lines = []
    for line in _dump(bench).splitlines():
        item = json.loads(line)
        if item.get("table") == "claims" and item["row"]["id"] in (a, b):
            item["row"]["status"] = "accepted"  # as the dump of an older version wrote them
        lines.append(json.dumps(item))
    target = _bench(load_settings(home=str(tmp_path / "other"), db_url=f"sqlite:///{tmp_path / 'other.db'}"))
    target.backup.restore(io.StringIO("\n".join(lines) + "\n"))
    assert (target.browse.claim(a)["status"], target.browse.claim(b)["status"]) == ("reviewed", "in progress")
    assert target.browse.claim(a)["history"] == bench.browse.claim(a)["history"]
    target.engine.dispose()
