"""Round 11 of attribution: a cue tagger with MiniLM's top two layers fine-tuned, measured against the product.

    python -m claims.research.finetune_cues --wikinews ../shared/data/wikinews/articles.jsonl [--json-out FILE]

Why. On the 579 train and dev articles of the gold (draws 1-12), the shipped extractor (rules and the learned
step) misses 786 of 3,654 attributions. For 500 of them the parse already gives the right source to the gold cue
word (`cue_tagger_model.source_of`): what is missing is knowing that the word is a cue. The misses are spread
over hundreds of words ("opposes", "wants", "identified", "expressed", "shouted"), which no list covers. The
round-5 tagger read MiniLM's frozen last layer with a logistic regression and gained +0.003 to +0.005. The
detector gained most from fine-tuning MiniLM's top layers (docs/detector.md), so this tries the same for cues.

What it is. MiniLM's layers 5 and 6, copied and trained, read the frozen states after layer 4 (which the search
pass computes anyway), and a linear head gives each word piece the probability that it lies in a gold cue. A
word's probability is the highest of its pieces'. Every word the product did not use as a cue and to which the
parse gives a source (`cue_tagger_model.candidates`: verbs, nouns and adjectives, less what the rules refuse
for any verb) becomes an attribution when its probability reaches the threshold. The product only gains: the
tagger adds to what the rules and the learned step find.

How it is measured (the rule, written before the first run). Train+dev of gold/wikinews, draws 1-12 (579
articles), five folds grouped by article (GroupKFold, articles in id order). In each fold the two layers and the
head are trained on the other four folds' sentences: 3 epochs, AdamW (learning rate 1e-4, weight decay 0.01,
linear decay), batches of 32 sentences, at most 128 pieces, dropout 0.1, seed 0. Every word's probability is
thus out of fold. For each threshold of GRID the product's findings plus the additions are scored as `claims
eval attribution` scores (pair, lenient). The best threshold is the one with the highest out-of-fold F1. The
tagger is adopted only if, at that threshold:

* pair-lenient F1 >= the product's F1 + 0.005 on the same articles, and
* precision >= the product's precision - 0.010 (issue 15: hold precision while raising recall).

**First run (2026-12-06, thirteenth session): not passed.** The best threshold (0.7) gave F1 0.861 against the
product's 0.850 (+0.011), but precision 0.901 against 0.927 (-0.026): about 100 of the 247 words it added were
not gold cues of the parse's source. `docs/experiments/finetune_cues_cv_2026-12-06_run1.json`.

**Second variant (the rule written after the first run's grid, before its own run).** The precision lost is in
the pairs, so the tagger learns sources too and a second stage judges each pair:

* the head has two outputs per piece, cue and source (a piece inside a gold source span), trained on the sum of
  both losses, with every other setting as above;
* a pair model, a logistic regression (C 0.5, standardised) over the tagger's cue logit for the word, its source
  logit for the candidate source (the highest over the source's words), the cue word's parse facts and the
  source's (`cue_tagger_model.parse_facts`, `source_facts`), says whether the pair is right; its probabilities are
  out of fold over the same article folds;
* the threshold is the one of GRID with the highest out-of-fold F1 among those whose precision is at least the
  product's - 0.010; the tagger passes CV if that F1 is at least the product's + 0.005.

Because this rule was written after the first run's figures were seen, CV does not decide alone: the thirteenth
draw of the gold (48 train and dev articles, seed 27), annotated before this variant was built and never read,
is read once with and without the tagger. It is adopted only if there its pair-lenient F1 is at least the
product's and its precision at least the product's - 0.010.

**Outcome (2026-12-06): not shipped.** The second variant passed CV at threshold 0.7: P 0.920, R 0.804, F1 0.858
(0.847-0.869) against the product's 0.927 / 0.785 / 0.850 (0.840-0.861), training figures. On the thirteenth
draw, read once (`--check`), it added 6 attributions, 3 of them right: F1 0.8295 against 0.8276, precision 0.9125
against 0.9231, 0.0006 under the allowed 0.9131. The held-out check failed, and the tagger stays out of the
product (it would also have added two transformer layers to every parsed sentence).
`docs/experiments/finetune_cues_cv_2026-12-06_run2.json`, `attribution_wikinews_draw13_2026-12-06*.json`.

The product's figure on these articles is a training figure (its rules were read from them and its learned step
fitted on them), which favours the product, not the tagger. If the rule passes, the tagger is fitted on all 579
articles with the same settings and the threshold chosen here, and the test split is read once for the extractor
that ships. All out-of-fold figures are cross-validation (training) figures.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from claims.research.cue_tagger_tuned import word_probs

GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
FOLDS, EPOCHS, LR, DECAY, BATCH, MAX_PIECES, DROPOUT, SEED = 5, 3, 1e-4, 0.01, 32, 128, 0.1, 0
PAIR_C = 0.5
FROM_LAYER = 4  # the frozen states it reads; layers FROM_LAYER+1 .. 6 are trained


@dataclass
class Sent:
    article: str
    start: int
    text: str
    doc: object  # the full spaCy parse
    found: list  # the product's attributions, placed (eval_spans.place)
    offsets: list  # (start, end) of each word piece in `text`, [CLS] and [SEP] included
    y: np.ndarray  # (pieces, 2): 1 where a piece overlaps a gold cue (column 0), a gold source (column 1)


def load(wikinews: str, split: str, gold_dir: str | Path | None = None) -> tuple[list[Sent], dict[str, list[dict]]]:
    from claims.pipeline import attribute
    from claims.research import eval_spans
    from claims.research.cue_tagger import gold_sentences
    from claims.research.cue_tagger_tuned import piece_offsets

    gs = gold_sentences(wikinews, split, gold_dir)
    flat, needed, full, gold, chosen = gs.flat, gs.needed, gs.full, gs.gold, list(gs.gold)
    found: list[list[dict]] = [[] for _ in flat]
    for i in chosen:  # one call per article, as the product does (pronouns resolve within it)
        idx = [k for k, (a, _) in enumerate(flat) if a == i]
        for k, attrs_k in zip(idx, attribute.attribute([flat[k][1] for k in idx], [needed[k] for k in idx])):
            s, taken = flat[k][1], set()
            found[k] = [eval_spans.place(s.start, s.text, a, taken) for a in attrs_k]
    out = []
    for (i, s), doc, f, offs in zip(flat, full, found, piece_offsets([s.text for _, s in flat])):
        offs = offs[:MAX_PIECES]
        y = np.zeros((len(offs), 2), np.float32)
        for g in gold[i]:
            for col, key in enumerate(("cue", "source")):
                a, b = g[key][0] - s.start, g[key][1] - s.start
                for p, (x, z) in enumerate(offs):
                    if z > x and x < b and a < z:
                        y[p, col] = 1.0
        out.append(Sent(i, s.start, s.text, doc, f, offs, y))
    return out, gold


def frozen_states(texts: list[str]) -> list[np.ndarray]:
    """The states after layer FROM_LAYER of each text (pieces x 384), from the search pass
    (`MiniLMEmbedder.encode_with_layers`)."""
    from claims.pipeline.embed import get_embedder

    return get_embedder().encode_with_layers(texts, layers={FROM_LAYER: MAX_PIECES})[1][FROM_LAYER]


class Tagger:
    """Layers FROM_LAYER+1..6 of MiniLM (trainable copies) and a linear head over each piece."""

    def __init__(self, dropout: float = DROPOUT):
        import torch

        from claims.pipeline.embed import get_embedder
        from claims.pipeline.minilm import DIM, bert_layer, layer_state

        weights = get_embedder().model.weights
        self.layers = torch.nn.ModuleList()
        for li in range(FROM_LAYER, 6):
            layer = bert_layer(dropout=dropout)
            layer.load_state_dict({k: v.clone() for k, v in layer_state(weights, f"encoder.layer.{li}.").items()})
            self.layers.append(layer)
        self.head = torch.nn.Linear(DIM, 2)  # cue, source
        self.module = torch.nn.ModuleDict({"layers": self.layers, "head": self.head})

    def logits(self, h, mask):
        from claims.research.cue_tagger_tuned import through

        return self.head(through(self.layers, h, mask))


def _batch(states: list[np.ndarray], idx, ys=None):
    import torch

    width = max(states[i].shape[0] for i in idx)
    h = torch.zeros((len(idx), width, states[idx[0]].shape[1]))
    mask = torch.zeros((len(idx), width))
    y = torch.zeros((len(idx), width, 2))
    for j, i in enumerate(idx):
        n = states[i].shape[0]
        h[j, :n] = torch.from_numpy(states[i])
        mask[j, :n] = 1
        if ys is not None:
            y[j, :n] = torch.from_numpy(ys[i][:n])
    return h, mask, y


def train(states: list[np.ndarray], ys: list[np.ndarray], idx: list[int], log=None) -> Tagger:
    import torch

    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    tagger = Tagger()
    params = list(tagger.module.parameters())
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=DECAY)
    steps = EPOCHS * ((len(idx) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1.0 - s / steps))
    tagger.module.train()
    for epoch in range(EPOCHS):
        order = rng.permutation(idx)
        total = 0.0
        for b in range(0, len(order), BATCH):
            h, mask, y = _batch(states, list(order[b:b + BATCH]), ys)
            logit = tagger.logits(h, mask)
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(logit, y, reduction="none")
                    * mask[..., None]).sum() / mask.sum()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(h)
        if log:
            log(f"  epoch {epoch + 1}: loss {total / len(idx):.4f}")
    tagger.module.eval()
    return tagger


def predict(tagger: Tagger, states: list[np.ndarray], idx: list[int]) -> dict[int, np.ndarray]:
    import torch

    out = {}
    order = sorted(idx, key=lambda i: -states[i].shape[0])
    with torch.inference_mode():
        for b in range(0, len(order), 64):
            part = order[b:b + 64]
            h, mask, _ = _batch(states, part)
            p = torch.sigmoid(tagger.logits(h, mask)).numpy()
            for j, i in enumerate(part):
                out[i] = p[j, :states[i].shape[0]]
    return out


def to_product(tagger: Tagger, pairs, threshold: float, meta: dict):
    """The trained layers, head and pair model as the product's `CueTagger` (what `save` writes)."""
    from claims.research.cue_tagger_tuned import CueTagger

    layers = [{k: v.detach().float().numpy().copy() for k, v in layer.state_dict().items()} for layer in tagger.layers]
    return CueTagger(layers, tagger.head.weight.detach().float().numpy().copy(),
                     tagger.head.bias.detach().float().numpy().copy(), pairs, threshold, meta)


