"""What every page shares: the one Workbench, the reviewer's name, plain-text rendering and error display."""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from claims.services.workbench import Workbench
from core.settings import load_settings
from core.errors import WorkbenchError
from core.review import STATUSES


@st.cache_resource(show_spinner=False)
def get_bench() -> Workbench:
    """The Workbench for this server process: settings from the environment, models loaded on first use. It
    serves every browser tab; its own lock keeps model loading, index syncing and pipeline runs one at a time.
    The search indexes open in the background from the start: no reviewer waits for them (the Claim page says
    what is still opening)."""
    bench = Workbench(load_settings())
    bench.indexes.warm()
    return bench


@contextmanager
def stop_on_error() -> Iterator[None]:
    """Show a Workbench error as the page's message and stop drawing the page."""
    try:
        yield
    except WorkbenchError as exc:
        st.error(str(exc))
        st.stop()


#: The cookie that keeps a typed reviewer name across reloads and tabs (set in the browser, read by the server).
REVIEWER_COOKIE = "claims_reviewer"

# Written into the page once: when the reviewer commits a name (Enter or leaving the box), the browser keeps it
# in a cookie for a year. The script holds no user text: it reads the box's own value.
_KEEP_NAME_JS = """<script>
(function () {
  if (window.__claimsKeepName) { return; }
  window.__claimsKeepName = true;
  function keep(ev) {
    var box = ev.target;
    if (!box || box.tagName !== "INPUT" || box.getAttribute("aria-label") !== "Reviewer" || box.disabled) { return; }
    if (ev.type === "keydown" && ev.key !== "Enter") { return; }
    document.cookie = "%s=" + encodeURIComponent(box.value.trim().slice(0, 100))
      + "; path=/; max-age=31536000; SameSite=Strict";
  }
  document.addEventListener("keydown", keep, true);
  document.addEventListener("focusout", keep, true);
})();
</script>""" % REVIEWER_COOKIE


def header_name() -> str | None:
    """The name the trusted proxy header gives ("" when it is missing); None when no header is trusted."""
    settings = get_bench().settings
    if not settings.reviewer_header:
        return None
    return (st.context.headers.get(settings.reviewer_header) or "").strip()


def kept_name() -> str:
    """The name this browser typed before (the cookie), "" if none."""
    from urllib.parse import unquote

    raw = st.context.cookies.get(REVIEWER_COOKIE)
    return unquote(raw).strip()[:100] if isinstance(raw, str) else ""


def reviewer_default() -> tuple[str, str]:
    """(name, where it came from): "header" when a proxy header is trusted (then only it counts, present or
    not), else "cookie" for the name this browser kept, else "settings" (CLAIMS_REVIEWER or $USER, maybe "")."""
    from_header = header_name()
    if from_header is not None:
        return from_header, "header"
    kept = kept_name()
    if kept:
        return kept, "cookie"
    return get_bench().settings.reviewer, "settings"


def reviewer_sidebar() -> None:
    """The sidebar's Reviewer box: the proxy's name (not editable) or the name this browser keeps."""
    name, source = reviewer_default()
    if source == "header":
        # Named by the sign-in proxy: the reviewer cannot type someone else's name.
        st.session_state["reviewer"] = name
        st.text_input("Reviewer", key="reviewer", disabled=True, help="Set by your sign-in.")
        if not name:
            st.error("Your sign-in did not name you, so nothing can be saved: open the app through the "
                     "sign-in proxy again.", icon=":material/person_off:")
        return
    st.session_state.setdefault("reviewer", name)
    st.text_input("Reviewer", key="reviewer", max_chars=100, placeholder="your name",
                  help="Saved with every review you make; this browser remembers it.")
    st.html(_KEEP_NAME_JS, unsafe_allow_javascript=True)
    if not reviewer():
        st.warning("Type your name (and press Enter) before you save a review.", icon=":material/person:")


def reviewer() -> str:
    """The reviewer's name for this tab: the proxy header's when one is trusted, else what the box holds."""
    from_header = header_name()
    if from_header is not None:
        return from_header
    return (st.session_state.get("reviewer", "") or "").strip()


