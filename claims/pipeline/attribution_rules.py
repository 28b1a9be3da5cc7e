"""Attributions within one parsed sentence: reporting verbs, "according to", attribution nouns and colons,
each with its source, cue, content and quote kind. The rules and their reasons are in `claims.pipeline.attribute`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from claims.pipeline.cues import MISREAD_VERBS, Lexicon, lexicon, mined_evaluations
from claims.pipeline.phrases import FINITE_TAGS, OCCASIONS, np_range, role_before, with_apposition
from claims.pipeline.quotes import _content, _quote_text, _Sent  # noqa: F401 (attribution_learned reads _Sent, _content here)

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token


HEDGES = {"could", "would", "might", "may", "should", "can"}  # "critics would argue that ..." reports nothing

CONDITIONS = {"if", "whether", "unless"}

#: Heads under which an infinitive or participle of speech reports speech that happened ("continued to insist",
#: "have started calling for"), and responses whose participle says what the response was ("responded saying").
GOING_ON = {"continue", "keep", "start", "begin"}
RESPONSES = {"respond", "reply", "comment", "react", "answer", "retort"}

NOMINAL = {"dobj", "pobj", "nsubj", "nsubjpass", "attr", "appos", "compound", "amod", "oprd"}

PRONOUN_GENDER = {"he": "m", "she": "f", "they": "", "it": ""}

TITLES = {"mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "prof", "prof.", "sen.", "rep.", "gov.", "gen.", "sgt",
          "sgt.", "lt.", "col.", "capt.", "det."}

GENDER_TITLES = {"mr": "m", "mr.": "m", "mrs": "f", "mrs.": "f", "ms": "f", "ms.": "f"}


ORG_ENTS = {"ORG", "GPE", "NORP"}

ANONYMITY = ("familiar with", "anonymity", "not to be named", "not authorized", "not authorised", "knowledge of")

#: Verbs with a hearer as object that the parser often leaves without their "that" clause ("told reporters
#: outside the courthouse that ..." read as a relative clause on "courthouse").
HEARER_VERBS = {"tell", "inform", "assure", "reassure", "remind", "warn", "promise", "notify"}

#: Verbs of saying proper: what they report is speech, never a small clause ("found the car abandoned").
SPEECH_LEMMAS = {"say", "tell", "state", "add", "claim", "insist", "explain", "reply", "respond", "argue", "assert",
                 "declare", "announce", "confirm", "deny", "allege", "maintain", "stress", "note", "write"}

#: "put the cost at $90 million": an estimate, when the phrase after the object holds a figure.
ESTIMATE_PREPS = {"at", "closer", "near", "around", "between", "above", "below", "under", "over"}

#: What an evaluation verb's object is called or blamed for ("praised X for", "described X as"); "warned X
#: against ...", where the default "of" or "for" would read "warned X of" only.
EVALUATION_PREPS = {"warn": ("against", "about", "of")}

#: Right-hand dependents the parser hangs on the reporting verb that belong to its content ("names, email addresses").
SPILLOVER = {"npadvmod", "dobj", "dep", "appos", "attr", "oprd"}


@dataclass
class Found:
    """An attribution inside one sentence, before cross-sentence resolution."""

    source: tuple[int, int]  # token range of the source as written
    core: tuple[int, int]  # the same without appositions and comma-set clauses, to name it later
    head: "Token"
    cue: str
    cue_i: int
    content: str
    quote: str
    source_type: str = ""


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
        return _antecedent(verb.head)  # "Nordvind, which said ...": the antecedent speaks
    if "nsubj" in deps:  # "X, who expressed concern and said ...": X speaks, not "who"
        return _antecedent(verb.head) if deps["nsubj"].tag_ in ("WP", "WDT") and verb.dep_ == "relcl" else deps["nsubj"]
    if "agent" in deps:
        return next((g for g in deps["agent"].children if g.dep_ == "pobj"), None)
    if "nsubjpass" in deps or "expl" in deps:
        return None  # "the minister was told that ...": the subject is the hearer
    csubj = deps.get("csubj")  # headline "Ticketing firm TixPoint says ...", misparsed
    if csubj is not None and csubj.left_edge.i == 0:
        return next((t for t in reversed(list(csubj.subtree)) if t.pos_ == "PROPN"), None)
    if not inherit or any(c.dep_ == "auxpass" for c in verb.children):
        return None  # "... and was widely expected to win": a passive shares no speaker
    if (verb.dep_ == "conj" or (verb.dep_ == "advcl" and verb.tag_ == "VBG") or _goes_on(verb)) and \
            verb.head.pos_ in ("VERB", "AUX"):
        return _subject(verb.head, inherit)  # "she smiled and said ..."; "..., adding that ..."
    if _speech_in_pcomp(verb) and verb.head.lower_ == "by":
        return _subject(verb.head.head, inherit)  # "X responded ... by saying ..."
    if verb.dep_ == "acl" and verb.tag_ == "VBG":  # "a statement from X saying"; "X issued a statement saying"
        agent = _noun_agent(verb.head)
        quoted = verb.head.dep_ == "dobj" and verb.head.head.lemma_ in ("quote", "cite")  # "quotes X saying": X
        return agent if agent is not None or verb.head.dep_ != "dobj" else verb.head if quoted else _subject(
            verb.head.head, inherit)
    return None


def _skip_verb(verb: "Token") -> bool:
    """Speech not reported as having happened: relative to its subject, negated, hedged, hypothetical, a question."""
    subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    if verb.dep_ in ("amod", "xcomp", "csubj", "pcomp") and not _goes_on(verb) and not _speech_in_pcomp(verb) or (
            verb.dep_ == "acl" and verb.tag_ != "VBG"):
        return True
    if verb.dep_ == "relcl" and (subj is None or subj.tag_ in ("WDT", "WP")) and not _aside_relative(verb):
        return True  # "the man who told police ..." (but "buses, which the town says will cut costs" is speech)
    if verb.dep_ == "relcl" and verb.left_edge.dep_ == "prep" and verb.left_edge.i + 1 < len(verb.doc) and \
            verb.doc[verb.left_edge.i + 1].lower_ in ("which", "whom"):
        return True  # "an agreement in which both sides pledged ...": what the agreement holds, not a report
    return any(
        c.dep_ == "neg"
        or (c.dep_ == "mark" and c.lower_ in CONDITIONS)
        or (c.dep_ == "aux" and (c.lower_ in HEDGES or (subj is not None and c.i < subj.i)))
        for c in verb.children)


def _calls_for(verb: "Token") -> "Token | None":
    """What "call for / on / upon" asks for, a directive with no object of its own (the guideline: "called for
    the release"); None for "called the plan a disaster" and for any other verb."""
    if any(c.dep_ == "dobj" for c in verb.children):
        return None
    prep = next((c for c in verb.rights if c.dep_ == "prep" and c.lower_ in ("for", "on", "upon")), None)
    if prep is None:  # "X called for the judges to hand down ...": "for" read as the mark of a clause
        clause = next((c for c in verb.rights if c.dep_ in ("advcl", "ccomp", "xcomp") and verb.pos_ == "VERB" and any(
            d.dep_ == "nsubj" for d in verb.children) and any(
            m.dep_ == "mark" and m.lower_ == "for" and m.i == verb.i + 1 for m in c.children)), None)
        return None if clause is None else next((g for g in clause.children if g.dep_ == "nsubj"), None)
    return next((g for g in prep.children if g.dep_ == "pobj"), None)


def _speech_in_pcomp(verb: "Token") -> bool:
    """ "responded ... by saying it would ...", "continued by saying ...": the speech is the means of the act;
    "..., with the opposition claiming it is ...": a report with a subject of its own."""
    if verb.dep_ != "pcomp" or verb.tag_ != "VBG":
        return False
    if verb.head.lower_ == "with":
        return any(c.dep_ == "nsubj" and c.i < verb.i for c in verb.children)
    return verb.head.lower_ == "by" and verb.head.head.pos_ in ("VERB", "AUX")


def _goes_on(verb: "Token") -> bool:
    """ "went on to say", "continued to insist": speech that happened, not speech wanted ("refused to say"); "have
    started calling for", "responded saying" (round 12): speech begun, or the form a response took."""
    head = verb.head
    return verb.dep_ == "xcomp" and head.i < verb.i and (head.lemma_ in GOING_ON or head.lemma_ == "go" and any(
        c.dep_ == "prt" and c.lower_ == "on" for c in head.children) or verb.tag_ == "VBG" and head.lemma_ in RESPONSES)


def _aside_relative(verb: "Token") -> bool:
    """A relative clause whose pronoun is the speaker, set off by a comma (or saying "also"), or a restrictive "who"
    clause: "Nordvind, which said ...", "members of the tribe who told the agency that ..." (round 11)."""
    subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    doc = verb.doc
    also = any(c.dep_ == "advmod" and c.lower_ == "also" and subj is not None and subj.i < c.i < verb.i
               for c in verb.children)  # "... said X, a spokesman who also said that ...": no comma needed
    return (verb.dep_ == "relcl" and subj is not None and subj.lower_ in ("which", "who")
            and verb.lemma_.lower() in lexicon().verbs  # not "who asked not to be named"
            and subj.i == verb.left_edge.i and subj.i > 0
            and (doc[subj.i - 1].text == "," or also or subj.lower_ == "who")
            and verb.head.pos_ in ("PROPN", "NOUN") and verb.head.i < subj.i
            and verb.head.lemma_.lower() not in OCCASIONS)  # "said X in a statement who also added": misparsed


def _antecedent(head: "Token") -> "Token":
    """Who a speaking relative clause hangs on: the name an apposition names ("the Chief, Helen Szoke who also
    said": the whole phrase)."""
    while head.dep_ == "appos" and head.head.pos_ in ("NOUN", "PROPN"):
        head = head.head
    return head


def _finite(clause: "Token", speech: bool = False) -> bool:
    """A tensed clause ("the plan would fail"), not a small clause ("found the car abandoned").

    With `speech` (the clause a speech verb reports), a participle with a subject of its own and no auxiliary is
    a past tense the tagger misread: 'said the fighting “started early”' (a small clause follows "found", not
    "said")."""
    return clause.tag_ in FINITE_TAGS or any(
        c.dep_ in ("aux", "auxpass", "mark") and (c.tag_ in ("MD", "VBD", "VBZ", "VBP") or c.lower_ == "that")
        for c in clause.children) or (speech and clause.tag_ == "VBN" and any(
            c.dep_ == "nsubj" and c.i < clause.i for c in clause.children) and not any(
            c.dep_ in ("aux", "auxpass") for c in clause.children))


def _nominal_quote(doc: "Doc", span: tuple[int, int]) -> bool:
    """A scare-quoted phrase used as a noun ("denied the “rumours”"), not a quotation of speech (as one begun in
    the sentence before always is)."""
    return span[0] >= 0 and any(doc[k].dep_ in NOMINAL for k in range(span[0] + 1, span[1])
                                if not span[0] < doc[k].head.i < span[1])


def _cue_lemma(t: "Token", lex: Lexicon) -> str | None:
    if t.pos_ == "VERB":
        lem = t.lemma_.lower()
        if lem == "hop" and t.lower_[:4] in ("hope", "hopi"):  # en_core_web_sm: "hopes", "hoped", "hoping" -> "hop"
            lem = "hope"
        return lem if lem in lex.any_verb else None
    if t.lower_ in MISREAD_VERBS and any(c.dep_ == "ccomp" for c in t.children) and any(
            c.dep_ == "compound" for c in t.lefts):
        return MISREAD_VERBS[t.lower_]
    return None


def _right_end(s: _Sent, verb: "Token", start: int, spill: set[str] | None, merged: set[int]) -> int:
    """Where content that starts at `start` ends: before the verb's next clause ("..., but the doses were low").
    A conjoined cue without its own subject joins the content ("estimated X and found that Y" is one attribution) and
    is noted in `merged`, but not a report after an act or accusation ("accused X and stated that ...", round 13).
    With `spill`, only those misattached dependents are taken."""
    end = start
    for c in verb.rights:
        if c.i < start or c.is_punct or c.dep_ == "cc":
            continue
        if c.dep_ == "conj":  # "... and would continue to do so" stays; "... but did not say how much" does not
            cue = _cue_lemma(c, s.lex)
            if any(g.dep_ == "nsubj" for g in c.children) or (cue and any(g.dep_ == "neg" for g in c.children)) or (
                    cue in s.lex.object_verbs and cue not in s.lex.verbs) or (  # "... and accuses Y": its own
                    cue in s.lex.verbs and _cue_lemma(verb, s.lex) not in s.lex.verbs and any(
                        g.dep_ == "ccomp" for g in c.children)):
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
    if lem in lex.verbs and comps and not owned and (_finite(comps[0], lem in SPEECH_LEMMAS) or takes_infinitive
                                                     or before):
        c = comps[0]  # reported speech: the complement clause, without "that"
        i = max(c.left_edge.i, v.i + 1) if c.i > v.i else c.left_edge.i
        i += doc[i].lower_ == "that" and doc[i].tag_ == "IN"
        j = max(e[-1] for e in extents) + 1
        j = max(j, _right_end(s, v, j, SPILLOVER, merged)) if c.i > v.i else c.right_edge.i + 1
        return _content(s, (i, j))
    if lem in lex.verbs or lem in lex.quote_verbs:  # direct speech: quotations holding the complement, or by the verb
        near = {k for c in v.children if c.dep_ in ("nsubj", "aux", "advmod", "dobj", "dative", "npadvmod", "prep")
                for k in range(c.left_edge.i, c.right_edge.i + 1)}
        if lem not in lex.verbs:  # "asked: “...”", "“...?” she asked"; but "asked the same question: “...”"
            near = {k for c in v.lefts if c.dep_ == "nsubj" for k in range(c.left_edge.i, c.right_edge.i + 1)}
            owned = []
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
    estimate = lem == "put" and any(  # "put the figure at $12 billion"; a count: "reported 284 vehicles torched"
        c.dep_ in ("prep", "advmod") and c.lower_ in ESTIMATE_PREPS
        and any(t.like_num or t.tag_ == "$" for t in c.subtree) for c in v.rights) or (
        lem == "report" and objects[:1] and (objects[0].left_edge.like_num or objects[0].left_edge.tag_ == "$"))
    if objects and not any(s.in_quote[c.i] and not (c.dep_ == "xcomp" and any(  # 'urged them to "root out" X'
            a.tag_ == "TO" and not s.in_quote[a.i] for a in c.children)) for c in objects) and (
            (lem in lex.object_verbs and (lem != "threaten" or source_type not in ("", "document")))  # "a strike
            or (lem in lex.infinitive_verbs and infinitive) or estimate  # threatening X" is no threat made (round 13)
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
    if lem in lex.evaluation_verbs:
        found = _evaluation_content(s, v)
        if found is not None:
            return found
    pobj = _calls_for(v) if lem == "call" else None
    if pobj is not None and not s.in_quote[pobj.i]:  # "calling for the release", "called upon states to donate"
        return _content(s, (pobj.left_edge.i, _right_end(s, v, pobj.left_edge.i, None, merged)))
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
    # "Peacekeepers will stay ..., Defence Minister Sergei Ivanov has told journalists.": the parser joined the
    # last clause to the first; nothing but a hearer, a time or a place follows the verb
    if lem in lex.verbs and v.dep_ == "conj" and v.head.dep_ == "ROOT" and answer and not comps and all(
            c.dep_ in ("dobj", "dative", "prep", "npadvmod", "advmod", "punct") for c in v.rights) and \
            not any(c.dep_ == "cc" for c in v.head.children if c.i < v.i) and \
            all(t.is_punct for t in doc[v.right_edge.i + 1:]):
        return _content(s, (0, subj.left_edge.i))
    return None


def _evaluation_preps(lemma: str) -> tuple[str, ...]:
    """The prepositions that carry what an evaluation verb says: "as", "for", "of"; "warned X against ...";
    a mined verb's own ("attributed the drop to ...")."""
    return EVALUATION_PREPS.get(lemma) or mined_evaluations().get(lemma) or ("as", "for", "of")


def _evaluation_content(s: _Sent, v: "Token") -> tuple[str, str] | None:
    """What an evaluation verb says of its object: "called the plan a disaster", "described X as critical",
    "praised Maliki for ...", "called for a ceasefire"; in the passive, "FARC is considered a terrorist group by
    ..." (the subject and what it is called). An object alone ("praised the team") reports nothing."""
    if any(c.dep_ == "conj" and _cue_lemma(c, s.lex) in s.lex.verbs | s.lex.object_verbs
           and not any(g.dep_ == "nsubj" for g in c.children) and (_cue_lemma(c, s.lex) in s.lex.object_verbs or any(
               g.dep_ == "ccomp" for g in c.children)) for c in v.rights):  # not "..., but conceded defeat" (round 13)
        return None  # "called the vote “a bridge” and argued that ...": the report is the cue (the guideline)
    rights = [c for c in v.rights if not c.is_punct and (not s.in_quote[c.i] or c.dep_ == "oprd")]  # 'it "a stretch"'
    obj = next((c for c in rights if c.dep_ == "dobj"), None)
    said = [c for c in rights if (c.dep_ in ("oprd", "xcomp", "ccomp", "attr") and c.left_edge.tag_ != "TO")
            or (c.dep_ == "prep" and c.lower_ in _evaluation_preps(v.lemma_.lower()))
            or (c.dep_ == "dobj" and obj is not None and c.i > obj.i)]  # "branded the plan a disaster": two objects
    # not "called Obama to congratulate him": an infinitive is what the caller wanted, not what was said
    if obj is not None and (any(c.i > obj.i for c in said) or any(  # "described the relationship with X as ..."
            t.dep_ == "prep" and t.lower_ == "as" for t in obj.subtree) or any(  # 'called the pledge "a major step"'
            a.dep_ == "appos" and s.in_quote[a.i] and not s.in_quote[obj.i] for a in obj.rights)):
        return _content(s, (obj.left_edge.i, _right_end(s, v, obj.left_edge.i, None, set())))
    small = next((c for c in said if c.dep_ in ("ccomp", "oprd") and any(  # "consider Hamas a terrorist group"
        g.dep_ == "nsubj" for g in c.children)), None)
    if obj is None and small is not None:
        return _content(s, (small.left_edge.i, _right_end(s, v, small.left_edge.i, None, set())))
    plea = next((c for c in rights if c.dep_ == "prep" and c.lower_ in ("for", "on") and c.i == v.i + 1), None)
    if obj is None and plea is not None and v.lemma_.lower() in ("call", "appeal"):
        return _content(s, (plea.i + 1, _right_end(s, v, plea.right_edge.i + 1, None, set())))
    passive = next((c for c in v.lefts if c.dep_ == "nsubjpass"), None)
    named = next((c for c in said if c.dep_ != "prep" or c.lower_ == "as"), None)
    if passive is not None and named is not None and any(c.dep_ == "agent" for c in v.children):
        first, last = np_range(passive)
        return _content(s, (first, last), (named.left_edge.i, named.right_edge.i + 1))
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


def _verb_attributions(s: _Sent) -> list[Found]:
    found, merged = [], set()
    for v in s.doc:
        lem = _cue_lemma(v, s.lex)
        if lem is None or v.i in merged or s.in_quote[v.i] or _skip_verb(v):
            continue
        # a conjoined accusation, denial or announcement shares its subject: "Iran called X a threat and accuses Y"
        inherit = lem in s.lex.verbs or (v.dep_ == "conj" and lem in s.lex.object_verbs | s.lex.evaluation_verbs) or (
            lem == "call" and _calls_for(v) is not None) or (  # "... and is calling for peace talks": a directive
            v.tag_ == "VBG" and v.dep_ in ("advcl", "acl") and (  # "..., calling it a 'positive start'"; "objected,
                lem == "call" or lem in s.lex.object_verbs | s.lex.evaluation_verbs))  # accusing ..." (rounds 12, 13)
        subj, result = _subject(v, inherit=inherit), None
        tail = _trailing_source(s, v) if lem in s.lex.verbs and not any(c.dep_ == "ccomp" for c in v.children) else None
        if tail is not None and (subj is None or subj.i < tail.i < subj.right_edge.i + 1 or subj.dep_ != "nsubj"):
            subj, result = tail, _content(s, (0, tail.left_edge.i - 1))
        surface = None
        if subj is None and lem in s.lex.verbs and any(c.dep_ == "ccomp" and c.i > v.i for c in v.children):
            surface = _surface_subject(s, v)
            subj = surface[1] if surface else None
        quoted = subj is not None and s.in_quote[subj.i]
        if quoted:  # '... as a whole," said Spitzer in a statement': a quote begun in the sentence before
            subj = next((c for c in v.rights if c.dep_ == "nsubj" and not s.in_quote[c.i]), None)
        if subj is None:
            continue
        f = Found(np_range(subj), np_range(subj, core=True), subj, v.text, v.i, "", "")
        if f.source[0] <= v.i < f.source[1]:  # the cue inside its own source: the core, up to the cue's clause
            f.source = f.core = f.core if not f.core[0] <= v.i < f.core[1] else (f.core[0], v.left_edge.i)
        if quoted:
            f.source = f.core = (subj.left_edge.i, subj.i + 1)
        if surface is not None or _aside_relative(v):
            f.source = f.core = surface[0] if surface else np_range(subj, core=True)
        if v.pos_ != "VERB":  # "The data show": the misread verb's own modifiers in front of it
            left = subj.left_edge.i
            for c in reversed([c for c in v.lefts if c.i < left]):
                if c.dep_ not in ("det", "amod", "compound", "nmod") or c.right_edge.i != left - 1:
                    break
                left = c.left_edge.i
            f.source = f.core = (left, v.i)
        role = role_before(subj, s.lex.roles | s.lex.spokespeople)
        if role is not None:  # "Opposition education spokesperson, Brad Hazzard said ...": the role is the source's
            f.source = (role, f.source[1])
        subjects = [c for c in v.lefts if c.dep_ in ("nsubj", "csubj")]
        after = [c for c in v.rights if c.dep_ == "nsubj"]  # 'said co-owner of ...': a hyphenated word cut in three
        if len(after) > 1 and after[0].i + 1 < len(s.doc) and s.doc[after[0].i + 1].text == "-":
            subjects = after
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
    name = start  # "..., the Dalai Lama said": a name may come with its article
    if start < end and k >= 0 and doc[k].lower_ == "the":
        start = k
    if name == end or (start > 0 and doc[start - 1].text != ",") or doc[name].ent_type_ not in ("", "PERSON", "ORG") \
            or any(doc[i].pos_ == "PRON" or doc[i].tag_ in ("PRP", "DT", "EX") for i in range(name, end)):
        return None
    return (start, end), doc[end - 1]


def _clause_without(anchor: "Token", cut: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """The clause a cue phrase modifies, as the token ranges before and after the phrase."""
    while anchor.dep_ not in ("ROOT", "ccomp") and anchor.head.i != anchor.i:
        anchor = anchor.head
    # a root clause is the whole sentence, also where an abbreviation ("Carver Ave.") split the parse
    i, j = (anchor.left_edge.i, anchor.right_edge.i + 1) if anchor.dep_ != "ROOT" else (0, len(anchor.doc))
    return (i, max(i, cut[0])), (min(j, cut[1]), j)


def _preposition_attributions(s: _Sent) -> list[Found]:
    found, lower, lex = [], [t.lower_ for t in s.doc], s.lex
    for phrase in lex.prepositions:
        n = len(phrase)
        for i in range(len(s.doc) - n + 1):
            if lower[i] != phrase[0] or tuple(lower[i:i + n]) != phrase or s.in_quote[i]:
                continue
            pobj = next((c for c in s.doc[i + n - 1].children if c.dep_ == "pobj"), None)
            if pobj is None or (phrase == ("per",) and not _looks_like_source(pobj, lex)):
                continue  # "$4 per gallon"
            source, cut = with_apposition(pobj)  # "according to X, a spokesman for Y, ..."
            content, quote = _content(s, *_clause_without(s.doc[i].head, (i, cut)))
            if content:
                found.append(Found(source, np_range(pobj, True), pobj, " ".join(phrase), i, content, quote))
    return found


def _looks_like_source(tok: "Token", lex: Lexicon) -> bool:
    lem = tok.lemma_.lower()
    return tok.ent_type_ in ORG_ENTS | {"PERSON"} or any(
        lem in words for words in (lex.documents, lex.anonymous, lex.organisations, lex.roles))


def _noun_attributions(s: _Sent, verb_cues: set[int], taken: set[int]) -> list[Found]:
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
        source, core = np_range(agent), np_range(agent, True)
        while source[1] > source[0] + 1 and doc[source[1] - 1].tag_ == "POS":  # "The ministry’s" -> "The ministry"
            source = core = (source[0], source[1] - 1)
        if content:
            found.append(Found(source, core, agent, t.text, t.i, content, quote))
    return found


def _colon_attribution(s: _Sent) -> list[Found]:
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
    return [Found((0, end), (0, end), doc[end - 1], ":", colon, content, "direct")]


def _source_type(s: _Sent, f: Found) -> str:
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


def find_attributions(doc: "Doc", s: _Sent | None = None) -> list[Found]:
    """Every attribution in one parsed sentence, in the order of their cues, without resolution (`s`: the
    sentence's quotation marks, if the caller has paired them already)."""
    s = s or _Sent(doc, lexicon())
    found = _verb_attributions(s) + _preposition_attributions(s)
    taken = {k for f in found for k in range(*f.source)}
    found += _noun_attributions(s, {f.cue_i for f in found}, taken)
    found = found or _colon_attribution(s)
    seen, unique = set(), []
    for f in sorted(found, key=lambda f: f.cue_i):
        if all(t.is_punct or t.lower_ in ("the", "a", "an") or t.pos_ in ("ADP", "CCONJ")
               for t in doc[f.source[0]:f.source[1]]):
            continue  # "The has announced", "according to the.": a name lost from the page (a link), no source
        if (f.source, f.content) not in seen:
            seen.add((f.source, f.content))
            f.source_type = f.source_type or _source_type(s, f)
            unique.append(f)
    return unique
