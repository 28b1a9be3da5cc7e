"""Train the learned attribution step (claims/pipeline/attribution_learned.py) on the Wikinews gold.

    python -m claims.research.train_attribution --wikinews ../shared/data/wikinews/articles.jsonl

The rule, written before any result was seen: the two classifiers are logistic regressions; their strength
(C), the two thresholds, whether the cue classifier sees what the rules found, and whether the rules' findings are kept as they are (the classifiers then only add
cues the rules did not read, and may veto a rule finding whose cue they score under a veto threshold) or
decided on like any other candidate (but for the exact ones: prepositions, colons, attribution nouns and
direct quotations, which are always kept), are chosen by 5-fold cross-validation over the train and dev splits of gold/wikinews
(folds are blocks of articles in date order, so a fold is a later period than most of its training data),
scored end to end through the product's own path (per article: split, parse, rules, learned step, pronoun
resolution) with the evaluator of `claims eval attribution --data`. The setting chosen has the highest pooled
F1 of the linked source + cue (lenient) among those whose pooled precision is at least 0.92; if none reaches
0.92, the most precise. The final model is fitted on all of train + dev with that setting. The test split is
not read here: it is scored once, at the end, with `claims eval attribution --split test`.

Added after the first full run (2026-12-05), before the test split was read: the rules alone are the
baseline. The learned step is switched on ("enabled") only if the chosen setting's pooled CV F1 is above the
rules' on the same articles; otherwise the model file is written switched off and the product runs the rules.

Amended 2026-12-06, after a result: "above" means by at least MIN_GAIN (0.005 of pooled F1, about two
attributions of 347). Retrained on the rules of that day, the chosen setting beat the rules by one true and one
false positive (F1 0.8624 against 0.8617), and on the 25 samples, which it is not trained on, it lost 2 pairs and
added 4 false ones; a difference of one attribution is not a reason to change what the product does.

Third round (2026-12-06), written before the gold grew: the third draw adds 72 train and dev articles
(docs/attribution-guideline.md), annotated by readers who saw no model output. The rule above is applied
unchanged to the grown train + dev (131 articles), with one addition fixed now: the rules' own figure on the
third draw's articles alone is reported, as they are the first train + dev articles that no rule was written
from (a held-out figure for the rules, not for the learned step). The fourth draw (64 articles, annotated after
the fourth round's forms were written) is handled the same way: the newest draw's figure is the one printed.

Twelfth session (2026-12-06), written before this run: on the 435 train + dev articles of draws 1-9, against the
ninth round's rules, the rule above switched the step on (CV F1 0.856 against the rules' 0.850, P 0.921). Installed,
it broke three of the guideline's decisions that the tests keep ("Lopez asked whether the count was fair" and
'denied the “rumours”' are no attributions; a colon attribution gained a second one on "asked") and added 5 false
alarms on the samples. So the step may no longer add what the rules refuse by name (`attribution_learned._refused`:
a verb that reports only next to a quotation, a scare-quoted object, an act named by a report verb), and it is
cross-validated again under the same rule; that run decides.

Later in the twelfth session, written before either run: an open vocabulary. With `--open-vocabulary`, a verb
outside the vocabulary is a candidate too when a clause complement follows it or a quotation opens right after it
(`attribution_learned._opens_report`), and the cue classifier sees whether a lemma is in the vocabulary and its
mined ratio (`data/mined_cues.tsv`, in fifths; "none" when unmined). From now on sentences are read as the product
reads them: only those `cues.parse_where_needed` parses (both variants). Both variants are cross-validated on the
train + dev articles of draws 1-10 under the rule above; the open vocabulary replaces the closed one only if its
chosen setting's pooled F1 is at least MIN_GAIN above the closed one's (each with precision at least 0.92), and
whichever is kept is switched on only if it beats the rules by MIN_GAIN. The eleventh draw, drawn and annotated
before either run, is read once after the decision (docs/attribution.md).

Writes claims/data/attribution_model.json (weights, cue vocabulary, thresholds, and the CV table in "meta").
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from claims.pipeline import attribution_learned as al
from claims.research import eval_spans as es
from claims.research.eval_attribution import source_lenient
from claims.research.wikinews_gold import read_articles, read_gold

MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "attribution_model.json"
C_GRID = (0.3, 1.0, 3.0)
CUE_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
SOURCE_THRESHOLDS = (0.2, 0.4)
VETOES = (0.0, 0.3)
MIN_PRECISION = 0.92
MIN_GAIN = 0.005  # the pooled CV F1 the learned step must add to the rules' (see the amendment above)
FOLDS = 5


@dataclass
class Article:
    id: str
    text: str
    sentences: list  # Sentence objects (the product's splitter)
    docs: list  # spaCy parses, one per sentence
    rules: list  # the rules' findings per sentence
    gold: list  # gold attributions (es.gold_view)


def load(wikinews: str | Path, splits=("train", "dev")) -> list[Article]:
    """The gold articles of `splits`, in date order, each split and parsed as the product does."""
    from claims.pipeline.attribution_misreads import find_all
    from claims.pipeline.cues import parse_where_needed
    from claims.pipeline.clean import clean
    from claims.pipeline.split import split_sentences

    arts, attrs = read_gold()
    texts = read_articles(wikinews)
    out = []
    for a in arts:
        if a["split"] not in splits:
            continue
        text = texts[a["id"]]["text"]
        sents = [s for s in split_sentences(text, clean(text)) if s.kind != "furniture"]
        docs = parse_where_needed([s.text for s in sents])  # None where the product parses nothing
        gold = [es.gold_view(r, text) for r in attrs if r["id"] == a["id"]]
        out.append(Article(a["id"], text, sents, docs, [[] if d is None else find_all(d) for d in docs], gold))
    return out


def _cue_gold(art: Article, k: int, cue) -> dict | None:
    """The gold attribution whose cue overlaps this candidate cue token (sentence k), if any."""
    s = art.sentences[k]
    lo = s.start + cue.idx
    hi = lo + len(cue.text)
    return next((g for g in art.gold if g["cue"][0] < hi and lo < g["cue"][1]), None)


def rows(arts: list[Article], vocab: dict[str, str], rule_features: bool = True, open_vocabulary: bool = False):
    """(cue features, label) and (source features, label) training rows."""
    cue_rows, src_rows = [], []
    for art in arts:
        for k, (doc, rules) in enumerate(zip(art.docs, art.rules)):
            if doc is None:
                continue
            cands, in_quote = al.featurise(doc, rules, vocab, rule_features, open_vocabulary)
            for c in cands:
                g = _cue_gold(art, k, c.cue)
                cue_rows.append((c.feats, int(g is not None)))
                if g is None:
                    continue
                for h in c.sources:
                    lo, hi = al.np_range(h)
                    text = doc[lo:hi].text
                    src_rows.append((al.source_features(c, h, in_quote), int(source_lenient(text, g["source_text"]))))
    return cue_rows, src_rows


def fit(cue_rows, src_rows, C: float, vocab: dict[str, str]) -> al.Model:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    parts = []
    for data in (cue_rows, src_rows):
        vec = DictVectorizer()
        X = vec.fit_transform([f for f, _ in data])
        y = [label for _, label in data]
        clf = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
        clf.fit(X, y)
        weights = {name: round(float(w), 5) for name, w in zip(vec.get_feature_names_out(), clf.coef_[0]) if abs(w) > 1e-6}
        parts.append((weights, round(float(clf.intercept_[0]), 5)))
    (cw, cb), (sw, sb) = parts
    return al.Model(cw, cb, sw, sb, vocab)


def predict(arts: list[Article], m: al.Model) -> dict[str, list[dict]]:
    """Every article through the product's own per-article path with model `m`: placed predictions."""
    return _placed(arts, lambda rules: (lambda d: al.decide(d, rules[id(d)], m)))


