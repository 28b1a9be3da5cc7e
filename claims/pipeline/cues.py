"""The cue lexicon (claims/data/cues.txt) and the cheap tests that decide which sentences are worth parsing.

Only sentences that could hold an attribution or name someone are parsed (`parse_where_needed`): the parse
is most of the cost, and a sentence without a cue word, a quotation mark or a name adds nothing.
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc


#: Plural subjects make the tagger read "records show" as a noun compound; these forms are taken back as verbs.
MISREAD_VERBS = {"show": "show", "shows": "show", "suggest": "suggest", "suggests": "suggest", "say": "say",
                 "says": "say"}



@dataclass(frozen=True)
class Lexicon:
    """Cue words in lemma form, and the words that type a source."""

    verbs: frozenset[str]
    object_verbs: frozenset[str]
    infinitive_verbs: frozenset[str]
    quote_verbs: frozenset[str]
    document_verbs: frozenset[str]
    evaluation_verbs: frozenset[str]
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
        return (self.verbs | self.object_verbs | self.infinitive_verbs | self.document_verbs | self.quote_verbs
                | self.evaluation_verbs)

    @functools.cached_property
    def people(self) -> frozenset[str]:
        """Nouns of people and bodies who can speak (roles, spokespeople, groups, organisations, anonymous)."""
        return self.roles | self.spokespeople | self.groups | self.organisations | self.anonymous

    @functools.cached_property
    def report_verbs(self) -> frozenset[str]:
        """Verbs that report with a clause, an object or an evaluation."""
        return self.verbs | self.object_verbs | self.evaluation_verbs



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
    known = {w for k in ("verbs", "object_verbs", "infinitive_verbs", "quote_verbs", "document_verbs",
                         "evaluation_verbs") for w in sections.get(k, ())}
    for lemma, family_name in _mined_verbs():
        for section in MINED_SECTIONS.get(family_name, ()):
            if lemma not in known:
                sections.setdefault(section, []).append(lemma)
    sections.setdefault("evaluation_verbs", []).extend(mined_evaluations())
    return Lexicon(prepositions=preps, **{k: frozenset(v) for k, v in sections.items()})


#: Where the rules read a verb mined from Wikinews and reviewed as a cue (`data/mined_cues_reviewed.tsv`), by its
#: family: "ordered the army to withdraw", "likened the plan to theft", "the deal stipulates that ...". Mined
#: speech, belief, evidence, accusation and announcement verbs were measured too (Wikinews train+dev and the
#: samples, 2026-12-06) and are left to the learned step's vocabulary: each family added false alarms ("read",
#: "know", "learn", "question") about as often as it found attributions.
MINED_SECTIONS = {"directive": ("infinitive_verbs",), "evaluation": ("evaluation_verbs",),
                  "promise/warning": ("verbs", "infinitive_verbs"), "other": ("verbs",)}


@functools.lru_cache(maxsize=1)
def mined_evaluations() -> dict[str, tuple[str, ...]]:
    """Verbs mined from Wikinews as saying what their object is ("hailed X as Y", "termed X a Y"; `python -m
    claims.research.mine_cues --evaluations`) and reviewed as cues (`data/mined_evaluations_reviewed.tsv`), with
    the prepositions that carry the judgement where "as" is not it ("attributed the drop to ...")."""
    path = resources.files("claims").joinpath("data/mined_evaluations_reviewed.tsv")
    if not path.is_file():
        return {}
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    return {r[0].strip().lower(): tuple(p for p in r[2].split(",") if p) if len(r) > 2 else ()
            for r in rows if len(r) > 1 and r[1].strip() == "cue"}


@functools.lru_cache(maxsize=1)
def mined_cues() -> tuple[tuple[str, str, str], ...]:
    """(lemma, "verb" or "noun", family) of the cues mined from Wikinews and reviewed as cues
    (`data/mined_cues_reviewed.tsv`)."""
    path = resources.files("claims").joinpath("data/mined_cues_reviewed.tsv")
    if not path.is_file():
        return ()
    rows = [[c.strip() for c in line.split("\t")] for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    return tuple((r[0].lower(), r[1], r[3]) for r in rows if len(r) >= 4 and r[2] == "cue")


@functools.lru_cache(maxsize=1)
def mined_ratios() -> dict[str, float]:
    """lemma -> the share of its uses in the 5,478 Wikinews articles that introduce content
    (`data/mined_cues.tsv`, `python -m claims.research.mine_cues`; verbs only)."""
    path = resources.files("claims").joinpath("data/mined_cues.tsv")
    if not path.is_file():
        return {}
    rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    return {r[0].strip().lower(): float(r[4]) for r in rows if len(r) > 4 and r[1].strip() == "verb"}


def _mined_verbs() -> list[tuple[str, str]]:
    """(lemma, family) of the mined verbs reviewed as cues ("hop", the lemmatiser's "hope", aside)."""
    return [(lemma, fam) for lemma, pos, fam in mined_cues() if pos == "verb" and lemma != "hop"]

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



#: Cue families by the start of the cue word (lower case); the first that matches wins.
FAMILIES = (
    ("accusation or denial", ("accus", "deni", "deny", "admit", "conced", "alleg", "blam", "dispute", "reject")),
    ("promise or warning", ("promis", "pledg", "vow", "warn", "threat", "caution")),
    ("evaluation", ("call", "prais", "critic", "describ", "condemn", "label", "welcom", "dismiss")),
    ("evidence", ("show", "suggest", "find", "found", "indicat", "reveal", "estimat", "measur")),
    ("announcement", ("announc", "declar", "confirm", "report", "disclos", "releas", "publish")),
    ("belief", ("believ", "think", "thought", "expect", "fear", "hope", "feel", "doubt", "consider")),
    ("directive", ("urg", "ask", "demand", "request", "appeal", "order", "advis", "recommend")),
    ("speech", ("said", "say", "tell", "told", "stat", "add", "not", "explain", "comment", "claim", "argu",
                "insist", "repl", "respond", "wrote", "writ", "acknowledg", "mention", "assert", "cit")),
)


def family(cue: str) -> str:
    low = " ".join(cue.casefold().split())
    if low == ":":
        return "colon"
    if " " in low or low in ("per",):
        return "preposition"
    return next((name for name, starts in FAMILIES if low.startswith(starts)), "other")


@functools.lru_cache(maxsize=1)
def cue_vocabulary() -> dict[str, str]:
    """Every lemma that can be a cue, with its family where one is known: `base_vocabulary` and the learned
    model's (`data/attribution_model.json`, which also holds every cue word of its training gold)."""
    vocab = base_vocabulary()
    model = resources.files("claims").joinpath("data/attribution_model.json")
    if model.is_file():
        for w, fam in json.loads(model.read_text(encoding="utf-8")).get("vocabulary", {}).items():
            vocab[w] = fam or vocab.get(w, "")
    return vocab


def base_vocabulary() -> dict[str, str]:
    """The lexicon's cue lemmas and the cues mined from Wikinews and reviewed (`data/mined_cues_reviewed.tsv`)."""
    lex = lexicon()
    vocab = {w: family(w) for w in lex.any_verb | lex.nouns}
    for lemma, _, fam in mined_cues():
        named = fam.replace("/", " or ").strip() or "other"
        vocab[lemma] = family(lemma) if family(lemma) != "other" else named
    return vocab


@functools.lru_cache(maxsize=1)
def _trigger_words() -> frozenset[str]:
    """Every word form that can start an attribution: cue verbs and nouns as written, and the prepositions."""
    return frozenset(w for lemma in set(cue_vocabulary()) | set(MISREAD_VERBS) for w in _inflections(lemma))



@functools.lru_cache(maxsize=1)
def _preposition_re() -> re.Pattern:
    phrases = sorted((" ".join(p) for p in lexicon().prepositions), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b")



def may_attribute(text: str) -> bool:
    """Whether a sentence could hold an attribution at all, read off its raw text without a parse.

    True when it has a quotation mark (direct speech, the colon form), a prepositional cue ("according
    to") or any form of a cue verb or noun. Everything `find_attributions` reports starts from one of those,
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
    from claims.pipeline import nlp  # loads spaCy only when something needs parsing

    keep = [i for i, t in enumerate(texts) if needs_parse(t)]
    out: list["Doc | None"] = [None] * len(texts)
    for plain in (False, True):
        group = [i for i in keep if names_nothing(texts[i]) == plain]
        for i, doc in zip(group, nlp.parse([texts[i] for i in group], entities=not plain) if group else []):
            out[i] = doc
    from claims.pipeline.reparse import repair  # a reporting verb misread as a noun: parsed again (round 12)

    return repair(out, lexicon().any_verb)
