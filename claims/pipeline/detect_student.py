"""Check-worthiness of news articles from the search pass itself: a small head distilled from the fine-tuned
detector (`claims.pipeline.detect_tuned`, the teacher), reading the token states MiniLM computed anyway.

    S       = MiniLM's last-layer token states of the sentence (the pass that gives the search vector; first
              `max_tokens` tokens, [CLS] included), e = its search vector
    pooled  = 4-head attention pooling of S: head j weighs token t by softmax_t(q_j . K_j(S_t) / sqrt(96))
              and averages V_j(S_t) (K, V: 384 x 384 projections split into 4 heads of 96)
    logit   = b + w_sem . e + v . relu(W [e; pooled] + c) + w_lex . (f - feat_mean) / feat_std

The teacher re-runs five of MiniLM's six layers per sentence; this head costs about 1/36 of one MiniLM pass,
in numpy. It was trained (`python -m claims.research.distil_detect`) on the labelled rows and on the teacher's
scores over 31,596 sentences of unlabelled Wikinews articles, and it is used for articles only: on debate
transcripts it stayed below the teacher by more than the tolerance, so `GenreDetector` hands transcripts to the
teacher. The lexical features enter linearly, so each one's share of the logit is exact and can be shown as a
reason, as in the other detectors.

Weights: plain float32 arrays in `claims/data/detector_student.npz` (no pickle). Nothing is loaded at import.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np

from claims.pipeline import features as _features
from claims.pipeline.detect import (DEFAULT_MODEL_NAME, lexical_arrays, lexical_terms, npz_arrays, read_weights,
                                    scores_from_terms)
from claims.pipeline.types import GENRES, Score

DIM = 384
HEADS = 4
LAYER = 6  # the states it reads: after MiniLM's last layer
RETRAIN = ("retrain with `python -m claims.research.distil_detect --data <ct24_english.tsv> --extra samples/gold "
           "--wikinews <wikinews/articles.jsonl> --out claims/data/detector_student.npz`")
ARRAYS = {"k_w": (DIM, DIM), "k_b": (DIM,), "v_w": (DIM, DIM), "v_b": (DIM,), "q": (HEADS, DIM // HEADS),
          "sem_w": (DIM,)}


def default_path():
    """The shipped weights, `claims/data/detector_student.npz` (a Traversable)."""
    return resources.files("claims").joinpath("data", "detector_student.npz")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class StudentDetector:
    """Scores article sentences from their search vector, their last-layer token states and their text."""

    wants_states = True
    layer_from = LAYER

    def __init__(self, arrays: dict[str, np.ndarray], threshold: float, feat_names=_features.FEATURE_NAMES,
                 model_name: str = DEFAULT_MODEL_NAME, max_tokens: int = 64, sem_offset: float = 0.0,
                 meta: dict | None = None) -> None:
        for key in ("hidden_w", "hidden_b", "hidden_out", "feat_weights", "feat_mean", "feat_std"):
            if key not in arrays:
                raise ValueError(f"student detector weights lack {key}; {RETRAIN}")
        for key, shape in ARRAYS.items():
            if key not in arrays:
                raise ValueError(f"student detector weights lack {key}; {RETRAIN}")
            if tuple(np.shape(arrays[key])) != shape:
                raise ValueError(f"student detector weights: {key} has shape {np.shape(arrays[key])}, expected "
                                 f"{shape}; {RETRAIN}")
        numeric = (*ARRAYS, "sem_b", "hidden_w", "hidden_b", "hidden_out", "feat_weights", "feat_mean", "feat_std", "bias")
        a = {k: np.asarray(arrays[k], dtype=np.float32) for k in numeric if k in arrays}
        self.k_w, self.k_b, self.v_w, self.v_b, self.q = a["k_w"], a["k_b"], a["v_w"], a["v_b"], a["q"]
        self.sem_w, self.sem_b = a["sem_w"].astype(np.float64), float(a.get("sem_b", 0.0))
        self.hidden_w, self.hidden_b, self.hidden_out = a["hidden_w"], a["hidden_b"], a["hidden_out"]
        if self.hidden_w.shape != (self.hidden_b.shape[0], 2 * DIM) or self.hidden_out.shape != self.hidden_b.shape:
            raise ValueError(f"student detector: hidden layer shapes disagree; {RETRAIN}")
        self.feat_names, self.feat_weights, self.feat_mean, self.feat_std = lexical_arrays(
            feat_names, a["feat_weights"], a["feat_mean"], a["feat_std"], RETRAIN)
        self.bias = float(a.get("bias", 0.0))
        if not 0.0 <= float(threshold) <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        self.threshold = float(threshold)
        self.model_name = str(model_name)
        self.max_tokens = int(max_tokens)
        self.sem_offset = float(sem_offset)
        self.meta = dict(meta or {})
        self.dim = DIM

    # ----------------------------------------------------------------------------------- storage
    @classmethod
    def load(cls, path: str | Path | None = None) -> "StudentDetector":
        return read_weights(path, default_path(), cls._from_npz,
                            f"claims/data/detector_student.npz is missing; {RETRAIN}")

    @classmethod
    def _from_npz(cls, fh) -> "StudentDetector":
        a = npz_arrays(fh, ("threshold", "feat_names", "model_name", "max_tokens", "layer_from"),
                       "student detector file", RETRAIN)
        if int(a["layer_from"]) != LAYER:
            raise ValueError(f"student detector file reads layer {int(a['layer_from'])}, this code {LAYER}; {RETRAIN}")
        return cls(a, threshold=float(a["threshold"]), feat_names=[str(n) for n in a["feat_names"]],
                   model_name=str(a["model_name"]), max_tokens=int(a["max_tokens"]),
                   sem_offset=float(a.get("sem_offset", 0.0)),
                   meta=json.loads(str(a["meta"])) if "meta" in a else {})

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            np.savez_compressed(
                fh, k_w=self.k_w, k_b=self.k_b, v_w=self.v_w, v_b=self.v_b, q=self.q,
                sem_w=self.sem_w.astype(np.float32), sem_b=np.float32(self.sem_b), hidden_w=self.hidden_w,
                hidden_b=self.hidden_b, hidden_out=self.hidden_out, bias=np.float32(self.bias),
                feat_weights=self.feat_weights.astype(np.float32), feat_mean=self.feat_mean.astype(np.float32),
                feat_std=self.feat_std.astype(np.float32), feat_names=np.array(self.feat_names, dtype=str),
                threshold=np.float64(self.threshold), model_name=np.array(self.model_name, dtype=str),
                max_tokens=np.int64(self.max_tokens), layer_from=np.int64(LAYER),
                sem_offset=np.float64(self.sem_offset), meta=np.array(json.dumps(self.meta, sort_keys=True), dtype=str))

    # ----------------------------------------------------------------------------------- scoring
    def pooled(self, states: list[np.ndarray]) -> np.ndarray:
        """(n, DIM) attention-pooled token states, one row per sentence.

        Computed without projecting every token: head h's score of token s is q_h . (K_h s + k_h), that is
        (K_h' q_h) . s plus a constant the softmax drops; and since its weights sum to 1, the weighted average of
        V_h s + v_h is V_h (the weighted average of s) + v_h. The same numbers as projecting each token,
        at about a sixtieth of the work."""
        hd = DIM // HEADS
        u = np.einsum("hdk,hd->hk", self.k_w.reshape(HEADS, hd, DIM), self.q) / np.sqrt(hd)  # (HEADS, DIM)
        avg = np.zeros((len(states), HEADS, DIM), dtype=np.float32)
        for i, s in enumerate(states):
            s = np.asarray(s, dtype=np.float32)[:self.max_tokens]
            if not len(s):
                continue
            a = s @ u.T  # (tokens, HEADS)
            a = np.exp(a - a.max(axis=0))
            avg[i] = (a / a.sum(axis=0)).T @ s  # each head's weighted average of the tokens
        out = np.zeros((len(states), DIM), dtype=np.float32)
        for h in range(HEADS):
            out[:, h * hd:(h + 1) * hd] = avg[:, h] @ self.v_w[h * hd:(h + 1) * hd].T + self.v_b[h * hd:(h + 1) * hd]
        empty = [i for i, s in enumerate(states) if not len(s)]
        out[empty] = 0.0
        return out

    def _terms(self, texts: list[str], embeddings, states):
        if isinstance(texts, str):
            raise TypeError("texts must be a list of sentences, not one string")
        texts = list(texts)
        k = len(self.feat_names)
        if not texts:
            return [], np.zeros((0, k)), np.zeros(0), np.zeros((0, k))
        if embeddings is None or states is None:
            from claims.pipeline.embed import get_embedder

            embeddings, states = get_embedder(self.model_name).encode_with_states(texts, layer=LAYER,
                                                                                  max_tokens=self.max_tokens)
        emb = np.asarray(embeddings, dtype=np.float32)
        if emb.shape != (len(texts), DIM) or len(states) != len(texts):
            raise ValueError(f"{len(texts)} texts need ({len(texts)}, {DIM}) embeddings and as many state arrays")
        feats, raw, lex = lexical_terms(texts, self.feat_names, self.feat_mean, self.feat_std, self.feat_weights)
        return feats, raw, self.semantic(emb, states), lex

    def semantic(self, embeddings: np.ndarray, states: list[np.ndarray]) -> np.ndarray:
        """The model's share of the logit beyond the lexical features: w_sem . e + b + v . relu(W [e; pooled] + c)."""
        emb = np.asarray(embeddings, dtype=np.float32)
        x = np.hstack([emb, self.pooled(states)])
        return (emb.astype(np.float64) @ self.sem_w + self.sem_b
                + np.maximum(x @ self.hidden_w.T + self.hidden_b, 0.0).astype(np.float64) @ self.hidden_out)

    def logits(self, texts: list[str], embeddings=None, states=None) -> np.ndarray:
        _, _, sem, lex = self._terms(texts, embeddings, states)
        return self.bias + sem + lex.sum(axis=1)

    def probabilities(self, texts: list[str], embeddings=None, states=None) -> np.ndarray:
        return _sigmoid(self.logits(texts, embeddings, states))

    def threshold_for(self, genre: str | None = None) -> float:
        """Its one threshold (picked for articles), for any known genre: `GenreDetector` gives transcripts
        to the teacher instead."""
        if genre not in (None, *GENRES):
            raise ValueError(f"unknown genre {genre!r}: use one of {', '.join(GENRES)}")
        return self.threshold

    def score(self, texts: list[str], embeddings=None, states=None, genre: str | None = None) -> list[Score]:
        """One `Score` per sentence at the article threshold."""
        self.threshold_for(genre)
        feats, raw, sem, lex = self._terms(texts, embeddings, states)
        probs = _sigmoid(self.bias + sem + lex.sum(axis=1))
        return scores_from_terms(texts, probs, self.threshold, feats, raw, lex, sem - self.sem_offset, self.feat_names)


class GenreDetector:
    """Articles to the distilled `StudentDetector`, transcripts to the fine-tuned teacher. The pipeline asks
    `layer_for(genre)` which states to compute: the last layer's for articles, layer 1's for transcripts.
    `teacher`: the teacher, or a function that loads it (called on the first transcript, so that scoring
    articles never loads its weights)."""

    wants_states = True
    layer_from = LAYER

    def __init__(self, student: StudentDetector, teacher) -> None:
        self.student = student
        loaded = hasattr(teacher, "score")
        self._teacher, self._load_teacher = (teacher, None) if loaded else (None, teacher)
        self.threshold = student.threshold
        self.model_name = student.model_name

    @property
    def teacher(self):
        if self._teacher is None:
            self._teacher = self._load_teacher()
        return self._teacher

    @property
    def threshold_transcript(self) -> float:
        return self.teacher.threshold_for("transcript")

    @property
    def meta(self) -> dict:
        """The student's record (its articles' training data included), and which model scores transcripts."""
        return {**self.student.meta, "transcripts": "the fine-tuned detector, claims/data/detector_tuned.npz"}

    def layer_for(self, genre: str | None = None) -> int:
        """The layer whose states a sentence of this genre is scored from (the pipeline computes them)."""
        from claims.pipeline.detect_tuned import LAYER_FROM

        return LAYER_FROM if genre == "transcript" else LAYER

    def threshold_for(self, genre: str | None = None) -> float:
        if genre in (None, "article"):
            return self.threshold
        if genre == "transcript":
            return self.threshold_transcript
        raise ValueError(f"unknown genre {genre!r}: use one of {', '.join(GENRES)}")

    def score(self, texts: list[str], embeddings=None, states=None, genre: str | None = None) -> list[Score]:
        self.threshold_for(genre)  # refuses an unknown genre
        if genre == "transcript":
            return self.teacher.score(texts, embeddings, states, genre="transcript")
        return self.student.score(texts, embeddings, states)

    def probabilities(self, texts: list[str], embeddings=None, states=None, genre: str | None = None) -> np.ndarray:
        """Scores in [0, 1]; `states` from the layer `layer_for(genre)` (computed here when not given)."""
        if genre == "transcript":
            return self.teacher.probabilities(texts, embeddings, states)
        return self.student.probabilities(texts, embeddings, states)
