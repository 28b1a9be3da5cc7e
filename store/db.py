"""Engines and sessions. The caller owns the session; `atomic()` is one transaction."""
from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import BadDatabaseURL, DatabaseUnavailable

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
        _open(engine, create, sqlite=parsed.get_backend_name() == "sqlite")
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"cannot open database {parsed.render_as_string(hide_password=True)}: {reason}; check that it is running and the URL is right"
        ) from None
    return engine


def _open(engine: Engine, create: bool, *, sqlite: bool, patience: float = 60.0) -> None:
    """Connect and migrate. SQLite can answer "database is locked" at once, without waiting out busy_timeout,
    while another connection switches a new file to WAL or checkpoints it on close: retry those for a while."""
    deadline = time.monotonic() + patience
    delay = 0.05
    while True:
        try:
            with engine.connect():
                pass
            if create:
                init_schema(engine)
            return
        except OperationalError as exc:
            transient = sqlite and any(w in str(exc.orig or exc).lower() for w in ("locked", "busy"))
            if not transient or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"
_PG_MIGRATION_LOCK = 727_274  # any fixed number: workers starting together migrate one at a time


def _alembic_config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def schema_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


_MIGRATING = threading.Lock()  # Alembic's `op` and `context` are process globals: one migration at a time


def init_schema(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent; safe when several workers start at once)."""
    with _MIGRATING:
        _init_schema(engine)


def _head_from_files() -> str | None:
    """The newest migration's id, read from the scripts' `revision` / `down_revision` lines without importing
    Alembic (a quarter of a second that a command on an up-to-date database need not pay); None if unclear."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("[0-9]*.py"):
        text = path.read_text(encoding="utf-8")
        rev = re.search(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", text, re.M)
        down = re.search(r"^down_revision\s*=\s*['\"]([^'\"]+)['\"]", text, re.M)
        if rev is None:
            return None
        revisions.add(rev.group(1))
        if down is not None:
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    """What `alembic_version` says, by plain SQL; None if it cannot be read."""
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except Exception:  # no such table yet, or the database is busy: Alembic's own path decides
        return None


def _init_schema(engine: Engine) -> None:
    fast = _head_from_files()
    if fast is not None and _stored_revision(engine) == fast:
        return  # up to date: nothing of Alembic is needed
    from alembic import command

    head = head_revision()
    if schema_revision(engine) == head:
        return
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            cfg = _alembic_config(conn)
            from alembic.runtime.migration import MigrationContext

            current = MigrationContext.configure(conn).get_current_revision()
            if current is None and inspect(conn).has_table("documents"):
                # made before migrations existed (create_all): that schema is the baseline
                command.stamp(cfg, BASELINE)
            command.upgrade(cfg, "head")
    except Exception:
        # Another process is migrating (SQLite has no advisory lock, and pysqlite commits DDL as it goes):
        # wait for it to reach head rather than fail.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if schema_revision(engine) == head:
                    return
            except OperationalError:
                pass  # the other migrator holds the lock: ask again
            time.sleep(0.2)
        raise


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
