"""Reports the small parser (en_core_web_sm) misreads in known ways, found from the words around the verb.

Each form is a general shape of news English whose parse is wrong often enough to matter, not a sentence:

* a clause read as the object of a verb that takes no noun object: 'Linda Cho said test scores at two
  schools improved' ("scores" the object, "improved" hung on "schools"); 'Obama says Trump modeling ...';
* "said in a statement that ...", the "that" clause hung on the statement;
* a trailing source read as an apposition: "Gas prices will fall, an energy think tank reported on Tuesday.";
* "data show" read as a noun compound: "Auction data show demand for the bonds fell.";
* a speech verb right after a quotation, its speaker hung elsewhere ('... do not," said McFeely adding that');
* "was quoted as saying", which the rules skip as a complement of "as";
* "feel" with a clause, a belief ("Analysts feel that IR will need ...");
* a passive report with its agent hung on a noun ("the recalls announced by Apple and Dell", "The election,
  which was announced by Mugabe", "The attacks, repeatedly called genocide by the U.S. administration"), which the
  rules skip as a participle or a relative clause about its subject;
* "saying" read as a noun after an object ('supports the ruling saying, "..."'): the participle of the verb
  before it, whose subject speaks;
* a third party's report quoted by the speaker ('"In fact he said that Iran has the right ..."'), which the rules
  skip as words inside a quotation (a named or "he"/"she" subject only: "People think ..." is a figure of speech).
* a speech participle the parser hung on the wrong word ("Israel responded to the move saying that ..."): the
  speaker is the subject of the nearest verb above it that someone could be (a name, a pronoun, a body);
* a report in a relative clause with no comma ("the Islamist group which last January announced it was ..."),
  which the rules skip as a description ("the man who told police"), when its antecedent can speak;
* an adjective of belief with a clause ("The UNHCR is concerned that ...");
* "referred to X as Y", an evaluation;
* a passive report with its agent ("FARC is considered a terrorist organization by Colombia", where the parser
  hung "by" on the noun): the agent is the source, the subject and the predicate the content;
* "claimed responsibility (credit) for X", an announcement with a noun object (not "No group claimed ...");
* "X quotes Y saying ...": X reports Y's words (Y's own attribution is the rules').
* "X is reported (said, understood) to have said / told ...": X speaks, though "is reported" gives nothing;
* "<content>, Iran state media report.": a trailing source with "report(s)" the parser read as a noun.
* a report whose clause gave its subject to a relative pronoun ("a torpedo that the country claims can evade
  sonar", "what they argue is hypocrisy"), which the parser reads as a noun or a subject: read from the words.

It also refuses what a report verb names as an act, with nothing said (`ACTS`: "expressed concern over ...",
"declared a state of emergency", "denied the request"), gives a participle whose parsed subject cannot speak
("concluded his address saying ...") the subject above it that can, and folds "X said that A, adding that B" into one
attribution whose content runs through both clauses (the guideline's one source with two reporting verbs).

`find_all` asks these for the verbs the rules (`attribution_rules.find_attributions`) did not read; it is what
the product runs (`claims.pipeline.attribute`). The passive and quoting forms live in `attribution_passives`, the
relative-clause reports in `attribution_relatives`, and a reporting verb misread as a noun is parsed again before
any rule runs (`reparse`).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from claims.pipeline.attribution_rules import (
    RESPONSES,
    SPEECH_LEMMAS,
    Found,
    _finite,
    _skip_verb,
    _source_type,
    _subject,
    _verb_content,
    find_attributions,
    np_range,
)
from claims.pipeline.attribution_passives import (
    AGENT_ENTITIES,
    _animate,
    _found,
    _passive_agent,
    _passive_report,
    _quoted_as_saying,
)
from claims.pipeline.attribution_relatives import _extracted_report
from claims.pipeline.phrases import FINITE_TAGS
from claims.pipeline.quotes import _content, _quote_text, _Sent

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

#: Verbs of saying that take a clause, never a plain noun object ("said the plan", read so, is a misparse).
CLAUSE_ONLY = {"say", "claim", "argue", "insist", "assert", "contend", "add"}
#: Objects these verbs do take.
OBJECT_WORDS = {"it", "this", "that", "nothing", "something", "anything", "everything", "so", "much", "little",
                "more", "less", "goodbye", "hello", "yes", "no", "word", "words", "prayer", "grace"}
#: Nouns that report, misread as the first part of a compound with "show" or "suggest".
EVIDENCE_NOUNS = {"data", "datum", "figure", "poll", "record", "survey", "statistic", "study", "result", "number", "report"}


def find_all(doc: "Doc") -> list[Found]:
    """Every attribution in one parsed sentence: the rules' findings and the misread forms above, by cue."""
    from claims.pipeline.cues import lexicon

    s = _Sent(doc, lexicon())  # the quotation marks paired once, for the rules and the forms here
    found = find_attributions(doc, s)
    extra = misread_attributions(s, {f.cue_i for f in found})
    found = _one_report_two_verbs(s, [_participle_source(s, f) for f in found if not names_an_act(s.doc[f.cue_i])])
    for f in extra:
        f.source_type = _source_type(s, f)
    return _said_in_reply(s, sorted(found + extra, key=lambda f: f.cue_i) if extra else found)


