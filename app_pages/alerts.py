"""Alerts: stored claims that repeat an archived fact-check (the claim's best match entered the match band),
newest first, with the fact-check's verdict and link. A row opens its claim on the Claim page."""
import streamlit as st

from app_pages.common import get_bench, open_claim, safe_url, stop_on_error

bench = get_bench()

st.title("Alerts", anchor=False)
st.caption("A claim in a new article that states a claim already fact-checked raises an alert, once per "
           "claim and fact-check. `claims alerts` prints the same list as JSON lines.")

with stop_on_error():
    alerts = bench.matches.alerts(limit=500)
if not alerts:
    st.info("No alerts yet. They are raised when a stored claim matches a past fact-check: import the archive "
            "on the Ingest page, then ingest articles.")
    st.stop()

rows = [{"raised": a["created_at"][:16].replace("T", " "), "claim": a["claim"], "article": a["document"],
         "repeats": a["factcheck"], "verdict": a["verdict"], "probability": a["score"],
         "status": a["status"], "link": safe_url(a["url"])} for a in alerts]
event = st.dataframe(rows, hide_index=True, width="stretch", key="alerts_table", on_select="rerun",
                     selection_mode="single-row",
                     column_config={"claim": st.column_config.TextColumn(width="large"),
                                    "repeats": st.column_config.TextColumn("repeats fact-check", width="large"),
                                    "probability": st.column_config.NumberColumn(format="%.2f"),
                                    "link": st.column_config.LinkColumn("link")})
st.caption(f"{len(alerts)} alert(s), newest first. Select a row to open its claim.")
picked = [alerts[i] for i in event.selection.rows if i < len(alerts)]
if picked and st.button(f"Open claim {picked[0]['claim_id']}", type="primary", icon=":material/open_in_new:",
                        key="alerts_open"):
    open_claim(picked[0]["claim_id"])
