"""Reading an archive of past fact-checks: CSV (header with `claim`), JSONL, or ClaimReview JSON-LD.

`read_archive()` returns the good records and a list of problems with line numbers, so that one bad row does
not stop the rest from loading; a file that cannot be an archive at all raises BadArchive."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import BadArchive
from claims.io.jsonl import json_lines
from claims.io.readers import decode

RECORD_FIELDS = ("claim", "verdict", "url", "date", "speaker", "title")


@dataclass
class ArchiveRead:
    records: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _clean(record: dict) -> dict:
    return {k: _str(record.get(k)) for k in RECORD_FIELDS}


def read_csv(text: str, name: str) -> ArchiveRead:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "claim" not in header:
        raise BadArchive(
            f"{name} has no 'claim' column (columns: {', '.join(header) or 'none'}); "
            "the first row must be a header naming at least: claim"
        )
    reader.fieldnames = header
    out = ArchiveRead()
    for row in reader:
        line = reader.line_num
        if None in row:  # more cells than header columns
            out.problems.append(f"{name} line {line}: more cells than columns; quote cells that contain commas")
            continue
        rec = _clean(row)
        if not rec["claim"]:
            out.problems.append(f"{name} line {line}: empty claim; skipped")
            continue
        out.records.append(rec)
    return out


def _obj(value) -> dict:
    """A JSON-LD value that should be an object: the first object of a list, or {}."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), {})
    return value if isinstance(value, dict) else {}


def _str(value) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, (str, int, float)):
        return str(value).strip()
    if isinstance(value, dict):
        return _str(value.get("name"))
    if isinstance(value, list):
        return next((s for s in map(_str, value) if s), "")
    return ""


def claimreview_record(item: dict) -> dict:
    """schema.org ClaimReview -> our record. Tolerates the shapes JSON-LD allows (lists, nested names)."""
    rating = _obj(item.get("reviewRating"))
    verdict = _str(rating.get("alternateName"))
    if not verdict and _str(rating.get("ratingValue")):
        verdict = f"{_str(rating.get('ratingValue'))}/{_str(rating.get('bestRating')) or '?'}"
    reviewed = _obj(item.get("itemReviewed"))
    return _clean({
        "claim": _str(item.get("claimReviewed")),
        "verdict": verdict,
        "url": _str(item.get("url")),
        "date": _str(item.get("datePublished")),
        "speaker": _str(reviewed.get("author")),
        "title": _str(item.get("name")) or _str(item.get("headline")),
    })


def _claimreviews(data) -> list:
    if isinstance(data, list):
        return [x for d in data for x in _claimreviews(d)]
    if isinstance(data, dict):
        if "@graph" in data:
            return _claimreviews(data["@graph"])
        kind = data.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if "ClaimReview" in kinds or "claimReviewed" in data:
            return [data]
    return []


def read_claimreview(text: str, name: str) -> ArchiveRead:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadArchive(f"{name} is not valid JSON (line {exc.lineno}: {exc.msg}); fix it or export CSV") from None
    items = _claimreviews(data)
    if not items:
        raise BadArchive(f"{name} holds no schema.org ClaimReview items; give ClaimReview JSON-LD or a CSV")
    out = ArchiveRead()
    for i, item in enumerate(items, 1):
        rec = claimreview_record(item)
        if rec["claim"]:
            out.records.append(rec)
        else:
            out.problems.append(f"{name} item {i}: no claimReviewed; skipped")
    return out


def read_jsonl(text: str, name: str) -> ArchiveRead:
    out = ArchiveRead()
    for lineno, item, bad in json_lines(text.splitlines()):
        if bad:
            out.problems.append(f"{name} line {lineno}: not valid JSON ({bad}); skipped")
            continue
        if isinstance(item, dict) and ("claimReviewed" in item or item.get("@type") == "ClaimReview"):
            rec = claimreview_record(item)
        elif isinstance(item, dict):
            rec = _clean(item)
        else:
            out.problems.append(f"{name} line {lineno}: not a JSON object; skipped")
            continue
        if rec["claim"]:
            out.records.append(rec)
        else:
            out.problems.append(f"{name} line {lineno}: no claim; skipped")
    return out


def read_archive(path: Path | str, *, max_bytes: int = 200 * 1024 * 1024) -> ArchiveRead:
    """Parse an archive file by its content (JSON-LD, JSONL or CSV)."""
    path = Path(path)
    if not path.is_file():
        raise BadArchive(f"{path} does not exist or is not a file: check the path")
    if path.stat().st_size > max_bytes:
        raise BadArchive(f"{path} is over {max_bytes / 1e6:.0f} MB; split it into smaller files")
    text = decode(path.read_bytes(), str(path))
    head = text.lstrip()[:1]
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return read_jsonl(text, str(path))
    if head in "[{" and suffix != ".csv":
        if head == "{" and "\n{" in text.strip():
            try:
                json.loads(text)
            except json.JSONDecodeError:
                return read_jsonl(text, str(path))
        return read_claimreview(text, str(path))
    return read_csv(text, str(path))
