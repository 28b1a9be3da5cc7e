"""Turning what the user points at (files, folders, JSONL feeds, URLs, standard input) into articles.

Every check happens here, before anything is stored: empty, binary, non-UTF-8 and oversized input is
refused with a message that names the file and says what to do, and so is a named file of a type that is
no article (a fact-check archive, a spreadsheet). Every article's text, title and name are normalised
(`claims.pipeline.normalise.normalise_text`): no control, zero-width or bidi characters are stored."""
from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Iterable, Iterator

from core.errors import BinaryInput, EmptyInput, InputError, NoArticles, NotUtf8, TooLarge
from claims.io.jsonl import json_lines
from claims.pipeline.normalise import normalise_text
from core.settings import Settings

ARTICLE_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".jsonl"}
HTML_SUFFIXES = {".html", ".htm"}
#: What a named file with these suffixes most likely is: a fact-check archive for `claims import-factchecks`.
ARCHIVE_SUFFIXES = {".csv", ".json", ".jsonld"}
#: Named files with these suffixes are refused as no article (a folder walk skips every non-article suffix;
#: a named file with any other suffix, or none, is read as text).
NOT_ARTICLE_SUFFIXES = {
    ".tsv", ".xls", ".xlsx", ".xlsm", ".ods", ".numbers", ".parquet", ".feather", ".sqlite", ".sqlite3", ".db",
    ".pdf", ".doc", ".docx", ".odt", ".rtf", ".pages", ".epub", ".ppt", ".pptx", ".odp", ".key",
    ".zip", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".7z", ".rar", ".tar",
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".heic", ".svg", ".ico",
    ".mp3", ".wav", ".m4a", ".ogg", ".flac", ".mp4", ".mov", ".avi", ".mkv", ".webm",
    ".npy", ".npz", ".pkl", ".pickle", ".faiss", ".pt", ".bin", ".exe", ".so", ".dll", ".dylib", ".whl", ".jar",
    ".py", ".pyc", ".js", ".css", ".ipynb", ".yaml", ".yml", ".toml", ".ini", ".sql", ".xml",
}
#: Control bytes that make a file look binary (tab, newline, form feed and carriage return are text).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
_BINARY_SHARE = 0.1


@dataclass(frozen=True)
class Article:
    """One article as read. Its text fields are normalised however it is made (`normalise_text`), so what is
    hashed, scored and stored never holds NUL, control, zero-width or bidi characters."""

    name: str
    text: str
    origin: str = ""
    title: str = ""
    published: str = ""
    is_html: bool = False

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str):
                object.__setattr__(self, f.name, normalise_text(value))


def is_url(value: str) -> bool:
    return "://" in value[:12] or value.lower().startswith(("http:", "https:"))


def looks_binary(data: bytes) -> bool:
    """Whether bytes are binary rather than text: a NUL byte in the first 8 KiB, or control bytes (NUL
    included; tab, newline, form feed and carriage return are text) over 10% of the first 8 KiB or of the
    whole. The whole is counted too, so a text followed by a run of NULs longer than a tenth of the file is
    refused however far in it starts; a few stray NULs past the first 8 KiB are no binary, ``decode`` removes
    them."""
    head = data[:8192]
    if b"\x00" in head:
        return True
    return any(len(part) - len(part.translate(None, _CONTROL_BYTES)) > len(part) * _BINARY_SHARE
               for part in (head, data))


def decode(data: bytes, name: str, *, charset: str | None = None) -> str:
    """Bytes -> normalised text (`normalise_text`), refusing binary data (`looks_binary`: NUL bytes and other
    control bytes are checked over the whole of ``data``; a text with a few of them past its first 8 KiB is
    kept without them), text that is not UTF-8 (or the declared charset), and text that is empty once
    control, zero-width and bidi characters are removed."""
    if not data.strip():
        raise EmptyInput(f"{name} is empty: give a file with the article's text")
    if looks_binary(data):
        raise BinaryInput(f"{name} looks like a binary file, not text: give a .txt, .md, .html or .jsonl article")
    try:
        text = data.decode(charset or "utf-8")
    except (UnicodeDecodeError, LookupError):
        raise NotUtf8(
            f"{name} is not UTF-8 text: convert it first (for example `iconv -f latin1 -t utf-8 {name}`)"
        ) from None
    text = normalise_text(text)
    if not text.strip():
        raise EmptyInput(f"{name} is empty: give a file with the article's text")
    return text


def check_size(size: int, name: str, limit: int) -> None:
    if size > limit:
        raise TooLarge(
            f"{name} is {size / 1e6:.1f} MB, over the {limit / 1e6:.0f} MB limit for one article; "
            "split it or raise CLAIMS_MAX_BYTES"
        )


