"""Fine-tune the detector's own copy of MiniLM's top five layers (`claims.pipeline.detect_tuned`) and measure it.

Run through `python -m claims.research.train_detect` (the default recipe); see its docstring for the data.

Method
1. One pass of the unmodified MiniLM over every training sentence keeps its layer-1 hidden states (`detect_tuned.LAYER_FROM`) (first
   64 tokens, float16) in a cache under /tmp/claims-cache: the same states the product reads from the
   pass that gives the search embedding, so training sees exactly what inference sees.
2. Each model: five BERT layers initialised from layers 2 to 6, mean pooling, a linear head, plus the
   standardised lexical features entering the logit linearly (so reasons stay exact). Trained with
   AdamW and a one-cycle schedule, class-balanced binary cross-entropy, news rows weighing
   `--news-weight` each, dropout 0.1 on the hidden states.
   The gold articles join the folds (`--news-articles all`, the default: 25 articles, 4 folds by article)
   or only the dev ones (`dev`: 01-12, with 13-20 scored once at the end).
3. k folds as for the frozen recipe (CT24 train in blocks of consecutive ids, dev articles in groups):
   each fold model scores what it did not see, CT24 sentences directly and the articles through the
   product's pipeline. The shipped model is the weight average of the fold models ("model soup": they
   share their starting point), which keeps the file at one model's size; its dev and dev-test
   figures are measured, and so is the logit average of the fold models for comparison.
4. Two thresholds, both from the out-of-fold scores, never from dev or dev-test or the held-back articles:
   articles' (`--threshold-rule`, default cv-news: the best news F1 out of fold) and transcripts'
   (cv-ct24: the best CT24 F1 out of fold). A transcript's sentences are less often check-worthy than an
   article's (24% of CT24 against 61% of the gold articles' rows), so one score means something else in each.
   CT24 figures are measured at the transcript threshold, news figures at the article threshold.
5. The layers are measured as shipped: matrices rounded through int8 (`detect_tuned.as_shipped`).
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import numpy as np

from claims.pipeline import detect_tuned as dt
from claims.pipeline import features as _features
from core.settings import cache_dir as cache_dir_setting
from core.settings import torch_threads
from claims.pipeline.detect import DEFAULT_MODEL_NAME

SEED = 0


# --------------------------------------------------------------------------------------- states
class StateBank:
    """Layer-`LAYER_FROM` states of many sentences, concatenated (float16), with the search vectors of the same pass."""

    def __init__(self, tokens: np.ndarray, offsets: np.ndarray, vectors: np.ndarray):
        self.tokens, self.offsets, self.vectors = tokens, offsets, vectors
        self.lengths = np.diff(offsets)

    def __len__(self) -> int:
        return len(self.lengths)

    def get(self, i: int) -> np.ndarray:
        return self.tokens[self.offsets[i]:self.offsets[i + 1]]

    def padded(self, idx) -> tuple[np.ndarray, np.ndarray]:
        return dt.pad_states([self.get(i) for i in idx])

    @classmethod
    def concat(cls, banks: list["StateBank"]) -> tuple["StateBank", list[np.ndarray]]:
        """One bank of all sentences, and each input bank's row indices in it."""
        tokens = np.concatenate([b.tokens for b in banks])
        shifts = np.cumsum([0] + [len(b.tokens) for b in banks[:-1]])
        offsets = np.concatenate([[0]] + [b.offsets[1:] + sh for b, sh in zip(banks, shifts)])
        starts = np.cumsum([0] + [len(b) for b in banks])
        rows = [np.arange(starts[i], starts[i + 1]) for i in range(len(banks))]
        return cls(tokens, offsets.astype(np.int64), np.vstack([b.vectors for b in banks])), rows

    @classmethod
    def build(cls, texts: list[str], embedder_getter, cache_dir: Path, log=print) -> "StateBank":
        key = hashlib.sha256((f"{DEFAULT_MODEL_NAME}\x00L{dt.LAYER_FROM}\x00T{dt.MAX_TOKENS}\x00"
                              + "\x1e".join(texts)).encode("utf-8")).hexdigest()[:24]
        path = Path(cache_dir) / f"states-{key}.npz"
        if path.is_file():
            with np.load(path, allow_pickle=False) as z:
                if len(z["offsets"]) == len(texts) + 1:
                    return cls(z["tokens"], z["offsets"], z["vectors"])
        t0 = time.perf_counter()
        emb = embedder_getter()
        chunks, vecs, lengths = [], [], []
        step = 2048
        for i in range(0, len(texts), step):
            v, st = emb.encode_with_states(texts[i:i + step], layer=dt.LAYER_FROM, max_tokens=dt.MAX_TOKENS)
            vecs.append(v)
            chunks += [s.astype(np.float16) for s in st]
            lengths += [len(s) for s in st]
            log(f"  layer-{dt.LAYER_FROM} states: {min(i + step, len(texts))}/{len(texts)} in {time.perf_counter() - t0:.0f}s")
        tokens = np.concatenate(chunks) if chunks else np.zeros((0, dt.DIM), np.float16)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        vectors = np.vstack(vecs) if vecs else np.zeros((0, dt.DIM), np.float32)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, tokens=tokens, offsets=offsets, vectors=vectors)
        tmp.replace(path)
        return cls(tokens, offsets, vectors)


