"""Hybrid retrieval of fact-checks: dense (MiniLM cosine) and lexical (BM25) candidates, pooled, then re-ranked
by `claims.matching.rerank.Reranker`; and whether two stored claims say the same thing (`same_claim`).

`MemoryArchive` holds an archive in memory: it is what `claims eval match` and `claims.research.train_match`
search. The product searches its FAISS index and a BM25 built from the database with `hybrid_pools` and
`hybrid_candidates` (called by `claims.services.search`). Both hand `Candidate` lists to the same
`Reranker.rank`, so the evaluation measures the product's ranking.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from core.settings import cache_dir as settings_cache_dir
from claims.matching.lexical import BM25, clean_text, top_k
from claims.matching.rerank import Candidate, compare_numbers, negations, parse_date

#: How many candidates each retriever hands to the reranker.
DEPTH = 50
#: Where evaluation and training keep embeddings between runs (never inside the repository).
#: `encode_cached`'s default: the cache named by the settings (CLAIMS_CACHE_DIR), read at each call.
FROM_SETTINGS = "from settings"


def lexical_text(claim: str, title: str = "") -> str:
    """What BM25 indexes for a fact-check: the checked claim and the headline."""
    return f"{claim} {title}".strip()


def query_text(text: str) -> str:
    """What gets embedded for a query: the text without tweet furniture (URLs, handles, signature)."""
    return clean_text(text) or text


_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"“'(]?[A-Z0-9])|\n+")


def query_sentences(text: str) -> list[str]:
    """The sentences of a cleaned query that have three words or more, when there are two or more of them;
    else [] (the query is one sentence and its own vector says it all)."""
    parts = [p.strip() for p in _SENTENCE_SPLIT.split(query_text(text)) if len(p.split()) >= 3]
    return parts if len(parts) > 1 else []


def with_sentences(candidates: Sequence[Candidate], svecs: np.ndarray | None, claim_vecs: np.ndarray,
                   title_vecs: np.ndarray) -> list[Candidate]:
    """The candidates with the best query sentence's cosine with each claim and title (`svecs`: one vector per
    sentence of the query, None or empty for a one-sentence query; `claim_vecs`, `title_vecs`: one row per
    candidate, the claim's vector standing in for a missing title)."""
    if svecs is None or not len(svecs):
        return list(candidates)
    claim = (np.asarray(claim_vecs, dtype=np.float32) @ svecs.T).max(axis=1)
    title = (np.asarray(title_vecs, dtype=np.float32) @ svecs.T).max(axis=1)
    return [replace(c, sentence_dense=float(a), sentence_title=float(b)) for c, a, b in zip(candidates, claim, title)]


def sentence_vectors(embedder, texts: Sequence[str], cache_dir=None) -> list[np.ndarray | None]:
    """For each query, the vectors of its sentences (`query_sentences`), None for a one-sentence query; one
    `encode` call for all of them (cached in `cache_dir` when given)."""
    parts = [query_sentences(t) for t in texts]
    flat = [p for ps in parts for p in ps]
    if not flat:
        return [None] * len(parts)
    vecs = encode_cached(embedder, flat, cache_dir) if cache_dir is not None else \
        np.asarray(embedder.encode(flat), dtype=np.float32)
    out, at = [], 0
    for ps in parts:
        out.append(vecs[at:at + len(ps)] if ps else None)
        at += len(ps)
    return out


def same_claim(text: str, other: str, cosine: float, threshold: float) -> bool:
    """Whether two stored claims say the same thing: close in meaning (`cosine` at or above `threshold`), no
    figure of one kind that differs ("22 percent" against "12 percent"), and not negated on one side only."""
    if cosine < threshold:
        return False
    if compare_numbers(text, other)[1]:
        return False
    return bool(negations(text)) == bool(negations(other))


def pool(dense: np.ndarray, lexical: np.ndarray, depth: int = DEPTH) -> list[int]:
    """Indexes of the top `depth` by each score, dense first, without repeats."""
    out = [i for i, _ in top_k(np.asarray(dense, dtype=np.float32) + 2.0, depth)]  # +2: cosines may be < 0
    seen = set(out)
    out += [i for i, _ in top_k(np.asarray(lexical, dtype=np.float32), depth) if i not in seen]
    return out


