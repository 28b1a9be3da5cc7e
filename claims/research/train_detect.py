"""Train the check-worthiness detector, compare it with simpler recipes, and write its weights.

    python -m claims.research.train_detect --data ../shared/data/ct24 --extra samples/gold
    python -m claims.research.train_detect --recipe frozen --data ../shared/data/ct24/ct24_english.tsv \\
        --extra samples/gold --out claims/data/detector.npz

`--recipe tuned` (the default) fine-tunes a copy of MiniLM's top five layers on the cached layer-1 states and
writes `claims/data/detector_tuned.npz`: see `claims.research.train_tuned` for its method; it also prints a TF-IDF +
logistic regression baseline under the same folds. `--recipe frozen` is the detector over the frozen
embedding, described below, written to `claims/data/detector.npz`.

Data
    CT24 (CLEF 2024 CheckThat! task 1, English): train and dev are ClaimBuster (Arslan, Hassan, Li and
    Tremayne, ICWSM 2020; US presidential debates 1960-2016), dev-test comes from newer debates.
    `--extra` is the samples' gold folder (samples/GUIDELINE.md): the body and headline rows of its
    articles are training data; furniture is left out (the pipeline never scores it). Which articles:
    `--news-articles all` (the default) puts all 25 in the folds, so every news figure is out of fold;
    `dev` trains on 01-12 only and scores the held-back articles (13-20) once, at the end, with the
    shipped model, through the product's pipeline.

Method
1. Embeddings: all-MiniLM-L6-v2, normalised, cached under /tmp/claims-cache (never in the repository).
   The detector reads the same embeddings that similarity search stores; nothing is fine-tuned.
2. Lexical features (`claims.pipeline.features`), standardised with the training means and stds.
3. Models, each over [embedding ; features], class-balanced, news rows weighing `--news-weight`
   each (a CT24 row weighs 1):
   - LR: logistic regression (scikit-learn, C=0.01), the first detector's recipe;
   - MLP: logit = bias + w_emb.e + v.relu(W e + c) + w_lex.z, trained with torch (AdamW, one-cycle
     learning rate, dropout on the hidden layer); the features stay linear so that reasons are exact;
   - LR + MLP (shipped): the average of the two logits, which is again one such model.
4. Cross-validation, k folds (`--folds`): CT24 train is cut into k blocks of consecutive sentence ids
   (so one debate mostly stays in one block) and the dev articles into k groups. Fold i trains on
   everything but block i and group i (the MLP with `--seeds` seeds) and scores what it left out:
   CT24 sentences directly, articles through the product's pipeline (clean, split, furniture, score)
   as `claims eval detect` does. The shipped model is the average of all fold models (bagging: the
   hidden layers side by side, the linear parts averaged); dev and dev-test are scored by it, and
   neither is used for anything else.
5. Threshold (`--threshold-rule`). `cv-balanced` (the default) uses out-of-fold predictions only,
   never dev or dev-test: it maximises the mean of the F1 on CT24 and the F1 on news out of fold, so
   that neither domain's positive rate decides alone; `dev-f2` is the first detector's rule. The
   figures every rule gives are printed.
6. The comparison table repeats steps 3-5 for simpler recipes (LR or MLP alone; no news; the 26
   features of the first detector) under the same folds, so every figure in a row is measured alike.
   The shipped recipe was chosen by the CT24 and news cross-validation figures.

Everything printed is also returned (and written with `--json-out`).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from claims.pipeline import features as _features
from claims.pipeline.detect import DEFAULT_MODEL_NAME, Detector
from core.settings import cache_dir as cache_dir_setting
from claims.research.detect_data import (THRESHOLD_RULES, Data, format_table, metrics, pick_threshold,
                                         threshold_alternatives)

FIRST_FEATURES = 26  # the first detector's lexical features: FEATURE_NAMES[:26]
SEED = 0


# --------------------------------------------------------------------------------------- data


# --------------------------------------------------------------------------------------- embeddings


# --------------------------------------------------------------------------------------- models
def fit_mlp(E, Z, y, w, seed: int, hidden: int = 128, epochs: int = 10, lr: float = 2e-3,
            weight_decay: float = 1e-2, lex_decay: float = 1e-3, dropout: float = 0.2) -> dict:
    """One wide-and-deep model (see the module docstring) as numpy arrays in the Detector's terms."""
    import torch

    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    n, d = E.shape
    scale = 0.5 * float(np.sqrt(d))  # embedding dimensions near unit variance, like the features
    X = torch.tensor(E * scale, dtype=torch.float32)
    L = torch.tensor(Z, dtype=torch.float32)
    Y = torch.tensor(y, dtype=torch.float32)
    pos, neg = float((w * y).sum()), float((w * (1 - y)).sum())
    cw = w * np.where(y == 1, (pos + neg) / (2 * pos), (pos + neg) / (2 * neg))  # balanced classes
    CW = torch.tensor(cw / cw.mean(), dtype=torch.float32)

    hid = torch.nn.Linear(d, hidden)
    out = torch.nn.Linear(hidden, 1, bias=False)
    lin = torch.nn.Linear(d, 1, bias=False)
    lex = torch.nn.Linear(Z.shape[1], 1)
    drop = torch.nn.Dropout(dropout)
    opt = torch.optim.AdamW(
        [{"params": [*hid.parameters(), *out.parameters(), *lin.parameters()], "weight_decay": weight_decay},
         {"params": lex.parameters(), "weight_decay": lex_decay}],
        lr=lr,
    )
    batch = 256
    steps = epochs * ((n + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    for _ in range(epochs):
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, batch):
            b = perm[i:i + batch]
            logit = (out(drop(torch.relu(hid(X[b])))) + lin(X[b]) + lex(L[b])).squeeze(1)
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(logit, Y[b], reduction="none") * CW[b]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    with torch.no_grad():
        return {
            "emb_weights": lin.weight.numpy()[0].astype(np.float64) * scale,
            "hidden_w": hid.weight.numpy().astype(np.float64) * scale,
            "hidden_b": hid.bias.numpy().astype(np.float64),
            "hidden_out": out.weight.numpy()[0].astype(np.float64),
            "feat_weights": lex.weight.numpy()[0].astype(np.float64),
            "bias": float(lex.bias.numpy()[0]),
        }


def fit_lr(E, Z, y, w, seed: int, C: float = 0.01) -> dict:
    """Logistic regression over [sqrt(d) * embedding ; features], class-balanced (the first detector's recipe)."""
    from sklearn.linear_model import LogisticRegression

    scale = float(np.sqrt(E.shape[1]))
    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, solver="lbfgs", random_state=seed)
    clf.fit(np.hstack([E * scale, Z]), y, sample_weight=w)
    coef = clf.coef_.reshape(-1)
    d = E.shape[1]
    return {"emb_weights": coef[:d] * scale, "feat_weights": coef[d:], "bias": float(clf.intercept_[0])}


