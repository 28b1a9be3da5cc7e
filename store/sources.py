"""Sources watched on a schedule and the items they have shown (`claims sources`)."""
from __future__ import annotations

from datetime import timedelta
from typing import Iterable

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from .models import Source, SourceItem, utcnow
from .repo import as_iso, as_utc


def add(session: Session, url: str, every_seconds: int) -> tuple[Source, bool]:
    """The source for `url`, created if new (True) or given the new interval."""
    row = session.scalar(select(Source).where(Source.url == url))
    if row is not None:
        row.every_seconds = every_seconds
        return row, False
    row = Source(url=url, every_seconds=every_seconds, kind="", title="", etag="", last_modified="", polls=0,
                 new_items=0, last_new=0, last_error="", created_at=utcnow())
    session.add(row)
    session.flush()
    return row, True


def find(session: Session, ref: str) -> Source:
    """A source by its id or URL; InputError naming `claims sources list` when there is none."""
    ref = str(ref).strip()
    row = session.get(Source, int(ref)) if ref.isdigit() else session.scalar(select(Source).where(Source.url == ref))
    if row is None:
        raise NotFound(f"no source {ref!r}: `claims sources list` shows their ids and URLs")
    return row


def remove(session: Session, ref: str) -> str:
    row = find(session, ref)
    url = row.url
    session.execute(delete(SourceItem).where(SourceItem.source_id == row.id))
    session.delete(row)
    return url


def due(session: Session) -> list[int]:
    """Ids of the sources whose interval has passed since their last poll (never polled: due)."""
    now = utcnow()
    out = []
    for s in session.scalars(select(Source).order_by(Source.id)):
        last = as_utc(s.last_polled_at)
        if last is None or now - last >= timedelta(seconds=s.every_seconds):
            out.append(s.id)
    return out


def unseen(session: Session, source_id: int, items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (key, content hash) items this source has not shown before, by key or by content."""
    items = list(dict.fromkeys(items))
    if not items:
        return []
    keys = [k for k, _ in items]
    hashes = [h for _, h in items if h]
    seen = session.execute(select(SourceItem.key, SourceItem.content_hash).where(
        SourceItem.source_id == source_id,
        or_(SourceItem.key.in_(keys), SourceItem.content_hash.in_(hashes) if hashes else False))).all()
    seen_keys = {k for k, _ in seen}
    seen_hashes = {h for _, h in seen if h}
    out, taken = [], set()
    for key, digest in items:
        if key in seen_keys or (digest and digest in seen_hashes) or (digest and digest in taken):
            continue
        taken.add(digest)
        out.append((key, digest))
    return out


def remember(session: Session, source_id: int, items: Iterable[tuple[str, str]]) -> None:
    now = utcnow()
    session.add_all(SourceItem(source_id=source_id, key=k[:2000], content_hash=h, seen_at=now) for k, h in items)
    session.flush()


def record_poll(session: Session, source_id: int, *, kind: str = "", title: str = "", etag: str | None = None,
                last_modified: str | None = None, new: int = 0, error: str = "") -> None:
    row = session.get(Source, source_id)
    if row is None:
        return
    row.polls += 1
    row.last_polled_at = utcnow()
    row.last_error = " ".join(error.split())[:1000]
    row.last_new = new
    row.new_items += new
    if kind:
        row.kind = kind
    if title:
        row.title = title[:500]
    if etag is not None:
        row.etag = etag[:500]
    if last_modified is not None:
        row.last_modified = last_modified[:100]


def as_dict(s: Source) -> dict:
    return {"id": s.id, "url": s.url, "every_seconds": s.every_seconds, "kind": s.kind, "title": s.title,
            "polls": s.polls, "new_items": s.new_items, "last_new": s.last_new, "last_error": s.last_error,
            "last_polled_at": as_iso(s.last_polled_at), "created_at": as_iso(s.created_at)}


def list_sources(session: Session) -> list[dict]:
    return [as_dict(s) for s in session.scalars(select(Source).order_by(Source.id))]
