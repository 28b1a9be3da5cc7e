"""Rule-based sentence splitting with exact character offsets (no spaCy, linear time).

A boundary candidate is a run of terminal punctuation (``.``, ``!``, ``?``, ``…``, CJK ``。！？``)
with any closing quotes/brackets glued to it; the closing quote belongs to the sentence before, and so does a
bare speaker tag after it ('"... whatsoever." Harper said.': a full stop where the comma belonged).
A candidate is a boundary only when it is followed by whitespace (CJK terminals excepted) and the
next word does not start in lower case; after a full stop the word before it is checked against
abbreviation rules:

* honorifics and titles (Mr., Dr., Sen., Gen., St. ...) and e.g./i.e./vs. never end a sentence;
* "No.", "Vol.", "Fig." ... are abbreviations only before a number;
* other abbreviations (U.S., D.C., Inc., Jan., a.m., etc., initials such as "J.") end a sentence
  only when the next word is a common sentence starter (The, A, It, He, She, They, But, In ...)
  or an opening quote; so "in the U.S. The next" splits and "J. K. Rowling" does not.

Every scan is a single left-to-right pass with bounded look-behind/look-ahead windows, so a
200,000-character line without punctuation is split in linear time.
"""
from __future__ import annotations

import re

from claims.pipeline.clean import line_spans, strip_span
from claims.pipeline.types import Block, Sentence

__all__ = ["split_sentences", "split_lines", "sentence_spans"]

_CLOSE = "\"'\u201d\u2019\u201c\u2018\u00bb\u203a)\\]}\u300d\u300f\u3011\uff09"
_TERM = ".!?\u2026\u3002\uff01\uff1f\u203c\u2047\u2048\u2049\u061f\u0964\u0965"
#: A terminal character followed by any mix of terminals and closing quotes/brackets.
_CANDIDATE_RE = re.compile(f"[{_TERM}][{_TERM}{_CLOSE}]*")
_CJK_TERM = frozenset("\u3002\uff01\uff1f")
_STRONG_TERM = frozenset("!?\u203c\u2047\u2048\u2049\u061f\u0964\u0965")
_OPEN = "\"'\u201c\u2018\u00ab\u2039([{\u00bf\u00a1\u300c\u300e"
#: The next word after a candidate: optional opening quotes/brackets, then a word or one character.
_NEXT_RE = re.compile(f"\\s*([{_OPEN}]*)(\\w+|\\S)?")
_LOOKBACK = 40  # abbreviations are short; never look further back than this

#: Never end a sentence (titles before a name, Latin "e.g."-style abbreviations).
_NEVER_END = frozenset(
    """
    Mr Mrs Ms Mx Messrs Mmes Dr Drs Prof Profs Sen Sens Rep Reps Gov Govs Gen Lt Col Capt Cmdr Cdr Adm Maj Sgt
    Cpl Pvt Rev Revs Hon Pres Supt Insp Det Atty Amb Fr Msgr Sra Srta St Ste Mt Ft Brig Gens Lieut Cmdt Rt
    Spc Ens Mme Mlle
    MR MRS MS DR PROF SEN REP GOV GEN ST
    e.g i.e vs v cf viz approx ca al et seq
    E.g I.e Vs Cf Viz Approx
    """.split()
)
#: Abbreviations only when a number follows ("No. 2", "Vol. 3", "pp. 12").
_BEFORE_NUMBER = frozenset("No Nos no nos Vol vol Vols Fig fig Figs figs Art art Ch ch Sec sec Sect pp p Ex Nr nr Pt pt Op op".split())
#: Abbreviations that may end a sentence: a boundary only before a sentence starter or a quote.
_MAY_END = frozenset(
    """
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    Mon Tue Tues Wed Thu Thur Thurs Fri Sat Sun
    Inc Corp Ltd Co Cos Bros Jr Sr Plc plc LLC Llc LLP Assn Assoc Dept Univ Inst Intl Natl Gov't Govt
    etc al est dept univ approx misc
    Ala Ariz Ark Calif Colo Conn Fla Ill Kan Kans Ky Md Mich Minn Mont Neb Nebr Nev Okla Ore Tenn Tex Vt Wis Wyo
    Mass Wash
    Ave Blvd Rd Rte Hwy
    ft lb lbs oz km cm mm kg yr yrs hr hrs mins secs wk wks
    U.S U.K U.N E.U D.C a.m p.m A.M P.M U.S.A N.Y L.A
    """.split()
)
#: Capitalised words that commonly start a sentence; after "U.S." etc. they mark a boundary.
_STARTERS = frozenset(
    """
    The A An It Its It's He She They We I You His Her Their Our My Your Him Them Us
    But And Or So Yet Nor In On At After Before When While If As For Since Because Although Though
    This That These Those There Here Now Then Still However Meanwhile Moreover Also Instead Indeed
    Some Many Most Much Both Each All Every One Two Three Several Few No Not None Neither Either
    What Why How Who Whom Whose Where Which Whether During Despite Under Over With Without From By To
    Asked Later Earlier Today Yesterday Tomorrow Last Next Other Another Such Like Unlike Even Only Just
    Yes Officials Critics Experts Analysts Others
    """.split()
)
_INITIALISM_RE = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_NUMBER_RE = re.compile(r"[\d.,]*\d")


