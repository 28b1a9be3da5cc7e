"""Page text cleaning: split page text into blocks and label them body, headline or furniture.

Everything here is a pure function over strings. Furniture rules are patterns over *whole short
lines* (a line that merely mentions "newsletter" or "comments" in passing stays body), and every
regex is compiled once at import time. Offsets are exact: ``text[b.start:b.end]`` is the stripped
block text.

``html_to_text`` turns an HTML page into plain text (trafilatura first, a stdlib tag stripper as a
fallback). Scripts are never executed and their text is never kept.
"""
from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

from claims.pipeline.normalise import normalise_text
from claims.pipeline.types import Block

__all__ = ["clean", "html_to_text", "furniture_reason", "headline_reason", "line_spans", "strip_span", "is_strippable"]

# --------------------------------------------------------------------------------------------
# Lines and stripping
# --------------------------------------------------------------------------------------------

#: Line breaks: \r\n, \n, \r and the other characters str.splitlines() treats as breaks.
LINE_BREAK_RE = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")

#: Invisible characters that are stripped from block/sentence edges (besides str.isspace()).
_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad")


def is_strippable(ch: str) -> bool:
    """Whether a character is trimmed from the edges of blocks and sentences."""
    return ch.isspace() or ch in _INVISIBLE


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink text[start:end] past leading/trailing whitespace and zero-width characters."""
    while start < end and is_strippable(text[start]):
        start += 1
    while end > start and is_strippable(text[end - 1]):
        end -= 1
    return start, end


def _raw_lines(text: str):
    """(start, end) of every line, line break excluded, empty lines included."""
    pos = 0
    for m in LINE_BREAK_RE.finditer(text):
        yield pos, m.start()
        pos = m.end()
    yield pos, len(text)


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-empty line, stripped, with exact offsets into ``text``."""
    spans: list[tuple[int, int]] = []
    for ls, le in _raw_lines(text):
        s, e = strip_span(text, ls, le)
        if s < e:
            spans.append((s, e))
    return spans


# --------------------------------------------------------------------------------------------
# Furniture patterns (all matched against a whole, short, normalised line)
# --------------------------------------------------------------------------------------------

#: Lines longer than this are never furniture: furniture is short.
MAX_FURNITURE_LEN = 400

#: Inline ad/template placeholders such as "{mosads}" / "{/mosads}".
PLACEHOLDER_RE = re.compile(r"\{/?(?:mosads?|ads?|advert(?:isement)?|dfp[\w-]{0,30}|ad[-_]?slot[\w-]{0,30})\}", re.I)

#: Decoration stripped from both ends of a line before furniture patterns are tried.
_EDGE_LEAD = " \t-\u2013\u2014_|\u00b7\u2022*#>\u00bb\u00ab<[](){}~=\u25b6\u25ba\u2192"
_EDGE_TRAIL = _EDGE_LEAD + ".:!"

