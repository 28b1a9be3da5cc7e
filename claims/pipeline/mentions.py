"""Across sentences: what the article has named so far, so that "she", "Kim" and "the senator" resolve to
the person or organisation named earlier."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from claims.pipeline.attribution_rules import GENDER_TITLES, PRONOUN_GENDER, TITLES, Found, np_range
from claims.pipeline.cues import Lexicon

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token


@dataclass(eq=False)
class Mention:
    """Someone or something named, that a later pronoun or short reference may point back to."""

    name: str
    kind: str  # person, organisation, document, anonymous or group
    lemma: str = ""
    roles: set[str] = field(default_factory=set)  # "mayor" (Mayor Gloria Pennington), "utility" (Eastwater, a utility)
    gender: str = ""  # learnt from Mr./Ms. or from an earlier he/she
    plural: bool = False
    entity: bool = False  # a named entity, not a phrase such as "The researchers"
    spoke: bool = False  # has been the source of an attribution
    person_name: str = ""  # a capitalised phrase's last run of name words ("Borys Wrzesnewskyj" of "Liberal MP ...")



def _proper(name: str) -> str:
    """An organisation without a leading "the": "the National Statistics Office" -> "National Statistics Office"."""
    return name[4:] if name[:4].lower() == "the " else name



def _entity_name(ent) -> str:
    """An organisation entity's proper name: "the city’s Board of Elections" -> "Board of Elections"."""
    words = list(ent)
    while len(words) > 1 and (words[0].is_lower or words[0].tag_ == "POS"):
        words.pop(0)
    return ent.doc[words[0].i:ent.end].text



#: Ranks written out, left out of a person's name ("Major P.K. Tiwari" -> "P.K. Tiwari") like the titles.
RANKS = {"maj.", "major", "general", "colonel", "captain", "sergeant", "lieutenant", "admiral", "commander"}

_INITIALS = re.compile(r"^(?:[A-Z]\.){1,3}[A-Z]?\.?$|^[A-Z]\.?$")


#: Lower-case words inside a person's name ("Ayman al-Zawahiri", "Luiz Inácio Lula da Silva", "Ludwig van Beethoven").
PARTICLES = {"al", "el", "bin", "ibn", "bint", "abu", "da", "de", "del", "della", "di", "do", "dos", "du", "la", "le",
             "van", "von", "der", "den", "ter", "ben"}


def _joins(words: list["Token"], k: int) -> int:
    """Where the name goes on after a particle or hyphen at k ("al", "-" in "al-Zawahiri"); 0 if k is neither or
    nothing follows."""
    j = k
    while j < len(words) and (words[j].lower_ in PARTICLES or words[j].text == "-"):
        j += 1
    return j if j > k and j < len(words) else 0


def _namelike(w: "Token") -> bool:
    """A word of a person's name: "Halloran", "O'Halloran", and initials ("P.K.", "W.", "S.P.S")."""
    text = w.text
    if _INITIALS.match(text):
        return True
    return w.is_title and text.replace("'", "").replace("’", "").replace("-", "").isalpha()


def acronym(name: str) -> str:
    """The initials of a name's capitalised words: "Bank of New Zealand" -> "BNZ"."""
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def _words(text: str) -> set[str]:
    return {w.lower().removesuffix("’s").removesuffix("'s") for w in text.split()}



