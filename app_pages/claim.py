"""Claim: one claim read in its article, who said it (editable), why it was flagged, the past fact-checks and
stored claims like it with the matcher's explanation, the same claim in other articles (with a button that
gives them this claim's verdict), the verdict form and the full history of changes.

The claim comes from the URL (`?id=123`, so the page can be shared) or from the Inbox, Review or Search page.
Previous / Next step through the claims in the Inbox's current order (its filters and sort)."""
import streamlit as st

from app_pages.common import (STATUS_COLOURS, as_text, attribution_text, band, get_bench, history_view,
                              require_reviewer, results_table, safe_url, sources_line, stop_on_error)
from app_pages.review_form import conflict, field_key, report_saved, review_form, seen_version, show_saved
from core.errors import NotFound, ReviewConflict, WorkbenchError

PREFIX = "claim"  # this page's widget keys: claim_verdict_12, claim_source_12, ...
QUOTES = ("reported", "direct", "none")
SOURCE_FIELDS = ("source", "cue", "quote", "content")  # the "Correct the source" form's

# The claim's sentence stands out from its neighbours with a left edge in its score band's colour.
CSS = """<style>
[class*="st-key-claim_sentence_high"] { border-left: 0.45rem solid #e4572e !important; }
[class*="st-key-claim_sentence_medium"] { border-left: 0.45rem solid #f3a712 !important; }
[class*="st-key-claim_sentence_low"] { border-left: 0.45rem solid #a0a4ab !important; }
</style>"""

bench = get_bench()


def key(field: str, claim_id: int) -> str:
    return field_key(PREFIX, field, claim_id)


def chosen_claim_id() -> int | None:
    """The URL's `id` wins (a shared link), else the claim another page opened."""
    raw = st.query_params.get("id", "")
    if raw.isdigit():
        st.session_state["detail_claim_id"] = int(raw)
    return st.session_state.get("detail_claim_id")


def badges(claim: dict) -> str:
    _, colour = band(claim["score"])
    out = [f":{colour}-badge[score {claim['score']:.3f}]", f":blue-badge[{as_text(claim['claim_type'])}]",
           f":{STATUS_COLOURS.get(claim['status'], 'gray')}-badge[{as_text(claim['status'])}]"]
    if claim["verdict"]:
        out.append(f":violet-badge[verdict: {as_text(claim['verdict'])}]")
    if claim["assignee"]:
        out.append(f":gray-badge[assigned to {as_text(claim['assignee'])}]")
    if claim["origin"] == "reviewer":
        out.append(":gray-badge[added by a reviewer]")
    return " ".join(out)


def context_block(claim: dict) -> None:
    with stop_on_error():
        context = bench.browse.context(claim["claim_id"])
    name, _ = band(claim["score"])
    for s in context:
        if s["is_target"]:
            with st.container(border=True, key=f"claim_sentence_{name}"):
                st.text(s["text"], width="stretch")
        elif s["kind"] == "furniture":
            st.caption(as_text(s["text"]))
        else:
            st.text(s["text"], width="stretch")
            if s.get("attributions"):
                st.caption(sources_line(s["attributions"]))
    if st.button("Read the whole article", key="claim_open_article", icon=":material/article:"):
        st.session_state["review_doc_id"] = claim["document_id"]
        st.switch_page("app_pages/review.py")


def attribution_form(claim: dict, seen: int) -> None:
    cid = claim["claim_id"]
    main = claim["attributions"][0] if claim["attributions"] else {}
    shown = {"source": main.get("resolved") or main.get("source") or "", "cue": main.get("cue") or "",
             "quote": main.get("quote") if main.get("quote") in QUOTES else "reported",
             "content": main.get("content") or ""}
    if main:
        edited = " (corrected by a reviewer)" if main.get("edited") else ""
        written = main.get("source") if main.get("resolved") and main.get("resolved") != main.get("source") else ""
        st.markdown(f"**{as_text(shown['source'] or '(no source)')}** — {as_text(shown['cue'])} — "
                    f"{as_text(shown['quote'])}{edited}"
                    + (f"  \n*written as:* {as_text(written)}" if written else ""))
    else:
        st.markdown("*No source named in this sentence.*")
    if claim["attributions"][1:]:  # the form corrects the first; the others are shown, each with its cue
        st.caption("Also: " + " · ".join(attribution_text(a) for a in claim["attributions"][1:]))
    with st.expander("Correct the source", icon=":material/edit:"):
        with st.form(key("attribution_form", cid), border=False):
            st.text_input("Source", value=shown["source"], key=key("source", cid))
            st.text_input("Cue", value=shown["cue"], key=key("cue", cid), help="The word that attributes: said, "
                          "according to, claimed …")
            st.radio("Speech", QUOTES, index=QUOTES.index(shown["quote"]), horizontal=True, key=key("quote", cid))
            st.text_area("Content", value=shown["content"], key=key("content", cid), height=80)
            submitted = st.form_submit_button("Save source", icon=":material/save:")
    if not submitted:
        return
    values = {f: st.session_state[key(f, cid)] for f in shown if st.session_state[key(f, cid)] != shown[f]}
    if not values:
        st.info("Nothing changed in the source.")
        return
    name = require_reviewer()
    if name is None:
        return
    try:
        state = bench.reviews.edit_attribution(claim["sentence_id"], values, reviewer=name, expected_version=seen)
    except ReviewConflict as exc:
        conflict(PREFIX, cid, exc, what="claim", also=SOURCE_FIELDS)
        return
    except WorkbenchError as exc:
        st.error(str(exc))
        return
    if state is not None:
        st.session_state[key("seen", cid)] = state["version"]
    for f in shown:
        st.session_state.pop(key(f, cid), None)
    report_saved(PREFIX, f"Saved the source of claim {cid}.")
    st.rerun()