def _word_before(text: str, start: int, i: int) -> str:
    """The token ending at text[i] (exclusive), without leading quotes/brackets; bounded look-back."""
    lo = max(start, i - _LOOKBACK)
    j = i
    while j > lo and not text[j - 1].isspace():
        j -= 1
    word = text[j:i]
    return word.lstrip(_OPEN + "\u2014\u2013-/")


def _list_number(text: str, start: int, j: int) -> bool:
    """Whether the number starting at text[j] opens a list item: at the block start or after ':' / ';'."""
    k = j
    lo = max(start, j - _LOOKBACK)
    while k > lo and text[k - 1].isspace():
        k -= 1
    return k == start or text[k - 1] in ":;"


_CLOSE_QUOTES = "\"'\u201d\u2019\u00bb\u203a"
_SPEECH_VERBS = ("said|says|asked|asks|told|tells|added|adds|replied|replies|answered|wrote|writes|shouted|cried|"
                 "insisted|wondered|demanded|explained|recalled|exclaimed|continued|countered|joked|warned|snapped")
#: After a closing quote: a capitalised name of one to four words (titles included) and a speech verb, or the verb
#: and then the name ("said Dr. Ruiz").
_SPEAKER_AFTER_RE = re.compile(
    r"\s+(?:(?:[A-Z][\w\u2019'.-]*\s+){1,4}(?:" + _SPEECH_VERBS + r")|(?:" + _SPEECH_VERBS + r")\s+[A-Z])\b")


#: After a quotation closed by a full stop: only a speaker tag and nothing that could open a new report ("Harper
#: said." "Mr Swan said in a statement." "Sheehan told Salon."), so the tag is the quotation's, as the comma would
#: have made it. A tag followed by its own content ("Smith said the vote ...", "... said that ...") starts a sentence.
_TAG_VERBS = _SPEECH_VERBS + "|stated|reported|noted|commented|argued|claimed|announced|concluded|declared"
_TAG_AFTER_STOP_RE = re.compile(
    r"[ \t]+(?:[A-Z][\w\u2019'.-]*[ \t]+){1,4}(?:has[ \t]+|had[ \t]+)?(?:" + _TAG_VERBS + r")"
    r"(?:[ \t]+(?:in|on|at|to|during|after|before|from|yesterday|today|tonight|earlier|later|last|this|when|while|"
    r"commenting|speaking|adding)\b[^.!?\n\"\u201c\u201d]{0,60}?"
    r"|(?<=told)[ \t]+[A-Z][\w.'\u2019-]*(?:[ \t]+[A-Z][\w.'\u2019-]*){0,3}?)?[.!?](?:\s|$)")
_NOT_A_TAG_RE = re.compile(r"\b(?:that|whether|if|he|she|they|it|we|I)\b")


def _speaker_tag_follows(text: str, at: int, end: int) -> bool:
    """Whether text[at:] is only a speaker tag for the quotation before it (`_TAG_AFTER_STOP_RE`)."""
    m = _TAG_AFTER_STOP_RE.match(text, at, min(end, at + 140))
    if m is None:
        return False
    tail = text[at:m.end()]
    verb = re.search(r"\b(?:" + _TAG_VERBS + r")\b", tail)
    return verb is not None and not _NOT_A_TAG_RE.search(tail[verb.end():])


