"""Claim Workbench review app: `claims serve` (or `streamlit run app.py`). Pages live in app_pages/.

Every page has its own address (`/review`, `/claim?id=12`, ...); the Inbox is the landing page at `/`, and
`/inbox` (with its filters in the query string) leads there too."""
import streamlit as st

from app_pages.common import keep_page_choices, reviewer_sidebar

st.set_page_config(page_title="Claim Workbench", layout="wide")

inbox = st.Page("app_pages/inbox.py", title="Inbox", icon=":material/inbox:", url_path="", default=True)


def inbox_alias() -> None:
    """`/inbox?...`: the default page answers at `/` only, so a bookmarked Inbox link is sent there."""
    st.switch_page(inbox, query_params={k: st.query_params.get_all(k) for k in st.query_params})


page = st.navigation([
    inbox,
    st.Page("app_pages/review.py", title="Review", icon=":material/fact_check:", url_path="review"),
    st.Page("app_pages/claim.py", title="Claim", icon=":material/rate_review:", url_path="claim"),
    st.Page("app_pages/search.py", title="Search", icon=":material/search:", url_path="search"),
    st.Page("app_pages/alerts.py", title="Alerts", icon=":material/notifications:", url_path="alerts"),
    st.Page("app_pages/sources.py", title="Sources", icon=":material/rss_feed:", url_path="sources"),
    st.Page("app_pages/ingest.py", title="Ingest", icon=":material/upload_file:", url_path="ingest"),
    st.Page("app_pages/export.py", title="Export", icon=":material/download:", url_path="export"),
    st.Page("app_pages/dashboard.py", title="Dashboard", icon=":material/monitoring:", url_path="dashboard"),
    st.Page(inbox_alias, title="Inbox link", url_path="inbox", visibility="hidden"),
])
keep_page_choices()

with st.sidebar:
    reviewer_sidebar()

page.run()