class StatesEmbedder:
    """The pipeline's embedder interface over the real MiniLM, remembering each sentence's vector and
    states (the folds score the same articles again and again)."""

    name = DEFAULT_MODEL_NAME
    dim = dt.DIM

    def __init__(self, embedder_getter):
        self._getter = embedder_getter
        self._memo: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def encode_with_states(self, texts, batch_size: int = 32, layer: int = dt.LAYER_FROM,
                           max_tokens: int = dt.MAX_TOKENS):
        texts = list(texts)
        todo = sorted({t for t in texts if t not in self._memo})
        if todo:
            v, st = self._getter().encode_with_states(todo, layer=layer, max_tokens=max_tokens)
            self._memo.update(zip(todo, zip(v, st)))
        vecs = np.vstack([self._memo[t][0] for t in texts]) if texts else np.zeros((0, self.dim), np.float32)
        return vecs, [self._memo[t][1] for t in texts]

    def encode(self, texts, batch_size: int = 32) -> np.ndarray:
        return self.encode_with_states(texts)[0]


# --------------------------------------------------------------------------------------- training
def fit_top(bank: StateBank, idx: np.ndarray, y: np.ndarray, w: np.ndarray, Z: np.ndarray, init: dict,
            seed: int, epochs: int = 3, lr: float = 1e-4, head_lr: float = 1e-3, batch: int = 32,
            dropout: float = 0.1, log=print) -> dict:
    """Train one model on the rows `idx` of the bank (labels y, sample weights w, standardised
    features Z, all indexed like the bank). Returns arrays in `TunedDetector`'s terms."""
    import torch

    # CLAIMS_TORCH_THREADS=1 is faster on a machine busy with other work (no threads waiting on each other)
    torch.set_num_threads(torch_threads() or max(1, min(2, os.cpu_count() or 1)))
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    top = dt.build_top(dropout=dropout)
    top.load_state_dict(dt.top_state_dict(init))
    head = torch.nn.Linear(dt.DIM, 1)
    lex = torch.nn.Linear(Z.shape[1], 1)
    torch.nn.init.zeros_(head.weight)
    torch.nn.init.zeros_(lex.weight)
    drop = torch.nn.Dropout(dropout)
    opt = torch.optim.AdamW([
        {"params": top.parameters(), "lr": lr, "weight_decay": 0.01},
        {"params": [*head.parameters(), *lex.parameters()], "lr": head_lr, "weight_decay": 0.001},
    ])
    yi, wi = y[idx].astype(np.float64), w[idx].astype(np.float64)
    pos, neg = float((wi * yi).sum()), float((wi * (1 - yi)).sum())
    cw = wi * np.where(yi == 1, (pos + neg) / (2 * pos), (pos + neg) / (2 * neg))
    cw = cw / cw.mean()
    n = len(idx)
    n_batches = (n + batch - 1) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[lr, head_lr], total_steps=epochs * n_batches,
                                                pct_start=0.1)
    lengths = bank.lengths[idx]
    t0 = time.perf_counter()
    for ep in range(epochs):
        top.train()
        perm = rng.permutation(n)
        # batches of similar length (little padding), in random order
        chunks = [perm[i:i + batch * 50] for i in range(0, n, batch * 50)]
        batches = []
        for c in chunks:
            c = c[np.argsort(lengths[c], kind="stable")]
            batches += [c[i:i + batch] for i in range(0, len(c), batch)]
        rng.shuffle(batches)
        total = 0.0
        for b in batches:
            rows = idx[b]
            h, mask = bank.padded(rows)
            pooled = top(torch.from_numpy(h), torch.from_numpy(mask))
            logit = (head(drop(pooled)) + lex(torch.from_numpy(Z[rows].astype(np.float32)))).squeeze(1)
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(
                logit, torch.from_numpy(yi[b].astype(np.float32)), reduction="none")
                * torch.from_numpy(cw[b].astype(np.float32))).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(b)
        log(f"    epoch {ep + 1}/{epochs}: loss {total / n:.4f} ({time.perf_counter() - t0:.0f}s)")
    top.eval()
    return {
        "layers": dt.arrays_from_top(top),
        "head_w": head.weight.detach().numpy()[0].astype(np.float64),
        "head_b": float(head.bias.detach().numpy()[0] + lex.bias.detach().numpy()[0]),
        "feat_weights": lex.weight.detach().numpy()[0].astype(np.float64),
    }


