"""Dashboard: how much is coming in and how much gets reviewed. Claims per day and per type, verdicts, the
sources claimed most often, and review throughput; every figure is a GROUP BY in the database."""
import streamlit as st

from app_pages.common import get_bench, stop_on_error

bench = get_bench()

st.title("Dashboard", anchor=False)

with stop_on_error():
    d = bench.browse.dashboard()
totals = d["totals"]
if not totals["claims"]:
    st.info("No claims yet: ingest articles first.")
    st.page_link("app_pages/ingest.py", label="Ingest articles", icon=":material/upload_file:")
    st.stop()

reviewed = sum(s["claims"] for s in d["statuses"] if s["reviewed"])  # the Inbox counts with the same function
with st.container(horizontal=True):
    st.metric("Articles", f"{totals['documents']:,}", border=True)
    st.metric("Claims", f"{totals['claims']:,}", border=True)
    st.metric("Reviewed", f"{reviewed:,}", f"{reviewed / totals['claims']:.0%} of claims", delta_color="off",
              border=True, help="Claims whose review is done: reviewed or published.")
    st.metric("With a verdict", f"{totals['reviewed']:,}", border=True)
    st.metric("Past fact-checks", f"{totals['factchecks']:,}", border=True)

left, right = st.columns(2, gap="large")
with left:
    st.subheader("Claims found per day", anchor=False)
    st.bar_chart(d["claims_per_day"], x="day", y="claims", x_label="day published (else stored, UTC)",
                 y_label="claims")
    st.subheader("Verdicts", anchor=False)
    if d["verdicts"]:
        st.bar_chart(d["verdicts"], x="verdict", y="claims", horizontal=True, sort="-claims", y_label="")
    else:
        st.caption("No verdicts yet.")
    st.subheader("Review throughput", anchor=False)
    if d["reviews_per_day"]:
        st.bar_chart(d["reviews_per_day"], x="day", y=["changes", "claims"], stack=False, x_label="day (UTC)",
                     y_label="per day")
        st.caption("Changes saved per day, and how many claims they touched.")
    else:
        st.caption("Nothing reviewed yet.")
with right:
    st.subheader("Claims per type", anchor=False)
    st.bar_chart(d["claims_per_type"], x="claim_type", y="claims", horizontal=True, sort="-claims", y_label="")
    st.subheader("Sources claimed most often", anchor=False)
    if d["top_sources"]:
        st.bar_chart(d["top_sources"], x="source", y="claims", horizontal=True, sort="-claims", y_label="")
    else:
        st.caption("No sources named yet.")
    st.subheader("Status", anchor=False)
    st.bar_chart([{"status": s["label"], "claims": s["claims"]} for s in d["statuses"]], x="status", y="claims",
                 horizontal=True, sort=False, y_label="")  # in workflow order
    if d["reviewers"]:
        st.subheader("Reviewers", anchor=False)
        st.dataframe(d["reviewers"], hide_index=True, width="stretch")
