import json, numpy as np, sys
from pathlib import Path
from claims.research.detect_data import Data
from claims.pipeline import features as F
d = Data("../shared/data/ct24/ct24_english.tsv", "samples/gold", None, 4, Path("/tmp/claims-cache"), print,
         embed_fn=lambda t: np.zeros((len(t), 384)))
out = {}
for s in ("train", "dev", "dev-test", "news"):
    out[f"{s}_texts"] = np.array(d.texts[s], dtype=str)
    out[f"{s}_y"] = d.y[s]
    out[f"{s}_raw"] = d.raw[s]
out["train_fold"] = d.ct_fold
out["news_fold"] = d.news_fold
ht, hy = [], []
for name, rows in d.heldout.items():
    for r in rows:
        if not r["furniture"]:
            ht.append(r["text"]); hy.append(int(r["is_claim"]))
out["held_texts"] = np.array(ht, dtype=str); out["held_y"] = np.array(hy)
out["held_raw"] = F.extract_matrix(ht).astype(np.float64)
np.savez_compressed(".devx/data.npz", **out)
print({k: v.shape for k, v in out.items()})
from claims.research.eval_detect import read_gold
g = read_gold("samples/gold", "all")
at, ay, af = [], [], []
for i, (name, rows) in enumerate(g.items()):
    for r in rows:
        if not r["furniture"]:
            at.append(r["text"]); ay.append(int(r["is_claim"])); af.append(i % 4)
out["all_texts"] = np.array(at, dtype=str); out["all_y"] = np.array(ay); out["all_fold"] = np.array(af)
out["all_raw"] = F.extract_matrix(at).astype(np.float64)
np.savez_compressed(".devx/data.npz", **out)
print(len(g), len(at), sum(ay))
