"""The cue tagger's model: attributions the rules do not read, found on the MiniLM token states (issue 15).

Research code since round 6 (2026-12-06): the tagger shipped in round 5 by the narrowest margin and was taken out
of the product when it failed the same rule against the round-6 rules (`python -m claims.research.cue_tagger`;
docs/attribution.md has the figures). The script fits and cross-validates it with what is here.

Two logistic regressions:

1. the word tagger: for every verb, noun and adjective, the mean of its word pieces' last-layer states and a few
   parse facts (`word_row`) give the probability that it is a cue;
2. the pair model: a word that no rule finding has as its cue, to which the parse gives a source (`candidates`),
   is kept when the tagger's logit, the word's parse facts and the source's facts (`pair_row`) say the pair is
   right with probability `threshold` or more.

The rules stay in charge: the tagger only adds, and refuses what the rules refuse for any verb (speech negated,
hedged, hypothetical or about its own relative subject, a speaker's own "I think" inside a quotation).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence

import numpy as np

from claims.pipeline.attribution_rules import Found
from claims.pipeline.cues import lexicon
from claims.pipeline.quotes import _Sent
from claims.research.cue_tagger_tuned import (  # noqa: F401 (shared with the fine-tuned tagger)
    DEPS,
    POS,
    SOURCE_ENTS,
    Cand,
    Linear,
    candidates,
    kept,
    parse_facts,
    piece_offsets,
    source_facts,
    source_of,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

LAYER = 6  # the states it reads: MiniLM's last layer, as the student detector's
MAX_PIECES = 256  # word pieces per sentence it sees (the encoder's own limit)


def word_vector(states: np.ndarray, offsets: Sequence[tuple[int, int]], t: "Token") -> np.ndarray:
    """The mean of the states of the word pieces that overlap the word (`offsets`: each piece's characters in
    the sentence, [CLS] first, as the tokenizer gives them)."""
    a, b = t.idx, t.idx + len(t.text)
    rows = [k for k, (x, y) in enumerate(offsets[:len(states)]) if y > x and x < b and a < y]
    return states[rows].mean(0) if rows else np.zeros(states.shape[1], np.float32)


def word_row(states: np.ndarray, offsets, t: "Token", in_quote: bool) -> np.ndarray:
    """The word tagger's features of one word."""
    return np.concatenate([word_vector(states, offsets, t), np.array(parse_facts(t, in_quote), np.float32)])


def pair_row(doc: "Doc", c: Cand, in_quote: Sequence[bool], cue_p: float) -> list[float]:
    """The pair model's features: the tagger's logit, the cue word's parse facts, the source's facts."""
    p = min(max(cue_p, 1e-4), 1 - 1e-4)
    return [math.log(p / (1 - p))] + parse_facts(doc[c.i], in_quote[c.i]) + source_facts(doc, c, in_quote)


@dataclass
class Model:
    words: Linear
    pairs: Linear
    threshold: float
    meta: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"words": self.words.to_json(), "pairs": self.pairs.to_json(), "threshold": self.threshold,
                "layer": LAYER, "meta": self.meta}

    @classmethod
    def from_json(cls, d: dict) -> "Model":
        if d.get("layer", LAYER) != LAYER:
            raise ValueError(f"the tagger reads layer {d['layer']}, this code {LAYER}: fit it again with "
                             "python -m claims.research.cue_tagger")
        return cls(Linear.from_json(d["words"]), Linear.from_json(d["pairs"]), float(d["threshold"]),
                   d.get("meta", {}))


def additions(doc: "Doc", found: list[Found], states: np.ndarray, offsets, m: Model) -> list[Found]:
    """What the tagger adds to the rules' findings in one parsed sentence (none without states)."""
    if states is None or not len(states):
        return []
    s = _Sent(doc, lexicon())
    cands = candidates(doc, {f.cue_i for f in found}, s.in_quote)
    if not cands:
        return []
    words = sorted({c.i for c in cands})
    cue_p = dict(zip(words, m.words.p(np.array([word_row(states, offsets, doc[i], s.in_quote[i])
                                                  for i in words]))))
    keep = m.pairs.p(np.array([pair_row(doc, c, s.in_quote, float(cue_p[c.i])) for c in cands])) >= m.threshold
    return kept(s, cands, keep)

