"""Use cases over both databases, with the fake embedder and detector (fast)."""
import json

import pytest

from core.errors import BadArchive, InputError
from core.errors import ReviewConflict

ARTICLE = """Budget row deepens in Riverton

Photo: City Hall / Getty Images

The city spent $4.2 million on road repairs in 2024, Mayor Ana Ruiz said on Tuesday.
Council members asked for an audit. Ruiz said the money was well spent.

Load more
"""


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_ingest_twice_adds_nothing(bench, tmp_path):
    path = _write(tmp_path, "a.txt", ARTICLE)
    first = bench.ingest.run([str(path)])
    assert first.documents == 1 and first.claims >= 1
    before = bench.browse.stats()
    second = bench.ingest.run([str(path)])
    assert second.documents == 0 and second.duplicates == 1
    assert bench.browse.stats() == before


def test_ingest_same_text_in_two_files_is_one_document(bench, tmp_path):
    a = _write(tmp_path, "a.txt", ARTICLE)
    b = _write(tmp_path, "b.txt", ARTICLE.replace("\n", "\n\n"))  # same words, other whitespace
    report = bench.ingest.run([str(a), str(b)])
    assert report.documents == 1 and report.duplicates == 1


def test_furniture_is_stored_but_never_a_claim(bench, tmp_path):
    bench.ingest.run([str(_write(tmp_path, "a.txt", ARTICLE))])
    doc = bench.browse.document(bench.browse.documents()[0]["id"])
    furniture = [s for s in doc["sentences"] if s["kind"] == "furniture"]
    assert {s["text"] for s in furniture} >= {"Load more"}
    assert not any(s["is_claim"] or s["claim"] for s in furniture)
    for s in doc["sentences"]:
        assert doc["text"][s["start"]:s["end"]] == s["text"]


def test_bad_file_among_good_ones_stores_nothing(bench, tmp_path):
    good = _write(tmp_path, "good.txt", ARTICLE)
    empty = _write(tmp_path, "empty.txt", "   \n")
    with pytest.raises(InputError):
        bench.ingest.run([str(good), str(empty)])
    assert bench.browse.stats()["documents"] == 0


