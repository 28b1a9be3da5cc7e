"""Reading an archive of past fact-checks: CSV (header with `claim`), JSONL, or ClaimReview JSON-LD.

`read_archive()` returns the good records and a list of problems with line numbers, so that one bad row does
not stop the rest from loading; a file that cannot be an archive at all raises BadArchive, and so does any
problem at all with `strict`.

CSV is read by a small reader of its own (the excel dialect Python's csv module reads: `,` between cells, `"`
around a cell that holds commas, quotes or line breaks, `""` for a quote inside one). It has no fixed field
limit (csv's is 131,072 characters, and process-wide), finds where each row begins, and reports malformed
rows instead of reading on through them:

- A quoted cell may span lines. Its quote is *unterminated* when it never closes before the end of the file,
  or when it closes only on a later line with text right after the closing quote (`"ok6",True` on line 6 closing
  a quote left open on line 3: the "closing" quote is really the opening quote of a later row). Either way the
  row is reported at the line where it begins, only that line is skipped, and reading starts again at the next
  physical line, so the rows it would have swallowed are read as rows. A quote that closes followed by a comma
  or the line's end is a legitimate multi-line cell, whatever its lines look like: a paragraph with a comma in
  each line is as likely as a stray quote, and guessing wrong there would import its lines as claims.
- A row with more or fewer cells than the header has columns is reported and skipped.
- A cell over `max_field` bytes (UTF-8; the article size limit) is reported and its row skipped.
- NUL bytes follow the article reader (`claims.io.readers.decode`): where it calls the file binary (a NUL in the
  first 8 KiB, or too many control bytes) the archive is refused with a message saying what an archive can be;
  a stray NUL further in is dropped by `decode`, as from any text. Should one still reach a record (a JSON
  `\\u0000` escape makes one), its row (JSON line, item) is reported and skipped: PostgreSQL cannot store it.
Blank lines are skipped silently. Line numbers are physical lines, as an editor shows them."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from core.errors import BadArchive, BinaryInput, EmptyInput
from claims.io.jsonl import json_lines
from claims.pipeline.normalise import normalise_text
from claims.io.readers import decode

RECORD_FIELDS = ("claim", "verdict", "url", "date", "speaker", "title")
#: what an archive can be, for messages that refuse a file
ARCHIVE_KINDS = "give a CSV with a 'claim' column, JSON lines (.jsonl), or ClaimReview JSON-LD"
#: the largest cell by default: the article size limit's default (core.settings); callers pass theirs
MAX_FIELD = 10 * 1024 * 1024

_CELL_END = re.compile(r"[,\n]")


@dataclass
class ArchiveRead:
    records: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def take(self, where: str, rec: dict, values, max_field: int, missing: str) -> None:
        """Keep `rec`, or report why not at `where`: a value that cannot be stored (among `values`, as read),
        or no claim (`missing` says so in the format's words)."""
        why = _cell_problem(values, max_field)
        if why:
            self.problems.append(f"{where}: {why}")
        elif rec["claim"]:
            self.records.append(rec)
        else:
            self.problems.append(f"{where}: {missing}")


def _clean(record: dict) -> dict:
    return {k: _str(record.get(k)) for k in RECORD_FIELDS}


def _too_long(value: str, limit: int) -> bool:
    # characters never outnumber UTF-8 bytes, and one takes at most 4: encode only where it can matter
    return len(value) > limit or (len(value) * 4 > limit and len(value.encode("utf-8", "surrogatepass")) > limit)


def _cell_problem(values, limit: int) -> str:
    """Why a row's values cannot be stored ("" when they can): a NUL byte, or a value over `limit` bytes."""
    for value in values:
        if not isinstance(value, str):
            continue
        if "\x00" in value:
            return "holds a NUL byte, which text never does; remove it (was the file saved as text?)"
        if _too_long(value, limit):
            size = f"{limit / 1e6:.0f} MB" if limit >= 1e6 else f"{limit:,}-byte"
            return (f"has a field of {len(value):,} characters, over the {size} limit for one field; shorten it "
                    "or raise CLAIMS_MAX_BYTES")
    return ""


@dataclass(frozen=True)
class CsvRow:
    """One CSV row: the physical line it begins on, its cells, and why it is malformed ("" when it is not)."""

    line: int
    cells: tuple[str, ...] = ()
    problem: str = ""


def csv_rows(text: str) -> Iterator[CsvRow]:
    """The rows of CSV text, malformed ones included with their problem (see the module's docstring for the
    rule); blank lines are left out. Line breaks (\\r\\n, \\r) come out as \\n, inside cells too."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    n, pos, line = len(text), 0, 1
    while pos < n:
        eol = text.find("\n", pos)
        eol = n if eol == -1 else eol
        plain = text[pos:eol]
        if '"' not in plain:  # most rows: no quotes, so no cell spans lines
            if plain.strip():
                yield CsvRow(line, tuple(plain.split(",")))
            pos, line = eol + 1, line + 1
            continue
        cells, p, bad = [], pos, ""
        while True:  # one cell each time round
            if p < n and text[p] == '"':
                parts, q = [], p + 1
                while True:
                    close = text.find('"', q)
                    if close == -1:
                        break
                    if not text.startswith('"', close + 1):
                        parts.append(text[q:close])
                        break
                    parts.append(text[q:close + 1])  # "" is one quote
                    q = close + 2
                opened = line + text.count("\n", pos, p)
                if close == -1:
                    bad = (f"unterminated quote: the quote opened on line {opened} never closes; close it, "
                           'and write a quote inside a cell as ""')
                    break
                m = _CELL_END.search(text, close + 1)
                end = m.start() if m else n
                after = text[close + 1:end]
                if after.strip() and text.count("\n", p, close):
                    closed = line + text.count("\n", pos, close)
                    bad = (f"unterminated quote: the quote opened on line {opened} closes only on line {closed}, "
                           f"with text after it, taking lines {opened} to {closed} as one cell; close it on line "
                           f'{opened}, and write a quote inside a cell as ""')
                    break
                cells.append("".join(parts) + after)  # text after the closing quote is kept, as csv does
            else:
                m = _CELL_END.search(text, p)
                end = m.start() if m else n
                cells.append(text[p:end])
            if end < n and text[end] == ",":
                p = end + 1
                continue
            break
        if bad:
            # skip the lines up to the one the bad quote opened on, then read on at the next physical line
            resume = text.find("\n", p)
            resume = n if resume == -1 else resume
            yield CsvRow(line, problem=bad)
            line += text.count("\n", pos, resume) + 1
            pos = resume + 1
            continue
        yield CsvRow(line, tuple(cells))
        line += text.count("\n", pos, end) + 1
        pos = end + 1


def read_csv(text: str, name: str, *, max_field: int = MAX_FIELD) -> ArchiveRead:
    """A CSV archive: its header names the columns (`claim` at least); each bad row becomes a problem."""
    rows = csv_rows(text)
    first = next(rows, None)
    if first is not None and first.problem:
        raise BadArchive(f"{name} line {first.line}, the header: {first.problem}")
    header = [h.strip().lower() for h in (first.cells if first else ())]
    if "claim" not in header:
        raise BadArchive(
            f"{name} has no 'claim' column (columns: {', '.join(header) or 'none'}); "
            "the first row must be a header naming at least: claim"
        )
    out = ArchiveRead()
    for row in rows:
        where = f"{name} line {row.line}"
        if row.problem:
            out.problems.append(f"{where}: {row.problem}")
            continue
        if len(row.cells) > len(header):
            out.problems.append(f"{where}: {len(row.cells)} cells but {len(header)} columns; "
                                "quote cells that contain commas")
            continue
        if len(row.cells) < len(header):
            out.problems.append(f"{where}: {len(row.cells)} cell(s) but {len(header)} columns; "
                                "give every row all the columns (empty ones may stay empty)")
            continue
        out.take(where, _clean(dict(zip(header, row.cells))), row.cells, max_field, "empty claim; skipped")
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
        text = str(value)
        # zero-width and bidi controls go, as from articles (claims.pipeline.normalise); a NUL stays, for the
        # row's check to report and skip it
        return (text if "\x00" in text else normalise_text(text)).strip()
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


def read_claimreview(text: str, name: str, *, max_field: int = MAX_FIELD) -> ArchiveRead:
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
        out.take(f"{name} item {i}", rec, rec.values(), max_field, "no claimReviewed; skipped")
    return out


def read_jsonl(text: str, name: str, *, max_field: int = MAX_FIELD) -> ArchiveRead:
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
        out.take(f"{name} line {lineno}", rec, rec.values(), max_field, "no claim; skipped")
    return out


def read_archive(path: Path | str, *, max_bytes: int = 200 * 1024 * 1024, max_field: int = MAX_FIELD,
                 strict: bool = False) -> ArchiveRead:
    """Parse an archive file by its content (JSON-LD, JSONL or CSV).

    `max_bytes` bounds the file, `max_field` one field (in UTF-8 bytes; pass the article size limit). With
    `strict`, any problem refuses the whole file: BadArchive names the first one."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise BadArchive(f"{path} does not exist or is not a file: check the path")
    if path.stat().st_size > max_bytes:
        raise BadArchive(f"{path} is over {max_bytes / 1e6:.0f} MB; split it into smaller files")
    try:
        text = decode(path.read_bytes(), name)
    except BinaryInput:
        raise BadArchive(f"{path} looks like a binary file, not a fact-check archive: {ARCHIVE_KINDS}") from None
    except EmptyInput:
        raise BadArchive(f"{path} is empty: {ARCHIVE_KINDS}") from None
    head = text.lstrip()[:1]
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        read = read_jsonl(text, name, max_field=max_field)
    elif head in "[{" and suffix != ".csv":
        read = None
        if head == "{" and "\n{" in text.strip():
            try:
                json.loads(text)
            except json.JSONDecodeError:
                read = read_jsonl(text, name, max_field=max_field)
        if read is None:
            read = read_claimreview(text, name, max_field=max_field)
    else:
        read = read_csv(text, name, max_field=max_field)
    if strict and read.problems:
        more = len(read.problems) - 1
        first = read.problems[0].removesuffix("; skipped")
        raise BadArchive(f"{first}{f' (and {more} more problem(s))' if more else ''}; nothing was "
                         "imported (strict): fix the file, or drop --strict to import the good rows and skip "
                         "the bad ones")
    return read
