"""Measure attribution against the labelled samples: precision, recall and F1 for source, cue and the pair.

    claims eval attribution --split heldout

Each article goes through the product's own path: clean and split (as `Pipeline.sentences` does), a
spaCy parse of the body sentences that need one (`claims.pipeline.cues.parse_where_needed`) and
`claims.pipeline.attribute.attribute` over the whole article, so that pronouns resolve as they do in `claims extract`. Predicted sentences are aligned with
the gold rows (samples/GUIDELINE.md) by their text. A gold row that is not a predicted sentence counts
its attributions as misses; attributions on a predicted sentence that is no gold row count as false
alarms. Within a sentence, gold and predicted attributions are paired greedily, gold in order, each
with the first unused prediction that matches:

* source, exact: the same text, case-insensitive;
* source, lenient: the two share at least half of the gold source's word tokens (case-insensitive);
* cue: the same text, case-insensitive;
* pair: source and cue both match (exact or lenient source).

Splits: the articles numbered 01-12 were used to tune the extractor (dev); 13-20 were written and
labelled for measuring it and not looked at while tuning (heldout); 21-25 are political news written
and labelled later still, before the extractor ran on them (fresh).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from core.errors import NoGold
from claims.pipeline.types import Attribution

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
#: Article numbers (the file name's leading digits) of each split.
SPLITS = {"dev": range(1, 13), "heldout": range(13, 21), "fresh": range(21, 26)}
METRICS = ("source_exact", "source_lenient", "cue", "content_exact", "content_lenient", "pair_exact", "pair_lenient")
PREPOSITION_CUES = {"according to", "per", "as reported by", "in the words of"}


@dataclass(frozen=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    def as_dict(self) -> dict:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


# ---- Matching (pure) -------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())


def _tokens(text: str) -> Counter:
    return Counter(re.findall(r"\w+", text.casefold()))


def source_exact(pred: str, gold: str) -> bool:
    return _norm(pred) == _norm(gold)


def source_lenient(pred: str, gold: str) -> bool:
    """Whether pred holds at least half of gold's word tokens ("Andrade" for "Celia Andrade, the chief")."""
    want = _tokens(gold)
    shared = sum((_tokens(pred) & want).values())
    return shared > 0 and 2 * shared >= sum(want.values())


def cue_match(pred: str, gold: str) -> bool:
    return _norm(pred) == _norm(gold)


def content_exact(pred: str, gold: str) -> bool:
    """The same words in the same order (quotation marks, punctuation and case aside)."""
    return bool(re.findall(r"\w+", gold)) and re.findall(r"\w+", pred.casefold()) == re.findall(r"\w+", gold.casefold())


def content_lenient(pred: str, gold: str) -> bool:
    """Whether pred holds at least half of gold's word tokens."""
    want = _tokens(gold)
    shared = sum((_tokens(pred) & want).values())
    return shared > 0 and 2 * shared >= sum(want.values())


def _field(a, name: str) -> str:
    return a[name] if isinstance(a, Mapping) else getattr(a, name)


SAME: dict[str, Callable] = {
    "source_exact": lambda p, g: source_exact(_field(p, "source"), _field(g, "source")),
    "source_lenient": lambda p, g: source_lenient(_field(p, "source"), _field(g, "source")),
    "cue": lambda p, g: cue_match(_field(p, "cue"), _field(g, "cue")),
    "content_exact": lambda p, g: content_exact(_field(p, "content"), _field(g, "content")),
    "content_lenient": lambda p, g: content_lenient(_field(p, "content"), _field(g, "content")),
    "pair_exact": lambda p, g: (source_exact(_field(p, "source"), _field(g, "source"))
                                and cue_match(_field(p, "cue"), _field(g, "cue"))),
    "pair_lenient": lambda p, g: (source_lenient(_field(p, "source"), _field(g, "source"))
                                  and cue_match(_field(p, "cue"), _field(g, "cue"))),
}


def match(gold: Sequence, pred: Sequence, same: Callable) -> list[tuple[int, int]]:
    """Greedy pairs (gold index, predicted index): each gold item, in order, takes the first unused match."""
    used, pairs = set(), []
    for gi, g in enumerate(gold):
        pj = next((j for j, p in enumerate(pred) if j not in used and same(p, g)), None)
        if pj is not None:
            used.add(pj)
            pairs.append((gi, pj))
    return pairs