@dataclass
class Pairs:
    """Every candidate pair of every sentence: its sentence, the candidate, its features and its label."""

    n: list
    cands: list
    X: np.ndarray
    y: np.ndarray


def pairs(sents: list[Sent], probs: dict[int, np.ndarray], gold) -> Pairs:
    from claims.research.cue_tagger_tuned import candidates, pair_row, taken_cues
    from claims.pipeline.cues import lexicon
    from claims.pipeline.quotes import _Sent

    ns, cands, X, y = [], [], [], []
    for n, s in enumerate(sents):
        q = _Sent(s.doc, lexicon()).in_quote
        for c in candidates(s.doc, taken_cues(s.doc, [(f["cue"][0] - s.start, f["cue"][1] - s.start)
                                                      for f in s.found if f["cue"] is not None]), q):
            ns.append(n)
            cands.append(c)
            X.append(pair_row(s.doc, c, q, probs[n]))
            y.append(_right(s, c, gold))
    return Pairs(ns, cands, np.array(X, np.float64).reshape(len(cands), -1), np.array(y, np.int64))


def _placed(s: Sent, c) -> dict:
    from claims.research.eval_spans import place

    t = s.doc[c.i]
    return place(s.start, s.text, SimpleNamespace(source=s.doc[c.source[0]:c.source[1]].text, cue=t.text,
                                                  content=s.doc[t.i + 1:].text, quote="reported", resolved=""))


