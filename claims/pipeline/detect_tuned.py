"""Check-worthiness detector, fine-tuned: a trained copy of MiniLM's top five layers over its shared lower layer.

    h1      = layer-1 hidden states of the unmodified all-MiniLM-L6-v2 (the pass that also gives the
              search embedding; `MiniLMEmbedder.encode_with_states`), first `max_tokens` tokens
    pooled  = mean over tokens of top5(h1)       (five BERT layers, initialised from layers 2 to 6)
    logit   = bias + w_sem . pooled + w_lex . (f - feat_mean) / feat_std
    score   = sigmoid(logit);  is_claim = score >= threshold_for(genre)

Two thresholds, both picked from out-of-fold scores when training (never from dev-test): `threshold` for
news articles (the default genre) and `threshold_transcript` for debate and speech transcripts, whose
sentences are shorter and less often check-worthy than an article's, so the same score means something else.

The search embedding stays the plain model's: only this detector's own copy of the top layers was
trained. The lexical features (`claims.pipeline.features`) enter linearly, so each one's share of the logit
is exact and can be shown as a reason; "semantic" is the pooled term measured from the average
training sentence (w_sem . pooled - sem_offset), as in `claims.pipeline.detect`.

Weights: plain arrays in `claims/data/detector_tuned.npz` (no pickle), written by `python -m claims.research.train_detect`:
the layers' weight matrices in int8 with one float32 scale per output row (`int8_rows`), everything else in
float16 or float32. Training measures the model after this rounding, so the figures are the shipped file's. Nothing is loaded at import time; torch is imported on first use.
Given no layer-1 states (an embedder other than MiniLM, say), the detector computes them itself with
the process's shared MiniLM (`claims.pipeline.embed.get_embedder`).
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np

from claims.pipeline import features as _features
from core import settings
from core.settings import BF16_ENV
from claims.pipeline.detect import (DEFAULT_MODEL_NAME, lexical_arrays, lexical_terms, npz_arrays, read_weights,
                                    scores_from_terms)
from claims.pipeline.minilm import DIM, FF, HEADS, LAYER_PARAMS, LN_EPS, bert_layer  # noqa: F401 (used by training)
from claims.pipeline.minilm import cpu_has_bf16  # noqa: F401 (its home was here)
from claims.pipeline.types import GENRES, Score

LAYER_FROM = 1  # the detector starts from the output of layer 1 (of 6)
MAX_TOKENS = 64
N_LAYERS = 5
RETRAIN = ("retrain with `python -m claims.research.train_detect --data <ct24_english.tsv> --extra samples/gold "
           "--out claims/data/detector_tuned.npz`")


def default_path():
    """The shipped weights, `claims/data/detector_tuned.npz` (a Traversable)."""
    return resources.files("claims").joinpath("data", "detector_tuned.npz")


def int8_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A weight matrix as int8 values and one float32 scale per row: w ~= q * scale[:, None]."""
    w = np.asarray(w, dtype=np.float32)
    scale = np.abs(w).max(axis=1) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    return np.clip(np.rint(w / scale[:, None]), -127, 127).astype(np.int8), scale


