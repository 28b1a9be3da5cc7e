"""Headlines that restate a body sentence are linked to it, so one claim is not counted twice.

A news page states its main claim in the headline and again, with its details, in the body. The pipeline
compares each headline with its document's body sentences (the MiniLM vectors it already has: cosine of
normalised vectors) and links it to the most similar one when the similarity reaches `LINK_THRESHOLD`. A linked
headline is not a second claim when the body sentence is a claim; it keeps its score and says which sentence it
restates. The threshold was chosen by cross-validation on labelled Wikinews headline pairs
(`claims.research.headline_links`, docs/detector.md)."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from claims.pipeline.types import NOT_A_CLAIM, SentenceResult

#: cosine at or above which a headline restates its most similar body sentence (chosen by CV; see the module doc)
LINK_THRESHOLD = 0.59


def link(results: list[SentenceResult], vectors: np.ndarray, threshold: float = LINK_THRESHOLD) -> list[SentenceResult]:
    """`results` (one document's, row i of `vectors` being results[i]'s embedding) with each headline that
    restates a body sentence linked to it (`restates`: the body sentence's index)."""
    body = [i for i, r in enumerate(results) if r.sentence.kind == "body" and r.sentence.text.strip()]
    if not body:
        return results
    out = list(results)
    for h, r in enumerate(results):
        if r.sentence.kind != "headline" or not np.any(vectors[h]):
            continue
        sims = vectors[body] @ vectors[h]
        j = int(np.argmax(sims))
        if float(sims[j]) < threshold:
            continue
        target = results[body[j]]
        note = f"headline restates sentence {target.sentence.index}"
        score = r.score
        if score.is_claim and target.score.is_claim:  # the body sentence is the claim, with its details
            score = replace(score, is_claim=False, claim_type=NOT_A_CLAIM, reasons=(note,))
        else:
            score = replace(score, reasons=(note, *score.reasons))
        out[h] = replace(r, score=score, restates=target.sentence.index)
    return out
