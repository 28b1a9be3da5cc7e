"""Plain dicts made from stored rows: what the CLI prints, the pages show and the exports write."""
from __future__ import annotations

from typing import Sequence

from claims.io import export as export_mod
from claims.matching.rerank import explain, parse_date, reason, words_shared
from store import repo


def factcheck_result(fact: dict, ranked: dict) -> dict:
    """A fact-check found for a query: `score` is the reranker's probability that it checks the same claim,
    `band` match, possible or none, `reason` one line on why; then what explains it (cosine, the share of the
    query's words it has, shared figures and names, warnings)."""
    return {"kind": "factcheck", "id": fact["id"], "text": fact["claim"], "score": ranked["score"],
            "verdict": fact["verdict"], "url": fact["url"], "date": fact["date"], "speaker": fact["speaker"],
            "title": fact["title"], "match": ranked["match"], "band": ranked["band"], "reason": ranked["reason"],
            "dense": ranked["dense"], "words_shared": ranked["words_shared"],
            "shared_numbers": ranked["shared_numbers"], "shared_entities": ranked["shared_entities"],
            "warnings": ranked["warnings"]}


def claim_result(row, cosine: float, query: str, calibration, reranker) -> dict:
    """A stored claim close to a query, on the fact-checks' scale: `score` is the probability that it states
    the same claim (`calibration`, from its cosine, figures and negation), banded with the reranker's
    thresholds; the same explanation keys as a fact-check."""
    ex = explain(query, row.text) if query else None
    p = round(calibration.probability(query, row.text, cosine), 4)
    band = reranker.band(p)
    out = {"kind": "claim", "id": row.id, "text": row.text, "score": p, "verdict": row.verdict,
           "url": row.document.origin if row.document else "", "document": row.document.name if row.document else "",
           "match": band == "match", "band": band, "dense": round(float(cosine), 4),
           "words_shared": words_shared(query, row.text) if query else None,
           "shared_numbers": list(ex.shared_numbers) if ex else [],
           "shared_entities": list(ex.shared_entities) if ex else [], "warnings": list(ex.warnings) if ex else []}
    out["reason"] = reason(out)
    return out


def group_member(c, similarity: float) -> dict:
    """A claim as a member of a group (see `Matches.group`)."""
    doc = c.document
    published = parse_date(doc.published) if doc is not None and doc.published else None
    day = published.isoformat() if published else (c.created_at.date().isoformat() if c.created_at else "")
    return {"claim_id": c.id, "document_id": c.document_id, "document": doc.name if doc else "",
            "title": doc.title if doc else "", "date": day, "dated_by": "published" if published else "stored",
            "status": c.status, "verdict": c.verdict, "version": c.version, "text": c.text,
            "similarity": round(float(similarity), 4)}


def attribution_view(a) -> dict:
    return {"id": a.id, "source": a.source, "cue": a.cue, "content": a.content, "quote": a.quote,
            "source_type": a.source_type, "resolved": a.resolved, "edited": a.edited}


def sentence_view(x) -> dict:
    return {
        "id": x.id, "index": x.idx, "text": x.text, "start": x.start, "end": x.end, "kind": x.kind,
        "score": x.score, "is_claim": x.is_claim, "claim_type": x.claim_type,
        "reasons": [r for r in x.reasons.split(",") if r],
        "attributions": [attribution_view(a) for a in x.attributions],
        "claim": None if x.claim is None else {
            "id": x.claim.id, "status": x.claim.status, "verdict": x.claim.verdict, "version": x.claim.version,
            "rationale": x.claim.rationale, "evidence": x.claim.evidence, "reviewer": x.claim.reviewer},
    }


def claim_row(c) -> dict:
    """A flat view of a claim and its review: what the export and the tables show. `attributions` lists every
    attribution of the claim's sentence (the CSV writes them in one cell)."""
    attrs = c.sentence.attributions if c.sentence is not None else []
    main = attrs[0] if attrs else None
    doc = c.document
    published = parse_date(doc.published) if doc is not None and doc.published else None
    return {
        "claim_id": c.id, "document_id": c.document_id,
        "document": c.document.name if c.document else "",
        "document_origin": c.document.origin if c.document else "",
        "sentence_id": c.sentence_id, "sentence_index": c.sentence.idx if c.sentence is not None else None,
        "text": c.text, "score": round(c.score, 4), "claim_type": c.claim_type,
        "source": (main.resolved or main.source) if main else "", "source_type": main.source_type if main else "",
        "cue": main.cue if main else "", "quote": main.quote if main else "none",
        "status": c.status, "verdict": c.verdict, "rationale": c.rationale, "evidence": c.evidence,
        "reviewer": c.reviewer, "assignee": c.assignee, "version": c.version, "origin": c.origin,
        "created_at": repo.as_iso(c.created_at), "updated_at": repo.as_iso(c.updated_at),
        # when the claim was made: its article's publication day, else the day the article was stored
        "claim_date": published.isoformat() if published else (repo.as_iso(doc.created_at) or "")[:10] if doc else "",
        "attributions": [attribution_view(a) for a in attrs],  # every one; `source`, `cue`, `quote`: the first's
    }


def claimreview_preview(rows: Sequence[dict], *, publisher: dict | None = None, review_url: str = "") -> str:
    """ClaimReview JSON-LD for export rows already read (the Export page previews the first few)."""
    return export_mod.to_claimreview(rows, publisher=publisher, review_url=review_url)