_AGENCY = (
    r"(?:getty(?:\s+images)?|afp|ap|the\s+associated\s+press|associated\s+press|reuters|epa(?:-efe)?|efe"
    r"|shutterstock|istock(?:photo)?|alamy|bloomberg|nurphoto|sopa\s+images|lightrocket|sipa(?:\s+usa)?"
    r"|zuma(?:\s+(?:press|wire))?|xinhua|pa(?:\s+(?:images|wire|media))?|corbis|anadolu(?:\s+agency)?"
    r"|pool|handout|wikimedia\s+commons|dreamstime|unsplash|tns|upi|imagn|usa\s+today\s+sports"
    r"|ap\s+images|afp\s+photo|kyodo|yonhap|tass|ansa|dpa)"
)
_AGENCY_PART_RE = re.compile(
    rf"(?:{_AGENCY})(?:\s+(?:photos?|images|pool|file|wire|contributor))*(?:\s+for\s+[^/|]{{1,60}})?"
    r"|(?:[\w.'\u2019&-]+\s+){0,3}(?:photo|photos|images)\s+(?:pool|file|handout)",
    re.I,
)
_CREDIT_SPLIT_RE = re.compile(r"\s*(?:/|\||\bvia\b)\s*", re.I)
_CREDIT_PREFIX_RE = re.compile(
    r"(?:(?:photo|photograph|picture|image|video|illustration|graphic|photo\s+illustration|cover)"
    r"(?:\s+credit)?|credits?|pictured)\s*(?::|/|\||\s+by\b)\s*.{1,200}",
    re.I,
)
_CAPTION_CREDIT_RE = re.compile(
    r".{0,300}\((?:[^()]{0,40}\bphoto\s*/\s*[^()]{1,80}|(?:photo|image|picture|video)(?:\s+credit)?\s*:\s*[^()]{1,80}"
    r"|[^()]{0,60}/\s*(?:getty\s+images|afp|reuters|shutterstock|ap|epa(?:-efe)?|alamy)[^()]{0,40})\)",
    re.I | re.S,
)
_MEDIA_LABEL_RE = re.compile(
    r"(?:image|images|photo|photos|picture|video|gallery|audio|play|play video|watch video|watch now|"
    r"enlarge(?: this)? image|toggle caption|hide caption|show caption|caption|expand|close|open image in gallery|"
    r"view (?:image|gallery|slideshow)|\d+ (?:photos|images|pictures)|slideshow)",
    re.I,
)
_AD_RE = re.compile(
    r"(?:advertisements?|advertising|advert|ad|ads|sponsored(?:\s+(?:content|links?|stories|posts?|by\s+.{1,60}))?"
    r"|paid\s+(?:content|post|partner(?:ship)?|for\s+by\s+.{1,80})|promoted(?:\s+(?:content|stories|links?|by\s+.{1,60}))?"
    r"|partner\s+content|presented\s+by\s+.{1,60}"
    r"|(?:the\s+)?(?:story|article)\s+continues\s+(?:below|after\s+(?:this\s+)?(?:ad|advertisement))(?:\s+advertisement)?"
    r"|continue\s+reading\s+(?:below|the\s+main\s+story)|skip\s+(?:advertisement|ad)"
    r"|scroll\s+(?:down\s+)?to\s+continue(?:\s+(?:with|reading)\s+(?:content|the\s+article))?"
    r"|remove\s+ads|ad\s+feedback|report\s+(?:this\s+)?ad|\[?ad\]?)",
    re.I,
)
_LOAD_MORE_RE = re.compile(r"(?:load|show|view|see)\s+(?:more|\d+\s+more)(?:\s+[\w'\u2019]+){0,3}", re.I)
_SEE_ALL_RE = re.compile(r"(?:see|view|show)\s+all(?:\s+[\w'\u2019]+){0,3}", re.I)
_MOST_POPULAR_RE = re.compile(
    r"(?:most\s+(?:popular|read|viewed|shared|e-?mailed|watched|commented|recent)(?:\s+(?:stories|articles|news|now|today|videos?))?"
    r"|trending(?:\s+(?:now|stories|news|topics|videos?))?|popular\s+(?:now|stories|articles|today|on\s+\S{1,40})"
    r"|top\s+(?:stories|news|videos|picks|headlines)|more\s+(?:stories|news|videos|coverage|top\s+stories|headlines)"
    r"|more\s+from\s+\S.{0,50}|editor(?:'|\u2019)?s(?:'|\u2019)?\s+(?:picks?|choice)"
    r"|you\s+(?:may|might)\s+(?:also\s+)?(?:like|enjoy|be\s+interested\s+in)"
    r"|latest(?:\s+(?:news|stories|videos|headlines))?|breaking\s+news|around\s+the\s+web"
    r"|from\s+(?:our|the)\s+partners?|up\s+next|next\s+up|watch\s+next|coming\s+up)",
    re.I,
)
_SEP = r"\s*[:\u203a\u00bb>|\u2013\u2014-]\s*"  # "Read more: ...", "Related | ..."
_READ_MORE_RE = re.compile(
    r"(?:read|see|watch|listen|read\s+(?:more|next|also)|see\s+(?:more|also)|also\s+(?:read|see)"
    r"|read\s+the\s+(?:full|latest|original)\s+(?:story|article|report)|more\s+on\s+this(?:\s+story)?)"
    rf"(?:{_SEP}.{{0,200}})?"
    r"|read\s+more\s+(?:about|on|at|from|here)\b.{0,150}|click\s+here\b.{0,150}|(?:learn|find\s+out)\s+more\b.{0,100}",
    re.I,
)
_RELATED_RE = re.compile(
    r"(?:related(?:\s+(?:articles?|stories|story|coverage|content|links|topics|news|videos?|reading))?"
    r"|further\s+reading|also\s+on\s+\S.{0,40})"
    rf"(?:{_SEP}.{{0,200}})?",
    re.I,
)
_RECOMMENDED_RE = re.compile(
    r"recommended(?:\s+(?:for\s+you|stories|articles|reading|videos?|content))?(?:\s*:\s*.{0,200})?", re.I
)
_NEWSLETTER_RES = (
    re.compile(
        r"(?:sign(?:[- ]?up|\s+me\s+up)|subscribe|join|register|opt[- ]in|get|enter\s+your\s+e-?mail)\b.{0,160}"
        r"\b(?:newsletters?|e-?mails?|e-?mail\s+address|inbox|alerts|briefings?|digest|mailing\s+list)\b.{0,120}",
        re.I,
    ),
    re.compile(r"(?:sign[- ]?up|subscribe)(?:\s+(?:now|today|here|for\s+free|free|to\s+.{1,100}|for\s+.{1,100}))?", re.I),
    re.compile(r"(?:[A-Z0-9][\w'\u2019&-]*\s+){0,4}(?:Newsletters?|NEWSLETTERS?)"),
    re.compile(
        r"(?:thanks|thank\s+you)\s+for\s+(?:signing\s+up|subscribing|registering).{0,120}"
        r"|you(?:'|\u2019)?re\s+(?:all\s+set|subscribed|signed\s+up|on\s+the\s+list).{0,120}"
        r"|already\s+(?:a\s+subscriber|have\s+an\s+account|subscribed).{0,80}"
        r"|by\s+(?:signing\s+up|subscribing|clicking|registering|submitting).{0,250}\b(?:privacy|terms|agree).{0,200}"
        r"|(?:enter\s+)?your\s+e-?mail(?:\s+address)?|e-?mail\s+address|(?:don(?:'|\u2019)t|never)\s+miss\s+"
        r"(?:a|an|out\s+on|the\s+latest)\b.{0,120}|want\s+more\b.{0,100}\b(?:newsletter|sign\s+up|subscribe|inbox)\b.{0,60}",
        re.I,
    ),
)
_SITE_LINKS_RE = re.compile(
    r"(?:privacy\s+policy|terms\s+of\s+(?:service|use)|cookie\s+(?:policy|settings|preferences)|manage\s+cookies"
    r"|do\s+not\s+sell\s+my\s+(?:personal\s+)?info(?:rmation)?|skip\s+to\s+(?:main\s+)?(?:content|navigation)"
    r"|back\s+to\s+top|menu|search|home|log\s*in|sign\s+in|log\s+out|sign\s+out|contact\s+us|about\s+us)",
    re.I,
)
_SOCIAL_RE = re.compile(
    r"follow(?:\s+(?:us|@\w{1,30}|[\w.'\u2019 -]{1,40}))?\s+on\s+(?:twitter|x|facebook|instagram|tiktok|linkedin|youtube|threads|bluesky)"
    r"(?:.{0,80})",
    re.I,
)
_COMMENT_RES = (
    re.compile(
        r".{0,120}\b(?:removed|disabled|closed|turned\s+off|suspended|shut\s+down)\s+(?:its\s+|the\s+|our\s+)?comments?"
        r"(?:\s+section)?\b.{0,250}\b(?:forums?|join\s+the\s+(?:discussion|conversation)|on\s+(?:facebook|twitter|social\s+media)).{0,150}",
        re.I,
    ),
    re.compile(
        r"comments?(?:\s+section)?\s+(?:are|is|have\s+been|has\s+been)\s+(?:now\s+|temporarily\s+)?"
        r"(?:closed|disabled|turned\s+off|not\s+available|unavailable|suspended)\b.{0,100}",
        re.I,
    ),
    re.compile(
        r"(?:\d+\s+)?comments?(?:\s*\(\d+\))?|(?:leave|post|add|write|view|show|hide|read|load|see)\s+(?:a\s+|the\s+|all\s+|\d+\s+)?comments?\b.{0,40}"
        r"|join\s+the\s+(?:discussion|conversation)\b.{0,100}|comment\s+on\s+this\s+(?:story|article)",
        re.I,
    ),
)
_SHARE_TOKEN = (
    r"(?:share\s+(?:on|via|to|with)\s+(?:facebook|twitter|x|linkedin|reddit|whatsapp|pinterest|e-?mail|messenger|flipboard|telegram|bluesky|threads)"
    r"|share\s+(?:this|the)\s+(?:article|story|page|post|video)|shares?|tweet(?:\s+this)?"
    r"|e-?mail(?:\s+this(?:\s+(?:article|story|page|link))?)?|print(?:\s+this(?:\s+(?:article|story|page))?)?"
    r"|copy(?:\s+(?:the\s+)?(?:link|url|article\s+link))?|link\s+copied|save(?:\s+(?:article|story|for\s+later))?"
    r"|gift(?:\s+this)?\s+article|facebook|twitter|x|linkedin|reddit|whatsapp|pinterest|pin(?:\s+it)?|flipboard"
    r"|telegram|messenger|bluesky|threads|sms)(?:\s*\(?\d+\)?)?"
)
# Atomic groups and an unambiguous separator keep this linear (no catastrophic backtracking).
_SHARE_RE = re.compile(
    rf"(?>{_SHARE_TOKEN})(?:(?>\s*[|\u00b7\u2022,/]\s*|\s+)(?>{_SHARE_TOKEN})){{0,12}}", re.I
)

