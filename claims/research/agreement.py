"""How far two annotators agree on the Wikinews gold: the ceiling the attribution and detector targets sit under.

    python -m claims.research.agreement --wikinews ../shared/data/wikinews/articles.jsonl --notes DIR [DIR ...] \
        [--json-out docs/experiments/agreement_DATE.json]

Each DIR holds a second annotator's work on articles of the gold's train and dev splits: `<id>.json`, an
attribution note in the guideline's form (docs/attribution-guideline.md), and `<id>.labels.jsonl`, one
check-worthiness label per sentence unit of the shipped gold (docs/checkworthiness-guideline.md). The second
annotators read the guidelines and two worked examples only: not the shipped gold of their articles, and no model
output. Notes quote the articles, so they stay outside the repository; this script and the figures it writes are
what ships.

What is reported, fixed before the first second annotation was read (2026-12-06, twelfth session):

* attribution: the second annotation scored against the shipped gold with the evaluator of `claims eval
  attribution --data` (pair lenient, source exact and the rest; 95% bootstrap intervals over articles), so the
  figures read like the extractor's. Precision and recall swap when the two annotations swap; F1 does not.
* the extractor on the same articles, with the same evaluator (a training figure: these articles are train and
  dev, which the rules were read from).
* check-worthiness: agreement on is_claim per sentence unit, Cohen's kappa, and the second annotator's F1 for
  is_claim against the gold; the shipped detector's F1 on the same units (a training figure for the same reason).

It decides nothing about the models: it says how much of the gap to the targets (attribution recall 0.85, news
F1 0.92) is in the text and how much is in the readers.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

from claims.research import eval_spans as es
from claims.research.wikinews_gold import convert_note, read_articles, read_gold, read_labels


def read_notes(dirs: list[Path], texts: dict[str, str]) -> tuple[dict[str, list[dict]], list[dict]]:
    """(attributions per article in the gold's form, check-worthiness labels) from the annotators' folders."""
    attrs, labels = {}, []
    for d in dirs:
        for path in sorted(d.glob("*.json")):
            note = json.loads(path.read_text(encoding="utf-8"))
            if note["id"] not in texts:
                raise SystemExit(f"error: {path}: {note['id']} is not an article of the gold's train or dev split")
            attrs[note["id"]] = convert_note(note, texts[note["id"]])
        for path in sorted(d.glob("*.labels.jsonl")):
            labels += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return attrs, labels


def kappa(pairs: list[tuple[bool, bool]]) -> float:
    """Cohen's kappa of two yes/no labellings."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    pa, pb = sum(a for a, _ in pairs) / n, sum(b for _, b in pairs) / n
    expected = pa * pb + (1 - pa) * (1 - pb)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def f1_counts(pairs: list[tuple[bool, bool]]) -> tuple[int, int, int]:
    """(tp, fp, fn) of the second labelling (b) against the first (a)."""
    tp = sum(a and b for a, b in pairs)
    return tp, sum(b and not a for a, b in pairs), sum(a and not b for a, b in pairs)


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def label_figures(per_article: dict[str, list[tuple[bool, bool]]], reps: int = 2000, seed: int = 0) -> dict:
    """Agreement, kappa and F1 with 95% bootstrap intervals over articles."""
    ids = sorted(per_article)
    flat = [p for i in ids for p in per_article[i]]
    tp, fp, fn = f1_counts(flat)
    rng, boot = random.Random(seed), {"agreement": [], "kappa": [], "precision": [], "recall": [], "f1": []}
    for _ in range(reps):
        sample = [p for _ in ids for p in per_article[ids[rng.randrange(len(ids))]]]
        boot["agreement"].append(sum(a == b for a, b in sample) / len(sample))
        boot["kappa"].append(kappa(sample))
        tp_, fp_, fn_ = f1_counts(sample)
        boot["f1"].append(f1(tp_, fp_, fn_))
        boot["precision"].append(tp_ / (tp_ + fp_) if tp_ + fp_ else 0.0)
        boot["recall"].append(tp_ / (tp_ + fn_) if tp_ + fn_ else 0.0)
    interval = {k: [round(sorted(v)[int(0.025 * reps)], 4), round(sorted(v)[int(0.975 * reps) - 1], 4)]
                for k, v in boot.items()}
    return {"units": len(flat), "gold claims": sum(a for a, _ in flat), "second claims": sum(b for _, b in flat),
            "agreement": round(sum(a == b for a, b in flat) / len(flat), 4), "kappa": round(kappa(flat), 4),
            "f1": round(f1(tp, fp, fn), 4), "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0, "interval": {"reps": reps, **interval}}


def detector_labels(texts: dict[str, str], units: dict[str, list[tuple[int, int]]]) -> dict[tuple, bool]:
    """The shipped detector's is_claim for every gold unit, as `claims eval news` reads it: the pipeline's
    sentences that overlap the unit, a claim if any of them is (genre detected, as `claims extract` does)."""
    from claims.pipeline.detector import load_detector
    from claims.pipeline.embed import get_embedder
    from claims.pipeline.extract import Pipeline

    det = load_detector()
    pipe = Pipeline(get_embedder(det.model_name), det, attribution=False)
    ids = sorted(units)
    out = {}
    for aid, ext in zip(ids, pipe.run([(aid, texts[aid]) for aid in ids])):
        for s, e in units[aid]:
            out[(aid, s, e)] = any(r.score.is_claim for r in ext.results if r.sentence.start < e and s < r.sentence.end)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m claims.research.agreement", description=__doc__.split("\n\n")[0])
    ap.add_argument("--wikinews", required=True, help="../shared/data/wikinews/articles.jsonl")
    ap.add_argument("--notes", nargs="+", required=True, type=Path, help="the second annotators' folders")
    ap.add_argument("--json-out", help="write the figures here")
    args = ap.parse_args(argv)
    arts, gold_attrs = read_gold()
    dev = {a["id"] for a in arts if a["split"] in ("train", "dev")}
    every = read_articles(args.wikinews)
    texts = {i: every[i]["text"] for i in dev}
    second, labels = read_notes(args.notes, texts)
    ids = sorted(second)
    gold = {i: [es.gold_view(r, texts[i]) for r in gold_attrs if r["id"] == i] for i in ids}
    other = {i: [es.gold_view(r, texts[i]) for r in second[i]] for i in ids}
    result: dict = {"articles": ids, "gold attributions": sum(map(len, gold.values())),
                    "second attributions": sum(map(len, other.values()))}
    result["second annotator"] = es.score(gold, other)
    result["extractor (training figure)"] = es.score(gold, es.predict({i: texts[i] for i in ids}))
    gold_labels = {(r["id"], *r["sentence"]): r["is_claim"] for r in read_labels() if r["id"] in second}
    second_labels = {(r["id"], r["start"], r["end"]): r["is_claim"] for r in labels}
    missing = sorted(set(gold_labels) - set(second_labels))
    if missing:
        print(f"error: {len(missing)} gold unit(s) have no second label, e.g. {missing[0]}", file=sys.stderr)
        return 1
    units: dict[str, list[tuple[int, int]]] = {}
    for aid, s, e in gold_labels:
        units.setdefault(aid, []).append((s, e))
    detected = detector_labels(texts, units)
    result["labels: second annotator"] = label_figures(
        {a: [(gold_labels[(a, s, e)], second_labels[(a, s, e)]) for s, e in spans] for a, spans in units.items()})
    result["labels: detector (training figure)"] = label_figures(
        {a: [(gold_labels[(a, s, e)], detected[(a, s, e)]) for s, e in spans] for a, spans in units.items()})
    for name in ("second annotator", "extractor (training figure)"):
        r = result[name]
        m, ci = r["metrics"]["pair_lenient"], r["pair_lenient_interval"]
        print(f"attribution, {name}, against the gold ({len(ids)} articles, {result['gold attributions']} gold): "
              f"pair lenient P {m['precision']:.3f} R {m['recall']:.3f} F1 {m['f1']:.3f} "
              f"(95%: R {ci['recall'][0]:.3f}-{ci['recall'][1]:.3f}, F1 {ci['f1'][0]:.3f}-{ci['f1'][1]:.3f}); "
              f"source exact F1 {r['metrics']['source_exact']['f1']:.3f}")
    for name in ("labels: second annotator", "labels: detector (training figure)"):
        r = result[name]
        print(f"check-worthiness, {name.split(': ')[1]}, against the gold ({r['units']} units, {r['gold claims']} "
              f"claims): agreement {r['agreement']:.3f}, kappa {r['kappa']:.3f} "
              f"({r['interval']['kappa'][0]:.3f}-{r['interval']['kappa'][1]:.3f}), F1 {r['f1']:.3f} "
              f"({r['interval']['f1'][0]:.3f}-{r['interval']['f1'][1]:.3f}), P {r['precision']:.3f} R {r['recall']:.3f}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
