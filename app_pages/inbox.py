"""Inbox: the claims of every article in one list, most check-worthy first. Filter, page through, change the
status or assignee of many at once, open one. Filtering, sorting and paging run in the database, so a page of
100,000 claims costs what a page of 100 does. The filters, the order and "assigned to me" live in the URL
(`?inbox_f_statuses=new&inbox_f_mine=true`), so a filtered Inbox can be bookmarked and shared."""
import hashlib
import math

import streamlit as st

from app_pages.common import (as_text, claim_filters, filters_active, get_bench, initial, open_claim, require_reviewer, reviewer,
                              stop_on_error)
from core.errors import WorkbenchError
from core.review import STATUSES

ORDERS = {"score": "Check-worthiness, highest first", "newest": "Newest first", "oldest": "Oldest first",
          "updated": "Recently changed first", "match": "Closest archive match first"}
#: One line under the list on what its order means (the scores are compared at full precision).
ORDER_NOTES = {
    "score": "Most check-worthy first: ordered by the detector's score at full precision (equal scores: newest "
             "first), so \"rank\" tells apart claims whose rounded scores look the same.",
    "newest": "Newest claims first, in the order they were stored.",
    "oldest": "Oldest claims first, in the order they were stored.",
    "updated": "The claims whose review changed most recently first.",
    "match": "Claims closest to a past fact-check first (claims not yet compared last).",
}
PAGE_SIZES = (25, 50, 100, 200)
PAGE = "inbox_f_page"
BIND = "query-params"  # the Inbox's choices are kept in its URL
#: Where the Claim page finds the Inbox's order for its Previous / Next buttons (UI choices, not data).
NAV = "inbox_nav"

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


def article_date(row: dict) -> str:
    """The article's own date (as the feed or page gave it, ISO dates cut to the day), else the day stored."""
    published = (row.get("document_date") or "").strip()
    if published[:4].isdigit() and published[4:5] == "-":
        return published[:10]
    added = row["created_at"]
    return published or (added.strftime("%Y-%m-%d") if added else "")


def table_rows(rows: list[dict], first: int) -> list[dict]:
    """The page's rows as the table shows them; `first` is the rank of the first row in the current order."""
    return [{
        "rank": first + i + 1, "claim": r["claim_id"], "score": r["score"], "text": r["text"],
        "article": r["document_title"] or r["document"], "date": article_date(r), "status": r["status"],
        "verdict": r["verdict"], "checked before": r["match_verdict"] if r["has_match"] else "",
        "assigned": r["assignee"],
    } for i, r in enumerate(rows)]


# Narrow fixed columns and one wide one (the claim, wrapped), so the table fits a 1280 px screen unscrolled
# (about 820 px beside the sidebar); "assigned" only when a claim on the page is assigned.
COLUMNS = ("rank", "score", "text", "article", "date", "status", "verdict", "checked before", "assigned")
TABLE_CONFIG = {
    "rank": st.column_config.NumberColumn("rank", format="%d", width=40,
                                          help="The claim's place in the current order (1 = first)."),
    "claim": st.column_config.NumberColumn("claim", format="%d"),
    "score": st.column_config.ProgressColumn("score", min_value=0.0, max_value=1.0, format="%.3f", width=62,
                                             help="Check-worthiness: the detector's probability, to 3 decimals."),
    "text": st.column_config.TextColumn("claim", width=230),
    "article": st.column_config.TextColumn("article", width=100, help="The article's title (else its name)."),
    "date": st.column_config.TextColumn("date", width=80, help="The article's date, else the day it was stored."),
    "status": st.column_config.TextColumn("status", width=62),
    "verdict": st.column_config.TextColumn("verdict", width=64, help="Your newsroom's verdict on this claim."),
    "checked before": st.column_config.TextColumn(
        "checked before", width=72, help="The verdict of the past fact-check that matches this claim."),
    "assigned": st.column_config.TextColumn("assigned", width=62),
}


def row_height(rows: list[dict]) -> int:
    """Tall enough for the longest claim on the page to wrap in full (a row over 64 px wraps its text; about 36
    characters fit a line of the claim column)."""
    longest = max((len(r["text"]) for r in rows), default=0)
    lines = max(3, min(10, -(-longest // 36)))
    return 10 + 19 * lines


def table_height(rows: list[dict], row: int) -> int:
    """Up to ten rows in view before the table scrolls (its header is 35 px)."""
    return 38 + row * min(len(rows), 10)


def shown_columns(rows: list[dict]) -> tuple[str, ...]:
    return COLUMNS if any(r["assignee"] for r in rows) else COLUMNS[:-1]


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
    pick, go = st.columns([4, 1], vertical_alignment="bottom")
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

from_url = any(k.startswith("inbox_f_") and k not in ("inbox_f_order", "inbox_f_size", "inbox_f_mine")
               for k in st.query_params)
with st.expander("Filters", icon=":material/filter_list:", expanded=filters_active("inbox_f_") or from_url):
    filters = claim_filters("inbox_f_", facets, bench.settings.verdicts, on_change=first_page, bind=BIND)

order_col, mine_col, size_col = st.columns([3, 1, 1], vertical_alignment="bottom")
order = order_col.selectbox("Sort", list(ORDERS), format_func=ORDERS.get, key="inbox_f_order", on_change=first_page,
                            bind=BIND)
mine = mine_col.toggle("Assigned to me", key="inbox_f_mine", on_change=first_page, bind=BIND,
                       help="Only the claims assigned to the name under Reviewer.")
size = size_col.selectbox("Claims per page", PAGE_SIZES, key="inbox_f_size", on_change=first_page, bind=BIND,
                          **initial("inbox_f_size", index=1))
if mine:
    if not reviewer():
        st.warning("Type your name under Reviewer in the sidebar to see the claims assigned to you.",
                   icon=":material/person:")
        st.stop()
    filters["assignee"] = reviewer()

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
with stop_on_error():
    by_status = bench.browse.status_counts(filters)  # what the Dashboard counts with: the two agree
st.caption(ORDER_NOTES[order] + " By status: " + " · ".join(f"{as_text(s['label'])} {s['claims']:,}"
                                                            for s in by_status if s["claims"]) + ".")
event = st.dataframe(table_rows(rows, first), hide_index=True, width="stretch", column_config=TABLE_CONFIG,
                     column_order=shown_columns(rows), row_height=row_height(rows),
                     height=table_height(rows, row_height(rows)), key=f"inbox_table_{signature}",
                     on_select="rerun", selection_mode="multi-row")
# the Claim page's Previous / Next walk this order: the choices behind it and where this page starts
st.session_state[NAV] = {"filters": filters, "order": order, "offset": first,
                         "ids": [r["claim_id"] for r in rows]}
selected = [rows[i]["claim_id"] for i in event.selection.rows if i < len(rows)]

with st.container(horizontal=True, vertical_alignment="center"):
    st.button("Previous", key="inbox_prev", icon=":material/chevron_left:", disabled=page <= 1,
              on_click=step_page, args=(-1,))
    st.button("Next", key="inbox_next", icon=":material/chevron_right:", disabled=page >= pages,
              on_click=step_page, args=(1,))
    st.number_input("Page", min_value=1, max_value=pages, step=1, key=PAGE, label_visibility="collapsed", width=110)
    st.caption(f"Claims {first + 1:,}–{first + len(rows):,} of {total:,} · page {page:,} of {pages:,}")

open_picker(rows, selected, signature)
bulk_form(selected, [r["claim_id"] for r in rows])
