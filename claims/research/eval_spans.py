"""Attribution measured on real news: the Wikinews gold (gold/wikinews, offsets into ../shared/data/wikinews).

    claims eval attribution --data gold/wikinews --wikinews ../shared/data/wikinews/articles.jsonl --split dev

Each article goes through the product's own path (clean, split, parse where needed, attribute per article), and
every predicted attribution is placed in the article: its sentence by the splitter's offsets, its source, cue
and content by where their words stand in that sentence. Gold and predicted attributions are then paired by
position, not by sentence text, so a sentence split differently from the annotator's still counts. Within an
article, gold in text order, each takes the first unused prediction that matches:

* cue: the spans overlap (a prediction whose cue words were not found in its sentence matches a gold cue with
  the same words inside that sentence);
* source, exact: the same words (case-insensitive), in sentences that overlap; lenient: at least half of the
  gold source's word tokens;
* content, lenient: the predicted and gold contents share at least half of the gold content's word tokens;
* pair: cue and source both match (exact or lenient source).

Recall is also given per cue family (accusations and denials, promises and warnings, evaluations, evidence,
announcements, beliefs, speech, prepositions, colon), read off the gold cue's words.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Callable, Mapping, Sequence

from claims.pipeline.cues import FAMILIES, family  # noqa: F401 (re-exported: the evaluator's families)
from claims.research.eval_attribution import (
    Counts,
    content_exact,
    content_lenient,
    match,
    source_exact,
    source_lenient,
)
from claims.research.wikinews_gold import GOLD_DIR, SPLITS, pick, read_articles, read_gold
from core.errors import NoGold

METRICS = ("source_exact", "source_lenient", "cue", "content_exact", "content_lenient", "pair_exact", "pair_lenient")

def _word_spans(sentence: str, words: str) -> list[tuple[int, int]]:
    if not words:
        return []
    left = r"(?<!\w)" if words[0].isalnum() else ""
    right = r"(?!\w)" if words[-1].isalnum() else ""
    return [(m.start(), m.end()) for m in re.finditer(left + re.escape(words) + right, sentence)]


def place(sent_start: int, sentence: str, a, taken: set | None = None) -> dict:
    """A predicted attribution with its spans in the article (None where its words are not in the sentence).
    `taken`: cue spans (in the sentence) that earlier predictions of the same sentence were placed at; a second
    "said" of the same speaker ("..., said X, who also said that ...") takes the next nearest occurrence."""
    sources = _word_spans(sentence, a.source)
    cues = _word_spans(sentence, a.cue)
    free = [c for c in cues if c not in (taken or ())]
    cues = free or cues
    src = sources[0] if sources else None
    if cues and src is not None:  # the cue nearest the source: "said X, who had said ..." takes the right one
        cue = min(cues, key=lambda c: min(abs(c[0] - src[1]), abs(src[0] - c[1])))
    else:
        cue = cues[0] if cues else None
    if taken is not None and cue is not None:
        taken.add(cue)
    shift = lambda span: None if span is None else [sent_start + span[0], sent_start + span[1]]  # noqa: E731
    return {"sentence": [sent_start, sent_start + len(sentence)], "source": shift(src), "cue": shift(cue),
            "source_text": a.source, "cue_text": a.cue, "content_text": a.content, "quote": a.quote,
            "resolved_text": a.resolved}


def predict(texts: Mapping[str, str]) -> dict[str, list[dict]]:
    """Every attribution the product finds in each article, placed by position (see the module doc)."""
    from claims.pipeline import attribute, cues
    from claims.pipeline.clean import clean
    from claims.pipeline.split import split_sentences

    split = {name: [s for s in split_sentences(t, clean(t)) if s.kind != "furniture"] for name, t in texts.items()}
    flat = [(name, s) for name, sents in split.items() for s in sents]
    parsed = cues.parse_where_needed([s.text for _, s in flat])
    out: dict[str, list[dict]] = {name: [] for name in texts}
    for name in texts:
        idx = [i for i, (n, _) in enumerate(flat) if n == name]
        found = attribute.attribute([flat[i][1] for i in idx], [parsed[i] for i in idx])
        for i, attrs in zip(idx, found):
            s, taken = flat[i][1], set()
            out[name] += [place(s.start, s.text, a, taken) for a in attrs]
    return out


def gold_view(rec: dict, text: str) -> dict:
    cut = lambda span: text[span[0]:span[1]]  # noqa: E731
    return {**rec, "source_text": cut(rec["source"]), "cue_text": cut(rec["cue"]),
            "content_text": " ".join(cut(c) for c in rec["content"]),
            "resolved_text": cut(rec["resolved"]) if rec.get("resolved") else ""}


def _overlap(a, b) -> bool:
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def _cue(p: dict, g: dict) -> bool:
    if p["cue"] is not None:
        return _overlap(p["cue"], g["cue"])
    return _overlap(p["sentence"], g["cue"]) and " ".join(p["cue_text"].casefold().split()) == \
        " ".join(g["cue_text"].casefold().split())


def _near(p: dict, g: dict) -> bool:
    return _overlap(p["sentence"], g["sentence"])


SAME: dict[str, Callable[[dict, dict], bool]] = {
    "source_exact": lambda p, g: _near(p, g) and source_exact(p["source_text"], g["source_text"]),
    "source_lenient": lambda p, g: _near(p, g) and source_lenient(p["source_text"], g["source_text"]),
    "cue": _cue,
    "content_exact": lambda p, g: _near(p, g) and content_exact(p["content_text"], g["content_text"]),
    "content_lenient": lambda p, g: _near(p, g) and content_lenient(p["content_text"], g["content_text"]),
    "pair_exact": lambda p, g: _cue(p, g) and source_exact(p["source_text"], g["source_text"]),
    "pair_lenient": lambda p, g: _cue(p, g) and source_lenient(p["source_text"], g["source_text"]),
}


def score(gold: Mapping[str, Sequence[dict]], pred: Mapping[str, Sequence[dict]]) -> dict:
    """P/R/F1 per metric over articles, and recall (and the predictions' precision) per cue family."""
    totals = {m: Counts() for m in METRICS}
    per_article: list[Counts] = []  # the linked pair (lenient) of each article, for the bootstrap
    fam_gold, fam_found, fam_pred, fam_right = Counter(), Counter(), Counter(), Counter()
    resolution = Counter({k: 0 for k in ("gold", "found", "right", "wrong", "unresolved", "resolved without need")})
    for name, g in gold.items():
        g = sorted(g, key=lambda r: r["cue"][0])
        p = sorted(pred.get(name, []), key=lambda r: (r["cue"] or r["sentence"])[0])
        for metric in METRICS:
            tp = len(match(g, p, SAME[metric]))
            totals[metric] = totals[metric] + Counts(tp, len(p) - tp, len(g) - tp)
            if metric == "pair_lenient":
                per_article.append(Counts(tp, len(p) - tp, len(g) - tp))
        pairs = match(g, p, SAME["pair_lenient"])
        for gi, pj in pairs:  # pronouns and short names: is the resolved source the gold's earlier mention?
            want, got = g[gi].get("resolved_text", ""), p[pj].get("resolved_text", "")
            if want:
                resolution["found"] += 1
                resolution["right" if got and source_lenient(got, want) else "wrong" if got else "unresolved"] += 1
            elif got:
                resolution["resolved without need"] += 1
        resolution["gold"] += sum(bool(r.get("resolved_text")) for r in g)
        for gi, r in enumerate(g):
            fam_gold[family(r["cue_text"])] += 1
        for gi, pj in pairs:
            fam_found[family(g[gi]["cue_text"])] += 1
            fam_right[family(p[pj]["cue_text"])] += 1
        for r in p:
            fam_pred[family(r["cue_text"])] += 1
    return {
        "metrics": {m: c.as_dict() for m, c in totals.items()},
        "pair_lenient_interval": bootstrap(per_article),
        "resolution": dict(resolution),
        "by_family": {f: {"gold": fam_gold[f], "found": fam_found[f],
                          "recall": round(fam_found[f] / fam_gold[f], 4) if fam_gold[f] else None,
                          "predicted": fam_pred[f],
                          "precision": round(fam_right[f] / fam_pred[f], 4) if fam_pred[f] else None}
                      for f in sorted(set(fam_gold) | set(fam_pred), key=lambda f: -fam_gold[f])},
    }


def bootstrap(per_article: Sequence[Counts], reps: int = 2000, seed: int = 0) -> dict:
    """95% percentile intervals of precision, recall and F1, resampling whole articles (attributions in one
    article are not independent)."""
    import random

    if not per_article:
        return {}
    rng, draws = random.Random(seed), {"precision": [], "recall": [], "f1": []}
    for _ in range(reps):
        total = Counts()
        for _ in per_article:
            total = total + per_article[rng.randrange(len(per_article))]
        for key, value in total.as_dict().items():
            if key in draws:
                draws[key].append(value)
    out = {}
    for key, values in draws.items():
        values.sort()
        out[key] = [values[int(0.025 * reps)], values[int(0.975 * reps) - 1]]
    return {"reps": reps, "unit": "article", **out}


def evaluate_spans(gold_dir: Path | str = GOLD_DIR, wikinews: Path | str | None = None,
                   split: str = "dev") -> dict:
    """Score the product's attribution on one split of the Wikinews gold (or "train+dev"; "test" is scored once
    per shipped model, at the end)."""
    gold_dir = Path(gold_dir)
    if not (gold_dir / "articles.jsonl").is_file():
        raise NoGold(f"no Wikinews gold in {gold_dir}: give --data the folder with articles.jsonl and "
                     "attributions.jsonl")
    if wikinews is None or not Path(wikinews).is_file():
        raise NoGold("the gold holds offsets only: give --wikinews ../shared/data/wikinews/articles.jsonl")
    arts, attrs = read_gold(gold_dir)
    try:
        chosen = [a["id"] for a in pick(arts, split)]
    except ValueError as e:
        raise NoGold(str(e)) from None
    texts_all = read_articles(wikinews)
    texts = {i: texts_all[i]["text"] for i in chosen}
    gold = {i: [gold_view(r, texts[i]) for r in attrs if r["id"] == i] for i in chosen}
    result = score(gold, predict(texts))
    return {"split": split, "articles": len(chosen), "gold attributions": sum(map(len, gold.values())), **result}


def table(result: dict) -> list[str]:
    lines = [f"attribution on Wikinews ({result['split']}): {result['articles']} articles, "
             f"{result['gold attributions']} gold attributions",
             f"{'':<16}{'precision':>10}{'recall':>8}{'F1':>7}{'tp':>6}{'fp':>5}{'fn':>5}"]
    for name, m in result["metrics"].items():
        lines.append(f"{name.replace('_', ' '):<16}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['f1']:>7.3f}"
                     f"{m['tp']:>6}{m['fp']:>5}{m['fn']:>5}")
    ci = result.get("pair_lenient_interval")
    if ci:
        lines.append(f"pair lenient, 95% bootstrap over articles: precision {ci['precision'][0]:.3f}-"
                     f"{ci['precision'][1]:.3f}, recall {ci['recall'][0]:.3f}-{ci['recall'][1]:.3f}, "
                     f"F1 {ci['f1'][0]:.3f}-{ci['f1'][1]:.3f}")
    res = result.get("resolution")
    if res:
        lines.append(f"resolution of pronouns and short names: {res['gold']} in the gold, {res['found']} of them "
                     f"found; resolved right {res['right']}, wrong {res['wrong']}, left unresolved "
                     f"{res['unresolved']}; resolved where the gold needs none {res['resolved without need']}")
    lines.append("by cue family (pair, lenient): recall found/gold; precision of the predictions")
    for f, c in result["by_family"].items():
        rec = "-" if c["recall"] is None else f"{c['recall']:.2f}"
        prec = "-" if c["precision"] is None else f"{c['precision']:.2f}"
        lines.append(f"  {f:<22} recall {rec:>4} ({c['found']}/{c['gold']})   precision {prec:>4} of {c['predicted']}")
    return lines