def predict_rules(arts: list[Article]) -> dict[str, list[dict]]:
    """The same with the rules alone (the baseline)."""
    return _placed(arts, lambda rules: (lambda d: rules[id(d)]))


def _placed(arts: list[Article], finder_for) -> dict[str, list[dict]]:
    """Predictions placed in each article; `finder_for(rules by doc id)` gives the finder `attribute` calls."""
    from claims.pipeline import attribute

    out = {}
    for art in arts:
        rules = {id(d): r for d, r in zip(art.docs, art.rules)}
        found = attribute.attribute(art.sentences, art.docs, finder=finder_for(rules))
        out[art.id] = [es.place(s.start, s.text, a) for s, attrs in zip(art.sentences, found) for a in attrs]
    return out


def vocabulary(arts: list[Article]) -> dict[str, str]:
    """The cue vocabulary: the lexicon's and mined cues, and every cue word of the training gold (as a lemma)."""
    from claims.pipeline.cues import base_vocabulary

    vocab = base_vocabulary()
    for art in arts:
        for k, doc in enumerate(art.docs):
            if doc is None:
                continue
            for t in doc:
                g = _cue_gold(art, k, t)
                if g is not None and t.pos_ in ("VERB", "NOUN", "ADJ") and len(g["cue_text"].split()) == 1:
                    vocab.setdefault(t.lemma_.lower(), es.family(g["cue_text"]))
    return vocab