# Bylines. Case-sensitive: names are capitalised.
_UP = "A-Z\u00c0-\u00d6\u00d8-\u00de"
_NAME_WORD = rf"(?:[{_UP}](?:[^\W\d_]|['\u2019-])*\.?|(?:de|da|van|von|der|del|la|le|al|bin|ibn|el|ben)(?=\s))"
_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}"
_NOT_A_NAME = (
    r"(?!(?:The|This|That|These|Those|Then|Now|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
    r"|January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Law|Contrast|Comparison|Far|Default|Design|Mistake"
    r"|Chance|Phone|Mail|Email|Car|Train|Plane|Air|Land|Sea|Noon|Midnight|Night|Day|Morning|Evening|All|Some"
    r"|Most|Many|Way|End|Then|Next|Late|Early|Mid|Year|Contrast|Nature|Definition|Order|Request)\b)"
)
_TRAILER = (
    r"(?:[A-Z\u00c0-\u00de][\w.&'\u2019-]*|of|the|and|for|at|in|&)"
    r"(?:\s+(?:[A-Z\u00c0-\u00de][\w.&'\u2019-]*|of|the|and|for|at|in|&)){0,7}"
)
_BYLINE_RES = (
    re.compile(
        rf"(?:By|BY)\s*:?\s+{_NOT_A_NAME}{_NAME}(?:\s*(?:,|and|&|AND)\s+{_NAME}){{0,4}}"
        rf"(?:\s*(?:,|\||\u2013|\u2014|-|\bof\b|\bfor\b|\bat\b|\bin\b)\s*{_TRAILER})?"  # "By X in Geneva"
    ),
    re.compile(
        rf"{_NAME}\s*(?:,|\||\u2013|\u2014|-)\s*(?:[A-Z][\w'\u2019-]*\s+){{0,3}}"
        r"(?:Staff\s+Writer|Staff\s+Reporter|Writer|Reporter|Correspondent|Editor|Contributor|Columnist|Producer"
        r"|Analyst|Bureau\s+Chief|Photographer|Staff)s?"
        rf"(?:\s*(?:,|\bat\b|\bfor\b|\bof\b)\s*{_TRAILER})?"
    ),
    re.compile(
        r"(?:written|story|words|text|reporting|additional\s+reporting|editing|edited|compiled|research|photos|photographs"
        r"|graphics|video)\s+by\b.{1,200}",
        re.I,
    ),
)
# Editor's notes about the page itself ("This article has been updated with a statement from ..."):
# factual-looking, but about the page, so never a claim.
_EDITORS_NOTE_RE = re.compile(
    r"this\s+(?:article|story|post|piece|page)\s+(?:has\s+been|was)\s+"
    r"(?:updated|corrected|amended|edited|changed)\b.{0,300}"
    r"|editor(?:'|\u2019)?s(?:'|\u2019)?\s+note\s*:.{0,380}"
    r"|an?\s+(?:earlier|previous)\s+version\s+of\s+this\s+(?:article|story|post)\b.{0,300}",
    re.I | re.S,
)
_READING_TIME_RE = re.compile(r"\d{1,3}\s*-?\s*min(?:ute)?s?\.?\s+read|listen(?:\s+to\s+(?:this\s+)?(?:article|story))?(?:\s*[\d:]+\s*(?:min(?:ute)?s?)?)?", re.I)
_COPYRIGHT_RES = (
    re.compile(r"(?:\u00a9|\(c\)|copyright\s*(?:\u00a9|\(c\))?\s*(?:\d{4}|\u00a9)).{0,300}", re.I | re.S),
    re.compile(r".{0,200}\ball\s+rights\s+reserved\b.{0,200}", re.I | re.S),
    re.compile(r".{0,120}\bmay\s+not\s+be\s+published,\s+broadcast,\s+rewritten,?\s+or\s+redistributed\b.{0,120}", re.I | re.S),
)

