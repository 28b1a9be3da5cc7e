"""The FAISS index: derived from `Vector` rows, saved beside the database, rebuilt at will.

Files: `<dir>/<name>.faiss` and `<dir>/<name>.json`; the JSON records the model, the dimension, how many
vectors it holds and the largest vector row id it has seen. Opening an index made with another model or
dimension raises IndexMismatch; `sync()` adds rows stored since (by another process, say) without a rebuild.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

from . import repo
from .errors import IndexMismatch

try:
    import faiss
except ImportError as exc:  # pragma: no cover - faiss-cpu is a hard dependency
    raise ImportError("faiss is missing: pip install faiss-cpu") from exc


class VectorIndex:
    """Inner-product search over normalised vectors of one kind ("claim" or "factcheck") and one model."""

    def __init__(self, directory: Path | str, name: str, kind: str, model: str, dim: int):
        self.directory = Path(directory)
        self.name = name
        self.kind = kind
        self.model = model
        self.dim = dim
        self.count = 0
        self.max_row_id = 0
        self.index = self._empty()

    # -- files ---------------------------------------------------------------------------------------
    @property
    def index_path(self) -> Path:
        return self.directory / f"{self.name}.faiss"

    @property
    def meta_path(self) -> Path:
        return self.directory / f"{self.name}.json"

    def _empty(self):
        return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))

    def meta(self) -> dict:
        return {"kind": self.kind, "model": self.model, "dim": self.dim, "count": self.count,
                "max_row_id": self.max_row_id, "index": "flat-ip"}

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
            # A ref may be re-embedded (same ref id, new row): replace rather than duplicate.
            self.index.remove_ids(id_arr)
            self.index.add_with_ids(np.vstack(vecs).astype(np.float32), id_arr)
        self.count = self.index.ntotal
        return len(ids)

    def rebuild(self, session: Session) -> int:
        """Build from every stored vector of this kind and model."""
        self.index = self._empty()
        self.count = self.max_row_id = 0
        added = 0
        batch = []
        for row in repo.iter_vectors(session, self.kind, self.model):
            batch.append(row)
            if len(batch) >= 5000:
                added += self._add_rows(batch)
                batch = []
        added += self._add_rows(batch)
        self.save()
        return added

    def sync(self, session: Session) -> str:
        """Bring the index in line with the database: 'ok', 'added N' or 'rebuilt'."""
        n, top = repo.vector_stats(session, self.kind, self.model)
        if n == self.count and top == self.max_row_id:
            return "ok"
        if top > self.max_row_id and n >= self.count:
            added = self._add_rows(list(repo.iter_vectors(session, self.kind, self.model,
                                                          after_id=self.max_row_id)))
            if self.count == n:
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


def open_index(session: Session, directory: Path | str, name: str, kind: str, model: str, dim: int) -> VectorIndex:
    """Load the saved index (or build it) and sync it with the database."""
    index = VectorIndex(directory, name, kind, model, dim)
    if not index.load():
        index.rebuild(session)
    else:
        index.sync(session)
    return index
