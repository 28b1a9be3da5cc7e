"""Matching claims against past fact-checks: BM25, explanations, fusion, the reranker, the metrics, the eval
command and the Workbench's hybrid search. Fast (hashing embedder) except the one `slow` test on CheckThat!."""
import json
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from conftest import need_shared
from click.testing import CliRunner

from claims.pipeline.embed import HashingEmbedder
from claims.research.eval_match import average_precision, evaluate_match, ranking_metrics, read_qrels, read_queries
from claims.matching.lexical import BM25, clean_text, tokens
from claims.matching.match import MemoryArchive
from claims.matching.rerank import (FEATURE_NAMES, Candidate, Reranker, explain, features, fuse, lexical_norm, parse_date,
                           quantities, text_date)

ROOT = Path(__file__).resolve().parent.parent
CHECKTHAT = ROOT.parent / "shared" / "data" / "checkthat2022_2a"


# --------------------------------------------------------------------------------------------- lexical
def test_tweet_furniture_is_cleaned():
    tweet = ("RT @someone: JUST IN – @Mike_Pence has unfollowed @realDonaldTrump #HunterBiden "
             "https://t.co/abc pic.twitter.com/xyz — Disclose.tv (@disclosetv) January 6, 2021")
    text = clean_text(tweet)
    assert "http" not in text and "pic.twitter" not in text and "@" not in text and "RT" not in text
    assert "Mike Pence" in text and "Hunter Biden" in text and "Disclose.tv" in text and "2021" not in text
    assert tokens("The stories about taxes and cars") == ["story", "tax", "car"]
    assert tokens("1,000 jobs") == ["1000", "job"]


def test_bm25_ranks_a_toy_corpus():
    docs = ["The cat sat on the mat.", "Dogs chase cats in the park.", "Stock markets fell 5 percent on Monday.",
            "A mat is a small rug."]
    bm = BM25(docs)
    assert bm.top("cat on a mat", 2)[0][0] == 0
    assert bm.top("why did the markets fall?", 1)[0][0] == 2
    assert bm.top("cats", 4)[0][0] in (0, 1)  # plural and singular meet
    assert bm.top("quantum chromodynamics", 3) == []  # nothing shared: no result, not noise
    s = bm.scores("mat")
    assert s[0] > 0 and s[3] > 0 and s[1] == 0
    assert bm.scores_many(["mat", "cat"]).shape == (2, 4)
    assert bm.idf_of("quantum") == bm.max_idf > bm.idf_of("mat")


def test_bm25_on_an_empty_archive():
    bm = BM25([])
    assert len(bm.scores("anything")) == 0 and bm.top("anything") == []


# --------------------------------------------------------------------------------------------- explanations
def test_numbers_are_read_with_their_kind():
    q = {x.text: (x.value, x.kind, x.vague) for x in quantities(
        "Crime rose 22 percent in 2023; the city spent $4.2 million and hundreds of billions of dollars, 1,000 jobs")}
    assert q["22 percent"] == (22.0, "percent", False)
    assert q["2023"] == (2023.0, "year", False)
    assert q["$4.2 million"] == (4.2e6, "money", False)
    assert q["hundreds of billions of dollars"] == (1e11, "money", True)
    assert q["1,000"] == (1000.0, "count", False)
    assert not quantities("— A Name (@handle) January 6, 2021")  # a tweet's date is not a figure


def test_different_numbers_give_a_warning():
    ex = explain("Chinese cyber theft costs American firms $600 billion a year",
                 "American businesses say Chinese cyber theft costs them hundreds of billions of dollars each year")
    assert any(w.startswith("numbers differ") and "$600 billion" in w and "hundreds of billions" in w
               for w in ex.warnings)
    assert set(ex.shared_entities) == {"Chinese", "American"}
    same = explain("city spent 4.2 million on road repairs", "The city spent $4.2 million on road repairs in 2024")
    assert same.shared_numbers == ("4.2 million",) and not same.warnings
    other = explain("Violent crime rose 22 percent", "Violent crime rose 12 percent")
    assert any("“22 percent”" in w and "“12 percent”" in w for w in other.warnings)


