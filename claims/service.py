"""Use cases. The CLI and the Streamlit app call these and nothing deeper; `Workbench` is the one object that
holds the settings and, lazily, the database engine, the models and the indexes."""
from __future__ import annotations

import hashlib
import threading
import time
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
    #: where the time went: parse, embed, store, index (seconds)
    seconds: dict = field(default_factory=lambda: {"parse": 0.0, "embed": 0.0, "store": 0.0, "index": 0.0})

    def summary(self) -> str:
        s = f"imported {self.created} new fact-check(s), updated {self.updated}"
        if self.problems:
            s += f"; {len(self.problems)} row(s) skipped"
        return s


@dataclass
class WorkReport:
    """What one `Workbench.work` run did."""

    worker: str = ""
    done: int = 0
    failed: int = 0
    retried: int = 0
    #: jobs this worker's lease ran out on and another worker took over before it finished
    lost: int = 0
    documents: int = 0
    duplicates: int = 0
    done_ids: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        s = (f"{self.worker}: {self.done} job(s) done, {self.failed} failed, {self.retried} to retry; "
             f"stored {self.documents} new document(s), {self.duplicates} already stored")
        if self.lost:
            s += f"; {self.lost} taken over by another worker"
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
                from .detect import load_detector

                try:
                    self._detector = load_detector()  # the fine-tuned one when shipped
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
                                 self.embedder.name, self.embedder.dim, hnsw_min=self.settings.hnsw_min,
                                 ivf_min=self.settings.ivf_min)
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
                progress: Progress | None = None, genre: str | None = None) -> Iterator[dict]:
        """One record per sentence, in document order (the `claims extract` contract). `genre`: "article"
        (default) or "transcript", which picks the detector's threshold."""
        articles = self.read(targets, stdin=stdin)
        for batch in _batches(articles, 16):
            for doc in self.pipeline.run([(a.name, a.text) for a in batch], lines=lines, genre=genre,
                                         progress=progress):
                for r in doc.results:
                    yield r.to_dict()

    # -- ingest --------------------------------------------------------------------------------------
    def ingest(self, targets: Sequence[str], *, stdin=None, progress: Progress | None = None,
               genre: str | None = None) -> IngestReport:
        """Store articles and everything derived; the same content twice adds nothing."""
        return self.ingest_articles(self.read(targets, stdin=stdin), progress=progress, genre=genre)

    def ingest_text(self, text: str, name: str = "pasted text", *, progress: Progress | None = None) -> IngestReport:
        from .readers import read_bytes

        articles = [self._as_text(a) for a in read_bytes(text.encode("utf-8"), name, settings=self.settings)]
        return self.ingest_articles(articles, progress=progress)

    def ingest_articles(self, articles: Iterable[Article], *, progress: Progress | None = None,
                        genre: str | None = None) -> IngestReport:
        """Store new articles (`genre`: "article", the default, or "transcript": which detector threshold)."""
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
            extracted = self.pipeline.run([(a.name, a.text) for _, a in batch], genre=genre)
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
    def import_factchecks(self, path, *, progress: Progress | None = None, batch_size: int = 2000,
                          on_start: Callable[[int], None] | None = None) -> ImportReport:
        """Import (or update) past fact-checks; bad rows are reported and skipped, one transaction per batch.

        `on_start` is told how many good records were read, `progress` how many are done as it goes. Only new
        claims and changed ones are embedded, shortest first (a batch of similar lengths pads least); each
        batch is stored with one read of the rows it may update; the FAISS index takes the new vectors once, at
        the end (rebuilt when a stored claim's text changed). `report.seconds` splits the time: parse, embed,
        store, index."""
        clock = time.perf_counter()
        read = archive_mod.read_archive(path)
        report = ImportReport(problems=list(read.problems))
        report.seconds["parse"] = time.perf_counter() - clock
        if on_start:
            on_start(len(read.records))
        replaced = 0  # stored claims whose text changed: their old vectors leave the index
        name = self.embedder.name
        for batch in _batches(read.records, batch_size):
            clock = time.perf_counter()
            with self.session() as s:
                before = {k: f.claim for k, f in
                          repo.factchecks_by_keys(s, (repo.factcheck_key(r) for r in batch)).items()}
            todo, seen = [], {}
            for i, rec in enumerate(batch):
                key = repo.factcheck_key(rec)
                if seen.get(key, before.get(key)) != rec["claim"]:
                    todo.append(i)
                    replaced += key in before
                seen[key] = rec["claim"]
            report.seconds["store"] += time.perf_counter() - clock
            clock = time.perf_counter()
            vecs = self._encode_sorted([batch[i]["claim"] for i in todo], progress)
            report.seconds["embed"] += time.perf_counter() - clock
            clock = time.perf_counter()
            with atomic(self.engine) as s:
                rows = repo.upsert_factchecks(s, batch)
                report.created += sum(created for _, created in rows)
                report.updated += sum(not created for _, created in rows)
                latest = {rows[i][0].id: v for i, v in zip(todo, vecs)}  # a key twice: its last claim
                repo.put_vectors(s, "factcheck", name, list(latest.items()))
            report.seconds["store"] += time.perf_counter() - clock
            if progress and len(batch) > len(todo):
                progress(len(batch) - len(todo))  # nothing to embed for these
        clock = time.perf_counter()
        with self._lock:
            self._indexes.pop("factcheck", None)
            if read.records:
                index = self.index("factcheck")  # loads the saved index and adds the new vectors
                if replaced:
                    with self.session() as s:
                        index.rebuild(s)
        report.seconds["index"] = time.perf_counter() - clock
        return report

    def _encode_sorted(self, texts: Sequence[str], progress: Progress | None = None,
                       chunk: int = 256) -> np.ndarray:
        """`embedder.encode(texts)`, shortest first in chunks (reporting each to `progress`), in the given order."""
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for part in _batches(order, chunk):
            out[part] = self.embedder.encode([texts[i] for i in part], batch_size=64)
            if progress:
                progress(len(part))
        return out

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
                                  self.embedder.dim, hnsw_min=self.settings.hnsw_min,
                                 ivf_min=self.settings.ivf_min)
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

    # -- work queue ----------------------------------------------------------------------------------
    def enqueue(self, targets: Sequence[str], *, max_attempts: int = 3) -> dict:
        """Queue ingest jobs: one per file (folders are walked), URL, or line of a JSONL feed (an article or a
        URL). Work already queued or running is not queued twice. Every target is checked first: if one is
        bad, nothing is queued. Returns `{"added", "already_queued"}`."""
        from store import jobs

        from .queue import plan

        if max_attempts < 1:
            raise InputError(f"max attempts must be 1 or more, not {max_attempts}")
        specs = [jobs.JobSpec(*p) for p in plan(targets, self.settings)]
        if not specs:
            raise InputError("nothing to queue: name files, folders, JSONL feeds or URLs")
        with atomic(self.engine) as s:
            added, skipped = jobs.enqueue(s, specs, max_attempts=max_attempts)
        return {"added": added, "already_queued": skipped}

    def work(self, *, worker: str = "", once: bool = False, forever: bool = False, poll: float = 2.0,
             lease_seconds: float = 600.0, retry_delay: float = 0.0, stop: threading.Event | None = None,
             on_job: Callable[[dict], None] | None = None) -> WorkReport:
        """Take jobs from the queue and ingest them, until none is left to take (or one job with `once`, or
        until `stop` is set with `forever`, polling every `poll` seconds). A job's input error fails it at once
        with that error; other errors send it back to the queue, to be tried again after `retry_delay` x the
        attempts made, until its attempts run out. A job whose worker died is taken over when its lease
        (`lease_seconds`) runs out."""
        import os
        import socket
        import time

        from store import jobs

        from .errors import FetchError
        from .queue import job_articles

        report = WorkReport(worker=worker or f"{socket.gethostname()}:{os.getpid()}")
        while not (stop is not None and stop.is_set()):
            with atomic(self.engine) as s:
                jobs.expire_abandoned(s)
            with atomic(self.engine) as s:
                job = jobs.claim(s, report.worker, lease_seconds)
            if job is None:
                if forever:
                    if stop is not None:
                        stop.wait(poll)
                    else:
                        time.sleep(poll)
                    continue
                break
            outcome = {"id": job.id, "target": job.target, "attempt": job.attempt}
            try:
                articles = [self._as_text(a) for a in job_articles(job.kind, job.target, job.payload, self.settings)]
                got = self.ingest_articles(articles)
            except BaseException as exc:
                # Input that cannot be read will not read better next time; anything else (a fetch, the
                # database, an interrupted worker) may.
                retry = not isinstance(exc, InputError) or isinstance(exc, FetchError)
                message = str(exc) if isinstance(exc, WorkbenchError) else f"{type(exc).__name__}: {exc}"
                with atomic(self.engine) as s:
                    status = jobs.fail(s, job, report.worker, message, retry=retry,
                                       retry_after=retry_delay * job.attempt)
                if not isinstance(exc, Exception):
                    raise
                outcome.update(status=status or "lost", error=" ".join(message.split()))
                if status == "failed":
                    report.failed += 1
                    report.errors.append(f"{job.target}: {outcome['error']}")
                elif status == "queued":
                    report.retried += 1
                else:
                    report.lost += 1
            else:
                with atomic(self.engine) as s:
                    held = jobs.finish(s, job, report.worker, documents=got.documents, duplicates=got.duplicates)
                report.documents += got.documents
                report.duplicates += got.duplicates
                if held:
                    report.done += 1
                    report.done_ids.append(job.id)
                else:
                    report.lost += 1
                outcome.update(status="done" if held else "lost", documents=got.documents,
                               duplicates=got.duplicates)
            if on_job:
                on_job(outcome)
            if once:
                break
        return report

    def queue_status(self, *, limit: int = 10) -> dict:
        """Jobs per status, and the latest running, waiting to be retried and failed jobs (`limit` of each)."""
        from store import jobs

        with self.session() as s:
            return {"counts": jobs.status_counts(s),
                    "running": jobs.list_jobs(s, status="running", limit=limit),
                    "waiting": jobs.list_jobs(s, status="queued", retried=True, limit=limit),
                    "failed": jobs.list_jobs(s, status="failed", limit=limit)}

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

    def history_events(self, *, claim_id: int | None = None) -> list[dict]:
        """The append-only review history, oldest first (or one claim's): who changed which field, when,
        from what to what, with the claim's text and document."""
        with self.session() as s:
            if claim_id is not None:
                repo.get_claim(s, claim_id)  # NotFound for an unknown claim
            return list(repo.review_events(s, claim_id=claim_id))

    def history_count(self) -> int:
        """How many review events are recorded."""
        with self.session() as s:
            return repo.count_review_events(s)

    def export_history(self, fmt: str = "csv", *, claim_id: int | None = None) -> str:
        """The review history as CSV (a row per changed field, formula-safe) or JSON lines (an event a line)."""
        if fmt not in ("csv", "jsonl"):
            raise WorkbenchError(f"unknown history format {fmt!r}; use csv or jsonl")
        events = self.history_events(claim_id=claim_id)
        return export_mod.history_to_csv(events) if fmt == "csv" else export_mod.history_to_jsonl(events)

    # -- the review workbench: inbox, claim detail, filtered export, dashboard, uploads -------------------
    def inbox(self, filters: dict | None = None, *, order: str = "score", limit: int = 50,
              offset: int = 0) -> dict:
        """One page of claims across documents, `{"rows", "total", "limit", "offset"}`. `filters` takes the keys
        of `store.repo.CLAIM_FILTERS`; filtering, sorting and paging happen in the database."""
        with self.session() as s:
            rows, total = repo.query_claims(s, filters, order, limit, offset)
        for r in rows:  # the recorded score is the reranker's probability: the same bands as the Claim page
            r["match_band"] = None if r["match_score"] is None else self.reranker.band(r["match_score"])
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
        return self._review_many(ids, changes, reviewer)

    def _review_many(self, ids: list[int], changes: dict, reviewer: str,
                     expected_versions: dict[int, int] | None = None) -> dict:
        """Apply the same review changes to many claims in one transaction, each with its own new version and
        history entry; a missing claim, or one saved since its `expected_versions` entry, undoes them all."""
        reviewer = reviewer or self.settings.reviewer or "anonymous"
        expected_versions = expected_versions or {}
        changed = 0
        with atomic(self.engine) as s:
            before = {cid: c.version for cid, c in repo.claims_by_ids(s, ids).items()}
            for cid in ids:
                claim = repo.update_review(s, cid, changes, reviewer=reviewer,
                                           expected_version=expected_versions.get(cid))
                changed += claim.version != before.get(cid)
        return {"changed": changed, "unchanged": len(ids) - changed}

    # -- the same claim in several articles ------------------------------------------------------------
    def claim_group(self, claim_id: int, *, limit: int = 500) -> dict:
        """The stored claims that say what this one says, in any article: MiniLM cosine at or above
        `settings.group_threshold` with this claim, and no figure or negation that disagrees
        (`claims.match.same_claim`). Read from the claim index (the `limit` closest at most), nothing stored.

        Returns `{"claim_id", "members", "articles", "first_seen", "first_claim_id", "threshold"}`: `members`
        (this claim among them) oldest first, each with `claim_id`, `document_id`, `document`, `title`, `date`
        (the article's publication date, else the day it was stored; `dated_by` says which), `status`,
        `verdict`, `version`, `text` and `similarity`; `articles` counts distinct articles."""
        from .match import same_claim

        threshold = self.settings.group_threshold
        with self.session() as s:
            text = repo.get_claim(s, claim_id).text
            vec = repo.get_vector(s, "claim", claim_id, self.embedder.name)
        if vec is None:
            vec = self.embedder.encode([text])[0]
        index = self.index("claim")
        k = 32
        while True:  # widen the search while its last hit is still close enough
            hits = index.search(vec[None, :], k)[0]
            if len(hits) < k or hits[-1][1] < threshold or k >= limit:
                break
            k = min(2 * k, limit)
        close = {ref: cos for ref, cos in hits if cos >= threshold and ref != claim_id}
        with self.session() as s:
            rows = repo.claims_by_ids(s, [claim_id, *close])
            members = [_group_member(c, 1.0 if cid == claim_id else close[cid]) for cid, c in rows.items()
                       if cid == claim_id or same_claim(text, c.text, close[cid], threshold)]
        members.sort(key=lambda m: (m["date"], m["claim_id"]))
        first = members[0] if members else None
        return {"claim_id": claim_id, "members": members,
                "articles": len({m["document_id"] for m in members}),
                "first_seen": first["date"] if first else "", "first_claim_id": first["claim_id"] if first else None,
                "threshold": threshold}

    def apply_verdict_to_group(self, claim_id: int, changes: dict | None = None, *, reviewer: str = "",
                               expected_versions: dict[int, int] | None = None) -> dict:
        """Save one verdict on every claim of `claim_group(claim_id)`; by default this claim's verdict,
        rationale and evidence. Each claim gets its own new version and history entry naming the reviewer, in
        one transaction: if any of them was saved since the version in `expected_versions` ({claim id:
        version}, what the reviewer was shown), nothing is saved and ReviewConflict says which. Returns
        `{"changed", "unchanged", "claim_ids"}`."""
        group_fields = ("status", "verdict", "rationale", "evidence")
        if changes is None:
            own = self.claim(claim_id)
            changes = {f: own[f] for f in ("verdict", "rationale", "evidence")}
        if set(changes) - set(group_fields):
            raise InputError(f"only {', '.join(group_fields)} are applied to a group; assign claims on the Inbox")
        if not changes.get("verdict"):
            raise InputError(f"claim {claim_id} has no verdict yet: save one first, then apply it to the group")
        if changes["verdict"] not in self.settings.verdicts:
            raise InputError(f"unknown verdict {changes['verdict']!r}; use one of: {', '.join(self.settings.verdicts)}")
        ids = [m["claim_id"] for m in self.claim_group(claim_id)["members"]]
        result = self._review_many(ids, changes, reviewer, expected_versions)
        return {**result, "claim_ids": ids}

    def claim_context(self, claim_id: int, *, before: int = 2, after: int = 2) -> list[dict]:
        """The claim's sentence with its neighbours, in document order (`is_target` marks the claim)."""
        with self.session() as s:
            claim = repo.get_claim(s, claim_id)
            return repo.sentences_around(s, claim.sentence_id, before=before, after=after)

    def _model_name(self) -> str:
        # the name without loading the model: the inbox must not wait for MiniLM to load
        return self._embedder.name if self._embedder is not None else self.settings.model

    def _match_tag(self) -> str:
        """What recorded matches are computed with: the embedding model and the reranker (so a match recorded
        some other way, by raw cosine say, counts as out of date)."""
        return f"{self._model_name()}|rerank"

    def pending_matches(self) -> int:
        """How many claims have no up-to-date best match recorded (none yet, or the archive changed since)."""
        with self.session() as s:
            return len(repo.claims_needing_match(s, self._match_tag()))

    def refresh_matches(self, claim_ids: Iterable[int] | None = None, *, document_ids: Iterable[int] | None = None,
                        batch_size: int = 100, progress: Progress | None = None) -> int:
        """Record each claim's best archived fact-check, decided as the Claim page decides it (hybrid retrieval,
        re-ranked, with the article's date): `score` is the reranker's probability, `is_match` its match band
        (the possible band is `score` at or above `reranker.possible_threshold`). What the inbox's "has a match"
        filter reads. Does the claims given (`claim_ids`, or every claim of `document_ids`), else those whose
        record is missing or older than the archive. Returns how many claims were matched."""
        from .rerank import parse_date

        with self.session() as s:
            if not repo.factcheck_stamp(s)[0]:
                return 0  # no archive: nothing to match against
            if document_ids is not None:
                ids = [c.id for c in repo.claims_matching(s, {"document_ids": list(document_ids)}, "oldest")]
            elif claim_ids is not None:
                ids = list(dict.fromkeys(int(i) for i in claim_ids))
            else:
                ids = repo.claims_needing_match(s, self._match_tag())
        if not ids:
            return 0
        done = 0
        for batch in _batches(ids, batch_size):
            with self.session() as s:
                rows = repo.claims_by_ids(s, batch)
                vecs = repo.vectors_by_refs(s, "claim", self.embedder.name, batch)
                found = [i for i in batch if i in rows]
                texts = [rows[i].text for i in found]
                dates = [parse_date(rows[i].document.published if rows[i].document else "") for i in found]
            lacking = [i for i in found if i not in vecs]
            if lacking:
                vecs.update(zip(lacking, self.embedder.encode([rows[i].text for i in lacking])))
            best = self._factcheck_matches(np.vstack([vecs[i] for i in found]), texts, 1, dates) if found else []
            items = [(cid, top[0]["id"] if top else None, top[0]["score"] if top else 0.0,
                      bool(top) and top[0]["band"] == "match") for cid, top in zip(found, best)]
            with atomic(self.engine) as s:
                repo.put_matches(s, items, self._match_tag())
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


def _group_member(c, similarity: float) -> dict:
    """A claim as a member of a group (see `Workbench.claim_group`)."""
    from .rerank import parse_date

    doc = c.document
    published = parse_date(doc.published) if doc is not None and doc.published else None
    day = published.isoformat() if published else (c.created_at.date().isoformat() if c.created_at else "")
    return {"claim_id": c.id, "document_id": c.document_id, "document": doc.name if doc else "",
            "title": doc.title if doc else "", "date": day, "dated_by": "published" if published else "stored",
            "status": c.status, "verdict": c.verdict, "version": c.version, "text": c.text,
            "similarity": round(float(similarity), 4)}


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
