"""The FAISS index: derived from `Vector` rows, saved beside the database, rebuilt at will.

Files: `<dir>/<name>.faiss` and `<dir>/<name>.json`; the JSON records the model, the dimension, how many
vectors it holds, the largest vector row id it has seen and the kind of index with its parameters. Opening an
index made with another model or dimension raises IndexMismatch; `sync()` adds rows stored since (by another
process, say) without a rebuild.

Small collections are searched exactly (a flat inner-product index). From `hnsw_min` vectors on, the index is
an HNSW graph (M=`HNSW_M`, efConstruction=`HNSW_EF_CONSTRUCTION`) whose efSearch is the smallest of
`EF_SEARCH_CHOICES` that finds at least `TARGET_RECALL` of the exact top 10 for a sample of the stored
vectors, measured when the graph is built and again each time it has doubled. New vectors are added to the
graph; a vector replaced or removed means a rebuild, since an HNSW graph cannot drop a node.

From `ivf_min` vectors on, the index is an inverted file (IVF, flat lists over k-means cells): HNSW held
recall@10 0.99 up to 300,000 vectors in bench/scale.py but not at 1,000,000 (0.97 at efSearch 2048), where
IVF4096 reached 1.00 at under 1 ms a query (bench/scale_ivf.py). Its nprobe is chosen as efSearch is, on a
sample of the stored vectors; new vectors go into the trained cells without a rebuild, and the cells are
trained again (a rebuild) when the collection has doubled.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from . import repo
from core.errors import IndexMismatch

try:
    import faiss
except ImportError as exc:  # pragma: no cover - faiss-cpu is a hard dependency
    raise ImportError("faiss is missing: pip install faiss-cpu") from exc


#: Collections of at least this many vectors get an HNSW graph; smaller ones exact search. bench/scale.py
#: measured HNSW faster from 10,000 vectors, exact search at 1 ms there and over 20 ms at 30,000 on 2 busy
#: cores: exact up to here keeps an archive the size of CheckThat's (14,231) exact (see the README).
DEFAULT_HNSW_MIN = 20_000
#: Collections of at least this many vectors get an IVF index (between the 300,000 where HNSW was measured
#: good enough and the 1,000,000 where it was not).
DEFAULT_IVF_MIN = 500_000
NPROBE_CHOICES = (8, 16, 32, 64, 128, 256, 512)
HNSW_M = 32
HNSW_EF_CONSTRUCTION = 64
EF_SEARCH_CHOICES = (16, 32, 64, 128, 256, 512, 1024, 2048)
TARGET_RECALL = 0.98
#: What efSearch must reach on stored vectors for new queries to reach TARGET_RECALL (see choose_ef_search).
SELF_RECALL_TARGET = 0.995
#: How many stored vectors stand in as queries when efSearch is chosen.
CALIBRATION_QUERIES = 200


class VectorIndex:
    """Inner-product search over normalised vectors of one kind ("claim" or "factcheck") and one model:
    exact below `hnsw_min` vectors, HNSW from there on, IVF from `ivf_min`."""

    def __init__(self, directory: Path | str, name: str, kind: str, model: str, dim: int, *,
                 hnsw_min: int | None = None, ivf_min: int | None = None):
        self.directory = Path(directory)
        self.name = name
        self.kind = kind
        self.model = model
        self.dim = dim
        self.hnsw_min = DEFAULT_HNSW_MIN if hnsw_min is None else max(1, int(hnsw_min))
        self.ivf_min = DEFAULT_IVF_MIN if ivf_min is None else max(2, int(ivf_min))
        self.count = 0
        self.max_row_id = 0
        self.structure = "flat"
        self.ef_search = 0
        self.nprobe = 0
        self.recall = None  # recall@10 of the graph (or IVF) as set, stored vectors as queries
        self.calibrated_at = 0  # how many vectors the graph held when efSearch was chosen
        self.index = self._empty()

    # -- files ---------------------------------------------------------------------------------------
    @property
    def index_path(self) -> Path:
        return self.directory / f"{self.name}.faiss"

    @property
    def meta_path(self) -> Path:
        return self.directory / f"{self.name}.json"

    def _empty(self, structure: str = "flat"):
        self.structure = structure
        if structure == "hnsw":
            graph = faiss.IndexHNSWFlat(self.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            graph.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            graph.hnsw.efSearch = self.ef_search or 64
            return faiss.IndexIDMap2(graph)
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def _structure_for(self, n: int) -> str:
        return "ivf" if n >= self.ivf_min else "hnsw" if n >= self.hnsw_min else "flat"

    def _ivf(self):
        """The IVF index (None for the other structures); it keeps the ref ids itself."""
        inner = faiss.downcast_index(self.index)
        return inner if isinstance(inner, faiss.IndexIVF) else None

    def meta(self) -> dict:
        out = {"kind": self.kind, "model": self.model, "dim": self.dim, "count": self.count,
               "max_row_id": self.max_row_id, "index": f"{self.structure}-ip",
               "hnsw_min": self.hnsw_min, "ivf_min": self.ivf_min}
        if self.structure == "hnsw":
            out.update(hnsw_m=HNSW_M, ef_construction=HNSW_EF_CONSTRUCTION, ef_search=self.ef_search,
                       self_recall_at_10=self.recall, calibrated_at=self.calibrated_at,
                       target_recall=TARGET_RECALL, self_recall_target=SELF_RECALL_TARGET)
        if self.structure == "ivf":
            out.update(nlist=self._ivf().nlist, nprobe=self.nprobe, self_recall_at_10=self.recall,
                       calibrated_at=self.calibrated_at, target_recall=TARGET_RECALL,
                       self_recall_target=SELF_RECALL_TARGET)
        return out

    def _graph(self):
        """The HNSW graph inside the id map (None for exact search and IVF)."""
        if self._ivf() is not None:
            return None
        inner = faiss.downcast_index(self.index.index)
        return inner if isinstance(inner, faiss.IndexHNSW) else None

    def calibrate(self, *, queries: int = CALIBRATION_QUERIES, seed: int = 0) -> None:
        """Choose efSearch for the graph (see `choose_ef_search`) and remember what it was measured on."""
        graph = self._graph()
        if graph is None or self.index.ntotal < 2:
            return
        self.ef_search, self.recall = choose_ef_search(graph, queries=queries, seed=seed)
        self.calibrated_at = self.index.ntotal

    def load(self) -> bool:
        """Read the saved index; False if there is none. Raises IndexMismatch for another model or dim."""
        if not (self.index_path.exists() and self.meta_path.exists()):
            return False
        meta = json.loads(self.meta_path.read_text())
        if meta.get("model") != self.model or int(meta.get("dim", -1)) != self.dim:
            raise IndexMismatch(
                f"the index at {self.index_path} was built with {meta.get('model')} ({meta.get('dim')} dims), "
                f"not {self.model} ({self.dim} dims); run `claims reindex` to rebuild it"
            )
        index = faiss.read_index(str(self.index_path))
        if index.d != self.dim or index.ntotal != int(meta.get("count", -1)):
            return False  # torn or stale files: the caller rebuilds
        self.index = index
        self.count = int(meta["count"])
        self.max_row_id = int(meta.get("max_row_id", 0))
        ivf = self._ivf()
        if ivf is not None:
            self._owner = index  # the wrapper read_index returned owns the C++ object: keep it alive
            self.index = ivf
            self.structure = "ivf"
            ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
            self.nprobe = int(meta.get("nprobe") or ivf.nprobe)
            ivf.nprobe = self.nprobe
            self.recall = meta.get("self_recall_at_10")
            self.calibrated_at = int(meta.get("calibrated_at") or self.count)
            return True
        graph = self._graph()
        self.structure = "flat" if graph is None else "hnsw"
        if graph is not None:
            self.ef_search = int(meta.get("ef_search") or graph.hnsw.efSearch)
            self.recall = meta.get("self_recall_at_10")
            self.calibrated_at = int(meta.get("calibrated_at") or self.count)
            graph.hnsw.efSearch = self.ef_search  # as chosen, whatever the file says
        return True

    def save(self) -> None:
        """Write both files atomically (temp file + rename), the index before its metadata."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".faiss.tmp")
        os.close(fd)
        faiss.write_index(self.index, tmp)
        os.replace(tmp, self.index_path)
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".json.tmp")
        with os.fdopen(fd, "w") as fh:
            json.dump(self.meta(), fh)
        os.replace(tmp, self.meta_path)

    # -- content -------------------------------------------------------------------------------------
    def _add_rows(self, rows) -> int:
        ids, vecs = [], []
        for row_id, ref_id, data, dim in rows:
            if dim != self.dim:
                raise IndexMismatch(
                    f"stored vector {row_id} has {dim} dims, the index {self.dim}; run `claims reindex`"
                )
            ids.append(ref_id)
            vecs.append(np.frombuffer(data, dtype=np.float32))
            self.max_row_id = max(self.max_row_id, row_id)
        if ids:
            id_arr = np.asarray(ids, dtype=np.int64)
            if self.structure == "ivf":
                self.index.remove_ids(id_arr)  # a re-embedded ref: the IVF drops the old vector by id
            elif self.structure == "hnsw":
                # A graph cannot drop a node: a ref that is already there (re-embedded) needs a rebuild.
                if np.isin(id_arr, faiss.vector_to_array(self.index.id_map)).any():
                    raise _NeedsRebuild()
            else:
                # A ref may be re-embedded (same ref id, new row): replace rather than duplicate.
                self.index.remove_ids(id_arr)
            self.index.add_with_ids(np.vstack(vecs).astype(np.float32), id_arr)
        self.count = self.index.ntotal
        return len(ids)

    def rebuild(self, session: Session) -> int:
        """Build from every stored vector of this kind and model: exact search below `hnsw_min` vectors,
        an HNSW graph (with efSearch calibrated) from there on."""
        n, _ = repo.vector_stats(session, self.kind, self.model)
        self.ef_search, self.nprobe, self.recall, self.calibrated_at = 0, 0, None, 0
        if self._structure_for(n) == "ivf":
            return self._rebuild_ivf(session)
        self.index = self._empty(self._structure_for(n))
        self.count = self.max_row_id = 0
        added = 0
        batch = []
        for row in repo.iter_vectors(session, self.kind, self.model):
            batch.append(row)
            if len(batch) >= 5000:
                added += self._add_rows(batch)
                batch = []
        added += self._add_rows(batch)
        self.calibrate()
        self.save()
        return added

    def _rebuild_ivf(self, session: Session) -> int:
        """Train k-means cells on a sample of every stored vector, add them all, choose nprobe, save."""
        rows = list(repo.iter_vectors(session, self.kind, self.model))
        data = (np.vstack([np.frombuffer(r[2], dtype=np.float32) for r in rows]) if rows
                else np.zeros((0, self.dim), dtype=np.float32))
        n = len(rows)
        nlist = int(min(16384, max(16, 2 ** round(np.log2(4 * np.sqrt(max(n, 1)))))))
        nlist = min(nlist, max(1, n // 39))  # faiss wants about 39 training points a cell
        quantizer = faiss.IndexFlatIP(self.dim)
        ivf = faiss.IndexIVFFlat(quantizer, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = data[np.sort(rng.choice(n, size=min(n, 50 * nlist), replace=False))]
        ivf.train(np.ascontiguousarray(sample, dtype=np.float32))
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
        self.index, self.structure, self.count, self.max_row_id = ivf, "ivf", 0, 0
        added = 0
        for start in range(0, n, 20000):
            added += self._add_rows(rows[start:start + 20000])
        self.nprobe, self.recall = choose_nprobe(ivf, data, np.asarray([r[1] for r in rows], dtype=np.int64))
        self.calibrated_at = self.count
        self.save()
        return added

    def holds_stored_vectors(self, session: Session, sample: int = 16) -> bool:
        """Whether the vectors the database holds for a sample of the rows this index has seen (the first and
        the last by row id) are in the index as stored: False for files left from another database, or
        from this one before it was emptied and filled again."""
        for ref, data in repo.vector_sample(session, self.kind, self.model, upto_id=self.max_row_id, n=sample):
            try:
                have = self.index.reconstruct(int(ref))
            except RuntimeError:  # not in the index
                return False
            if not np.allclose(have, np.frombuffer(data, dtype=np.float32), atol=1e-6):
                return False
        return True

    def sync(self, session: Session, *, verify: bool = False) -> str:
        """Bring the index in line with the database: 'ok', 'added N' or 'rebuilt'. With `verify` (on open),
        first check a sample of its vectors against the stored ones and rebuild if they differ."""
        if verify and not self.holds_stored_vectors(session):
            self.rebuild(session)
            return "rebuilt"
        n, top = repo.vector_stats(session, self.kind, self.model)
        if n == self.count and top == self.max_row_id:
            return "ok"
        if (top > self.max_row_id and n >= self.count and self._structure_for(n) == self.structure
                and not (self.structure == "ivf" and n >= 2 * self.calibrated_at)):
            try:
                added = self._add_rows(list(repo.iter_vectors(session, self.kind, self.model,
                                                              after_id=self.max_row_id)))
            except _NeedsRebuild:
                added = -1
            if added >= 0 and self.count == n:
                if self.structure == "hnsw" and self.count >= 2 * self.calibrated_at:
                    self.calibrate()
                self.save()
                return f"added {added}"
        self.rebuild(session)
        return "rebuilt"

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """For each query vector, up to k (ref id, cosine) pairs, best first."""
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        if queries.shape[1] != self.dim:
            raise IndexMismatch(f"query has {queries.shape[1]} dims, the index {self.dim}")
        if self.index.ntotal == 0 or k <= 0:
            return [[] for _ in range(len(queries))]
        scores, ids = self.index.search(queries, min(k, self.index.ntotal))
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores) if i != -1]
            for row_ids, row_scores in zip(ids, scores)
        ]

    def vectors(self, ids) -> dict[int, np.ndarray]:
        """The stored vectors of these ref ids ({id: vector}); ids the index lacks are left out."""
        out = {}
        for i in ids:
            try:
                out[int(i)] = self.index.reconstruct(int(i))
            except RuntimeError:  # not in the index
                continue
        return out


