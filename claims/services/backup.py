"""Backup: the whole database as JSON lines, and back (a lossless round trip, SQLite to PostgreSQL too)."""
from __future__ import annotations

from claims.services.common import UseCase
from store import backup as store_backup


class Backup(UseCase):
    """`claims dump` and `claims restore`."""

    def dump(self, out) -> dict:
        """Write every document, claim, attribution, vector, review with its history and the archive."""
        return store_backup.dump(self.engine, out)

    def restore(self, lines, *, source: str = "dump") -> dict:
        """Load a dump into this (empty) database; the indexes rebuild themselves on next use."""
        counts = store_backup.restore(self.engine, lines, source=source)
        self.bench.indexes.forget()
        return counts
