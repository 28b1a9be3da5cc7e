"""`claims eval detect`: the metrics, the two readers, the alignment of pipeline sentences with gold rows,
the command, and (slow) the measured floor on the samples with the shipped detector."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from claims.research import eval_detect as ev
from claims.cli import main
from claims.pipeline.embed import HashingEmbedder
from core.errors import BadGold, NoGold

from conftest import ROOT, SHARED, FakeDetector, need_shared

GOLD = ROOT / "samples" / "gold"
CT24 = SHARED / "data" / "ct24" / "ct24_english.tsv"


# ------------------------------------------------------------------------------------ metrics
def test_binary_metrics_by_hand():
    y = [1, 1, 1, 0, 0, 0]
    s = [0.9, 0.8, 0.3, 0.7, 0.2, 0.1]
    p = [x >= 0.5 for x in s]
    m = ev.binary_metrics(y, s, p)
    assert (m["tp"], m["fp"], m["fn"], m["tn"]) == (2, 1, 1, 2)
    assert m["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["positive_rate"] == 0.5 and m["label_rate"] == 0.5 and m["n"] == 6
    # ranked 1,1,0,1: AP = (1 + 1 + 3/4) / 3
    assert m["average_precision"] == pytest.approx((1 + 1 + 0.75) / 3, abs=1e-4)


def test_average_precision_agrees_with_sklearn_and_handles_ties():
    from sklearn.metrics import average_precision_score

    rng = np.random.default_rng(0)
    for _ in range(20):
        y = rng.integers(0, 2, 50)
        y[0] = 1
        s = np.round(rng.random(50), 1)  # many ties
        assert ev.average_precision(y, s) == pytest.approx(average_precision_score(y, s), abs=1e-9)


def test_metrics_edge_cases():
    m = ev.binary_metrics([0, 0], [0.1, 0.9], [False, True])
    assert m["average_precision"] is None and m["precision"] == 0.0 and m["f1"] == 0.0
    m = ev.binary_metrics([], [], [])
    assert m["n"] == 0 and m["f1"] == 0.0
    with pytest.raises(ValueError):
        ev.binary_metrics([1, 0], [0.5], [True, False])


# ------------------------------------------------------------------------------------ readers
TSV = (
    "split\tsentence_id\ttext\tlabel\n"
    "train\t1\tThank you all for coming.\t0\n"
    "dev-test\t2\tUnemployment fell to 3.9 percent in 2019.\t1\n"
    "dev-test\t3\tWhat a night it has been.\t0\n"
    "dev-test\t4\tWe spent 12 billion dollars on roads.\t1\n"
)


def test_read_ct24_filters_split(tmp_path):
    f = tmp_path / "ct.tsv"
    f.write_text(TSV, encoding="utf-8")
    texts, labels = ev.read_ct24(f, "dev-test")
    assert labels == [1, 0, 1] and texts[0].startswith("Unemployment")
    assert len(ev.read_ct24(f)[0]) == 4
    with pytest.raises(NoGold, match="dev-test, train"):
        ev.read_ct24(f, "test")


@pytest.mark.parametrize("content, message", [
    ("id\tsentence\n1\tHello.\n", "columns text and label"),
    ("text\tlabel\nHello.\t2\n", "0 or 1"),
])
def test_read_ct24_refuses_bad_files(tmp_path, content, message):
    f = tmp_path / "bad.tsv"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(BadGold, match=message):
        ev.read_ct24(f)


ARTICLE = """Prices rose 4 percent in March, statistics office says

By Jane Doe

Consumer prices rose 4 percent in March, the statistics office said. What a month it was.

Advertisement