# Timestamps: a line made only of date/time tokens, with at least one digit.
_TS_TOKEN_RE = re.compile(r"\d+(?:st|nd|rd|th)?|[^\W\d_]+(?:\.[^\W\d_]+)*\.?|\S")
_TS_WORDS = frozenset(
    """
    updated published posted last first modified originally edited date time on at of the and
    jan jan. january feb feb. february mar mar. march apr apr. april may jun jun. june jul jul. july aug aug.
    august sep sep. sept sept. september oct oct. october nov nov. november dec dec. december
    mon mon. monday tue tue. tues tues. tuesday wed wed. wednesday thu thu. thur thurs thurs. thursday
    fri fri. friday sat sat. saturday sun sun. sunday
    am pm a.m. p.m. am. pm. a.m p.m
    et est edt ct cst cdt mt mst mdt pt pst pdt gmt bst utc cet cest ist aest aedt hkt jst sgt
    ago hour hours hr hrs minute minutes min mins second seconds sec secs day days week weeks month months year years
    h m s today yesterday
    """.split()
)
_TS_PUNCT = frozenset(",:/-|\u00b7\u2022.\u2013\u2014()")

_SMALL_WORDS = frozenset(
    "a an the and or but nor of in on at to for by with from as vs vs. via up into onto over per off out is are be".split()
)
_WORD_RE = re.compile(r"[^\W\d_][\w'\u2019.-]*|\d[\w.,%$-]*")
_HEADLINE_TERMINAL = frozenset(".;,:\u2026")  # lines ending in these are never headlines
_SENTENCE_TERMINAL = frozenset(".!?;,:\u2026\u3002\uff01\uff1f")
_STRONG_TERMINAL = frozenset("!?\u3002\uff01\uff1f")
_CLOSERS = frozenset("\"'\u201d\u2019\u00bb)]")
_BULLET_RE = re.compile(r"(?:[-*\u2022\u25aa\u25cf\u2013\u2014]|\d{1,3}[.)])\s")


