"""Round 5's cue tagger (claims.research.cue_tagger, measured and not shipped): where its candidates' sources come
from, what it refuses, and that its word features line up with MiniLM's word pieces."""
from __future__ import annotations

import numpy as np

from claims.pipeline import nlp as nlp_module
from claims.pipeline.attribution_misreads import find_all
from claims.research import cue_tagger as ct


def _sent(text: str) -> ct.Sent:
    doc = nlp_module.get_nlp()(text)
    offsets = [(0, 0)] + [(t.idx, t.idx + len(t.text)) for t in doc]  # one piece per word, [CLS] first
    states = np.eye(len(offsets), 8, dtype=np.float32)
    return ct.Sent("a", 0, text, doc, find_all(doc), states, offsets)


def _cands(text: str) -> dict[str, str]:
    s = _sent(text)
    return {s.doc[c.i].text: s.doc[c.source[0]:c.source[1]].text for c in ct.candidates([s])}


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
    assert np.allclose(ct.word_vector(s, t), s.states[2])
    s.offsets = [(0, 0), (0, 9), (10, 12), (12, 14), (15, 17), (17, 18)]  # "said" cut into two pieces
    assert np.allclose(ct.word_vector(s, t), s.states[2:4].mean(0))
