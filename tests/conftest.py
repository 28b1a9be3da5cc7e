"""Shared fixtures: a database URL for each backend, a fast fake embedder and detector."""
from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import numpy as np
import pytest

from claims.pipeline.embed import HashingEmbedder
from core.settings import load_settings
from claims.pipeline.types import NOT_A_CLAIM, Score

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "article.txt"
PG_URL = os.environ.get("CLAIMS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_shared(path: Path) -> Path:
    """`path` under ../shared: skip with the reason where it is missing (a user's clone has no ../shared), but
    fail in CI (`CI=true`), where it must exist."""
    if not path.exists():
        where = path.relative_to(SHARED.parent)
        if IN_CI:
            pytest.fail(f"../{where} is missing: CI must have ../shared beside the repository")
        pytest.skip(f"../{where} is not here (it exists on the project's dev and CI machines)")
    return path


def need_seed() -> Path:
    return need_shared(SEED)


class FakeDetector:
    """Deterministic stand-in: a sentence with a digit is a claim. For tests of plumbing, not quality."""

    threshold = 0.5

    def score(self, texts, embeddings):
        out = []
        for t in texts:
            has_num = bool(re.search(r"\d", t))
            s = 0.9 if has_num else 0.1
            out.append(Score(s, has_num, "quantity" if has_num else NOT_A_CLAIM, ("number",) if has_num else ()))
        return out


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_base_url():
    if not _pg_available():
        if IN_CI:
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL}: CI must run the PostgreSQL leg")
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL} (set CLAIMS_TEST_PG); runs in CI")
    return PG_URL


def _pg_schema_url(base: str):
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}", schema, plain


def _pg_drop(plain: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """A fresh, empty database on each backend: SQLite in a temp dir, PostgreSQL in its own schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'claims.db'}"
        return
    base = request.getfixturevalue("pg_base_url")
    url, schema, plain = _pg_schema_url(base)
    yield url
    from sqlalchemy import create_engine  # noqa: F401  (engines are disposed by GC)

    _pg_drop(plain, schema)


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A CLI environment with its own home, the fast hashing embedder, and no database URL from outside."""
    monkeypatch.setenv("CLAIMS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CLAIMS_MODEL", "test/hashing")
    monkeypatch.delenv("CLAIMS_DB", raising=False)
    return tmp_path


@pytest.fixture
def settings(tmp_path, db_url):
    return load_settings(home=str(tmp_path / "home"), db_url=db_url)


@pytest.fixture
def bench(settings):
    """A Workbench with the fake embedder and detector and no spaCy: fast."""
    from claims.services.workbench import Workbench

    wb = Workbench(settings, embedder=HashingEmbedder(), detector=FakeDetector(), attribution=False)
    yield wb
    if "engine" in wb.__dict__:
        wb.engine.dispose()


@pytest.fixture(scope="session")
def fake_embedder():
    return HashingEmbedder()


def unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    return v / np.linalg.norm(v)
