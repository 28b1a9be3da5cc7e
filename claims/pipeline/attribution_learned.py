"""The learned attribution step: two small classifiers over the spaCy parse that decide, in context, which words
are cues and which noun phrase is each cue's source (in the spirit of Citron, Newell et al. 2018: parse features,
one classifier for cues and one for sources).

The rules (`attribution_rules`) stay where they are exact (quotations, "according to", the colon form): what they
find is one candidate among others, and their agreement is a feature. Candidates come from a cue vocabulary that
is learned, not listed by hand: the lexicon, the cues mined from 5,478 Wikinews articles and reviewed
(`claims/data/mined_cues_reviewed.tsv`), and every cue word of the training gold, stored with the weights.

Features look at the words around a cue as well as at its parse, so a misparse does not hide an attribution:
"Linda Cho said test scores ... improved" (no clausal complement, "test scores" read as the object) still has a
subject, a speech lemma and a finite verb after it; "said in a statement that ..." has "that" three words on.

Weights, vocabulary and thresholds live in `claims/data/attribution_model.json`, written by
`python -m claims.research.train_attribution` (cross-validated over the training split of gold/wikinews).
Inference is a dot product per candidate: no second encoder pass, no scikit-learn at run time.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from claims.pipeline.attribution_misreads import names_an_act
from claims.pipeline.attribution_rules import (
    Found,
    _content,
    _nominal_quote,
    _noun_agent,
    _Sent,
    _skip_verb,
    _source_type,
    _trailing_source,
    np_range,
)
from claims.pipeline.cues import lexicon, mined_ratios

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

MODEL_FILE = "data/attribution_model.json"
PRONOUNS = {"he", "she", "they", "it", "we", "i", "you"}
HEDGE_AUX = {"could", "would", "might", "may", "should", "can"}
QUOTE_CHARS = set("\"“”‘’«»„") | {"``", "''"}
SUBJECT_DEPS = ("nsubj", "nsubjpass", "csubj")


@dataclass
class Model:
    """Weights of the cue and source classifiers, the cue vocabulary and the two thresholds."""

    cue_weights: dict[str, float]
    cue_bias: float
    source_weights: dict[str, float]
    source_bias: float
    vocabulary: dict[str, str]  # lemma -> family ("speech", "evaluation", ...)
    cue_threshold: float = 0.5
    source_threshold: float = 0.3
    #: keep every rule finding as it is and let the classifiers only add cues the rules did not read
    keep_rules: bool = False
    #: with keep_rules: a rule finding whose cue the cue classifier gives less than this is dropped
    veto: float = 0.0
    #: whether the cue classifier sees what the rules found (off: it judges every cue on the parse and words alone)
    rule_features: bool = True
    #: off when cross-validation found no setting better than the rules alone: the product then runs the rules
    enabled: bool = True
    meta: dict = field(default_factory=dict)
    #: also a candidate: a verb outside the vocabulary with a clause or a quotation after it (`_opens_report`)
    open_vocabulary: bool = False

    def cue_p(self, feats: dict[str, float]) -> float:
        return _sigmoid(self.cue_bias + sum(self.cue_weights.get(k, 0.0) * v for k, v in feats.items()))

    def source_p(self, feats: dict[str, float]) -> float:
        return _sigmoid(self.source_bias + sum(self.source_weights.get(k, 0.0) * v for k, v in feats.items()))

    def to_json(self) -> dict:
        return {"cue": {"weights": self.cue_weights, "bias": self.cue_bias, "threshold": self.cue_threshold},
                "source": {"weights": self.source_weights, "bias": self.source_bias,
                           "threshold": self.source_threshold},
                "keep_rules": self.keep_rules, "veto": self.veto,
                "rule_features": self.rule_features, "enabled": self.enabled, "vocabulary": self.vocabulary, "meta": self.meta,
                "open_vocabulary": self.open_vocabulary}

    @classmethod
    def from_json(cls, d: dict) -> "Model":
        return cls(d["cue"]["weights"], d["cue"]["bias"], d["source"]["weights"], d["source"]["bias"],
                   d["vocabulary"], d["cue"]["threshold"], d["source"]["threshold"], d.get("keep_rules", False),
                   d.get("veto", 0.0), d.get("rule_features", True), d.get("enabled", True), d.get("meta", {}),
                   d.get("open_vocabulary", False))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


@functools.lru_cache(maxsize=1)
def model() -> Model | None:
    """The shipped model, or None when none is shipped (the rules alone then)."""
    from claims.pipeline.shipped import read_json

    d = read_json(MODEL_FILE)
    return None if d is None else Model.from_json(d)


# --- candidates -------------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A word that may be a cue, with the noun phrases that may be its source."""

    cue: "Token"
    kind: str  # verb, noun, prep, colon
    rule: Found | None  # what the rules found at this cue, if anything
    sources: list["Token"]  # heads of candidate sources
    np_heads: list["Token"] = field(default_factory=list)  # every noun phrase head of the sentence
    feats: dict[str, float] = field(default_factory=dict)


