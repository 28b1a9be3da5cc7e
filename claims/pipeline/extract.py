"""The pipeline: page text -> blocks -> sentences -> spaCy parse -> attribution -> embeddings -> scores.

Pure over its inputs: no database, no Streamlit. Models are passed in (or loaded lazily by `default()`), so a
test can run the whole thing with a small fake embedder."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

import numpy as np

from claims.pipeline import clean as clean_mod
from claims.pipeline import genre as genre_mod
from claims.pipeline import headlines as headlines_mod
from claims.pipeline import split as split_mod
from claims.pipeline.embed import Embedder
from claims.pipeline.genre import GenreGuess
from claims.pipeline.normalise import normalise_text
from claims.pipeline.types import NOT_A_CLAIM, Attribution, Score, Sentence, SentenceResult


class ScoresSentences(Protocol):
    def score(self, texts: list[str], embeddings: np.ndarray) -> list[Score]: ...


@dataclass
class Extracted:
    """One document through the pipeline: its (possibly HTML-extracted) text, results and vectors."""

    name: str
    text: str
    results: list[SentenceResult]
    #: row i is the embedding of results[i] (zeros for page furniture, which is never embedded)
    vectors: np.ndarray
    title: str = ""
    #: the genre whose detector threshold was used: named by the caller, or detected from the text
    genre: GenreGuess | None = None

    @property
    def claims(self) -> list[SentenceResult]:
        return [r for r in self.results if r.score.is_claim]


def furniture_score(sentence: Sentence, reason: str = "") -> Score:
    return Score(0.0, False, NOT_A_CLAIM, ("page furniture" + (f": {reason}" if reason else ""),))


@dataclass
class Pipeline:
    embedder: Embedder
    detector: ScoresSentences
    #: spaCy parse + attribution; off gives sentences and scores without attribution
    attribution: bool = True
    batch_size: int = 32

    def sentences(self, text: str, *, lines: bool = False) -> tuple[list[Sentence], dict[int, str]]:
        """Sentences with offsets into `text`, and why each furniture sentence is furniture (by index)."""
        if lines:
            return split_mod.split_lines(text), {}
        blocks = clean_mod.clean(text)
        sents = split_mod.split_sentences(text, blocks)
        furniture = [b for b in blocks if b.kind == "furniture"]
        reasons = {}
        for s in sents:
            if s.kind == "furniture":
                reasons[s.index] = next((b.reason for b in furniture if b.start <= s.start and s.end <= b.end), "")
        return sents, reasons

    def _score(self, texts: list[str], vectors, states, genres: list[str]) -> list[Score]:
        """The detector's scores, each sentence with its document's genre threshold (only a detector with a
        threshold per genre takes one: the frozen detector has a single threshold and wants no states)."""
        if not texts:
            return []
        if not hasattr(self.detector, "threshold_for"):
            return self.detector.score(texts, vectors)
        out: list[Score] = [None] * len(texts)  # type: ignore[list-item]
        for g in sorted(set(genres)):
            idx = [i for i, x in enumerate(genres) if x == g]
            extra = {} if states is None else {"states": [states[i] for i in idx]}
            for i, sc in zip(idx, self.detector.score([texts[i] for i in idx], vectors[idx], genre=g, **extra)):
                out[i] = sc
        return out

    def run(
        self,
        docs: Sequence[tuple[str, str]],
        *,
        lines: bool = False,
        genre: str | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> list[Extracted]:
        """Run every stage over (name, text) pairs, batching the models across documents.

        Each text is normalised first (`normalise_text`; the readers have done it already, this is for callers
        that pass raw text): each `Extracted.text` is the normalised text, and sentence offsets point into it.

        `genre`: "article" or "transcript" (a debate or speech) for every document; None (the default) detects
        each document's genre from its words (`claims.pipeline.genre`). A detector with a threshold per genre
        scores each document with its genre's; a detector without one ignores it."""
        docs = [(name, normalise_text(text)) for name, text in docs]
        split = [self.sentences(text, lines=lines) for _, text in docs]
        per_doc = [sents for sents, _ in split]
        flat = [(d, s) for d, sents in enumerate(per_doc) for s in sents if s.kind != "furniture"]
        texts = [s.text for _, s in flat]
        genres = [genre_mod.given(genre) if genre else genre_mod.detect(  # given() refuses an unknown genre
            text, [s.text for s in sents if s.kind != "furniture"]) for (_, text), sents in zip(docs, per_doc)]
        if self.attribution and texts:
            from claims.pipeline import nlp as nlp_mod

            nlp_mod.start_helper(len(texts))  # a large batch: the parse helper loads spaCy while we embed
        states = None
        if texts and getattr(self.detector, "wants_states", False) and hasattr(self.embedder, "encode_with_states"):
            # one forward pass: the search vectors and the hidden states the detector reads (a detector that
            # wants states names their layer: `layer_from`, or per genre: `layer_for(genre)`)
            layer_for = getattr(self.detector, "layer_for", lambda g: self.detector.layer_from)
            by_layer: dict[int, list[int]] = {}
            for i, (d, _) in enumerate(flat):
                by_layer.setdefault(layer_for(genres[d].genre), []).append(i)
            vectors = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
            states = [None] * len(texts)
            for layer, idx in by_layer.items():
                v, st = self.embedder.encode_with_states([texts[i] for i in idx], batch_size=self.batch_size,
                                                         layer=layer)
                vectors[idx] = v
                for i, s in zip(idx, st):
                    states[i] = s
        else:
            vectors = self.embedder.encode(texts, batch_size=self.batch_size) if texts else np.zeros(
                (0, self.embedder.dim), dtype=np.float32)
        scores = self._score(texts, vectors, states, [genres[d].genre for d, _ in flat])
        attributions: dict[tuple[int, int], tuple[Attribution, ...]] = {}
        if self.attribution and texts:
            from claims.pipeline import attribute as attribute_mod
            from claims.pipeline import cues

            parsed = cues.parse_where_needed(texts)  # None where no cue, quote or name
            groups: dict[int, list[int]] = {}
            for i, (d, _) in enumerate(flat):
                groups.setdefault(d, []).append(i)
            for d, idx in groups.items():
                # one call per document: pronouns resolve against earlier sentences of the same article
                found = attribute_mod.attribute([flat[i][1] for i in idx], [parsed[i] for i in idx])
                for i, attrs in zip(idx, found):
                    attributions[(d, flat[i][1].index)] = tuple(attrs)
        by_key = {(d, s.index): (i, scores[i]) for i, (d, s) in enumerate(flat)}
        out = []
        for d, ((name, text), sents) in enumerate(zip(docs, per_doc)):
            results, rows = [], []
            for s in sents:
                hit = by_key.get((d, s.index))
                if hit is None:
                    score = furniture_score(s, split[d][1].get(s.index, ""))
                    rows.append(np.zeros(self.embedder.dim, dtype=np.float32))
                else:
                    i, score = hit
                    rows.append(vectors[i])
                results.append(SentenceResult(doc=name, sentence=s, score=score,
                                              attributions=attributions.get((d, s.index), ())))
            mat = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, self.embedder.dim), np.float32)
            results = headlines_mod.link(results, mat)
            title = next((r.sentence.text for r in results if r.sentence.kind == "headline"), "")
            out.append(Extracted(name=name, text=text, results=results, vectors=mat, title=title, genre=genres[d]))
            if progress:
                progress(1)
        return out
