"""The shipped student (`claims.pipeline.detect_student`): an attention-pooling head over MiniLM's last-layer token
states, trained on labels and on the teacher's scores; cross-validated in the teacher's folds, then fitted on
every row. Called by `python -m claims.research.distil_detect` (see there for the rule and the data)."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from claims.pipeline import detect_student as ds

EPOCHS = 3
BATCH = 32
NEWS_WEIGHT = 3.0


class Rows:
    """Every training row: labelled (CT24 train, news) then unlabelled, with vector, features, teacher logit,
    label, weight, fold (-1: unlabelled, in every fold's training set) and token states."""

    def __init__(self, data, lab: dict, unl: dict, bank: dict):
        self.E = np.vstack([lab["train"]["vectors"], lab["news"]["vectors"], unl["vectors"]]).astype(np.float32)
        self.F = np.vstack([lab["train"]["features"], lab["news"]["features"], unl["features"]]).astype(np.float64)
        self.T = np.concatenate([lab["train"]["teacher"], lab["news"]["teacher"], unl["teacher"]])
        self.n_ct, self.n_news, n_u = len(data.y["train"]), len(data.y["news"]), len(unl["teacher"])
        self.n_lab = self.n_ct + self.n_news
        self.Y = np.concatenate([data.y["train"], data.y["news"], np.zeros(n_u)]).astype(np.float32)
        self.W = np.concatenate([np.ones(self.n_ct), np.full(self.n_news, NEWS_WEIGHT), np.zeros(n_u)]).astype(np.float32)
        self.fold = np.concatenate([data.ct_fold, data.news_fold, np.full(n_u, -1)])
        self.tokens, self.offsets = bank[f"layer{ds.LAYER}"], bank["offsets"]
        self.lengths = np.diff(self.offsets)

    def batch(self, idx):
        import torch

        t = int(self.lengths[idx].max())
        h = np.zeros((len(idx), t, ds.DIM), np.float32)
        m = np.zeros((len(idx), t), np.float32)
        for j, i in enumerate(idx):
            n = self.lengths[i]
            h[j, :n] = self.tokens[self.offsets[i]:self.offsets[i] + n]
            m[j, :n] = 1
        return torch.from_numpy(h), torch.from_numpy(m)


def _module(k: int, hidden: int = 256):
    import torch

    hd = ds.DIM // ds.HEADS

    class Student(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.q = torch.nn.Parameter(torch.randn(ds.HEADS, hd) * 0.02)
            self.k = torch.nn.Linear(ds.DIM, ds.DIM)
            self.v = torch.nn.Linear(ds.DIM, ds.DIM)
            self.deep = torch.nn.Sequential(torch.nn.Linear(2 * ds.DIM, hidden), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                                            torch.nn.Linear(hidden, 1, bias=False))
            self.sem = torch.nn.Linear(ds.DIM, 1)
            self.lex = torch.nn.Linear(k, 1, bias=False)

        def forward(self, h, m, e, z):
            b, t, _ = h.shape
            keys, vals = self.k(h).view(b, t, ds.HEADS, hd), self.v(h).view(b, t, ds.HEADS, hd)
            att = (torch.einsum("bthd,hd->bht", keys, self.q) / hd ** 0.5).masked_fill(m[:, None, :] == 0, -1e9)
            pooled = torch.einsum("bht,bthd->bhd", att.softmax(-1), vals).reshape(b, ds.DIM)
            return (self.deep(torch.cat([e, pooled], 1)) + self.sem(e) + self.lex(z)).squeeze(1)

    return Student()


def fit(rows: Rows, idx: np.ndarray, seed: int, threshold: float = 0.5, log=print) -> ds.StudentDetector:
    """Train on the rows `idx` (label BCE on labelled ones + BCE against the teacher's probability on all);
    returns the product's detector with these weights."""
    import torch

    from claims.pipeline.minilm import cpu_has_bf16

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    mean, std = rows.F[idx].mean(0), rows.F[idx].std(0)
    std = np.where(std > 1e-12, std, 1.0)
    Z = ((rows.F - mean) / std).astype(np.float32)
    net = _module(rows.F.shape[1])
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    steps = EPOCHS * ((len(idx) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    wsum = float(rows.W[idx].sum()) / len(idx)
    soft = (1.0 / (1.0 + np.exp(-rows.T))).astype(np.float32)
    t0 = time.perf_counter()
    net.train()
    for _ in range(EPOCHS):
        order = idx[np.argsort(rows.lengths[idx] + rng.uniform(0, 3, len(idx)))]  # similar lengths together
        batches = [order[i:i + BATCH] for i in range(0, len(order), BATCH)]
        rng.shuffle(batches)
        for b in batches:
            h, m = rows.batch(b)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cpu_has_bf16()):
                z = net(h, m, torch.from_numpy(rows.E[b]), torch.from_numpy(Z[b])).float()
            loss = (bce(z, torch.from_numpy(rows.Y[b]), weight=torch.from_numpy(rows.W[b]), reduction="sum") / wsum
                    + bce(z, torch.from_numpy(soft[b]), reduction="sum")) / len(b)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    log(f"    fitted on {len(idx):,} rows in {time.perf_counter() - t0:.0f}s")
    sd = {k: v.detach().float().numpy() for k, v in net.state_dict().items()}
    arrays = {"k_w": sd["k.weight"], "k_b": sd["k.bias"], "v_w": sd["v.weight"], "v_b": sd["v.bias"], "q": sd["q"],
              "sem_w": sd["sem.weight"].reshape(-1), "sem_b": sd["sem.bias"].reshape(()),
              "hidden_w": sd["deep.0.weight"], "hidden_b": sd["deep.0.bias"], "hidden_out": sd["deep.3.weight"].reshape(-1),
              "feat_weights": sd["lex.weight"].reshape(-1), "feat_mean": mean, "feat_std": std}
    det = ds.StudentDetector(arrays, threshold=threshold)
    # "semantic" is measured from the average training sentence, as in the other detectors
    lab = idx[idx < rows.n_lab]
    det.sem_offset = float(np.mean(_sem(det, rows, lab)))
    return det


def _states(rows: Rows, idx) -> list[np.ndarray]:
    return [rows.tokens[rows.offsets[i]:rows.offsets[i + 1]].astype(np.float32) for i in idx]


def _sem(det: ds.StudentDetector, rows: Rows, idx: np.ndarray) -> np.ndarray:
    return det.semantic(rows.E[idx], _states(rows, idx))


def logits(det: ds.StudentDetector, rows: Rows, idx: np.ndarray) -> np.ndarray:
    z = (rows.F[idx] - det.feat_mean) / det.feat_std
    return det.bias + _sem(det, rows, idx) + z @ det.feat_weights


def run(data, rows: Rows, folds: int, teacher_fig: dict, tolerance: float, out_path, log=print) -> dict:
    """Cross-validate (CT24 rows scored directly, news articles through the product's pipeline, as the teacher's
    figures were), pick the thresholds from the out-of-fold scores, then fit on every row; writes `out_path` only
    when the article figures are within `tolerance` of the teacher's."""
    from claims.pipeline.extract import Pipeline
    from claims.research.detect_data import metrics, pick_threshold
    from claims.research.eval_detect import score_gold
    from claims.research.train_tuned import StatesEmbedder
    from claims.pipeline.embed import get_embedder
    from claims.pipeline.detect import DEFAULT_MODEL_NAME

    t0 = time.perf_counter()
    embedder = StatesEmbedder(lambda: get_embedder(DEFAULT_MODEL_NAME))
    oof_ct = np.zeros(rows.n_ct)
    news_rows: list[dict] = []
    names = list(data.gold)
    for k in range(folds):
        log(f"  fold {k + 1}/{folds}")
        det = fit(rows, np.flatnonzero(rows.fold != k), seed=k, log=log)
        held = np.flatnonzero(rows.fold[:rows.n_ct] == k)
        oof_ct[held] = logits(det, rows, held)
        gold_k = {n: data.gold[n] for i, n in enumerate(names) if data.doc_fold[i] == k}
        docs_k = [(n, t) for n, t in data.docs if n in gold_k]
        news_rows += score_gold(gold_k, docs_k, Pipeline(embedder=embedder, detector=det, attribution=False),
                                genre="article")
    p_ct = 1.0 / (1.0 + np.exp(-oof_ct))
    y_news = np.asarray([r["label"] for r in news_rows])
    p_news = np.asarray([r["score"] for r in news_rows])
    oof = {"ct24": (data.y["train"], p_ct), "news": (y_news, p_news)}
    t_news = pick_threshold("cv-news", oof, None)
    res = {"name": "attention head over last-layer token states, labels + teacher + Wikinews (shipped for articles)",
           "threshold": t_news, "ct24_cv_at_own_threshold": metrics(*oof["ct24"], pick_threshold("cv-ct24", oof, None)),
           "news_cv": metrics(y_news, p_news, t_news), "cv_seconds": round(time.perf_counter() - t0, 1),
           "_news_rows": news_rows}  # out of fold, per sentence (callers pop it before writing JSON)
    res["passes_articles"] = all(res["news_cv"][m] >= teacher_fig["news_cv"][m] - tolerance
                                 for m in ("f1", "average_precision"))
    res["passes_transcripts"] = all(res["ct24_cv_at_own_threshold"][m] >= teacher_fig["ct24_cv"][m] - tolerance
                                    for m in ("f1", "average_precision"))
    log(f"student: news CV F1 {res['news_cv']['f1']:.4f} AP {res['news_cv']['average_precision']:.4f} "
        f"(teacher {teacher_fig['news_cv']['f1']:.4f} / {teacher_fig['news_cv']['average_precision']:.4f}); "
        f"CT24 CV F1 {res['ct24_cv_at_own_threshold']['f1']:.4f} AP "
        f"{res['ct24_cv_at_own_threshold']['average_precision']:.4f} (teacher {teacher_fig['ct24_cv']['f1']:.4f} / "
        f"{teacher_fig['ct24_cv']['average_precision']:.4f})")
    if out_path and res["passes_articles"]:
        det = fit(rows, np.arange(len(rows.Y)), seed=0, threshold=t_news, log=log)
        det.meta = {"recipe": "4-head attention pooling over MiniLM's last-layer token states + search vector "
                              "(MLP 256) + lexical features; labels (CT24 train, news weight 3) + the fine-tuned "
                              f"detector's scores over {len(rows.Y) - rows.n_lab:,} unlabelled Wikinews sentences; "
                              f"{EPOCHS} epochs", "threshold_rule": "cv-news", "genre": "article",
                    "figures": {"news_cv": res["news_cv"], "ct24_cv": res["ct24_cv_at_own_threshold"]},
                    "news_articles": names}
        det.save(out_path)
        res["npz_bytes"] = Path(out_path).stat().st_size
        log(f"wrote {out_path}")
    return res