def _lemma(t: "Token") -> str:
    return t.lemma_.lower()


def _opens_report(t: "Token") -> bool:
    """A verb followed by what a report would be: a clause complement, or a quotation right after it."""
    doc = t.doc
    nxt = [w.text for w in doc[t.i + 1:t.i + 3]]
    return any(c.dep_ == "ccomp" and c.i > t.i for c in t.children) or (bool(nxt) and nxt[0] in QUOTE_CHARS) or (
        len(nxt) == 2 and nxt[0] in (",", ":") and nxt[1] in QUOTE_CHARS)


def candidates(doc: "Doc", rules: list[Found], vocab: dict[str, str],
               open_vocabulary: bool = False) -> list[Candidate]:
    """Every cue candidate in a parsed sentence: a vocabulary word used as a verb or noun, a rule's cue, and with
    `open_vocabulary` any verb that opens a report (`_opens_report`)."""
    by_cue = {f.cue_i: f for f in rules}
    nps, out = _np_heads(doc), []
    for t in doc:
        rule = by_cue.get(t.i)
        lem = _lemma(t)
        if rule is not None:
            kind = "prep" if rule.cue in ("according to",) or " " in rule.cue or rule.cue == "per" else (
                "colon" if rule.cue == ":" else ("verb" if t.pos_ in ("VERB", "AUX") else "noun"))
        elif lem in vocab and t.pos_ in ("VERB", "NOUN") or (t.lower_ in ("says", "say", "said") and t.pos_ != "PUNCT"):
            kind = "verb" if t.pos_ != "NOUN" else "noun"
        elif open_vocabulary and t.pos_ == "VERB" and _opens_report(t):
            kind = "verb"
        else:
            continue
        out.append(Candidate(t, kind, rule, source_heads(nps, t, rule), nps))
    return out


def _np_heads(doc: "Doc") -> list["Token"]:
    heads = {c.root.i for c in doc.noun_chunks}
    heads |= {e.root.i for e in doc.ents if e.label_ in ("PERSON", "ORG", "GPE", "NORP")}
    heads |= {t.i for t in doc if t.pos_ == "PRON" and t.lower_ in PRONOUNS}
    # a relative pronoun ("X, who said") is never the source: its antecedent is (see `_subject_of`)
    return [doc[i] for i in sorted(heads) if doc[i].tag_ not in ("WP", "WDT", "WP$")]


def source_heads(nps: list["Token"], cue: "Token", rule: Found | None) -> list["Token"]:
    """Heads of the noun phrases that may be this cue's source: every noun phrase, name and personal pronoun
    (`nps`, from `_np_heads`) but the cue, and the rules' source."""
    heads = [h for h in nps if h.i != cue.i]
    if rule is not None and all(h.i != rule.head.i for h in heads):
        heads.append(rule.head)
    return heads


# --- features ---------------------------------------------------------------------------------------------


def _subject_of(v: "Token") -> "Token | None":
    deps = {c.dep_: c for c in v.children}
    for d in ("nsubj", "csubj"):
        if d in deps:
            return deps[d]
    agent = deps.get("agent")
    if agent is not None:
        return next((g for g in agent.children if g.dep_ == "pobj"), None)
    if v.dep_ in ("conj", "xcomp", "advcl") and v.head.i != v.i and v.head.pos_ in ("VERB", "AUX"):
        return _subject_of(v.head)
    if v.dep_ == "relcl" and v.head.pos_ in ("NOUN", "PROPN"):
        return v.head
    if v.dep_ == "acl" and v.head.pos_ in ("NOUN", "PROPN"):
        agent = _noun_agent(v.head)
        return agent if agent is not None else v.head
    return None


