"""Round 7 of the matching recipe: what a fact-check's summary line adds to the re-ranker.

    python -m claims.research.subtitle_match --data ../shared/data/checkthat2022_2a [--json-out FILE]

CheckThat! 2A's fact-checks carry a `subtitle` the archive import does not keep: Snopes' summary line ("The
anaconda is one of the largest snakes, but ..."), the kind of line a newsroom's own archive has too (the
summary under a fact-check's headline). The candidates stay as they are (the same pools, so plain fusion and
round 5 are measured on the same rows); three features are added per candidate: MiniLM's cosine between the
query and the subtitle, its gap to the pool's best, and the share of the query's BM25 idf mass the subtitle holds.

The rule, written 2026-12-06 before this ran: cross-validation as `claims.research.cv_match` (5 folds by
fact-check over train + dev, dates hidden, MAP@5). Round 7 is the round-5 recipe with the three features; it
replaces round 5 only if it holds plain fusion in every fold and its mean is at least 0.002 above round 5's in
the same run. If it passes, the product needs a summary field on fact-checks before it can ship, and dev-test
is read once then; if not, nothing changes.

Result (2026-12-06): mean MAP@5 0.9119 against round 5's 0.9116 (every fold above fusion): it does not pass, and
nothing changes (`docs/experiments/match_cv_2026-12-06_round7.json`).
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from claims.research import cv_match as cm


def main(argv: list[str] | None = None) -> int:
    from claims.matching.match import encode_cached, query_text
    from claims.matching.rerank import _cover, _terms
    from claims.pipeline.embed import get_embedder

    ap = argparse.ArgumentParser(prog="python -m claims.research.subtitle_match", description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    embedder = get_embedder()
    records, texts, relevant, archive, qvecs, pools = cm.train_dev_pools(args.data, embedder)
    subtitles = []
    with open(Path(args.data) / "vclaims.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                subtitles.append(json.loads(line).get("subtitle") or "")
    assert len(subtitles) == len(records)
    sub_vecs = encode_cached(embedder, [s or r["claim"] for s, r in zip(subtitles, records)])
    idf = archive.bm25.idf_of

    def extra(text: str, qvec: np.ndarray, pool) -> np.ndarray:
        cos = sub_vecs[pool.refs] @ qvec
        qterms = _terms(query_text(text))
        cover = np.array([_cover(_terms(subtitles[r]), qterms, idf) for r in pool.refs])
        return np.column_stack([cos, cos - (cos.max() if len(cos) else 0.0), cover])

    for n, p in enumerate(pools):
        for q in (p, *p.extra["small"]):
            e = extra(texts[n], qvecs[n], q)
            q.extra["undated7"] = np.column_stack([q.extra["undated"], e])
            q.extra["dated7"] = np.column_stack([q.extra["dated"], e])
    print(f"{len(texts)} queries: pools and subtitle features in {time.perf_counter() - t0:.0f}s", flush=True)

    def _round7(train, test, vectors):
        score = cm.fit_mean(*cm._round4_rows(train, ("undated7", "dated7")))
        return [score(p.extra["undated7"]) for p in test]

    round7 = cm.Variant("round 7: round 5 + the subtitle", "listwise", _round7)
    report, passes = cm.against_round5(pools, relevant, archive.vectors, round7)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({
            "rule": "round 7 replaces round 5 if it holds fusion in every fold and its mean MAP@5 is >= 0.002 above "
                    "round 5's", "map@5": report["map@5"], "mean": report["mean"], "passes": passes,
            "seconds": round(time.perf_counter() - t0, 1)}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