class _NeedsRebuild(Exception):
    """An HNSW graph was asked to replace a vector it holds."""


def choose_nprobe(ivf, data: np.ndarray, refs: np.ndarray, *, queries: int = CALIBRATION_QUERIES, seed: int = 0,
                  choices=NPROBE_CHOICES, target: float = SELF_RECALL_TARGET) -> tuple[int, float | None]:
    """The smallest nprobe in `choices` (or nlist, which is exact) whose recall@10 against exact search over
    `data` (the stored vectors; `refs` their ids) reaches `target` for a sample of them used as queries, and
    the recall measured there; sets it on the index. As in `choose_ef_search`, each query's own hit is left
    out."""
    n = len(data)
    if n < 2:
        return ivf.nprobe, None
    rng = np.random.default_rng(seed)
    own = np.sort(rng.choice(n, size=min(queries, n), replace=False))
    qs = np.ascontiguousarray(data[own], dtype=np.float32)
    k = min(11, n)
    exact = refs[_exact_top(data, qs, k)]
    chosen, recall = ivf.nlist, 0.0
    for nprobe in [c for c in choices if c < ivf.nlist] + [ivf.nlist]:
        ivf.nprobe = nprobe
        recall = _recall(exact, ivf.search(qs, k)[1], refs[own], k - 1)
        chosen = nprobe
        if recall >= target:
            break
    ivf.nprobe = chosen
    return chosen, round(float(recall), 4)


