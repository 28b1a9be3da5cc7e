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

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING

from claims.types import Attribution, Sentence

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

OPEN_QUOTES, CLOSE_QUOTES, STRAIGHT_QUOTES = {"“", "‘", "«"}, {"”", "’", "»"}, {'"', "``", "''"}
HEDGES = {"could", "would", "might", "may", "should", "can"}  # "critics would argue that ..." reports nothing
CONDITIONS = {"if", "whether", "unless"}
NOMINAL = {"dobj", "pobj", "nsubj", "nsubjpass", "attr", "appos", "compound", "amod", "oprd"}
PRONOUN_GENDER = {"he": "m", "she": "f", "they": "", "it": ""}
TITLES = {"mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "prof", "prof.", "sen.", "rep.", "gov.", "gen.", "sgt",
          "sgt.", "lt.", "col.", "capt.", "det."}
GENDER_TITLES = {"mr": "m", "mr.": "m", "mrs": "f", "mrs.": "f", "ms": "f", "ms.": "f"}
ABBREVIATIONS = {"Sgt", "Gen", "Lt", "Col", "Capt", "Rep", "Sen", "Gov", "Prof", "Dr", "Mr", "Ms", "Mrs", "Det"}
ORG_ENTS = {"ORG", "GPE", "NORP"}
ANONYMITY = ("familiar with", "anonymity", "not to be named", "not authorized", "not authorised", "knowledge of")
#: Plural subjects make the tagger read "records show" as a noun compound; these forms are taken back as verbs.
MISREAD_VERBS = {"show": "show", "shows": "show", "suggest": "suggest", "suggests": "suggest", "say": "say",
                 "says": "say"}
#: Verbs with a hearer as object that the parser often leaves without their "that" clause ("told reporters
#: outside the courthouse that ..." read as a relative clause on "courthouse").
HEARER_VERBS = {"tell", "inform", "assure", "reassure", "remind", "warn", "promise", "notify"}
#: "put the cost at $90 million": an estimate, when the phrase after the object holds a figure.
ESTIMATE_PREPS = {"at", "closer", "near", "around", "between", "above", "below", "under", "over"}
#: Right-hand dependents the parser hangs on the reporting verb that belong to its content ("names, email addresses").
SPILLOVER = {"npadvmod", "dobj", "dep", "appos", "attr", "oprd"}


@dataclass(frozen=True)
class Lexicon:
    """Cue words in lemma form, and the words that type a source."""

    verbs: frozenset[str]
    object_verbs: frozenset[str]
    infinitive_verbs: frozenset[str]
    quote_verbs: frozenset[str]
    document_verbs: frozenset[str]
    nouns: frozenset[str]
    prepositions: tuple[tuple[str, ...], ...]  # longest first
    documents: frozenset[str]
    anonymous: frozenset[str]
    groups: frozenset[str]
    organisations: frozenset[str]
    spokespeople: frozenset[str]
    roles: frozenset[str]

    @functools.cached_property
    def any_verb(self) -> frozenset[str]:
        return self.verbs | self.object_verbs | self.infinitive_verbs | self.document_verbs | self.quote_verbs


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Read `claims/data/cues.txt` once, on first use."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in resources.files("claims").joinpath("data/cues.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif line and not line.startswith("#") and current is not None:
            current.append(line.lower())
    preps = tuple(sorted((tuple(p.split()) for p in sections.pop("prepositions")), key=len, reverse=True))
    return Lexicon(prepositions=preps, **{k: frozenset(v) for k, v in sections.items()})


# ---- Which sentences need a parse -------------------------------------------------------------------

#: Past forms and participles the suffix rules below do not make.
IRREGULAR = {"say": ("said",), "tell": ("told",), "think": ("thought",), "find": ("found",), "put": ("put",),
             "write": ("wrote", "written"), "show": ("shown",), "forecast": ("forecast",), "mean": ("meant",),
             "hear": ("heard",), "speak": ("spoke", "spoken"), "swear": ("swore", "sworn"), "hold": ("held",),
             "know": ("knew", "known"), "forbid": ("forbade", "forbidden"), "foresee": ("foresaw", "foreseen")}
#: Quotation marks of every kind but the one that doubles as an apostrophe.
QUOTE_MARKS = re.compile(r"[\"“”‘«»„]|``|''")
WORD = re.compile(r"[a-z]+")


def _inflections(lemma: str) -> set[str]:
    """The written forms of an English verb or noun lemma: plain suffix rules, both doubling choices, irregulars."""
    forms = {lemma, *IRREGULAR.get(lemma, ())}
    stem = lemma[:-1] if lemma.endswith("e") else lemma
    forms |= {lemma + "s", lemma + "es", stem + "ed", stem + "ing", lemma + "d"}
    if lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    if re.search(r"[^aeiou][aeiou][^aeiouwxy]$", lemma):  # admit -> admitted, admitting
        forms |= {lemma + lemma[-1] + "ed", lemma + lemma[-1] + "ing"}
    return forms


@functools.lru_cache(maxsize=1)
def _trigger_words() -> frozenset[str]:
    """Every word form that can start an attribution: cue verbs and nouns as written, and the prepositions."""
    lex = lexicon()
    return frozenset(w for lemma in lex.any_verb | lex.nouns | set(MISREAD_VERBS) for w in _inflections(lemma))