def _said_in_reply(s: _Sent, found: list[Found]) -> list[Found]:
    """ "Israel responded to the move saying that ...": the participle that carries the content is the cue, not the
    response (the guideline: "the verb that carries the factual content is the cue"; round 12). Its speaker is the
    one who responded."""
    by_cue, out = {f.cue_i: f for f in found}, []
    for f in found:
        v = s.doc[f.cue_i]
        said = next((t for t in s.doc[v.i + 1:v.right_edge.i + 1] if t.lower_ in ("saying", "stating")
                     and not s.in_quote[t.i]), None) if v.lemma_.lower() in RESPONSES else None
        if said is not None and said.i in by_cue:
            other = by_cue[said.i]
            other.source, other.core, other.head, other.source_type = f.source, f.core, f.head, f.source_type
            continue
        if said is not None:
            f.cue, f.cue_i = said.text, said.i
        out.append(f)
    return out


#: Acts that the words of a report verb can name, with nothing said (the guideline's reactions and acts): feelings
#: a source "expresses" ("expressing concern over ...", unless a clause says what about: "concern that ..."),
#: what is "declared" into force ("declared a state of emergency", "declared martial law", "declared open the
#: conference"), and what is "denied" as refused ("denied the request", "denied the pilgrims entrance").
ACTS = {
    "express": {"concern", "outrage", "hope", "confidence", "regret", "sympathy", "condolence", "shock", "anger",
                "dismay", "sadness", "frustration", "optimism", "gratitude", "satisfaction", "alarm", "sorrow"},
    "declare": {"emergency", "martial", "independence", "curfew", "war", "holiday", "bankruptcy", "open", "closed"},
    "deny": {"request", "entry", "entrance", "access", "funding", "permission", "visa", "bail", "application",
             "passage", "service"},
}


def names_an_act(v: "Token") -> bool:
    """Whether report verb `v` names an act here (see ACTS): "expressed concern over ...", "denied the request"."""
    named = ACTS.get(v.lemma_.lower())
    objects = [c for c in v.children if c.dep_ in ("dobj", "dative", "oprd")]
    words = {t.lemma_.lower() for c in objects for t in c.subtree} | {  # "declared open the conference"
        c.lemma_.lower() for c in v.children if c.dep_ in ("advmod", "acomp", "ccomp") and c.pos_ in ("ADJ", "ADV")}
    if not named or not words & named:
        return False
    return v.lemma_.lower() != "express" or not any(  # "expressed concern that ...": what the concern is about
        g.dep_ in ("acl", "relcl", "ccomp") for c in objects if c.dep_ == "dobj" for g in c.children)