def require_reviewer() -> str | None:
    """The reviewer's name, or None with the reason shown: a save must say who made it."""
    name = reviewer()
    if not name:
        if header_name() is not None:
            st.error("Not saved: your sign-in did not name you. Open the app through the sign-in proxy again.",
                     icon=":material/person_off:")
        else:
            st.error("Not saved: type your name under Reviewer in the sidebar first (every save records who "
                     "made it).", icon=":material/person:")
    return name or None


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


def attribution_text(a: dict) -> str:
    """One attribution as Markdown that displays literally: **source** — cue (direct quote|reported), the
    resolved name where there is one; "(corrected)" when a reviewer edited it."""
    source = a.get("resolved") or a.get("source") or "(no source)"
    quote = "direct quote" if a.get("quote") == "direct" else (a.get("quote") or "")
    cue = f" — {as_text(a['cue'])}" if a.get("cue") else ""
    return (f"**{as_text(source)}**{cue}" + (f" ({as_text(quote)})" if quote else "")
            + (" (corrected)" if a.get("edited") else ""))


def sources_line(attributions: list[dict]) -> str:
    """Every attribution of a sentence on one compact line ("Source: …" / "Sources: … · …"); "" for none."""
    if not attributions:
        return ""
    label = "Source: " if len(attributions) == 1 else "Sources: "
    return label + " · ".join(attribution_text(a) for a in attributions)


def safe_url(url: str | None) -> str | None:
    """The URL when it is an http(s) link, else None (a `javascript:` link must never become clickable)."""
    url = (url or "").strip()
    return url if re.match(r"(?i)^https?://[^\s]+$", url) else None


# --- shared by the workbench pages ---------------------------------------------------------------------

# the first status (new) grey, the last (dismissed) red, every one between green: no status is named here
STATUS_COLOURS = {status: "gray" if i == 0 else "red" if i == len(STATUSES) - 1 else "green"
                  for i, status in enumerate(STATUSES)}
BANDS = ((0.8, "high", "red"), (0.5, "medium", "orange"), (0.0, "low", "gray"))
MATCH_CHOICES = {"any": "Any", "yes": "Has a match", "no": "No match", "alert": "Raised an alert"}

#: Widget keys with these prefixes keep their values when the reviewer visits another page and comes back
#: (app.py re-saves them on every run; Streamlit drops the values of widgets a page run did not draw).
KEPT_PREFIXES = ("inbox_f_", "export_f_", "search_f_")


def keep_page_choices() -> None:
    for key in [k for k in st.session_state if str(k).startswith(KEPT_PREFIXES)]:
        st.session_state[key] = st.session_state[key]


def initial(key: str, **value) -> dict:
    """The widget's starting value, only while it has none: a kept value must not meet a default."""
    return {} if key in st.session_state else value


def band(score: float) -> tuple[str, str]:
    """(name, colour) of a check-worthiness score's band."""
    return next((name, colour) for floor, name, colour in BANDS if score >= floor)


def open_claim(claim_id: int) -> None:
    """Go to the Claim page for one claim (its id also goes in the URL, so the page can be shared)."""
    st.session_state["detail_claim_id"] = int(claim_id)
    st.switch_page("app_pages/claim.py", query_params={"id": str(int(claim_id))})