Rents climbed 7 percent over the year. “It feels endless,” one tenant said.
"""
GOLD_ROWS = [
    {"text": "Prices rose 4 percent in March, statistics office says", "is_claim": True, "furniture": False, "headline": True},
    {"text": "By Jane Doe", "is_claim": False, "furniture": True, "headline": False},
    {"text": "Consumer prices rose 4 percent in March, the statistics office said.", "is_claim": True, "furniture": False, "headline": False},
    {"text": "What a month it was.", "is_claim": False, "furniture": False, "headline": False},
    {"text": "Advertisement", "is_claim": False, "furniture": True, "headline": False},
    {"text": "Rents climbed 7 percent over the year.", "is_claim": True, "furniture": False, "headline": False},
    {"text": "“It feels endless,” one tenant said.", "is_claim": False, "furniture": False, "headline": False},
]


def write_samples(root: Path, name: str = "01-prices", rows=GOLD_ROWS, article=ARTICLE) -> Path:
    (root / "gold").mkdir(parents=True, exist_ok=True)
    (root / "articles").mkdir(parents=True, exist_ok=True)
    (root / "gold" / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (root / "articles" / f"{name}.txt").write_text(article, encoding="utf-8")
    return root / "gold"


def test_read_gold_folder_file_and_splits(tmp_path):
    gold = write_samples(tmp_path)
    write_samples(tmp_path, "14-later")
    assert sorted(ev.read_gold(gold)) == ["01-prices", "14-later"]
    assert list(ev.read_gold(gold, "dev")) == ["01-prices"]
    assert list(ev.read_gold(gold, "heldout")) == ["14-later"]
    rows = ev.read_gold(gold / "01-prices.jsonl")["01-prices"]
    assert [r["furniture"] for r in rows] == [False, True, False, False, True, False, False]
    with pytest.raises(BadGold, match="dev, heldout, fresh or all"):
        ev.read_gold(gold, "dev-test")


def test_read_gold_furniture_is_never_a_claim(tmp_path):
    rows = [{"text": "Photo: the mayor, who raised taxes 4 percent", "is_claim": True, "furniture": True}]
    gold = write_samples(tmp_path, rows=rows, article=rows[0]["text"] + "\n")
    assert ev.read_gold(gold)["01-prices"][0]["is_claim"] is False


def test_read_gold_refuses_bad_rows(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"text": "x"}\n', encoding="utf-8")
    with pytest.raises(BadGold, match="is_claim"):
        ev.read_gold(tmp_path / "a.jsonl")
    (tmp_path / "b.jsonl").write_text("not json\n", encoding="utf-8")
    with pytest.raises(BadGold, match="not JSON"):
        ev.read_gold(tmp_path / "b.jsonl")
    with pytest.raises(NoGold):
        ev.read_gold(tmp_path / "empty-folder-that-is-missing")


# ------------------------------------------------------------------------------------ alignment
def test_align_by_overlap():
    text = "Aaa. Bbb. Ccc."
    rows = [{"text": "Aaa. Bbb."}, {"text": "Ccc."}]
    spans = ev.gold_spans(text, rows)
    assert spans == [(0, 9), (10, 14)]
    # the pipeline split the first gold row in two
    assert ev.align(spans, [(0, 4), (5, 9), (10, 14)]) == [[0, 1], [2]]
    with pytest.raises(BadGold, match="not in the article"):
        ev.gold_spans(text, [{"text": "Ddd."}], "x")


@pytest.mark.parametrize("line, reason", [
    ("This article has been updated with a statement from the Department of Health.", "editor's note"),
    ("An earlier version of this story misstated the vote count.", "editor's note"),
    ("By Sofia Marchetti in Geneva", "byline"),
])
def test_page_notes_and_bylines_are_furniture(line, reason):
    """Lines the samples call furniture that once reached the detector (and one was scored a claim)."""
    from claims.pipeline.clean import furniture_reason

    assert furniture_reason(line) == reason


@pytest.mark.parametrize("line", [
    "The report was updated in 2023 to include the new figures.",
    "By 2030 in Europe prices will double.",
])
def test_content_that_looks_like_a_note_is_not_furniture(line):
    from claims.pipeline.clean import furniture_reason

    assert furniture_reason(line) == ""


# ------------------------------------------------------------------------------------ evaluate
def test_evaluate_gold_with_fake_models(tmp_path):
    gold = write_samples(tmp_path)
    r = ev.evaluate_detect(gold, embedder=HashingEmbedder(), detector=FakeDetector())
    # FakeDetector: a sentence with a digit is a claim. Furniture never reaches it.
    assert r["format"] == "gold" and r["documents"] == 1 and r["n"] == len(GOLD_ROWS)
    assert r["aligned"]["gold_rows"] == 7 and r["aligned"]["missing"] == 0
    assert r["aligned"]["exact"] + r["aligned"]["split_or_merged"] == 7
    assert r["furniture"] == {"rows": 2, "predicted_claim": 0, "scored": 0, "texts_predicted_claim": []}
    assert (r["tp"], r["fp"], r["fn"]) == (3, 0, 0)
    assert r["precision"] == 1.0 and r["recall"] == 1.0 and r["average_precision"] == 1.0
    assert r["threshold"] == 0.5 and r["seen_in_training"] == [] and r["errors"] == []
    assert "aligned" in ev.format_report(r)


def test_evaluate_gold_notes_articles_seen_in_training(tmp_path):
    gold = write_samples(tmp_path)
    det = FakeDetector()
    det.meta = {"news_articles": ["01-prices"]}
    r = ev.evaluate_detect(gold, embedder=HashingEmbedder(), detector=det)
    assert r["seen_in_training"] == ["01-prices"] and "training-set" in r["note"]


def test_evaluate_gold_needs_the_article(tmp_path):
    gold = write_samples(tmp_path)
    (tmp_path / "articles" / "01-prices.txt").unlink()
    with pytest.raises(NoGold, match="--articles"):
        ev.evaluate_detect(gold, embedder=HashingEmbedder(), detector=FakeDetector())


def test_evaluate_tsv_with_fake_models(tmp_path):
    f = tmp_path / "ct.tsv"
    f.write_text(TSV, encoding="utf-8")
    r = ev.evaluate_detect(f, embedder=HashingEmbedder(), detector=FakeDetector(), split="dev-test")
    assert r["format"] == "tsv" and r["split"] == "dev-test" and r["n"] == 3
    assert (r["tp"], r["fp"], r["fn"], r["tn"]) == (2, 0, 0, 1)
    assert r["f1"] == 1.0 and r["positive_rate"] == pytest.approx(0.6667, abs=1e-4)


def test_cli_eval_detect(tmp_path, monkeypatch):
    from claims.cli import eval as cli  # the module of `claims eval`: where it looks up `_bench`

    class Bench:
        embedder = HashingEmbedder()
        detector = FakeDetector()

    monkeypatch.setattr(cli, "_bench", lambda *a, **k: Bench())
    gold = write_samples(tmp_path)
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["eval", "detect", "--data", str(gold), "--json-out", str(out)])
    assert res.exit_code == 0, res.output
    assert "precision     1.000" in res.output and "furniture     2 rows, 0 predicted a claim" in res.output
    assert json.loads(out.read_text())["f1"] == 1.0
    tsv = tmp_path / "ct.tsv"
    tsv.write_text(TSV, encoding="utf-8")
    res = CliRunner().invoke(main, ["eval", "detect", "--data", str(tsv), "--split", "nope"])
    assert res.exit_code == 1 and res.output.startswith("Error: ") and "no labelled rows" in res.output


def test_cli_eval_detect_help_has_an_example():
    res = CliRunner().invoke(main, ["eval", "detect", "--help"])
    assert res.exit_code == 0 and "Example: claims eval detect" in res.output


# ------------------------------------------------------------------------------------ real model
@pytest.mark.slow
def test_samples_with_the_shipped_detector():
    """The whole pipeline on the samples: no furniture is ever a claim, and the figures hold. The shipped
    detector was trained on all 25 articles (its news figures are the training's out-of-fold ones), so the
    report must say that these are training-set figures."""
    from claims.pipeline.detector import load_detector
    from claims.pipeline.embed import MiniLMEmbedder

    embedder, det = MiniLMEmbedder(), load_detector()
    r = ev.evaluate_detect(GOLD, embedder=embedder, detector=det)
    assert r["furniture"]["rows"] > 100 and r["furniture"]["predicted_claim"] == 0, r["furniture"]
    assert r["aligned"]["missing"] == 0 and r["genre"] == "article"
    assert sorted(r["seen_in_training"]) == sorted(r["articles"]) and "training-set" in r["note"]
    assert r["f1"] >= SAMPLES_F1_FLOOR and r["precision"] >= SAMPLES_P_FLOOR, r


@pytest.mark.slow
def test_seed_article_furniture_is_never_a_claim():
    from claims.pipeline.detector import load_detector
    from claims.pipeline.embed import MiniLMEmbedder
    from claims.pipeline.extract import Pipeline

    from conftest import need_seed

    seed = need_seed()
    doc = Pipeline(MiniLMEmbedder(), load_detector(), attribution=False).run([("seed", seed.read_text())])[0]
    assert not [r.sentence.text for r in doc.results if r.sentence.kind == "furniture" and r.score.is_claim]


@pytest.mark.slow
def test_ct24_dev_test_floor():
    """A development figure, not a test one: dev-test was used to choose between detectors. It guards against
    regressions; the held-out measure is the official test split, which nobody here has."""
    need_shared(CT24)
    from claims.pipeline.detector import load_detector
    from claims.pipeline.embed import MiniLMEmbedder

    r = ev.evaluate_detect(CT24, embedder=MiniLMEmbedder(), detector=load_detector(), split="dev-test")
    assert r["n"] == 318 and r["genre"] == "transcript" and r["f1"] >= CT24_DEV_TEST_F1_FLOOR, r
    assert r["average_precision"] >= CT24_DEV_TEST_AP_FLOOR, r


# Measured 2026-11-27 with the shipped top-5 detector (all 25 articles, in sample: P 1.000, F1 0.996; CT24
# dev-test at the transcript threshold F1 0.862, AP 0.961), minus about 0.03 for float and library drift. A
# retrained detector that falls below them is worse, not just different. (Shipped before: the top-4 detector,
# dev-test F1 0.847, AP 0.964; the top-2 one 0.815, AP 0.959; the frozen detector of 2026-11-26 0.819, AP 0.934.)
# Since 2026-12-06 articles are scored by the distilled student, which fits its training set less closely than the
# teacher did: on the 25 samples (all in its training data) P 0.911, R 0.950, F1 0.930, AP 0.987; minus about 0.03.
SAMPLES_F1_FLOOR = 0.90
SAMPLES_P_FLOOR = 0.88
CT24_DEV_TEST_F1_FLOOR = 0.83
CT24_DEV_TEST_AP_FLOOR = 0.93


class GenreDetector(FakeDetector):
    """FakeDetector with a threshold per genre, remembering the genre of each call."""

    threshold_transcript = 0.3

    def __init__(self):
        self.genres = []

    def threshold_for(self, genre=None):
        return self.threshold_transcript if genre == "transcript" else self.threshold

    def score(self, texts, embeddings, genre=None):
        self.genres.append(genre)
        return super().score(texts, embeddings)


def test_tsv_is_scored_as_transcripts_and_gold_as_articles(tmp_path):
    f = tmp_path / "ct.tsv"
    f.write_text(TSV, encoding="utf-8")
    det = GenreDetector()
    r = ev.evaluate_detect(f, embedder=HashingEmbedder(), detector=det, split="dev-test")
    assert set(det.genres) == {"transcript"} and r["genre"] == "transcript" and r["threshold"] == 0.3
    assert "(transcript)" in ev.format_report(r)
    det = GenreDetector()
    r = ev.evaluate_detect(write_samples(tmp_path), embedder=HashingEmbedder(), detector=det)
    assert set(det.genres) == {"article"} and r["genre"] == "article" and r["threshold"] == 0.5
    det = GenreDetector()
    r = ev.evaluate_detect(f, embedder=HashingEmbedder(), detector=det, split="dev-test", genre="article")
    assert set(det.genres) == {"article"} and r["threshold"] == 0.5


def test_pipeline_passes_the_genre_only_to_a_detector_that_has_thresholds_per_genre():
    from claims.pipeline.extract import Pipeline

    det = GenreDetector()
    Pipeline(HashingEmbedder(), det, attribution=False).run([("a", "Prices rose 5 percent.")], genre="transcript")
    assert det.genres == ["transcript"]
    # the frozen detector (one threshold) is called as before
    out = Pipeline(HashingEmbedder(), FakeDetector(), attribution=False).run([("a", "Prices rose 5%.")],
                                                                            genre="transcript")
    assert out[0].results[0].score.is_claim
    with pytest.raises(ValueError, match="unknown genre 'poem'"):
        Pipeline(HashingEmbedder(), det, attribution=False).run([("a", "x")], genre="poem")


def test_cli_extract_and_ingest_take_a_genre(tmp_path, monkeypatch):
    from claims.cli import ingest as cli  # the module of `claims extract` and `claims ingest`

    seen = {}

    class Ingest:
        def extract(self, paths, lines=False, genre=None):
            seen["extract"] = genre
            return iter(())

    class Bench:
        ingest = Ingest()

    monkeypatch.setattr(cli, "_bench", lambda *a, **k: Bench())
    res = CliRunner().invoke(main, ["extract", "--genre", "transcript", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert seen["extract"] == "transcript"
    res = CliRunner().invoke(main, ["extract", "--genre", "poem", str(tmp_path)])
    assert res.exit_code == 2 and "poem" in res.output