def combine(models: list[dict], mean, std, names, threshold: float = 0.5) -> Detector:
    """The average of several models' logits, as one Detector (hidden layers side by side)."""
    m = len(models)
    deep = [x for x in models if "hidden_w" in x]  # a logistic regression has no hidden layer
    kw = {}
    if deep:
        kw = {
            "hidden_w": np.vstack([x["hidden_w"] for x in deep]),
            "hidden_b": np.concatenate([x["hidden_b"] for x in deep]),
            "hidden_out": np.concatenate([x["hidden_out"] for x in deep]) / m,
        }
    return Detector(
        emb_weights=np.mean([x["emb_weights"] for x in models], axis=0),
        feat_weights=np.mean([x["feat_weights"] for x in models], axis=0),
        bias=float(np.mean([x["bias"] for x in models])),
        feat_mean=mean,
        feat_std=std,
        threshold=threshold,
        feat_names=names,
        model_name=DEFAULT_MODEL_NAME,
        **kw,
    )


def fast_probabilities(det: Detector, E: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """`det.probabilities` from precomputed normalised embeddings and raw features (same arithmetic)."""
    k = len(det.feat_names)
    z = (raw[:, :k] - det.feat_mean) / det.feat_std
    logit = det.bias + det.embedding_term(E.astype(np.float64)) + z @ det.feat_weights
    return 0.5 * (1.0 + np.tanh(0.5 * logit))


# --------------------------------------------------------------------------------------- thresholds


# --------------------------------------------------------------------------------------- training


def run_recipe(data: Data, recipe: dict, seeds: int, rule: str, log, memo: dict) -> tuple[Detector, dict]:
    """Cross-validate one recipe, bag its fold models into a Detector, pick its threshold, measure it.

    `memo` keeps fold models between recipes: the blend reuses the LR and MLP folds already fitted."""
    t0 = time.perf_counter()
    k_feat = recipe.get("features", len(_features.FEATURE_NAMES))
    names = _features.FEATURE_NAMES[:k_feat]
    use_news = recipe["news"] and len(data.y["news"]) > 0
    E_tr = np.vstack([data.E["train"]] + ([data.E["news"]] if use_news else []))
    R_tr = np.vstack([data.raw["train"]] + ([data.raw["news"]] if use_news else []))[:, :k_feat]
    y_tr = np.concatenate([data.y["train"]] + ([data.y["news"]] if use_news else []))
    w_tr = np.concatenate([np.ones(len(data.y["train"]))]
                          + ([np.full(len(data.y["news"]), float(recipe["news_weight"]))] if use_news else []))
    fold_tr = np.concatenate([data.ct_fold] + ([data.news_fold] if use_news else []))
    mean = R_tr.mean(axis=0)
    std = R_tr.std(axis=0)
    std = np.where(std > 1e-6, std, 1.0)
    Z_tr = (R_tr - mean) / std

    def fold_models(kind: str, k: int) -> list[dict]:
        key = (kind, use_news, k_feat, k)
        if key not in memo:
            keep = fold_tr != k
            if kind == "lr":
                memo[key] = [fit_lr(E_tr[keep], Z_tr[keep], y_tr[keep], w_tr[keep], seed=SEED + 100 * k)]
            else:
                memo[key] = [fit_mlp(E_tr[keep], Z_tr[keep], y_tr[keep], w_tr[keep], seed=SEED + 100 * k + s,
                                     **recipe.get("params", {})) for s in range(seeds)]
        return memo[key]

    all_models = []
    ct_oof = np.zeros(len(data.y["train"]))
    news_rows = []
    for k in range(data.folds):
        if recipe["model"] == "blend":  # LR and the MLP seeds weigh half each
            mlps = fold_models("mlp", k)
            models = fold_models("lr", k) * len(mlps) + mlps
        else:
            models = fold_models(recipe["model"], k)
        all_models += models
        det = combine(models, mean, std, names)
        held = data.ct_fold == k
        ct_oof[held] = fast_probabilities(det, data.E["train"][held], data.raw["train"][held])
        names_k = [n for i, n in enumerate(data.gold) if data.doc_fold[i] == k]
        gold_k = {n: data.gold[n] for n in names_k}
        news_rows += data.score_articles(det, gold_k, [d for d in data.docs if d[0] in gold_k])
    det = combine(all_models, mean, std, names)
    det.emb_offset = float(np.mean(det.embedding_term(E_tr)))

    oof = {"ct24": (data.y["train"], ct_oof),
           "news": (np.array([r["label"] for r in news_rows]), np.array([r["score"] for r in news_rows]))}
    probs = {s: fast_probabilities(det, data.E[s], data.raw[s]) for s in ("dev", "dev-test")}
    if not news_rows and rule.startswith("cv-") and rule != "cv-ct24":
        rule = "cv-ct24"
    t = pick_threshold(rule, oof, (data.y["dev"], probs["dev"]))
    det.threshold = t
    result = {
        "threshold": t,
        "threshold_rule": rule,
        "ct24_cv": metrics(*oof["ct24"], t),
        "dev": metrics(data.y["dev"], probs["dev"], t),
        "dev-test": metrics(data.y["dev-test"], probs["dev-test"], t),
        "news_cv": metrics(*oof["news"], t) if news_rows else None,
        "news_cv_furniture_claims": sum(1 for r in news_rows if r["furniture"] and r["score"] >= t),
        "seconds": round(time.perf_counter() - t0, 1),
        "_oof": oof,
        "_probs": probs,
    }
    log(f"  {recipe['name']}: threshold {t} ({rule}) in {result['seconds']}s")
    return det, result


RECIPES = (
    {"name": "LR, CT24 only, first 26 features (the first detector's recipe)", "model": "lr", "news": False,
     "features": FIRST_FEATURES, "rule": "dev-f2"},
    {"name": "LR, CT24 only", "model": "lr", "news": False},
    {"name": "LR, CT24 + news, first 26 features", "model": "lr", "news": True, "features": FIRST_FEATURES},
    {"name": "LR, CT24 + news", "model": "lr", "news": True},
    {"name": "MLP, CT24 only", "model": "mlp", "news": False},
    {"name": "MLP, CT24 + news", "model": "mlp", "news": True},
    {"name": "LR + MLP, CT24 + news (shipped)", "model": "blend", "news": True, "shipped": True},
)


def train(
    data_path: str | Path,
    out_path: str | Path,
    extra: str | Path | None = None,
    articles: str | Path | None = None,
    news_weight: float = 10.0,
    folds: int = 4,
    seeds: int = 2,
    hidden: int = 128,
    epochs: int = 10,
    threshold_rule: str = "cv-balanced",
    compare: bool = True,
    heldout: bool = True,
    cache_dir: str | Path | None = None,
    verbose: bool = True,
) -> dict:
    """Cross-validate the recipes, write the shipped one to `out_path`; returns every figure."""
    if threshold_rule not in THRESHOLD_RULES:
        raise ValueError(f"threshold_rule must be one of {THRESHOLD_RULES}, got {threshold_rule!r}")
    t0 = time.perf_counter()
    log = print if verbose else (lambda *a, **k: None)
    data = Data(data_path, extra, articles, folds, Path(cache_dir or cache_dir_setting()), log)
    recipes = [r for r in RECIPES if compare or r.get("shipped")]
    rows, shipped, shipped_result, memo = [], None, None, {}
    log(f"cross-validating {len(recipes)} recipe(s), {folds} folds, {seeds} seed(s) per MLP fold:")
    for recipe in recipes:
        recipe = dict(recipe, news_weight=news_weight)
        recipe["params"] = {"hidden": hidden, "epochs": epochs}
        det, res = run_recipe(data, recipe, seeds, recipe.get("rule", threshold_rule), log, memo)
        res["name"] = recipe["name"]
        rows.append(res)
        if recipe.get("shipped"):
            shipped, shipped_result = det, res

    # the held-back articles, scored once by the shipped model through the pipeline
    held_rows = data.score_articles(shipped, data.heldout, data.heldout_docs) if heldout else []
    if held_rows:
        shipped_result["news_heldout"] = metrics(
            [r["label"] for r in held_rows], [r["score"] for r in held_rows], shipped.threshold)
        shipped_result["news_heldout_furniture_claims"] = sum(
            1 for r in held_rows if r["furniture"] and r["score"] >= shipped.threshold)
    alternatives = threshold_alternatives(shipped_result, data)

    shipped.meta = {
        "trained_on": "CT24 English train (ClaimBuster, US presidential debates 1960-2016)"
                      + (f" + {len(data.y['news'])} news rows (weight {news_weight:g})" if len(data.y["news"]) else ""),
        "news_articles": list(data.gold),
        "recipe": f"logistic regression + wide-and-deep MLP, half each; {folds} folds x (1 LR + {seeds} MLP seeds) "
                  f"bagged, {hidden} hidden units per MLP",
        "threshold_rule": threshold_rule,
        "figures": {k: shipped_result.get(k) for k in ("ct24_cv", "dev", "dev-test", "news_cv", "news_heldout")},
    }
    out_path = Path(out_path)
    shipped.save(out_path)
    reloaded = Detector.load(out_path)  # the file must reproduce the fitted model (float32: small drift)
    for s in ("dev", "dev-test"):
        drift = float(np.max(np.abs(reloaded.probabilities(data.texts[s], data.E[s]) - shipped_result["_probs"][s])))
        if drift > 1e-4:
            raise RuntimeError(f"saved detector drifts from the fitted model on {s}: {drift:.2e}")

    result = {
        "threshold": shipped.threshold,
        "threshold_rule": threshold_rule,
        "recipes": [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows],
        "threshold_alternatives": alternatives,
        "n_train": int(len(data.y["train"])),
        "n_news": int(len(data.y["news"])),
        "news_articles": list(data.gold),
        "heldout_articles": list(data.heldout),
        "embedding_seconds": round(data.embed_seconds, 1),
        "feature_seconds": round(data.feature_seconds, 1),
        "npz_bytes": out_path.stat().st_size,
        "hidden_units": reloaded.hidden_units,
        "total_seconds": round(time.perf_counter() - t0, 1),
    }
    log("")
    log(format_table(result))
    log(f"wrote {out_path} ({result['npz_bytes']:,} bytes, {reloaded.hidden_units} hidden units) "
        f"in {result['total_seconds']:.0f}s")
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m claims.research.train_detect", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True,
                    help="CT24 English TSV (split, sentence_id, text, label), or the folder holding ct24_english.tsv")
    ap.add_argument("--recipe", choices=("tuned", "frozen"), default="tuned",
                    help="tuned (default): fine-tune MiniLM's top five layers (claims/data/detector_tuned.npz); "
                         "frozen: LR + MLP over the frozen embedding (claims/data/detector.npz)")
    ap.add_argument("--extra", default=None, help="the samples' gold folder (samples/gold): dev articles train, held-back ones test")
    ap.add_argument("--articles", default=None, help="folder of the articles (default: articles/ next to --extra)")
    ap.add_argument("--out", default=None,
                    help="where to write the weights (default: claims/data/detector_tuned.npz, or detector.npz for frozen)")
    ap.add_argument("--news-weight", type=float, default=10.0, help="sample weight of a news row (a CT24 row weighs 1)")
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--seeds", type=int, default=None,
                    help="seeds per fold (default: 1 tuned, 2 frozen MLP); all fold models are averaged")
    ap.add_argument("--train-folds", type=int, default=None,
                    help="tuned: train only the first N of the folds (less CPU; the shipped model averages those)")
    ap.add_argument("--hidden", type=int, default=128, help="hidden units per MLP")
    ap.add_argument("--epochs", type=int, default=None, help="default: 1 tuned, 10 frozen")
    ap.add_argument("--threshold-rule", choices=THRESHOLD_RULES, default=None,
                    help="how the (article) threshold is picked (see the module docstring); default cv-news for "
                         "tuned, whose transcript threshold is always cv-ct24, and cv-balanced for frozen")
    ap.add_argument("--news-articles", choices=("all", "dev"), default="all",
                    help="tuned: which gold articles join the folds: all 25 (default) or dev 01-12, holding 13-20 back")
    ap.add_argument("--wikinews", default=None,
                    help="tuned: ../shared/data/wikinews/articles.jsonl; the Wikinews check-worthiness gold's train and "
                         "dev articles (gold/wikinews) join the news folds, in blocks of dates")
    ap.add_argument("--no-compare", action="store_true", help="train the shipped recipe only, without the comparison")
    ap.add_argument("--no-heldout", action="store_true",
                    help="do not score the held-back articles (while developing: looking at them makes them dev data)")
    ap.add_argument("--cache-dir", default=str(cache_dir_setting()), help="embedding cache (outside the repo)")
    ap.add_argument("--json-out", default=None, help="also write every figure as JSON here")
    args = ap.parse_args(argv)
    data_path = Path(args.data)
    if data_path.is_dir():  # the data folder: its ct24_english.tsv
        data_path = data_path / "ct24_english.tsv"
    if not data_path.is_file():
        ap.error(f"{data_path} is not a file: give the CT24 TSV (ct24_english.tsv) or the folder holding it")
    if args.recipe == "tuned":
        from claims.research import train_tuned

        result = train_tuned.train(
            data_path, args.out or "claims/data/detector_tuned.npz", extra=args.extra, articles=args.articles,
            news_weight=args.news_weight, folds=args.folds, seeds=args.seeds or 1, epochs=args.epochs or 1,
            threshold_rule=args.threshold_rule or "cv-news", compare=not args.no_compare,
            heldout=not args.no_heldout, cache_dir=args.cache_dir, max_folds=args.train_folds,
            news_split=args.news_articles, wikinews=args.wikinews,
        )
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        return 0
    result = train(
        data_path, args.out or "claims/data/detector.npz", extra=args.extra, articles=args.articles,
        news_weight=args.news_weight, folds=args.folds, seeds=args.seeds or 2, hidden=args.hidden,
        epochs=args.epochs or 10,
        threshold_rule=args.threshold_rule or "cv-balanced", compare=not args.no_compare, heldout=not args.no_heldout,
        cache_dir=args.cache_dir,
    )
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