def read_feed(text: str, name: str, origin: str) -> list[Article]:
    """A JSONL feed: one article per line with `text` (or `content`/`body`/`html`), optional title/url/id/date."""
    out = []
    for lineno, item, bad in json_lines(text.splitlines()):
        if bad:
            raise InputError(f"{name} line {lineno} is not valid JSON ({bad}): fix or remove that line")
        if not isinstance(item, dict):
            raise InputError(f"{name} line {lineno} is not a JSON object: each line needs {{\"text\": ...}}")
        body = item.get("text") or item.get("content") or item.get("body")
        is_html = False
        if not body and item.get("html"):
            body, is_html = item["html"], True
        if isinstance(body, str):
            body = normalise_text(body)  # a "\u0000" or "\u200b" escape decodes to what normalising removes
        if not isinstance(body, str) or not body.strip():
            raise InputError(f"{name} line {lineno} has no article text: give a \"text\" field")
        ident = str(item.get("id") or item.get("url") or f"{name}#{lineno}")
        out.append(Article(name=ident, text=body, origin=str(item.get("url") or origin),
                           title=str(item.get("title") or ""), published=str(item.get("date") or ""),
                           is_html=is_html))
    if not out:
        raise EmptyInput(f"{name} has no articles: each line should be a JSON object with a \"text\" field")
    return out


def read_bytes(data: bytes, name: str, *, origin: str = "", suffix: str = "", settings: Settings,
               charset: str | None = None, content_type: str = "") -> list[Article]:
    check_size(len(data), name, settings.max_bytes)
    text = decode(data, name, charset=charset)
    if suffix == ".jsonl":
        return read_feed(text, name, origin)
    is_html = suffix in HTML_SUFFIXES or "html" in content_type or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))
    return [Article(name=name, text=text, origin=origin, is_html=is_html)]


def check_named_file(path: Path) -> None:
    """Refuse a file named on its own whose suffix says it is no article: a fact-check archive (.csv, .json,
    .jsonld) with the command that imports it, other known types (`NOT_ARTICLE_SUFFIXES`) with the suffixes
    that are read. Any other suffix, or none, is read as text."""
    suffix = path.suffix.lower()
    if suffix in ARCHIVE_SUFFIXES:
        raise InputError(f"{path} looks like a fact-check archive, not an article: import it with "
                         f"`claims import-factchecks {path}`")
    if suffix in NOT_ARTICLE_SUFFIXES:
        raise InputError(f"{path} is a {suffix} file, not an article: give a .txt, .md, .html or .jsonl file")


def article_files(path: Path) -> list[Path]:
    """The article files a path names: itself, or every article file under a folder (hidden ones left out),
    sorted; raises InputError when it does not exist or is a file of a type that is no article
    (`check_named_file`), NoArticles for a folder without articles."""
    if not path.exists():
        raise InputError(f"{path} does not exist: check the path")
    if not path.is_dir():
        check_named_file(path)
        return [path]
    files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
                   and not any(part.startswith(".") for part in p.relative_to(path).parts))
    if not files:
        raise NoArticles(f"{path} holds no articles: put .txt, .md, .html or .jsonl files in it")
    return files


def read_path(path: Path, settings: Settings) -> list[Article]:
    if path.is_dir():
        return [a for f in article_files(path) for a in read_path(f, settings)]
    article_files(path)  # a clear error for a path that does not exist or names no article
    check_size(path.stat().st_size, str(path), settings.max_bytes)
    return read_bytes(path.read_bytes(), str(path), origin=str(path.resolve()), suffix=path.suffix.lower(),
                      settings=settings)


def read_url(url: str, settings: Settings) -> list[Article]:
    from claims.io.fetch import fetch

    got = fetch(url, timeout=settings.fetch_timeout, max_bytes=min(settings.fetch_max_bytes, settings.max_bytes),
                allow_private=settings.allow_private_urls)
    suffix = ".jsonl" if got.url.lower().endswith(".jsonl") else ""
    return read_bytes(got.body, url, origin=got.url, suffix=suffix, settings=settings, charset=got.charset,
                      content_type=got.content_type)


def read_inputs(targets: Iterable[str], settings: Settings, *, stdin=None) -> Iterator[Article]:
    """Articles from each target in order: '-' (standard input), a URL, a file or a folder."""
    for target in targets:
        if target == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = stream.read(settings.max_bytes + 1)
            if isinstance(data, str):
                data = data.encode("utf-8", "surrogatepass")  # lone surrogates: NotUtf8, not a crash
            yield from read_bytes(data, "<stdin>", settings=settings)
        elif is_url(target):
            yield from read_url(target, settings)
        else:
            yield from read_path(Path(target), settings)