def test_negation_on_one_side_gives_a_warning():
    ex = explain("Pence did not unfollow Trump on Twitter", "Mike Pence unfollowed Donald Trump on Twitter")
    assert any("only the claim is negated" in w for w in ex.warnings)
    assert "Trump" in ex.shared_entities and "Pence" in ex.shared_entities
    assert not explain("Crime never fell", "Crime did not fall").warnings


def test_dates_are_read_from_archives_and_tweets():
    assert parse_date("2025-10-09") == date(2025, 10, 9)
    assert parse_date("2024-05-01T10:00:00Z") == date(2024, 5, 1)
    assert parse_date("26 May 2015") == date(2015, 5, 26)
    assert parse_date("May 26, 2015") == date(2015, 5, 26)
    assert parse_date("") is None and parse_date("soon") is None and parse_date("2025-13-40") is None
    assert text_date("Wow. — Jane Doe (@jane) January 6, 2021") == date(2021, 1, 6)
    assert text_date("Crime rose in January 6, 2021 they say") is None


# --------------------------------------------------------------------------------------------- fusion, reranker
def test_fusion_mixes_cosine_with_normalised_bm25():
    assert np.allclose(lexical_norm([2.0, 1.0, 0.0]), [1.0, 0.5, 0.0])
    assert np.allclose(lexical_norm([0.0, 0.0]), [0.0, 0.0])
    assert np.allclose(fuse([0.8, 0.4], [10.0, 5.0], 0.75), [0.75 * 0.8 + 0.25, 0.75 * 0.4 + 0.125])


def test_shipped_reranker_loads_and_is_calibrated():
    model = Reranker.load()
    assert model.feature_names == FEATURE_NAMES
    assert 0 < model.possible_threshold <= model.match_threshold < 1
    assert 0.5 <= model.fusion_weight <= 0.9
    assert model.meta["target_precision"] >= 0.8
    assert model.meta["devtest"]["reranked, no dates"]["map@5"] >= 0.9
    lo, hi = model.meta["devtest_map5_interval"]["reranked, no dates"]
    assert lo <= model.meta["devtest"]["reranked, no dates"]["map@5"] <= hi


def test_shipped_claim_calibration_rises_with_cosine_and_falls_on_conflicts():
    from claims.matching.calibrate import ClaimCalibration

    cal = ClaimCalibration.load()
    text = "The city spent $4.2 million on road repairs."
    assert cal.probability(text, text, 0.95) > cal.probability(text, text, 0.7) > cal.probability(text, text, 0.4)
    assert cal.probability(text, "The city spent $9 million on road repairs.", 0.9) \
        < cal.probability(text, "The city spent $4.2 million on road repairs.", 0.9)
    assert cal.meta["out_of_fold"]["brier_out_of_fold"] < cal.meta["out_of_fold"]["brier_base_rate"]


def test_sentence_cosines_use_the_best_sentence_of_a_long_query():
    from claims.matching.match import query_sentences, with_sentences

    assert query_sentences("Vaccines cause autism.") == []
    parts = query_sentences("Wow, look at this. Vaccines cause autism in children! Share it now with everyone.")
    assert len(parts) == 3
    claim = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    svecs = np.array([[0.6, 0.8], [1.0, 0.0]], dtype=np.float32)
    cands = [Candidate(ref=1, text="a", dense=0.3), Candidate(ref=2, text="b", dense=0.2)]
    out = with_sentences(cands, svecs, claim, claim)
    assert [c.sentence_dense for c in out] == [1.0, pytest.approx(0.8)]
    assert with_sentences(cands, None, claim, claim) == cands
    rows = features("q", out, 0.75)
    i = FEATURE_NAMES.index("sentence_dense_gap")
    assert rows[0, i] == 0.0 and rows[1, i] == pytest.approx(-0.2)


def test_reranker_save_and_load_round_trip(tmp_path):
    model = Reranker.load()
    model.save(tmp_path / "r.npz")
    again = Reranker.load(tmp_path / "r.npz")
    X = np.random.default_rng(0).normal(size=(5, len(FEATURE_NAMES)))
    assert np.allclose(model.predict(X), again.predict(X)) and again.meta == model.meta
    with np.load(tmp_path / "r.npz", allow_pickle=False) as z:  # plain arrays, no pickle
        assert "weights" in z.files