class ArticleMentions:
    """What the article has named so far, newest last, so that "she", "Kim" and "the senator" resolve."""

    def __init__(self, lex: Lexicon):
        self.lex, self.mentions = lex, []

    def person(self, words: list["Token"]) -> tuple[str, set[str]]:
        """A name without what comes before it ("Public works director Sam Whitlock" -> "Sam Whitlock"), and the roles.

        The name is the last run of capitalised words that are not titles or roles; "" if there is none.
        """
        runs, run = [], []
        name_word = lambda w: (_namelike(w) and w.pos_ in ("PROPN", "NOUN", "ADJ")  # noqa: E731
                               and w.lower_ not in TITLES | RANKS and w.lemma_.lower() not in self.lex.roles)
        for k, w in enumerate(words):
            if w.tag_ == "POS":  # "Norland’s foreign minister": a possessor is not the name
                run = []
            elif name_word(w):
                run.append(w)
            elif run and _joins(words, k) and name_word(words[_joins(words, k)]):
                run.append(w)  # "Ayman al-Zawahiri", "Shlomo Mor-Yosef", "Lula da Silva": inside the name
            else:
                runs, run = (runs + [run]) if run else runs, []
        runs += [run] if run else []
        roles = {w.lemma_.lower() for w in words if w.lower_ in TITLES or w.lemma_.lower() in self.lex.roles}
        if not runs:
            return "", roles
        last = runs[-1]
        return last[0].doc[last[0].i:last[-1].i + 1].text, roles

    def mentions_in(self, doc: "Doc") -> list[tuple[int, Mention]]:
        """People and organisations named in a sentence, and subjects a later "they"/"it" may mean; by end token."""
        out, lex, people = [], self.lex, set()
        for ent in doc.ents:
            root = ent.root
            if ent.label_ in ("ORG", "FAC"):  # a place ("Harbor Field") only helps to complete names
                roles = {c.lemma_.lower() for c in root.children if c.dep_ == "appos"}
                kind = "organisation" if ent.label_ == "ORG" else "name"
                out.append((ent.end, Mention(_entity_name(ent), kind, root.lemma_.lower(), roles, entity=True)))
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
                out.append((ent.end, Mention(name, "person", roles=roles, gender=gender, entity=True)))
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
                    out.append((t.i + 1, Mention(doc[k:t.i + 1].text, "organisation", lem, roles, entity=True)))
                elif " " in name and roles & lex.roles | (roles & TITLES):
                    out.append((t.i + 1, Mention(name, "person", roles=roles, entity=True)))
                elif t.i - k >= 1:
                    out.append((t.i + 1, Mention(doc[k:t.i + 1].text, "name", lem, entity=True, person_name=name)))
            elif t.pos_ == "NOUN" and not t.ent_type_ and (
                    t.dep_ in ("nsubj", "nsubjpass", "ROOT") or (t.dep_ == "pobj" and t.head.lower_ in ("by", "from"))):
                kind = ("organisation" if lem in lex.organisations else "document" if lem in lex.documents
                        else "anonymous" if lem in lex.anonymous else "group")
                if kind != "group" or (t.tag_ == "NNS" and lem in lex.roles | lex.groups):  # "The researchers" speak
                    left, right = np_range(t, core=True) if t.dep_ != "ROOT" else (t.left_edge.i, t.i + 1)
                    roles = {c.lemma_.lower() for c in t.children if c.dep_ == "appos"}
                    out.append((right, Mention(doc[left:right].text, kind, lem, roles, plural=t.tag_ == "NNS")))
        return out

    @staticmethod
    def full_name(short: str, mentions: list[Mention]) -> str:
        """The latest full person name that a short name is part of: a first name or surname ("Kim"), or the
        last words ("Duncan Smith" of "Iain Duncan Smith"). A capitalised phrase the tagger did not call a
        person ("Liberal MP Borys Wrzesnewskyj") counts by its last words."""
        want = short.split()
        for m in reversed(mentions):
            parts = m.name.split()
            if len(parts) <= len(want):
                continue
            if (m.kind == "person" and (parts[-len(want):] == want or (len(want) == 1 and parts[0] == short))) or (
                    m.kind == "name" and parts[-len(want):] == want):
                return m.name
        if len(want) == 1:  # "Zawahiri" of "Ayman al-Zawahiri", "Yosef" of "Shlomo Mor-Yosef", "Lula" of "Luiz
            for m in reversed(mentions):  # Inácio Lula da Silva": a part after a hyphen, or any word of a person
                parts = m.name.split()
                if len(parts) > 1 and (parts[-1].split("-")[-1] == short and "-" in parts[-1] or (
                        m.kind == "person" and short in parts[1:-1])):
                    return m.name
        return ""

    @staticmethod
    def expansion(short: str, mentions: list[Mention]) -> Mention | None:
        """The latest organisation or name an acronym stands for ("BNZ" -> "Bank of New Zealand")."""
        for m in reversed(mentions):
            if m.kind in ("organisation", "name") and len(m.name.split()) > 1 and acronym(_proper(m.name)) == short:
                return m
        return None

    def antecedent(self, doc: "Doc", f: Found, cands: list[Mention]) -> tuple[str, Mention | None]:
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
        names = [w for w in core if _namelike(w) and w.lower_ not in TITLES and w.lower_ not in lex.roles]
        if 1 <= len(names) <= 2 and _namelike(head) and head.pos_ not in ("PRON", "DET", "VERB", "AUX") and \
                names[-1].i == head.i:
            # A lone surname ("Kim", "Mr. Hale", "Duncan Smith"). The tagger sometimes calls a surname ORG or
            # nothing, so a match with an earlier full name also settles that it is a person.
            full = self.full_name(" ".join(w.text for w in names), cands)
            if full:
                f.source_type = "person"
                m = next(m for m in reversed(cands) if m.name == full)
                return (m.person_name or full) if m.kind == "name" else full, m
            if len(names) == 1:
                return "", None
        if head.text.isupper() and 2 <= len(head.text) <= 6 and head.text.isalpha():  # "SIA", "the BNP"
            m = self.expansion(head.text, cands)
            if m is not None:
                f.source_type = "organisation" if f.source_type in ("", "group") else f.source_type
                return _proper(m.name), m
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

    def spoke(self, doc: "Doc", f: Found, resolved: str, antecedent: Mention | None) -> Mention | None:
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
            return Mention(resolved or name, "person", roles=roles, spoke=True, entity=True) if name else None
        if not f.source_type and head.pos_ == "NOUN" and not head.ent_type_:
            # a speaker no lexicon types ("an energy think tank reported"): a later "it" or "they" may mean it
            return Mention(core.text, "group" if head.tag_ == "NNS" else "organisation", head.lemma_.lower(),
                           plural=head.tag_ == "NNS", spoke=True)
        if f.source_type in ("group", "organisation", "document", "anonymous"):
            roles = {c.lemma_.lower() for c in head.children if c.dep_ == "appos"}
            ent = next((e for e in doc.ents if e.start <= head.i < e.end and e.label_ in ("ORG", "FAC")), None)
            name = resolved or (_entity_name(ent) if ent is not None else core.text)
            return Mention(name, f.source_type, head.lemma_.lower(), roles,
                            plural=head.tag_ in ("NNS", "NNPS"), entity=bool(head.ent_type_), spoke=True)
        return None
