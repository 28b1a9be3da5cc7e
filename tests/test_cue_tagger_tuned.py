"""The cue tagger (claims.research.cue_tagger_tuned): its states come from the search pass, its word pieces
line up with spaCy's words, its file keeps what was trained, and it only adds what its pair model keeps, with the
parse's source, never what the rules refuse."""
from __future__ import annotations

import numpy as np
import pytest

from claims.research import cue_tagger_tuned as tg
from claims.pipeline import nlp as nlp_module
from claims.pipeline.attribute import rules_only


def _doc(text: str):
    return nlp_module.get_nlp()(text)


def _stub(bias: float, threshold: float = 0.5, layers: list[dict] | None = None) -> tg.CueTagger:
    """A tagger whose pair model answers `bias` whatever it reads (layers: MiniLM's own 5 and 6 by default)."""
    from claims.pipeline.embed import get_embedder
    from claims.pipeline.minilm import layer_state

    if layers is None:
        w = get_embedder().weights
        layers = [{k: v.numpy() for k, v in layer_state(w, f"encoder.layer.{n}.").items()} for n in (4, 5)]
    n = len(tg.pair_row(_doc("Italy opposes it."), tg.Cand(1, (0, 1), 0), [False] * 4, np.zeros((4, 2))))
    pairs = tg.Linear(np.zeros(n), np.ones(n), np.zeros(n), bias)
    rng = np.random.default_rng(0)
    return tg.CueTagger(layers, rng.normal(0, 0.05, (2, 384)), np.zeros(2), pairs, threshold, {"test": True})


def test_the_search_pass_gives_the_taggers_states_and_the_detectors_in_one_forward_pass():
    from claims.pipeline.embed import get_embedder

    emb = get_embedder()
    texts = ["Italy opposes Germany's bid for a permanent seat.", "The EU wants a permanent cessation."]
    vecs, got = emb.encode_with_layers(texts, layers={tg.FROM_LAYER: tg.MAX_PIECES, 6: 64})
    assert np.allclose(vecs, emb.encode(texts), atol=1e-5)
    v4, s4 = emb.encode_with_states(texts, layer=tg.FROM_LAYER, max_tokens=tg.MAX_PIECES)
    assert all(np.allclose(a, b, atol=1e-5) for a, b in zip(got[tg.FROM_LAYER], s4))
    assert [len(s) for s in got[tg.FROM_LAYER]] == [len(o) for o in tg.piece_offsets(texts)]


def test_a_words_probability_is_the_highest_of_its_pieces():
    doc = _doc("Italy opposes it.")
    offsets = [(0, 0), (0, 5), (6, 10), (10, 13), (14, 16), (16, 17), (0, 0)]  # "opposes" cut into two pieces
    piece_p = np.array([[0, 0], [0.1, 0.9], [0.3, 0.0], [0.8, 0.1], [0, 0], [0, 0], [0, 0]], np.float32)
    p = tg.word_probs(doc, offsets, piece_p)
    assert p.shape == (len(doc), 2)
    assert p[1, 0] == pytest.approx(0.8) and p[0, 1] == pytest.approx(0.9) and p[2, 0] == 0


def test_it_adds_what_its_pair_model_keeps_with_the_parses_source():
    doc = _doc("Italy opposes Germany's bid for a permanent seat.")
    probs = np.zeros((len(doc), 2), np.float32)
    added = {f.cue: f for f in tg.additions(doc, rules_only(doc), probs, _stub(8.0))}
    f = added["opposes"]
    assert doc[f.source[0]:f.source[1]].text == "Italy" and f.content.startswith("Germany's bid")
    assert f.quote == "reported" and f.source_type
    assert not tg.additions(doc, rules_only(doc), probs, _stub(-8.0))  # a pair model that keeps nothing


def test_it_never_adds_what_the_rules_read_or_refuse():
    for text in ("The mayor said the budget was balanced.", "Officials did not deny the report.",
                 '"We think the plan will fail," she said.'):
        doc = _doc(text)
        found = rules_only(doc)
        cues = {f.cue for f in tg.additions(doc, found, np.zeros((len(doc), 2), np.float32), _stub(8.0))}
        assert not cues & {"said", "deny", "think"}, (text, cues)


def test_the_saved_file_gives_back_the_same_probabilities(tmp_path):
    m = _stub(0.0, 0.7)
    states = [np.random.default_rng(1).normal(0, 1, (12, 384)).astype(np.float32)]
    m.save(tmp_path / "t.npz")
    back = tg.CueTagger.load(tmp_path / "t.npz")
    assert back.threshold == pytest.approx(0.7) and back.meta == {"test": True}
    assert np.abs(back.piece_probs(states)[0] - m.piece_probs(states)[0]).max() < 0.02  # int8 matrices