def test_reranker_puts_the_same_claim_first_and_explains_it():
    model = Reranker.load()
    query = "The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said."
    cands = [
        Candidate(ref="other", text="Unicorns live in the park.", dense=0.1, lexical=0.5),
        Candidate(ref="same", text="The city spent $4.2 million on road repairs in 2024.", title="Road repairs",
                  dense=0.93, lexical=12.0, dense_title=0.6),
        Candidate(ref="near", text="The city spent $9 million on road repairs in 2023.", dense=0.85, lexical=9.0),
    ]
    ranked = model.rank(query, cands)
    assert [r["ref"] for r in ranked][0] == "same"
    top = ranked[0]
    assert top["band"] == "match" and top["match"] and 0 <= top["score"] <= 1
    assert "$4.2 million" in top["shared_numbers"] and top["dense"] == 0.93 and top["lexical"] == 12.0
    near = next(r for r in ranked if r["ref"] == "near")
    assert near["score"] < top["score"] and any(w.startswith("numbers differ") for w in near["warnings"])
    assert ranked[-1]["band"] == "none"
    assert features(query, cands, 0.75).shape == (3, len(FEATURE_NAMES))
    assert model.rank(query, []) == []


# --------------------------------------------------------------------------------------------- metrics and eval
def test_ranking_metrics_on_a_tiny_qrels_set():
    assert average_precision(["a", "b"], {"a"}) == 1.0
    assert average_precision(["x", "a"], {"a"}) == 0.5
    assert average_precision(["x", "a", "y", "b"], {"a", "b"}) == pytest.approx((1 / 2 + 2 / 4) / 2)
    assert average_precision(["x"] * 5 + ["a"], {"a"}) == 0.0  # beyond 5 does not count
    m = ranking_metrics([["a", "b"], ["x", "b"], ["x", "y", "z"]], [{"a"}, {"b"}, {"c"}])
    assert m == {"map@5": round((1 + 0.5 + 0) / 3, 4), "recall@1": round(1 / 3, 4),
                 "mrr": round((1 + 0.5 + 0) / 3, 4), "queries": 3}


ARCHIVE = [
    {"vclaim_id": "fc-roads", "vclaim": "The city spent $4.2 million on road repairs in 2024.",
     "title": "Did Riverton spend $4.2 million on roads?", "subtitle": "", "date": "2 January 2025",
     "author": "A", "page_url": None},
    {"vclaim_id": "fc-unicorns", "vclaim": "Unicorns live in Central Park.", "title": "Unicorns in the park?",
     "subtitle": "", "date": "1 April 2024", "author": "B", "page_url": None},
    {"vclaim_id": "fc-crime", "vclaim": "Violent crime rose 22 percent under Mayor Ruiz.",
     "title": "Crime under Ruiz", "subtitle": "", "date": "9 October 2025", "author": "C", "page_url": None},
    {"vclaim_id": "fc-water", "vclaim": "Tap water causes rust in teeth.", "title": "Rusty teeth?",
     "subtitle": "", "date": "", "author": "D", "page_url": None},
]
QUERIES = {"q1": "Riverton spent 4.2 million on road repairs last year https://t.co/x",
           "q2": "Unicorns really live in Central Park!! — Fan (@fan) April 2, 2024",
           "q3": "Did violent crime rise 22 percent under Ruiz?",
           "q4": "Something nobody ever checked"}


@pytest.fixture
def eval_files(tmp_path):
    archive = tmp_path / "vclaims.jsonl"
    archive.write_text("\n".join(json.dumps(r) for r in ARCHIVE) + "\n", encoding="utf-8")
    queries = tmp_path / "queries.tsv"
    queries.write_text("".join(f"{k}\t{v}\n" for k, v in QUERIES.items()), encoding="utf-8")
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("q1\t0\tfc-roads\t1\nq2\t0\tfc-unicorns\t1\nq3\t0\tfc-crime\t1\n", encoding="utf-8")
    return queries, qrels, archive


