"""Reports inside a relative clause whose pronoun took the reported clause's subject or object, which the small
parser cannot read ("a torpedo that the country claims can evade sonar", "what he called 'extreme measures'"): found
from the words around the verb, not from the parse (a form of `attribution_misreads`, which asks it)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from claims.pipeline.attribution_rules import Found
from claims.pipeline.phrases import FINITE_TAGS
from claims.pipeline.quotes import _content, _Sent

if TYPE_CHECKING:
    from spacy.tokens import Token


#: Words that open a relative clause whose subject a report verb inside it gave away.
RELATIVES = ("that", "which", "what", "who")
#: What may stand between the relative pronoun and the report verb: a short subject.
SUBJECT_POS = ("DET", "ADJ", "NOUN", "PROPN", "PRON", "NUM", "PART")
#: Verbs that name or describe what the relative pronoun stands for: an evaluation ("X called Y").
NAMING_VERBS = {"call", "describe", "term", "label", "dub", "brand", "characterise", "characterize"}
#: A finite verb right after the report verb: the clause it reports begins there.
FINITE_WORDS = {"is", "was", "are", "were", "has", "had", "have", "will", "would", "can", "could", "may", "might",
                "should", "must", "did", "does"}


def _extracted_report(s: _Sent, v: "Token") -> Found | None:
    """ "a torpedo that the country claims can evade sonar", "6 women, which Iraq claims is not a bid ...", "what
    he says will be a memorial": the reported clause's subject is the relative pronoun, so the clause starts with
    its verb, and the parser reads the report verb as a noun, a subject or a relative clause. The words decide: a
    relative pronoun, a short subject, a report verb, a finite verb. So for an evaluation whose object is the
    relative pronoun ("what he called 'extreme measures'", "in what he described as a necessary act")."""
    doc, lem = s.doc, v.lemma_.lower()
    naming = lem in NAMING_VERBS  # "what he called 'extreme measures'", "which he described as ..."
    if (lem not in s.lex.verbs and not naming) or v.i + 1 >= len(doc) or s.in_quote[v.i] or \
            v.tag_ not in ("VBZ", "VBD", "VBP", "NNS"):
        return None
    nxt = doc[v.i + 1]
    finite = nxt.tag_ in FINITE_TAGS or nxt.lower_ in FINITE_WORDS
    if (naming and (finite or nxt.lower_ in ("for", "on", "upon", "it", "them", "him", "her"))) or (
            not naming and (not finite or nxt.lower_ in ("that", "to"))):
        return None
    k = v.i - 1
    while k >= 0 and doc[k].lower_ not in RELATIVES and doc[k].pos_ in SUBJECT_POS and v.i - k <= 6:
        k -= 1
    if k < 1 or doc[k].lower_ not in RELATIVES or k + 1 == v.i:
        return None
    subject = doc[k + 1:v.i]
    head = subject[-1]
    if (len(subject) == 1 and head.pos_ == "PRON" and head.lower_ not in ("he", "she", "they", "we", "it", "i")) \
            or not any(t.pos_ in ("NOUN", "PROPN", "PRON") for t in subject):
        return None
    end = next((t.i for t in doc[v.i + 1:] if t.text in (",", ";", ":", ".", ")") and not s.in_quote[t.i]), len(doc))
    before = k - 1 if doc[k - 1].text == "," else k
    if doc[k].lower_ == "what":
        pieces = [(k, k + 1)]
    else:
        start = before
        while start > 0 and doc[start - 1].pos_ in ("DET", "ADJ", "NOUN", "PROPN", "NUM") and not s.in_quote[start - 1]:
            start -= 1
        pieces = [(start, before)] if start < before else []
    text, quote = _content(s, *pieces, (v.i + 1 + (naming and nxt.lower_ == "as"), end))
    return Found((k + 1, v.i), (k + 1, v.i), head, v.text, v.i, text, quote) if text else None
