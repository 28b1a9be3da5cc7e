"""Noun phrases as a source is written: where a speaker's phrase starts and ends in a parsed sentence
(`np_range`), used by the attribution rules, the misread forms, the learned step and pronoun resolution."""
from __future__ import annotations

from typing import TYPE_CHECKING

from claims.pipeline.cues import lexicon

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

#: Nouns of the occasion of a report ("X in a statement"), cut from a source noun phrase.
OCCASIONS = {"statement", "report", "interview", "letter", "release", "speech", "conference", "email", "post",
             "article", "editorial", "message", "briefing", "broadcast"}
#: Tags of a finite verb or a modal.
FINITE_TAGS = ("VBD", "VBZ", "VBP", "MD")
ABBREVIATIONS = {"Sgt", "Gen", "Lt", "Col", "Capt", "Rep", "Sen", "Gov", "Prof", "Dr", "Mr", "Ms", "Mrs", "Det"}


def np_range(head: "Token", core: bool = False) -> tuple[int, int]:
    """A noun phrase as written; with core=True without appositions and comma-set clauses ("Tom Reyes")."""
    doc, left, right = head.doc, head.left_edge.i, head.right_edge.i + 1
    for c in head.children:  # core: no "Tom Reyes, a professor"; never "Ruiz, speaking at a church hall,"
        aside = c.dep_ in ("relcl", "acl", "advcl") and c.left_edge.i > 0 and doc[c.left_edge.i - 1].text == ","
        participle = c.tag_ == "VBG" and not any(a.dep_ == "aux" for a in c.children)  # not "who is attempting to"
        if (core and (aside or c.dep_ == "appos")) or (aside and participle):
            right, left = (min(right, c.left_edge.i), left) if c.i > head.i else (right, max(left, c.right_edge.i + 1))
    occasion = next((c for c in head.rights if c.dep_ == "prep" and c.lower_ == "in" and any(
        g.dep_ == "pobj" and g.lemma_.lower() in OCCASIONS for g in c.children)), None)
    if occasion is not None:  # "the ministry in a statement released Tuesday": the occasion, not the speaker
        right = min(right, occasion.i)
    speech = next((t for t in doc[head.i + 1:right] if t.dep_ == "relcl" and t.lemma_.lower() in lexicon().verbs
                   and t.left_edge.i > head.i and _reports(t)), None)
    if speech is not None:  # "X, the spokesman who also said ...": that is another attribution, not the source
        right = speech.left_edge.i
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
    while right > left and (doc[right - 1].is_punct or (doc[right - 1].tag_ == "POS" and head.dep_ == "poss")
                            or (doc[right - 1].lower_ in ("both", "all") and right - 1 > head.i)):
        if doc[right - 1].text == ")" and _open_paren(doc, left, right - 1):
            break
        right -= 1
    if right < len(doc) and doc[right].text == ")" and _open_paren(doc, left, right):
        right += 1  # "Voice of America (VOA)": the closing bracket the parser left outside
    return left, right


def with_apposition(head: "Token") -> tuple[tuple[int, int], int]:
    """The noun phrase of `head` with an apposition the parser did not attach ("According to Major Charlie Burbridge,
    a British forces spokesman, the operation ..."), and where the words after it start (past its closing comma).
    An apposition opens with an article, holds no tensed verb of its own outside a relative clause, and is followed
    by a tensed clause (round 12)."""
    doc, end, relative = head.doc, head.right_edge.i + 1, False
    if end + 2 < len(doc) and doc[end].text == "," and doc[end + 1].lower_ in ("a", "an", "the"):
        for k in range(end + 1, len(doc)):
            if doc[k].text == ",":
                if k > end + 2 and any(u.tag_ in FINITE_TAGS for u in doc[k + 1:]):
                    return (np_range(head)[0], k), k + 1
                break
            relative = relative or doc[k].lower_ in ("who", "which", "that")
            if doc[k].tag_ in FINITE_TAGS and not relative:
                break
    return np_range(head), end


def role_before(subj: "Token", roles: frozenset[str]) -> int | None:
    """Where a role before the subject's name and its comma starts ("Party spokesperson, Jo Lee said"), when the
    parser hung it on the verb on its own or left it a fragment, at the start or after a comma ("In ..., Palestinian
    PM and leader of ..., Ismail Haniya"); `roles`: the lexicon's roles and spokespeople. None otherwise."""
    doc, left = subj.doc, subj.left_edge.i
    if subj.dep_ != "nsubj" or left < 2 or doc[left - 1].text != "," or subj.pos_ != "PROPN":
        return None
    heads = [c for c in subj.head.lefts if c.dep_ in ("npadvmod", "nsubj", "dep", "appos")] + [
        t for t in doc[:left - 1] if t.dep_ == "ROOT" and t.i != subj.head.i]
    role = next((c for c in heads if c.i < left - 1 and c.right_edge.i == left - 2 and (
        c.left_edge.i == 0 or doc[c.left_edge.i - 1].text == ",")), None)
    if role is None or role.pos_ not in ("NOUN", "PROPN") or not any(
            t.lemma_.lower() in roles for t in (role, *role.conjuncts)):
        return None
    return role.left_edge.i


def _reports(verb: "Token") -> bool:
    """Whether a relative clause's verb says something: a clause, a quotation or an infinitive after it, and not a
    passive ("the spokesman who also said that ...", not "a lawyer who is expected to become ...", "X who
    recommended Thompson for the job"; round 12)."""
    doc = verb.doc
    if any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children):
        return False
    return any(c.dep_ in ("ccomp", "xcomp", "parataxis") for c in verb.children) or any(
        t.text in ('"', "“", "``", ":") for t in doc[verb.i + 1:verb.i + 3])


def _open_paren(doc: "Doc", left: int, right: int) -> bool:
    """Whether doc[left:right] opens more brackets than it closes."""
    texts = [t.text for t in doc[left:right]]
    return texts.count("(") > texts.count(")")