def test_evaluate_match_on_a_tiny_set(eval_files):
    queries, qrels, archive = eval_files
    assert read_queries(queries)["q3"].startswith("Did violent") and read_qrels(qrels)["q1"] == {"fc-roads"}
    out = evaluate_match(queries, qrels, archive, embedder=HashingEmbedder(), cache_dir=None)
    assert out["queries"] == 3 and out["archive"] == 4 and out["unjudged_queries"] == 1
    assert set(out["methods"]) == {"dense", "lexical", "fused", "reranked"}
    for m in out["methods"].values():
        assert set(m) == {"map@5", "recall@1", "mrr", "queries"}
    assert out["methods"]["reranked"]["map@5"] == 1.0
    assert out["decision"]["match"]["queries"] + out["decision"]["possible"]["queries"] \
        + out["decision"]["none"]["queries"] == 3
    no_dates = evaluate_match(queries, qrels, archive, embedder=HashingEmbedder(), cache_dir=None, use_dates=False)
    assert no_dates["dates"] is False and no_dates["methods"]["reranked"]["map@5"] == 1.0


def test_memory_archive_search_explains(eval_files):
    from claims.research.eval_match import read_vclaims

    arch = MemoryArchive.build(read_vclaims(eval_files[2]), HashingEmbedder())
    emb = HashingEmbedder()
    q = "Violent crime did not rise 22 percent under Mayor Ruiz"
    top = arch.search(q, emb.encode([q])[0], Reranker.load(), k=2)[0]
    assert top["ref"] == "fc-crime" and "22 percent" in top["shared_numbers"] and "Ruiz" in top["shared_entities"]
    assert any("negated" in w for w in top["warnings"])