def find_matches(claim: dict) -> list[dict] | None:
    """Past fact-checks and stored claims like this one; None (with the message shown) when matching failed."""
    try:
        with st.spinner("Looking for past fact-checks and similar claims…"):
            found = bench.matches.for_claim(claim["claim_id"], k=5)
    except (WorkbenchError, ImportError) as exc:
        st.error(str(exc))
        return None
    loading = bench.indexes.loading()
    if loading:  # a server that has just started: its indexes open in the background
        names = {"factcheck": "past fact-checks", "claim": "stored claims"}
        st.info("The search index of " + " and ".join(names[k] for k in sorted(loading)) + " is still loading "
                "after the server started: reload this page in a minute to see what it finds.",
                icon=":material/hourglass_top:")
    return found


def checked_before(matches: list[dict] | None) -> None:
    """Every past fact-check that matches, with its verdict, score and a link to read it."""
    if not matches:
        return
    found = [m for m in matches if m.get("kind") == "factcheck" and m.get("match")]
    if not found:
        st.caption("No past fact-check matches this claim; the closest are listed below.")
    for i, m in enumerate(found):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.info(f"**Checked before:** {as_text(m.get('verdict') or 'no verdict given')} · match score "
                    f"{m['score']:.2f}  \n{as_text(m.get('text'))}", icon=":material/history_edu:", width="stretch")
            url = safe_url(m.get("url"))
            if url:
                st.link_button("Read the fact-check", url, icon=":material/open_in_new:", key=f"claim_factcheck_{i}")


def inbox_position(claim_id: int) -> tuple[int | None, dict | None]:
    """(the claim's place in the Inbox's current order, that order) — (None, None) when the Inbox did not list it."""
    nav = st.session_state.get("inbox_nav")
    if not nav:
        return None, None
    if claim_id in nav["ids"]:
        return nav["offset"] + nav["ids"].index(claim_id), nav
    kept = st.session_state.get("claim_nav_pos")  # where Previous / Next last led, beyond the Inbox's page
    if kept and kept[0] == claim_id:
        return kept[1], nav
    return None, None


def go_to(claim_id: int, position: int) -> None:
    """Show another claim on this page (its id in the URL, as a shared link has it)."""
    st.session_state["claim_nav_pos"] = (int(claim_id), int(position))
    st.session_state["detail_claim_id"] = int(claim_id)
    st.query_params["id"] = str(int(claim_id))
    st.rerun()


def step_buttons(claim_id: int) -> None:
    """Previous / Next in the Inbox's current order (the claims around this one, read again from the database)."""
    position, nav = inbox_position(claim_id)
    if position is None:
        st.caption("Open a claim from the Inbox to step through its list with Previous / Next.")
        return
    with stop_on_error():
        start = max(0, position - 1)
        result = bench.browse.inbox(nav["filters"], order=nav["order"], limit=3, offset=start)
    ids = [r["claim_id"] for r in result["rows"]]
    here = position - start
    if here >= len(ids) or ids[here] != claim_id:  # the list changed under it: find it no more
        st.caption("This claim has left the Inbox's current list; go back to the Inbox to pick the next one.")
        return
    before = ids[here - 1] if here > 0 else None
    after = ids[here + 1] if here + 1 < len(ids) else None
    with st.container(horizontal=True, vertical_alignment="center"):
        if st.button("Previous", icon=":material/chevron_left:", key="claim_prev", disabled=before is None):
            go_to(before, position - 1)
        st.caption(f"{position + 1:,} of {result['total']:,} in the Inbox's order")
        if st.button("Next", icon=":material/chevron_right:", key="claim_next", disabled=after is None):
            go_to(after, position + 1)


def find_group(claim: dict) -> dict | None:
    """The same claim in other articles; None (with the message shown) when it could not be worked out."""
    try:
        return bench.matches.group(claim["claim_id"])
    except (WorkbenchError, ImportError) as exc:
        st.error(str(exc))
        return None


