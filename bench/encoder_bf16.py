"""Quality of MiniLM in bfloat16 (CLAIMS_MODEL=sentence-transformers/all-MiniLM-L6-v2@bf16) against float32.

Two checks, the rule written before they ran (issue 20): the bfloat16 encoder ships only if the shipped
matching recipe's cross-validated MAP@5 moves by at most 0.003.

1. Matching: `claims.research.cv_match.run_cv` over CheckThat! 2022 2A train + dev (5 folds by query, dates
   hidden; training data, so these are training figures) for plain fusion and the shipped recipe, once with
   each encoder.
2. Detection: the shipped detector's scores from each encoder's layer-1 states (the shared pass) on CT24 dev
   and dev-test (development data, used before to choose): F1 at both thresholds, AP, decisions that flip.

Prints and writes docs/experiments/encoder_bf16_<date>.json (or --out). Never asserts anything.

    python bench/encoder_bf16.py --checkthat ../shared/data/checkthat2022_2a --ct24 ../shared/data/ct24/ct24_english.tsv
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.pipeline.detect_tuned import TunedDetector  # noqa: E402
from claims.pipeline.embed import MiniLMEmbedder  # noqa: E402
from claims.research import cv_match as cv  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"


def matching(folder: str) -> dict:
    fusion = next(v for v in cv.VARIANTS if v.name == cv.BASELINE)
    out = {}
    for name, bf16 in (("fp32", False), ("bf16", True)):
        t = time.perf_counter()
        rep = cv.run_cv(folder, embedder=MiniLMEmbedder(bf16=bf16), variants=(fusion, cv.ROUND_4),
                        progress=lambda line, name=name: print(name, line, flush=True))
        out[name] = {"mean": rep["mean"], "per_fold": rep["map@5"], "seconds": round(time.perf_counter() - t, 1)}
    return out


def detection(path: str) -> dict:
    from sklearn.metrics import average_precision_score, f1_score

    rows = [r for r in csv.DictReader(open(path, encoding="utf-8"), delimiter="\t") if r["split"] in ("dev", "dev-test")]
    texts, y = [r["text"] for r in rows], np.array([int(r["label"]) for r in rows])
    det = TunedDetector.load()
    out, probs = {"n": len(texts), "detector_bf16": det.bf16}, {}
    cut = {"article": det.threshold_for(None), "transcript": det.threshold_for("transcript")}
    for name, bf16 in (("fp32", False), ("bf16", True)):
        t = time.perf_counter()
        _, states = MiniLMEmbedder(bf16=bf16).encode_with_states(texts, layer=1)
        out[f"encode_s_{name}"] = round(time.perf_counter() - t, 2)
        p = probs[name] = det.probabilities(texts, states=states)
        out[name] = {"ap": round(average_precision_score(y, p), 4),
                     **{f"f1_{g}": round(f1_score(y, p >= c), 4) for g, c in cut.items()}}
    diff = np.abs(probs["fp32"] - probs["bf16"])
    out.update(max_dp=round(float(diff.max()), 4), mean_dp=round(float(diff.mean()), 5),
               **{f"flips_{g}": int(((probs["fp32"] >= c) != (probs["bf16"] >= c)).sum()) for g, c in cut.items()})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkthat", default=str(SHARED / "checkthat2022_2a"))
    ap.add_argument("--ct24", default=str(SHARED / "ct24" / "ct24_english.tsv"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "experiments" / f"encoder_bf16_{date.today()}.json"))
    args = ap.parse_args()
    result = {"date": str(date.today()), "rule": "ship the bfloat16 encoder only if the shipped recipe's CV MAP@5 "
                                                 "moves by at most 0.003",
              "cv_map5_training": matching(args.checkthat), "detector_on_ct24_dev_and_devtest": detection(args.ct24)}
    shipped = cv.ROUND_4.name
    m = result["cv_map5_training"]
    result["delta_map5"] = round(m["bf16"]["mean"][shipped] - m["fp32"]["mean"][shipped], 4)
    print(json.dumps(result, indent=1))
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
