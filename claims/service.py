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

    def __init__(self, settings: Settings | None = None, *, embedder=None, detector=None, attribution=True,
                 reranker=None):
        self.settings = settings or load_settings()
        self._embedder = embedder
        self._detector = detector
        self._reranker = reranker
        self._attribution = attribution
        self._indexes: dict[str, VectorIndex] = {}
        self._lexical = None  # BM25 over the archive, derived from the database like the FAISS index
        self._title_vectors: dict[str, np.ndarray] = {}  # fact-check titles embedded on first use
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

    @property
    def reranker(self):
        """The fact-check reranker with its calibrated match thresholds (`claims/data/reranker.npz`)."""
        with self._lock:
            if self._reranker is None:
                from .rerank import Reranker

                try:
                    self._reranker = Reranker.load()
                except (OSError, ValueError, KeyError) as exc:
                    raise ModelMissing(f"cannot load the fact-check reranker: {exc}; rebuild it with "
                                       "`python -m claims.train_match`") from None
            return self._reranker

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
        results = self.similar(vecs, k=k, kinds=kinds, texts=queries)
        return [{"query": q, "results": r} for q, r in zip(queries, results)]

    def similar(self, vecs: np.ndarray, *, k: int = 5, kinds=("factcheck", "claim"),
                exclude_claims: Sequence[int] = (), texts: Sequence[str] | None = None,
                dates: Sequence | None = None) -> list[list[dict]]:
        """For each query vector: the k best archived fact-checks (dense and BM25 candidates, fused and
        re-ranked; `score` is the reranker's probability, `band` match, possible or none) and the k stored
        claims closest by cosine, best first. `texts` are the queries' words (lexical search and the
        explanations need them), `dates` when each claim was made (None where unknown)."""
        out = [[] for _ in range(len(vecs))]
        texts = list(texts) if texts is not None else [""] * len(vecs)
        threshold = self.settings.match_threshold
        for kind in kinds:
            if kind == "factcheck":
                for row, found in zip(out, self._factcheck_matches(vecs, texts, k, dates)):
                    row.extend(found)
                continue
            hits = self.index(kind).search(vecs, k + len(exclude_claims))
            ids = {i for row in hits for i, _ in row}
            with self.session() as s:
                rows = repo.claims_by_ids(s, ids)
                for qi, row in enumerate(hits):
                    taken = 0
                    for ref, score in row:
                        if ref in exclude_claims or ref not in rows or taken >= k:
                            continue
                        taken += 1
                        out[qi].append(_claim_result(rows[ref], score, threshold, texts[qi]))
        for row in out:
            row.sort(key=lambda r: -r["score"])
        return out

    def lexical_archive(self):
        """BM25 over the stored fact-checks (claim + title), rebuilt when the archive changes (count, largest id
        or latest update), in this process or another."""
        from .match import LexicalArchive

        with self._lock, self.session() as s:
            stamp = repo.factcheck_stamp(s)
            if self._lexical is None or self._lexical.stamp != stamp:
                self._lexical = LexicalArchive.build(repo.factcheck_texts(s), stamp)
            return self._lexical

    def _embedded_titles(self, titles: Iterable[str]) -> dict[str, np.ndarray]:
        with self._lock:
            missing = [t for t in dict.fromkeys(titles) if t and t not in self._title_vectors]
            if missing:
                if len(self._title_vectors) > 50_000:
                    self._title_vectors.clear()
                self._title_vectors.update(zip(missing, self.embedder.encode(missing)))
            return self._title_vectors

    def _factcheck_matches(self, vecs: np.ndarray, texts: Sequence[str], k: int, dates=None) -> list[list[dict]]:
        """Hybrid retrieval: the top 50 by cosine (FAISS) and by BM25, pooled, scored both ways, re-ranked."""
        from .match import DEPTH
        from .rerank import Candidate, parse_date

        reranker = self.reranker
        index = self.index("factcheck")
        lexical = self.lexical_archive()
        pools = []
        for vec, text, hits in zip(vecs, texts, index.search(vecs, DEPTH)):
            dense = dict(hits)
            scores = lexical.scores(text)
            extra = [ref for ref in lexical.top(scores, DEPTH) if ref not in dense]
            for ref, v in index.vectors(extra).items():  # BM25 finds: their cosine too
                dense[ref] = float(np.dot(v, vec))
            pools.append((dense, scores))
        with self.session() as s:
            rows = repo.factchecks_by_ids(s, {ref for dense, _ in pools for ref in dense})
            facts = {ref: {"id": r.id, "claim": r.claim, "title": r.title, "verdict": r.verdict, "url": r.url,
                           "date": r.date, "speaker": r.speaker} for ref, r in rows.items()}
        titles = self._embedded_titles(f["title"] for f in facts.values())
        out = []
        for qi, ((dense, scores), vec, text) in enumerate(zip(pools, vecs, texts)):
            candidates = []
            for ref, cos in dense.items():
                f = facts.get(ref)
                if f is None:  # a vector left over from a fact-check since removed
                    continue
                pos = lexical.position.get(ref)
                title_vec = titles.get(f["title"]) if f["title"] else None
                candidates.append(Candidate(
                    ref=ref, text=f["claim"], title=f["title"], dense=cos,
                    lexical=float(scores[pos]) if pos is not None else 0.0,
                    dense_title=None if title_vec is None else float(np.dot(title_vec, vec)),
                    date=parse_date(f["date"])))
            query_date = dates[qi] if dates is not None else None
            ranked = reranker.rank(text, candidates, k=k, idf=lexical.bm25.idf_of, query_date=query_date)
            out.append([_factcheck_result(facts[r["ref"]], r) for r in ranked])
        return out

    def matches_for_claim(self, claim_id: int, *, k: int = 5) -> list[dict]:
        """Past fact-checks and other stored claims similar to one claim."""
        from .rerank import parse_date

        with self.session() as s:
            claim = repo.get_claim(s, claim_id)
            text, published = claim.text, claim.document.published if claim.document else ""
            vec = repo.get_vector(s, "claim", claim_id, self.embedder.name)
            if vec is None:
                vec = self.embedder.encode([text])[0]
        return self.similar(vec[None, :], k=k, exclude_claims=[claim_id], texts=[text],
                            dates=[parse_date(published)])[0]

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

    # -- the review workbench: inbox, claim detail, filtered export, dashboard, uploads -------------------
    def inbox(self, filters: dict | None = None, *, order: str = "score", limit: int = 50,
              offset: int = 0) -> dict:
        """One page of claims across documents, `{"rows", "total", "limit", "offset"}`. `filters` takes the keys
        of `store.repo.CLAIM_FILTERS`; filtering, sorting and paging happen in the database."""
        with self.session() as s:
            rows, total = repo.query_claims(s, filters, order, limit, offset)
        return {"rows": rows, "total": total, "limit": limit, "offset": offset}

    def claim_facets(self) -> dict:
        """What the claim filters offer: claim types, verdicts and assignees in use, and the documents."""
        with self.session() as s:
            return repo.claim_facets(s)

    def count_claims(self, filters: dict | None = None) -> int:
        with self.session() as s:
            return repo.count_claims(s, filters)

    def bulk_review(self, claim_ids: Iterable[int], changes: dict, *, reviewer: str = "") -> dict:
        """Set the status and/or assignee of many claims in one transaction. Each claim's history records the
        change and the reviewer; a missing claim undoes the whole batch. Returns `{"changed", "unchanged"}`."""
        bulk_fields = ("status", "assignee")
        if set(changes) - set(bulk_fields):
            raise InputError(f"only {' and '.join(bulk_fields)} change in bulk; open a claim to set its verdict")
        if not changes:
            raise InputError("nothing to change: pick a status or an assignee")
        ids = list(dict.fromkeys(int(i) for i in claim_ids))
        if not ids:
            raise InputError("no claims selected: tick the claims to change first")
        reviewer = reviewer or self.settings.reviewer or "anonymous"
        changed = 0
        with atomic(self.engine) as s:
            before = {cid: c.version for cid, c in repo.claims_by_ids(s, ids).items()}
            for cid in ids:
                claim = repo.update_review(s, cid, changes, reviewer=reviewer)
                changed += claim.version != before.get(cid)
        return {"changed": changed, "unchanged": len(ids) - changed}

    def claim_context(self, claim_id: int, *, before: int = 2, after: int = 2) -> list[dict]:
        """The claim's sentence with its neighbours, in document order (`is_target` marks the claim)."""
        with self.session() as s:
            claim = repo.get_claim(s, claim_id)
            return repo.sentences_around(s, claim.sentence_id, before=before, after=after)

    def _model_name(self) -> str:
        # the name without loading the model: the inbox must not wait for MiniLM to load
        return self._embedder.name if self._embedder is not None else self.settings.model

    def pending_matches(self) -> int:
        """How many claims have no up-to-date best match recorded (none yet, or the archive changed since)."""
        with self.session() as s:
            return len(repo.claims_needing_match(s, self._model_name()))

    def refresh_matches(self, claim_ids: Iterable[int] | None = None, *, batch_size: int = 1000,
                        progress: Progress | None = None) -> int:
        """Record each claim's closest archived fact-check (cosine over the stored vectors) and whether it is at
        or above the match threshold: what the inbox's "has a match" filter reads. Without `claim_ids`, does
        the claims that need it. Returns how many claims were matched."""
        with self.session() as s:
            ids = (list(claim_ids) if claim_ids is not None
                   else repo.claims_needing_match(s, self.embedder.name))
        if not ids:
            return 0
        index = self.index("factcheck")
        threshold = self.settings.match_threshold
        done = 0
        for batch in _batches(ids, batch_size):
            with self.session() as s:
                vecs = repo.vectors_by_refs(s, "claim", self.embedder.name, batch)
                lacking = repo.claims_by_ids(s, [i for i in batch if i not in vecs])
                if lacking:
                    ordered = list(lacking)
                    vecs.update(zip(ordered, self.embedder.encode([lacking[i].text for i in ordered])))
            found = [i for i in batch if i in vecs]
            hits = index.search(np.vstack([vecs[i] for i in found]), 1) if found else []
            items = [(cid, row[0][0] if row else None, row[0][1] if row else 0.0, bool(row) and row[0][1] >= threshold)
                     for cid, row in zip(found, hits)]
            with atomic(self.engine) as s:
                repo.put_matches(s, items, self.embedder.name)
            done += len(items)
            if progress:
                progress(len(items))
        return done

    def export_rows_filtered(self, filters: dict | None = None, *, order: str = "score",
                             limit: int | None = None) -> list[dict]:
        """Export rows (see `claim_row`) for the claims that match `filters` (the inbox's filter keys)."""
        with self.session() as s:
            return [claim_row(c) for c in repo.claims_matching(s, filters, order, limit)]

    def export_filtered(self, fmt: str = "csv", filters: dict | None = None, *, order: str = "score") -> str:
        """CSV or ClaimReview JSON-LD of the claims that match `filters`."""
        if fmt not in ("csv", "claimreview"):
            raise WorkbenchError(f"unknown export format {fmt!r}; use csv or claimreview")
        rows = self.export_rows_filtered(filters, order=order)
        return export_mod.to_csv(rows) if fmt == "csv" else export_mod.to_claimreview(rows)

    def dashboard(self) -> dict:
        """Aggregates for charts, each a list of plain dicts computed with GROUP BY: claims per day and per
        type, statuses, verdicts, top sources, review changes per day and per reviewer; plus `totals`."""
        with self.session() as s:
            out = repo.dashboard_counts(s)
            out["totals"] = repo.counts(s)
        return out

    def ingest_uploads(self, files: Sequence[tuple[str, bytes]], *, progress: Progress | None = None) -> IngestReport:
        """Store uploaded articles, given as (file name, bytes); the suffix says how to read each (.txt, .md,
        .html, .jsonl). Every file is checked before anything is stored; nothing is written to disk."""
        from pathlib import PurePath

        from .readers import ARTICLE_SUFFIXES, read_bytes

        if not files:
            raise InputError("no files given: choose .txt, .md, .html or .jsonl articles to upload")
        articles = []
        for name, data in files:
            suffix = PurePath(name).suffix.lower()
            if suffix not in ARTICLE_SUFFIXES:
                raise InputError(f"{name} is not an article file: upload .txt, .md, .html or .jsonl")
            articles += [self._as_text(a) for a in read_bytes(data, name, suffix=suffix, settings=self.settings)]
        return self.ingest_articles(articles, progress=progress)

    def import_factchecks_bytes(self, name: str, data: bytes, *, progress: Progress | None = None) -> ImportReport:
        """`import_factchecks` for an uploaded archive (file name, bytes); messages name the upload."""
        import tempfile
        from pathlib import Path, PurePath

        with tempfile.TemporaryDirectory(prefix="claims-archive-") as tmp:
            path = Path(tmp) / (PurePath(name).name or "archive")
            path.write_bytes(data)
            try:
                report = self.import_factchecks(path, progress=progress)
            except WorkbenchError as exc:
                raise type(exc)(str(exc).replace(str(path), name)) from None
        report.problems = [p.replace(str(path), name) for p in report.problems]
        return report