def group_block(claim: dict, group: dict | None) -> None:
    """"Seen in N articles, first on DATE", the claims that say the same, and a button that gives them this
    claim's verdict."""
    if group is None:
        return
    cid = claim["claim_id"]
    others = [m for m in group["members"] if m["claim_id"] != cid]
    if not others:
        st.caption("Not seen in any other stored article.")
        return
    n = group["articles"]
    st.markdown(f"**Seen in {n} article{'s' if n != 1 else ''}, first on {as_text(group['first_seen'])}**")
    st.dataframe([{"claim": m["claim_id"], "date": m["date"], "article": m["title"] or m["document"],
                   "status": m["status"], "verdict": m["verdict"], "similarity": m["similarity"], "text": m["text"]}
                  for m in group["members"]], hide_index=True, width="stretch",
                 column_config={"claim": st.column_config.NumberColumn("claim", format="%d", width="small"),
                                "similarity": st.column_config.NumberColumn("similarity", format="%.2f")})
    if not claim["verdict"]:
        st.caption("Save a verdict for this claim to give it to the others in one go.")
        return
    label = f"Apply this claim's verdict ({claim['verdict']}) to the {len(others)} other claim(s)"
    if not st.button(label, key=key("group_apply", cid), icon=":material/done_all:"):
        return
    name = require_reviewer()
    if name is None:
        return
    try:
        result = bench.reviews.apply_to_group(cid, reviewer=name,
                                              expected_versions={m["claim_id"]: m["version"] for m in others})
    except ReviewConflict as exc:
        st.warning(f"**Not applied:** {as_text(exc)}", icon=":material/sync_problem:")
        return
    except WorkbenchError as exc:
        st.error(str(exc))
        return
    already = result["unchanged"] - 1  # this claim is in the group and has the verdict
    report_saved(PREFIX, f"Gave {result['changed']} other claim(s) the verdict {claim['verdict']}"
                 + (f"; {already} had it already." if already else "."))
    st.rerun()


def evidence_links(claim: dict) -> None:
    links = [u for u in claim["evidence"].split() if u]
    if not links:
        return
    st.dataframe([{"evidence": safe_url(u) or "", "as written": u} for u in links], hide_index=True,
                 width="stretch", column_config={"evidence": st.column_config.LinkColumn("evidence")})


# --- the screen ----------------------------------------------------------------------------------------

st.html(CSS)
claim_id = chosen_claim_id()
if claim_id is None:
    st.title("Claim", anchor=False)
    st.info("Pick a claim on the Inbox page, or give its number.")
    st.page_link("app_pages/inbox.py", label="Go to the Inbox", icon=":material/inbox:")
    wanted = st.number_input("Claim number", min_value=1, step=1, value=None, key="claim_wanted")
    if wanted:
        st.session_state["detail_claim_id"] = int(wanted)
        st.rerun()
    st.stop()

try:
    claim = bench.browse.claim(claim_id)
except NotFound as exc:
    st.title("Claim", anchor=False)
    st.error(str(exc) + "; pick one on the Inbox page.")
    st.session_state.pop("detail_claim_id", None)
    st.query_params.pop("id", None)
    st.page_link("app_pages/inbox.py", label="Go to the Inbox", icon=":material/inbox:")
    st.stop()
except WorkbenchError as exc:
    st.error(str(exc))
    st.stop()
st.query_params["id"] = str(claim_id)

# The version this tab showed when the reviewer started (both forms save against it).
seen = seen_version(PREFIX, claim_id, claim["version"])

st.title(f"Claim {claim_id}", anchor=False)
step_buttons(claim_id)
show_saved(PREFIX)
st.markdown(badges(claim))
st.caption(" · ".join([as_text(claim["document"]), f"sentence {claim['sentence_index']}",
                       f"version {claim['version']}", f"added {claim['created_at'][:16].replace('T', ' ')}"]))

left, right = st.columns([3, 2], gap="large")
with left:
    st.subheader("In the article", anchor=False)
    context_block(claim)
    st.subheader("Source", anchor=False)
    attribution_form(claim, seen)
    if claim["reasons"]:
        st.caption("Flagged because: " + as_text(", ".join(claim["reasons"])))
    st.subheader("Checked before?", anchor=False)
    matches = find_matches(claim)
    checked_before(matches)
    st.subheader("In other articles", anchor=False)
    group_block(claim, find_group(claim))
with right:
    st.subheader("Review", anchor=False)
    review_form(PREFIX, claim_id, claim, what="claim", assignee=True, also_forget=SOURCE_FIELDS)
    evidence_links(claim)
    st.subheader("History", anchor=False)
    events = claim["history"]
    if events:
        history_view(events)
    else:
        st.caption("Not changed since it was found.")

if matches is not None:
    st.subheader("Past fact-checks and similar claims", anchor=False)
    weak = [m for m in matches if m.get("band") == "none"]
    show_weak = bool(weak) and st.toggle(f"Show {len(weak)} weak candidate(s)", key=key("weak", claim_id),
                                         help="Results in the 'none' band: unlikely to state the same claim.")
    shown = matches if show_weak else [m for m in matches if m.get("band") != "none"]
    if shown:
        results_table(shown)
        reranker = bench.reranker
        st.caption(f"The score of past fact-checks and stored claims alike is the probability that it states "
                   f"the same claim: match at {reranker.match_threshold:.2f} or more, possible at "
                   f"{reranker.possible_threshold:.2f}. Stored claims come from other articles.")
    elif matches:
        st.caption("Only weak candidates were found: nothing in this archive seems to state this claim.")
    else:
        st.caption("Nothing similar is stored yet. Import past fact-checks on the Ingest page.")