def claim_filters(prefix: str, facets: dict, verdicts: tuple[str, ...], *, on_change=None, bind=None) -> dict:
    """Draw the claim filters (status, type, verdict, match, score, source, text, document, dates, assignee)
    and return them as the service's filter dict. Widget keys start with `prefix`; with bind="query-params"
    each filter also lives in the URL under its key, so a filtered list can be bookmarked and shared."""
    docs = {d["id"]: (d["title"] or d["name"]) for d in facets["documents"]}
    verdict_options = ["(none)", *verdicts, *[v for v in facets["verdicts"] if v not in verdicts]]
    k = lambda name: f"{prefix}{name}"  # noqa: E731
    # a kept choice that is no longer offered (a document gone, say) is dropped, not an error
    for name, offered in (("statuses", STATUSES), ("claim_types", facets["claim_types"]),
                          ("verdicts", verdict_options), ("documents", docs)):
        if k(name) in st.session_state:
            st.session_state[k(name)] = [v for v in st.session_state[k(name)] if v in offered]
    assignees = ["(anyone)", "(nobody)", *facets["assignees"]]
    if st.session_state.get(k("assignee"), "(anyone)") not in assignees:
        st.session_state[k("assignee")] = "(anyone)"

    row1 = st.columns(4)
    statuses = row1[0].multiselect("Status", STATUSES, key=k("statuses"), on_change=on_change, bind=bind,
                                   placeholder="any status")
    types = row1[1].multiselect("Claim type", facets["claim_types"], key=k("claim_types"), on_change=on_change, bind=bind,
                                placeholder="any type")
    chosen_verdicts = row1[2].multiselect("Verdict", verdict_options, key=k("verdicts"), on_change=on_change, bind=bind,
                                          placeholder="any verdict")
    match = row1[3].selectbox("Archive match", list(MATCH_CHOICES), format_func=MATCH_CHOICES.get,
                              key=k("match"), on_change=on_change, bind=bind,
                              help="Whether a past fact-check is at or above the match threshold.")
    row2 = st.columns(4)
    low, high = row2[0].slider("Check-worthiness", 0.0, 1.0, step=0.05, key=k("score"), on_change=on_change, bind=bind,
                               **initial(k("score"), value=(0.0, 1.0)))
    source = row2[1].text_input("Source contains", key=k("source"), on_change=on_change, bind=bind)
    text = row2[2].text_input("Text contains", key=k("text"), on_change=on_change, bind=bind)
    assignee = row2[3].selectbox("Assigned to", assignees, key=k("assignee"), on_change=on_change, bind=bind)
    row3 = st.columns([2, 1, 1])
    documents = row3[0].multiselect("Article", list(docs), format_func=docs.get, key=k("documents"),
                                    on_change=on_change, bind=bind, placeholder="any article")
    date_from = row3[1].date_input("Added from", key=k("from"), on_change=on_change, bind=bind,
                                   **initial(k("from"), value=None))
    date_to = row3[2].date_input("Added until", key=k("to"), on_change=on_change, bind=bind, **initial(k("to"), value=None))
    return {
        "statuses": statuses, "claim_types": types, "verdicts": chosen_verdicts,
        "has_match": {"any": None, "yes": True, "no": False, "alert": None}[match],
        "has_alert": True if match == "alert" else None,
        "min_score": low if low > 0 else None, "max_score": high if high < 1 else None,
        "source": source.strip(), "text": text.strip(),
        "assignee": "" if assignee == "(anyone)" else assignee,
        "document_ids": documents, "date_from": date_from, "date_to": date_to,
    }


def filters_active(prefix: str) -> bool:
    """Whether any of the claim filters drawn with `prefix` holds something other than "any"."""
    neutral = {"statuses": [], "claim_types": [], "verdicts": [], "match": "any", "score": (0.0, 1.0),
               "source": "", "text": "", "assignee": "(anyone)", "documents": [], "from": None, "to": None}
    state = st.session_state
    return any(state.get(prefix + name, value) not in (value, list(value) if isinstance(value, tuple) else value)
               for name, value in neutral.items())


