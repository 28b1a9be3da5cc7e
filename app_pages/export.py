"""Export: the claims that match a filter as CSV (safe to open in a spreadsheet) or as schema.org ClaimReview
JSON-LD (the claims with a verdict), with a preview of what the file will hold."""
import streamlit as st

from app_pages.common import claim_filters, get_bench, stop_on_error

PREVIEW_ROWS = 20
PREVIEW_COLUMNS = ("claim_id", "score", "claim_type", "status", "verdict", "source", "document", "reviewer",
                   "assignee", "text", "rationale", "updated_at")

bench = get_bench()

st.title("Export", anchor=False)

with stop_on_error():
    facets = bench.browse.facets()
if not facets["documents"]:
    st.info("Nothing to export yet: ingest articles first.")
    st.page_link("app_pages/ingest.py", label="Ingest articles", icon=":material/upload_file:")
    st.stop()

with st.expander("Which claims", icon=":material/filter_list:", expanded=True):
    reviewed = st.toggle("Only claims with a verdict", key="export_f_reviewed")
    filters = claim_filters("export_f_", facets, bench.settings.verdicts)
if reviewed:
    filters["has_verdict"] = True

with stop_on_error():
    total = bench.browse.count(filters)
    preview = bench.exports.filtered_rows(filters, limit=PREVIEW_ROWS)
    with_verdict = bench.browse.count({**filters, "has_verdict": True})

st.caption(f"{total:,} claim(s) in the CSV; {with_verdict:,} with a verdict in the ClaimReview file.")

excel = st.checkbox("CSV for Excel", key="export_excel",
                    help="Starts the file with a UTF-8 byte-order mark, so that Excel shows accents and quotes "
                         "as written. Other programs read it either way.")
for note in bench.exports.claimreview_notes():
    st.warning(note, icon=":material/info:")

# The files are built when clicked (a callable `data`), not on every rerun of the page.
csv_col, cr_col = st.columns(2)
csv_col.download_button("Download CSV", data=lambda: bench.exports.filtered("csv", filters, excel=excel),
                        file_name="claims.csv", mime="text/csv", icon=":material/download:", on_click="ignore",
                        width="stretch", disabled=not total, key="export_csv")
cr_col.download_button("Download ClaimReview", data=lambda: bench.exports.filtered("claimreview", filters),
                       file_name="claimreview.json", mime="application/ld+json", icon=":material/download:",
                       on_click="ignore", width="stretch", disabled=not with_verdict, key="export_claimreview")

with st.expander("Review history", icon=":material/history:"):
    with stop_on_error():
        events = bench.exports.history_count()
    st.caption(f"Every saved change ({events:,} so far): who, when, which field, the old and the new value. "
               "The CSV has a row per changed field; the JSON lines file an event per line. Filters above do "
               "not apply.")
    hist_csv, hist_jsonl = st.columns(2)
    hist_csv.download_button("Download history CSV", data=lambda: bench.exports.history("csv"),
                             file_name="review-history.csv", mime="text/csv", icon=":material/download:",
                             on_click="ignore", width="stretch", disabled=not events, key="export_history_csv")
    hist_jsonl.download_button("Download history JSONL", data=lambda: bench.exports.history("jsonl"),
                               file_name="review-history.jsonl", mime="application/jsonl",
                               icon=":material/download:", on_click="ignore", width="stretch",
                               disabled=not events, key="export_history_jsonl")

st.subheader("Preview", anchor=False)
if not preview:
    st.info("No claim matches these filters.")
    st.stop()
st.caption(f"The first {len(preview)} row(s) of the CSV." if total > len(preview) else "Every row of the CSV.")
st.dataframe([{c: r.get(c) for c in PREVIEW_COLUMNS} for r in preview], hide_index=True, width="stretch",
             column_config={"score": st.column_config.NumberColumn(format="%.2f")})

if with_verdict:
    with stop_on_error():
        reviewed_rows = bench.exports.filtered_rows({**filters, "has_verdict": True}, limit=2)
    with st.expander("ClaimReview preview", icon=":material/data_object:"):
        st.caption(f"The first {len(reviewed_rows)} of {with_verdict:,} item(s).")
        st.code(bench.exports.claimreview_preview(reviewed_rows), language="json", wrap_lines=True)
