"""Small frozen records that the pipeline stages pass along. No I/O, no models."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: Claim types (Full Fact's typology); "not a claim" is used below the threshold.
CLAIM_TYPES = (
    "quantity",
    "comparison",
    "causal",
    "prediction",
    "law or rule",
    "personal experience",
    "event",
    "other",
)
NOT_A_CLAIM = "not a claim"

#: What kind of text a document is: a news article (the default) or a debate or speech transcript. The
#: detector may hold a threshold for each (`claims.pipeline.detect_tuned.TunedDetector.threshold_for`).
GENRES = ("article", "transcript")

#: What a block of page text is: content, a headline, or page furniture (captions, ads, notices...).
BLOCK_KINDS = ("body", "headline", "furniture")


@dataclass(frozen=True)
class Block:
    """A paragraph-like block of the original text, with character offsets into it."""

    start: int
    end: int
    kind: str  # one of BLOCK_KINDS
    reason: str = ""  # why a block is furniture or a headline (e.g. "load more")


@dataclass(frozen=True)
class Sentence:
    """One sentence with exact offsets into the original text: text == original[start:end]."""

    index: int
    text: str
    start: int
    end: int
    kind: str = "body"  # the kind of the block it came from


@dataclass(frozen=True)
class Score:
    """Check-worthiness of one sentence."""

    score: float  # 0-1
    is_claim: bool
    claim_type: str  # one of CLAIM_TYPES, or NOT_A_CLAIM
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attribution:
    """Who says what: source, cue and content, with the kind of speech."""

    source: str
    cue: str
    content: str
    quote: str  # "direct" | "reported"
    source_type: str = ""  # person, organisation, document, anonymous, group, pronoun
    resolved: str = ""  # the named source a pronoun or short name refers to, if found

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SentenceResult:
    """Everything the pipeline knows about one sentence."""

    doc: str
    sentence: Sentence
    score: Score
    attributions: tuple[Attribution, ...] = field(default_factory=tuple)
    #: a headline's link: the index of the body sentence it restates (`claims.pipeline.headlines`)
    restates: int | None = None

    @property
    def main(self) -> Attribution | None:
        return self.attributions[0] if self.attributions else None

    def to_dict(self) -> dict:
        """The documented `claims extract --format jsonl` record."""
        main = self.main
        return {
            "doc": self.doc,
            "index": self.sentence.index,
            "text": self.sentence.text,
            "start": self.sentence.start,
            "end": self.sentence.end,
            "kind": self.sentence.kind,
            "is_claim": self.score.is_claim,
            "score": round(self.score.score, 4),
            "claim_type": self.score.claim_type,
            "reasons": list(self.score.reasons),
            "source": main.resolved or main.source if main else None,
            "source_text": main.source if main else None,
            "cue": main.cue if main else None,
            "quote": main.quote if main else "none",
            "attributions": [a.to_dict() for a in self.attributions],
            "restates": self.restates,
        }
