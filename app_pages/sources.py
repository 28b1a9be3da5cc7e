"""Sources: the feeds and pages watched on a schedule, with their last poll, the new articles found and the
last error; add one, poll now, stop watching one. `claims monitor` polls them on schedule with the workers."""
import streamlit as st

from app_pages.common import as_text, get_bench, stop_on_error
from core.errors import WorkbenchError

bench = get_bench()

st.title("Sources", anchor=False)
st.caption("RSS and Atom feeds and plain pages. New items are ingested and matched against the archive; a "
           "claim that repeats a past fact-check raises an alert. Polled on schedule by `claims monitor`.")

with st.form("sources_add", clear_on_submit=True):
    left, right = st.columns([4, 1])
    url = left.text_input("Feed or page URL", placeholder="https://example.org/politics.rss")
    every = right.text_input("Every", value="15m", help="5m, 2h, 1d ...")
    if st.form_submit_button("Watch it", icon=":material/add:") and url.strip():
        try:
            src = bench.sources.add(url, every)
            st.success(f"Watching {as_text(src['url'])} every {as_text(every)}.")
        except WorkbenchError as exc:
            st.error(str(exc))

with stop_on_error():
    sources = bench.sources.list()
if not sources:
    st.info("No sources yet: add a feed or a page above.")
    st.stop()

rows = [{"id": s["id"], "url": s["url"], "kind": s["kind"] or "-", "every (min)": s["every_seconds"] // 60,
         "last polled": (s["last_polled_at"] or "never")[:16].replace("T", " "), "new at last poll": s["last_new"],
         "new in all": s["new_items"], "error": s["last_error"]} for s in sources]
st.dataframe(rows, hide_index=True, width="stretch",
             column_config={"url": st.column_config.TextColumn(width="large"),
                            "error": st.column_config.TextColumn(width="large")})
broken = sum(1 for s in sources if s["last_error"])
st.caption(f"{len(sources)} source(s)" + (f"; {broken} failed at their last poll" if broken else ""))

left, right = st.columns(2)
if left.button("Poll every source now", icon=":material/refresh:", key="sources_poll"):
    with st.spinner("Polling…"):
        results = bench.sources.poll_due(every_source=True)
    st.success(f"{sum(r['new'] for r in results)} new item(s) from {len(results)} source(s).")
    st.rerun()
with right.popover("Stop watching one", icon=":material/delete:"):
    pick = st.selectbox("Source", [s["id"] for s in sources],
                        format_func=lambda i: next(s["url"] for s in sources if s["id"] == i), key="sources_pick")
    if st.button("Stop watching", key="sources_remove"):
        st.success(f"Stopped watching {as_text(bench.sources.remove(str(pick)))}.")
        st.rerun()