def _core(line: str) -> str:
    """The line without edge decoration (brackets, dashes, bullets, trailing full stop)."""
    return line.lstrip(_EDGE_LEAD).rstrip(_EDGE_TRAIL).strip()


def _is_timestamp(core: str) -> bool:
    if len(core) > 80:
        return False
    has_digit = False
    for tok in _TS_TOKEN_RE.findall(core):
        low = tok.lower()
        if low[0].isdigit():
            if not low.isascii():
                return False
            has_digit = True
        elif low in _TS_WORDS or tok in _TS_PUNCT:
            continue
        else:
            return False
    return has_digit or core.lower() in ("just now", "yesterday", "today")


def _is_photo_credit(core: str) -> bool:
    if len(core) > 120:
        return False
    parts = [p for p in _CREDIT_SPLIT_RE.split(core) if p]
    if not parts or any(len(p.split()) > 7 for p in parts):
        return False
    return any(_AGENCY_PART_RE.fullmatch(p.strip(" ,;:")) for p in parts)


_FURNITURE_RULES: tuple[tuple[object, str], ...] = (
    (_AD_RE, "advertisement"),
    (_is_photo_credit, "photo credit"),
    (_CREDIT_PREFIX_RE, "photo credit"),
    (_MEDIA_LABEL_RE, "media label"),
    (_LOAD_MORE_RE, "load more"),
    (_SEE_ALL_RE, "see all"),
    (_MOST_POPULAR_RE, "most popular"),
    (_RECOMMENDED_RE, "recommended"),
    (_RELATED_RE, "related"),
    (_READ_MORE_RE, "read more"),
    *((r, "comment notice") for r in _COMMENT_RES),
    *((r, "newsletter") for r in _NEWSLETTER_RES),
    (_SOCIAL_RE, "social"),
    (_SHARE_RE, "share buttons"),
    (_READING_TIME_RE, "reading time"),
    (_EDITORS_NOTE_RE, "editor's note"),
    *((r, "byline") for r in _BYLINE_RES),
    (_is_timestamp, "timestamp"),
    *((r, "copyright") for r in _COPYRIGHT_RES),
    (_SITE_LINKS_RE, "site links"),
)


