"""Who says what: find attributions (source, cue, content) in sentences that spaCy has already parsed.

Rules over the dependency parse, tuned for precision: a fact-checker is better served by no
attribution than by a wrong one. A reporting verb only counts with a subject *and* a content of the
shape its kind of verb takes (see the sections of `claims/data/cues.txt`): "agreed to meet" is not
speech, nor is "police found the car". Verbs inside quotations, in relative clauses about their own
subject, negated, hedged or hypothetical are skipped, and a source is only "resolved" when a
compatible antecedent was named earlier in the article. Field conventions follow samples/GUIDELINE.md.

Cues:
  verbs         American businesses say ...; "...," said the mayor; ..., experts say, ...; Nordvind, which said ...
  prepositions  according to X, ...; ..., per X
  nouns         In a statement from X, ...; the ministry's claim that ...
  colon         X: "..."; X, on whether ...: "..."   (cue ":")

Only sentences that could hold an attribution or name someone are parsed (`parse_where_needed`): the
parse is most of the cost, and a sentence without a cue word, a quotation mark or a name adds nothing.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Sequence

from claims.pipeline.attribution_misreads import find_all
from claims.pipeline.attribution_rules import Found
from claims.pipeline.cues import lexicon
from claims.pipeline.mentions import ArticleMentions
from claims.pipeline.types import Attribution, Sentence

if TYPE_CHECKING:
    import numpy as np
    from spacy.tokens import Doc


Finder = Callable[["Doc"], list[Found]]


def _tagger(sentences: list[Sentence], docs: list["Doc | None"], states) -> Callable:
    """What reads a sentence's findings: the findings as they are, or with the cue tagger's additions where
    states were given and the tagger ships."""
    from claims.pipeline import cue_tagger

    m = cue_tagger.model() if states is not None else None
    if m is None:
        return lambda k, doc, found: found
    want = [k for k, d in enumerate(docs) if d is not None and states[k] is not None and len(states[k])]
    offsets = dict(zip(want, cue_tagger.piece_offsets([sentences[k].text for k in want])))

    def read(k: int, doc: "Doc", found: list[Found]) -> list[Found]:
        if k not in offsets:
            return found
        extra = cue_tagger.additions(doc, found, states[k], offsets[k], m)
        return sorted(found + extra, key=lambda f: f.cue_i) if extra else found
    return read


def rules_only(doc: "Doc") -> list[Found]:
    """The rules, and the forms the parser misreads (`attribution_misreads`)."""
    return find_all(doc)


def learned(doc: "Doc") -> list[Found]:
    """The rules' findings decided on, and added to, by the learned step (`attribution_learned`); the rules alone
    where no model is shipped or the shipped one is switched off (it did not beat the rules under CV)."""
    from claims.pipeline import attribution_learned

    m = attribution_learned.model()
    found = find_all(doc)
    return found if m is None or not m.enabled else attribution_learned.decide(doc, found, m)


def attribute(sentences: list[Sentence], docs: list["Doc | None"], finder: Finder = learned,
              states: "Sequence[np.ndarray | None] | None" = None) -> list[tuple[Attribution, ...]]:
    """Attributions for each sentence of one article; docs[i] is the spaCy parse of sentences[i].text.

    Sentences must be in article order: pronouns and short names are resolved against what earlier
    sentences named. Within a sentence, attributions come in the order of their cues. docs[i] is None
    for a sentence left unparsed (see `parse_where_needed`): it has no attributions and names no one.
    `finder` reads one parsed sentence: the learned step by default, `rules_only` for the rules alone.
    `states`: each sentence's MiniLM last-layer token states (None where not computed); with them the cue
    tagger (`cue_tagger`) adds what the rules did not read, where its weights ship.
    """
    if len(sentences) != len(docs):
        raise ValueError(f"got {len(sentences)} sentences but {len(docs)} parsed docs")
    if states is not None and len(states) != len(docs):
        raise ValueError(f"got {len(docs)} parsed docs but {len(states)} state arrays")
    tag = _tagger(sentences, docs, states)
    article, out = ArticleMentions(lexicon()), []
    for k, doc in enumerate(docs):
        if doc is None:
            out.append(())
            continue
        here, result = sorted(article.mentions_in(doc), key=lambda e: e[0]), []
        for f in tag(k, doc, finder(doc)):
            cands = article.mentions + [m for end, m in here if end <= f.source[0]]
            resolved, antecedent = article.antecedent(doc, f, cands)
            source = doc[f.source[0]:f.source[1]].text
            result.append(Attribution(source, f.cue, f.content, f.quote, f.source_type, resolved))
            mention = article.spoke(doc, f, resolved, antecedent)
            if mention is not None:
                here = sorted(here + [(f.source[1], mention)], key=lambda e: e[0])
        article.mentions += [m for _, m in here]
        out.append(tuple(result))
    return out