def _participle_source(s: _Sent, f: Found) -> Found:
    """ "He concluded his address saying ...", "Quiroga conceded defeat saying ...": the parser made the object of
    the verb before the participle its subject; a subject that cannot speak gives way to the nearest one above
    that can (as `_participle_speaker` finds it)."""
    v = s.doc[f.cue_i]
    if v.tag_ != "VBG" or v.dep_ not in ("advcl", "ccomp", "xcomp", "conj") or f.head.dep_ != "nsubj" or \
            f.head.head.i != v.i or _animate(s, f.head) or any(c.dep_ == "aux" for c in v.children):
        return f  # "critics are calling for ...": a verb with its auxiliary, not a participle
    subj = _subject_above(v, f.head.left_edge.i, lambda c: _animate(s, c) and not s.in_quote[c.i])
    if subj is None:
        return f
    f.source, f.core, f.head = np_range(subj), np_range(subj, core=True), subj
    f.source_type = _source_type(s, f)
    return f


def _one_report_two_verbs(s: _Sent, found: list[Found]) -> list[Found]:
    """ "X said that A, adding that B": one attribution whose content runs through both clauses (the guideline's
    "one source, two reporting verbs"), not a second one on the participle."""
    by_cue = {f.cue_i: f for f in found}
    out = []
    for f in found:
        v = s.doc[f.cue_i]
        first = by_cue.get(v.head.i)
        if v.tag_ == "VBG" and v.dep_ == "advcl" and first is not None and first is not f and \
                first.source == f.source and any(c.dep_ == "ccomp" for c in v.head.children):
            first.content = f"{first.content} {f.content}"
            continue
        out.append(f)
    return out


def misread_attributions(s: _Sent, taken: set[int]) -> list[Found]:
    """Attributions of the forms above, for verbs whose index is not in `taken` (those the rules read)."""
    out = []
    for v in s.doc:
        if v.i in taken:
            continue
        if s.in_quote[v.i]:
            f = _quoted_report(s, v)
            if f is not None and f.content:
                out.append(f)
            continue
        f = _object_clause(s, v) or _statement_that(s, v) or _trailing_apposition(s, v) or _compound_show(s, v) \
            or _as_said(s, v) or _said_after_quote(s, v) or _quoted_as_saying(s, v) \
            or _felt_that(s, v) or _passive_agent(s, v) or _saying_noun(s, v) or _participle_speaker(s, v) \
            or _relative_report(s, v) or _belief_adjective(s, v) or _refers_as(s, v) or _passive_report(s, v) \
            or _claims_responsibility(s, v) or _quotes_someone(s, v) or _reported_to_have(s, v) \
            or _trailing_report(s, v) or _extracted_report(s, v) or _asks_for(s, v)
        if f is not None and f.content:
            out.append(f)
    return out


def _speaker(s: _Sent, v: "Token") -> "Token | None":
    subj = _subject(v, inherit=True)
    return None if subj is None or s.in_quote[subj.i] or subj.tag_ in ("WDT", "WP") else subj


def _verb_like(t: "Token") -> bool:
    """A finite verb, a participle hung on a noun, or a headline's "-ing" form the tagger made a noun."""
    return t.tag_ in FINITE_TAGS or (t.tag_ == "VBN" and t.dep_ == "acl") or (
        t.lower_.endswith("ing") and t.tag_ in ("NN", "VBG") and t.i > 0 and t.doc[t.i - 1].pos_ == "PROPN")


def _object_clause(s: _Sent, v: "Token") -> Found | None:
    if v.pos_ != "VERB" or v.lemma_.lower() not in CLAUSE_ONLY or _skip_verb(v):
        return None
    if any(c.dep_ in ("ccomp", "xcomp") for c in v.children):
        return None
    obj = next((c for c in v.rights if c.dep_ == "dobj"), None)
    subj = _speaker(s, v)
    if obj is None or subj is None or obj.lower_ in OBJECT_WORDS or obj.pos_ not in ("NOUN", "PROPN"):
        return None
    if not any(_verb_like(t) for t in obj.subtree if t.i != obj.i):
        return None
    return _found(s, subj, v, np_range(subj), (obj.left_edge.i, v.right_edge.i + 1))