def furniture_reason(line: str) -> str:
    """The furniture label of one stripped line, or "" when it is not furniture."""
    if not line or len(line) > MAX_FURNITURE_LEN:
        return ""
    if not any(ch.isalnum() for ch in line):
        return "separator"
    if PLACEHOLDER_RE.fullmatch(line):
        return "ad placeholder"
    if _CAPTION_CREDIT_RE.fullmatch(line):
        return "photo caption"
    core = _core(line)
    if not core:
        return "separator"
    for rule, reason in _FURNITURE_RULES:
        if callable(rule):
            if rule(core):
                return reason
        elif rule.fullmatch(core):  # type: ignore[attr-defined]
            return reason
    return ""


def _ends_with_terminal(line: str, terminals: frozenset[str]) -> bool:
    i = len(line) - 1
    while i >= 0 and line[i] in _CLOSERS:
        i -= 1
    return i >= 0 and line[i] in terminals


def _title_case(words: list[str]) -> bool:
    cased = [w for w in words if w[0].isalpha() and (w[0].isupper() or w[0].islower())]
    if not cased or not cased[0][0].isupper():
        return False
    big = [w for w in cased[1:] if w.lower() not in _SMALL_WORDS]
    lower = sum(1 for w in big if w[0].islower())
    return lower == 0 or (len(big) >= 5 and lower <= len(big) // 5)


def headline_reason(line: str, first: bool) -> str:
    """Why a (non-furniture) stripped line is a headline, or "" when it is body text."""
    if len(line) > 200:
        return ""
    words = _WORD_RE.findall(line)
    if not words or not any(ch.isalpha() for ch in line):
        return ""
    starts_ok = line[0].isupper() or line[0].isdigit() or line[0] in "\"'\u201c\u2018\u00ab"
    if first and starts_ok and len(words) <= 20 and not _ends_with_terminal(line, _HEADLINE_TERMINAL):
        if _title_case(words) or len(words) <= 14:
            return "first line"
    if len(words) > 16 or len(line) > 160 or _ends_with_terminal(line, _SENTENCE_TERMINAL):
        return ""
    if line.isupper() and len(words) >= 1 and starts_ok:
        return "all caps"
    if _title_case(words):
        return "title case"
    return ""


# --------------------------------------------------------------------------------------------
# clean()
# --------------------------------------------------------------------------------------------


def _segments(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """Cut one line at ad placeholders: (start, end, is_placeholder) pieces, stripped, in order."""
    out: list[tuple[int, int, bool]] = []
    pos = start
    for m in PLACEHOLDER_RE.finditer(text, start, end):
        s, e = strip_span(text, pos, m.start())
        if s < e:
            out.append((s, e, False))
        out.append((m.start(), m.end(), True))
        pos = m.end()
    s, e = strip_span(text, pos, end)
    if s < e:
        out.append((s, e, False))
    return out


#: Words a sentence cannot end on: a line that stops on one was wrapped mid-sentence, even before a capital
#: ("... by the\nJustice Department", "... said Mayor\nAna Ruiz").
_CONTINUES = _SMALL_WORDS | frozenset(
    """that which who whose whom than was were has have had will would could should can may might must not its
    their his her our your this these those about after before between under against during including among
    through toward towards across amid within without whether if when while because although said says told
    Mr Mrs Ms Dr Prof Sen Rep Gov Gen Lt Col Capt Sgt Rev St Mayor President Senator Governor Secretary
    Minister Judge Chief Director Commissioner Chancellor Sheriff""".split()
) | {"&", "-", "\u2013", "\u2014"}


def _wrapped_mid_sentence(line: str) -> bool:
    """Whether a line stops where no sentence ends: on a function word, a title or a dash (or a hyphen)."""
    words = line.split()
    last = words[-1].rstrip(".") if words else ""
    return line.endswith(("-", "\u2013", "\u2014")) or last in _CONTINUES or last.lower() in _SMALL_WORDS


def _should_merge(text: str, prev: tuple[int, int], nxt: tuple[int, int]) -> bool:
    """Whether line ``nxt`` continues line ``prev`` (adjacent, no blank line): a hard-wrapped paragraph.

    A line in lower case continues the line before unless that one ended a sentence. A capitalised line starts
    a new block, as in pasted text with a sentence or a headline a line and no final punctuation, unless the
    line before is long and stops where no sentence ends ("... by the" / "Justice Department said").

    ``prev`` is the previous *line*, not the whole block built so far, so joining stays linear.
    """
    prev_line = text[prev[0] : prev[1]]
    if _BULLET_RE.match(text, nxt[0], nxt[1]):
        return False
    first = text[nxt[0]]
    if first.isalpha() and first.islower():
        return not _ends_with_terminal(prev_line, _STRONG_TERMINAL)
    return (len(prev_line) >= 50 and not _ends_with_terminal(prev_line, _SENTENCE_TERMINAL)
            and _wrapped_mid_sentence(prev_line))


def clean(text: str) -> list[Block]:
    """Split page text into blocks with exact offsets and label each body, headline or furniture.

    A block is a stripped non-empty line; consecutive body lines of a hard-wrapped paragraph (no
    blank line between, the first not ending a sentence) are joined into one block. Ad placeholders
    such as "{mosads}" become their own furniture blocks, wherever they sit in a line.
    """
    if not text:
        return []
    # Pass 1: pieces (start, end, kind, reason, line_no) in document order.
    pieces: list[tuple[int, int, str, str, int, bool]] = []  # ..., line_no, after_placeholder
    seen_content = False
    for line_no, (ls, le) in enumerate(_raw_lines(text)):
        s, e = strip_span(text, ls, le)
        if s >= e:
            continue
        after_placeholder = False
        for ps, pe, is_ph in _segments(text, s, e):
            if is_ph:
                pieces.append((ps, pe, "furniture", "ad placeholder", line_no, after_placeholder))
                after_placeholder = True
                continue
            piece = text[ps:pe]
            reason = furniture_reason(piece)
            if reason:
                kind = "furniture"
            else:
                reason = headline_reason(piece, first=not seen_content)
                kind = "headline" if reason else "body"
                seen_content = True
            pieces.append((ps, pe, kind, reason, line_no, after_placeholder))
            after_placeholder = False
    # Pass 2: join hard-wrapped body lines.
    blocks: list[Block] = []
    prev_line_no = -2
    prev_piece = (0, 0)
    for ps, pe, kind, reason, ln, after_ph in pieces:
        if (
            blocks
            and kind == "body"
            and not after_ph
            and ln == prev_line_no + 1
            and (
                blocks[-1].kind == "body"
                # a sentence-case "first line" that the next line continues in lower case was no headline
                or (blocks[-1].reason == "first line" and text[ps].islower())
            )
            and _should_merge(text, prev_piece, (ps, pe))
        ):
            blocks[-1] = Block(blocks[-1].start, pe, "body", "")
        else:
            blocks.append(Block(ps, pe, kind, reason))
        prev_line_no = ln
        prev_piece = (ps, pe)
    return blocks


# --------------------------------------------------------------------------------------------
# HTML -> text
# --------------------------------------------------------------------------------------------

_DROP_TAGS = frozenset(
    {"script", "style", "iframe", "noscript", "template", "svg", "math", "canvas", "object", "embed", "head",
     "nav", "form", "button", "select", "textarea"}
)
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "table", "section",
     "article", "header", "footer", "main", "aside", "blockquote", "pre", "figure", "figcaption", "dd", "dt", "dl",
     "hr", "address", "details", "summary", "body", "html", "title"}
)
_VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "area", "base", "col", "source", "track", "wbr"})
_HTML_SPACE_RE = re.compile(r"[ \t\r\n\f]+")


