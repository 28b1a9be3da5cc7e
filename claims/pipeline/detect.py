"""Check-worthiness detector: a small "wide and deep" model over the MiniLM embedding and lexical features.

    logit = bias + w_emb . e + v . relu(W e + c) + w_lex . (f - feat_mean) / feat_std
    score = sigmoid(logit);  is_claim = score >= threshold

The hidden layer (W, c, v: "hidden_w", "hidden_b", "hidden_out" in the file) is optional; without it
this is the logistic regression the first detector was. The lexical features enter linearly, so
each one's share of the logit is exact and can be shown as a reason.

`e` is the L2-normalised all-MiniLM-L6-v2 sentence embedding (384 numbers; the detector normalises
again, so unnormalised embeddings of the same model also work) and `f` the features of
`claims.pipeline.features` (the first `len(feat_names)` of them: weights trained before features were
appended still load). The weights are plain numpy arrays in `claims/data/detector.npz` (no pickle),
written by `python -m claims.research.train_detect`. Nothing is loaded at import time, and the detector never
loads the embedding model itself: callers pass the embeddings in.

Reasons: the 2-3 lexical features present in the sentence whose terms w_lex * z add most to the
logit, in human words (`claims.pipeline.features.REASON_WORDS`), plus "semantic" when the embedding term,
measured from the average training sentence (w_emb . e + v . relu(W e + c) - emb_offset), adds more
than those features together (or when nothing else can be named for a sentence above the threshold).
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np

from claims.pipeline import features as _features
from claims.pipeline.claim_types import classify
from claims.pipeline.types import NOT_A_CLAIM, Score

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_DIM = 384
MAX_REASONS = 3
SEMANTIC = "semantic"


def read_weights(path, default, reader, missing: str):
    """reader(binary file) on `path`, or on the packaged `default` (a Traversable) when path is None; a missing
    packaged file raises FileNotFoundError(missing), which says how to train it."""
    if path is None:
        if not default.is_file():
            raise FileNotFoundError(missing)
        with default.open("rb") as fh:
            return reader(fh)
    with open(path, "rb") as fh:
        return reader(fh)


def npz_arrays(fh, needed: tuple[str, ...], what: str, retrain: str) -> dict[str, np.ndarray]:
    """Every array of an .npz file (no pickle); a file without one of `needed` raises ValueError saying so and
    how to retrain."""
    with np.load(fh, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    missing = [k for k in needed if k not in arrays]
    if missing:
        raise ValueError(f"{what} lacks {missing}; {retrain}")
    return arrays


def scores_from_terms(texts, probs, threshold: float, feats, raw, lex_terms, semantic, feat_names) -> list[Score]:
    """One `Score` per sentence from a detector's terms: its probability, the claim type when it reaches the
    threshold, and the reasons (`semantic`: the model's share of the logit beyond the lexical features, measured
    from the average training sentence)."""
    out = []
    for i, text in enumerate(texts):
        p = float(probs[i])
        is_claim = p >= threshold
        out.append(Score(score=p, is_claim=is_claim, claim_type=classify(text, feats[i]) if is_claim else NOT_A_CLAIM,
                         reasons=reasons_from_terms(feat_names, raw[i], lex_terms[i], float(semantic[i]), is_claim)))
    return out


def lexical_arrays(feat_names, feat_weights, feat_mean, feat_std, retrain: str):
    """A detector's lexical part, checked: (names, weights, means, stds) as a tuple and float64 arrays, a zero std
    read as 1. Raises ValueError (saying how to retrain) when the arrays disagree with the names or the names
    with `claims.pipeline.features`."""
    names = tuple(str(n) for n in feat_names)
    weights = np.asarray(feat_weights, dtype=np.float64).reshape(-1)
    mean = np.asarray(feat_mean, dtype=np.float64).reshape(-1)
    std = np.asarray(feat_std, dtype=np.float64).reshape(-1)
    std = np.where(std > 1e-12, std, 1.0)
    k = len(names)
    if not (weights.shape == mean.shape == std.shape == (k,)):
        raise ValueError(f"feature arrays disagree: {k} names, {weights.shape[0]} weights, "
                         f"{mean.shape[0]} means, {std.shape[0]} stds; {retrain}")
    if names != tuple(_features.FEATURE_NAMES[:k]):
        raise ValueError("these detector weights were trained on other lexical features than claims.pipeline.features "
                         f"defines now; {retrain}")
    return names, weights, mean, std


def lexical_terms(texts, feat_names, feat_mean, feat_std, feat_weights):
    """(features per text, raw (n, k) values, each feature's share of the logit (n, k)) for a detector whose
    lexical features enter linearly."""
    k = len(feat_names)
    feats = [_features.extract(t) for t in texts]
    raw = np.asarray([list(f.values())[:k] for f in feats], dtype=np.float64).reshape(len(feats), k)
    return feats, raw, (raw - feat_mean) / feat_std * feat_weights


def default_path():
    """The shipped weights, `claims/data/detector.npz` (a Traversable; use it with np.load/open)."""
    return resources.files("claims").joinpath("data", "detector.npz")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + exp(-x)), without overflow warnings


class Detector:
    """Scores sentences for check-worthiness from their embeddings and their text."""

    def __init__(
        self,
        emb_weights: np.ndarray,
        feat_weights: np.ndarray,
        bias: float,
        feat_mean: np.ndarray,
        feat_std: np.ndarray,
        threshold: float,
        feat_names: tuple[str, ...] | list[str] = _features.FEATURE_NAMES,
        model_name: str = DEFAULT_MODEL_NAME,
        emb_offset: float = 0.0,
        meta: dict | None = None,
        hidden_w: np.ndarray | None = None,
        hidden_b: np.ndarray | None = None,
        hidden_out: np.ndarray | None = None,
    ) -> None:
        self.emb_weights = np.asarray(emb_weights, dtype=np.float64).reshape(-1)
        self.feat_weights = np.asarray(feat_weights, dtype=np.float64).reshape(-1)
        self.bias = float(bias)
        self.feat_mean = np.asarray(feat_mean, dtype=np.float64).reshape(-1)
        std = np.asarray(feat_std, dtype=np.float64).reshape(-1)
        self.feat_std = np.where(std > 1e-12, std, 1.0)
        self.feat_names = tuple(str(n) for n in feat_names)
        self.threshold = float(threshold)
        self.model_name = str(model_name)
        self.emb_offset = float(emb_offset)
        self.meta = dict(meta or {})
        self.dim = int(self.emb_weights.shape[0])
        if (hidden_w is None) != (hidden_b is None) or (hidden_w is None) != (hidden_out is None):
            raise ValueError("hidden_w, hidden_b and hidden_out come together")
        if hidden_w is None:
            self.hidden_w = np.zeros((0, self.dim))
            self.hidden_b = np.zeros(0)
            self.hidden_out = np.zeros(0)
        else:
            self.hidden_w = np.asarray(hidden_w, dtype=np.float64)
            self.hidden_b = np.asarray(hidden_b, dtype=np.float64).reshape(-1)
            self.hidden_out = np.asarray(hidden_out, dtype=np.float64).reshape(-1)
            h = self.hidden_b.shape[0]
            if self.hidden_w.shape != (h, self.dim) or self.hidden_out.shape != (h,):
                raise ValueError(
                    f"hidden layer shapes disagree: W {self.hidden_w.shape}, c {self.hidden_b.shape}, "
                    f"v {self.hidden_out.shape} for dimension {self.dim}"
                )

        k = len(self.feat_names)
        if not (self.feat_weights.shape == self.feat_mean.shape == self.feat_std.shape == (k,)):
            raise ValueError(
                f"feature arrays disagree: {k} names, {self.feat_weights.shape[0]} weights, "
                f"{self.feat_mean.shape[0]} means, {self.feat_std.shape[0]} stds"
            )
        if self.feat_names != tuple(_features.FEATURE_NAMES[:k]):
            raise ValueError(
                "these detector weights were trained on other lexical features than claims.pipeline.features "
                f"defines now ({list(self.feat_names)} vs {list(_features.FEATURE_NAMES)}); "
                "retrain with `python -m claims.research.train_detect`"
            )
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")

    # ----------------------------------------------------------------------------------- storage
    @classmethod
    def load(cls, path: str | Path | None = None) -> "Detector":
        """Load weights from an .npz file; by default the shipped `claims/data/detector.npz`."""
        return read_weights(path, default_path(), cls._from_npz,
                            "claims/data/detector.npz is missing; train it with `python -m claims.research.train_detect "
                            "--data <ct24_english.tsv> --extra samples/gold --recipe frozen "
                            "--out claims/data/detector.npz`")

    @classmethod
    def _from_npz(cls, fh) -> "Detector":
        with np.load(fh, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        needed = ("weights", "bias", "feat_mean", "feat_std", "feat_names", "threshold", "model_name", "dim")
        missing = [k for k in needed if k not in arrays]
        if missing:
            raise ValueError(f"detector file lacks {missing}")
        dim = int(arrays["dim"])
        weights = arrays["weights"].reshape(-1)
        if weights.shape[0] != dim + len(arrays["feat_names"]):
            raise ValueError(
                f"detector file: {weights.shape[0]} weights for dim {dim} + {len(arrays['feat_names'])} features"
            )
        meta = json.loads(str(arrays["meta"])) if "meta" in arrays else {}
        return cls(
            emb_weights=weights[:dim],
            feat_weights=weights[dim:],
            bias=float(arrays["bias"]),
            feat_mean=arrays["feat_mean"],
            feat_std=arrays["feat_std"],
            threshold=float(arrays["threshold"]),
            feat_names=[str(n) for n in arrays["feat_names"]],
            model_name=str(arrays["model_name"]),
            emb_offset=float(arrays["emb_offset"]) if "emb_offset" in arrays else 0.0,
            meta=meta,
            hidden_w=arrays.get("hidden_w"),
            hidden_b=arrays.get("hidden_b"),
            hidden_out=arrays.get("hidden_out"),
        )

    def save(self, path: str | Path) -> None:
        """Write the weights as plain arrays (np.savez_compressed; loadable with allow_pickle=False)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        hidden = {}
        if self.hidden_b.shape[0]:
            hidden = {
                "hidden_w": self.hidden_w.astype(np.float32),
                "hidden_b": self.hidden_b.astype(np.float32),
                "hidden_out": self.hidden_out.astype(np.float32),
            }
        with open(path, "wb") as fh:
            np.savez_compressed(
                fh,
                **hidden,
                weights=np.concatenate([self.emb_weights, self.feat_weights]).astype(np.float32),
                bias=np.float64(self.bias),
                feat_mean=self.feat_mean.astype(np.float32),
                feat_std=self.feat_std.astype(np.float32),
                feat_names=np.array(self.feat_names, dtype=str),
                threshold=np.float64(self.threshold),
                model_name=np.array(self.model_name, dtype=str),
                dim=np.int64(self.dim),
                emb_offset=np.float64(self.emb_offset),
                meta=np.array(json.dumps(self.meta, sort_keys=True), dtype=str),
            )

    # ----------------------------------------------------------------------------------- scoring
    def _check(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("texts must be a list of sentences, not one string")
        emb = np.asarray(embeddings, dtype=np.float64)
        if emb.ndim == 1 and len(texts) == 1:
            emb = emb[None, :]
        if emb.ndim != 2:
            raise ValueError(f"embeddings must be a 2-d array (n, {self.dim}); got shape {emb.shape}")
        if emb.shape[1] != self.dim:
            raise ValueError(
                f"embeddings have dimension {emb.shape[1]}, but this detector expects {self.dim} "
                f"({self.model_name}); embed the sentences with that model"
            )
        if emb.shape[0] != len(texts):
            raise ValueError(f"{len(texts)} texts but {emb.shape[0]} embeddings")
        if not np.all(np.isfinite(emb)):
            raise ValueError("embeddings contain NaN or infinite values")
        norms = np.linalg.norm(emb, axis=1, keepdims=True)
        return emb / np.where(norms > 0, norms, 1.0)

    @property
    def hidden_units(self) -> int:
        return int(self.hidden_b.shape[0])

    def embedding_term(self, embeddings: np.ndarray) -> np.ndarray:
        """The embedding's share of the logit, w_emb . e + v . relu(W e + c), for normalised rows."""
        term = embeddings @ self.emb_weights
        if self.hidden_units:
            term = term + np.maximum(embeddings @ self.hidden_w.T + self.hidden_b, 0.0) @ self.hidden_out
        return term

    def _terms(self, texts: list[str], embeddings: np.ndarray):
        emb = self._check(texts, embeddings)
        feats = [_features.extract(t) for t in texts]
        k = len(self.feat_names)
        raw = (
            np.asarray([list(f.values())[:k] for f in feats], dtype=np.float64)
            if feats
            else np.zeros((0, k))
        )
        z = (raw - self.feat_mean) / self.feat_std
        emb_term = self.embedding_term(emb)
        lex_terms = z * self.feat_weights
        return feats, raw, emb_term, lex_terms

    def logits(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        """Raw log-odds, one per sentence."""
        _, _, emb_term, lex_terms = self._terms(texts, embeddings)
        return self.bias + emb_term + lex_terms.sum(axis=1)

    def probabilities(self, texts: list[str], embeddings: np.ndarray) -> np.ndarray:
        """Scores in [0, 1], one per sentence, as a numpy array."""
        return _sigmoid(self.logits(texts, embeddings))

    def score(self, texts: list[str], embeddings: np.ndarray) -> list[Score]:
        """One `Score` per sentence; `embeddings` is (len(texts), dim) from the detector's model."""
        feats, raw, emb_term, lex_terms = self._terms(texts, embeddings)
        probs = _sigmoid(self.bias + emb_term + lex_terms.sum(axis=1))
        out = []
        for i, text in enumerate(texts):
            p = float(probs[i])
            is_claim = p >= self.threshold
            claim_type = classify(text, feats[i]) if is_claim else NOT_A_CLAIM
            reasons = self._reasons(raw[i], lex_terms[i], float(emb_term[i]) - self.emb_offset, is_claim)
            out.append(Score(score=p, is_claim=is_claim, claim_type=claim_type, reasons=reasons))
        return out

    def _reasons(
        self, raw: np.ndarray, lex_terms: np.ndarray, emb_contrib: float, is_claim: bool
    ) -> tuple[str, ...]:
        return reasons_from_terms(self.feat_names, raw, lex_terms, emb_contrib, is_claim)


def reasons_from_terms(
    feat_names, raw: np.ndarray, lex_terms: np.ndarray, emb_contrib: float, is_claim: bool
) -> tuple[str, ...]:
    """The 2-3 present lexical features that add most to the logit, in words, and "semantic" when the
    embedding's share (`emb_contrib`, measured from the average training sentence) outweighs them."""
    ranked = []
    for j in np.argsort(-lex_terms, kind="stable"):
        word = _features.REASON_WORDS.get(feat_names[j])
        if lex_terms[j] <= 0 or raw[j] <= 0 or word is None:
            continue
        ranked.append((word, float(lex_terms[j])))
    chosen = []
    for word, _ in ranked:
        if word not in chosen:
            chosen.append(word)
        if len(chosen) == MAX_REASONS:
            break
    positive = sum(c for _, c in ranked)
    if emb_contrib > 0 and emb_contrib >= positive:
        chosen.append(SEMANTIC)
    if not chosen and (emb_contrib > 0 or is_claim):
        chosen.append(SEMANTIC)  # a claim always gets a reason: then it is the overall wording
    return tuple(chosen)
