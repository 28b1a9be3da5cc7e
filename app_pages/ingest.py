"""Ingest: paste an article, store it with its sentences, claims and sources, then review it."""
import streamlit as st

from app_pages.common import as_text, get_bench, one_at_a_time
from claims.errors import WorkbenchError

bench = get_bench()

st.title("Ingest", anchor=False)
st.caption("Paste the text of a news article. The same text twice is stored once. "
           "The first article of a session takes longer: the models load then.")

with st.form("ingest_form"):
    name = st.text_input("Name", key="ingest_name", placeholder="e.g. riverton-budget-2024.txt",
                         help="How the article is listed on the Review page.")
    text = st.text_area("Article text", key="ingest_text", height=320)
    submitted = st.form_submit_button("Ingest", type="primary", icon=":material/upload_file:")

if submitted:
    if not text.strip():
        st.error("Paste the article's text first.")
        st.stop()
    with st.status("Ingesting…", expanded=True) as status:
        st.write("Splitting into sentences, scoring claims and finding their sources…")
        try:
            with one_at_a_time():
                report = bench.ingest_text(text, name.strip() or "pasted text")
        except (WorkbenchError, ImportError, FileNotFoundError) as exc:
            # A missing model file or package is a setup problem, reported the same way as bad input.
            status.update(label="Not ingested", state="error")
            st.error(str(exc))
            st.stop()
        status.update(label="Ingested", state="complete", expanded=False)

    if report.documents:
        st.success("Done: " + as_text(report.summary()), icon=":material/check:")
        st.session_state["review_doc_id"] = report.document_ids[0]
        st.page_link("app_pages/review.py", label="Review it", icon=":material/fact_check:")
    else:
        st.info("This article is already stored: nothing was added. Pick it on the Review page.")
        st.page_link("app_pages/review.py", label="Go to Review", icon=":material/fact_check:")