# --- helpers -------------------------------------------------------------------------------------------


def _batches(items: Sequence, n: int) -> Iterator[list]:
    items = list(items)
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _factcheck_result(fact: dict, ranked: dict) -> dict:
    """A fact-check found for a query, with the reranker's probability as `score` and what explains it."""
    return {"kind": "factcheck", "id": fact["id"], "text": fact["claim"], "score": ranked["score"],
            "verdict": fact["verdict"], "url": fact["url"], "date": fact["date"], "speaker": fact["speaker"],
            "title": fact["title"], "match": ranked["match"], "band": ranked["band"], "dense": ranked["dense"],
            "lexical": ranked["lexical"], "shared_numbers": ranked["shared_numbers"],
            "shared_entities": ranked["shared_entities"], "warnings": ranked["warnings"]}


def _claim_result(row, score: float, threshold: float, query: str) -> dict:
    """A stored claim close to a query (cosine), with the same explanation keys as a fact-check."""
    from .rerank import explain

    out = _result("claim", row, score, threshold)
    ex = explain(query, row.text) if query else None
    out.update(band="match" if out["match"] else "none", dense=out["score"], lexical=None,
               shared_numbers=list(ex.shared_numbers) if ex else [],
               shared_entities=list(ex.shared_entities) if ex else [], warnings=list(ex.warnings) if ex else [])
    return out


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


def claimreview_preview(rows: Sequence[dict]) -> str:
    """ClaimReview JSON-LD for export rows already read (the Export page previews the first few)."""
    return export_mod.to_claimreview(rows)
