"""Exporters: plain functions from review rows (dicts) to CSV text and ClaimReview JSON-LD."""
from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlsplit
from typing import Iterable, Sequence

COLUMNS = (
    "claim_id", "document", "document_origin", "sentence_index", "text", "score", "claim_type",
    "source", "cue", "quote", "status", "verdict", "rationale", "evidence", "reviewer", "assignee",
    "version", "created_at", "updated_at", "attributions",
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


def csv_cell(value) -> str:
    """`safe_cell`, with line breaks as \n: the writer quotes a cell holding \n but not one holding a lone \r,
    which a reader takes for the end of the row (and the text after it for a new row, formulas unchecked)."""
    return safe_cell(value).replace("\r\n", "\n").replace("\r", "\n")


def attributions_text(attributions: Iterable[dict] | str | None) -> str:
    """Every attribution of a sentence in one cell: "source — cue (direct|reported)", joined by "; ".
    The source is the resolved name where there is one, else the words of the sentence."""
    if not attributions:
        return ""
    if isinstance(attributions, str):
        return attributions
    parts = []
    for a in attributions:
        source = a.get("resolved") or a.get("source") or ""
        cue = a.get("cue") or ""
        quote = a.get("quote") or ""
        text = f"{source} — {cue}" if cue else source
        parts.append(f"{text} ({quote})" if quote else text)
    return "; ".join(parts)


#: Columns whose row value is a structure, written as text by these functions.
CELL_TEXT = {"attributions": attributions_text}


#: What opens a CSV file as UTF-8 in Excel (which reads a file without it in the machine's legacy code page).
BOM = "\ufeff"


def to_csv(rows: Iterable[dict], columns: Sequence[str] = COLUMNS, *, excel: bool = False) -> str:
    """Formula-safe CSV of export rows; `excel` starts it with a UTF-8 byte-order mark for spreadsheets."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(CELL_TEXT[c](row.get(c)) if c in CELL_TEXT else row.get(c)) for c in columns])
    return (BOM if excel else "") + buf.getvalue()


def web_links(text: str | None) -> list[str]:
    """The http(s) addresses among whitespace-separated evidence (older reviews may hold other words)."""
    return [u for u in (text or "").split() if u.lower().startswith(("http://", "https://")) and len(u) > 8]


def claimreview(row: dict, *, publisher: dict | None = None, review_url: str = "") -> dict:
    """One schema.org ClaimReview for a reviewed claim, with what Google's Fact Check Tools ask for.

    publisher: {"name", "url"} of the fact-checking organisation (`author`); left out when it has no name.
    review_url: the address of the published review, `{id}` standing for the claim's id (`url`); left out when
    empty. The claim (`itemReviewed`) carries its author when a source is known (else the web site the article
    came from, if it came from one), and the day it was made: the article's publication day when known, else
    the day the article was stored."""
    verdict = row.get("verdict") or ""
    rating = {"@type": "Rating", "alternateName": verdict}
    value = RATING_VALUES.get(verdict.lower())
    if value is not None:
        rating.update(ratingValue=value, bestRating=5, worstRating=1)
    item = {"@type": "Claim", "text": row.get("text", "")}
    source = row.get("source")
    origin = row.get("document_origin") or ""
    web = origin.startswith(("http://", "https://"))
    if source:
        item["author"] = {"@type": "Person" if row.get("source_type") == "person" else "Organization",
                          "name": source}
    elif web and urlsplit(origin).hostname:  # no speaker found: the site that published it made the claim
        item["author"] = {"@type": "Organization", "name": urlsplit(origin).hostname, "url": origin}
    claimed = (row.get("claim_date") or "")[:10]
    if claimed:
        item["datePublished"] = claimed
    if web:
        item["appearance"] = [{"@type": "CreativeWork", "url": origin}]
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": row.get("text", ""),
        "datePublished": (row.get("updated_at") or "")[:10],
        "reviewRating": rating,
        "itemReviewed": item,
    }
    if review_url:
        review["url"] = review_url.replace("{id}", str(row.get("claim_id", "")))
    if publisher and publisher.get("name"):
        review["author"] = {"@type": "Organization", "name": publisher["name"]}
        if publisher.get("url"):
            review["author"]["url"] = publisher["url"]
    if row.get("rationale"):
        review["reviewBody"] = row["rationale"]
    evidence = web_links(row.get("evidence"))
    if evidence:
        review["citation"] = evidence
    return review


def to_claimreview(rows: Iterable[dict], *, publisher: dict | None = None, review_url: str = "") -> str:
    """A JSON-LD list of ClaimReview items, one per row that has a verdict."""
    items = [claimreview(r, publisher=publisher, review_url=review_url) for r in rows if r.get("verdict")]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


#: Review history as CSV: one row per changed field of each saved review.
HISTORY_COLUMNS = ("event_id", "claim_id", "version", "at", "reviewer", "field", "old", "new", "document_id",
                   "document", "claim_text")


def history_to_csv(events: Iterable[dict]) -> str:
    """The review history (events from `store.repo.review_events`) as formula-safe CSV, a row per field."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    for e in events:
        for field, (old, new) in e["changes"].items():
            row = dict(e, field=field, old=old, new=new)
            writer.writerow([csv_cell(row.get(c)) for c in HISTORY_COLUMNS])
    return buf.getvalue()


def history_to_jsonl(events: Iterable[dict]) -> str:
    """The review history as JSON lines, one event per line with its `changes` ({field: [old, new]})."""
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)
