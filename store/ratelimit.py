"""The per-host fetch rate limit, in the database so that every worker on every machine keeps it together."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .models import FetchSlot, utcnow
from .repo import as_utc


def reserve(session: Session, host: str, interval: float) -> float:
    """Take the next free slot for `host` (one every `interval` seconds) and return how many seconds to wait
    for it (0: now). Call it as its own transaction; on SQLite its first statement takes the write lock, on
    PostgreSQL the host's row is locked until commit, so two workers never get the same slot."""
    host = host.lower()[:255]
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # touch the row first (insert or no-op update): the write lock on SQLite, the row's lock on PostgreSQL
    session.execute(insert(FetchSlot).values(host=host, next_at=now).on_conflict_do_nothing(index_elements=["host"]))
    session.execute(update(FetchSlot).where(FetchSlot.host == host).values(host=host))
    row = session.execute(select(FetchSlot).where(FetchSlot.host == host).with_for_update()).scalar_one()
    start = max(as_utc(row.next_at), now)
    row.next_at = start + timedelta(seconds=interval)
    session.flush()
    return max(0.0, (start - now).total_seconds())
