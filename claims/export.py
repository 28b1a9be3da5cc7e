"""Exporters: plain functions from review rows (dicts) to CSV text and ClaimReview JSON-LD."""
from __future__ import annotations

import csv
import io
import json
from typing import Iterable, Sequence

COLUMNS = (
    "claim_id", "document", "document_origin", "sentence_index", "text", "score", "claim_type",
    "source", "cue", "quote", "status", "verdict", "rationale", "evidence", "reviewer", "assignee",
    "version", "created_at", "updated_at",
)

#: Characters that make a spreadsheet treat a cell as a formula (or hide one behind a control character).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: Numeric ratings for the default scale (5 best); verdicts outside it carry only their name.
RATING_VALUES = {"true": 5, "mostly true": 4, "half true": 3, "mostly false": 2, "false": 1}


def safe_cell(value) -> str:
    """Text for a CSV cell that no spreadsheet will run: a leading formula character gets a quote."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def to_csv(rows: Iterable[dict], columns: Sequence[str] = COLUMNS) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(c)) for c in columns])
    return buf.getvalue()


def claimreview(row: dict, *, publisher: str = "Claim Workbench") -> dict:
    """One schema.org ClaimReview for a reviewed claim."""
    verdict = row.get("verdict") or ""
    rating = {"@type": "Rating", "alternateName": verdict}
    value = RATING_VALUES.get(verdict.lower())
    if value is not None:
        rating.update(ratingValue=value, bestRating=5, worstRating=1)
    item = {"@type": "Claim", "text": row.get("text", "")}
    source = row.get("source")
    if source:
        item["author"] = {"@type": "Person" if row.get("source_type") == "person" else "Organization",
                          "name": source}
    origin = row.get("document_origin") or ""
    if origin.startswith(("http://", "https://")):
        item["appearance"] = [{"@type": "CreativeWork", "url": origin}]
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": row.get("text", ""),
        "datePublished": (row.get("updated_at") or "")[:10],
        "author": {"@type": "Organization", "name": publisher},
        "reviewRating": rating,
        "itemReviewed": item,
    }
    if row.get("rationale"):
        review["reviewBody"] = row["rationale"]
    evidence = [u for u in (row.get("evidence") or "").split() if u]
    if evidence:
        review["citation"] = evidence
    if row.get("url"):
        review["url"] = row["url"]
    return review


def to_claimreview(rows: Iterable[dict], *, publisher: str = "Claim Workbench") -> str:
    """A JSON-LD list of ClaimReview items, one per row that has a verdict."""
    items = [claimreview(r, publisher=publisher) for r in rows if r.get("verdict")]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
