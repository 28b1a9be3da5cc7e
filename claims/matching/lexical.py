"""Lexical retrieval: Okapi BM25 over normalised text, for matching claims against an archive of fact-checks.

Normalisation is made for tweets and news sentences alike: URLs (pic.twitter.com too), a leading "RT @user:"
and the "— Name (@handle) January 5, 2021" signature that copied tweets end with are dropped (the name is
kept: a claim is often about its author); @handles and hashtags are split into words (@Mike_Pence -> Mike
Pence, #AustralianFires -> Australian Fires: on CheckThat! 2022 this scores BM25 two points of MAP@5 above
dropping handles); then lower case, stop words out, a light plural stemmer, numbers kept with their
separators normalised ("1,000" -> "1000").

`BM25` keeps one sparse matrix of precomputed term weights, so scoring a query is one sparse product over the
query's terms: building over 14,000 short documents takes well under a second. Pure numpy/scipy; no model.
"""
from __future__ import annotations

import re
from typing import Iterable, Sequence

import numpy as np
from scipy import sparse

# A compact English stop list (function words only). Negations are in it too: they carry no topic, and
# `claims.matching.rerank` looks at them separately.
STOP_WORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before being below
between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's me more most
mustn't my myself no nor not now of off on once only or other ought our ours ourselves out over own same
shan't she she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves
then there there's these they they'd they'll they're they've this those through to too under until up upon
us very via was wasn't we we'd we'll we're we've were weren't what what's when when's where where's which
while who who's whom why why's will with won't would wouldn't yet you you'd you'll you're you've your yours
yourself yourselves rt amp
""".split())

_URL = re.compile(r"(?:https?://|www\.|pic\.twitter\.com/)\S+", re.IGNORECASE)
_RT = re.compile(r"^\s*RT\s+@\w+:?\s*", re.IGNORECASE)
# "— Ilhan Omar (@IlhanMN) January 6, 2020" at the end of an embedded tweet
_SIGNATURE = re.compile(
    r"\s*[—–-]+\s*([^—–()\n]{0,80}?)\s*\(@\w+\)\s*(?:[A-Z][a-z]+\.? \d{1,2}, \d{4})?\s*\"?\s*$")
_HANDLE = re.compile(r"(?<!\w)@\w+")
_HASHTAG = re.compile(r"(?<!\w)#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*", re.UNICODE)


def clean_text(text: str) -> str:
    """The text with tweet furniture out: URLs, "RT @user:", the trailing signature (its name kept); @handles
    and hashtags turned into words. News sentences come through unchanged but for URLs."""
    text = _RT.sub("", text or "")
    text = _URL.sub(" ", text)
    text = _SIGNATURE.sub(lambda m: " " + m.group(1), text)
    text = _HANDLE.sub(lambda m: " " + _words(m.group(0)[1:]) + " ", text)
    text = _HASHTAG.sub(lambda m: _words(m.group(1)), text)
    return " ".join(text.split())


def _words(tag: str) -> str:
    return _CAMEL.sub(" ", tag.replace("_", " "))


_NOT_PLURAL = frozenset({"news", "always", "perhaps", "whereas", "series", "species", "thus", "was", "has", "does"})


def stem(word: str) -> str:
    """A light English stemmer: plurals and possessives only (stories -> story, taxes -> tax, cars -> car)."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "'s")) and word not in _NOT_PLURAL:
        return word[:-1]
    return word


def tokens(text: str, *, stop_words: frozenset[str] = STOP_WORDS) -> list[str]:
    """Normalised terms of a text: cleaned, lower case, stop words out, plurals stemmed."""
    out = []
    for tok in _TOKEN.findall(clean_text(text).lower().replace("’", "'")):
        if tok[0].isdigit():
            out.append(tok.replace(",", ""))
            continue
        if tok.endswith("'s"):
            tok = tok[:-2]
        if tok in stop_words or len(tok) < 2:
            continue
        out.append(stem(tok))
    return out


class BM25:
    """Okapi BM25 (k1, b) over a fixed list of documents; `scores(query)` gives one score per document."""

    def __init__(self, docs: Sequence[str], *, k1: float = 1.2, b: float = 0.75, tokenize=tokens):
        self.k1, self.b = float(k1), float(b)
        self.tokenize = tokenize
        self.vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for i, doc in enumerate(docs):
            counts: dict[int, int] = {}
            for t in tokenize(doc):
                j = self.vocab.setdefault(t, len(self.vocab))
                counts[j] = counts.get(j, 0) + 1
            rows.extend([i] * len(counts))
            cols.extend(counts)
            vals.extend(counts.values())
        self.n_docs = len(docs)
        tf = sparse.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)),
                               shape=(self.n_docs, max(len(self.vocab), 1)))
        dl = np.asarray(tf.sum(axis=1)).ravel()
        avgdl = float(dl.mean()) if self.n_docs else 1.0
        df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float64)
        self.idf = np.log1p((self.n_docs - df + 0.5) / (df + 0.5))
        # Each stored weight is idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)).
        norm = self.k1 * (1.0 - self.b + self.b * dl / max(avgdl, 1e-9))
        w = tf.tocoo()
        data = self.idf[w.col] * w.data * (self.k1 + 1.0) / (w.data + norm[w.row])
        # Columns are what a query picks: CSC makes that cheap.
        self.weights = sparse.csc_matrix((data.astype(np.float32), (w.row, w.col)), shape=tf.shape)

    def __len__(self) -> int:
        return self.n_docs

    def idf_of(self, term: str) -> float:
        """The idf of a normalised term; a term no document has counts as the rarest."""
        j = self.vocab.get(term)
        return float(self.idf[j]) if j is not None else self.max_idf

    @property
    def max_idf(self) -> float:
        return float(np.log1p((self.n_docs + 0.5) / 0.5))

    def query_vector(self, query: str) -> sparse.csr_matrix:
        counts: dict[int, int] = {}
        for t in self.tokenize(query):
            j = self.vocab.get(t)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        cols = list(counts)
        return sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), ([0] * len(cols), cols)),
                                 shape=(1, self.weights.shape[1]))

    def scores(self, query: str) -> np.ndarray:
        """BM25 of `query` against every document (float32, 0 where no term is shared)."""
        if not self.n_docs:
            return np.zeros(0, dtype=np.float32)
        q = self.query_vector(query)
        return np.asarray((self.weights @ q.T).todense()).ravel().astype(np.float32)

    def scores_many(self, queries: Iterable[str]) -> np.ndarray:
        """(n queries, n documents) scores; dense, so mind the size for a large archive."""
        qs = [self.query_vector(q) for q in queries]
        if not qs:
            return np.zeros((0, self.n_docs), dtype=np.float32)
        return np.asarray((sparse.vstack(qs) @ self.weights.T).todense(), dtype=np.float32)

    def top(self, query: str, k: int = 10) -> list[tuple[int, float]]:
        """Up to k (document index, score) pairs with a score above 0, best first."""
        s = self.scores(query)
        return top_k(s, k)


def top_k(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """Indexes and values of the k largest positive scores, best first (ties by index)."""
    if k <= 0 or not len(scores):
        return []
    k = min(k, len(scores))
    idx = np.argpartition(-scores, k - 1)[:k]
    idx = idx[np.lexsort((idx, -scores[idx]))]
    return [(int(i), float(scores[i])) for i in idx if scores[i] > 0]
