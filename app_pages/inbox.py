"""Inbox: the claims of every article in one list, most check-worthy first. Filter, page through, change the
status or assignee of many at once, open one. Filtering, sorting and paging run in the database, so a page of
100,000 claims costs what a page of 100 does."""
import hashlib
import math

import streamlit as st

from app_pages.common import claim_filters, filters_active, get_bench, initial, open_claim, require_reviewer, stop_on_error
from core.errors import WorkbenchError
from core.review import STATUSES

ORDERS = {"score": "Check-worthiness, highest first", "newest": "Newest first", "oldest": "Oldest first",
          "updated": "Recently changed first", "match": "Closest archive match first"}
PAGE_SIZES = (25, 50, 100, 200)
PAGE = "inbox_f_page"

bench = get_bench()


def first_page() -> None:
    st.session_state[PAGE] = 1


def step_page(delta: int) -> None:
    st.session_state[PAGE] = max(1, st.session_state.get(PAGE, 1) + delta)


def show_done() -> None:
    done = st.session_state.pop("inbox_done", None)
    if done:
        st.success(done, icon=":material/check:")


def match_notice() -> None:
    with stop_on_error():
        pending = bench.matches.pending()
    if not pending:
        return
    note, button = st.columns([5, 1], vertical_alignment="center")
    note.caption(f"{pending:,} claim(s) are not yet compared with the fact-check archive; the match filter and "
                 "column leave them out until they are.")
    if button.button("Match them now", key="inbox_match_now", icon=":material/sync:"):
        try:
            with st.spinner("Comparing claims with the archive…"):
                n = bench.matches.refresh()
        except (WorkbenchError, ImportError) as exc:
            st.error(str(exc))
            st.stop()
        st.session_state["inbox_done"] = f"Compared {n:,} claim(s) with the fact-check archive."
        st.rerun()


def table_rows(rows: list[dict]) -> list[dict]:
    return [{
        "claim": r["claim_id"], "score": r["score"], "text": r["text"], "status": r["status"],
        "verdict": r["verdict"], "source": r["source"], "type": r["claim_type"], "match": r["match_score"],
        "assigned": r["assignee"], "article": r["document_title"] or r["document"], "added": r["created_at"],
    } for r in rows]


TABLE_CONFIG = {
    "claim": st.column_config.NumberColumn("claim", format="%d", width="small"),
    "score": st.column_config.ProgressColumn("score", min_value=0.0, max_value=1.0, format="%.2f", width="small"),
    "match": st.column_config.NumberColumn("match", format="%.2f", width="small",
                                           help="Similarity of the closest past fact-check."),
    "text": st.column_config.TextColumn("text", width="large"),
    "added": st.column_config.DatetimeColumn("added", format="YYYY-MM-DD HH:mm"),
}


def bulk_form(selected: list[int], page_ids: list[int]) -> None:
    with st.form("inbox_bulk", border=True):
        st.markdown(f"**Change the {len(selected)} selected claim(s)**" if selected
                    else "**Change claims:** tick rows in the table, or take every claim on this page")
        cols = st.columns([1, 1, 1, 1], vertical_alignment="bottom")
        status = cols[0].selectbox("Set status", ["(unchanged)", *STATUSES], key="inbox_bulk_status")
        assignee = cols[1].text_input("Assign to", key="inbox_bulk_assignee", placeholder="(unchanged)")
        unassign = cols[2].checkbox("Remove the assignment", key="inbox_bulk_unassign")
        whole_page = cols[3].checkbox(f"Every claim on this page ({len(page_ids)})", key="inbox_bulk_page")
        applied = st.form_submit_button("Apply", icon=":material/done_all:")
    if not applied:
        return
    changes = {}
    if status != "(unchanged)":
        changes["status"] = status
    if unassign:
        changes["assignee"] = ""
    elif assignee.strip():
        changes["assignee"] = assignee.strip()
    targets = page_ids if whole_page else selected
    name = require_reviewer()
    if name is None:
        return
    try:
        result = bench.reviews.bulk(targets, changes, reviewer=name)
    except WorkbenchError as exc:
        st.error(str(exc))
        return
    st.session_state["inbox_done"] = (f"Changed {result['changed']} claim(s)"
                                      + (f"; {result['unchanged']} already had that." if result["unchanged"] else "."))
    st.session_state["inbox_generation"] = st.session_state.get("inbox_generation", 0) + 1  # clear the ticks
    for name in ("status", "assignee", "unassign", "page"):  # and the form
        st.session_state.pop(f"inbox_bulk_{name}", None)
    st.rerun()


