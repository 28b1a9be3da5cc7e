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

from typing import TYPE_CHECKING, Callable

from claims.pipeline.attribution_misreads import find_all
from claims.pipeline.attribution_rules import Found
from claims.pipeline.cues import lexicon
from claims.pipeline.mentions import ArticleMentions
from claims.pipeline.types import Attribution, Sentence

if TYPE_CHECKING:
    from spacy.tokens import Doc


Finder = Callable[["Doc"], list[Found]]


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


def attribute(sentences: list[Sentence], docs: list["Doc | None"],
              finder: Finder = learned) -> list[tuple[Attribution, ...]]:
    """Attributions for each sentence of one article; docs[i] is the spaCy parse of sentences[i].text.

    Sentences must be in article order: pronouns and short names are resolved against what earlier
    sentences named. Within a sentence, attributions come in the order of their cues. docs[i] is None
    for a sentence left unparsed (see `parse_where_needed`): it has no attributions and names no one.
    `finder` reads one parsed sentence: the learned step by default, `rules_only` for the rules alone.
    """
    if len(sentences) != len(docs):
        raise ValueError(f"got {len(sentences)} sentences but {len(docs)} parsed docs")
    article, out = ArticleMentions(lexicon()), []
    for doc in docs:
        if doc is None:
            out.append(())
            continue
        here, result = sorted(article.mentions_in(doc), key=lambda e: e[0]), []
        for f in finder(doc):
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