def _abbreviation_class(word: str) -> str:
    """'never', 'number', 'may' or '' for the word before a single full stop."""
    if not word:
        return ""
    if word in _NEVER_END:
        return "never"
    if word in _BEFORE_NUMBER:
        return "number"
    if word in _MAY_END:
        return "may"
    if len(word) == 1 and word.isalpha():
        return "may" if word.isupper() else "never"  # initial "J." / list letter "v."
    if _INITIALISM_RE.fullmatch(word):
        return "may"
    return ""


def _is_boundary(text: str, start: int, end: int, m: re.Match) -> bool:
    """Whether the terminal run ``m`` inside text[start:end] ends a sentence."""
    run_end = m.end()
    if run_end >= end:
        return True  # end of the block ends the sentence anyway
    run = m.group()
    following = text[run_end]
    cjk = any(ch in _CJK_TERM for ch in run)
    if not following.isspace() and not cjk:
        return False  # "U.S.-China", "3.5%", "e.g.,", "example.com", "?!"
    nm = _NEXT_RE.match(text, run_end, end)
    opener = nm.group(1) if nm else ""
    nxt = nm.group(2) if nm else None
    if not nxt:
        return True  # only whitespace left in the block
    first = nxt[0]
    if first.isalpha() and first.islower():
        return False  # “... actions.” she said / e.g. something / approx. five
    if run[-1] in _CLOSE_QUOTES and any(ch in "?!\u2026" for ch in run) and _SPEAKER_AFTER_RE.match(text, run_end, min(end, run_end + 120)):
        return False  # “Who pays for this?” Kowalski asked. — the speaker belongs to the quote's sentence
    if run[-1] in _CLOSE_QUOTES and run.count(".") == 1 and _speaker_tag_follows(text, run_end, end):
        return False  # "... whatsoever." Harper said. — a full stop where the comma belonged
    if cjk or any(ch in _STRONG_TERM for ch in run):
        return True
    stops = sum(1 for ch in run if ch == ".")
    if "\u2026" in run or stops >= 2:
        # ellipsis: a new sentence only when a capitalised word (or a quote) follows
        return first.isupper() or (bool(opener) and not first.isdigit())
    # a single full stop: look at the word before it
    i = m.start()
    word = _word_before(text, start, i)
    if word.isdigit() and len(word) <= 2 and _list_number(text, start, i - len(word)):
        return False  # "1. Do this." / "Steps: 2. Do that." — a list number, not a sentence
    cls = _abbreviation_class(word)
    if not cls:
        return True
    if first.isdigit():
        return False  # "Nov. 3", "No. 2", "p.m. 5"
    if cls == "never":
        return False
    if cls == "number":
        return True  # "No. The answer is no." — "No" only abbreviates before a number
    # 'may': only before a common sentence starter or an opening quote
    return nxt in _STARTERS or (bool(opener) and opener[-1] not in "([{")


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence inside text[start:end], stripped, in order."""
    start = max(0, start)
    end = min(len(text), end)
    spans: list[tuple[int, int]] = []
    if start >= end:
        return spans
    cur = start
    for m in _CANDIDATE_RE.finditer(text, start, end):
        if m.end() <= cur:
            continue
        if _is_boundary(text, start, end, m):
            s, e = strip_span(text, cur, m.end())
            if s < e:
                spans.append((s, e))
            cur = m.end()
    s, e = strip_span(text, cur, end)
    if s < e:
        spans.append((s, e))
    return spans


def split_sentences(text: str, blocks: list[Block]) -> list[Sentence]:
    """Sentences of every block, in document order; they never cross blocks and carry its kind."""
    out: list[Sentence] = []
    if not text:
        return out
    for block in sorted(blocks, key=lambda b: (b.start, b.end)):
        for s, e in sentence_spans(text, block.start, block.end):
            out.append(Sentence(len(out), text[s:e], s, e, block.kind))
    return out


def split_lines(text: str) -> list[Sentence]:
    """One sentence per non-empty line (stripped, exact offsets), kind "body"."""
    return [Sentence(i, text[s:e], s, e, "body") for i, (s, e) in enumerate(line_spans(text or ""))]