def encode_cached(embedder, texts: Sequence[str], cache_dir: Path | str | None = FROM_SETTINGS,
                  batch_size: int = 64) -> np.ndarray:
    """`embedder.encode(texts)`, kept in `cache_dir` (a .npy per model and list of texts) when one is given;
    by default the settings' cache folder, read now (so a test or a run that sets CLAIMS_CACHE_DIR gets its own)."""
    texts = list(texts)
    if cache_dir == FROM_SETTINGS:
        cache_dir = settings_cache_dir()
    if cache_dir is None:
        return embedder.encode(texts, batch_size=batch_size)
    key = hashlib.sha256((embedder.name + "\x00" + "\x1e".join(texts)).encode("utf-8")).hexdigest()[:24]
    path = Path(cache_dir) / f"match-{key}.npy"
    if path.is_file():
        vecs = np.load(path, allow_pickle=False)
        if vecs.shape == (len(texts), embedder.dim):
            return vecs
    vecs = np.asarray(embedder.encode(texts, batch_size=batch_size), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, vecs)
    tmp.replace(path)
    return vecs


@dataclass
class MemoryArchive:
    """Fact-checks in memory: ids, claims, titles, dates, claim and title vectors, and a BM25 over claim+title."""

    refs: list
    texts: list[str]
    titles: list[str]
    dates: list
    vectors: np.ndarray
    title_vectors: np.ndarray
    bm25: BM25

    @classmethod
    def build(cls, records: Sequence[dict], embedder=None, *, vectors=None, title_vectors=None,
              cache_dir: Path | str | None = None) -> "MemoryArchive":
        """From records with `id`, `claim` and optional `title` and `date`; vectors are computed with
        `embedder` (cached in `cache_dir` if given) unless passed in."""
        refs = [r["id"] for r in records]
        texts = [r["claim"] for r in records]
        titles = [r.get("title") or "" for r in records]
        if vectors is None:
            vectors = encode_cached(embedder, texts, cache_dir)
        vectors = np.asarray(vectors, dtype=np.float32)
        if title_vectors is None:
            title_vectors = vectors.copy()  # no title: the claim stands in
            with_title = [i for i, t in enumerate(titles) if t]
            if with_title:
                title_vectors[with_title] = encode_cached(embedder, [titles[i] for i in with_title], cache_dir)
        return cls(refs, texts, titles, [parse_date(r.get("date")) for r in records], vectors,
                   np.asarray(title_vectors, dtype=np.float32),
                   BM25([lexical_text(t, ti) for t, ti in zip(texts, titles)]))

    def __len__(self) -> int:
        return len(self.refs)

    def candidates(self, query: str, qvec: np.ndarray, *, depth: int = DEPTH,
                   exclude: frozenset | set = frozenset(), svecs: np.ndarray | None = None) -> list[Candidate]:
        """The pooled candidates of one query with both scores; `ref` is the archive position. `exclude`
        drops positions (to see what the reranker does when the right fact-check is not in the archive);
        `svecs` are the vectors of the query's sentences (`sentence_vectors`)."""
        qvec = np.asarray(qvec, dtype=np.float32)
        dense = self.vectors @ qvec
        lexical = self.bm25.scores(query)
        if exclude:
            idx = np.fromiter(exclude, dtype=np.int64)
            dense[idx] = -2.0
            lexical[idx] = 0.0
        out = []
        for i in pool(dense, lexical, depth):
            title = float(self.title_vectors[i] @ qvec) if self.titles[i] else None
            out.append(Candidate(ref=i, text=self.texts[i], title=self.titles[i], dense=float(dense[i]),
                                 lexical=float(lexical[i]), dense_title=title, date=self.dates[i]))
        refs = [c.ref for c in out]
        return with_sentences(out, svecs, self.vectors[refs], self.title_vectors[refs])

    def search(self, query: str, qvec: np.ndarray, reranker, *, k: int = 5, depth: int = DEPTH,
               query_date=None, svecs: np.ndarray | None = None) -> list[dict]:
        """The k best fact-checks for a query, re-ranked and explained; `ref` is the record's id."""
        ranked = reranker.rank(query, self.candidates(query, qvec, depth=depth, svecs=svecs), k=k,
                               idf=self.bm25.idf_of, query_date=query_date)
        for r in ranked:
            r["position"] = r["ref"]
            r["ref"] = self.refs[r["ref"]]
        return ranked


