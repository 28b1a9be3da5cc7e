"""Genre without a flag (claims/pipeline/genre.py): a debate or speech transcript is recognised from its words and
scored with the transcript threshold; an article stays an article; `--genre` overrides; the genre is in the
JSON output and stored with the document."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import SHARED, need_seed, need_shared
from test_eval_detect import GenreDetector

from claims.pipeline import genre as g
from claims.pipeline.embed import HashingEmbedder
from claims.pipeline.extract import Pipeline
from claims.pipeline.split import split_lines
from store.models import Document

DEBATE = """Well, thank you very much, and I want to thank the people of this state.
I'll tell you what we did: we cut taxes for working families, and you saw it.
Look, my opponent voted against that bill twenty times.
We're going to bring those jobs back, believe me.
You know, I've been in this fight my whole life.
"""

ARTICLE = """The central bank raised its main interest rate by a quarter point on Wednesday, the third rise this year.
Governor Anna Berg said inflation, at 4.1 percent in March, remained "well above target".
Economists polled by Reuters had expected the increase.
The bank's statement said further rises could not be ruled out.
"""


def guess(text: str) -> g.GenreGuess:
    return g.detect(text, [s.text for s in split_lines(text)])


def test_spoken_lines_read_as_a_transcript_and_news_prose_as_an_article():
    assert guess(DEBATE).genre == "transcript"
    assert guess(ARTICLE).genre == "article"
    assert guess(DEBATE).probability > 0.5 > guess(ARTICLE).probability


def test_speaker_turns_make_a_transcript_whatever_the_words():
    turns = "MODERATOR: The bank raised rates by a quarter point.\nBERG: Inflation was 4.1 percent in March.\n" * 3
    assert guess(turns) == g.GenreGuess("transcript", 1.0, "detected")
    assert g.turn_share(turns) == 1.0 and g.turn_share(ARTICLE) == 0.0


def test_a_named_genre_overrides_and_a_bad_one_is_refused():
    assert g.given("article").source == "given"
    with pytest.raises(ValueError, match="unknown genre 'poem'"):
        g.given("poem")


def test_the_pipeline_scores_each_document_with_its_own_genre():
    det = GenreDetector()
    out = Pipeline(HashingEmbedder(), det, attribution=False).run([("debate", DEBATE), ("news", ARTICLE)], lines=True)
    assert [d.genre.genre for d in out] == ["transcript", "article"]
    assert sorted(det.genres) == ["article", "transcript"]  # one call per genre, each with its threshold
    named = Pipeline(HashingEmbedder(), GenreDetector(), attribution=False).run([("debate", DEBATE)], lines=True,
                                                                               genre="article")
    assert named[0].genre == g.GenreGuess("article", 0.0, "given")


def test_shipped_model_records_its_choice():
    m = g.model()
    assert set(m.weights) == set(g.FEATURES) and m.threshold == 0.5
    best = max(m.meta["cv"], key=lambda c: m.meta["cv"][c]["balanced_accuracy"])  # the rule: best CV accuracy
    assert float(best) == m.meta["chosen_C"]
    assert m.meta["samples"]["read_as_article"] == m.meta["samples"]["articles"] == 25


def test_the_seed_and_the_sample_articles_are_articles():
    from claims.pipeline.clean import clean
    from claims.pipeline.split import split_sentences

    root = Path(__file__).resolve().parents[1]
    paths = sorted((root / "samples" / "articles").glob("*.txt")) + [need_seed()]
    for p in paths:
        text = p.read_text(encoding="utf-8")
        sents = [s.text for s in split_sentences(text, clean(text)) if s.kind != "furniture"]
        assert g.detect(text, sents).genre == "article", p.name


def test_ct24_debate_passages_read_as_transcripts():
    path = need_shared(SHARED / "data" / "ct24" / "ct24_english.tsv")
    with open(path, encoding="utf-8") as fh:
        rows = sorted(((int(r["sentence_id"]), r["text"]) for r in csv.DictReader(fh, delimiter="\t")
                       if r["split"] == "dev"), key=lambda r: r[0])
    pieces = ["\n".join(t for _, t in rows[i:i + 20]) for i in range(0, len(rows) - 20, 20)]
    read = [guess(p).genre for p in pieces]
    assert read.count("transcript") >= 0.9 * len(read), read.count("transcript")


def test_the_wikinews_gold_articles_are_articles():
    from claims.pipeline.clean import clean
    from claims.pipeline.split import split_sentences
    from claims.research import wikinews_gold as wg

    texts = wg.read_articles(need_shared(SHARED / "data" / "wikinews" / "articles.jsonl"))
    arts, _ = wg.read_gold()
    wrong = []
    for a in arts:
        t = texts[a["id"]]["text"]
        if g.detect(t, [s.text for s in split_sentences(t, clean(t)) if s.kind != "furniture"]).genre != "article":
            wrong.append(a["id"])
    assert len(wrong) <= 2, wrong


def test_extract_records_and_stored_documents_carry_the_genre(bench, tmp_path):
    f = tmp_path / "debate.txt"
    f.write_text(DEBATE, encoding="utf-8")
    rows = list(bench.ingest.extract([str(f)], lines=True))
    assert {(r["genre"], r["genre_source"]) for r in rows} == {("transcript", "detected")}
    assert json.loads(json.dumps(rows[0]))["transcript_probability"] > 0.5
    rows = list(bench.ingest.extract([str(f)], lines=True, genre="article"))
    assert {(r["genre"], r["genre_source"]) for r in rows} == {("article", "given")}
    news = tmp_path / "news.txt"
    news.write_text(ARTICLE, encoding="utf-8")
    report = bench.ingest.run([str(news)])
    with bench.session() as s:
        doc = s.get(Document, report.document_ids[0])
        assert (doc.genre, doc.genre_source) == ("article", "detected")