def _statement_that(s: _Sent, v: "Token") -> Found | None:
    if v.pos_ != "VERB" or v.lemma_.lower() not in s.lex.verbs or _skip_verb(v):
        return None
    subj = _speaker(s, v)
    if subj is None or any(c.dep_ == "ccomp" for c in v.children):
        return None
    for prep in (c for c in v.rights if c.dep_ == "prep"):
        for noun in (c for c in prep.children if c.dep_ == "pobj"):
            clause = next((c for c in noun.rights if c.dep_ in ("acl", "relcl") and any(
                m.dep_ == "mark" and m.lower_ == "that" and m.i == noun.i + 1 for m in c.children)
                and any(g.dep_ in ("nsubj", "nsubjpass") for g in c.children)), None)
            if clause is not None:  # "said in a statement that X ...": "that" begins X, it is no relative pronoun
                return _found(s, subj, v, np_range(subj), (noun.i + 2, clause.right_edge.i + 1))
    return None


def _trailing_apposition(s: _Sent, v: "Token") -> Found | None:
    doc, head = s.doc, v.head
    if v.lemma_.lower() not in s.lex.verbs or v.dep_ not in ("acl", "relcl") or v.tag_ not in ("VBD", "VBZ"):
        return None
    start = head.left_edge.i
    if head.pos_ not in ("NOUN", "PROPN") or head.i > v.i or start < 2 or doc[start - 1].text != ",":
        return None
    if any(c.dep_ not in ("prep", "npadvmod", "advmod", "punct") for c in v.rights) or \
            any(c.i < v.i and c.dep_ not in ("det", "amod", "compound", "poss", "nmod", "case") for c in head.lefts) or \
            not all(t.is_punct for t in doc[v.right_edge.i + 1:]):
        return None
    return _found(s, head, v, (start, v.i), (0, start - 1))


def _compound_show(s: _Sent, v: "Token") -> Found | None:
    doc = s.doc
    if v.lower_ not in ("show", "shows", "suggest", "suggests") or v.dep_ != "compound" or v.i == 0:
        return None
    noun, clause = doc[v.i - 1], v.head
    while clause.dep_ not in ("nsubj", "nsubjpass") and clause.head.i != clause.i and clause.pos_ in ("NOUN", "PROPN"):
        clause = clause.head
    verb = clause.head
    if noun.head.i != v.i or noun.lemma_.lower() not in EVIDENCE_NOUNS or clause.dep_ not in ("nsubj", "nsubjpass") \
            or verb.i < v.i or not (verb.tag_ in FINITE_TAGS or any(c.dep_ in ("aux", "auxpass") for c in verb.children)):
        return None
    start = min([c.left_edge.i for c in v.lefts] + [v.i - 1])
    return _found(s, noun, v, (start, v.i), (v.i + 1, verb.right_edge.i + 1))


def _as_said(s: _Sent, v: "Token") -> Found | None:
    doc, head = s.doc, v.head
    if v.pos_ != "VERB" or v.dep_ != "advcl" or v.lemma_.lower() not in s.lex.verbs or head.i == v.i:
        return None
    if not any(c.dep_ == "mark" and c.lower_ == "as" and c.i == v.left_edge.i for c in v.children) or any(
            c.dep_ in ("ccomp", "dobj", "xcomp", "neg") for c in v.children):
        return None
    subj = next((c for c in v.children if c.dep_ == "nsubj"), None)  # not "as reported by": the rules read that
    if subj is None or s.in_quote[subj.i] or head.pos_ not in ("VERB", "AUX"):
        return None
    lo, hi = v.left_edge.i, v.right_edge.i + 1
    if not ((hi < len(doc) and doc[hi].text == ",") or (lo > 0 and doc[lo - 1].text == ",")):
        return None  # set off by a comma; "The arrests come as the city argues over ..." is time, not a report
    if lo <= head.left_edge.i:  # "As X said, <clause>"
        return _found(s, subj, v, np_range(subj), (hi, head.right_edge.i + 1))
    return _found(s, subj, v, np_range(subj), (head.left_edge.i, lo))  # "<clause>, as X said"


