"""Full backup and restore as JSON lines: every row of every table, in an order that restore can replay.

The first line is a header naming the format and the tables; then one `{"table": ..., "row": {...}}` line per
row (dates as ISO strings, bytes as base64). Generic over the models, so a new table or column is carried
without code here. Restore refuses a database that already holds data."""
from __future__ import annotations

import base64
import json
from datetime import date, datetime, timezone
from typing import IO, Iterator

from sqlalchemy import DateTime, Integer, LargeBinary, func, insert, select, text
from sqlalchemy.engine import Engine

from core.errors import WorkbenchError
from .models import Base

FORMAT = "claim-workbench-dump"
VERSION = 1


class RestoreError(WorkbenchError):
    pass


def _encode(value):
    if isinstance(value, datetime):
        # always UTC with an explicit offset: SQLite hands back naive times, PostgreSQL aware ones
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decoders(table) -> dict:
    out = {}
    for col in table.columns:
        if isinstance(col.type, DateTime):
            out[col.name] = lambda v: None if v is None else datetime.fromisoformat(v)
        elif isinstance(col.type, LargeBinary):
            out[col.name] = lambda v: None if v is None else base64.b64decode(v)
    return out


def tables():
    """Tables in dependency order (parents first)."""
    return list(Base.metadata.sorted_tables)


def dump(engine: Engine, out: IO[str], *, batch: int = 2000) -> dict:
    """Write every row; returns the row count per table. Reads in one transaction for a consistent copy."""
    counts = {}
    with engine.connect() as conn:
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            out.write(json.dumps({"format": FORMAT, "version": VERSION,
                                  "tables": [t.name for t in tables()]}) + "\n")
            for table in tables():
                pk = list(table.primary_key.columns)
                n = 0
                result = conn.execution_options(stream_results=True, yield_per=batch).execute(
                    select(table).order_by(*pk))
                for row in result.mappings():
                    out.write(json.dumps({"table": table.name, "row": {k: _encode(v) for k, v in row.items()}},
                                         ensure_ascii=False, sort_keys=True) + "\n")
                    n += 1
                counts[table.name] = n
    return counts


def _read(lines: IO[str], source: str) -> Iterator[tuple[int, dict]]:
    for lineno, line in enumerate(lines, 1):
        if line.strip():
            try:
                yield lineno, json.loads(line)
            except json.JSONDecodeError as exc:
                raise RestoreError(f"{source} line {lineno} is not valid JSON ({exc.msg}); "
                                   "is it a file made by `claims dump`?") from None


def restore(engine: Engine, lines: IO[str], *, source: str = "dump", batch: int = 1000) -> dict:
    """Load a dump into an empty database in one transaction; returns the row count per table."""
    by_name = {t.name: t for t in tables()}
    with engine.begin() as conn:
        for t in tables():
            if conn.execute(select(func.count()).select_from(t)).scalar():
                raise RestoreError(f"the database already holds {t.name}; restore into an empty database")
        it = _read(lines, source)
        first = next(it, None)
        if first is None or first[1].get("format") != FORMAT:
            raise RestoreError(f"{source} is not a Claim Workbench dump (no header line); make one with `claims dump`")
        if first[1].get("version") != VERSION:
            raise RestoreError(f"{source} is dump version {first[1].get('version')}, this program reads {VERSION}")
        counts = {name: 0 for name in by_name}
        pending: list[dict] = []
        current = None

        def flush():
            if pending:
                conn.execute(insert(by_name[current]), pending)
                counts[current] += len(pending)
                pending.clear()

        decoders = {name: _decoders(t) for name, t in by_name.items()}
        for lineno, item in it:
            name = item.get("table")
            if name not in by_name:
                raise RestoreError(f"{source} line {lineno}: unknown table {name!r}")
            if name != current:
                flush()
                current = name
            row = dict(item["row"])
            if name == "claims" and row.get("status") == "accepted":  # a dump from before 0009: as it maps them
                row["status"] = "reviewed" if row.get("verdict") else "in progress"
            for col, dec in decoders[name].items():
                if col in row:
                    row[col] = dec(row[col])
            pending.append(row)
            if len(pending) >= batch:
                flush()
        flush()
        if engine.dialect.name == "postgresql":
            # explicit ids were inserted: move each serial sequence past them
            for t in tables():
                pk = list(t.primary_key.columns)
                # only integer keys have a sequence (fetch_slots is keyed by its host name)
                if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and isinstance(pk[0].type, Integer):
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX({pk[0].name}), 0) + 1, false) "
                        f"FROM {t.name}"), {"t": t.name, "c": pk[0].name})
    return counts
