"""A reporting verb the tagger read as a plural noun takes the whole parse down with it: in "Bloomberg News states
that calls ... weren't returned" or 'A CRA press release dated March 6 states "..."' en_core_web_sm finds no verb to
hang the report on, so no rule can read it. Such a sentence is parsed again with the word replaced by an
unambiguous verb of the same form ("says"; "asks" before "for"), and the second parse is carried back onto the
sentence's own words, so everything downstream reads the original text (round 12). The second parse is kept only
if it reads the word as a verb with a subject and something said; otherwise the first parse stays.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

OPENERS = {'"', "“", "``", ":", "that"}
#: What a misread report may begin with after its verb: a clause's subject ("claims Tenet left ...").
SUBJECT_STARTS = {"PROPN", "PRON", "DET", "NUM"}
NOUN_DEPS = {"pobj", "dobj", "nsubj", "nsubjpass", "compound", "npadvmod", "attr"}


def _verb_lemma(t: "Token", verbs: frozenset[str]) -> str | None:
    low = t.lower_
    for lemma in (low[:-1], low[:-2] if low.endswith("es") else None):
        if lemma and lemma in verbs:
            return lemma
    return None


def misread(doc: "Doc", verbs: frozenset[str]) -> list[tuple[int, str, str]]:
    """(index, verb lemma, substitute) of each word tagged a plural noun (or a verb parsed as a noun) that reads as a
    reporting verb here: a lexicon verb's "-s" form right after a noun phrase's last word (not after a determiner, a
    number, a possessive or an adjective: "the claims", "two demands", "Iran's demands", "Neighbouring states"),
    followed by what a report opens with."""
    out = []
    for t in doc:
        noun = t.tag_ in ("NNS", "NNPS") or t.tag_ == "VBZ" and t.dep_ in NOUN_DEPS  # "Mail states": a VBZ as pobj
        if not noun or t.i == 0 or t.i + 1 >= len(doc) or t.text[:1].isupper():
            continue
        lemma = _verb_lemma(t, verbs)
        prev, nxt = doc[t.i - 1], doc[t.i + 1]
        if lemma is None or prev.pos_ not in ("NOUN", "PROPN") or prev.lower_.endswith("ing") or prev.tag_ == "POS":
            continue
        if nxt.lower_ == "for" and lemma == "call":
            out.append((t.i, lemma, "asks"))
        elif nxt.lower_ in OPENERS or nxt.pos_ in SUBJECT_STARTS:
            out.append((t.i, lemma, "says"))
    return out


def _reads_as_report(doc: "Doc", i: int) -> bool:
    v = doc[i]
    deps = {c.dep_ for c in v.children}
    subject = "nsubj" in deps or v.dep_ == "conj" and v.head.pos_ == "VERB"  # "understands ... and states that"
    return v.pos_ == "VERB" and subject and any(
        c.dep_ in ("ccomp", "dobj", "xcomp") or c.lower_ == "for" or c.text in OPENERS for c in v.rights)


def carry_back(doc: "Doc", again: "Doc", i: int, lemma: str) -> "Doc":
    """`again`'s annotation on `doc`'s words (they differ only at `i`), with `i` a verb of lemma `lemma`."""
    from spacy.tokens import Doc

    ents = None
    if doc.has_annotation("ENT_IOB"):
        ents = [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_iob_ in ("B", "I") else "O" for t in again]
    return Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc],
               tags=[t.tag_ for t in again], pos=[t.pos_ for t in again], morphs=[str(t.morph) for t in again],
               lemmas=[lemma if t.i == i else t.lemma_ for t in again], heads=[t.head.i for t in again],
               deps=[t.dep_ for t in again], ents=ents)


def repair(docs: list["Doc | None"], verbs: frozenset[str]) -> list["Doc | None"]:
    """`docs` with each sentence whose reporting verb (one of `verbs`, lemmas) was misread as a noun parsed again
    (see the module doc)."""
    from claims.pipeline import nlp

    todo = [(k, i, lemma, sub) for k, d in enumerate(docs) if d is not None for i, lemma, sub in misread(d, verbs)[:1]]
    if not todo:
        return docs
    texts = []
    for k, i, _, sub in todo:
        d = docs[k]
        texts.append(d[:i].text_with_ws + sub + d[i].whitespace_ + d[i + 1:].text_with_ws)
    out = list(docs)
    for entities in (True, False):
        group = [(n, t) for n, t in enumerate(todo) if docs[t[0]].has_annotation("ENT_IOB") == entities]
        parsed = nlp.parse([texts[n] for n, _ in group], entities=entities) if group else []
        for (n, (k, i, lemma, _)), again in zip(group, parsed):
            if len(again) == len(docs[k]) and _reads_as_report(again, i):
                out[k] = carry_back(docs[k], again, i, lemma)
    return out