def cross_validate(arts: list[Article], progress=print, open_vocabulary: bool = False) -> list[dict]:
    """Pooled CV figures of every (C, cue threshold, source threshold)."""
    folds = [arts[i * len(arts) // FOLDS:(i + 1) * len(arts) // FOLDS] for i in range(FOLDS)]
    table = []
    for C, rf in ((C, rf) for C in C_GRID for rf in (True, False)):
        preds_by_setting: dict[tuple, dict] = {}
        for i, held in enumerate(folds):
            train = [a for j, f in enumerate(folds) if j != i for a in f]
            vocab = vocabulary(train)
            cue_rows, src_rows = rows(train, vocab, rf, open_vocabulary)
            m = fit(cue_rows, src_rows, C, vocab)
            m.rule_features, m.open_vocabulary = rf, open_vocabulary
            for keep, veto in ((False, 0.0),) + tuple((True, v) for v in VETOES):
                for ct in CUE_THRESHOLDS:
                    for st in SOURCE_THRESHOLDS:
                        m.cue_threshold, m.source_threshold, m.keep_rules, m.veto = ct, st, keep, veto
                        preds_by_setting.setdefault((keep, veto, ct, st), {}).update(predict(held, m))
        gold = {a.id: a.gold for a in arts}
        for (keep, veto, ct, st), pred in preds_by_setting.items():
            r = es.score(gold, pred)["metrics"]
            row = {"C": C, "rule_features": rf, "keep_rules": keep, "veto": veto, "cue_threshold": ct,
                   "source_threshold": st,
                   **{f"pair_lenient_{k}": r["pair_lenient"][k] for k in ("precision", "recall", "f1")},
                   "source_exact_f1": r["source_exact"]["f1"], "content_lenient_f1": r["content_lenient"]["f1"]}
            table.append(row)
        best = max((t for t in table if t["C"] == C and t["rule_features"] == rf), key=lambda t: t["pair_lenient_f1"])
        progress(f"C={C}, rule features {rf}: best F1 {best['pair_lenient_f1']:.3f} (P {best['pair_lenient_precision']:.3f}, "
                 f"R {best['pair_lenient_recall']:.3f}) at thresholds {best['cue_threshold']}/{best['source_threshold']}"
                 f"{' keeping the rules' if best['keep_rules'] else ''}")
    return table


def choose(table: list[dict]) -> dict:
    ok = [t for t in table if t["pair_lenient_precision"] >= MIN_PRECISION]
    if ok:
        return max(ok, key=lambda t: (t["pair_lenient_f1"], t["pair_lenient_precision"]))
    return max(table, key=lambda t: t["pair_lenient_precision"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m claims.research.train_attribution",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--wikinews", required=True, help="../shared/data/wikinews/articles.jsonl")
    ap.add_argument("--out", default=str(MODEL_PATH))
    ap.add_argument("--open-vocabulary", action="store_true", help="also verbs outside the vocabulary that open a "
                    "report (see the module doc)")
    args = ap.parse_args(argv)
    t0 = time.time()
    arts = load(args.wikinews)
    print(f"parsed {len(arts)} train+dev articles, {sum(len(a.gold) for a in arts)} gold attributions "
          f"in {time.time() - t0:.0f} s")
    baseline = es.score({a.id: a.gold for a in arts}, predict_rules(arts))["metrics"]["pair_lenient"]
    print(f"rules alone (train+dev, development figure): P {baseline['precision']:.3f} R {baseline['recall']:.3f} "
          f"F1 {baseline['f1']:.3f}")
    drawn = {a["id"]: a.get("draw", 1) for a in read_gold()[0]}
    newest = max(drawn.values())
    newest_arts = [a for a in arts if drawn[a.id] == newest]
    rules_newest = None
    if newest_arts:
        r3 = es.score({a.id: a.gold for a in newest_arts}, predict_rules(newest_arts))
        rules_newest = {**r3["metrics"]["pair_lenient"], "interval": r3["pair_lenient_interval"],
                       "source_exact": r3["metrics"]["source_exact"]}
        ci = r3["pair_lenient_interval"]
        print(f"rules alone on draw {newest}'s {len(newest_arts)} articles (held out for the rules until a form "
              f"is read from them; docs/attribution.md): P {rules_newest['precision']:.3f} "
              f"R {rules_newest['recall']:.3f} F1 {rules_newest['f1']:.3f} "
              f"(95% over articles: R {ci['recall'][0]:.3f}-{ci['recall'][1]:.3f}, F1 {ci['f1'][0]:.3f}-{ci['f1'][1]:.3f}); "
              f"source exact F1 {r3['metrics']['source_exact']['f1']:.3f}")
    table = cross_validate(arts, open_vocabulary=args.open_vocabulary)
    best = choose(table)
    print(f"chosen: C={best['C']}, rule features {best['rule_features']}, keep rules {best['keep_rules']} (veto {best['veto']}), cue threshold {best['cue_threshold']}, source threshold {best['source_threshold']}: "
          f"CV pair lenient P {best['pair_lenient_precision']:.3f} R {best['pair_lenient_recall']:.3f} "
          f"F1 {best['pair_lenient_f1']:.3f}")
    vocab = vocabulary(arts)
    m = fit(*rows(arts, vocab, best["rule_features"], args.open_vocabulary), best["C"], vocab)
    m.rule_features, m.open_vocabulary = best["rule_features"], args.open_vocabulary
    m.cue_threshold, m.source_threshold = best["cue_threshold"], best["source_threshold"]
    m.keep_rules, m.veto = best["keep_rules"], best["veto"]
    m.enabled = best["pair_lenient_precision"] >= MIN_PRECISION and best["pair_lenient_f1"] >= baseline["f1"] + MIN_GAIN
    print(f"learned step {'switched on' if m.enabled else f'switched off: it does not beat the rules alone by {MIN_GAIN}'}")
    m.meta = {"trained_on": "gold/wikinews train+dev", "articles": len(arts),
              "gold_attributions": sum(len(a.gold) for a in arts),
              "rule": f"max CV F1 with precision >= {MIN_PRECISION}; on if {MIN_GAIN} above the rules",
              "chosen": best, "rules_alone_train_dev": baseline,
              "rules_alone_newest_draw": rules_newest, "cv": table}
    Path(args.out).write_text(json.dumps(m.to_json(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(m.cue_weights)} cue and {len(m.source_weights)} source weights, "
          f"{len(vocab)} cue lemmas) in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
