"""Claim Workbench review app: `claims serve` (or `streamlit run app.py`). Pages live in app_pages/."""
import streamlit as st

from app_pages.common import keep_page_choices, reviewer_default

st.set_page_config(page_title="Claim Workbench", layout="wide")

page = st.navigation([
    st.Page("app_pages/inbox.py", title="Inbox", icon=":material/inbox:"),
    st.Page("app_pages/review.py", title="Review", icon=":material/fact_check:", default=True),
    st.Page("app_pages/claim.py", title="Claim", icon=":material/rate_review:"),
    st.Page("app_pages/search.py", title="Search", icon=":material/search:"),
    st.Page("app_pages/alerts.py", title="Alerts", icon=":material/notifications:"),
    st.Page("app_pages/sources.py", title="Sources", icon=":material/rss_feed:"),
    st.Page("app_pages/ingest.py", title="Ingest", icon=":material/upload_file:"),
    st.Page("app_pages/export.py", title="Export", icon=":material/download:"),
    st.Page("app_pages/dashboard.py", title="Dashboard", icon=":material/monitoring:"),
])
keep_page_choices()

with st.sidebar:
    name, source = reviewer_default()
    if source == "header":
        # Named by the sign-in proxy: the reviewer cannot type someone else's name.
        st.session_state["reviewer"] = name
        st.text_input("Reviewer", key="reviewer", disabled=True, help="Set by your sign-in.")
    else:
        st.session_state.setdefault("reviewer", name)
        st.text_input("Reviewer", key="reviewer", help="Your name is saved with every review you make.")

page.run()
