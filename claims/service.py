"""Use cases. The CLI and the Streamlit app call these and nothing deeper; `Workbench` is the one object that
holds the settings and, lazily, the database engine, the models and the indexes."""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
from sqlalchemy.exc import IntegrityError

from store import repo
from store.db import atomic, make_engine, session_factory
from store.index import VectorIndex, open_index

from . import archive as archive_mod
from . import export as export_mod
from .errors import InputError, ModelMissing, WorkbenchError
from .readers import Article, read_inputs
from .settings import Settings, load_settings

Progress = Callable[[int], None]


@dataclass
class IngestReport:
    documents: int = 0
    duplicates: int = 0
    sentences: int = 0
    claims: int = 0
    attributions: int = 0
    document_ids: list[int] = field(default_factory=list)
    #: ids of documents that were already stored (same content)
    duplicate_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (f"stored {self.documents} new document(s), {self.sentences} sentences, {self.claims} claims, "
                f"{self.attributions} attributions; {self.duplicates} already stored")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        s = f"imported {self.created} new fact-check(s), updated {self.updated}"
        if self.problems:
            s += f"; {len(self.problems)} row(s) skipped"
        return s


class Workbench:
    """Settings plus lazily opened database, models and indexes."""

    def __init__(self, settings: Settings | None = None, *, embedder=None, detector=None, attribution=True):
        self.settings = settings or load_settings()
        self._embedder = embedder
        self._detector = detector
        self._attribution = attribution
        self._indexes: dict[str, VectorIndex] = {}
        # One Workbench may serve several Streamlit sessions (threads): model loading and index syncing
        # happen under this lock.
        self._lock = threading.RLock()

    # -- parts ---------------------------------------------------------------------------------------
    @cached_property
    def engine(self):
        return make_engine(self.settings.database_url)

    @property
    def embedder(self):
        with self._lock:
            if self._embedder is None:
                from .embed import get_embedder

                try:
                    self._embedder = get_embedder(self.settings.model)
                except (ImportError, OSError, ValueError) as exc:
                    raise ModelMissing(f"cannot load the embedding model: {exc}") from None
            return self._embedder

    @property
    def detector(self):
        with self._lock:
            if self._detector is None:
                from .detect import Detector

                try:
                    self._detector = Detector.load()
                except (OSError, ValueError) as exc:
                    raise ModelMissing(f"cannot load the check-worthiness detector: {exc}") from None
            return self._detector

    @cached_property
    def pipeline(self):
        from .pipeline import Pipeline

        with self._lock:
            return Pipeline(embedder=self.embedder, detector=self.detector, attribution=self._attribution)

    def session(self):
        return session_factory(self.engine)()

    def _index_name(self, kind: str) -> str:
        db = hashlib.sha1(self.settings.database_url.encode()).hexdigest()[:10]
        return f"{kind}-{db}"

    def index(self, kind: str) -> VectorIndex:
        """The FAISS index of `kind` ('claim' or 'factcheck'), synced with the database."""
        with self._lock, self.session() as s:
            idx = self._indexes.get(kind)
            if idx is None:
                idx = open_index(s, self.settings.index_dir, self._index_name(kind), kind,
                                 self.embedder.name, self.embedder.dim)
                self._indexes[kind] = idx
            else:
                idx.sync(s)
        return idx

    # -- extract (no database) ----------------------------------------------------------------------
    def read(self, targets: Sequence[str], *, stdin=None) -> list[Article]:
        """Read and check every input first, so a bad one stops the run before anything is stored."""
        articles = list(read_inputs(targets, self.settings, stdin=stdin))
        if not articles:
            raise InputError("no articles given: name files, folders, URLs or - for standard input")
        return [self._as_text(a) for a in articles]

    @staticmethod
    def _as_text(article: Article) -> Article:
        if not article.is_html:
            return article
        from .clean import html_to_text

        text = html_to_text(article.text)
        if not text.strip():
            raise InputError(f"{article.name}: no article text found in the HTML; save the article as text")
        return Article(name=article.name, text=text, origin=article.origin, title=article.title,
                       published=article.published)

    def extract(self, targets: Sequence[str], *, lines: bool = False, stdin=None,
                progress: Progress | None = None) -> Iterator[dict]:
        """One record per sentence, in document order (the `claims extract` contract)."""
        articles = self.read(targets, stdin=stdin)
        for batch in _batches(articles, 16):
            for doc in self.pipeline.run([(a.name, a.text) for a in batch], lines=lines, progress=progress):
                for r in doc.results:
                    yield r.to_dict()

    # -- ingest --------------------------------------------------------------------------------------
    def ingest(self, targets: Sequence[str], *, stdin=None, progress: Progress | None = None) -> IngestReport:
        """Store articles and everything derived; the same content twice adds nothing."""
        return self.ingest_articles(self.read(targets, stdin=stdin), progress=progress)

    def ingest_text(self, text: str, name: str = "pasted text", *, progress: Progress | None = None) -> IngestReport:
        from .readers import read_bytes

        articles = [self._as_text(a) for a in read_bytes(text.encode("utf-8"), name, settings=self.settings)]
        return self.ingest_articles(articles, progress=progress)

    def ingest_articles(self, articles: Iterable[Article], *, progress: Progress | None = None) -> IngestReport:
        report = IngestReport()
        fresh: dict[str, Article] = {}
        with self.session() as s:
            for a in articles:
                h = repo.content_hash(a.text)
                stored = repo.find_document(s, h)
                if h in fresh or stored is not None:
                    report.duplicates += 1
                    if stored is not None:
                        report.duplicate_ids.append(stored.id)
                    if progress:
                        progress(1)
                    continue
                fresh[h] = a
        for batch in _batches(list(fresh.items()), 16):
            extracted = self.pipeline.run([(a.name, a.text) for _, a in batch])
            for (h, a), doc in zip(batch, extracted):
                self._store(h, a, doc, report)
                if progress:
                    progress(1)
        if report.documents:
            with self._lock:
                self._indexes.pop("claim", None)  # reopened (and synced) on next use
        return report

    def _store(self, h: str, a: Article, doc, report: IngestReport) -> None:
        sentences = []
        for r in doc.results:
            d = r.to_dict()
            d["attributions"] = [x.to_dict() for x in r.attributions]
            sentences.append(d)
        try:
            with atomic(self.engine) as s:  # one transaction per article
                row = repo.add_document(s, content_hash_=h, name=a.name, origin=a.origin,
                                        title=a.title or doc.title, text=doc.text, published=a.published,
                                        sentences=sentences)
                by_idx = {r.sentence.index: i for i, r in enumerate(doc.results)}
                items = [(sent.claim.id, doc.vectors[by_idx[sent.idx]]) for sent in row.sentences
                         if sent.claim is not None]
                repo.put_vectors(s, "claim", self.embedder.name, items)
                report.documents += 1
                report.document_ids.append(row.id)
                report.sentences += len(sentences)
                report.claims += len(items)
                report.attributions += sum(len(x["attributions"]) for x in sentences)
        except IntegrityError:
            # another worker stored the same article first
            report.duplicates += 1

    # -- archive of fact-checks ---------------------------------------------------------------------
    def import_factchecks(self, path, *, progress: Progress | None = None, batch_size: int = 500) -> ImportReport:
        """Import (or update) past fact-checks; bad rows are reported and skipped, one transaction per batch."""
        read = archive_mod.read_archive(path)
        report = ImportReport(problems=list(read.problems))
        for batch in _batches(read.records, batch_size):
            vecs = self.embedder.encode([r["claim"] for r in batch])
            with atomic(self.engine) as s:
                items = []
                for rec, vec in zip(batch, vecs):
                    row, created = repo.upsert_factcheck(s, rec)
                    report.created += created
                    report.updated += not created
                    items.append((row.id, vec))
                repo.put_vectors(s, "factcheck", self.embedder.name, items)
            if progress:
                progress(len(batch))
        with self._lock:
            self._indexes.pop("factcheck", None)
        return report

    # -- search --------------------------------------------------------------------------------------
    def search(self, queries: Sequence[str], *, k: int = 5, kinds=("factcheck", "claim")) -> list[dict]:
        """For each query: the k most similar fact-checks and k most similar stored claims, best first."""
        queries = [q for q in queries if q.strip()]
        if not queries:
            raise InputError("nothing to search for: give a query or --file with one query per line")
        vecs = self.embedder.encode(queries)
        return [{"query": q, "results": r} for q, r in zip(queries, self.similar(vecs, k=k, kinds=kinds))]

    def similar(self, vecs: np.ndarray, *, k: int = 5, kinds=("factcheck", "claim"),
                exclude_claims: Sequence[int] = ()) -> list[list[dict]]:
        out = [[] for _ in range(len(vecs))]
        threshold = self.settings.match_threshold
        for kind in kinds:
            hits = self.index(kind).search(vecs, k + len(exclude_claims))
            ids = {i for row in hits for i, _ in row}
            with self.session() as s:
                rows = (repo.factchecks_by_ids(s, ids) if kind == "factcheck" else repo.claims_by_ids(s, ids))
                for qi, row in enumerate(hits):
                    taken = 0
                    for ref, score in row:
                        if ref in exclude_claims and kind == "claim" or ref not in rows or taken >= k:
                            continue
                        taken += 1
                        out[qi].append(_result(kind, rows[ref], score, threshold))
        for row in out:
            row.sort(key=lambda r: -r["score"])
        return out

    def matches_for_claim(self, claim_id: int, *, k: int = 5) -> list[dict]:
        """Past fact-checks and other stored claims similar to one claim."""
        with self.session() as s:
            vec = repo.get_vector(s, "claim", claim_id, self.embedder.name)
            if vec is None:
                vec = self.embedder.encode([repo.get_claim(s, claim_id).text])[0]
        return self.similar(vec[None, :], k=k, exclude_claims=[claim_id])[0]

    def reindex(self) -> dict:
        """Embed whatever lacks a vector for the current model, then rebuild both indexes."""
        with self.session() as s:
            claim_ids, fc_ids = repo.missing_vector_refs(s, self.embedder.name)
        for kind, ids in (("claim", claim_ids), ("factcheck", fc_ids)):
            for batch in _batches(ids, 256):
                with atomic(self.engine) as s:
                    rows = repo.claims_by_ids(s, batch) if kind == "claim" else repo.factchecks_by_ids(s, batch)
                    texts = [rows[i].text if kind == "claim" else rows[i].claim for i in batch]
                    repo.put_vectors(s, kind, self.embedder.name, list(zip(batch, self.embedder.encode(texts))))
        out = {}
        with self.session() as s:
            for kind in ("claim", "factcheck"):
                idx = VectorIndex(self.settings.index_dir, self._index_name(kind), kind, self.embedder.name,
                                  self.embedder.dim)
                out[kind] = idx.rebuild(s)
                self._indexes[kind] = idx
        return out

    # -- reading for reviewers ----------------------------------------------------------------------
    def stats(self) -> dict:
        with self.session() as s:
            return repo.counts(s)

    def documents(self) -> list[dict]:
        with self.session() as s:
            return repo.list_documents(s)

    def document(self, doc_id: int) -> dict:
        """A document with every sentence, its score, attribution and claim state."""
        with self.session() as s:
            doc = repo.get_document(s, doc_id)
            return {
                "id": doc.id, "name": doc.name, "title": doc.title, "origin": doc.origin, "text": doc.text,
                "created_at": doc.created_at,
                "sentences": [_sentence_view(x) for x in doc.sentences],
            }

    def claims(self, **filters) -> list[dict]:
        with self.session() as s:
            return [claim_row(c) for c in repo.list_claims(s, **filters)]

    def claim(self, claim_id: int) -> dict:
        with self.session() as s:
            c = repo.get_claim(s, claim_id)
            row = claim_row(c)
            row["reasons"] = [r for r in c.sentence.reasons.split(",") if r]
            row["attributions"] = [_attr_view(a) for a in c.sentence.attributions]
            row["history"] = repo.history(s, claim_id)
            return row

    # -- reviewing -----------------------------------------------------------------------------------
    def review(self, claim_id: int, changes: dict, *, reviewer: str = "", expected_version: int | None = None) -> dict:
        """Save review changes; raises ReviewConflict if someone saved since `expected_version`."""
        reviewer = reviewer or self.settings.reviewer or "anonymous"
        verdict = changes.get("verdict")
        if verdict and verdict not in self.settings.verdicts:
            raise InputError(f"unknown verdict {verdict!r}; use one of: {', '.join(self.settings.verdicts)}")
        with atomic(self.engine) as s:
            c = repo.update_review(s, claim_id, changes, reviewer=reviewer, expected_version=expected_version)
            return repo.review_state(c)

    def edit_attribution(self, sentence_id: int, values: dict, *, reviewer: str = "",
                         expected_version: int | None = None) -> dict | None:
        """Correct a sentence's main attribution. Returns the claim's new review state (None if the
        sentence is not a claim); raises ReviewConflict if the claim was saved since `expected_version`."""
        reviewer = reviewer or self.settings.reviewer or "anonymous"
        with atomic(self.engine) as s:
            repo.update_attribution(s, sentence_id, values, reviewer=reviewer, expected_version=expected_version)
            claim = repo.claim_for_sentence(s, sentence_id)
            return repo.review_state(claim) if claim is not None else None

    def add_claim(self, sentence_id: int, *, reviewer: str = "") -> int:
        with atomic(self.engine) as s:
            c = repo.add_claim(s, sentence_id, reviewer or self.settings.reviewer)
            cid, text = c.id, c.text
        vec = self.embedder.encode([text])
        with atomic(self.engine) as s:
            repo.put_vectors(s, "claim", self.embedder.name, [(cid, vec[0])])
        return cid

    # -- backup --------------------------------------------------------------------------------------
    def dump(self, out) -> dict:
        """Write every document, claim, attribution, vector, review with its history and the archive."""
        from store.backup import dump

        return dump(self.engine, out)

    def restore(self, lines, *, source: str = "dump") -> dict:
        """Load a dump into this (empty) database; the indexes rebuild themselves on next use."""
        from store.backup import restore

        counts = restore(self.engine, lines, source=source)
        with self._lock:
            self._indexes.clear()
        return counts

    # -- export --------------------------------------------------------------------------------------
    def export_rows(self, *, reviewed_only: bool = False, status: str | None = None,
                    document_id: int | None = None) -> list[dict]:
        with self.session() as s:
            return [claim_row(c) for c in repo.list_claims(s, reviewed_only=reviewed_only, status=status,
                                                            document_id=document_id)]

    def export(self, fmt: str = "csv", **filters) -> str:
        rows = self.export_rows(**filters)
        if fmt == "csv":
            return export_mod.to_csv(rows)
        if fmt == "claimreview":
            return export_mod.to_claimreview(rows)
        raise WorkbenchError(f"unknown export format {fmt!r}; use csv or claimreview")