def score_sentence(gold: Sequence, pred: Sequence) -> dict[str, Counts]:
    """Counts for every metric on one sentence; gold and pred hold dicts or `Attribution`s."""
    out = {}
    for name in METRICS:
        tp = len(match(gold, pred, SAME[name]))
        out[name] = Counts(tp, len(pred) - tp, len(gold) - tp)
    return out


# ---- Forms, read off the gold labels ---------------------------------------------------------------


def cue_kind(cue: str) -> str:
    """verb, preposition, colon or noun ("the ministry’s claim that ...", "recommendation")."""
    from claims.pipeline.cues import lexicon  # the cue lexicon only; loads no model

    low = _norm(cue)
    if low in PREPOSITION_CUES:
        return "preposition"
    if low == ":":
        return "colon"
    if low in lexicon().nouns or low.endswith(("tion", "ment")):
        return "noun"
    return "verb"


def forms(gold: Mapping, sentence: str, n_in_sentence: int) -> dict[str, str]:
    """The groups one gold attribution falls into, for recall by form."""
    source_at, cue_at = sentence.find(gold["source"]), sentence.find(gold["cue"])
    return {
        "quote": gold["quote"],
        "source_type": gold["source_type"],
        "cue_kind": cue_kind(gold["cue"]),
        "reference": "back-reference (resolved)" if gold["resolved"] else "first mention",
        "order": "source after cue" if 0 <= cue_at < source_at else "source first",
        "attributions in sentence": "two or more" if n_in_sentence > 1 else "one",
    }


# ---- Scoring aligned articles (pure) -----------------------------------------------------------------


def score(gold_docs: Mapping[str, list[dict]], predicted: Mapping[str, list[tuple[str, Sequence]]]) -> dict:
    """Metrics over articles: gold rows per article, and (sentence text, attributions) per predicted sentence.

    Returns counts and P/R/F1 per metric, the alignment, recall by form (linked pair, lenient), the
    false alarms on sentences without gold attributions, and the sentences where the lenient pairs differ.
    """
    totals = {name: Counts() for name in METRICS}
    align = Counter()
    by_form: dict[str, dict[str, Counter]] = {}
    mismatches = []
    for doc, rows in gold_docs.items():
        sentences = list(predicted.get(doc, []))
        taken = [False] * len(sentences)
        start = 0
        for row in rows:
            align["gold rows"] += 1
            gold = row["attributions"]
            align["gold attributions"] += len(gold)
            k = next((i for i in range(start, len(sentences))
                      if not taken[i] and sentences[i][0] == row["text"]), None)
            if k is None:
                align["gold rows not found"] += 1
                align["gold attributions on rows not found"] += len(gold)
                pred = []
            else:
                taken[k], start, pred = True, k + 1, list(sentences[k][1])
            for name, c in score_sentence(gold, pred).items():
                totals[name] += c
            found = {gi for gi, _ in match(gold, pred, SAME["pair_lenient"])}
            for gi, g in enumerate(gold):
                for group, value in forms(g, row["text"], len(gold)).items():
                    cell = by_form.setdefault(group, {}).setdefault(value, Counter())
                    cell["gold"] += 1
                    cell["found"] += gi in found
            if not gold and pred:
                align["false alarms on sentences without attributions"] += len(pred)
            if len(found) < len(gold) or len(pred) > len(found):
                mismatches.append({"doc": doc, "text": row["text"], "aligned": k is not None,
                                   "gold": [_brief(a) for a in gold], "predicted": [_brief(a) for a in pred]})
        for i, (text, pred) in enumerate(sentences):
            align["predicted sentences"] += 1
            align["predicted attributions"] += len(pred)
            if not taken[i]:
                align["predicted sentences not in gold"] += 1
                align["predicted attributions on sentences not in gold"] += len(pred)
                for name in METRICS:
                    totals[name] += Counts(0, len(pred), 0)
                if pred:
                    mismatches.append({"doc": doc, "text": text, "aligned": False, "gold": [],
                                       "predicted": [_brief(a) for a in pred]})
    keys = ("gold rows", "gold rows not found", "gold attributions", "gold attributions on rows not found",
            "predicted sentences", "predicted sentences not in gold", "predicted attributions",
            "predicted attributions on sentences not in gold", "false alarms on sentences without attributions")
    return {
        "metrics": {name: c.as_dict() for name, c in totals.items()},
        "alignment": {key: align[key] for key in keys},
        "recall_by_form": {group: {value: {"gold": c["gold"], "found": c["found"],
                                           "recall": round(c["found"] / c["gold"], 4)}
                                   for value, c in sorted(values.items())}
                           for group, values in by_form.items()},
        "mismatches": mismatches,
    }


