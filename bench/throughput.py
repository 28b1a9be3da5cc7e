"""Throughput of `claims extract` end to end and of embedding alone, on the sample articles.

Also times `extract` with attribution switched off (issue 15's budget: attribution adds at most 30%), and the
attribution stage with the rules alone against the rules plus the learned step; and the parse without the entity
recogniser, which carries a second token encoder of its own (see claims.research.shared_ner). `--wikinews FILE` runs it on
real articles (the first `--limit` of ../shared/data/wikinews/articles.jsonl that are not in the gold).
Run it with CLAIMS_PARSE_HELPER=0 to measure with the whole spaCy parse in this one process.

Prints sentences per second (median of several runs after a warm-up) and per-stage times, and writes them to
bench/results/throughput.json. Never asserts anything."""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.pipeline import clean, nlp, split  # noqa: E402
from claims.pipeline.attribute import attribute, rules_only  # noqa: E402
from claims.pipeline.cues import needs_parse, parse_where_needed  # noqa: E402
from claims.services.workbench import Workbench  # noqa: E402
from core.settings import load_settings  # noqa: E402


def timed(fn, runs, cpu=None):
    """Median wall time of fn; with a list `cpu`, also appends the median process CPU time (all threads) to it."""
    times, cpus = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    if cpu is not None:
        cpu.append(statistics.median(cpus))
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--samples", default=str(ROOT / "samples" / "articles"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--wikinews", help="../shared/data/wikinews/articles.jsonl: real articles instead of the samples")
    ap.add_argument("--limit", type=int, default=60, help="with --wikinews: how many articles")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "throughput.json"))
    args = ap.parse_args()

    bench = Workbench(load_settings())
    if args.wikinews:
        gold = {json.loads(line)["id"] for line in open(ROOT / "gold" / "wikinews" / "articles.jsonl")}
        with open(args.wikinews, encoding="utf-8") as fh:
            rows = (json.loads(line) for line in fh)
            docs = [(r["id"], r["text"]) for r in rows if r["id"] not in gold][:args.limit]
    else:
        docs = [(a.name, a.text) for a in bench.ingest.read([args.samples])]
    pipe = bench.pipeline
    sents = [s for _, t in docs for s in pipe.sentences(t)[0]]
    texts = [s.text for s in sents if s.kind != "furniture"]
    n_all = len(sents)

    pipe.run(docs[:1])  # warm-up: loads MiniLM, the detector and spaCy
    cpu: list[float] = []  # CPU seconds: steadier than wall time on a machine shared with other work
    t_extract = timed(lambda: pipe.run(docs), args.runs, cpu)
    bare = dataclasses.replace(pipe, attribution=False)
    t_bare = timed(lambda: bare.run(docs), args.runs, cpu)
    t_embed = timed(lambda: bench.embedder.encode(texts), args.runs)
    t_split = timed(lambda: [split.split_sentences(t, clean.clean(t)) for _, t in docs], args.runs)
    t_parse_all = timed(lambda: nlp.parse(texts), args.runs)
    t_parse = timed(lambda: parse_where_needed(texts), args.runs)
    needed = [t for t in texts if needs_parse(t)]
    t_parse_plain = timed(lambda: nlp.parse(needed, entities=False), args.runs)
    parsed = parse_where_needed(texts)
    body = [s for s in sents if s.kind != "furniture"]
    t_attr = timed(lambda: attribute(body, parsed), args.runs)
    t_attr_rules = timed(lambda: attribute(body, parsed, finder=rules_only), args.runs)
    if getattr(bench.detector, "wants_states", False):  # the fine-tuned detector reads the pass's layer-1 states
        vecs, states = bench.embedder.encode_with_states(texts, layer=bench.detector.layer_from)
        t_detect = timed(lambda: bench.detector.score(texts, vecs, states=states), args.runs)
    else:
        vecs = bench.embedder.encode(texts)
        t_detect = timed(lambda: bench.detector.score(texts, vecs), args.runs)

    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "documents": len(docs),
        "sentences": n_all,
        "scored_sentences": len(texts),
        # every sentence `claims extract` prints, page furniture included (it is split and labelled, not embedded)
        "extract_sentences_per_s": round(n_all / t_extract, 1),
        # the same over the sentences that are embedded and scored, comparable with embedding alone
        "extract_scored_sentences_per_s": round(len(texts) / t_extract, 1),
        "embed_sentences_per_s": round(len(texts) / t_embed, 1),
        # time of embedding alone / time of extract, for the same input: 1.0 would be the floor reached
        "extract_to_embed_ratio": round(t_embed / t_extract, 3),
        "parsed_sentences": sum(d is not None for d in parsed),
        "extract_without_attribution_seconds": round(t_bare, 4),
        "attribution_time_ratio": round(t_extract / t_bare, 3),
        "extract_cpu_seconds": {"with_attribution": round(cpu[0], 4), "without": round(cpu[1], 4)},
        "attribution_cpu_ratio": round(cpu[0] / cpu[1], 3),
        # a second process (claims.pipeline.nlp's parse helper) parses part of each large batch; its CPU time is not
        # in the CPU seconds above (they count this process only). CLAIMS_PARSE_HELPER=0 switches it off.
        "parse_helper": nlp.helper_share(len(texts)) > 0,
        "load_average": os.getloadavg()[0],
        "stage_seconds": {
            "clean+split": round(t_split, 4), "embed": round(t_embed, 4), "spacy_parse": round(t_parse, 4),
            "spacy_parse_every_sentence": round(t_parse_all, 4),
            "spacy_parse_without_entities": round(t_parse_plain, 4),
            "attribution": round(t_attr, 4), "attribution_rules_only": round(t_attr_rules, 4),
            "detector": round(t_detect, 4), "extract_total": round(t_extract, 4),
        },
        "runs": args.runs,
        "input": "wikinews" if args.wikinews else "samples",
    }
    print(f"{len(docs)} documents, {n_all} sentences ({len(texts)} scored), median of {args.runs} runs")
    print(f"extract end to end : {result['extract_sentences_per_s']:>8.1f} sentences/s "
          f"(all {n_all}, furniture included); {result['extract_scored_sentences_per_s']:.1f} scored sentences/s")
    print(f"embedding alone    : {result['embed_sentences_per_s']:>8.1f} sentences/s (the {len(texts)} scored ones)")
    print(f"embed time / extract time: {result['extract_to_embed_ratio']:.3f} (1.0 = the MiniLM floor)")
    print(f"extract with / without attribution: {t_extract:.3f} s / {t_bare:.3f} s = "
          f"{result['attribution_time_ratio']:.3f}x ({result['parsed_sentences']} of {len(texts)} sentences parsed)")
    print(f"  in CPU seconds (all threads): {cpu[0]:.3f} / {cpu[1]:.3f} = {result['attribution_cpu_ratio']:.3f}x; "
          f"load average {result['load_average']:.2f}")
    print(f"  parse helper process: {'on' if result['parse_helper'] else 'off'}"
          + (" (its CPU time is not in the CPU seconds)" if result["parse_helper"] else ""))
    for stage, secs in result["stage_seconds"].items():
        print(f"  {stage:<14} " + ("       - " if secs is None else f"{secs:8.3f} s"))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
