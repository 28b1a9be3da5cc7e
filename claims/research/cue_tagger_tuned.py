"""The fine-tuned cue tagger of round 11 (issue 15): measured, not shipped (claims.research.finetune_cues).

The rules and the learned step read cues from a vocabulary. Real news uses hundreds of other words as cues
("Italy opposes Germany", "identified the man as ...", "the demonstration shouted ..."), and for most of them
the parse already gives the right source: what is missing is knowing that the word is a cue. This tagger reads
the states after MiniLM's fourth layer, which the search pass could hand it (`MiniLMEmbedder.encode_with_layers`),
through trained copies of layers 5 and 6 and a linear head, and gives each word piece the probability that it
lies in a cue and in a source; a word's probabilities are its pieces' highest. A word the product did not use as
a cue, to which the parse gives a source (`candidates`), becomes an attribution when a pair model over the
tagger's logits and the parse's facts keeps it at the chosen threshold. It only adds, and never what the rules
refuse for every verb.

It passed its cross-validation rule on draws 1-12 but failed its held-out check on the thirteenth draw (one false
alarm too many: docs/attribution.md, "Eleventh round"), so the product does not run it. `CueTagger.save` and
`load` keep what `finetune_cues --write` trained (matrices in int8 with one scale per row, as the detector's).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from claims.pipeline.attribution_rules import Found, _skip_verb, _source_type, _subject
from claims.pipeline.cues import lexicon
from claims.pipeline.phrases import np_range
from claims.pipeline.quotes import _content, _Sent

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

FROM_LAYER = 4  # the frozen states it reads; it carries its own layers 5 and 6
MAX_PIECES = 128  # word pieces per sentence it reads
POS = ("VERB", "NOUN", "ADJ")
OWN_VOICE = ("i", "we", "you", "us", "me")
DEPS = ("ROOT", "ccomp", "conj", "advcl", "xcomp", "acl", "relcl", "dobj", "pobj", "nsubj", "amod", "compound",
        "attr", "appos", "pcomp", "parataxis")
SOURCE_ENTS = ("PERSON", "ORG", "NORP", "GPE")


# --- candidates: words the parse gives a source ---------------------------------------------------------------


def source_of(t: "Token") -> "Token | None":
    """The source the parse gives a word read as a cue, or None: the subject (shared with the verb it hangs on
    for a participle or a conjoined verb, as the rules do), a passive's agent, for a copula's adjective ("are
    concerned that") the copula's subject, for a noun its issuer ("X's", "from X", "by X") or the subject of the
    verb whose object it is ("made comments that ...")."""
    from claims.pipeline.attribution_rules import _noun_agent

    if t.pos_ == "NOUN":
        src = _noun_agent(t)
        if src is None and t.dep_ in ("dobj", "attr") and t.head.pos_ in ("VERB", "AUX"):
            src = _subject(t.head, inherit=True)
        return src
    head = t
    while head.pos_ == "ADJ" and head.dep_ == "acomp":
        head = head.head
    src = _subject(head, inherit=True) if head.pos_ in ("VERB", "AUX") else None
    if src is None and head.dep_ in ("advcl", "conj", "xcomp") and head.head.pos_ in ("VERB", "AUX"):
        src = _subject(head.head, inherit=True)  # "..., calling it ...": the main verb's subject
    return src


@dataclass
class Cand:
    i: int  # the cue word
    source: tuple[int, int]  # its source's token range
    src_i: int  # the source's head


def candidates(doc: "Doc", taken: set[int], in_quote: Sequence[bool]) -> list[Cand]:
    """Every word that could be a cue the rules did not read (its index not in `taken`): a verb, noun or
    adjective with a source from the parse, less what the rules refuse for any verb."""
    out = []
    for t in doc:
        if t.pos_ not in POS or t.i in taken or (t.pos_ == "VERB" and _skip_verb(t)):
            continue
        src = source_of(t)
        if src is None or src.i == t.i or src.pos_ in ("PUNCT", "DET", "ADP", "CCONJ"):
            continue
        if in_quote[t.i] and src.lower_ in OWN_VOICE:
            continue  # a speaker's own "we think" inside her quotation: no attribution (the guideline)
        a, b = np_range(src)
        if a < b and not a <= t.i < b:
            out.append(Cand(t.i, (a, b), src.i))
    return out


def taken_cues(doc: "Doc", spans: Sequence[tuple[int, int]]) -> set[int]:
    """The tokens that lie in any of these character spans (the cues already found in the sentence)."""
    return {t.i for t in doc for a, b in spans if a < t.idx + len(t.text) and t.idx < b}


def parse_facts(t: "Token", in_quote: bool) -> list[float]:
    """What the parse says of a word read as a cue: its part of speech and dependency, its children, whether
    it stands in a quotation, its form, and which section of the lexicon holds its lemma."""
    lex, kids = lexicon(), {c.dep_ for c in t.children}
    lem = t.lemma_.lower()
    return [float(t.pos_ == p) for p in POS] + [float(t.dep_ == d) for d in DEPS] + [
        float(bool(kids & {"nsubj", "nsubjpass"})), float("ccomp" in kids), float("xcomp" in kids),
        float("dobj" in kids), float("agent" in kids), float(bool(kids & {"poss"})), float(in_quote),
        float(t.tag_ == "VBG"), float(t.tag_ == "VBN"), float(lem in lex.verbs), float(lem in lex.any_verb),
        float(any(c.dep_ == "neg" for c in t.children))]


def source_facts(doc: "Doc", c: Cand, in_quote: Sequence[bool]) -> list[float]:
    h = doc[c.src_i]
    return [float(h.ent_type_ == e) for e in SOURCE_ENTS] + [
        float(h.pos_ == "PRON"), float(h.pos_ == "PROPN"), float(in_quote[c.src_i]), float(c.src_i > c.i),
        min(abs(c.src_i - c.i), 20) / 20.0, min(c.source[1] - c.source[0], 12) / 12.0, float(h.tag_ == "NNS")]


def _logit(p: float) -> float:
    p = min(max(float(p), 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def pair_row(doc: "Doc", c: Cand, in_quote: Sequence[bool], probs: np.ndarray) -> list[float]:
    """The pair model's features: the tagger's cue logit for the word and source logit for the source (its
    words' highest), the word's parse facts, the source's facts. `probs`: (tokens, 2) from `word_probs`."""
    src = max(probs[c.source[0]:c.source[1], 1]) if c.source[1] > c.source[0] else 0.0
    return [_logit(probs[c.i, 0]), _logit(src)] + parse_facts(doc[c.i], in_quote[c.i]) + source_facts(doc, c, in_quote)


@dataclass
class Linear:
    """A standardised logistic regression: sigmoid(coef . (x - mean) / scale + bias)."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    bias: float

    def p(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64).reshape(-1, len(self.coef))
        return 1.0 / (1.0 + np.exp(-(((X - self.mean) / self.scale) @ self.coef + self.bias)))

    def to_json(self) -> dict:
        return {"mean": self.mean.tolist(), "scale": self.scale.tolist(), "coef": self.coef.tolist(),
                "bias": self.bias}

    @classmethod
    def from_json(cls, d: dict) -> "Linear":
        return cls(*(np.asarray(d[k], dtype=np.float64) for k in ("mean", "scale", "coef")), float(d["bias"]))


def additions(doc: "Doc", found: list[Found], probs: np.ndarray, m: "CueTagger") -> list[Found]:
    """What the tagger adds to one parsed sentence's findings: each candidate pair the pair model keeps at the
    shipped threshold; its content is what the word governs after it (else the rest of the sentence)."""
    s = _Sent(doc, lexicon())
    cands = candidates(doc, {f.cue_i for f in found}, s.in_quote)
    if not cands:
        return []
    keep = m.pairs.p([pair_row(doc, c, s.in_quote, probs) for c in cands]) >= m.threshold
    return kept(s, cands, keep)  # one candidate per word, so no word is added twice


def kept(s: _Sent, cands: list[Cand], keep) -> list[Found]:
    """The candidates marked in `keep` as findings: the parse's source, and as content what the word governs
    after it (else the rest of the sentence); a candidate with no content is dropped."""
    doc, out = s.doc, []
    for c, ok in zip(cands, keep):
        if not ok:
            continue
        t, src = doc[c.i], doc[c.src_i]
        end = t.right_edge.i + 1 if t.right_edge.i > t.i else len(doc)
        content, quote = _content(s, (t.i + 1, end)) if t.i + 1 < end else ("", "")
        if not content:
            continue
        f = Found(c.source, np_range(src, core=True), src, t.text, t.i, content, quote)
        f.source_type = _source_type(s, f)
        out.append(f)
    return out


# --- the model ----------------------------------------------------------------------------------------------


def piece_offsets(texts: Sequence[str]) -> list[list[tuple[int, int]]]:
    """Each sentence's word pieces as character spans ([CLS] first), as the encoder cuts them: the encoder
    strips each text first, so the spans are moved back by what was stripped."""
    from claims.pipeline.embed import get_embedder

    encodings = get_embedder().model.tokenizer.encode_batch([text.strip() for text in texts])
    return [[(a + shift, b + shift) for a, b in e.offsets]
            for e, shift in zip(encodings, (len(t) - len(t.lstrip()) for t in texts))]


def word_probs(doc: "Doc", offsets: Sequence[tuple[int, int]], piece_p: np.ndarray) -> np.ndarray:
    """Each token's (cue, source) probabilities: the highest of the pieces that overlap it (0 past the pieces
    read). `piece_p`: (pieces, 2)."""
    out = np.zeros((len(doc), piece_p.shape[1] if piece_p.ndim == 2 else 2), np.float32)
    n = len(piece_p)
    for t in doc:
        a, b = t.idx, t.idx + len(t.text)
        rows = [k for k, (x, z) in enumerate(offsets[:n]) if z > x and x < b and a < z]
        if rows:
            out[t.i] = piece_p[rows].max(0)
    return out


def through(layers, h, mask):
    """Hidden states `h` (b, t, 384) through `layers` (`minilm.bert_layer`s), padding masked out (mask: (b, t), 1
    for a real piece): what training and the saved tagger both run."""
    import torch

    bias = ((1.0 - mask) * torch.finfo(h.dtype).min)[:, None, None, :]
    for layer in layers:
        h = layer(h, bias)
    return h


class CueTagger:
    """Layers 5 and 6 (trained copies) and the head, in torch (`piece_probs` over layer-4 states), and the pair
    model with its threshold."""

    def __init__(self, layers: list[dict], head_w: np.ndarray, head_b: np.ndarray, pairs: Linear, threshold: float,
                 meta: dict):
        import torch

        from claims.pipeline.minilm import bert_layer

        self.layers = []
        for state in layers:
            layer = bert_layer(device="meta")
            layer.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v, np.float32)) for k, v in state.items()},
                                  assign=True)
            layer.eval()
            self.layers.append(layer)
        self.head_w = torch.from_numpy(np.ascontiguousarray(head_w, np.float32))  # (2, 384): cue, source
        self.head_b = torch.from_numpy(np.ascontiguousarray(head_b, np.float32))
        self.pairs, self.threshold, self.meta = pairs, float(threshold), meta

    def piece_probs(self, states: Sequence[np.ndarray], batch_size: int = 64) -> list[np.ndarray]:
        """The (cue, source) probabilities of every piece of each sentence (states: (pieces, 384) after layer 4)."""
        import torch

        out: list[np.ndarray] = [np.zeros((0, 2), np.float32)] * len(states)
        order = sorted((i for i in range(len(states)) if len(states[i])), key=lambda i: -len(states[i]))
        with torch.inference_mode():
            for b in range(0, len(order), batch_size):
                idx = order[b:b + batch_size]
                width = min(MAX_PIECES, max(len(states[i]) for i in idx))
                h = torch.zeros((len(idx), width, states[idx[0]].shape[1]))
                mask = torch.zeros((len(idx), width))
                for j, i in enumerate(idx):
                    n = min(len(states[i]), width)
                    h[j, :n] = torch.from_numpy(np.asarray(states[i][:n], np.float32))
                    mask[j, :n] = 1
                p = torch.sigmoid(through(self.layers, h, mask) @ self.head_w.T + self.head_b).numpy()
                for j, i in enumerate(idx):
                    out[i] = p[j, :min(len(states[i]), width)]
        return out

    def save(self, path: str | Path) -> None:
        """Write the weights as plain arrays: the layers' matrices in int8 with one scale per row (as the
        detector's), their vectors in float16, the head and the pair model in float32."""
        from claims.pipeline.detect_tuned import int8_rows

        arrays = {"head_w": self.head_w.numpy(), "head_b": self.head_b.numpy(), "threshold": np.float32(self.threshold),
                  "from_layer": np.int64(FROM_LAYER), "meta": np.array(json.dumps(self.meta)),
                  **{f"pairs.{k}": np.asarray(getattr(self.pairs, k), np.float64) for k in ("mean", "scale", "coef")},
                  "pairs.bias": np.float64(self.pairs.bias)}
        for n, layer in enumerate(self.layers):
            for k, v in layer.state_dict().items():
                v = v.detach().float().numpy()
                if v.ndim == 2:
                    arrays[f"layer{n}.{k}"], arrays[f"layer{n}.{k}.scale"] = int8_rows(v)
                else:
                    arrays[f"layer{n}.{k}"] = v.astype(np.float16)
        np.savez_compressed(path, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> "CueTagger":
        from claims.pipeline.detect_tuned import from_int8

        with np.load(path) as a:
            if int(a["from_layer"]) != FROM_LAYER:
                raise ValueError(f"{path} reads layer {int(a['from_layer'])}, this code layer {FROM_LAYER}: train it "
                                 "again with python -m claims.research.finetune_cues --write")
            layers: list[dict] = []
            for k in a.files:
                if not k.startswith("layer") or k.endswith(".scale"):
                    continue
                n, name = k[len("layer"):].split(".", 1)
                while len(layers) <= int(n):
                    layers.append({})
                scale = a[k + ".scale"] if k + ".scale" in a.files else None
                layers[int(n)][name] = from_int8(a[k], scale) if scale is not None else a[k].astype(np.float32)
            pairs = Linear(*(a[f"pairs.{k}"] for k in ("mean", "scale", "coef")), float(a["pairs.bias"]))
            return cls(layers, a["head_w"], a["head_b"], pairs, float(a["threshold"]), json.loads(str(a["meta"])))
