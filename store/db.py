"""Engines and sessions. The caller owns the session; `atomic()` is one transaction."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from .errors import BadDatabaseURL, DatabaseUnavailable
from .models import Base

SUPPORTED = ("sqlite", "postgresql")


def check_url(url: str):
    """Parse a SQLAlchemy URL or raise BadDatabaseURL saying what a good one looks like."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise BadDatabaseURL(
            f"not a database URL: {url!r}; use sqlite:///path/claims.db or postgresql+psycopg://user@host/db"
        ) from None
    if parsed.get_backend_name() not in SUPPORTED:
        raise BadDatabaseURL(
            f"unsupported database {parsed.get_backend_name()!r} in {url!r}; use sqlite:/// or postgresql+psycopg://"
        )
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, *, create: bool = True, **kwargs) -> Engine:
    """An engine for `url` with its schema in place; raises BadDatabaseURL or DatabaseUnavailable."""
    parsed = check_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, future=True, **kwargs)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise BadDatabaseURL(f"cannot use database URL {url!r}: {exc}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect():
            pass
        if create:
            init_schema(engine)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"cannot open database {parsed.render_as_string(hide_password=True)}: {reason}; check that it is running and the URL is right"
        ) from None
    return engine


def init_schema(engine: Engine) -> None:
    """Create missing tables (idempotent)."""
    Base.metadata.create_all(engine)


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table("documents")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


@contextmanager
def atomic(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any exception."""
    with session_factory(engine)() as session:
        with session.begin():
            yield session