def soup(models: list[dict]) -> dict:
    """The element-wise average of several models' arrays."""
    return {
        "layers": {k: np.mean([m["layers"][k] for m in models], axis=0) for k in models[0]["layers"]},
        "head_w": np.mean([m["head_w"] for m in models], axis=0),
        "head_b": float(np.mean([m["head_b"] for m in models])),
        "feat_weights": np.mean([m["feat_weights"] for m in models], axis=0),
    }


def make_detector(model: dict, mean, std, threshold: float = 0.5, bf16: bool = False) -> dt.TunedDetector:
    """A detector as it will be shipped: int8/float16-rounded layers, float32 arithmetic (what the product runs)."""
    layers = dt.as_shipped(model["layers"])
    return dt.TunedDetector(layers=layers, head_w=model["head_w"], head_b=model["head_b"],
                            feat_weights=model["feat_weights"], feat_mean=mean, feat_std=std, threshold=threshold,
                            feat_names=_features.FEATURE_NAMES, bf16=bf16)


def bank_probabilities(det: dt.TunedDetector, bank: StateBank, idx: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """`det.probabilities` for bank rows `idx` with precomputed raw features (rows of `raw` like idx)."""
    pooled = det.pooled([bank.get(i) for i in idx])
    z = (raw - det.feat_mean) / det.feat_std
    return dt._sigmoid(det.head_b + pooled @ det.head_w + z @ det.feat_weights)


def run_tuned(data, bank: StateBank, rows: dict, init: dict, news_weight: float, epochs: int, seeds: int,
              rule: str, pick_threshold, metrics, log, max_folds: int | None = None) -> tuple[dt.TunedDetector, dict]:
    """Cross-validate the fine-tuned recipe on `data` (a `claims.research.detect_data.Data`) and build the shipped model.

    `rows[split]` are the bank indices of data.texts[split]."""
    t0 = time.perf_counter()
    tr = np.concatenate([rows["train"], rows["news"]])
    y_all = np.zeros(len(bank), dtype=np.int64)
    w_all = np.zeros(len(bank))
    raw_all = np.zeros((len(bank), len(_features.FEATURE_NAMES)))
    for s in ("train", "dev", "dev-test", "news"):
        y_all[rows[s]] = data.y[s]
        raw_all[rows[s]] = data.raw[s]
    w_all[rows["train"]] = 1.0
    w_all[rows["news"]] = news_weight
    mean = raw_all[tr].mean(axis=0)
    std = raw_all[tr].std(axis=0)
    std = np.where(std > 1e-6, std, 1.0)
    Z_all = (raw_all - mean) / std
    fold_of = np.full(len(bank), -1)
    fold_of[rows["train"]] = data.ct_fold
    fold_of[rows["news"]] = data.news_fold

    models, ct_oof, news_rows = [], np.zeros(len(rows["train"])), []
    fold_probs = {"dev": [], "dev-test": []}
    trained = list(range(min(data.folds, max_folds or data.folds)))  # fewer folds: less CPU, fewer OOF rows
    for k in trained:
        keep = tr[fold_of[tr] != k]
        log(f"  fold {k + 1}/{data.folds}: training on {len(keep)} rows")
        fold_models = [fit_top(bank, keep, y_all, w_all, Z_all, init, seed=SEED + 100 * k + s, epochs=epochs,
                               log=log) for s in range(seeds)]
        model = soup(fold_models) if len(fold_models) > 1 else fold_models[0]
        models += fold_models
        det = make_detector(model, mean, std)
        held = data.ct_fold == k
        ct_oof[held] = bank_probabilities(det, bank, rows["train"][held], data.raw["train"][held])
        names_k = [n for i, n in enumerate(data.gold) if data.doc_fold[i] == k]
        gold_k = {n: data.gold[n] for n in names_k}
        news_rows += data.score_articles(det, gold_k, [d for d in data.docs if d[0] in gold_k])
        for s in fold_probs:
            fold_probs[s].append(bank_probabilities(det, bank, rows[s], data.raw[s]))
    shipped = make_detector(soup(models), mean, std)
    pooled_tr = shipped.pooled([bank.get(i) for i in tr])
    shipped.sem_offset = float(np.mean(pooled_tr @ shipped.head_w))

    covered = np.isin(data.ct_fold, trained)
    oof = {"ct24": (data.y["train"][covered], ct_oof[covered]),
           "news": (np.array([r["label"] for r in news_rows]), np.array([r["score"] for r in news_rows]))}
    probs = {s: bank_probabilities(shipped, bank, rows[s], data.raw[s]) for s in ("dev", "dev-test")}
    t = pick_threshold(rule, oof, (data.y["dev"], probs["dev"]))
    tt = pick_threshold("cv-ct24", oof, (data.y["dev"], probs["dev"]))
    shipped.threshold, shipped.threshold_transcript = t, tt
    ens = {s: 1.0 / (1.0 + np.exp(-np.mean([np.log(p / (1 - p + 1e-12) + 1e-12) for p in fold_probs[s]], axis=0)))
           for s in fold_probs}
    result = {
        "threshold": t,
        "threshold_rule": rule,
        "threshold_transcript": tt,
        "ct24_cv": metrics(*oof["ct24"], tt),
        "dev": metrics(data.y["dev"], probs["dev"], tt),
        "dev-test": metrics(data.y["dev-test"], probs["dev-test"], tt),
        "dev-test_at_article_threshold": metrics(data.y["dev-test"], probs["dev-test"], t),
        "news_cv": metrics(*oof["news"], t) if news_rows else None,
        "news_cv_furniture_claims": sum(1 for r in news_rows if r["furniture"] and r["score"] >= t),
        **news_parts(news_rows, data.wikinews, t, metrics),
        "fold_logit_average": {s: metrics(data.y[s], ens[s], tt) for s in ens},
        "seconds": round(time.perf_counter() - t0, 1),
        "_oof": oof,
        "_probs": probs,
    }
    return shipped, result


def news_parts(news_rows: list[dict], wikinews: dict, t: float, metrics) -> dict:
    """Out-of-fold figures of the Wikinews articles and of the samples apart, the Wikinews ones with a 95%
    bootstrap interval over articles (empty when no Wikinews article is in the folds)."""
    if not wikinews:
        return {}
    from claims.research.eval_news import bootstrap

    wiki = [r for r in news_rows if r["doc"] in wikinews]
    own = [r for r in news_rows if r["doc"] not in wikinews]
    out = {"news_cv_wikinews": metrics([r["label"] for r in wiki], [r["score"] for r in wiki], t),
           "news_cv_samples": metrics([r["label"] for r in own], [r["score"] for r in own], t) if own else None}
    rows = [{"id": r["doc"], "label": r["label"], "predicted": r["score"] >= t} for r in wiki]
    out["news_cv_wikinews"]["interval"] = bootstrap(rows)
    return out


# --------------------------------------------------------------------------------------- baseline
def tfidf_baseline(data, metrics, pick_threshold, rule: str) -> dict:
    """TF-IDF (words and bigrams) + logistic regression, class-balanced, under the same folds: the
    reference every CT24 paper reports. News rows are scored as gold sentences, not through the pipeline."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    def fit(texts, y, w):
        vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        clf = LogisticRegression(C=4.0, class_weight="balanced", max_iter=3000)
        clf.fit(vec.fit_transform(texts), y, sample_weight=w)
        return lambda t: clf.predict_proba(vec.transform(t))[:, 1]

    tr_texts = data.texts["train"] + data.texts["news"]
    y = np.concatenate([data.y["train"], data.y["news"]])
    w = np.concatenate([np.ones(len(data.y["train"])), np.full(len(data.y["news"]), 10.0)])
    fold = np.concatenate([data.ct_fold, data.news_fold])
    ct_oof, news_oof = np.zeros(len(data.y["train"])), np.zeros(len(data.y["news"]))
    n_ct = len(data.y["train"])
    for k in range(data.folds):
        keep = np.flatnonzero(fold != k)
        f = fit([tr_texts[i] for i in keep], y[keep], w[keep])
        held = np.flatnonzero(data.ct_fold == k)
        ct_oof[held] = f([data.texts["train"][i] for i in held])
        held_n = np.flatnonzero(data.news_fold == k)
        if len(held_n):
            news_oof[held_n] = f([data.texts["news"][i] for i in held_n])
    f = fit(tr_texts, y, w)
    probs = {s: f(data.texts[s]) for s in ("dev", "dev-test")}
    oof = {"ct24": (data.y["train"], ct_oof), "news": (data.y["news"], news_oof)}
    t = pick_threshold(rule, oof, (data.y["dev"], probs["dev"]))
    return {"name": "TF-IDF + LR, CT24 + news (baseline; news rows scored as gold sentences)", "threshold": t,
            "threshold_rule": rule, "ct24_cv": metrics(*oof["ct24"], t), "dev": metrics(data.y["dev"], probs["dev"], t),
            "dev-test": metrics(data.y["dev-test"], probs["dev-test"], t), "news_cv": metrics(*oof["news"], t)}


# --------------------------------------------------------------------------------------- command
def train(data_path, out_path, extra=None, articles=None, news_weight: float = 10.0, folds: int = 4,
          seeds: int = 1, epochs: int = 1, threshold_rule: str = "cv-balanced", compare: bool = True,
          heldout: bool = True, cache_dir=None, verbose: bool = True, max_folds: int | None = None,
          news_split: str = "all", wikinews=None) -> dict:
    """Cross-validate the fine-tuned recipe, write the shipped model to `out_path`; returns every figure."""
    from claims.pipeline.embed import get_embedder
    from claims.research.detect_data import (THRESHOLD_RULES, Data, metrics, pick_threshold,
                                             threshold_alternatives)

    if threshold_rule not in THRESHOLD_RULES:
        raise ValueError(f"threshold_rule must be one of {THRESHOLD_RULES}, got {threshold_rule!r}")
    t0 = time.perf_counter()
    log = print if verbose else (lambda *a, **k: None)
    cache_dir = Path(cache_dir or cache_dir_setting())

    def minilm():
        return get_embedder(DEFAULT_MODEL_NAME)

    banks: dict[int, StateBank] = {}

    def embed_fn(texts):  # the search vectors, and the layer-`LAYER_FROM` states of the same pass, kept for training
        bank = StateBank.build(list(texts), minilm, cache_dir, log)
        banks[len(banks)] = bank
        return bank.vectors

    data = Data(data_path, extra, articles, folds, cache_dir, log, embed_fn=embed_fn, news_split=news_split,
                wikinews=wikinews)
    bank, parts = StateBank.concat([banks[i] for i in range(len(banks))])
    rows = dict(zip(("train", "dev", "dev-test", "news"), parts))
    data.embedder = StatesEmbedder(minilm)
    init = dt.pretrained_layers(minilm().weights)
    log(f"layer-{dt.LAYER_FROM} states of {len(bank)} sentences, {len(bank.tokens):,} tokens; "
        f"cross-validating the fine-tuned recipe, {folds} folds x {seeds} seed(s), {epochs} epochs:")
    shipped, res = run_tuned(data, bank, rows, init, news_weight, epochs, seeds, threshold_rule,
                             pick_threshold, metrics, log, max_folds=max_folds)
    res["name"] = f"MiniLM top-{dt.N_LAYERS} layers fine-tuned + lexical features (shipped)"
    recipes = [res]
    if compare:
        recipes.insert(0, tfidf_baseline(data, metrics, pick_threshold, threshold_rule))

    held_rows = data.score_articles(shipped, data.heldout, data.heldout_docs) if heldout else []
    if held_rows:
        res["news_heldout"] = metrics([r["label"] for r in held_rows], [r["score"] for r in held_rows],
                                      shipped.threshold)
        res["news_heldout_furniture_claims"] = sum(1 for r in held_rows if r["furniture"]
                                                   and r["score"] >= shipped.threshold)
    alternatives = threshold_alternatives(res, data)
    shipped.meta = {
        "trained_on": "CT24 English train (ClaimBuster, US presidential debates 1960-2016)"
                      + (f" + {len(data.y['news'])} news rows (weight {news_weight:g})" if len(data.y["news"]) else ""),
        "news_articles": list(data.gold),
        "recipe": f"MiniLM layers {dt.LAYER_FROM + 1}-6 fine-tuned on layer-{dt.LAYER_FROM} states + lexical "
                  f"features (int8 matrices); weight average of "
                  f"{folds} fold models x {seeds} seed(s), {epochs} epochs each",
        "threshold_rule": threshold_rule,
        "threshold_transcript_rule": "cv-ct24",
        "news_split": news_split,
        "wikinews_articles": list(data.wikinews),
        "figures": {k: res.get(k) for k in ("ct24_cv", "dev", "dev-test", "news_cv", "news_cv_wikinews",
                                            "news_cv_samples", "news_heldout")},
    }
    out_path = Path(out_path)
    shipped.save(out_path)
    reloaded = dt.TunedDetector.load(out_path)
    reloaded.bf16 = False  # the file against the fitted model, both in float32 (as every figure here is measured)
    for s in ("dev", "dev-test"):  # the file (float16 layers) must reproduce the measured model
        p = bank_probabilities(reloaded, bank, rows[s], data.raw[s])
        drift = float(np.max(np.abs(p - res["_probs"][s])))
        log(f"saved model vs fitted on {s}: max score drift {drift:.4f}")
        if drift > 0.05:
            raise RuntimeError(f"saved detector drifts from the fitted model on {s}: {drift:.3f}")
    result = {
        "threshold": shipped.threshold,
        "threshold_transcript": shipped.threshold_transcript,
        "threshold_rule": threshold_rule,
        "recipes": [{k: v for k, v in r.items() if not k.startswith("_")} for r in recipes],
        "threshold_alternatives": alternatives,
        "n_train": int(len(data.y["train"])),
        "n_news": int(len(data.y["news"])),
        "news_articles": list(data.gold),
        "heldout_articles": list(data.heldout),
        "states_seconds": round(data.embed_seconds, 1),
        "npz_bytes": out_path.stat().st_size,
        "total_seconds": round(time.perf_counter() - t0, 1),
    }
    from claims.research.detect_data import format_table

    log("")
    log(format_table(result))
    fa = res["fold_logit_average"]
    for part in ("news_cv_wikinews", "news_cv_samples"):
        if res.get(part):
            m = res[part]
            log(f"{part} at the article threshold {shipped.threshold:.3f}: P {m['precision']:.3f} R {m['recall']:.3f} "
                f"F1 {m['f1']:.3f} AP {m['average_precision']:.3f}" + (f" {m['interval']}" if "interval" in m else ""))
    log(f"fold models' logit average instead of their weight average: dev F1 {fa['dev']['f1']:.3f}, "
        f"dev-test F1 {fa['dev-test']['f1']:.3f} (AP {fa['dev-test']['average_precision']:.3f})")
    log(f"wrote {out_path} ({result['npz_bytes']:,} bytes) in {result['total_seconds']:.0f}s")
    return result
