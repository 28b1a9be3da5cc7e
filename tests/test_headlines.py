"""A headline that restates a body sentence is linked to it and not counted as a second claim."""
import numpy as np

from claims.pipeline import headlines
from claims.pipeline.types import NOT_A_CLAIM, Score, Sentence, SentenceResult


def result(i, kind, is_claim, text="x"):
    return SentenceResult(doc="d", sentence=Sentence(i, text, i * 10, i * 10 + 5, kind),
                          score=Score(0.9 if is_claim else 0.2, is_claim, "event" if is_claim else NOT_A_CLAIM, ("semantic",)))


def unit(*angles):
    return np.array([[np.cos(a), np.sin(a), 0.0] for a in angles], dtype=np.float32)


def test_a_restating_headline_is_linked_and_not_a_second_claim():
    rs = [result(0, "headline", True), result(1, "body", False), result(2, "body", True)]
    vecs = unit(0.0, 1.4, 0.1)  # the headline is close to sentence 2 only
    out = headlines.link(rs, vecs, threshold=0.9)
    assert out[0].restates == 2
    assert not out[0].score.is_claim and out[0].score.reasons[0] == "headline restates sentence 2"
    assert out[0].score.score == rs[0].score.score  # the score is kept
    assert out[2] == rs[2] and out[1] == rs[1]
    assert [r.sentence.index for r in out if r.score.is_claim] == [2]
    assert out[0].to_dict()["restates"] == 2


def test_a_headline_on_another_topic_stays_a_claim():
    rs = [result(0, "headline", True), result(1, "body", True)]
    out = headlines.link(rs, unit(0.0, 1.2), threshold=0.9)
    assert out == rs and out[0].restates is None and out[0].to_dict()["restates"] is None


def test_a_headline_restating_a_sentence_under_the_threshold_stays_the_claim_and_links():
    rs = [result(0, "headline", True), result(1, "body", False)]
    out = headlines.link(rs, unit(0.0, 0.05), threshold=0.9)
    assert out[0].score.is_claim and out[0].restates == 1
    assert out[0].score.reasons[0] == "headline restates sentence 1"


def test_body_sentences_and_furniture_are_never_linked():
    rs = [result(0, "body", True), result(1, "body", True), result(2, "furniture", False)]
    vecs = unit(0.0, 0.0, 0.0)
    vecs[2] = 0
    assert headlines.link(rs, vecs, threshold=0.5) == rs
    assert headlines.link([result(0, "headline", True)], unit(0.0), threshold=0.5)[0].restates is None


def test_the_pipeline_links_a_headline_to_the_body_sentence_it_restates():
    from claims.pipeline.embed import HashingEmbedder
    from claims.pipeline.extract import Pipeline
    from tests.conftest import FakeDetector

    text = ("Council raises bus fares by 12 percent from March 2027\n\n"
            "The city council raised bus fares by 12 percent from March 2027, the transport office said on Monday. "
            "Riders queued outside the depot in the rain for 40 minutes.\n")
    [ex] = Pipeline(HashingEmbedder(), FakeDetector(), attribution=False).run([("a", text)])
    head = next(r for r in ex.results if r.sentence.kind == "headline")
    body = next(r for r in ex.results if r.sentence.text.startswith("The city council"))
    assert head.restates == body.sentence.index
    assert not head.score.is_claim and body.score.is_claim
    assert head not in ex.claims and len(ex.claims) == 2  # the body sentence and the queue sentence, once each