def _said_after_quote(s: _Sent, v: "Token") -> Found | None:
    """'... do not," said McFeely adding that ...': the name right after a speech verb that follows a quotation
    is its speaker, whatever the parser hung it on."""
    doc = s.doc
    if v.pos_ != "VERB" or v.lemma_.lower() not in SPEECH_LEMMAS or v.i < 2 or v.i + 1 >= len(doc):
        return None
    closing = v.i - 1 - (doc[v.i - 1].text == ",")  # '... not," said' or '... not", said'
    q = next((q for q in s.spans if q[1] == closing), None)
    if q is None or doc[v.i + 1].pos_ != "PROPN":
        return None
    end = v.i + 1
    while end < len(doc) and doc[end].pos_ == "PROPN" and not s.in_quote[end]:
        end += 1
    text = _quote_text(s, q)
    return Found((v.i + 1, end), (v.i + 1, end), doc[end - 1], v.text, v.i, text, "direct") if text else None


def _felt_that(s: _Sent, v: "Token") -> Found | None:
    """A belief with a clause: "Analysts feel that IR will need ...", "said he felt it was important ..." (not
    "the numbers feel abstract": no clause, no belief)."""
    doc = s.doc
    if v.pos_ != "VERB" or v.lemma_.lower() != "feel" or _skip_verb(v):
        return None
    clause = next((c for c in v.children if c.dep_ == "ccomp" and c.i > v.i and any(
        g.dep_ in ("nsubj", "nsubjpass", "expl") for g in c.children)), None)
    subj = _speaker(s, v)
    if clause is None or subj is None:
        return None
    i = clause.left_edge.i
    i += doc[i].lower_ == "that"
    return _found(s, subj, v, np_range(subj), (i, clause.right_edge.i + 1))


#: Reports a speaker quotes from someone else: speech and belief, not evidence ("our experience has shown").
QUOTED_REPORTS = {"say", "think", "believe", "declare", "confirm", "announce"}


def _quoted_report(s: _Sent, v: "Token") -> Found | None:
    """A third party's report inside a quotation ('"In fact he said that Iran has the right ..."', '"Most fans
    thought he lived in a castle"'): the guideline gives it its own attribution; the speaker's own "we think"
    gets none."""
    if v.pos_ != "VERB" or v.lemma_.lower() not in QUOTED_REPORTS or _skip_verb(v):
        return None
    subj = next((c for c in v.children if c.dep_ == "nsubj" and c.i < v.i), None)
    clause = next((c for c in v.children if c.dep_ == "ccomp" and c.i > v.i), None)
    if subj is None or clause is None or not s.in_quote[subj.i] or not _finite(clause, True):
        return None
    named = subj.pos_ == "PROPN" or subj.lower_ in ("he", "she") or subj.ent_type_ in AGENT_ENTITIES or any(
        c.dep_ == "poss" for c in subj.children)
    if not named:  # "People think ...", "Every minister says ...", "they will tell you": a figure of speech
        return None
    i = clause.left_edge.i + (s.doc[clause.left_edge.i].lower_ == "that")
    return _found(s, subj, v, np_range(subj), (i, clause.right_edge.i + 1))


