"""Quotation marks in one parsed sentence: which tokens are quoted, and the text of token ranges as the
attribution rules report it (`claims.pipeline.attribution_rules`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from claims.pipeline.cues import Lexicon

OPEN_QUOTES, CLOSE_QUOTES, STRAIGHT_QUOTES = {"“", "‘", "«"}, {"”", "’", "»"}, {'"', "``", "''"}


SPANS_KEY = "claims.quote_spans"


class _Sent:
    """One parsed sentence with its quotation marks paired up."""

    def __init__(self, doc: "Doc", lex: Lexicon):
        spans = doc.user_data.get(SPANS_KEY)
        if spans is None:  # paired once per parse: the rules and the misread forms both ask
            spans = doc.user_data[SPANS_KEY] = _quote_spans(doc)
        self.doc, self.lex, self.spans = doc, lex, list(spans)
        self.in_quote = [False] * len(doc)
        self.closer: dict[int, int] = {}  # opening mark -> closing mark, both inside the sentence
        self.opener: dict[int, int] = {}
        for a, b in self.spans:
            self.in_quote[a + 1:b] = [True] * (b - a - 1)
            if a >= 0 and b < len(doc):
                self.closer[a], self.opener[b] = b, a



def _glued(doc: "Doc", t: "Token") -> bool:
    """A quotation glued to the colon or comma that introduces it ('said:"This', 'statement,"It is'; round 12)."""
    prev = doc[t.i - 1]
    return t.i + 1 < len(doc) and (prev.text == ":" or prev.text == "," and doc[t.i + 1].text[:1].isupper())


def _quote_spans(doc: "Doc") -> list[tuple[int, int]]:
    """(open, close) token indices of quotation marks; -1 or len(doc) where a quote crosses the sentence edge."""
    spans, open_i, open_char = [], None, ""
    for t in doc:
        if t.text in STRAIGHT_QUOTES:  # a straight quote opens when it sticks to the following word
            opening = t.text == "``" or (
                t.text == '"' and not t.whitespace_ and (t.i == 0 or bool(doc[t.i - 1].whitespace_) or _glued(doc, t)))
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
