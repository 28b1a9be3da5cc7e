"""Round 5's cue tagger (claims.pipeline.cue_tagger, trained by claims.research.cue_tagger): where its candidates'
sources come from, what it refuses, that its word features line up with MiniLM's word pieces, and that the
product hands it the states and keeps what it adds."""
from __future__ import annotations

import numpy as np
import pytest

from claims.pipeline import cue_tagger as tagger
from claims.pipeline import nlp as nlp_module
from claims.pipeline.attribute import attribute, rules_only
from claims.pipeline.attribution_misreads import find_all
from claims.pipeline.types import Sentence
from claims.research import cue_tagger as ct


def _sent(text: str) -> ct.Sent:
    doc = nlp_module.get_nlp()(text)
    offsets = [(0, 0)] + [(t.idx, t.idx + len(t.text)) for t in doc]  # one piece per word, [CLS] first
    states = np.eye(len(offsets), 8, dtype=np.float32)
    return ct.Sent("a", 0, text, doc, find_all(doc), states, offsets)


def _cands(text: str) -> dict[str, str]:
    s = _sent(text)
    return {s.doc[k.c.i].text: s.doc[k.c.source[0]:k.c.source[1]].text for k in ct.candidates([s])}


def test_a_conjoined_or_participle_cue_takes_the_main_verbs_subject():
    assert _cands("Ethiopia rejected the decision and insisted on further talks.")["insisted"] == "Ethiopia"
    assert _cands("Jumblatt welcomed the move, calling it a positive start.")["calling"] == "Jumblatt"


def test_speech_in_a_relative_clause_about_its_own_subject_is_refused_as_the_rules_refuse_it():
    found = _cands("The plan has outraged environment activists who warn about the damage.")
    assert "warn" not in found and found.get("activists") == "The plan"  # a noun object: a candidate


def test_what_the_rules_read_or_refuse_is_no_candidate():
    assert "said" not in _cands("The mayor said the budget was balanced.")  # the rules have it
    assert "deny" not in _cands("Officials did not deny the report.")  # negated
    assert "think" not in _cands('"We think the plan will fail," she said.')  # a speaker's own cue in her quote


def test_a_word_vector_is_the_mean_of_its_pieces():
    s = _sent("Officials said so.")
    t = s.doc[1]
    assert np.allclose(tagger.word_vector(s.states, s.offsets, t), s.states[2])
    s.offsets = [(0, 0), (0, 9), (10, 12), (12, 14), (15, 17), (17, 18)]  # "said" cut into two pieces
    assert np.allclose(tagger.word_vector(s.states, s.offsets, t), s.states[2:4].mean(0))


# -- the product's side: claims.pipeline.cue_tagger -----------------------------------------------------------

N_WORD = 384 + len(tagger.parse_facts(nlp_module.get_nlp()("said")[0], False))
N_PAIR = 1 + len(tagger.parse_facts(nlp_module.get_nlp()("said")[0], False)) + 11


def _stub(bias: float, threshold: float = 0.5) -> tagger.Model:
    flat = lambda n, b: tagger.Linear(np.zeros(n), np.ones(n), np.zeros(n), b)  # noqa: E731
    return tagger.Model(flat(N_WORD, bias), flat(N_PAIR, bias), threshold)


def _inputs(text: str):
    doc = nlp_module.get_nlp()(text)
    offsets = [(0, 0)] + [(t.idx, t.idx + len(t.text)) for t in doc]
    return doc, np.zeros((len(offsets), 384), np.float32), offsets


def test_the_tagger_adds_what_its_pair_model_keeps_with_the_parses_source_and_the_cues_own_clause():
    doc, states, offsets = _inputs("Ethiopia rejected the decision and insisted on further talks.")
    rules = rules_only(doc)
    added = {f.cue: f for f in tagger.additions(doc, rules, states, offsets, _stub(8.0))}
    f = added["insisted"]
    assert doc[f.source[0]:f.source[1]].text == "Ethiopia" and f.content == "on further talks"
    assert f.quote == "reported" and f.source_type
    assert not tagger.additions(doc, rules, states, offsets, _stub(-8.0))  # a pair model that keeps nothing
    assert not tagger.additions(doc, rules, None, offsets, _stub(8.0))  # no states, no tagger


def test_attribute_runs_the_tagger_only_with_states(monkeypatch):
    text = "Ethiopia rejected the decision and insisted on further talks."
    doc, states, _ = _inputs(text)
    monkeypatch.setattr(tagger, "model", lambda: _stub(8.0))
    monkeypatch.setattr(tagger, "piece_offsets", lambda texts: [[(0, 0)] + [(t.idx, t.idx + len(t.text))
                                                                             for t in doc] for _ in texts])
    sents = [Sentence(0, text, 0, len(text)), Sentence(1, "Nothing here.", len(text) + 1, len(text) + 14)]
    with_states = attribute(sents, [doc, None], states=[states, None])
    assert "insisted" in [a.cue for a in with_states[0]] and with_states[1] == ()
    assert "insisted" not in [a.cue for a in attribute(sents, [doc, None])[0]]  # the rules alone
    cues = [a.cue for a in with_states[0]]
    assert cues == sorted(cues, key=text.index)  # the additions take their place among the rules' findings


def test_the_shipped_tagger_records_how_it_was_chosen():
    m = tagger.model()
    assert m is not None, "claims/data/cue_tagger.json is missing: python -m claims.research.cue_tagger --write"
    assert "draws 1-4" in m.meta["trained_on"] and "test" not in m.meta["trained_on"]
    assert m.meta["held_out"]["draw"] == 5
    assert m.meta["held_out"]["rules and tagger"]["f1"] >= m.meta["held_out"]["rules"]["f1"]  # its rule
    assert 0 < m.threshold < 1 and len(m.words.coef) == N_WORD and len(m.pairs.coef) == N_PAIR


@pytest.mark.slow
def test_extract_hands_the_tagger_the_last_layers_states_and_it_reads_a_passive_with_an_agent():
    from claims.pipeline.detector import load_detector
    from claims.pipeline.embed import get_embedder
    from claims.pipeline.extract import Pipeline

    text = ("Parents at Brookside Primary School were told by the school in a letter on Oct. 20 that a pupil had "
            "tested positive.")
    pipe = Pipeline(embedder=get_embedder(), detector=load_detector(), attribution=True)
    found = [a for r in pipe.run([("a", text)], genre="article")[0].results for a in r.attributions]
    assert [(a.source, a.cue) for a in found] == [("the school", "told")]
    rules_found = attribute([Sentence(0, text, 0, len(text))], [nlp_module.get_nlp()(text)])
    assert rules_found == [()]  # the rules alone read no speaker here: the tagger found it
