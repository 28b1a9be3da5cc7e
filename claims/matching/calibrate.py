"""One scale for every result: the probability that a stored claim states the same claim as the query.

A past fact-check's score is the reranker's probability (`claims.matching.rerank.Reranker`). A stored claim is
found by MiniLM cosine alone, and a cosine is not a probability: `ClaimCalibration` turns it into one with a
logistic regression over the cosine, "a figure of the same kind differs" and "only one side is negated",
fitted on CheckThat! 2022 2A tweets that repeat the same Snopes check (`python -m
claims.research.train_claim_similarity`, which writes `claims/data/claim_similarity.json`). Both kinds of result
are then banded with the reranker's thresholds: match, possible or none.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from claims.matching.rerank import compare_numbers, negations

FEATURES = ("cosine", "number_conflict", "negation_mismatch")


def default_path():
    """The shipped calibration, `claims/data/claim_similarity.json` (a Traversable)."""
    return resources.files("claims").joinpath("data", "claim_similarity.json")


def pair_features(query: str, text: str, cosine: float) -> tuple[float, float, float]:
    """The calibration's inputs for one pair: cosine, numbers that differ (0/1), negation on one side (0/1)."""
    conflict = 1.0 if query and compare_numbers(query, text)[1] else 0.0
    negated = 1.0 if query and bool(negations(query)) != bool(negations(text)) else 0.0
    return float(cosine), conflict, negated


@dataclass(frozen=True)
class ClaimCalibration:
    """p = sigmoid(bias + weights . (cosine, number_conflict, negation_mismatch))."""

    weights: tuple[float, float, float]
    bias: float
    meta: dict = field(default_factory=dict, compare=False)

    def probability(self, query: str, text: str, cosine: float) -> float:
        x = pair_features(query, text, cosine)
        z = self.bias + sum(w * v for w, v in zip(self.weights, x))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps({"features": list(FEATURES), "weights": list(self.weights),
                                          "bias": self.bias, "meta": self.meta}, indent=1, sort_keys=True) + "\n",
                              encoding="utf-8")

    @classmethod
    def load(cls, path=None) -> "ClaimCalibration":
        """The calibration at `path`, by default the shipped one."""
        src = default_path() if path is None else Path(path)
        data = json.loads(src.read_text(encoding="utf-8"))
        if tuple(data.get("features", ())) != FEATURES:
            raise ValueError(f"{src} calibrates {data.get('features')}, this code computes {list(FEATURES)}; "
                             "retrain it with `python -m claims.research.train_claim_similarity`")
        return cls(tuple(float(w) for w in data["weights"]), float(data["bias"]), dict(data.get("meta") or {}))
