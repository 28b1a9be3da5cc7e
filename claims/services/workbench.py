"""The `Workbench` facade: the one object the CLI and the app hold. It keeps the settings, the database
engine, the loaded models and one lock, and hands out the use cases, one module each:

    bench.ingest    read, extract, store and match articles          (services/ingest.py)
    bench.archive   import past fact-checks                          (services/archive.py)
    bench.matches   search, similar claims, groups, recorded matches (services/search.py)
    bench.reviews   verdicts, attributions, bulk and group changes   (services/review.py)
    bench.browse    documents, claims, the inbox, the dashboard      (services/browse.py)
    bench.exports   CSV, ClaimReview and the review history          (services/export.py)
    bench.backup    dump and restore                                 (services/backup.py)
    bench.jobs      ingest jobs on the Celery workers                (services/jobs.py)
    bench.sources   feeds and pages polled on a schedule             (services/sources.py)
    bench.indexes   FAISS and BM25 upkeep, `claims reindex`          (services/indexes.py)
"""
from __future__ import annotations

import importlib
import threading
from functools import cached_property
from typing import TYPE_CHECKING

from core.errors import ModelMissing
from core.settings import AUTO_MODEL, DEFAULT_MODEL, Settings, load_settings
from store.db import make_engine, session_factory

if TYPE_CHECKING:
    from claims.services.archive import Archive, ImportReport
    from claims.services.backup import Backup
    from claims.services.browse import Browse
    from claims.services.export import Exports
    from claims.services.indexes import Indexes
    from claims.services.ingest import Ingest, IngestReport
    from claims.services.jobs import Jobs, WorkReport
    from claims.services.review import Reviews
    from claims.services.search import Matches
    from claims.services.sources import Sources

#: What front ends import from here: the facade, its reports, and the Export page's preview.
__all__ = ["Workbench", "IngestReport", "ImportReport", "WorkReport", "claimreview_preview"]

#: Where each name lives: imported when first asked for, so a command that needs none of them (`claims stats`)
#: starts without importing them all
_LAZY = {"IngestReport": "claims.services.ingest", "ImportReport": "claims.services.archive",
         "WorkReport": "claims.services.jobs", "claimreview_preview": "claims.services.views"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Workbench:
    """Settings plus the lazily opened database and models, and the use cases over them.

    One Workbench may serve several Streamlit sessions (threads): model loading, index syncing and pipeline
    runs happen under `lock`, so no front end needs a lock of its own."""

    def __init__(self, settings: Settings | None = None, *, embedder=None, detector=None, attribution=True,
                 reranker=None):
        self.settings = settings or load_settings()
        self._embedder = embedder
        self._detector = detector
        self._reranker = reranker
        self._calibration = None
        self._model_name: str | None = None
        self._attribution = attribution
        self.lock = threading.RLock()

    # -- the database ------------------------------------------------------------------------------------
    @cached_property
    def engine(self):
        return make_engine(self.settings.database_url)

    def session(self):
        """A new SQLAlchemy session on the database (the caller closes it)."""
        return session_factory(self.engine)()

    # -- the models, loaded on first use -----------------------------------------------------------------
    @property
    def embedder(self):
        with self.lock:
            if self._embedder is None:
                from claims.pipeline.embed import get_embedder

                try:
                    self._embedder = get_embedder(self.model_name)
                except (ImportError, OSError, ValueError) as exc:
                    raise ModelMissing(f"cannot load the embedding model: {exc}") from None
            return self._embedder

    @property
    def model_name(self) -> str:
        """The embedding model's name, without loading it (the inbox must not wait for MiniLM to load).

        CLAIMS_MODEL names it; unset (or "auto"), it is the encoder that made most of the database's stored
        vectors, so an existing database keeps its encoder; a database with none gets MiniLM under bfloat16
        where this CPU computes bfloat16 natively (1.5 times the speed; see docs/benchmarks.md), else in
        float32. Decided once per Workbench, without `lock` (which a pipeline run may hold for seconds): two
        threads asking at once both read the same answer."""
        if self._embedder is not None:
            return self._embedder.name
        if self._model_name is None:
            self._model_name = self.settings.model if self.settings.model != AUTO_MODEL else self._auto_model()
        return self._model_name

    def _auto_model(self) -> str:
        from claims.pipeline.embed import BF16_SUFFIX
        from claims.pipeline.minilm import cpu_has_bf16
        from store import repo

        with self.session() as s:
            counts: dict[str, int] = {}
            for kind in ("claim", "factcheck"):
                for model, n in repo.vector_models(s, kind).items():
                    counts[model] = counts.get(model, 0) + n
        if counts:
            return max(counts, key=counts.get)
        return DEFAULT_MODEL + BF16_SUFFIX if cpu_has_bf16() else DEFAULT_MODEL

    @property
    def detector(self):
        with self.lock:
            if self._detector is None:
                from claims.pipeline.detector import load_detector

                try:
                    self._detector = load_detector()  # the fine-tuned one when shipped
                except (OSError, ValueError) as exc:
                    raise ModelMissing(f"cannot load the check-worthiness detector: {exc}") from None
            return self._detector

    @property
    def reranker(self):
        """The fact-check reranker with its calibrated match thresholds (`claims/data/reranker.npz`)."""
        with self.lock:
            if self._reranker is None:
                from claims.matching.rerank import Reranker

                try:
                    self._reranker = Reranker.load()
                except (OSError, ValueError, KeyError) as exc:
                    raise ModelMissing(f"cannot load the fact-check reranker: {exc}; rebuild it with "
                                       "`python -m claims.research.train_match`") from None
            return self._reranker

    @property
    def claim_calibration(self):
        """Stored claims' cosine turned into the probability of the same claim (`claims/data/claim_similarity.json`)."""
        with self.lock:
            if self._calibration is None:
                from claims.matching.calibrate import ClaimCalibration

                try:
                    self._calibration = ClaimCalibration.load()
                except (OSError, ValueError, KeyError) as exc:
                    raise ModelMissing(f"cannot load the claim calibration: {exc}; rebuild it with "
                                       "`python -m claims.research.train_claim_similarity`") from None
            return self._calibration

    @cached_property
    def pipeline(self):
        from claims.pipeline.extract import Pipeline

        with self.lock:
            return Pipeline(embedder=self.embedder, detector=self.detector, attribution=self._attribution)

    # -- the use cases -----------------------------------------------------------------------------------
    @cached_property
    def ingest(self) -> "Ingest":
        from claims.services.ingest import Ingest

        return Ingest(self)

    @cached_property
    def archive(self) -> "Archive":
        from claims.services.archive import Archive

        return Archive(self)

    @cached_property
    def matches(self) -> "Matches":
        from claims.services.search import Matches

        return Matches(self)

    @cached_property
    def reviews(self) -> "Reviews":
        from claims.services.review import Reviews

        return Reviews(self)

    @cached_property
    def browse(self) -> "Browse":
        from claims.services.browse import Browse

        return Browse(self)

    @cached_property
    def exports(self) -> "Exports":
        from claims.services.export import Exports

        return Exports(self)

    @cached_property
    def backup(self) -> "Backup":
        from claims.services.backup import Backup

        return Backup(self)

    @cached_property
    def jobs(self) -> "Jobs":
        from claims.services.jobs import Jobs

        return Jobs(self)

    @cached_property
    def sources(self) -> "Sources":
        from claims.services.sources import Sources

        return Sources(self)

    @cached_property
    def indexes(self) -> "Indexes":
        from claims.services.indexes import Indexes

        return Indexes(self)