@dataclass
class LexicalArchive:
    """BM25 over stored fact-checks (claim + title) by their database ids; `stamp` names the state of the archive
    it was built from, so that its owner can tell when to rebuild it."""

    ids: list[int]
    bm25: BM25
    position: dict
    stamp: tuple = ()

    @classmethod
    def build(cls, rows: Sequence[tuple], stamp: tuple = ()) -> "LexicalArchive":
        """From (id, claim, title, ...) rows."""
        ids = [r[0] for r in rows]
        return cls(ids, BM25([lexical_text(r[1], r[2]) for r in rows]), {ref: i for i, ref in enumerate(ids)}, stamp)

    def scores(self, query: str) -> np.ndarray:
        return self.bm25.scores(query) if query else np.zeros(len(self.ids), dtype=np.float32)

    def top(self, scores: np.ndarray, depth: int = DEPTH) -> list[int]:
        """Ids of the best `depth` documents with a score above 0."""
        return [self.ids[i] for i, _ in top_k(scores, depth)]


def hybrid_pools(index, lexical: LexicalArchive, vecs: np.ndarray, texts: Sequence[str],
                 depth: int = DEPTH) -> list[tuple[dict[int, float], np.ndarray]]:
    """For each query: the top `depth` fact-checks by cosine (`index.search`) and by BM25, pooled, each with its
    cosine (`index.vectors` gives the vectors of BM25's finds), and the BM25 scores over the whole archive.
    `index` is any vector index with `search(vecs, k)` and `vectors(refs)` (the product's FAISS index)."""
    pools = []
    for vec, text, hits in zip(vecs, texts, index.search(vecs, depth)):
        dense = dict(hits)
        scores = lexical.scores(text)
        extra = [ref for ref in lexical.top(scores, depth) if ref not in dense]
        for ref, v in index.vectors(extra).items():
            dense[ref] = float(np.dot(v, vec))
        pools.append((dense, scores))
    return pools


def hybrid_candidates(dense: dict[int, float], scores: np.ndarray, lexical: LexicalArchive, facts: dict[int, dict],
                      titles: dict[int, np.ndarray], vec: np.ndarray, *, svecs: np.ndarray | None = None,
                      index=None) -> list[Candidate]:
    """The reranker's candidates for one query from its pool: each fact-check (`facts`: id -> claim, title,
    date) with its cosine, its BM25 score and the cosine with its headline (`titles`: id -> the headline's
    vector). Ids missing from `facts` (a vector
    left over from a fact-check since removed) are dropped. For a query of several sentences (`svecs`), the
    best sentence's cosines too, the claims' vectors read from `index`."""
    out = []
    for ref, cos in dense.items():
        f = facts.get(ref)
        if f is None:
            continue
        pos = lexical.position.get(ref)
        title_vec = titles.get(ref) if f["title"] else None
        out.append(Candidate(ref=ref, text=f["claim"], title=f["title"], dense=cos,
                             lexical=float(scores[pos]) if pos is not None else 0.0,
                             dense_title=None if title_vec is None else float(np.dot(title_vec, vec)),
                             date=parse_date(f["date"])))
    if svecs is None or not len(svecs) or not out or index is None:
        return out
    stored = index.vectors([c.ref for c in out])
    have = [c for c in out if c.ref in stored]  # a vector the index lacks leaves the sentence cosines unset
    if not have:
        return out
    claim_vecs = np.stack([stored[c.ref] for c in have])
    title_vecs = np.stack([titles[c.ref] if c.title and c.ref in titles else claim_vecs[i]
                           for i, c in enumerate(have)])
    done = {c.ref: c for c in with_sentences(have, svecs, claim_vecs, title_vecs)}
    return [done.get(c.ref, c) for c in out]