def _saying_noun(s: _Sent, v: "Token") -> Found | None:
    """'McKenzie also supports the ruling saying, "This would ..."': the tagger made "saying" a noun (the object),
    but it is the participle of the verb it hangs on, and that verb's subject is the speaker."""
    if v.lower_ not in ("saying", "stating") or v.tag_ not in ("NN", "NNP") or v.i + 1 >= len(s.doc):
        return None
    verb = v.head
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        verb = verb.head
    subj = next((c for c in verb.children if c.dep_ == "nsubj" and c.i < v.i and not s.in_quote[c.i]), None)
    after = [q for q in s.spans if q[0] > v.i and all(s.doc[k].is_punct for k in range(v.i + 1, q[0] + 1))]
    if subj is None or verb.pos_ not in ("VERB", "AUX") or not after:
        return None
    text = " ".join(t for t in (_quote_text(s, q) for q in s.spans if q[0] >= after[0][0]) if t)
    return Found(np_range(subj), np_range(subj, core=True), subj, v.text, v.i, text, "direct") if text else None


def _participle_speaker(s: _Sent, v: "Token") -> Found | None:
    """A speech participle after the speaker's own clause, hung by the parser on the wrong word ("Putin addressed
    concerns the capacity will not keep pace, saying ...", "Israel responded to the move saying that ...", "A
    user responded saying that ..."): the speaker is the subject of the nearest verb above it that can speak
    (`_animate`); a participle hung on a document ("a statement saying") is the rules' case."""
    if v.tag_ != "VBG" or v.lemma_.lower() not in s.lex.verbs or v.dep_ not in ("advcl", "acl", "xcomp", "ccomp") \
            or any(c.dep_ in ("aux", "nsubj", "neg") for c in v.children):
        return None
    clause = next((c for c in v.children if c.dep_ == "ccomp" and c.i > v.i and _finite(c, True)), None)
    after = [q for q in s.spans if q[0] > v.i and all(s.doc[k].is_punct or s.doc[k].lower_ == "that"
                                                       for k in range(v.i + 1, q[0] + 1))]
    if clause is None and not after:
        return None
    if v.dep_ == "acl" and v.head.lemma_.lower() in s.lex.documents | s.lex.nouns:
        return None  # "reports claiming ...", "a statement saying ...": the document speaks (the rules' case)
    subj = _subject_above(v, v.i, lambda c: _animate(s, c))
    if subj is None or s.in_quote[subj.i]:
        return None
    if after:
        text = " ".join(t for t in (_quote_text(s, q) for q in s.spans if q[0] >= after[0][0]) if t)
        return Found(np_range(subj), np_range(subj, core=True), subj, v.text, v.i, text, "direct") if text else None
    i = clause.left_edge.i + (s.doc[clause.left_edge.i].lower_ == "that")
    return _found(s, subj, v, np_range(subj), (i, clause.right_edge.i + 1))


def _subject_above(v: "Token", before: int, can_speak) -> "Token | None":
    """The subject, before token `before`, of the nearest verb above `v` that has one `can_speak` accepts."""
    head = v
    while head.i != head.head.i:
        head = head.head
        if head.pos_ in ("VERB", "AUX"):
            subj = next((c for c in head.children if c.dep_ == "nsubj" and c.i < before and can_speak(c)), None)
            if subj is not None:
                return subj
    return None


def _relative_report(s: _Sent, v: "Token") -> Found | None:
    """A report in a relative clause with no comma ("the Telegraph newspaper which claimed he had accepted
    bribes", "the Islamist group which last January announced it was ..."): the rules skip it as a description
    of its subject ("the man who told police"), but with a clause or a quotation it is the antecedent's report."""
    lem = v.lemma_.lower()
    subj = next((c for c in v.children if c.dep_ == "nsubj" and c.i < v.i), None)
    if v.dep_ != "relcl" or lem not in s.lex.verbs or subj is None or subj.lower_ not in ("who", "which", "that") \
            or v.head.pos_ not in ("NOUN", "PROPN") or v.head.i > subj.i or any(c.dep_ == "neg" for c in v.children) \
            or not _animate(s, v.head):  # not "a law which states", "photographs that showed"
        return None
    result = _verb_content(s, v, lem, "", set())
    if not result or not result[0]:
        return None
    head = v.head
    a, b = np_range(head, core=True)
    return Found((a, min(b, subj.i)), (a, min(b, subj.i)), head, v.text, v.i, *result)


