"""The cue tagger of round 5 (claims.research.cue_tagger_model, fitted by claims.research.cue_tagger; out of the
product since round 6, when it failed its CV rule): where its candidates' sources come from, what it refuses,
that its word features line up with MiniLM's word pieces, and what it adds to the rules' findings."""
from __future__ import annotations

import numpy as np

from claims.pipeline import nlp as nlp_module
from claims.pipeline.attribute import rules_only
from claims.pipeline.attribution_misreads import find_all
from claims.research import cue_tagger as ct
from claims.research import cue_tagger_model as tagger


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
    # an evaluation given as a participle: the rules read it since round 12, so it is no longer a candidate
    text = "Jumblatt welcomed the move, branding it a positive start."
    assert "branding" not in _cands(text)
    s = _sent(text)
    assert [(f.cue, s.doc[f.source[0]:f.source[1]].text) for f in s.rules] == [("branding", "Jumblatt")]


def test_speech_in_a_relative_clause_about_its_own_subject_is_refused_as_the_rules_refuse_it():
    # (a restrictive "who" clause is speech since round 11: "that" is still a relative about its own subject)
    found = _cands("The plan has outraged environment activists that warn about the damage.")
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


# -- the model: claims.research.cue_tagger_model ---------------------------------------------------------------

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
