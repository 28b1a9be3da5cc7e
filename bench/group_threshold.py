"""Where to draw the line for "the same claim in several articles" (CLAIMS_GROUP_THRESHOLD).

Two measurements with the real MiniLM model:

1. CheckThat! 2022 task 2A tweets (train + dev, ../shared/data/checkthat2022_2a): two tweets that repeat the
   same Snopes-checked claim are the same claim said twice, in other words; any two tweets tied to different
   checks are not. For each cosine threshold: how many same-claim pairs reach it (recall), and what share of
   the pairs that reach it, after the figure and negation check (`claims.matching.match.same_claim`), are the same
   claim (precision).
2. The sample articles' gold claims (samples/gold): every pair from two different articles at or above the
   lowest threshold is printed, to read (the samples were not written to repeat claims across articles).

Prints both and writes bench/results/group_threshold.json. Never asserts anything.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import defaultdict
from datetime import datetime, timezone
from itertools import combinations
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from claims.pipeline.embed import get_embedder  # noqa: E402
from claims.matching.match import query_text, same_claim  # noqa: E402

THRESHOLDS = (0.70, 0.75, 0.80, 0.825, 0.85, 0.875, 0.90, 0.95)


def tweets(data: Path) -> tuple[list[str], list[str]]:
    """(texts, checked claim id) of the train and dev tweets."""
    texts = {}
    with open(data / "train_dev_queries.tsv", encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 2:
                texts[row[0]] = row[1]
    out_t, out_c = [], []
    for split in ("train", "dev"):
        with open(data / f"{split}_qrels.tsv", encoding="utf-8") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 3 and parts[0] in texts:
                    out_t.append(query_text(texts[parts[0]]))
                    out_c.append(parts[2])
    return out_t, out_c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "checkthat2022_2a"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "group_threshold.json"))
    args = ap.parse_args()
    emb = get_embedder()
    out = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "model": emb.name}

    data = Path(args.data)
    if (data / "train_qrels.tsv").exists():
        texts, checks = tweets(data)
        vecs = emb.encode(texts, batch_size=64)
        sims = vecs @ vecs.T
        by_check = defaultdict(list)
        for i, c in enumerate(checks):
            by_check[c].append(i)
        same = {(i, j) for ids in by_check.values() for i, j in combinations(ids, 2)}
        iu, ju = np.triu_indices(len(texts), 1)
        keep = sims[iu, ju] >= min(THRESHOLDS)
        pairs = [(int(i), int(j), float(sims[i, j])) for i, j in zip(iu[keep], ju[keep])]
        rows = []
        print(f"{len(texts)} tweets, {len(by_check)} checked claims, {len(same)} same-claim pairs")
        print("threshold  same-claim pairs found (recall)  precision  precision after figure/negation check")
        for t in THRESHOLDS:
            above = [(i, j, s) for i, j, s in pairs if s >= t]
            hits = sum((i, j) in same for i, j, _ in above)
            checked = [(i, j) for i, j, s in above if same_claim(texts[i], texts[j], s, t)]
            hits_checked = sum(p in same for p in checked)
            row = {"threshold": t, "pairs": len(above), "recall": round(hits / max(1, len(same)), 4),
                   "precision": round(hits / max(1, len(above)), 4),
                   "recall_checked": round(hits_checked / max(1, len(same)), 4),
                   "precision_checked": round(hits_checked / max(1, len(checked)), 4)}
            rows.append(row)
            print(f"{t:9.3f}  {hits:5d} of {len(same)} ({row['recall']:.3f})  {row['precision']:.3f}      "
                  f"{row['precision_checked']:.3f} (recall {row['recall_checked']:.3f})")
        out["checkthat"] = {"tweets": len(texts), "checks": len(by_check), "same_pairs": len(same), "rows": rows}
    else:
        print(f"{data} is not here: the CheckThat! measurement is skipped")

    claims = []
    for path in sorted((ROOT / "samples" / "gold").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row.get("is_claim") and not row.get("furniture"):
                claims.append((path.stem, row["text"]))
    vecs = emb.encode([t for _, t in claims], batch_size=64)
    sims = vecs @ vecs.T
    cross = []
    for i, j in combinations(range(len(claims)), 2):
        if claims[i][0] != claims[j][0] and sims[i, j] >= min(THRESHOLDS):
            cross.append({"cosine": round(float(sims[i, j]), 4), "a": claims[i], "b": claims[j],
                          "figures_agree": same_claim(claims[i][1], claims[j][1], 1.0, 0.0)})
    cross.sort(key=lambda p: -p["cosine"])
    print(f"\n{len(claims)} gold claims in {len({d for d, _ in claims})} sample articles; "
          f"{len(cross)} pairs across articles at cosine >= {min(THRESHOLDS)}:")
    for p in cross:
        print(f"  {p['cosine']:.3f} {'' if p['figures_agree'] else 'figures differ'}\n"
              f"     {p['a'][0]}: {p['a'][1][:110]}\n     {p['b'][0]}: {p['b'][1][:110]}")
    out["samples"] = {"claims": len(claims), "cross_article_pairs": cross}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2, ensure_ascii=False))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