def test_import_factchecks_and_search(bench, tmp_path):
    csv_path = _write(tmp_path, "fc.csv",
                      "claim,verdict,url,date,speaker\n"
                      "The city spent $4.2 million on road repairs in 2024,Half true,https://fc.example/roads,2025-01-02,Ana Ruiz\n"
                      "Unicorns live in the park,False,https://fc.example/unicorns,,\n")
    report = bench.archive.import_file(csv_path)
    assert (report.created, report.updated) == (2, 0)
    again = bench.archive.import_file(csv_path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    retold = bench.archive.import_file(_write(tmp_path, "fc2.csv", csv_path.read_text().replace("Half true", "False")))
    assert (retold.created, retold.updated, retold.unchanged) == (0, 1, 1)
    assert bench.archive.import_file(csv_path).updated == 1  # and back
    assert bench.browse.stats()["factchecks"] == 2
    bench.ingest.run([str(_write(tmp_path, "a.txt", ARTICLE))])
    out = bench.matches.search(["city spent 4.2 million on road repairs"], k=3)
    results = out[0]["results"]
    assert results[0]["text"].startswith("The city spent")
    kinds = {r["kind"] for r in results}
    assert kinds == {"factcheck", "claim"}
    fc = next(r for r in results if r["kind"] == "factcheck")
    assert fc["verdict"] == "Half true" and fc["url"] == "https://fc.example/roads" and fc["match"] is True
    assert all(set(r) >= {"kind", "text", "score", "verdict", "url", "match"} for r in results)


def test_second_workbench_sees_new_claims_without_restart(bench, settings, tmp_path):
    from claims.pipeline.embed import HashingEmbedder
    from claims.services.workbench import Workbench
    from conftest import FakeDetector

    bench.ingest.run([str(_write(tmp_path, "a.txt", ARTICLE))])
    other = Workbench(settings, embedder=HashingEmbedder(), detector=FakeDetector(), attribution=False)
    assert other.matches.search(["road repairs 4.2 million"], k=1)[0]["results"]
    bench.ingest.text("Bridge tolls rose 12 percent in 2023 across the county.", name="b")
    hits = other.matches.search(["bridge tolls rose 12 percent"], k=1, kinds=("claim",))[0]["results"]
    assert hits[0]["text"].startswith("Bridge tolls rose")
    other.engine.dispose()


def test_archive_without_claim_column_is_refused(bench, tmp_path):
    bad = _write(tmp_path, "fc.csv", "text,verdict\nsomething,False\n")
    with pytest.raises(BadArchive, match="no 'claim' column"):
        bench.archive.import_file(bad)
    assert bench.browse.stats()["factchecks"] == 0


def test_malformed_rows_are_reported_and_the_rest_loads(bench, tmp_path):
    path = _write(tmp_path, "fc.csv", 'claim,verdict\n"ok one",False\n,True\n"ok two",True,extra\n"ok three",\n')
    report = bench.archive.import_file(path)
    assert report.created == 2
    assert any("line 3" in p for p in report.problems) and any("line 4" in p for p in report.problems)


def test_claimreview_import(bench, tmp_path):
    data = {"@context": "https://schema.org", "@graph": [
        {"@type": "ClaimReview", "claimReviewed": "Tap water causes rust in teeth",
         "reviewRating": {"@type": "Rating", "alternateName": "False", "ratingValue": 1, "bestRating": 5},
         "itemReviewed": {"@type": "Claim", "author": {"@type": "Person", "name": "A. Blogger"}},
         "datePublished": "2024-05-01", "url": "https://fc.example/teeth"}]}
    report = bench.archive.import_file(_write(tmp_path, "fc.json", json.dumps(data)))
    assert report.created == 1
    res = bench.matches.search(["tap water rust teeth"], k=1, kinds=("factcheck",))[0]["results"][0]
    assert res["verdict"] == "False" and res["speaker"] == "A. Blogger"


def test_review_flow_export_and_conflict(bench, tmp_path):
    bench.ingest.run([str(_write(tmp_path, "a.txt", ARTICLE))])
    claim = bench.browse.claims()[0]
    state = bench.reviews.save(claim["claim_id"], {"status": "reviewed", "verdict": "Mostly false",
                                             "rationale": "Audit shows $3.1 million."},
                         reviewer="ann", expected_version=claim["version"])
    assert state["version"] == claim["version"] + 1
    with pytest.raises(ReviewConflict):
        bench.reviews.save(claim["claim_id"], {"verdict": "True"}, reviewer="bob", expected_version=claim["version"])
    with pytest.raises(InputError, match="unknown verdict"):
        bench.reviews.save(claim["claim_id"], {"verdict": "Pants on fire"}, reviewer="ann")
    with pytest.raises(InputError, match="no reviewer named"):  # no "anonymous" in the history, from a program either
        bench.reviews.save(claim["claim_id"], {"verdict": "True"})
    assert bench.browse.claim(claim["claim_id"])["version"] == state["version"]  # nothing stored
    detail = bench.browse.claim(claim["claim_id"])
    assert detail["verdict"] == "Mostly false" and detail["history"][0]["reviewer"] == "ann"
    csv_text = bench.exports.claims("csv", reviewed_only=True)
    assert "Mostly false" in csv_text and csv_text.count("\n") == 2
    cr = json.loads(bench.exports.claims("claimreview"))
    assert cr[0]["reviewRating"]["alternateName"] == "Mostly false"


def test_edit_attribution_is_recorded(bench, tmp_path):
    bench.ingest.run([str(_write(tmp_path, "a.txt", ARTICLE))])
    claim = bench.browse.claims()[0]
    bench.reviews.edit_attribution(claim["sentence_id"], {"source": "Mayor Ana Ruiz", "cue": "said"}, reviewer="ann")
    detail = bench.browse.claim(claim["claim_id"])
    assert detail["source"] == "Mayor Ana Ruiz" and detail["attributions"][0]["edited"]
    assert "attribution.source" in detail["history"][-1]["changes"]


def test_add_missed_claim(bench, tmp_path):
    bench.ingest.run([str(_write(tmp_path, "a.txt", ARTICLE))])
    doc = bench.browse.document(bench.browse.documents()[0]["id"])
    missed = next(s for s in doc["sentences"] if s["kind"] == "body" and not s["is_claim"])
    cid = bench.reviews.add_claim(missed["id"], reviewer="ann")
    assert bench.browse.claim(cid)["origin"] == "reviewer"
    hits = bench.matches.search([missed["text"]], k=1, kinds=("claim",))[0]["results"]
    assert hits[0]["id"] == cid


def test_reindex_rebuilds_from_database(bench, tmp_path):
    bench.ingest.run([str(_write(tmp_path, "a.txt", ARTICLE))])
    n_claims = bench.browse.stats()["claims"]
    for f in bench.settings.index_dir.glob("*"):
        f.unlink()
    counts = bench.indexes.rebuild()
    assert counts["claim"] == n_claims
    assert bench.matches.search(["road repairs"], k=1, kinds=("claim",))[0]["results"]


def test_attribution_edit_with_a_stale_version_is_a_conflict(bench, tmp_path):
    bench.ingest.run([str(_write(tmp_path, "a.txt", ARTICLE))])
    claim = bench.browse.claims()[0]
    state = bench.reviews.edit_attribution(claim["sentence_id"], {"source": "Ana Ruiz"}, reviewer="ann",
                                   expected_version=claim["version"])
    assert state["version"] == claim["version"] + 1
    with pytest.raises(ReviewConflict):
        bench.reviews.edit_attribution(claim["sentence_id"], {"source": "someone else"}, reviewer="bob",
                               expected_version=claim["version"])
    assert bench.browse.claim(claim["claim_id"])["source"] == "Ana Ruiz"


def test_ingest_and_extract_score_a_transcript_with_its_threshold(settings, tmp_path):
    from claims.pipeline.embed import HashingEmbedder
    from claims.services.workbench import Workbench
    from conftest import FakeDetector

    class GenreDetector(FakeDetector):
        def __init__(self):
            self.genres = []

        def threshold_for(self, genre=None):
            return 0.3 if genre == "transcript" else 0.5

        def score(self, texts, embeddings, genre=None):
            self.genres.append(genre)
            return super().score(texts, embeddings)

    det = GenreDetector()
    wb = Workbench(settings, embedder=HashingEmbedder(), detector=det, attribution=False)
    path = _write(tmp_path, "debate.txt", "We cut taxes by 12 percent. Thank you, moderator.\n")
    assert [r["is_claim"] for r in wb.ingest.extract([str(path)], genre="transcript")] == [True, False]
    report = wb.ingest.run([str(path)], genre="transcript")
    assert report.documents == 1 and det.genres == ["transcript", "transcript"]
    wb.ingest.text("Prices rose 40 percent in March, the statistics office said on Tuesday.", name="plain")
    assert det.genres[-1] == "article"  # read from its words when no genre is named
    wb.engine.dispose()


def test_extract_reads_a_folder_of_more_articles_than_one_batch(bench, tmp_path):
    """`claims extract FOLDER` runs the pipeline 16 articles at a time: every article of a larger folder comes
    out, each with the genre detected for it (a batch once took the previous one's genre record as its own)."""
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(40):
        (folder / f"a{i:02}.txt").write_text(f"The county spent ${i}.5 million on roads in 2024, officials said.",
                                             encoding="utf-8")
    rows = list(bench.ingest.extract([str(folder)]))
    assert len({r["doc"] for r in rows}) == 40
    assert {r["genre"] for r in rows} == {"article"} and all(r["genre_source"] == "detected" for r in rows)


def test_batches_grow_from_a_few_articles_to_many_and_stop_at_a_size():
    """Ingest and extract show the first results soon and then run in large batches (faster models)."""
    from claims.services.common import growing_batches

    sizes = [len(b) for b in growing_batches(range(500), size=lambda _: 1)]
    assert sizes == [16, 32, 64, 128, 256, 4] and sum(sizes) == 500
    assert [x for b in growing_batches(range(500), size=lambda _: 1) for x in b] == list(range(500))
    big = [len(b) for b in growing_batches(["x" * 600_000] * 5, first=8, most_size=2_000_000)]
    assert big == [3, 2]  # closed at the size limit
    assert [len(b) for b in growing_batches(["x" * 3_000_000, "y"], most_size=2_000_000)] == [1, 1]  # one too big: alone
    assert list(growing_batches([])) == []