#: Adjectives of belief that take a clause (the guideline: "are concerned that ...", "was offended that ...").
BELIEF_ADJECTIVES = {"concerned", "worried", "confident", "convinced", "hopeful", "optimistic", "afraid", "fearful",
                     "adamant", "certain", "sure", "skeptical", "sceptical", "doubtful", "offended"}


def _belief_adjective(s: _Sent, v: "Token") -> Found | None:
    """ "The UNHCR is concerned that the rights of asylum seekers may be abused": a belief stated of its holder,
    the cue the adjective, the content its clause."""
    if v.lower_ not in BELIEF_ADJECTIVES or any(c.dep_ == "neg" or c.tag_ == "MD" for c in [*v.children,
                                                                                         *v.head.children]):
        return None  # not "is not sure that", nor "until the market can be confident that"
    clause = next((c for c in v.children if c.dep_ == "ccomp" and c.i > v.i and _finite(c)), None)
    subj = next((c for c in v.children if c.dep_ == "nsubj" and c.i < v.i), None) or (next(
        (c for c in v.head.children if c.dep_ == "nsubj" and c.i < v.i), None) if v.dep_ == "acomp" else None)
    if clause is None or subj is None or s.in_quote[subj.i] or s.in_quote[v.i] or subj.tag_ in ("WDT", "WP"):
        return None
    i = clause.left_edge.i + (s.doc[clause.left_edge.i].lower_ == "that")
    return _found(s, subj, v, np_range(subj), (i, clause.right_edge.i + 1))


def _refers_as(s: _Sent, v: "Token") -> Found | None:
    """ "Annan referred to America as being in the vanguard ...", "Romney, who once referred to McCain as a
    'liberal Democrat'": an evaluation "X as Y" (the guideline's "described X as Y")."""
    if v.pos_ != "VERB" or v.lemma_.lower() != "refer" or any(c.dep_ == "neg" for c in v.children):
        return None
    to = next((c for c in v.rights if c.dep_ == "prep" and c.lower_ == "to"), None)
    obj = None if to is None else next((g for g in to.children if g.dep_ == "pobj"), None)
    as_ = next((c for c in [*v.rights, *(obj.rights if obj is not None else [])] if c.dep_ == "prep" and
                c.lower_ == "as"), None)
    if obj is None or as_ is None or as_.right_edge.i == as_.i:
        return None
    subj = next((c for c in v.children if c.dep_ == "nsubj" and c.i < v.i), None)
    if subj is not None and subj.tag_ == "WP" and v.dep_ == "relcl":
        subj = v.head  # "Romney, who once referred to ...": the antecedent
    if subj is None or s.in_quote[subj.i] or subj.tag_ in ("WDT", "WP"):
        return None
    return _found(s, subj, v, np_range(subj, core=True), (obj.left_edge.i, as_.right_edge.i + 1))


#: What a source claims as its own, an announcement with a noun object (not "claimed the lives of", "the seat").
CLAIMED = {"responsibility", "credit", "ownership", "sovereignty", "control"}


def _claims_responsibility(s: _Sent, v: "Token") -> Found | None:
    """ "Holy Jihad Brigades claims responsibility for the kidnappings", "Mauritius has claimed ownership of the
    island", "Israel claims the city as its capital": an announcement with a noun object (the guideline)."""
    obj = next((c for c in v.children if c.dep_ == "dobj"), None)
    as_what = obj is not None and any(c.dep_ == "prep" and c.lower_ == "as" for c in v.children)  # "claims X as Y"
    if v.pos_ != "VERB" or v.lemma_.lower() != "claim" or obj is None or (obj.lemma_.lower() not in CLAIMED and
                                                                         not as_what) or _skip_verb(v):
        return None
    subj = _speaker(s, v)
    if subj is None or any(c.lower_ == "no" for c in subj.children):  # "No group claimed responsibility"
        return None
    return _found(s, subj, v, np_range(subj), (obj.left_edge.i, max(obj.right_edge.i, v.right_edge.i) + 1))