# --- helpers -------------------------------------------------------------------------------------------


def _batches(items: Sequence, n: int) -> Iterator[list]:
    items = list(items)
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _result(kind: str, row, score: float, threshold: float) -> dict:
    if kind == "factcheck":
        return {"kind": "factcheck", "id": row.id, "text": row.claim, "score": round(score, 4),
                "verdict": row.verdict, "url": row.url, "date": row.date, "speaker": row.speaker,
                "match": score >= threshold}
    return {"kind": "claim", "id": row.id, "text": row.text, "score": round(score, 4), "verdict": row.verdict,
            "url": row.document.origin if row.document else "", "document": row.document.name if row.document else "",
            "match": score >= threshold}


def _attr_view(a) -> dict:
    return {"id": a.id, "source": a.source, "cue": a.cue, "content": a.content, "quote": a.quote,
            "source_type": a.source_type, "resolved": a.resolved, "edited": a.edited}


def _sentence_view(x) -> dict:
    return {
        "id": x.id, "index": x.idx, "text": x.text, "start": x.start, "end": x.end, "kind": x.kind,
        "score": x.score, "is_claim": x.is_claim, "claim_type": x.claim_type,
        "reasons": [r for r in x.reasons.split(",") if r],
        "attributions": [_attr_view(a) for a in x.attributions],
        "claim": None if x.claim is None else {
            "id": x.claim.id, "status": x.claim.status, "verdict": x.claim.verdict, "version": x.claim.version,
            "rationale": x.claim.rationale, "evidence": x.claim.evidence, "reviewer": x.claim.reviewer},
    }


def claim_row(c) -> dict:
    """A flat view of a claim and its review: what the export and the tables show."""
    attrs = c.sentence.attributions if c.sentence is not None else []
    main = attrs[0] if attrs else None
    return {
        "claim_id": c.id, "document_id": c.document_id,
        "document": c.document.name if c.document else "",
        "document_origin": c.document.origin if c.document else "",
        "sentence_id": c.sentence_id, "sentence_index": c.sentence.idx if c.sentence is not None else None,
        "text": c.text, "score": round(c.score, 4), "claim_type": c.claim_type,
        "source": (main.resolved or main.source) if main else "", "source_type": main.source_type if main else "",
        "cue": main.cue if main else "", "quote": main.quote if main else "none",
        "status": c.status, "verdict": c.verdict, "rationale": c.rationale, "evidence": c.evidence,
        "reviewer": c.reviewer, "assignee": c.assignee, "version": c.version, "origin": c.origin,
        "created_at": repo.as_iso(c.created_at), "updated_at": repo.as_iso(c.updated_at),
    }