def result_rows(results: list[dict]) -> list[dict]:
    """Table rows for search or match results with every explanation the matcher gives (its score and band,
    its reason, cosine, the share of words in common, shared numbers and names, warnings ...); links only where
    they are http(s)."""
    named = {"dense": "cosine", "words_shared": "words shared", "shared_numbers": "shared numbers",
             "shared_entities": "shared names"}
    skip = {"kind", "id", "text", "score", "verdict", "url", "match", "document", "speaker", "date", "band"}
    rows = []
    for m in results:
        row = {
            "match": "✔" if m.get("match") else "",
            "score": m.get("score"),
            "band": m.get("band") or "",
            "kind": "past fact-check" if m.get("kind") == "factcheck" else "stored claim",
            "verdict": m.get("verdict") or "",
            "claim": m.get("text", ""),
            "from": m.get("document") or m.get("speaker") or "",
            "date": m.get("date") or "",
        }
        for key, value in m.items():  # whatever else the matcher explains itself with
            if key not in skip:
                number = value is None or isinstance(value, (int, float)) and not isinstance(value, bool)
                plain = value if number else _joined(value)
                row[named.get(key, key.replace("_", " "))] = plain
        row["link"] = safe_url(m.get("url"))
        rows.append(row)
    # a column no result fills says nothing
    columns = dict.fromkeys(c for r in rows for c in r)
    empty = {c for c in columns if c not in ("match", "score", "kind", "claim", "link")
             and not any(r.get(c) not in (None, "") for r in rows)}
    return [{c: r.get(c) for c in columns if c not in empty} for r in rows]


def _joined(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def results_table(results: list[dict], *, key: str | None = None):
    """Search or match results as a table; returns the selection event when `key` is given."""
    config = {"score": st.column_config.NumberColumn(format="%.2f"),
              "cosine": st.column_config.NumberColumn(format="%.2f"),
              "words shared": st.column_config.NumberColumn(format="percent"),
              "claim": st.column_config.TextColumn(width="large"),
              "link": st.column_config.LinkColumn("link")}
    rows = result_rows(results)
    if key is None:
        return st.dataframe(rows, hide_index=True, width="stretch", column_config=config)
    return st.dataframe(rows, hide_index=True, width="stretch", column_config=config, key=key,
                        on_select="rerun", selection_mode="single-row")


def history_rows(events: list[dict]) -> list[dict]:
    """A claim's history as table rows: when, who, which version, what changed from what to what."""
    return [{
        "when": e["at"].strftime("%Y-%m-%d %H:%M") if e["at"] else "",
        "who": e["reviewer"] or "(unknown)",
        "version": e["version"],
        "what": "; ".join(f"{field}: {old or '(empty)'} → {new or '(empty)'}"
                          for field, (old, new) in e["changes"].items()),
    } for e in events]


def history_view(events: list[dict], *, newest_first: bool = True) -> None:
    """A claim's history, readable in full: per change one line of when, who and version, then each field that
    changed with its old and new value (wrapped, never cut off)."""
    for e in (reversed(events) if newest_first else events):
        row = history_rows([e])[0]
        st.caption(f"{as_text(row['when'])} · **{as_text(row['who'])}** · version {row['version']}")
        st.markdown("\n".join(f"- {as_text(field)}: {as_text(old or '(empty)')} → {as_text(new or '(empty)')}"
                              for field, (old, new) in e["changes"].items()) or "- (no field changed)")


def conflict_notice(claim_id: int, exc, *, what: str, key_of, forget, accept) -> None:
    """Someone saved this claim after the tab opened it: say who and what they saved, and offer both ways on.

    `exc` is the ReviewConflict; key_of(field, claim_id) names this page's widgets; forget(claim_id) drops the
    tab's edits, accept(claim_id, version) lets the next save replace theirs."""
    theirs = exc.current
    st.warning(
        f"**Not saved:** {as_text(theirs.get('reviewer') or 'someone')} saved version {theirs.get('version')} "
        f"of this {what} after you opened it. Their version:  \n"
        f"status: {as_text(theirs.get('status'))} · verdict: {as_text(theirs.get('verdict') or '(none)')} · "
        f"assigned to: {as_text(theirs.get('assignee') or '(nobody)')}  \n"
        f"rationale: {as_text(theirs.get('rationale') or '(none)')}  \n"
        f"evidence: {as_text(theirs.get('evidence') or '(none)')}",
        icon=":material/sync_problem:",
    )
    with st.container(horizontal=True):
        st.button("Discard my edits and load their version", key=key_of("reload", claim_id),
                  on_click=forget, args=(claim_id,))
        st.button("Keep my edits: the next Save replaces theirs", key=key_of("override", claim_id),
                  on_click=accept, args=(claim_id, theirs.get("version")))