def _quotes_someone(s: _Sent, v: "Token") -> Found | None:
    """ "Interfax quotes the elections commission chairman saying ...": the one who quotes reports what the quoted
    one said (the guideline's second reporter of the same words); the quoted one's own attribution is the rules'."""
    obj = next((c for c in v.children if c.dep_ == "dobj"), None)
    if v.pos_ != "VERB" or v.lemma_.lower() != "quote" or obj is None or _skip_verb(v) or not any(
            c.dep_ == "acl" and c.tag_ == "VBG" for c in obj.children):
        return None
    subj = _speaker(s, v)
    return None if subj is None else _found(s, subj, v, np_range(subj), (obj.left_edge.i, obj.right_edge.i + 1))


def _reported_to_have(s: _Sent, v: "Token") -> Found | None:
    """ "Abbott is also reported to have said ...", "Costello is reported to have told friends that ...": the
    agentless "is reported" gives nothing (the guideline), but the one it reports speaking does."""
    head = v.head
    if v.pos_ != "VERB" or v.dep_ != "xcomp" or v.lemma_.lower() not in s.lex.verbs or any(
            c.dep_ == "neg" for c in v.children) or head.lemma_.lower() not in ("report", "say", "understand") \
            or not any(c.dep_ == "auxpass" for c in head.children):
        return None
    subj = next((c for c in head.children if c.dep_ == "nsubjpass" and not s.in_quote[c.i]), None)
    result = None if subj is None else _verb_content(s, v, v.lemma_.lower(), "", set())
    if not result or not result[0]:
        return None
    return Found(np_range(subj), np_range(subj, core=True), subj, v.text, v.i, *result)


def _trailing_report(s: _Sent, v: "Token") -> Found | None:
    """ "Iran has tested the missile, Iran state media report.", "..., media report.", "..., Yomiuri reports.": a
    source and "report(s)" after the content, at the sentence end, which the parser reads as a noun compound or
    as a clause of its own."""
    doc = s.doc
    if v.lower_ not in ("report", "reports") or s.in_quote[v.i] or any(not t.is_punct for t in doc[v.i + 1:]):
        return None  # the last word of the sentence
    comma = next((k for k in range(v.i - 1, 0, -1) if doc[k].text == ","), None)
    if comma is None or comma < 3 or s.in_quote[comma - 1]:
        return None
    source = doc[comma + 1:v.i]
    if not source or not any(t.pos_ in ("NOUN", "PROPN") for t in source) or any(
            t.pos_ not in ("NOUN", "PROPN", "ADJ", "DET", "NUM", "PART") for t in source):
        return None
    text, quote = _content(s, (0, comma))
    return Found((comma + 1, v.i), (comma + 1, v.i), doc[v.i - 1], v.text, v.i, text, quote) if text else None


def _asks_for(s: _Sent, v: "Token") -> Found | None:
    """ "Prosecutors asked for the death penalty", "The memo asked for leniency": a directive with what is asked
    for (not "asked for comment", a request that says nothing)."""
    if v.pos_ != "VERB" or v.lemma_.lower() != "ask" or _skip_verb(v) or any(c.dep_ == "dobj" for c in v.children):
        return None
    prep = next((c for c in v.rights if c.dep_ == "prep" and c.lower_ == "for"), None)
    obj = None if prep is None else next((g for g in prep.children if g.dep_ == "pobj"), None)
    subj = _speaker(s, v)
    if obj is None or subj is None or obj.lemma_.lower() in ("comment", "help", "information") or s.in_quote[obj.i]:
        return None
    return _found(s, subj, v, np_range(subj), (obj.left_edge.i, max(obj.right_edge.i, v.right_edge.i) + 1))
