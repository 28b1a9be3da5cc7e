"""Index upkeep: the FAISS index of each kind and the BM25 over the archive, both derived from the database,
opened on first use, kept in step with it, and rebuilt on request (`claims reindex`).

Opening an index may take a while (loading its file, or building it from 100,000 stored vectors when no file
is there: tens of seconds). A server does not make a reviewer wait for that: `warm()` opens the indexes in
the background when it starts, and while `background` is set, searches leave out what is not open yet
(`loading()` says which), instead of waiting."""
from __future__ import annotations

import hashlib
import threading

import numpy as np

from claims.matching import rerank
from claims.matching.match import LexicalArchive
from claims.services.common import UseCase, batches
from store import repo
from store.db import atomic
from core.errors import IndexMismatch
from store.index import VectorIndex, open_index


class Indexes(UseCase):
    """The vector indexes ('claim' and 'factcheck'), the lexical archive and embedded fact-check titles."""

    def __init__(self, bench):
        super().__init__(bench)
        self._open: dict[str, VectorIndex] = {}
        self._lexical: LexicalArchive | None = None
        self._titles: dict[int, np.ndarray] = {}  # fact-check id -> its title's vector, read on first use
        self._opening = {kind: threading.Lock() for kind in ("claim", "factcheck")}  # one opener per kind
        self._warming: dict[str, threading.Thread] = {}
        #: searches skip an index that is not open yet rather than wait for it (a server, after `warm()`)
        self.background = False
        #: what the last background opening of each kind raised, if it failed
        self.failed: dict[str, Exception] = {}

    def _name(self, kind: str) -> str:
        db = hashlib.sha1(self.settings.database_url.encode()).hexdigest()[:10]
        return f"{kind}-{db}"

    def _new(self, kind: str) -> VectorIndex:
        embedder = self.bench.embedder
        return VectorIndex(self.settings.index_dir, self._name(kind), kind, embedder.name, embedder.dim,
                           hnsw_min=self.settings.hnsw_min, ivf_min=self.settings.ivf_min)

    def get(self, kind: str, *, wait: bool = True) -> VectorIndex | None:
        """The FAISS index of `kind` ('claim' or 'factcheck'), synced with the database. One that is not open
        yet is opened here, or, without `wait`, in the background (None is returned meanwhile)."""
        idx = self._open.get(kind)
        if idx is None:
            if not wait:
                failed = self.failed.pop(kind, None)
                if failed is not None:
                    raise failed  # the background opening's error, shown once; the next call tries again
                self.warm(kind)
                return None
            return self._load(kind)
        with self.bench.lock, self.session() as s:
            idx.sync(s)
        return idx

    def ready(self, kind: str) -> VectorIndex | None:
        """`get(kind)`, waiting for it unless `background` is set (then None while it opens)."""
        return self.get(kind, wait=not self.background)

    def _load(self, kind: str) -> VectorIndex:
        # not under bench.lock: building from the database may take tens of seconds, and ingest, the parse
        # and the other index have no need to wait for it; a second caller waits for the first one's index
        with self._opening[kind]:
            idx = self._open.get(kind)
            if idx is None:
                embedder = self.bench.embedder
                with self.session() as s:
                    self._refuse_a_mix(s, kind, embedder.name)
                    idx = open_index(s, self.settings.index_dir, self._name(kind), kind, embedder.name,
                                     embedder.dim, hnsw_min=self.settings.hnsw_min, ivf_min=self.settings.ivf_min)
                self._open[kind] = idx  # (no bench.lock here: a caller holding it may be waiting for this)
        return idx

    @staticmethod
    def _refuse_a_mix(session, kind: str, model: str) -> None:
        """An index holds one encoder's vectors: when another encoder made more of the stored ones than this one
        did (CLAIMS_MODEL changed, say from float32 to bfloat16), searching would silently miss the rest."""
        counts = repo.vector_models(session, kind)
        other = max((m for m in counts if m != model), key=counts.get, default=None)
        if other is not None and counts[other] > counts.get(model, 0):
            raise IndexMismatch(f"{counts[other]:,} stored {kind} vectors were made by {other}, not by {model} "
                                f"(CLAIMS_MODEL): run `claims reindex` to embed them with {model}, or set "
                                f"CLAIMS_MODEL={other}")

    def extend(self, kind: str) -> None:
        """Add what was stored since to the open index of `kind`, so the next search need not (nothing if it is
        not open: it is synced when it opens)."""
        if kind in self._open:
            self.get(kind)

    def warm(self, *kinds: str) -> None:
        """Open these indexes (both when none is named) in background threads, and from then on let searches
        skip what is not open yet (`background`)."""
        self.background = True
        for kind in kinds or ("claim", "factcheck"):
            if kind in self._open or (kind in self._warming and self._warming[kind].is_alive()):
                continue

            def run(kind=kind):
                try:
                    self._load(kind)
                    if kind == "factcheck":
                        self.lexical()  # BM25 and the re-ranker's reading of the archive, before the first search
                    self.failed.pop(kind, None)
                except Exception as exc:  # raised by the next search that does not wait, then tried again
                    self.failed[kind] = exc

            thread = threading.Thread(target=run, name=f"claims-index-{kind}", daemon=True)
            self._warming[kind] = thread
            thread.start()

    def loading(self) -> list[str]:
        """The indexes being opened in the background now."""
        return [k for k, t in self._warming.items() if t.is_alive() and k not in self._open]

    def forget(self, *kinds: str) -> None:
        """Drop the open index of these kinds (all when none is named): reopened and synced on next use."""
        with self.bench.lock:
            for kind in kinds or list(self._open):
                self._open.pop(kind, None)

    def lexical(self) -> LexicalArchive:
        """BM25 over the stored fact-checks (claim + title), rebuilt when the archive changes (count, largest id
        or latest update), in this process or another."""
        with self.bench.lock, self.session() as s:
            stamp = repo.factcheck_stamp(s)
            if self._lexical is None or self._lexical.stamp != stamp:
                texts = repo.factcheck_texts(s)
                self._lexical = LexicalArchive.build(texts, stamp)
                # what the re-ranker reads in each fact-check, worked out once per archive version, not per query
                rerank.analyse_archive((claim, title) for _, claim, title, _ in texts)
                self._titles.clear()  # a title may have changed
            return self._lexical

    def titles(self, facts: dict[int, dict]) -> dict[int, np.ndarray]:
        """The vectors of these fact-checks' titles ({id: {"title": ...}} in, {id: vector} out; none for a
        fact-check without a title): stored at import as kind "title"; a title stored before that is embedded
        now and stored."""
        want = [i for i, f in facts.items() if f.get("title") and i not in self._titles]
        if want:
            embedder = self.bench.embedder
            with self.session() as s:
                found = repo.vectors_by_refs(s, "title", embedder.name, want)
            lacking = [i for i in want if i not in found]
            if lacking:
                vecs = embedder.encode([facts[i]["title"] for i in lacking])
                found.update(zip(lacking, vecs))
                with atomic(self.engine) as s:
                    repo.put_vectors(s, "title", embedder.name, list(zip(lacking, vecs)))
            with self.bench.lock:
                if len(self._titles) > 200_000:
                    self._titles.clear()
                self._titles.update(found)
        return {i: self._titles[i] for i in facts if i in self._titles}

    def rebuild(self, prune: bool = False) -> dict:
        """Embed whatever lacks a vector for the current model, then rebuild both indexes. Returns how many
        vectors each holds; with `prune`, after the rebuild, also deletes the vectors other encoders made
        ({"pruned": {model: count}}: kept by default, so that going back to that encoder needs no new pass)."""
        embedder = self.bench.embedder
        with self.session() as s:
            claim_ids, fc_ids = repo.missing_vector_refs(s, embedder.name)
        for kind, ids in (("claim", claim_ids), ("factcheck", fc_ids)):
            for batch in batches(ids, 256):
                with atomic(self.engine) as s:
                    rows = repo.claims_by_ids(s, batch) if kind == "claim" else repo.factchecks_by_ids(s, batch)
                    texts = [rows[i].text if kind == "claim" else rows[i].claim for i in batch]
                    repo.put_vectors(s, kind, embedder.name, list(zip(batch, embedder.encode(texts))))
        out = {}
        with self.bench.lock, self.session() as s:
            for kind in ("claim", "factcheck"):
                idx = self._new(kind)
                out[kind] = idx.rebuild(s)
                self._open[kind] = idx
        if prune:
            with atomic(self.engine) as s:
                out["pruned"] = repo.delete_other_models(s, embedder.name)
        return out
