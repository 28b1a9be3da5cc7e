"""The distilled article detector (`claims.pipeline.detect_student`) and the genre router the product loads."""
from __future__ import annotations

import numpy as np
import pytest

from claims.pipeline import detect_student as ds
from claims.pipeline import features as _features
from claims.pipeline.types import Score


def _arrays(seed: int = 0, hidden: int = 8) -> dict:
    rng = np.random.default_rng(seed)
    k = len(_features.FEATURE_NAMES)
    return {"k_w": rng.normal(0, 0.05, (384, 384)), "k_b": np.zeros(384), "v_w": rng.normal(0, 0.05, (384, 384)),
            "v_b": np.zeros(384), "q": rng.normal(0, 0.1, (4, 96)), "sem_w": rng.normal(0, 0.1, 384),
            "sem_b": np.float32(0.1), "hidden_w": rng.normal(0, 0.05, (hidden, 768)), "hidden_b": np.zeros(hidden),
            "hidden_out": rng.normal(0, 0.1, hidden), "feat_weights": rng.normal(0, 0.3, k),
            "feat_mean": np.zeros(k), "feat_std": np.ones(k)}


def _inputs(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    emb = rng.normal(size=(n, 384)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    states = [rng.normal(size=(int(rng.integers(3, 20)), 384)).astype(np.float32) for _ in range(n)]
    return emb, states


def test_the_attention_pooling_is_a_weighted_average_of_the_projected_tokens():
    det = ds.StudentDetector(_arrays(), threshold=0.5)
    _, states = _inputs(3)
    pooled = det.pooled(states)
    s = states[0]
    vals = s @ det.v_w.T + det.v_b
    keys = (s @ det.k_w.T + det.k_b).reshape(len(s), 4, 96)
    for h in range(4):
        a = keys[:, h] @ det.q[h] / np.sqrt(96)
        w = np.exp(a - a.max()) / np.exp(a - a.max()).sum()
        np.testing.assert_allclose(pooled[0, h * 96:(h + 1) * 96], w @ vals[:, h * 96:(h + 1) * 96], rtol=1e-4, atol=1e-5)
    one_token = det.pooled([s[:1]])[0]  # one token: its own value projection, whatever the weights
    np.testing.assert_allclose(one_token, vals[0], rtol=1e-4, atol=1e-5)


def test_scores_reasons_and_a_round_trip_through_the_file(tmp_path):
    det = ds.StudentDetector(_arrays(), threshold=0.4, sem_offset=0.05, meta={"genre": "article"})
    texts = ["Unemployment fell to 3.9% in March, the lowest in 50 years.", "Thank you all for coming tonight.",
             "The senator said the bill would cost $40 billion."]
    emb, states = _inputs(3)
    scores = det.score(texts, emb, states)
    assert all(isinstance(s, Score) and 0.0 <= s.score <= 1.0 for s in scores)
    assert [s.is_claim for s in scores] == [s.score >= 0.4 for s in scores]
    assert all(s.reasons for s in scores if s.is_claim)  # a claim always says why
    det.save(tmp_path / "s.npz")
    back = ds.StudentDetector.load(tmp_path / "s.npz")
    np.testing.assert_allclose(back.probabilities(texts, emb, states), det.probabilities(texts, emb, states), atol=1e-6)
    assert back.meta == {"genre": "article"} and back.threshold == 0.4
    from claims.pipeline.detector import load_detector

    assert isinstance(load_detector(tmp_path / "s.npz"), ds.StudentDetector)


def test_weights_of_the_wrong_shape_are_refused_with_how_to_retrain():
    bad = _arrays()
    bad["q"] = np.zeros((3, 96))
    with pytest.raises(ValueError, match="retrain with .*distil_detect"):
        ds.StudentDetector(bad, threshold=0.5)
    with pytest.raises(ValueError, match="unknown genre"):
        ds.StudentDetector(_arrays(), threshold=0.5).threshold_for("poem")


class _Teacher:
    layer_from = 1
    meta: dict = {}

    def __init__(self):
        self.calls = []

    def threshold_for(self, genre=None):
        return 0.7

    def score(self, texts, embeddings=None, states=None, genre=None):
        self.calls.append((list(texts), [len(s) for s in states], genre))
        return [Score(0.9, True, "other", ("teacher",)) for _ in texts]


class _StatesEmbedder:
    """The fake MiniLM: states of a layer are 'layer' repeated, so the test sees which layer reached whom."""

    name, dim = "test/states", 384

    def __init__(self):
        self.layers = []

    def encode(self, texts, batch_size=32):
        return _inputs(len(texts))[0]

    def encode_with_states(self, texts, batch_size=32, *, layer, max_tokens=64):
        self.layers.append((layer, len(texts)))
        emb, _ = _inputs(len(texts))
        return emb, [np.full((layer + 2, 384), float(layer), np.float32) for _ in texts]


def test_the_pipeline_gives_articles_to_the_student_and_transcripts_to_the_teacher_each_with_its_layer():
    from claims.pipeline.extract import Pipeline

    teacher, loads = _Teacher(), []
    router = ds.GenreDetector(ds.StudentDetector(_arrays(), threshold=0.5), lambda: loads.append(1) or teacher)
    assert (router.layer_for("article"), router.layer_for("transcript")) == (6, 1)
    embedder = _StatesEmbedder()
    pipe = Pipeline(embedder=embedder, detector=router, attribution=False)
    article = pipe.run([("a", "The council spent $4.2 million on roads in 2024. The mayor disagreed.")],
                       genre="article")[0]
    assert all("teacher" not in r.score.reasons for r in article.results)
    assert not loads  # articles alone never load the teacher
    debate = pipe.run([("d", "MODERATOR: Thank you. SMITH: We cut taxes by 10 percent.")], genre="transcript")[0]
    assert debate.results and all(r.score.reasons == ("teacher",) for r in debate.results)
    assert [lay for lay, _ in embedder.layers] == [6, 1]
    assert all(n == 3 for _, n, _ in [(c[0], c[1][0], c[2]) for c in teacher.calls])  # layer-1 states: 1 + 2 rows
    assert teacher.calls[0][2] == "transcript" and loads == [1]
    assert router.threshold_for("transcript") == 0.7