@functools.lru_cache(maxsize=1)
def _preposition_re() -> re.Pattern:
    phrases = sorted((" ".join(p) for p in lexicon().prepositions), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b")


def may_attribute(text: str) -> bool:
    """Whether a sentence could hold an attribution at all, read off its raw text without a parse.

    True when it has a quotation mark (direct speech, the colon form), a prepositional cue ("according
    to") or any form of a cue verb or noun. Everything `_find_attributions` reports starts from one of those,
    so a sentence without them is not parsed (the parse is most of attribution's cost).
    """
    low = text.lower()
    if _preposition_re().search(low):
        return True
    if QUOTE_MARKS.search(text) and (":" in text or SINGLE_QUOTES.search(text) or _has_words(outside_quotes(text))):
        return True  # a quote with something around it (a colon form, a speaker); a piece of quote alone has no source
    low = NO_COMMENT.sub(" ", low)
    words = _trigger_words()
    return any(w in words and not (w in NOUN_READINGS and NOUN_READINGS[w].search(low)) for w in WORD.findall(low))


#: "Declined to comment", "did not respond to a request for comment": cue words that report no speech.
NO_COMMENT = re.compile(r"\b(?:declined|refused|declining|(?:did not|didn’t|didn't) (?:immediately )?(?:respond|reply)"
                        r"|could not be reached)\b[^.;]*\b(?:comment|question|request)s?\b|\brequests? for comment\b")
#: Quotation marks that may be apostrophes too, or that come in pairs of two characters: not worth pairing by hand.
SINGLE_QUOTES = re.compile(r"‘|``|''")
#: Trigger forms that are nearly always the noun in news ("the state said" has its own cue): not a cue after these.
NOUN_READINGS = {w: re.compile(r"\b(?:the|a|this|that|each|every|of|per|in|across|whose|its|their|our|his|her)\s+"
                                + w + r"\b") for w in ("state", "states")}


def _has_words(text: str) -> bool:
    return re.search(r"[^\W\d_]", text) is not None


def outside_quotes(text: str) -> str:
    """The text of a sentence outside its double quotation marks. A closing mark with no opening one before it
    means the sentence began inside a quote (a quote that runs over several sentences), an opening mark with no
    closing one that it ends inside one."""
    out: list[str] = []
    pos, inside = 0, False
    for m in re.finditer(r"[“”\"«»„]", text):
        ch, i = m.group(), m.start()
        if ch in "“«„":
            opening = True
        elif ch in "”»":
            opening = False
        else:  # straight: it opens when it sticks to the word after it and not to the one before
            opening = (i == 0 or not text[i - 1].isalnum() and text[i - 1] not in ".,!?;:") and (
                i + 1 < len(text) and not text[i + 1].isspace())
        if opening and not inside:
            out.append(text[pos:i])
            inside = True
        elif not opening:
            if not inside:
                out = []  # everything so far was quoted
            inside, pos = False, i + 1
    if not inside:
        out.append(text[pos:])
    return "".join(out)


#: Two capitalised words in a row ("Jasmine Patel", "Information Commissioner’s Office", "Mr. Hale").
NAME_RUN = re.compile(r"\b[A-Z][\w’'.&-]*\s+(?:(?:of|the|for|and|de|van|von)\s+)?[A-Z]")


def needs_parse(text: str) -> bool:
    """Whether attribution needs this sentence parsed: it may hold an attribution, or it names someone in
    full that a later "she", "Patel" or "the office" may point back to."""
    return may_attribute(text) or bool(NAME_RUN.search(text))


#: First words that are never a name: a sentence with no other capital letter has no entity to find.
PLAIN_OPENERS = frozenset("the a an it he she they we i but and in on at for this that there his her their its some "
                          "many most if when while as".split())


#: Capitalised words that are never a person or an organisation: attribution reads no other entity type.
NEVER_NAMES = frozenset("i i’m i'm i’ve i've i’d i'd i’ll i'll monday tuesday wednesday thursday friday saturday "
                        "sunday january february march april may june july august september october november "
                        "december".split())


def names_nothing(text: str) -> bool:
    """No capitalised word outside quotation marks but a plain first one or a day, a month or "I" ("The figures,
    he said, were wrong in May."; "“We will win,” she said."): no person or organisation to recognise."""
    words = re.findall(r"[^\W\d_][\w’'.-]*", outside_quotes(text))
    return not words or (words[0].lower() in PLAIN_OPENERS | NEVER_NAMES and not any(
        w[0].isupper() and w.lower().rstrip(".") not in NEVER_NAMES for w in words[1:]))


def parse_where_needed(texts: list[str]) -> list["Doc | None"]:
    """The spaCy parse of each text that `needs_parse`, None for the others.

    The entity recogniser, the costliest part of the parse, is left out where `names_nothing`.
    """
    from . import nlp  # loads spaCy only when something needs parsing

    keep = [i for i, t in enumerate(texts) if needs_parse(t)]
    out: list["Doc | None"] = [None] * len(texts)
    for plain in (False, True):
        group = [i for i in keep if names_nothing(texts[i]) == plain]
        for i, doc in zip(group, nlp.parse([texts[i] for i in group], entities=not plain) if group else []):
            out[i] = doc
    return out


@dataclass
class _Found:
    """An attribution inside one sentence, before cross-sentence resolution."""

    source: tuple[int, int]  # token range of the source as written
    core: tuple[int, int]  # the same without appositions and comma-set clauses, to name it later
    head: "Token"
    cue: str
    cue_i: int
    content: str
    quote: str
    source_type: str = ""


class _Sent:
    """One parsed sentence with its quotation marks paired up."""

    def __init__(self, doc: "Doc", lex: Lexicon):
        self.doc, self.lex, self.spans = doc, lex, _quote_spans(doc)
        self.in_quote = [False] * len(doc)
        self.closer: dict[int, int] = {}  # opening mark -> closing mark, both inside the sentence
        self.opener: dict[int, int] = {}
        for a, b in self.spans:
            self.in_quote[a + 1:b] = [True] * (b - a - 1)
            if a >= 0 and b < len(doc):
                self.closer[a], self.opener[b] = b, a


def _quote_spans(doc: "Doc") -> list[tuple[int, int]]:
    """(open, close) token indices of quotation marks; -1 or len(doc) where a quote crosses the sentence edge."""
    spans, open_i, open_char = [], None, ""
    for t in doc:
        if t.text in STRAIGHT_QUOTES:  # a straight quote opens when it sticks to the following word
            opening = t.text == "``" or (
                t.text == '"' and not t.whitespace_ and (t.i == 0 or bool(doc[t.i - 1].whitespace_)))
        elif t.text in OPEN_QUOTES:
            opening = True
        elif t.text in CLOSE_QUOTES and (t.text != "’" or open_char == "‘"):  # else an apostrophe
            opening = False
        else:
            continue
        if opening and open_i is None:
            open_i, open_char = t.i, t.text
        elif not opening and open_i is not None:
            spans.append((open_i, t.i))
            open_i, open_char = None, ""
        elif not opening and not spans:  # the sentence continues a quotation begun before it
            spans.append((-1, t.i))
    if open_i is not None:
        spans.append((open_i, len(doc)))
    return spans


def _text(s: _Sent, i: int, j: int) -> str:
    """Tokens [i, j) without edge punctuation; a quoted fragment keeps its marks ("was “the real test.”")."""
    doc = s.doc
    while i < j and (doc[i].is_punct or doc[i].is_space) and i not in s.closer:
        i += 1
    while j > i and ((doc[j - 1].is_punct and doc[j - 1].text not in "?!") or doc[j - 1].is_space):
        if s.opener.get(j - 1, -1) >= i:
            break
        j -= 1
    if i > 0 and i < j and s.closer.get(i - 1, len(doc)) < j:  # 'found "little or no" effect'
        i -= 1
    j = max([j] + [s.closer[k] + 1 for k in range(i, j) if k in s.closer])  # close a fragment left open
    if j - i >= 2 and doc[j - 2].text == "," and (j - 1) in s.opener:  # 'crisis,”' -> 'crisis”'
        return doc[i:j - 2].text + doc[j - 1].text
    return doc[i:j].text if i < j else ""


def _quote_text(s: _Sent, span: tuple[int, int]) -> str:
    """The words inside quotation marks, without the comma that only closes the quote."""
    i, j = span[0] + 1, span[1]
    while j > i and (s.doc[j - 1].text == "," or s.doc[j - 1].is_space):
        j -= 1
    return s.doc[i:j].text.strip()


def _content(s: _Sent, *ranges: tuple[int, int]) -> tuple[str, str]:
    """The text of token ranges, joined by a space, and "direct" when all their words are inside quotation marks."""
    text = " ".join(t for t in (_text(s, i, j) for i, j in ranges) if t)
    words = [k for i, j in ranges for k in range(i, j) if not s.doc[k].is_punct]
    return text, "direct" if words and all(s.in_quote[k] for k in words) else "reported"


def _np_range(head: "Token", core: bool = False) -> tuple[int, int]:
    """A noun phrase as written; with core=True without appositions and comma-set clauses ("Tom Reyes")."""
    doc, left, right = head.doc, head.left_edge.i, head.right_edge.i + 1
    for c in head.children:  # core: no "Tom Reyes, a professor"; never "Ruiz, speaking at a church hall,"
        aside = c.dep_ in ("relcl", "acl", "advcl") and c.left_edge.i > 0 and doc[c.left_edge.i - 1].text == ","
        if (core and (aside or c.dep_ == "appos")) or (aside and c.tag_ == "VBG"):
            right, left = (min(right, c.left_edge.i), left) if c.i > head.i else (right, max(left, c.right_edge.i + 1))
    if right + 1 < len(doc) and doc[right].text == "." and doc[right - 1].text in ABBREVIATIONS:
        nxt = doc[right + 1]  # "Detective Sgt. Luis Ferreira": the full stop was taken for a sentence end
        while nxt.head.i != nxt.i and nxt.head.i > right:
            nxt = nxt.head
        right = nxt.right_edge.i + 1
        for c in nxt.children if core else ():
            if c.dep_ in ("appos", "relcl") and c.i > nxt.i:
                right = min(right, c.left_edge.i)
    while right < len(doc) and doc[right].tag_ == "POS":  # "at St. Brigid’s": the parser hung "’s" elsewhere
        right += 1
    if left >= 1 and doc[left].text in ("’", "'") and doc[left].head.i == head.i:
        left = doc[left - 1].left_edge.i  # "Landlords’ groups": a plural possessive left outside the phrase
    while left < right and (doc[left].is_punct or doc[left].dep_ == "cc"):
        left += 1
    while right > left and (doc[right - 1].is_punct or (doc[right - 1].tag_ == "POS" and head.dep_ == "poss")):
        right -= 1
    return left, right


def _noun_agent(noun: "Token") -> "Token | None":
    """Who issued a statement or report: "from X", "by X", or "X's"."""
    for c in noun.children:
        if c.dep_ == "prep" and c.lower_ in ("from", "by"):
            return next((g for g in c.children if g.dep_ == "pobj"), None)
        if c.dep_ == "poss" or (c.dep_ == "nsubj" and c.i < noun.i and any(g.tag_ == "POS" for g in c.children)):
            return c  # "The ministry’s claim", where the parser hangs "ministry" on the noun as a subject
    return None


def _subject(verb: "Token", inherit: bool) -> "Token | None":
    """The speaker: nsubj, a passive's agent, or (inherit) the subject a conjoined or participle verb shares."""
    if verb.pos_ != "VERB":  # a misread "records show": the compound in front
        return next((c for c in reversed(list(verb.lefts)) if c.dep_ == "compound"), None)
    deps = {c.dep_: c for c in reversed(list(verb.children))}
    if _aside_relative(verb):
        return verb.head  # "Nordvind, which said ...": the antecedent speaks
    if "nsubj" in deps:
        return deps["nsubj"]
    if "agent" in deps:
        return next((g for g in deps["agent"].children if g.dep_ == "pobj"), None)
    if "nsubjpass" in deps or "expl" in deps:
        return None  # "the minister was told that ...": the subject is the hearer
    csubj = deps.get("csubj")  # headline "Ticketing firm TixPoint says ...", misparsed
    if csubj is not None and csubj.left_edge.i == 0:
        return next((t for t in reversed(list(csubj.subtree)) if t.pos_ == "PROPN"), None)
    if not inherit:
        return None
    if (verb.dep_ == "conj" or (verb.dep_ == "advcl" and verb.tag_ == "VBG")) and verb.head.pos_ in ("VERB", "AUX"):
        return _subject(verb.head, inherit)  # "she smiled and said ..."; "..., adding that ..."
    if verb.dep_ == "acl" and verb.tag_ == "VBG":  # "a statement from X saying"; "X issued a statement saying"
        agent = _noun_agent(verb.head)
        return agent if agent is not None or verb.head.dep_ != "dobj" else _subject(verb.head.head, inherit)
    return None


def _skip_verb(verb: "Token") -> bool:
    """Speech not reported as having happened: relative to its subject, negated, hedged, hypothetical, a question."""
    subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    if verb.dep_ in ("amod", "xcomp", "csubj", "pcomp") or (verb.dep_ == "acl" and verb.tag_ != "VBG"):
        return True
    if verb.dep_ == "relcl" and (subj is None or subj.tag_ in ("WDT", "WP")) and not _aside_relative(verb):
        return True  # "the man who told police ..." (but "buses, which the town says will cut costs" is speech)
    return any(
        c.dep_ == "neg"
        or (c.dep_ == "mark" and c.lower_ in CONDITIONS)
        or (c.dep_ == "aux" and (c.lower_ in HEDGES or (subj is not None and c.i < subj.i)))
        for c in verb.children)


def _aside_relative(verb: "Token") -> bool:
    """A relative clause set off by a comma whose pronoun is the speaker: "Nordvind, which said ..."."""
    subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    doc = verb.doc
    return (verb.dep_ == "relcl" and subj is not None and subj.lower_ in ("which", "who")
            and verb.lemma_.lower() in lexicon().verbs  # not "who asked not to be named"
            and subj.i == verb.left_edge.i and subj.i > 0 and doc[subj.i - 1].text == ","
            and verb.head.pos_ in ("PROPN", "NOUN") and verb.head.i < subj.i)


def _finite(clause: "Token") -> bool:
    """A tensed clause ("the plan would fail"), not a small clause ("found the car abandoned")."""
    return clause.tag_ in ("VBD", "VBZ", "VBP", "MD") or any(
        c.dep_ in ("aux", "auxpass", "mark") and (c.tag_ in ("MD", "VBD", "VBZ", "VBP") or c.lower_ == "that")
        for c in clause.children)


def _nominal_quote(doc: "Doc", span: tuple[int, int]) -> bool:
    """A scare-quoted phrase used as a noun ("denied the “rumours”"), not a quotation of speech."""
    return any(doc[k].dep_ in NOMINAL for k in range(span[0] + 1, span[1]) if not span[0] < doc[k].head.i < span[1])


def _cue_lemma(t: "Token", lex: Lexicon) -> str | None:
    if t.pos_ == "VERB":
        return t.lemma_.lower() if t.lemma_.lower() in lex.any_verb else None
    if t.lower_ in MISREAD_VERBS and any(c.dep_ == "ccomp" for c in t.children) and any(
            c.dep_ == "compound" for c in t.lefts):
        return MISREAD_VERBS[t.lower_]
    return None


def _right_end(s: _Sent, verb: "Token", start: int, spill: set[str] | None, merged: set[int]) -> int:
    """Where content that starts at `start` ends: before the verb's next clause ("..., but the doses were low").

    A conjoined cue without its own subject joins the content ("estimated X and found that Y" is one
    attribution) and is noted in `merged`. With `spill`, only those misattached dependents are taken.
    """
    end = start
    for c in verb.rights:
        if c.i < start or c.is_punct or c.dep_ == "cc":
            continue
        if c.dep_ == "conj":  # "... and would continue to do so" stays; "... but did not say how much" does not
            cue = _cue_lemma(c, s.lex)
            if any(g.dep_ == "nsubj" for g in c.children) or (cue and any(g.dep_ == "neg" for g in c.children)):
                break
            if cue:
                merged.add(c.i)
        elif (c.dep_ in ("advcl", "parataxis") and _cue_lemma(c, s.lex)) or c.lower_ == "according" or (
                spill is not None and c.dep_ not in spill):
            break
        end = c.right_edge.i + 1
    return end


def _verb_content(s: _Sent, v: "Token", lem: str, source_type: str, merged: set[int]) -> tuple[str, str] | None:
    """What a reporting verb reports: a complement clause, quotations, an object, or the clause around it."""
    doc, lex = s.doc, s.lex
    comps = [c for c in v.children if (c.dep_ == "ccomp" or (c.dep_ == "parataxis" and _cue_lemma(c, lex) is None))
             and not c.is_punct]
    # quotations that hold the complements whole; 'said her client “denies ...”' is a mixed quote, so reported
    extents = [[w.i for w in c.subtree if not w.is_punct] for c in comps]
    inside = [q for q in s.spans for e in extents if q[0] < e[0] and e[-1] < q[1]]
    owned = sorted(set(inside)) if len(inside) >= len(comps) else []
    takes_infinitive = lem in lex.object_verbs | lex.infinitive_verbs
    before = bool(comps) and comps[0].i < v.i and comps[0].right_edge.i + 1 < v.i and \
        doc[comps[0].right_edge.i + 1].text == ","  # "..., the opinion noted"; "..., filings show"
    if lem in lex.verbs and comps and not owned and (_finite(comps[0]) or takes_infinitive or before):
        c = comps[0]  # reported speech: the complement clause, without "that"
        i = max(c.left_edge.i, v.i + 1) if c.i > v.i else c.left_edge.i
        i += doc[i].lower_ == "that" and doc[i].tag_ == "IN"
        j = max(e[-1] for e in extents) + 1
        j = max(j, _right_end(s, v, j, SPILLOVER, merged)) if c.i > v.i else c.right_edge.i + 1
        return _content(s, (i, j))
    if lem in lex.verbs or lem in lex.quote_verbs:  # direct speech: quotations holding the complement, or next to
        # the verb and its subject
        near = {k for c in v.children if c.dep_ in ("nsubj", "aux", "advmod", "dobj", "dative", "npadvmod", "prep")
                for k in range(c.left_edge.i, c.right_edge.i + 1)}
        if lem not in lex.verbs:  # "asked: “...”", "“...?” she asked"; but "asked the same question: “...”"
            near, owned = set(), []
        for q in s.spans:
            gap = range(q[1] + 1, v.i) if q[1] < v.i else range(v.i + 1, q[0])
            if q not in owned and not _nominal_quote(doc, q) and all(
                    doc[k].is_punct or (k in near and not s.in_quote[k]) for k in gap):
                owned.append(q)
        if owned:
            return " ".join(t for t in (_quote_text(s, q) for q in sorted(owned)) if t), "direct"
    objects = [c for c in v.rights if c.dep_ in ("dobj", "xcomp", "ccomp", "oprd")]
    infinitive = any(t.tag_ == "TO" for c in objects for t in c.subtree) or any(  # "asked anyone with information to"
        t.tag_ == "TO" for c in v.rights if c.dep_ == "prep" for t in c.subtree)
    estimate = lem == "put" and any(  # "put the figure at $12 billion", whoever puts it
        c.dep_ in ("prep", "advmod") and c.lower_ in ESTIMATE_PREPS
        and any(t.like_num or t.tag_ == "$" for t in c.subtree) for c in v.rights)
    if objects and not any(s.in_quote[c.i] for c in objects) and (
            lem in lex.object_verbs or (lem in lex.infinitive_verbs and infinitive) or estimate
            or (lem in lex.document_verbs and source_type == "document")):
        start = objects[0].left_edge.i  # "put Ruiz at 46 percent and Lopez at 43 percent, within the margin"
        return _content(s, (start, _right_end(s, v, start, None, merged)))
    if lem in lex.verbs and v.dep_ == "parataxis" and not comps:  # "Her rent went up, she said, the second rise"
        anchor = v.head
        while anchor.pos_ not in ("VERB", "AUX") and anchor.head.i != anchor.i:
            anchor = anchor.head
        after = next((t for t in doc[v.right_edge.i + 1:anchor.right_edge.i + 1] if not t.is_punct), None)
        end = v.right_edge.i + 1 if after is None or after.dep_ == "mark" else anchor.right_edge.i + 1
        return _content(s, (anchor.left_edge.i, v.left_edge.i), (v.right_edge.i + 1, end))
    hearer = next((c for c in v.rights if c.dep_ in ("dobj", "dative")), None)
    if lem in HEARER_VERBS and hearer is not None and not comps:  # "told reporters outside the court that ..."
        that = next((t for t in doc[hearer.right_edge.i + 1:v.right_edge.i + 1]
                     if t.lower_ == "that" and not s.in_quote[t.i]), None)
        if that is not None and that.i + 1 < v.right_edge.i and that.i - hearer.right_edge.i <= 6:
            return _content(s, (that.i + 1, v.right_edge.i + 1))
    subj = next((c for c in v.lefts if c.dep_ == "nsubj"), None)
    answer = subj is not None and subj.left_edge.i > 0 and doc[subj.left_edge.i - 1].text == ","  # "No, Achebe said."
    if lem in lex.verbs and v.dep_ == "ROOT" and answer and not comps:
        return _content(s, (0, subj.left_edge.i))
    return None


def _trailing_source(s: _Sent, v: "Token") -> "Token | None":
    """In "..., the National Weather Service said (on Monday)." the phrase between the comma and the verb.

    Used when the parser lost that subject (hung it on the clause before as an apposition).
    """
    prev = s.doc[v.i - 1] if v.i > 1 else v
    if prev.pos_ in ("NOUN", "PROPN") and prev.left_edge.i > 0 and s.doc[prev.left_edge.i - 1].text == "," \
            and not s.in_quote[prev.i]:
        if all(c.dep_ in ("prep", "npadvmod", "punct", "nsubj", "mark") for c in v.rights):
            return prev
    return None


def _verb_attributions(s: _Sent) -> list[_Found]:
    found, merged = [], set()
    for v in s.doc:
        lem = _cue_lemma(v, s.lex)
        if lem is None or v.i in merged or s.in_quote[v.i] or _skip_verb(v):
            continue
        subj, result = _subject(v, inherit=lem in s.lex.verbs), None
        tail = _trailing_source(s, v) if lem in s.lex.verbs and not any(c.dep_ == "ccomp" for c in v.children) else None
        if tail is not None and (subj is None or subj.i < tail.i < subj.right_edge.i + 1 or subj.dep_ != "nsubj"):
            subj, result = tail, _content(s, (0, tail.left_edge.i - 1))
        surface = None
        if subj is None and lem in s.lex.verbs and any(c.dep_ == "ccomp" and c.i > v.i for c in v.children):
            surface = _surface_subject(s, v)
            subj = surface[1] if surface else None
        if subj is None or s.in_quote[subj.i]:
            continue
        f = _Found(_np_range(subj), _np_range(subj, core=True), subj, v.text, v.i, "", "")
        if surface is not None or _aside_relative(v):
            f.source = f.core = surface[0] if surface else _np_range(subj, core=True)
        if v.pos_ != "VERB":  # "The data show": the misread verb's own modifiers in front of it
            left = subj.left_edge.i
            for c in reversed([c for c in v.lefts if c.i < left]):
                if c.dep_ not in ("det", "amod", "compound", "nmod") or c.right_edge.i != left - 1:
                    break
                left = c.left_edge.i
            f.source = f.core = (left, v.i)
        subjects = [c for c in v.lefts if c.dep_ in ("nsubj", "csubj")]
        if len(subjects) > 1 or (subjects and subjects[0].dep_ == "csubj"):
            # a headline's misparsed subject, or one split in two ("A study in the journal | Regional Climate Studies")
            f.source = f.core = (subjects[0].left_edge.i, subjects[-1].right_edge.i + 1)
        f.source_type = _source_type(s, f)
        result = result or _verb_content(s, v, lem, f.source_type, merged)
        if result is not None and result[0]:
            f.content, f.quote = result
            found.append(f)
    return found


def _surface_subject(s: _Sent, v: "Token") -> "tuple[tuple[int, int], Token] | None":
    """A name right before the verb (past auxiliaries and adverbs) that the parser did not make its subject.

    Only a capitalised run at the start of the sentence or after a comma counts: "Tolliver has claimed ...".
    """
    doc, k = s.doc, v.i - 1
    if any(c.dep_ in ("auxpass", "nsubjpass", "expl") for c in v.children):
        return None  # "It was announced that ..."
    while k >= 0 and doc[k].is_lower and (doc[k].tag_ in ("MD", "RB") or doc[k].lemma_ in ("have", "be", "do")):
        k -= 1
    end = k + 1
    while k >= 0 and doc[k].is_title and doc[k].is_alpha and not s.in_quote[k] and doc[k].lower_ not in ("the", "a"):
        k -= 1
    start = k + 1
    if start == end or (start > 0 and doc[start - 1].text != ",") or doc[start].ent_type_ not in ("", "PERSON", "ORG") \
            or any(doc[i].pos_ == "PRON" or doc[i].tag_ in ("PRP", "DT", "EX") for i in range(start, end)):
        return None
    return (start, end), doc[end - 1]


def _clause_without(anchor: "Token", cut: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """The clause a cue phrase modifies, as the token ranges before and after the phrase."""
    while anchor.dep_ not in ("ROOT", "ccomp") and anchor.head.i != anchor.i:
        anchor = anchor.head
    # a root clause is the whole sentence, also where an abbreviation ("Carver Ave.") split the parse
    i, j = (anchor.left_edge.i, anchor.right_edge.i + 1) if anchor.dep_ != "ROOT" else (0, len(anchor.doc))
    return (i, max(i, cut[0])), (min(j, cut[1]), j)


def _preposition_attributions(s: _Sent) -> list[_Found]:
    found, lower, lex = [], [t.lower_ for t in s.doc], s.lex
    for phrase in lex.prepositions:
        n = len(phrase)
        for i in range(len(s.doc) - n + 1):
            if lower[i] != phrase[0] or tuple(lower[i:i + n]) != phrase or s.in_quote[i]:
                continue
            pobj = next((c for c in s.doc[i + n - 1].children if c.dep_ == "pobj"), None)
            if pobj is None or (phrase == ("per",) and not _looks_like_source(pobj, lex)):
                continue  # "$4 per gallon"
            content, quote = _content(s, *_clause_without(s.doc[i].head, (i, pobj.right_edge.i + 1)))
            if content:
                found.append(_Found(_np_range(pobj), _np_range(pobj, True), pobj, " ".join(phrase), i, content, quote))
    return found


def _looks_like_source(tok: "Token", lex: Lexicon) -> bool:
    lem = tok.lemma_.lower()
    return tok.ent_type_ in ORG_ENTS | {"PERSON"} or any(
        lem in words for words in (lex.documents, lex.anonymous, lex.organisations, lex.roles))


def _noun_attributions(s: _Sent, verb_cues: set[int], taken: set[int]) -> list[_Found]:
    """Attribution nouns with their issuer: "the ministry's claim that ...", "In a statement from X, ..."."""
    found, doc = [], s.doc
    for t in doc:
        if t.pos_ != "NOUN" or t.lemma_.lower() not in s.lex.nouns or s.in_quote[t.i] or t.i in taken:
            continue
        agent = _noun_agent(t)
        if agent is None or any(c.dep_ == "acl" and c.i in verb_cues for c in t.children):
            continue  # no issuer, or "a statement from X saying ..." already read at "saying"
        clause = next((c for c in t.children if c.dep_ in ("acl", "ccomp")
                       and any(g.dep_ == "mark" and g.lower_ == "that" for g in c.children)), None)
        verb = t.head.head
        if clause is not None:
            i = clause.left_edge.i
            ranges = ((i + (doc[i].lower_ == "that"), clause.right_edge.i + 1),)
        elif t.dep_ == "pobj" and t.head.lower_ == "in" and verb.i not in verb_cues and not any(
                c.dep_ in ("nsubjpass", "auxpass") for c in verb.children):  # not "was repeated in a report by"
            ranges = _clause_without(verb, (t.head.left_edge.i, t.head.right_edge.i + 1))
        else:
            continue
        content, quote = _content(s, *ranges)
        source, core = _np_range(agent), _np_range(agent, True)
        while source[1] > source[0] + 1 and doc[source[1] - 1].tag_ == "POS":  # "The ministry’s" -> "The ministry"
            source = core = (source[0], source[1] - 1)
        if content:
            found.append(_Found(source, core, agent, t.text, t.i, content, quote))
    return found


def _colon_attribution(s: _Sent) -> list[_Found]:
    """`Reyes: “The budget is a fraud.”`, `Achebe on the winter ahead: “...”`: a name, a colon, a quotation."""
    doc = s.doc
    colon = next((t.i for t in doc if t.text == ":"), None)
    quote = next((q for q in s.spans if colon is not None and q[0] == colon + 1), None)
    if quote is None or colon is None or colon < 1:
        return []
    end = 0  # the name at the start, without the phrase about the occasion
    while end < colon and (doc[end].is_title or doc[end].lower_ in TITLES) and doc[end].pos_ not in ("VERB", "AUX"):
        end += 1
    content = _quote_text(s, quote)
    if end == 0 or not content or any(t.pos_ in ("VERB", "AUX") and t.dep_ == "ROOT" and t.i < end for t in doc):
        return []
    # beyond a short phrase, only a name set off by a comma or followed by "on": "Borg, on whether ...:"
    if colon > 8 and not ((doc[end].text == "," or doc[end].lower_ == "on") and any(
            doc[k].pos_ == "PROPN" or doc[k].ent_type_ == "PERSON" for k in range(end))):
        return []
    return [_Found((0, end), (0, end), doc[end - 1], ":", colon, content, "direct")]


def _source_type(s: _Sent, f: _Found) -> str:
    """person, organisation, document, anonymous, group or pronoun, decided mostly by the head word."""
    head, lex = f.head, s.lex
    low, lem = head.lower_, head.lemma_.lower()
    plural = head.tag_ in ("NNS", "NNPS") and (low != lem or low == "people")  # but "police" is an organisation
    source = s.doc[f.source[0]:f.source[1]].text.lower()
    if low in lex.groups or lem in lex.groups:
        return "group"
    if head.pos_ == "PRON":
        return "pronoun"
    titled = head.pos_ == "PROPN" and any(  # "Councilman Victor Hale", which the tagger may call an ORG
        c.dep_ in ("compound", "appos") and (c.lemma_.lower() in lex.roles or c.lower_ in TITLES)
        for c in head.children)
    named = any(c.dep_ == "appos" and c.ent_type_ == "PERSON" for c in head.children)  # "the director, Dr. Oduya"
    if head.ent_type_ == "PERSON" or titled or named:
        return "person"
    if lem in lex.spokespeople and not plural:
        return "organisation"  # "A spokesperson for the ministry" speaks for the office
    if head.ent_type_ in ORG_ENTS:
        return "organisation"
    if lem in lex.documents or low in lex.documents:
        return "document"
    if head.pos_ == "NOUN" and any(cue in source for cue in ANONYMITY):
        return "anonymous"  # "A nurse ..., who asked not to be named", "people familiar with the talks"
    if lem in lex.anonymous:  # "a senior official", "sources"; but "U.S. officials" are a group
        return "anonymous" if low == "sources" or not plural else "group"
    if lem in lex.organisations or low in lex.organisations:
        return "group" if plural else "organisation"  # "Landlords’ groups"
    if lem in lex.roles:
        return "group" if plural else "person"  # "Economists polled by Reuters"
    return "group" if plural else ""


def _find_attributions(doc: "Doc") -> list[_Found]:
    """Every attribution in one parsed sentence, in the order of their cues, without resolution."""
    s = _Sent(doc, lexicon())
    found = _verb_attributions(s) + _preposition_attributions(s)
    taken = {k for f in found for k in range(*f.source)}
    found += _noun_attributions(s, {f.cue_i for f in found}, taken)
    found = found or _colon_attribution(s)
    seen, unique = set(), []
    for f in sorted(found, key=lambda f: f.cue_i):
        if (f.source, f.content) not in seen:
            seen.add((f.source, f.content))
            f.source_type = f.source_type or _source_type(s, f)
            unique.append(f)
    return unique


# ---- Across sentences ------------------------------------------------------------------------------


@dataclass(eq=False)
class _Mention:
    """Someone or something named, that a later pronoun or short reference may point back to."""

    name: str
    kind: str  # person, organisation, document, anonymous or group
    lemma: str = ""
    roles: set[str] = field(default_factory=set)  # "mayor" (Mayor Gloria Pennington), "utility" (Eastwater, a utility)
    gender: str = ""  # learnt from Mr./Ms. or from an earlier he/she
    plural: bool = False
    entity: bool = False  # a named entity, not a phrase such as "The researchers"
    spoke: bool = False  # has been the source of an attribution


def _proper(name: str) -> str:
    """An organisation without a leading "the": "the National Statistics Office" -> "National Statistics Office"."""
    return name[4:] if name[:4].lower() == "the " else name


def _entity_name(ent) -> str:
    """An organisation entity's proper name: "the city’s Board of Elections" -> "Board of Elections"."""
    words = list(ent)
    while len(words) > 1 and (words[0].is_lower or words[0].tag_ == "POS"):
        words.pop(0)
    return ent.doc[words[0].i:ent.end].text


def _words(text: str) -> set[str]:
    return {w.lower().removesuffix("’s").removesuffix("'s") for w in text.split()}


class _Article:
    """What the article has named so far, newest last, so that "she", "Kim" and "the senator" resolve."""

    def __init__(self, lex: Lexicon):
        self.lex, self.mentions = lex, []

    def person(self, words: list["Token"]) -> tuple[str, set[str]]:
        """A name without what comes before it ("Public works director Sam Whitlock" -> "Sam Whitlock"), and the roles.

        The name is the last run of capitalised words that are not titles or roles; "" if there is none.
        """
        runs, run = [], []
        for w in words:
            if w.tag_ == "POS":  # "Norland’s foreign minister": a possessor is not the name
                run = []
            elif (w.is_title and w.is_alpha and w.pos_ in ("PROPN", "NOUN", "ADJ") and w.lower_ not in TITLES
                  and w.lemma_.lower() not in self.lex.roles):
                run.append(w)
            else:
                runs, run = (runs + [run]) if run else runs, []
        runs += [run] if run else []
        roles = {w.lemma_.lower() for w in words if w.lower_ in TITLES or w.lemma_.lower() in self.lex.roles}
        return (" ".join(w.text for w in runs[-1]) if runs else ""), roles

    def mentions_in(self, doc: "Doc") -> list[tuple[int, _Mention]]:
        """People and organisations named in a sentence, and subjects a later "they"/"it" may mean; by end token."""
        out, lex, people = [], self.lex, set()
        for ent in doc.ents:
            root = ent.root
            if ent.label_ in ("ORG", "FAC"):  # a place ("Harbor Field") only helps to complete names
                roles = {c.lemma_.lower() for c in root.children if c.dep_ == "appos"}
                kind = "organisation" if ent.label_ == "ORG" else "name"
                out.append((ent.end, _Mention(_entity_name(ent), kind, root.lemma_.lower(), roles, entity=True)))
            elif ent.label_ == "PERSON":
                name, roles = self.person(list(ent))
                roles |= {c.lower_ for c in root.children if c.dep_ == "compound" and c.i < ent.start}
                roles |= {w.lemma_.lower() for c in root.children if c.dep_ == "appos" for w in (c, *c.conjuncts)}
                if root.dep_ == "appos":  # "The company's chief executive, John Smith"
                    roles.add(root.head.lemma_.lower())
                if " " not in name:
                    name = self.full_name(name, self.mentions) or name
                before = doc[ent.start - 1].lower_ if ent.start else ""
                gender = GENDER_TITLES.get(before, "")
                out.append((ent.end, _Mention(name, "person", roles=roles, gender=gender, entity=True)))
                people.add(root.i)
        for t in doc:
            lem = t.lemma_.lower()
            if t.pos_ == "PROPN" and t.dep_ != "compound" and t.i not in people:
                # a capitalised phrase the tagger missed: "Mayor Ana Ruiz", "Marcus Lopez, a former police chief",
                # "St. Brigid’s Hospital"; and any longer name, for "Mariners" -> "Port Ellery Mariners"
                k = t.i
                while k > t.left_edge.i and (doc[k - 1].pos_ == "PROPN" or doc[k - 1].tag_ == "POS"
                                             or doc[k - 1].lower_ in TITLES or doc[k - 1].lemma_.lower() in lex.roles):
                    k -= 1
                name, roles = self.person(list(doc[k:t.i + 1]))
                roles |= {c.lemma_.lower() for c in t.children if c.dep_ == "appos"}
                if any(w.lemma_.lower() in lex.organisations for w in doc[k:t.i + 1]):
                    out.append((t.i + 1, _Mention(doc[k:t.i + 1].text, "organisation", lem, roles, entity=True)))
                elif " " in name and roles & lex.roles | (roles & TITLES):
                    out.append((t.i + 1, _Mention(name, "person", roles=roles, entity=True)))
                elif t.i - k >= 1:
                    out.append((t.i + 1, _Mention(doc[k:t.i + 1].text, "name", lem, entity=True)))
            elif t.pos_ == "NOUN" and not t.ent_type_ and (
                    t.dep_ in ("nsubj", "nsubjpass", "ROOT") or (t.dep_ == "pobj" and t.head.lower_ in ("by", "from"))):
                kind = ("organisation" if lem in lex.organisations else "document" if lem in lex.documents
                        else "anonymous" if lem in lex.anonymous else "group")
                if kind != "group" or (t.tag_ == "NNS" and lem in lex.roles | lex.groups):  # "The researchers" speak
                    left, right = _np_range(t, core=True) if t.dep_ != "ROOT" else (t.left_edge.i, t.i + 1)
                    roles = {c.lemma_.lower() for c in t.children if c.dep_ == "appos"}
                    out.append((right, _Mention(doc[left:right].text, kind, lem, roles, plural=t.tag_ == "NNS")))
        return out

    @staticmethod
    def full_name(short: str, mentions: list[_Mention]) -> str:
        """The latest full person name that a single name ("Kim") is part of."""
        for m in reversed(mentions):
            parts = m.name.split()
            if m.kind == "person" and len(parts) > 1 and short in (parts[0], parts[-1]):
                return m.name
        return ""

    def antecedent(self, doc: "Doc", f: _Found, cands: list[_Mention]) -> tuple[str, _Mention | None]:
        """What a pronoun, surname or "the senator" stands for, and the mention it was found in; "" when unsure."""
        head, lex = f.head, self.lex
        low, lem = head.lower_, head.lemma_.lower()
        core = doc[f.core[0]:f.core[1]]
        if f.source_type == "pronoun":
            gender = PRONOUN_GENDER.get(low)
            known = {}  # a person's gender as learnt from any mention of the same name ("Ms. Kim", an earlier "she")
            for m in cands:
                known[m.name] = m.gender or known.get(m.name, "")
            for m in reversed(cands if gender is not None else []):
                person = m.kind == "person" or (m.kind == "anonymous" and not m.plural)  # "A nurse ..." -> "she"
                if gender and person and known.get(m.name, "") in ("", gender):
                    m.gender = gender
                    return m.name, m
                speaker = m.spoke or not m.entity
                if not gender and speaker and (m.plural or m.kind == "organisation" if low == "they"
                                               else m.kind in ("organisation", "document") and not m.plural):
                    return (_proper(m.name) if m.name[4:5].isupper() else m.name), m
            return "", None
        names = [w for w in core if w.is_alpha and w.is_title and w.lower_ not in TITLES and w.lower_ not in lex.roles]
        if len(names) == 1 and head.is_title and head.pos_ not in ("PRON", "DET", "VERB", "AUX"):
            # A lone surname ("Kim", "Mr. Hale"). The tagger sometimes calls a surname ORG or nothing, so
            # a match with an earlier full name also settles that it is a person.
            full = self.full_name(names[0].text, cands)
            if full:
                f.source_type = "person"
                return full, next(m for m in reversed(cands) if m.kind == "person" and m.name == full)
            return "", None
        if not any((c.dep_ == "det" and c.lower_ in ("the", "this", "that")) or c.dep_ == "poss"
                   for c in head.children):
            return "", None  # "a spokesperson", "Critics": a first mention
        if any(c.dep_ == "appos" and (c.ent_type_ == "PERSON" or c.pos_ == "PROPN") for c in head.children):
            return "", None  # "Norland’s prime minister, Henrik Aalto": named here, no back-reference
        if lem in lex.roles:  # "the mayor", "The owner"
            m = next((m for m in reversed(cands) if m.kind == "person" and lem in m.roles), None)
            return (m.name, m) if m else ("", None)
        if lem in lex.anonymous:  # "the official"
            m = next((m for m in reversed(cands) if m.kind == "anonymous" and m.lemma == lem), None)
            return (m.name, m) if m else ("", None)
        if lem in lex.documents:  # "the data", "The study": the first full mention
            found = [m for m in cands if m.kind == "document" and m.lemma == lem and len(_words(m.name)) > 2]
            m = next((m for m in found if m.spoke), found[0] if found else None)
            return (m.name, m) if m else ("", None)
        if lem in lex.organisations:
            # "the office" -> "National Statistics Office", "The planning authority" -> "regional planning authority";
            # every word of the reference must be in the name, and the name must say more ("the team" is no name)
            words = {w.lower_ for w in core if not (w.is_punct or w.tag_ in ("POS", "DT", "PRP$"))}
            for m in reversed(cands):  # same head word ("Town Council" is no town), all the reference's words
                if m.kind == "organisation" and ((m.lemma == lem and words <= _words(m.name)
                                                  and len(_words(m.name) - {"the"}) > len(words))
                                                 or (lem in m.roles and len(words) == 1)):
                    return _proper(m.name), m
            people = {w for m in cands if m.kind == "person" for w in m.name.split()}
            m = next((m for m in reversed(cands)
                      if m.entity and m.kind == "organisation" and m.name not in people), None)
            if m is not None and lem in ("company", "firm", "team", "club"):  # "The team" -> "Port Ellery Mariners"
                names = [o.name for o in cands if o.entity and o.kind in ("organisation", "name") and m.name in o.name]
                return max(names, key=len), m
        return "", None

    def spoke(self, doc: "Doc", f: _Found, resolved: str, antecedent: _Mention | None) -> _Mention | None:
        """The mention a source adds: its antecedent again (the one just quoted is likeliest "he" next) or itself."""
        if antecedent is not None:
            antecedent.spoke = True
            return antecedent
        core, head = doc[f.core[0]:f.core[1]], f.head
        if f.source_type == "person":  # "Norland’s foreign minister, Erik Sandvik": the name is in the apposition
            cut = next((c.i for c in head.rights if c.dep_ == "prep" and c.i < f.core[1]), f.core[1])
            name, roles = self.person(list(doc[f.core[0]:cut]))  # "Sen. Marcus Delgado" of Arizona
            if not name:
                name = self.person(list(doc[f.source[0]:f.source[1]]))[0]
            roles |= {head.lemma_.lower()} | {c.lemma_.lower() for c in head.children if c.dep_ == "appos"}
            return _Mention(resolved or name, "person", roles=roles, spoke=True, entity=True) if name else None
        if f.source_type in ("group", "organisation", "document", "anonymous"):
            roles = {c.lemma_.lower() for c in head.children if c.dep_ == "appos"}
            ent = next((e for e in doc.ents if e.start <= head.i < e.end and e.label_ in ("ORG", "FAC")), None)
            name = resolved or (_entity_name(ent) if ent is not None else core.text)
            return _Mention(name, f.source_type, head.lemma_.lower(), roles,
                            plural=head.tag_ in ("NNS", "NNPS"), entity=bool(head.ent_type_), spoke=True)
        return None


def attribute(sentences: list[Sentence], docs: list["Doc | None"]) -> list[tuple[Attribution, ...]]:
    """Attributions for each sentence of one article; docs[i] is the spaCy parse of sentences[i].text.

    Sentences must be in article order: pronouns and short names are resolved against what earlier
    sentences named. Within a sentence, attributions come in the order of their cues. docs[i] is None
    for a sentence left unparsed (see `parse_where_needed`): it has no attributions and names no one.
    """
    if len(sentences) != len(docs):
        raise ValueError(f"got {len(sentences)} sentences but {len(docs)} parsed docs")
    article, out = _Article(lexicon()), []
    for doc in docs:
        if doc is None:
            out.append(())
            continue
        here, result = sorted(article.mentions_in(doc), key=lambda e: e[0]), []
        for f in _find_attributions(doc):
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
