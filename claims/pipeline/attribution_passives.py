"""Reports in the passive and reports of someone quoted, which the small parser hangs where the rules do not look
("Chris Johns was quoted as saying, ...", "The attacks, repeatedly called genocide by the U.S. administration",
"The group is considered a terrorist organization by the international community"): forms of
`attribution_misreads`, which asks them; kept apart so that each module stays readable."""
from __future__ import annotations

from typing import TYPE_CHECKING

from claims.pipeline.attribution_rules import Found, _skip_verb, np_range
from claims.pipeline.quotes import _content, _quote_text, _Sent

if TYPE_CHECKING:
    from spacy.tokens import Token

#: Who may be the agent of a passive report: a name, or a noun the recogniser reads as a person or a body.
AGENT_ENTITIES = ("PERSON", "ORG", "NORP", "GPE")


def _found(s: _Sent, subj: "Token", v: "Token", source: tuple[int, int], content: tuple[int, int]) -> Found:
    text, quote = _content(s, content)
    return Found(source, source if source != np_range(subj) else np_range(subj, core=True), subj, v.text, v.i,
                 text, quote)


def _animate(s: _Sent, t: "Token") -> bool:
    """Who can speak: a name, a personal pronoun, a person or a body the recogniser names, or a noun of the cue
    lexicon's people (roles, spokespeople, groups, organisations): not "the capacity", "his address"."""
    lem = t.lemma_.lower()
    return t.pos_ == "PROPN" or t.lower_ in ("he", "she", "they", "we", "i") or t.ent_type_ in AGENT_ENTITIES or \
        lem in s.lex.people


def _quoted_as_saying(s: _Sent, v: "Token") -> Found | None:
    """'Chris Johns was quoted as saying, "..."', "The BBC quoted Asefi as saying ...": the one quoted speaks."""
    doc, prep = s.doc, v.head
    if v.lower_ not in ("saying", "stating") or v.dep_ != "pcomp" or prep.lower_ != "as" or \
            prep.head.lemma_.lower() not in ("quote", "report"):
        return None
    subj = next((c for c in prep.head.children if c.dep_ == "nsubjpass" and not s.in_quote[c.i]), None) or next(
        (c for c in prep.head.children if c.dep_ == "dobj" and not s.in_quote[c.i]), None)  # "quoted X as saying"
    if subj is None:
        return None
    after = [q for q in s.spans if q[0] > v.i]
    before = [q for q in s.spans if q[1] <= subj.left_edge.i and q[0] == 0 and not any(c.dep_ == "ccomp" for c in v.children)]
    if after or before:  # '"...," President Chen was quoted as saying' (round 12): the quotation before
        text = " ".join(t for t in (_quote_text(s, q) for q in after or before) if t)
        return Found(np_range(subj), np_range(subj, core=True), subj, v.text, v.i, text, "direct") if text else None
    clause = next((c for c in v.children if c.dep_ == "ccomp"), None)
    if clause is None:
        return None
    i = clause.left_edge.i + (doc[clause.left_edge.i].lower_ == "that")
    return _found(s, subj, v, np_range(subj), (i, clause.right_edge.i + 1))


def _passive_agent(s: _Sent, v: "Token") -> Found | None:
    """A reporting verb in the passive, hung on the noun it reports on, with "by" and its agent: the agent is
    the source (the guideline's passives with an agent), the noun and what follows the verb are the content."""
    lex = s.lex
    if v.tag_ != "VBN" or v.dep_ not in ("acl", "relcl") or any(c.dep_ == "neg" for c in v.children) or \
            v.lemma_.lower() not in lex.object_verbs | {"call"}:  # not "written by", "ruled by", "proposed by"
        return None
    agent = next((c for c in v.children if c.dep_ == "agent"), None)
    src = None if agent is None else next((g for g in agent.children if g.dep_ == "pobj"), None)
    named = src is not None and (src.pos_ == "PROPN" or src.ent_type_ in AGENT_ENTITIES or (  # "called genocide by
        v.lemma_.lower() in lex.evaluation_verbs | {"call"} and src.lemma_.lower() in lex.people | {"some", "other"}))
    if not named or s.in_quote[src.i]:  # the U.S. administration", "by some" (round 13)
        return None  # a named agent, not "damage revealed by a scan" nor "fines disputed by a person"
    noun = v.head
    if noun.dep_ == "pobj" and noun.head.head.lower_ in ("according", "per"):
        return None  # "according to estimates cited by the WHO": the preposition's attribution holds it
    a, b = np_range(src)
    pieces = [(noun.left_edge.i, v.left_edge.i), (v.i + 1, agent.i), (agent.right_edge.i + 1, v.right_edge.i + 1)]
    text, quote = _content(s, *(p for p in pieces if p[1] > p[0]))  # "The attacks, called genocide by ..."
    return Found((a, b), np_range(src, core=True), src, v.text, v.i, text, quote) if text else None


def _passive_report(s: _Sent, v: "Token") -> Found | None:
    """A report in the passive with its agent ("Ahmadinejad was believed by 5 former hostages to be one of ...",
    "The group is considered a terrorist organization by the international community", where the parser hung "by"
    on the noun): the agent is the source, the subject and the predicate the content (two pieces)."""
    if v.pos_ != "VERB" or v.lemma_.lower() not in s.lex.report_verbs or \
            _skip_verb(v) or not any(c.dep_ == "auxpass" for c in v.children):
        return None
    subj = next((c for c in v.children if c.dep_ == "nsubjpass" and c.i < v.i), None)
    by = next((c for c in v.children if c.dep_ == "agent"), None) or next(
        (t for c in v.rights if c.dep_ in ("oprd", "attr", "dobj") or c.dep_ == "prep" and c.lower_ == "as"
         for t in c.subtree if t.dep_ == "prep" and t.lower_ == "by"), None)  # "described as X by Y" (round 13)
    agent = None if by is None else next((g for g in by.children if g.dep_ == "pobj"), None)
    if subj is None or agent is None or s.in_quote[agent.i] or not _animate(s, agent):
        return None
    end = v.right_edge.i + 1
    while end > v.i + 1 and s.doc[end - 1].is_punct:
        end -= 1
    pieces = [(subj.left_edge.i, subj.right_edge.i + 1), (v.i + 1, by.i), (by.right_edge.i + 1, end)]
    text, quote = _content(s, *(p for p in pieces if p[1] > p[0]))
    if not text or (pieces[1][1] <= pieces[1][0] and pieces[2][1] <= pieces[2][0]):
        return None  # "was criticised by X": nothing but the subject
    return Found(np_range(agent), np_range(agent, core=True), agent, v.text, v.i, text, quote)
