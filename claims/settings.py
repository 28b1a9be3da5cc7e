"""The one settings object. Defaults < environment (CLAIMS_*) < command-line options."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"

#: Default verdict scale; CLAIMS_VERDICTS="A|B|C" replaces it.
DEFAULT_VERDICTS = ("True", "Mostly true", "Half true", "Mostly false", "False", "Misleading", "Unverifiable")


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        from .errors import SettingsError

        raise SettingsError(f"{name}={raw!r} is not a number: set it to a value like {default}") from None


def _env_int(name: str, default: int) -> int:
    return int(_env_float(name, default))


@dataclass(frozen=True)
class Settings:
    """Where data lives and the knobs that change behaviour."""

    home: Path = field(default_factory=lambda: Path(".claims"))
    db_url: str = ""  # empty: SQLite file in `home`
    model: str = DEFAULT_MODEL
    #: Cosine similarity at or above which a search result is called a match.
    match_threshold: float = 0.75
    #: Largest input accepted for one article, in bytes.
    max_bytes: int = 10 * 1024 * 1024
    #: URL fetching limits.
    fetch_timeout: float = 15.0
    fetch_max_bytes: int = 5 * 1024 * 1024
    allow_private_urls: bool = False
    reviewer: str = ""
    #: Header set by a trusted proxy that names the reviewer (e.g. X-Forwarded-User); empty: not trusted.
    reviewer_header: str = ""
    verdicts: tuple[str, ...] = DEFAULT_VERDICTS
    #: Vector collections of at least this many get an HNSW graph instead of exact search (store/index.py).
    hnsw_min: int = 20_000
    ivf_min: int = 500_000
    #: Cosine at or above which two stored claims (with compatible figures) count as the same claim.
    group_threshold: float = 0.80

    @property
    def database_url(self) -> str:
        if self.db_url:
            return self.db_url
        return f"sqlite:///{(self.home / 'claims.db').resolve()}"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    def with_options(self, **options) -> "Settings":
        """Apply command-line options that were given (None means not given)."""
        given = {k: v for k, v in options.items() if v is not None}
        if "home" in given:
            given["home"] = Path(given["home"])
        return replace(self, **given)


def load_settings(**options) -> Settings:
    """Settings from the environment, then `options` (None values are ignored)."""
    env = os.environ
    verdicts = tuple(v.strip() for v in env.get("CLAIMS_VERDICTS", "").split("|") if v.strip())
    base = Settings(
        home=Path(env.get("CLAIMS_HOME") or ".claims"),
        db_url=env.get("CLAIMS_DB", ""),
        model=env.get("CLAIMS_MODEL", DEFAULT_MODEL),
        match_threshold=_env_float("CLAIMS_MATCH_THRESHOLD", 0.75),
        max_bytes=_env_int("CLAIMS_MAX_BYTES", 10 * 1024 * 1024),
        fetch_timeout=_env_float("CLAIMS_FETCH_TIMEOUT", 15.0),
        fetch_max_bytes=_env_int("CLAIMS_FETCH_MAX_BYTES", 5 * 1024 * 1024),
        allow_private_urls=env.get("CLAIMS_ALLOW_PRIVATE_URLS", "") in ("1", "true", "yes"),
        reviewer=env.get("CLAIMS_REVIEWER", "") or env.get("USER", ""),
        reviewer_header=env.get("CLAIMS_REVIEWER_HEADER", ""),
        verdicts=verdicts or DEFAULT_VERDICTS,
        hnsw_min=_env_int("CLAIMS_HNSW_MIN", 20_000),
        ivf_min=_env_int("CLAIMS_IVF_MIN", 500_000),
        group_threshold=_env_float("CLAIMS_GROUP_THRESHOLD", 0.80),
    )
    return base.with_options(**options)
