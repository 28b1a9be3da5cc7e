"""Which genre a document is: a news article or a debate / speech transcript, read from its words.

The detector has a threshold per genre (check-worthy sentences are much rarer in a transcript), so the genre
decides which sentences are shown as claims. A user should not have to know that: `claims extract` and
`claims ingest` call `detect` on every document unless `--genre` says otherwise.

The signal is what spoken debate does and news prose does not: speaker turns ("OBAMA:", "Q:"), first and
second person ("I", "we", "you"), contractions, short sentences and discourse markers ("well", "look"), and
what news does and speech does not: reported speech ("said", "according to"), quotation marks, third-person
names. A logistic regression over these rates (`claims/data/genre_model.json`, trained and chosen by
cross-validation with `python -m claims.research.train_genre`) gives the probability of a transcript.
"""
from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from importlib import resources

from claims.pipeline.types import GENRES

SPEAKER_TURN = re.compile(r"^\s*(?:[A-Z][A-Za-z.'’-]*(?:\s+[A-Z][A-Za-z.'’-]*){0,3}|Q|A)\s*:\s+\S", re.M)
FIRST = re.compile(r"\b(?:i|me|my|mine|we|us|our|ours|i'm|i’m|i've|i’ve|we're|we’re|i'd|i’d|i'll|i’ll)\b")
SECOND = re.compile(r"\b(?:you|your|yours|you're|you’re|you've|you’ve)\b")
CONTRACTION = re.compile(r"\w(?:n't|n’t|'re|’re|'ll|’ll|'ve|’ve|'m|’m|'d|’d)\b")
MARKERS = re.compile(r"^(?:well|now|look|so|and|but|you know|let me|thank you|folks|okay|ok|yes|no)\b")
REPORTED = re.compile(r"\b(?:said|says|told|according to|reported|announced|stated|added)\b")
QUOTES = re.compile(r"[\"“”]")
STAGE = re.compile(r"[\[(](?:applause|laughter|crosstalk|inaudible|cheers|booing)[\])]", re.I)
WORD = re.compile(r"[\w’']+")

#: The features the model weighs. Speaker turns and stage directions are rules, not weights (`detect`):
#: the debate data has neither, so no weight for them could be learned.
FEATURES = ("first_person", "second_person", "contractions", "markers", "reported", "quotes", "words_per_sentence",
            "capitalised")

#: A document whose lines mostly open with a speaker ("OBAMA: ...", "Q: ...") is a transcript, whatever its words.
TURN_SHARE = 0.3


def turn_share(text: str) -> float:
    """The share of non-empty lines that open with a speaker and a colon."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return len(SPEAKER_TURN.findall(text)) / len(lines) if lines else 0.0


def features(text: str, sentences: list[str]) -> dict[str, float]:
    """Rates over the document's sentences: per sentence for markers, reporting and quotes, per word else."""
    sents = [s for s in sentences if s.strip()] or [text]
    low = [s.casefold() for s in sents]
    words = [w for s in sents for w in WORD.findall(s)]
    n_words = max(len(words), 1)
    inner = [w for s in sents for w in WORD.findall(s)[1:]]  # capitals that are not a sentence's first word
    return {
        "first_person": sum(len(FIRST.findall(s)) for s in low) / n_words * 10,
        "second_person": sum(len(SECOND.findall(s)) for s in low) / n_words * 10,
        "contractions": sum(len(CONTRACTION.findall(s)) for s in low) / n_words * 10,
        "markers": sum(bool(MARKERS.match(s.lstrip("“\"' "))) for s in low) / len(sents),
        "reported": sum(bool(REPORTED.search(s)) for s in low) / len(sents),
        "quotes": sum(bool(QUOTES.search(s)) for s in sents) / len(sents),
        "words_per_sentence": min(n_words / len(sents), 60) / 20,
        "capitalised": sum(w[:1].isupper() for w in inner) / max(len(inner), 1),
    }


@dataclass(frozen=True)
class GenreModel:
    weights: dict[str, float]
    bias: float
    threshold: float
    meta: dict

    def probability(self, feats: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in feats.items())
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def to_json(self) -> dict:
        return {"weights": self.weights, "bias": self.bias, "threshold": self.threshold, "meta": self.meta}

    @classmethod
    def from_json(cls, d: dict) -> "GenreModel":
        return cls({k: float(v) for k, v in d["weights"].items()}, float(d["bias"]), float(d["threshold"]),
                   d.get("meta", {}))


@functools.lru_cache(maxsize=1)
def model() -> GenreModel:
    """The shipped model (claims/data/genre_model.json), read once."""
    raw = resources.files("claims").joinpath("data/genre_model.json").read_text(encoding="utf-8")
    return GenreModel.from_json(json.loads(raw))


@dataclass(frozen=True)
class GenreGuess:
    genre: str
    probability: float  # that the document is a transcript
    source: str  # "detected" or "given"

    def to_dict(self) -> dict:
        return {"genre": self.genre, "transcript_probability": round(self.probability, 3), "genre_source": self.source}


def given(genre: str) -> GenreGuess:
    """The genre a user named (`--genre`), which overrides detection."""
    if genre not in GENRES:
        raise ValueError(f"unknown genre {genre!r}: use one of {', '.join(GENRES)}")
    return GenreGuess(genre, 1.0 if genre == "transcript" else 0.0, "given")


def detect(text: str, sentences: list[str], m: GenreModel | None = None) -> GenreGuess:
    """The genre of one document from its text and its sentences."""
    if turn_share(text) >= TURN_SHARE or len(STAGE.findall(text)) >= 2:
        return GenreGuess("transcript", 1.0, "detected")
    m = m or model()
    p = m.probability(features(text, sentences))
    return GenreGuess("transcript" if p >= m.threshold else "article", p, "detected")