class _TagStripper(HTMLParser):
    """Collects visible text; drops script/style/iframe/noscript (and similar) with their content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _DROP_TAGS:
            if tag not in _VOID_TAGS:
                self.skip += 1
        elif tag in _BLOCK_TAGS and not self.skip:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag in _BLOCK_TAGS and not self.skip:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP_TAGS:
            if self.skip:
                self.skip -= 1
        elif tag in _BLOCK_TAGS and not self.skip:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(_HTML_SPACE_RE.sub(" ", data))


def _strip_tags(html: str) -> str:
    parser = _TagStripper()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient; be safe on pathological input anyway
        pass
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


_log = logging.getLogger(__name__)


def html_to_text(html: str) -> str:
    """Main text of an HTML page: trafilatura's extraction, else a plain tag stripper; normalised
    (`normalise_text`), so "&#8203;" or "&#x202e;" in the page leave nothing behind.

    Scripts are never executed, and neither path keeps script, style, iframe or noscript text.
    """
    if not html or not html.strip():
        return ""
    text = None
    try:
        import trafilatura

        text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    except Exception as exc:  # trafilatura can raise on malformed documents
        _log.debug("trafilatura failed: %s", exc)
        text = None
    # normalised here too, so a caller's "no text found" check sees what will be stored
    return normalise_text(text.strip() if text and text.strip() else _strip_tags(html)).strip()