def test_claims_eval_match_command(eval_files, tmp_path, monkeypatch):
    from claims.cli import main

    monkeypatch.setenv("CLAIMS_MODEL", "test/hashing")
    monkeypatch.setenv("CLAIMS_CACHE_DIR", str(tmp_path / "cache"))
    queries, qrels, archive = eval_files
    out = tmp_path / "m.json"
    res = CliRunner().invoke(main, ["eval", "match", "--queries", str(queries), "--qrels", str(qrels),
                                    "--archive", str(archive), "--json-out", str(out)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert lines[0] == "3 queries, 4 fact-checks"
    assert lines[1].split() == ["method", "MAP@5", "R@1", "MRR"]
    assert [line.split()[0] for line in lines[2:6]] == ["dense", "lexical", "fused", "reranked"]
    assert json.loads(out.read_text())["methods"]["reranked"]["map@5"] == 1.0
    bad = CliRunner().invoke(main, ["eval", "match", "--queries", str(queries), "--qrels", str(qrels),
                                    "--archive", str(queries)])  # not an archive
    assert bad.exit_code == 1 and bad.output.startswith("Error: ") and "not valid JSON" in bad.output


@pytest.mark.parametrize("modules,banned", [
    ("claims.matching.lexical, claims.matching.rerank, claims.matching.match", ("store", "torch", "sentence_transformers", "sklearn")),
    ("claims.research.eval_match", ("torch", "sentence_transformers", "sqlalchemy", "streamlit", "sklearn")),
])
def test_matching_modules_load_nothing_at_import(modules, banned):
    code = f"import sys, {modules}; print(sorted(m for m in {banned!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------------- the Workbench
FACTCHECKS = ("claim,verdict,url,date,speaker,title\n"
              "The city spent $4.2 million on road repairs in 2024,Half true,https://fc.example/roads,2025-01-02,"
              "Ana Ruiz,Did Riverton spend $4.2 million on roads?\n"
              "Unicorns live in the park,False,https://fc.example/unicorns,,,\n"
              "Violent crime rose 22 percent under Mayor Ruiz,Mostly true,https://fc.example/crime,2025-10-09,"
              "Marcus Lopez,Crime under Ruiz\n")


def test_search_is_hybrid_and_explains_itself(bench, tmp_path):
    path = tmp_path / "fc.csv"
    path.write_text(FACTCHECKS, encoding="utf-8")
    bench.archive.import_file(path)
    out = bench.matches.search(["Did violent crime rise 12 percent under Ruiz?"], k=3, kinds=("factcheck",))[0]["results"]
    top = out[0]
    assert top["url"] == "https://fc.example/crime" and top["title"] == "Crime under Ruiz"
    assert set(top) >= {"kind", "id", "text", "score", "verdict", "url", "match", "band", "reason", "dense",
                        "words_shared", "shared_numbers", "shared_entities", "warnings"}
    assert "lexical" not in top  # raw BM25 has no scale a reviewer can read
    assert 0 <= top["score"] <= 1 and top["band"] in ("match", "possible", "none") and 0 < top["words_shared"] <= 1
    assert top["reason"].startswith(f"cosine {top['dense']:.2f}") and "but numbers differ" in top["reason"]
    assert top["match"] == (top["band"] == "match")
    assert any(w.startswith("numbers differ") for w in top["warnings"]) and "Ruiz" in top["shared_entities"]
    assert [r["score"] for r in out] == sorted((r["score"] for r in out), reverse=True)


def test_lexical_index_follows_the_archive(bench, tmp_path):
    path = tmp_path / "fc.csv"
    path.write_text(FACTCHECKS, encoding="utf-8")
    bench.archive.import_file(path)
    first = bench.indexes.lexical()
    assert len(first.ids) == 3 and bench.indexes.lexical() is first  # unchanged archive: not rebuilt
    more = tmp_path / "more.csv"
    more.write_text("claim,verdict\nBridge tolls rose 12 percent in 2023,True\n", encoding="utf-8")
    bench.archive.import_file(more)
    assert len(bench.indexes.lexical().ids) == 4
    hit = bench.matches.search(["bridge tolls rose 12 percent"], k=1, kinds=("factcheck",))[0]["results"][0]
    assert hit["text"].startswith("Bridge tolls") and "12 percent" in hit["shared_numbers"]


def test_the_archive_is_read_for_the_reranker_when_bm25_is_built_not_at_query_time(bench, tmp_path):
    from claims.matching import rerank

    claim = f"Ferry fares to Skye rose {uuid.uuid4().int % 10**6} percent in 2019"  # read by no earlier test
    path = tmp_path / "fc.csv"
    path.write_text(f"claim,verdict\n{claim},False\n", encoding="utf-8")
    bench.archive.import_file(path)
    bench.indexes.lexical()
    before = rerank.quantities.cache_info()
    rerank.quantities(claim)
    assert rerank.quantities.cache_info().hits == before.hits + 1  # worked out when the archive was indexed


def test_claim_results_are_on_the_fact_checks_scale_with_the_same_keys(bench, tmp_path):
    bench.ingest.text("Bridge tolls rose 12 percent in 2023 across the county.", name="b")
    hit = bench.matches.search(["bridge tolls rose 12 percent"], k=1, kinds=("claim",))[0]["results"][0]
    p = bench.claim_calibration.probability("bridge tolls rose 12 percent", hit["text"], hit["dense"])
    assert hit["kind"] == "claim" and hit["score"] == round(p, 4) and hit["score"] != hit["dense"]
    assert hit["band"] == bench.reranker.band(hit["score"]) and hit["match"] == (hit["band"] == "match")
    assert "12 percent" in hit["shared_numbers"] and hit["words_shared"] == 1.0 and hit["reason"]


# --------------------------------------------------------------------------------------------- the real thing
@pytest.mark.slow
def test_checkthat_devtest_map_at_5():
    """The shipped reranker on CheckThat! 2022 2A dev-test (not used to train it). The real MiniLM embeds the
    archive and the queries on the first run; later runs read those embeddings from the settings' cache folder
    (CLAIMS_CACHE_DIR), so this measures the ranking, not the model's speed."""
    need_shared(CHECKTHAT / "devtest_queries.tsv")
    out = evaluate_match(CHECKTHAT / "devtest_queries.tsv", CHECKTHAT / "devtest_qrels.tsv",
                         CHECKTHAT / "vclaims.jsonl")
    assert out["queries"] == 202 and out["archive"] == 14231
    assert out["methods"]["reranked"]["map@5"] >= 0.90, out["methods"]
    assert out["methods"]["reranked"]["map@5"] >= out["methods"]["dense"]["map@5"]