def open_picker(rows: list[dict], selected: list[int], signature: str) -> None:
    ids = [r["claim_id"] for r in rows]
    texts = {r["claim_id"]: r["text"] for r in rows}
    preferred = selected[0] if len(selected) == 1 else ids[0]
    pick, go = st.columns([6, 1], vertical_alignment="bottom")
    chosen = pick.selectbox("Open a claim", ids, index=ids.index(preferred),
                            format_func=lambda i: f"#{i} · {texts[i][:110]}",
                            key=f"inbox_open_{signature}_{preferred}")
    if go.button("Open claim", type="primary", icon=":material/open_in_new:", key="inbox_open_button", width="stretch"):
        open_claim(chosen)


# --- the screen ----------------------------------------------------------------------------------------

st.title("Inbox", anchor=False)
show_done()

with stop_on_error():
    facets = bench.browse.facets()
if not facets["documents"]:
    st.info("No claims yet: ingest articles first.")
    st.page_link("app_pages/ingest.py", label="Ingest articles", icon=":material/upload_file:")
    st.stop()

with st.expander("Filters", icon=":material/filter_list:", expanded=filters_active("inbox_f_")):
    filters = claim_filters("inbox_f_", facets, bench.settings.verdicts, on_change=first_page)

order_col, size_col = st.columns([3, 1])
order = order_col.selectbox("Sort", list(ORDERS), format_func=ORDERS.get, key="inbox_f_order", on_change=first_page)
size = size_col.selectbox("Claims per page", PAGE_SIZES, key="inbox_f_size", on_change=first_page,
                          **initial("inbox_f_size", index=1))

page = max(1, int(st.session_state.get(PAGE, 1)))
with stop_on_error():
    result = bench.browse.inbox(filters, order=order, limit=size, offset=(page - 1) * size)
    pages = max(1, math.ceil(result["total"] / size))
    if page > pages:  # the filters shrank the list under the page the reviewer was on
        page = pages
        result = bench.browse.inbox(filters, order=order, limit=size, offset=(page - 1) * size)
st.session_state[PAGE] = page
rows, total = result["rows"], result["total"]

match_notice()

if not rows:
    st.info("No claim matches these filters.")
    st.stop()

first = (page - 1) * size
signature = hashlib.sha1(repr((sorted(filters.items(), key=str), order, size, page,
                               st.session_state.get("inbox_generation", 0))).encode()).hexdigest()[:10]
event = st.dataframe(table_rows(rows), hide_index=True, width="stretch", column_config=TABLE_CONFIG,
                     key=f"inbox_table_{signature}", on_select="rerun", selection_mode="multi-row")
selected = [rows[i]["claim_id"] for i in event.selection.rows if i < len(rows)]

nav = st.columns([1, 1, 1, 5], vertical_alignment="center")
nav[0].button("Previous", key="inbox_prev", icon=":material/chevron_left:", disabled=page <= 1,
              on_click=step_page, args=(-1,), width="stretch")
nav[1].button("Next", key="inbox_next", icon=":material/chevron_right:", disabled=page >= pages,
              on_click=step_page, args=(1,), width="stretch")
nav[2].number_input("Page", min_value=1, max_value=pages, step=1, key=PAGE, label_visibility="collapsed")
nav[3].caption(f"Claims {first + 1:,}–{first + len(rows):,} of {total:,} · page {page:,} of {pages:,}")

open_picker(rows, selected, signature)
bulk_form(selected, [r["claim_id"] for r in rows])
