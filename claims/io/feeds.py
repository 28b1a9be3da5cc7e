"""RSS and Atom feeds (feedparser): a fetched body read as a feed's items, or None when it is not a feed."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from core.errors import InputError


@dataclass(frozen=True)
class FeedItem:
    key: str  # the item's link, else its id
    url: str  # the link ("" when the item has none)
    title: str
    text: str  # the summary or content the feed carries (markup and all), "" when none
    published: str

    @property
    def digest(self) -> str:
        """A hash of what the item says (title and text): the same story under another link is seen once."""
        words = " ".join(f"{self.title}\n{self.text}".split()).lower()
        return hashlib.sha256(words.encode("utf-8")).hexdigest() if words else ""


@dataclass(frozen=True)
class Feed:
    title: str
    items: list[FeedItem]
    #: what was wrong with a feed read in part (its XML breaks off, say): "" when it read cleanly
    problem: str = ""


def looks_like_feed(body: bytes, content_type: str) -> bool:
    head = body[:2048].lstrip().lower()
    return "xml" in content_type or "rss" in content_type or "atom" in content_type or \
        head.startswith(b"<?xml") or head.startswith(b"<rss") or head.startswith(b"<feed")


def parse_feed(body: bytes, url: str) -> Feed:
    """The items of an RSS or Atom feed; InputError with the parser's reason when it is not a readable feed."""
    import feedparser

    parsed = feedparser.parse(body)
    reason = parsed.get("bozo_exception") if parsed.get("bozo") else None
    broken = reason is not None and "Encoding" not in type(reason).__name__  # a charset override is harmless
    problem = f"{url} is not a readable RSS or Atom feed ({' '.join(str(reason).split())[:200]})" if broken else ""
    if not parsed.get("version") and not parsed.entries:
        raise InputError(problem or f"{url} is not a readable RSS or Atom feed")
    items = []
    for e in parsed.entries:
        link = str(e.get("link") or "")
        key = link or str(e.get("id") or "")
        content = e.get("content") or []
        text = str(content[0].get("value", "")) if content else str(e.get("summary") or "")
        if not key and not text:
            continue
        items.append(FeedItem(key=key or hashlib.sha256(text.encode()).hexdigest(), url=link,
                              title=str(e.get("title") or ""), text=text,
                              published=str(e.get("published") or e.get("updated") or "")))
    if broken and not items:
        raise InputError(problem)
    return Feed(title=str(parsed.feed.get("title") or ""), items=items, problem=problem)