def _brief(a) -> dict:
    return {k: _field(a, k) for k in ("source", "cue", "quote", "source_type", "resolved", "content")}


# ---- The product's path ----------------------------------------------------------------------------


def gold_files(gold: Path, split: str = "all") -> list[Path]:
    """The gold JSONL files of a split; `gold` is a folder of them or one file (then split is not applied)."""
    gold = Path(gold)
    if split not in ("all", *SPLITS):
        raise ValueError(f"unknown split {split!r}: use dev, heldout, fresh or all")
    if gold.is_file():
        return [gold]
    if not gold.is_dir():
        raise NoGold(f"{gold} is neither a gold .jsonl file nor a folder of them: give --gold samples/gold")
    paths = sorted(gold.glob("*.jsonl"))
    if split != "all":
        paths = [p for p in paths if (m := re.match(r"\d+", p.name)) and int(m.group()) in SPLITS[split]]
    if not paths:
        raise NoGold(f"no gold files for split {split!r} in {gold}: give --gold samples/gold")
    return paths


def predict(articles: Mapping[str, str]) -> dict[str, list[tuple[str, tuple[Attribution, ...]]]]:
    """(sentence text, attributions) for every sentence of each article, as `claims extract` finds them."""
    from claims.pipeline import attribute, cues
    from claims.pipeline.clean import clean
    from claims.pipeline.split import split_sentences

    split = {name: split_sentences(text, clean(text)) for name, text in articles.items()}  # Pipeline.sentences
    body = [(name, s) for name, sents in split.items() for s in sents if s.kind != "furniture"]
    parsed = cues.parse_where_needed([s.text for _, s in body])  # as Pipeline.run
    found: dict[tuple[str, int], tuple[Attribution, ...]] = {}
    for name in articles:  # one call per article: pronouns resolve against earlier sentences
        idx = [i for i, (n, _) in enumerate(body) if n == name]
        for i, attrs in zip(idx, attribute.attribute([body[i][1] for i in idx], [parsed[i] for i in idx])):
            found[(name, body[i][1].index)] = tuple(attrs)
    return {name: [(s.text, found.get((name, s.index), ())) for s in sents] for name, sents in split.items()}


def read_gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate_attribution(gold_paths: Iterable[Path], articles_dir: Path = SAMPLES / "articles") -> dict:
    """Run attribution on the article of each gold file (same name, .txt) and score it; see the module doc."""
    gold_paths = [Path(p) for p in gold_paths]
    gold, texts = {}, {}
    for path in gold_paths:
        article = Path(articles_dir) / (path.stem + ".txt")
        if not article.is_file():
            raise NoGold(f"no article {article} for gold file {path}: give --articles the folder of the articles")
        gold[path.stem] = read_gold(path)
        texts[path.stem] = article.read_text(encoding="utf-8")
    result = score(gold, predict(texts))
    return {"articles": [p.stem for p in gold_paths], **result}


def table(result: dict, title: str = "") -> list[str]:
    """The printed summary: P/R/F1 per metric, the alignment and recall by form."""
    a = result["alignment"]
    lines = [f"{title}{len(result['articles'])} articles, {a['gold attributions']} gold attributions, "
             f"{a['predicted attributions']} predicted; {a['gold rows'] - a['gold rows not found']} of "
             f"{a['gold rows']} gold sentences aligned, {a['predicted sentences not in gold']} predicted sentences "
             f"not in gold",
             f"{'':<16}{'precision':>10}{'recall':>8}{'F1':>7}{'tp':>6}{'fp':>5}{'fn':>5}"]
    for name, m in result["metrics"].items():
        lines.append(f"{name.replace('_', ' '):<16}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['f1']:>7.3f}"
                     f"{m['tp']:>6}{m['fp']:>5}{m['fn']:>5}")
    lines.append(f"false alarms on sentences without a gold attribution: "
                 f"{a['false alarms on sentences without attributions']}")
    lines.append("recall by form (pair, lenient):")
    for group, values in result["recall_by_form"].items():
        cells = ", ".join(f"{v} {c['found']}/{c['gold']}" for v, c in values.items())
        lines.append(f"  {group}: {cells}")
    return lines