def cue_features(c: Candidate, sent: _Sent, vocab: dict[str, str], rule_features: bool = True,
                 open_vocabulary: bool = False) -> dict[str, float]:
    t, doc, in_quote = c.cue, c.cue.doc, sent.in_quote
    lem = _lemma(t)
    f: dict[str, float] = {"bias_kind=" + c.kind: 1.0, "lemma=" + lem: 1.0, "family=" + (vocab.get(lem) or "none"): 1.0,
                           "pos=" + t.pos_: 1.0, "tag=" + t.tag_: 1.0, "dep=" + t.dep_: 1.0}
    if open_vocabulary:  # what the mined counts say of a lemma the gold may never have shown
        ratio = mined_ratios().get(lem)
        f["mined=" + ("none" if ratio is None else str(min(4, int(ratio * 5))))] = 1.0
        f["in_vocabulary"] = float(lem in vocab)
    if c.rule is not None and rule_features:
        f["rule"] = 1.0
        f["rule_kind=" + c.kind] = 1.0
        f["rule_type=" + (c.rule.source_type or "none")] = 1.0
        f["rule_quote=" + c.rule.quote] = 1.0
    kids = {ch.dep_ for ch in t.children}
    for d in ("ccomp", "xcomp", "dobj", "nsubj", "nsubjpass", "agent", "neg", "dative", "parataxis", "advcl", "prep",
              "poss", "acl", "relcl", "mark", "aux", "auxpass", "oprd"):
        if d in kids:
            f["child=" + d] = 1.0
    if any(ch.dep_ == "aux" and ch.lower_ in HEDGE_AUX for ch in t.children):
        f["hedged"] = 1.0
    if in_quote[t.i]:
        f["in_quote"] = 1.0
    if any(in_quote):
        f["sentence_quotes"] = 1.0
    right = [w for w in doc[t.i + 1:t.i + 6]]
    left = [w for w in doc[max(0, t.i - 3):t.i]]
    if right:
        nxt = right[0]
        f["next=" + (nxt.lower_ if nxt.lower_ in ("that", ",", "to", "of", "for", "on", "as", "by", "in", ":")
                     else ("quote" if nxt.text in QUOTE_CHARS else nxt.pos_))] = 1.0
    else:
        f["next=END"] = 1.0
    if any(w.lower_ == "that" for w in right):
        f["that_within_5"] = 1.0
    if any(w.text in QUOTE_CHARS for w in right[:3]):
        f["quote_after"] = 1.0
    if any(w.text in QUOTE_CHARS for w in left):
        f["quote_before"] = 1.0
    if left and left[-1].text == ",":
        f["comma_before"] = 1.0
    if any(w.tag_ in ("VBD", "VBZ", "VBP", "MD") for w in doc[t.i + 1:]):
        f["finite_after"] = 1.0
    if t.i + 1 >= len(doc) - 4:
        f["near_end"] = 1.0
    subj = _subject_of(t) if c.kind == "verb" else (_noun_agent(t) if c.kind == "noun" else None)
    if subj is not None:
        f["subj"] = 1.0
        f["subj_ent=" + (subj.ent_type_ or subj.pos_)] = 1.0
        if in_quote[subj.i]:
            f["subj_in_quote"] = 1.0
    elif c.kind == "verb":
        tail = _trailing_source(sent, t) if t.i > 1 else None
        f["trailing_source" if tail is not None else "no_subj"] = 1.0
    if c.kind == "verb":
        try:
            if _skip_verb(t):
                f["rules_skip"] = 1.0
        except (IndexError, AttributeError):
            pass
    if t.i == 0 or all(w.is_punct for w in doc[:t.i]):
        f["first"] = 1.0
    if t.head.i != t.i and _lemma(t.head) in vocab:
        f["under_cue=" + t.dep_] = 1.0  # "said ... and added", "said they expect": one source or a nested one
    obj = next((ch for ch in t.children if ch.dep_ == "dobj"), None)
    if obj is not None:
        f["obj=" + (obj.ent_type_ or obj.pos_)] = 1.0
        if any(w.tag_ == "TO" for w in doc[obj.right_edge.i + 1:obj.right_edge.i + 2]):
            f["obj_then_to"] = 1.0
    if any(w.lower_ in ("reportedly", "allegedly") for w in t.children):
        f["hearsay_adverb"] = 1.0
    return f


