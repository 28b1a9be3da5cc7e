"""What every page shares: the one Workbench, the reviewer's name, plain-text rendering and error display."""
from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from claims.service import Workbench
from claims.settings import load_settings
from claims.errors import WorkbenchError


@st.cache_resource(show_spinner=False)
def get_bench() -> Workbench:
    """The Workbench for this server process: settings from the environment, models loaded on first use."""
    return Workbench(load_settings())


# One Workbench serves every browser tab. Loading a model or syncing a FAISS index is not safe to do from
# two script threads at once, so the calls that may do either take this lock.
_MODEL_LOCK = threading.Lock()


@contextmanager
def one_at_a_time() -> Iterator[None]:
    with _MODEL_LOCK:
        yield


@contextmanager
def stop_on_error() -> Iterator[None]:
    """Show a Workbench error as the page's message and stop drawing the page."""
    try:
        yield
    except WorkbenchError as exc:
        st.error(str(exc))
        st.stop()


def reviewer_default() -> tuple[str, str]:
    """(name, where it came from): the trusted proxy header when configured and present, else the setting."""
    settings = get_bench().settings
    if settings.reviewer_header:
        name = (st.context.headers.get(settings.reviewer_header) or "").strip()
        if name:
            return name, "header"
    return settings.reviewer, "settings"


def reviewer() -> str:
    return st.session_state.get("reviewer", "") or ""


# Markdown punctuation (CommonMark lets any of it be backslash-escaped), plus Streamlit's own syntax:
# ':' starts emoji, icons and colour directives, '$' starts LaTeX.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$=])")


# GitHub-style autolinks ("www.x.org", "https://x", "a@b.org") are found in the text after escapes are
# undone, so escaping cannot stop them; an invisible word joiner (U+2060) after the trigger does.
_AUTOLINK_TRIGGER = re.compile(r"(?i)(\bwww(?=\.)|\b(?:https?|ftp|mailto|xmpp)(?=:)|@)")
WORD_JOINER = "\u2060"


def as_text(value) -> str:
    """`value` as Markdown that displays literally: no links, emphasis, HTML, LaTeX or directives run.

    For short text inside Markdown (a source's name, a caption); a sentence on its own goes to `st.text`."""
    text = "" if value is None else str(value)
    text = re.sub(r"(?m)^[ \t]+", "", text)  # an indented line would become a code block
    text = _AUTOLINK_TRIGGER.sub(lambda m: m.group(0) + WORD_JOINER, text)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe_url(url: str | None) -> str | None:
    """The URL when it is an http(s) link, else None (a `javascript:` link must never become clickable)."""
    url = (url or "").strip()
    return url if re.match(r"(?i)^https?://[^\s]+$", url) else None