def _right(s: Sent, c, gold) -> int:
    from claims.research.eval_spans import SAME

    pl = _placed(s, c)
    return int(any(SAME["pair_lenient"](pl, g) for g in gold[s.article]))


def oof_pairs(P: Pairs, sents: list[Sent], groups: dict[str, int]) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.preprocessing import StandardScaler

    g = [groups[sents[n].article] for n in P.n]
    p = np.zeros(len(P.y))
    for tr, te in GroupKFold(n_splits=FOLDS).split(P.X, P.y, g):
        sc = StandardScaler().fit(P.X[tr])
        clf = LogisticRegression(C=PAIR_C, max_iter=3000).fit(sc.transform(P.X[tr]), P.y[tr])
        p[te] = clf.predict_proba(sc.transform(P.X[te]))[:, 1]
    return p


def fit_pairs(P: Pairs):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from claims.research.cue_tagger_tuned import Linear

    sc = StandardScaler().fit(P.X)
    clf = LogisticRegression(C=PAIR_C, max_iter=3000).fit(sc.transform(P.X), P.y)
    return Linear(sc.mean_.astype(np.float64), sc.scale_.astype(np.float64), clf.coef_[0].astype(np.float64),
                  float(clf.intercept_[0]))


def score(gold, sents: list[Sent], extra: dict[int, list[dict]] | None = None) -> dict:
    from claims.research.eval_spans import score as span_score

    pred: dict[str, list[dict]] = {a: [] for a in gold}
    for n, s in enumerate(sents):
        pred[s.article] += s.found + (extra or {}).get(n, [])
    r = span_score(gold, pred)
    return {"pair_lenient": r["metrics"]["pair_lenient"], "interval": r["pair_lenient_interval"],
            "added": sum(map(len, (extra or {}).values()))}