def _between(doc: "Doc", a: int, b: int) -> "list[Token]":
    lo, hi = (a, b) if a < b else (b, a)
    return list(doc[lo + 1:hi])


def source_features(c: Candidate, h: "Token", in_quote: list[bool]) -> dict[str, float]:
    t, doc = c.cue, c.cue.doc
    f: dict[str, float] = {"kind=" + c.kind: 1.0}
    subj = _subject_of(t) if c.kind == "verb" else (_noun_agent(t) if c.kind == "noun" else None)
    if subj is not None and subj.i == h.i:
        f["is_subject"] = 1.0
    if h.head.i == t.i:
        f["dep_to_cue=" + h.dep_] = 1.0
    if h.dep_ == "pobj" and h.head.head.i == t.i:
        f["pobj_of_cue=" + h.head.lower_] = 1.0
    if c.rule is not None and c.rule.head.i == h.i:
        f["rule_source"] = 1.0
    if c.rule is not None and c.rule.source[0] <= h.i < c.rule.source[1]:
        f["in_rule_source"] = 1.0
    side = "left" if h.i < t.i else "right"
    f["side=" + side] = 1.0
    dist = abs(h.i - t.i)
    f[f"dist={min(dist, 8) if dist < 8 else ('8-15' if dist < 16 else '16+')}"] = 1.0
    between = _between(doc, h.right_edge.i if h.i < t.i else h.left_edge.i, t.i)
    verbs = sum(w.pos_ == "VERB" for w in between)
    f[f"verbs_between={min(verbs, 2)}"] = 1.0
    if any(w.text == "," for w in between):
        f["comma_between"] = 1.0
    if any(w.text in QUOTE_CHARS for w in between):
        f["quote_between"] = 1.0
    f["ent=" + (h.ent_type_ or "none")] = 1.0
    f["hpos=" + h.pos_] = 1.0
    f[f"{side}_ent=" + (h.ent_type_ or h.pos_)] = 1.0
    if in_quote[h.i]:
        f["in_quote"] = 1.0
    if h.lower_ in PRONOUNS:
        f["pronoun=" + h.lower_] = 1.0
    lex = lexicon()
    lem = _lemma(h)
    for name, words in (("role", lex.roles), ("org", lex.organisations), ("doc", lex.documents),
                        ("anon", lex.anonymous), ("spokes", lex.spokespeople), ("group", lex.groups)):
        if lem in words:
            f["lex=" + name] = 1.0
    if h.dep_ in ("nsubj", "nsubjpass"):
        f["is_some_subject"] = 1.0
    left_nps = [w for w in c.np_heads if w.i < t.i and not in_quote[w.i]]
    if left_nps and left_nps[-1].i == h.i:
        f["nearest_left"] = 1.0
    right_nps = [w for w in c.np_heads if w.i > t.i and not in_quote[w.i]]
    if right_nps and right_nps[0].i == h.i:
        f["nearest_right"] = 1.0
    if h.left_edge.i == 0:
        f["sentence_start"] = 1.0
    return f


def featurise(doc: "Doc", rules: list[Found], vocab: dict[str, str], rule_features: bool = True,
              open_vocabulary: bool = False) -> tuple[list[Candidate], list[bool]]:
    """Candidates of one sentence with their cue features (source features are made per candidate source), and
    which tokens are inside quotation marks."""
    cands, sent = _prepare(doc, rules, vocab, rule_features, open_vocabulary)
    return cands, sent.in_quote


def _prepare(doc: "Doc", rules: list[Found], vocab: dict[str, str], rule_features: bool,
             open_vocabulary: bool = False) -> tuple[list[Candidate], _Sent]:
    sent = _Sent(doc, lexicon())  # the quotation marks paired once per sentence
    cands = candidates(doc, rules, vocab, open_vocabulary)
    for c in cands:
        c.feats = cue_features(c, sent, vocab, rule_features, open_vocabulary)
    return cands, sent


# --- decisions --------------------------------------------------------------------------------------------


