"""Schema migrations (Alembic): a fresh database is at head, the models match the migrations, and databases
made before migrations existed are adopted without losing rows."""
import threading

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from store import repo
from store.db import atomic, check_url, head_revision, make_engine, schema_revision, session_factory
from store.models import Base


def test_fresh_database_is_at_head_and_matches_the_models(db_url):
    engine = make_engine(db_url)
    assert schema_revision(engine) == head_revision()
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diffs == [], f"the models changed without a migration: {diffs}"
    engine.dispose()


def test_database_made_before_migrations_is_adopted(db_url):
    raw = create_engine(check_url(db_url))
    # how databases were made before migrations: create_all over the models of then (the jobs queue came later)
    Base.metadata.create_all(raw, tables=[t for t in Base.metadata.sorted_tables
                                          if t.name not in ("jobs", "alerts", "sources", "source_items", "fetch_slots")])
    with raw.begin() as conn:  # nor had documents their genre (0003)
        conn.exec_driver_sql("ALTER TABLE documents DROP COLUMN genre_source")
        conn.exec_driver_sql("ALTER TABLE documents DROP COLUMN genre")
        conn.exec_driver_sql("ALTER TABLE sentences DROP COLUMN restates")  # nor headline links (0004)
    from sqlalchemy.orm import Session

    with Session(raw) as s, s.begin():
        repo.upsert_factcheck(s, {"claim": "Old claim", "verdict": "False", "url": "https://fc.example/old"})
    raw.dispose()
    engine = make_engine(db_url)
    assert schema_revision(engine) == head_revision()
    with session_factory(engine)() as s:
        assert repo.counts(s)["factchecks"] == 1
    engine.dispose()


def test_workers_starting_together_migrate_once(db_url):
    errors = []

    def start():
        try:
            make_engine(db_url).dispose()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    engine = make_engine(db_url)
    with atomic(engine) as s:
        repo.upsert_factcheck(s, {"claim": "x", "url": "https://fc.example/x"})
    engine.dispose()


def test_processes_starting_together_on_a_new_database(db_url):
    import subprocess
    import sys

    from conftest import ROOT

    code = "import sys; from store.db import make_engine; make_engine(sys.argv[1]).dispose()"
    procs = [subprocess.Popen([sys.executable, "-c", code, db_url], cwd=ROOT, stderr=subprocess.PIPE, text=True)
             for _ in range(3)]
    outs = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    assert all(rc == 0 for rc, _ in outs), outs
    engine = make_engine(db_url)
    assert schema_revision(engine) == head_revision()
    engine.dispose()


def test_the_quick_schema_check_knows_the_head_alembic_knows():
    """Commands skip importing Alembic when the database is at the newest migration: the newest migration read
    from the scripts' lines must be the one Alembic finds."""
    from store.db import _head_from_files, head_revision

    assert _head_from_files() == head_revision()