def grid(gold, sents: list[Sent], P: Pairs, values: np.ndarray, log) -> list[dict]:
    rows = []
    for th in GRID:
        extra: dict[int, list[dict]] = {}
        for n, c, v in zip(P.n, P.cands, values):
            if v >= th:
                extra.setdefault(n, []).append(_placed(sents[n], c))
        r = score(gold, sents, extra)
        r["threshold"] = th
        rows.append(r)
        m = r["pair_lenient"]
        log(f"  threshold {th}: +{r['added']}; P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f}")
    return rows


def oof_tagger(sents: list[Sent], states, groups: dict[str, int], cache: Path, log, t0) -> dict[int, np.ndarray]:
    """Every sentence's piece probabilities from the fold model that did not see its article (cached: the
    pair model and the grid can be run again without training the folds again)."""
    from sklearn.model_selection import GroupKFold

    key = f"{len(sents)}-{sum(len(s.y) for s in sents)}-{FOLDS}-{EPOCHS}-{LR}-{SEED}"
    if cache.exists():
        with np.load(cache, allow_pickle=True) as a:
            if str(a["key"]) == key:
                log(f"out-of-fold probabilities from {cache}")
                return dict(enumerate(a["p"]))
    ys = [s.y for s in sents]
    g = [groups[s.article] for s in sents]
    piece_p: dict[int, np.ndarray] = {}
    for fold, (tr, te) in enumerate(GroupKFold(n_splits=FOLDS).split(np.zeros(len(sents)), groups=g)):
        log(f"fold {fold + 1}: {len(tr)} training sentences ({time.time() - t0:.0f} s)")
        tagger = train(states, ys, list(tr), log)
        piece_p.update(predict(tagger, states, list(te)))
    cache.parent.mkdir(parents=True, exist_ok=True)
    arr = np.empty(len(sents), dtype=object)
    for n in range(len(sents)):
        arr[n] = piece_p[n]
    np.savez(cache, key=np.array(key), p=arr)
    return piece_p


def check(wikinews: str, split: str, gold_dir: str | None, tagger_path: str, log) -> dict:
    """The held-out check: a saved tagger run once on one draw, the product's findings with and without its
    additions scored there (pair, lenient)."""
    from claims.research.cue_tagger_tuned import CueTagger

    m = CueTagger.load(tagger_path)
    sents, gold = load(wikinews, split, gold_dir)
    states = frozen_states([s.text for s in sents])
    piece_p = dict(enumerate(m.piece_probs(states)))
    probs = {n: word_probs(s.doc, s.offsets, piece_p[n]) for n, s in enumerate(sents)}
    P = pairs(sents, probs, gold)
    keep = m.pairs.p(P.X) >= m.threshold if len(P.y) else np.zeros(0, bool)
    extra: dict[int, list[dict]] = {}
    for n, c, ok in zip(P.n, P.cands, keep):
        if ok:
            extra.setdefault(n, []).append(_placed(sents[n], c))
    base, tagged = score(gold, sents), score(gold, sents, extra)
    b, t = base["pair_lenient"], tagged["pair_lenient"]
    passed = t["f1"] >= b["f1"] and t["precision"] >= b["precision"] - 0.010
    log(f"{split} ({len(gold)} articles): product P {b['precision']:.4f} R {b['recall']:.4f} F1 {b['f1']:.4f}; with "
        f"the tagger (+{tagged['added']}) P {t['precision']:.4f} R {t['recall']:.4f} F1 {t['f1']:.4f}; held-out "
        f"check {'PASSED' if passed else 'not passed'}")
    return {"split": split, "articles": len(gold), "threshold": m.threshold, "product": base,
            "product and tagger": tagged, "passed": passed}