def from_int8(q: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The float32 matrix that `int8_rows` stored."""
    return q.astype(np.float32) * scale[:, None]


def as_shipped(layers: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The layers as the saved file gives them back (float32): matrices through int8, vectors through float16."""
    out = {}
    for k, v in layers.items():
        if np.ndim(v) == 2:
            out[k] = from_int8(*int8_rows(v))
        else:
            out[k] = np.asarray(v, dtype=np.float16).astype(np.float32)
    return out




def bf16_default() -> bool:
    """Whether the detector's layers run under bfloat16 autocast, unless told: `CLAIMS_DETECTOR_BF16` = 1 or 0
    decides; unset or "auto", on where the CPU computes bfloat16 natively (`cpu_has_bf16`).

    On such a CPU it takes the detector's time from 1.6 to 2 times less. Measured on the shipped model over 24,665
    sentences (CT24 and the gold rows), scores moved by 0.010 at most (0.052 in logits), and 16 decisions changed,
    none on CT24 dev, dev-test or the articles (docs/experiments/detector_bf16_drift_2026-11-27.json). The search
    embedding always stays float32."""
    value = settings.detector_bf16()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    if value not in ("", "auto"):
        raise ValueError(f"{BF16_ENV}={value!r}: use 1 (bfloat16), 0 (float32) or auto")
    return cpu_has_bf16()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def build_top(n_layers: int = N_LAYERS, dropout: float = 0.1, device: str | None = None):
    """The trainable part as a torch module: `n_layers` BERT layers (`claims.pipeline.minilm.bert_layer`, the
    search model's own layer) + mean pooling (imports torch). `device="meta"`: nothing initialised, for
    `load_state_dict(..., assign=True)`."""
    import torch

    class Top(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList(bert_layer(dropout, device) for _ in range(n_layers))

        def forward(self, h, mask):
            """Mean-pooled output of the layers for the `LAYER_FROM` states `h` (b, t, DIM) and a 0/1 `mask` (b, t)."""
            m = mask.to(h.dtype)
            bias = ((1.0 - m) * torch.finfo(h.dtype).min)[:, None, None, :]
            for layer in self.layers:
                h = layer(h, bias)
            m = m.unsqueeze(-1)
            return (h * m).sum(1) / m.sum(1).clamp(min=1e-9)

    return Top()


def top_state_dict(arrays: dict[str, np.ndarray]) -> dict:
    """torch state dict of `build_top()` from our arrays ("layer0.q_w", ...)."""
    import torch

    names = {"q": "q", "k": "k", "v": "v", "ao": "ao", "aln": "aln", "i": "i", "o": "o", "ln": "ln"}
    out = {}
    for li in range(N_LAYERS):
        for short, _, _ in LAYER_PARAMS:
            mod, kind = short.rsplit("_", 1)
            out[f"layers.{li}.{names[mod]}.{'weight' if kind == 'w' else 'bias'}"] = torch.from_numpy(
                np.array(arrays[f"layer{li}.{short}"], dtype=np.float32))  # a copy of its own
    return out


def arrays_from_top(top) -> dict[str, np.ndarray]:
    """Our arrays from a trained `build_top()` module (float32)."""
    sd = {k: v.detach().float().cpu().numpy() for k, v in top.state_dict().items()}
    out = {}
    for li in range(N_LAYERS):
        for short, _, _ in LAYER_PARAMS:
            mod, kind = short.rsplit("_", 1)
            out[f"layer{li}.{short}"] = sd[f"layers.{li}.{mod}.{'weight' if kind == 'w' else 'bias'}"]
    return out


def pretrained_layers(weights) -> dict[str, np.ndarray]:
    """Layers 2 to 6 of MiniLM as our arrays: the starting point. `weights`: the BERT weights by their Hugging
    Face names (`MiniLMEmbedder.weights`), or a module with such a `state_dict()`."""
    sd = weights.state_dict() if hasattr(weights, "state_dict") else weights
    out = {}
    for li in range(N_LAYERS):
        src = LAYER_FROM + li
        for short, hf, _ in LAYER_PARAMS:
            out[f"layer{li}.{short}"] = sd[f"encoder.layer.{src}.{hf}"].detach().float().cpu().numpy()
    return out


def pad_states(states: list[np.ndarray], dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """(n, t, DIM) padded states and an (n, t) 0/1 mask from per-sentence (len_i, DIM) arrays."""
    t = max((len(s) for s in states), default=1) or 1
    h = np.zeros((len(states), t, DIM), dtype=dtype)
    mask = np.zeros((len(states), t), dtype=np.float32)
    for i, s in enumerate(states):
        h[i, :len(s)] = s
        mask[i, :len(s)] = 1.0
    return h, mask


class TunedDetector:
    """Scores sentences for check-worthiness from MiniLM's layer-`LAYER_FROM` states and their text."""

    wants_states = True  # the pipeline passes `states=` from `encode_with_states`
    layer_from = LAYER_FROM

    def __init__(self, layers: dict[str, np.ndarray], head_w, head_b: float, feat_weights, feat_mean, feat_std,
                 threshold: float, feat_names=_features.FEATURE_NAMES, model_name: str = DEFAULT_MODEL_NAME,
                 sem_offset: float = 0.0, max_tokens: int = MAX_TOKENS, meta: dict | None = None,
                 bf16: bool | None = None, threshold_transcript: float | None = None) -> None:
        for li in range(N_LAYERS):
            for short, _, shape in LAYER_PARAMS:
                key = f"layer{li}.{short}"
                if key not in layers:
                    raise ValueError(f"detector weights lack {key}; {RETRAIN}")
                got = tuple(np.shape(layers[key]))
                if got != shape:
                    raise ValueError(f"detector weights: {key} has shape {got}, expected {shape} "
                                     f"({N_LAYERS} MiniLM layers of width {DIM}); {RETRAIN}")
        self.layers = {k: np.asarray(v) for k, v in layers.items()}
        self.head_w = np.asarray(head_w, dtype=np.float64).reshape(-1)
        if self.head_w.shape != (DIM,):
            raise ValueError(f"detector weights: head has {self.head_w.shape[0]} weights, expected {DIM}; {RETRAIN}")
        self.head_b = float(head_b)
        self.feat_names, self.feat_weights, self.feat_mean, self.feat_std = lexical_arrays(
            feat_names, feat_weights, feat_mean, feat_std, RETRAIN)
        self.threshold = float(threshold)
        self.threshold_transcript = self.threshold if threshold_transcript is None else float(threshold_transcript)
        for t in (self.threshold, self.threshold_transcript):
            if not 0.0 <= t <= 1.0:
                raise ValueError(f"threshold must be in [0, 1], got {t}")
        self.model_name = str(model_name)
        self.sem_offset = float(sem_offset)
        self.max_tokens = int(max_tokens)
        self.meta = dict(meta or {})
        self.dim = DIM
        #: bfloat16 autocast for the top layers: None = `bf16_default()` (on where the CPU computes bf16 natively)
        self.bf16 = bf16_default() if bf16 is None else bool(bf16)
        self._top = None

    # ----------------------------------------------------------------------------------- storage
    @classmethod
    def load(cls, path: str | Path | None = None) -> "TunedDetector":
        """Load weights from an .npz file; by default the shipped `claims/data/detector_tuned.npz`."""
        return read_weights(path, default_path(), cls._from_npz,
                            f"claims/data/detector_tuned.npz is missing; {RETRAIN}")

    @classmethod
    def _from_npz(cls, fh) -> "TunedDetector":
        a = npz_arrays(fh, ("head_w", "head_b", "feat_weights", "feat_mean", "feat_std", "feat_names", "threshold",
                            "model_name", "layer_from", "max_tokens"), "detector file", RETRAIN)
        if int(a["layer_from"]) != LAYER_FROM:
            raise ValueError(f"detector file starts from layer {int(a['layer_from'])}, this code from {LAYER_FROM}; "
                             f"{RETRAIN}")
        layers = {}
        for k, v in a.items():
            if not (k.startswith("layer") and "." in k) or k.endswith(".scale"):
                continue
            scale = a.get(k + ".scale")
            layers[k] = from_int8(v, scale) if scale is not None else v.astype(np.float32)
        return cls(
            layers=layers,
            head_w=a["head_w"], head_b=float(a["head_b"]), feat_weights=a["feat_weights"],
            feat_mean=a["feat_mean"], feat_std=a["feat_std"], threshold=float(a["threshold"]),
            feat_names=[str(n) for n in a["feat_names"]], model_name=str(a["model_name"]),
            sem_offset=float(a.get("sem_offset", 0.0)), max_tokens=int(a["max_tokens"]),
            meta=json.loads(str(a["meta"])) if "meta" in a else {},
            threshold_transcript=float(a["threshold_transcript"]) if "threshold_transcript" in a else None,
        )

    def save(self, path: str | Path) -> None:
        """Write the weights as plain arrays: the layers' matrices in int8 with per-row scales, their vectors in
        float16, the rest in float32/float64."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        layers = {}
        for k, v in self.layers.items():
            if np.ndim(v) == 2:
                layers[k], layers[k + ".scale"] = int8_rows(v)
            else:
                layers[k] = np.asarray(v, dtype=np.float16)
        with open(path, "wb") as fh:
            np.savez_compressed(
                fh,
                **layers, threshold_transcript=np.float64(self.threshold_transcript),
                head_w=self.head_w.astype(np.float32), head_b=np.float64(self.head_b),
                feat_weights=self.feat_weights.astype(np.float32), feat_mean=self.feat_mean.astype(np.float32),
                feat_std=self.feat_std.astype(np.float32), feat_names=np.array(self.feat_names, dtype=str),
                threshold=np.float64(self.threshold), model_name=np.array(self.model_name, dtype=str),
                layer_from=np.int64(LAYER_FROM), max_tokens=np.int64(self.max_tokens),
                sem_offset=np.float64(self.sem_offset), meta=np.array(json.dumps(self.meta, sort_keys=True), dtype=str),
            )

    # ----------------------------------------------------------------------------------- scoring
    def top(self):
        """The torch module of the top layers (built on first use, eval mode)."""
        if self._top is None:
            top = build_top(device="meta")
            top.load_state_dict(top_state_dict(self.layers), assign=True)
            top.eval()
            self._top = top
        return self._top

    def pooled(self, states: list[np.ndarray], batch_size: int = 64) -> np.ndarray:
        """(n, DIM) mean-pooled top-layer outputs for per-sentence layer-`LAYER_FROM` states (len_i, DIM)."""
        import torch

        out = np.zeros((len(states), DIM), dtype=np.float64)
        order = sorted(range(len(states)), key=lambda i: len(states[i]))  # little padding per batch
        top = self.top()
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            for i in range(0, len(order), batch_size):
                idx = order[i:i + batch_size]
                h, mask = pad_states([np.asarray(states[j])[:self.max_tokens] for j in idx])
                out[idx] = top(torch.from_numpy(h), torch.from_numpy(mask)).float().numpy()
        return out

    def _states_for(self, texts: list[str], states):
        if states is None:
            from claims.pipeline.embed import get_embedder

            _, states = get_embedder(self.model_name).encode_with_states(texts, layer=LAYER_FROM,
                                                                         max_tokens=self.max_tokens)
        if len(states) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(states)} layer-{LAYER_FROM} states")
        for s in states:
            if np.ndim(s) != 2 or np.shape(s)[1] != DIM:
                raise ValueError(f"layer-{LAYER_FROM} states must be (tokens, {DIM}) per sentence; got {np.shape(s)}")
        return states

    def _terms(self, texts: list[str], embeddings, states):
        if isinstance(texts, str):
            raise TypeError("texts must be a list of sentences, not one string")
        texts = list(texts)
        if embeddings is not None and len(embeddings) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
        k = len(self.feat_names)
        if not texts:
            return [], np.zeros((0, k)), np.zeros(0), np.zeros((0, k))
        states = self._states_for(texts, states)
        feats, raw, lex_terms = lexical_terms(texts, self.feat_names, self.feat_mean, self.feat_std, self.feat_weights)
        sem = self.pooled(states) @ self.head_w
        return feats, raw, sem, lex_terms

    def logits(self, texts: list[str], embeddings=None, states=None) -> np.ndarray:
        """Raw log-odds, one per sentence."""
        _, _, sem, lex = self._terms(texts, embeddings, states)
        return self.head_b + sem + lex.sum(axis=1)

    def probabilities(self, texts: list[str], embeddings=None, states=None) -> np.ndarray:
        """Scores in [0, 1], one per sentence."""
        return _sigmoid(self.logits(texts, embeddings, states))

    def threshold_for(self, genre: str | None = None) -> float:
        """The threshold for a genre: "article" (the default) or "transcript"."""
        if genre in (None, "article"):
            return self.threshold
        if genre == "transcript":
            return self.threshold_transcript
        raise ValueError(f"unknown genre {genre!r}: use one of {', '.join(GENRES)}")

    def score(self, texts: list[str], embeddings=None, states=None, genre: str | None = None) -> list[Score]:
        """One `Score` per sentence. `states`: per-sentence layer-`LAYER_FROM` states from
        `MiniLMEmbedder.encode_with_states` (computed here when not given); `embeddings` are not needed.
        `genre`: "article" (default) or "transcript", which picks the threshold (`threshold_for`)."""
        threshold = self.threshold_for(genre)
        feats, raw, sem, lex = self._terms(texts, embeddings, states)
        probs = _sigmoid(self.head_b + sem + lex.sum(axis=1))
        return scores_from_terms(texts, probs, threshold, feats, raw, lex, sem - self.sem_offset, self.feat_names)
