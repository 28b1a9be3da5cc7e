"""Text normalisation, decided once: what every article's text, title and name become before anything is
scored, stored or exported.

``normalise_text`` is applied by the readers (`claims.io.readers`: every file, folder, feed, URL, standard
input, pasted text and upload) and again, idempotently, by ``Pipeline.run``, so the stored text is the
normalised text and every sentence offset points into it exactly.
"""
from __future__ import annotations

import re

__all__ = ["normalise_text", "REMOVED", "LINE_BREAKS"]

#: Control characters that break a line (vertical tab, the file/group/record separators, NEL): each becomes
#: "\n", so the words on either side stay apart and the line structure the cleaner sees is unchanged.
LINE_BREAKS = "\x0b\x1c\x1d\x1e\x85"

#: Characters removed outright: the other C0 controls (tab, newline, carriage return and form feed stay), DEL,
#: the other C1 controls, zero-width characters (U+200B-U+200D, U+2060, U+FEFF anywhere), the soft hyphen and
#: invisible operators (U+00AD, U+2061-U+2064), bidirectional controls (U+200E, U+200F, U+202A-U+202E,
#: U+2066-U+2069, U+061C), and lone surrogates (which a JSON "\ud800" escape makes and no database stores).
REMOVED = (
    "\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f"
    "\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\ud800-\udfff"
)

_REMOVED_RE = re.compile(f"[{REMOVED}]+")
_BREAK_RE = re.compile(f"[{LINE_BREAKS}]")


def normalise_text(text: str) -> str:
    """``text`` without control, zero-width and bidi characters (see ``REMOVED``), line-breaking controls
    turned into "\\n" (see ``LINE_BREAKS``). Idempotent; nothing else changes (no Unicode normal form, no
    whitespace folding), so a text without those characters comes back as it is."""
    return _BREAK_RE.sub("\n", _REMOVED_RE.sub("", text))