def main(argv: list[str] | None = None) -> int:
    import torch

    ap = argparse.ArgumentParser(prog="python -m claims.research.finetune_cues", description=__doc__.split("\n")[0])
    ap.add_argument("--wikinews", required=True, help="../shared/data/wikinews/articles.jsonl")
    ap.add_argument("--split", default="train+dev")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cache", default="/tmp/claims_finetune_cues/oof.npz", help="where the folds' probabilities "
                    "are kept between runs")
    ap.add_argument("--json-out", help="write the figures here")
    ap.add_argument("--write", metavar="FILE", help="when the rule passes: train on every article of the split "
                    "with the same settings and write the tagger here (for --check; the product does not read it)")
    ap.add_argument("--check", metavar="TAGGER", help="instead of the CV: run this saved tagger once on --split "
                    "(a held-out draw, e.g. draw13) and compare the product with and without it")
    ap.add_argument("--gold", help="the gold folder (default gold/wikinews)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    t0 = time.time()
    if args.check:
        out = check(args.wikinews, args.split, args.gold, args.check, log)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        return 0
    sents, gold = load(args.wikinews, args.split, args.gold)
    log(f"{len(sents)} sentences of {len(gold)} articles, {int(sum(s.y[:, 0].sum() for s in sents))} cue pieces "
        f"({time.time() - t0:.0f} s)")
    states = frozen_states([s.text for s in sents])
    for k, s in enumerate(sents):  # the tokenizer of the states and of the labels is the same: same length
        assert states[k].shape[0] == len(s.y), (k, states[k].shape, len(s.y))
    groups = {a: k for k, a in enumerate(sorted(gold))}
    piece_p = oof_tagger(sents, states, groups, Path(args.cache), log, t0)
    probs = {n: word_probs(s.doc, s.offsets, piece_p[n]) for n, s in enumerate(sents)}
    P = pairs(sents, probs, gold)
    log(f"{len(P.y)} candidate pairs, {int(P.y.sum())} right")
    base = score(gold, sents)
    b = base["pair_lenient"]
    log(f"product: P {b['precision']:.3f} R {b['recall']:.3f} F1 {b['f1']:.3f}")
    log("the first run's design: the cue probability alone")
    by_cue = grid(gold, sents, P, np.array([probs[n][c.i, 0] for n, c in zip(P.n, P.cands)]), log)
    log("the second variant: the pair model")
    p_pair = oof_pairs(P, sents, groups)
    rows = grid(gold, sents, P, p_pair, log)
    allowed = [r for r in rows if r["pair_lenient"]["precision"] >= b["precision"] - 0.010]
    best = max(allowed, key=lambda r: r["pair_lenient"]["f1"]) if allowed else None
    passed = best is not None and best["pair_lenient"]["f1"] >= b["f1"] + 0.005
    print(f"product: P {b['precision']:.3f} R {b['recall']:.3f} F1 {b['f1']:.3f}; " + (
        f"best allowed threshold {best['threshold']}: P {best['pair_lenient']['precision']:.3f} R "
        f"{best['pair_lenient']['recall']:.3f} F1 {best['pair_lenient']['f1']:.3f}" if best else "no threshold "
        "keeps precision") + f"; CV rule {'PASSED' if passed else 'not passed'} ({time.time() - t0:.0f} s)")
    if passed and args.write:
        log(f"training on all {len(sents)} sentences ({time.time() - t0:.0f} s)")
        shipped = to_product(train(states, [s.y for s in sents], list(range(len(sents))), log), fit_pairs(P),
                             best["threshold"], {
                                 "trained_on": f"gold/wikinews {args.split} ({len(gold)} articles, {len(sents)} "
                                               "sentences)",
                                 "rule": "claims/research/finetune_cues.py", "cv_pair_lenient": best["pair_lenient"],
                                 "product_cv_pair_lenient": b})
        shipped.save(args.write)
        log(f"wrote {args.write}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({
            "rule": __doc__.split("How it is measured")[1].strip(), "split": args.split, "articles": len(gold),
            "sentences": len(sents), "pairs": len(P.y), "right_pairs": int(P.y.sum()),
            "settings": {"folds": FOLDS, "epochs": EPOCHS, "lr": LR, "batch": BATCH, "max_pieces": MAX_PIECES,
                         "from_layer": FROM_LAYER, "pair_C": PAIR_C},
            "product": base, "grid_cue_probability": by_cue, "grid_pair_model": rows, "best": best,
            "passed_cv": passed}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