def choose_ef_search(graph, *, queries: int = CALIBRATION_QUERIES, seed: int = 0,
                     choices=EF_SEARCH_CHOICES, target: float = SELF_RECALL_TARGET) -> tuple[int, float]:
    """The smallest efSearch in `choices` whose recall@10 against exact search reaches `target` for a sample
    of the graph's own vectors used as queries (each one's own hit left out), and the recall measured there;
    sets it on the graph. Without a choice that reaches the target, the largest.

    A stored vector is an easier query than a new one, so the target is stricter than TARGET_RECALL: on
    bench/scale.py's data, 0.995 on stored vectors gave at least 0.98 on fresh queries at every size."""
    n, dim = graph.ntotal, graph.d
    rng = np.random.default_rng(seed)
    own = np.sort(rng.choice(n, size=min(queries, n), replace=False))
    storage = faiss.downcast_index(graph.storage)
    data = faiss.rev_swig_ptr(storage.get_xb(), n * dim).reshape(n, dim)
    qs = np.ascontiguousarray(data[own])
    k = min(11, n)
    exact = _exact_top(data, qs, k)
    chosen, recall = choices[-1], 0.0
    for ef in choices:
        graph.hnsw.efSearch = max(ef, k)
        recall = _recall(exact, graph.search(qs, k)[1], own, k - 1)
        chosen = ef
        if recall >= target:
            break
    graph.hnsw.efSearch = max(chosen, k)
    return chosen, round(float(recall), 4)