def _loose_content(s: _Sent, c: Candidate, src: "Token") -> tuple[str, str]:
    """What a cue the rules did not read reports: its complement, object or clause; the clause before it when
    the source and cue come last ("..., an energy think tank reported")."""
    t, doc = c.cue, c.cue.doc
    lo, hi = np_range(src)
    if c.kind == "noun":
        clause = next((ch for ch in t.children if ch.dep_ in ("acl", "ccomp", "relcl")), None)
        if clause is not None and clause.i > t.i:
            i = clause.left_edge.i
            return _content(s, (i + (doc[i].lower_ == "that"), clause.right_edge.i + 1))
    rights = [ch for ch in t.rights if ch.dep_ not in ("punct", "cc", "conj") and ch.i > max(t.i, hi - 1)]
    if c.kind == "verb" and rights:
        i = rights[0].left_edge.i
        while i < len(doc) and (doc[i].lower_ == "that" or doc[i].is_punct) and i not in s.closer:
            i += 1
        j = max(ch.right_edge.i for ch in rights) + 1
        if i < j:
            return _content(s, (i, j))
    if (lo > 1 and src.i > t.i) or (lo > 0 and hi <= t.i and doc[lo - 1].text == ","):
        return _content(s, (0, lo - 1))
    if t.i + 1 < len(doc):
        return _content(s, (t.i + 1, len(doc)))
    return "", ""


def _exact(f: Found) -> bool:
    """Rule findings kept whatever the classifiers say: "according to" and other prepositions, the colon form,
    attribution nouns with their issuer, and direct quotations."""
    return f.cue == ":" or f.cue in ("according to", "per") or " " in f.cue or f.quote == "direct" or (
        f.head.doc[f.cue_i].pos_ == "NOUN")


def _refused(s: _Sent, v: "Token") -> bool:
    """What the guideline names as no attribution and the rules refuse by name, which the classifiers may not add
    either: a verb that reports only next to a quotation ("Lopez asked whether the count was fair"), a verb whose
    object is a scare-quoted phrase ("denied the “rumours”"), and an act named by a report verb ("expressed
    concern over ...", `attribution_misreads.ACTS`)."""
    lem = _lemma(v)
    if lem in s.lex.quote_verbs and lem not in s.lex.verbs:
        return True
    nominal = [q for q in s.spans if _nominal_quote(s.doc, q)]
    return any(q[0] < d.i < q[1] for q in nominal for d in v.children if d.dep_ == "dobj") or names_an_act(v)


def decide(doc: "Doc", rules: list[Found], m: Model) -> list[Found]:
    """The attributions of one sentence: each candidate cue the cue classifier accepts, with the candidate
    source the source classifier ranks first (if it clears its threshold). A cue the rules read keeps the
    rules' spans and content when the classifier picks the rules' source; with `keep_rules`, every rule
    finding is kept and the classifiers only add what the rules did not read. Exact rule findings (`_exact`)
    are always kept, and a verb the rules skip as speech that did not happen, or refuse by name (`_refused`), is
    never added."""
    cands, s = _prepare(doc, rules, m.vocabulary, m.rule_features, m.open_vocabulary)
    vetoed = {id(c.rule) for c in cands if c.rule is not None and m.veto and m.cue_p(c.feats) < m.veto}
    # the rules stay where they are exact; with keep_rules, everywhere the classifier does not veto them
    out = [f for f in rules if _exact(f) or (m.keep_rules and id(f) not in vetoed)]
    for c in cands:
        if (m.keep_rules and c.rule is not None) or (c.rule is not None and _exact(c.rule)):
            continue
        if c.rule is None and c.kind == "verb" and (_skip_verb(c.cue) or _refused(s, c.cue)):
            continue  # speech not reported as having happened, or what the guideline names as no report
        if m.cue_p(c.feats) < m.cue_threshold or not c.sources:
            continue
        scored = sorted(((m.source_p(source_features(c, h, s.in_quote)), h) for h in c.sources),
                        key=lambda e: -e[0])
        p, head = scored[0]
        if p < m.source_threshold:
            continue
        if c.rule is not None and (c.rule.head.i == head.i or c.rule.source[0] <= head.i < c.rule.source[1]):
            out.append(c.rule)
            continue
        content, quote = _loose_content(s, c, head)
        if not content:
            continue
        cue_text = c.rule.cue if c.rule is not None else c.cue.text
        f = Found(np_range(head), np_range(head, core=True), head, cue_text, c.cue.i, content, quote)
        f.source_type = _source_type(s, f)
        out.append(f)
    seen, unique = set(), []
    for f in sorted(out, key=lambda f: f.cue_i):
        if (f.source, f.cue_i) not in seen:
            seen.add((f.source, f.cue_i))
            unique.append(f)
    return unique