def _exact_top(data: np.ndarray, queries: np.ndarray, k: int, chunk: int = 65536) -> np.ndarray:
    """Positions of the k largest inner products of each query with `data` (rows), by exact search, a chunk of
    rows at a time (no copy of `data`)."""
    best_s = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(data), chunk):
        scores = queries @ data[start:start + chunk].T
        kk = min(k, scores.shape[1])
        part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        best_s = np.hstack([best_s, np.take_along_axis(scores, part, axis=1)])
        best_i = np.hstack([best_i, part + start])
        keep = np.argsort(-best_s, axis=1, kind="stable")[:, :k]
        best_s, best_i = np.take_along_axis(best_s, keep, axis=1), np.take_along_axis(best_i, keep, axis=1)
    return best_i


def _recall(exact: np.ndarray, found: np.ndarray, own: np.ndarray, k: int) -> float:
    """Mean share of the exact top k (each query's own position left out) that `found` also has."""
    hits = total = 0
    for truth, got, me in zip(exact, found, own):
        want = [int(i) for i in truth if i != me and i >= 0][:k]
        have = {int(i) for i in got if i != me and i >= 0}
        hits += sum(1 for i in want if i in have)
        total += len(want)
    return hits / total if total else 1.0


def open_index(session: Session, directory: Path | str, name: str, kind: str, model: str, dim: int, *,
               hnsw_min: int | None = None, ivf_min: int | None = None) -> VectorIndex:
    """Load the saved index (or build it) and sync it with the database."""
    index = VectorIndex(directory, name, kind, model, dim, hnsw_min=hnsw_min, ivf_min=ivf_min)
    if not index.load():
        index.rebuild(session)
    else:
        index.sync(session, verify=True)
    return index
