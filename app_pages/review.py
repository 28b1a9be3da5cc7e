"""Review: one article, sentence by sentence. Claims stand out by score, each in a compact box: its sentence, its
sources on one line, and a "Review claim" line with its badges that opens, on demand, its review form, its history
and similar past fact-checks. Article text is always shown as plain text, never as Markdown or HTML."""
import streamlit as st

from app_pages.common import (STATUS_COLOURS, as_text, band, get_bench, history_view, open_claim, require_reviewer,
                              safe_url, sources_line, stop_on_error)
from app_pages.review_form import field_key, report_saved, review_form, show_saved
from core.errors import WorkbenchError
from core.review import STATUSES

PREFIX = "review"  # this page's widget keys: review_verdict_12, review_matches_12, ...

# A coloured left edge on each claim's box, by score band; the boxes carry the band in their key.
CLAIM_CSS = """<style>
[class*="st-key-review_high_claim_"] { border-left: 0.45rem solid #e4572e !important; }
[class*="st-key-review_medium_claim_"] { border-left: 0.45rem solid #f3a712 !important; }
[class*="st-key-review_low_claim_"] { border-left: 0.45rem solid #a0a4ab !important; }
</style>"""

bench = get_bench()


def widget_key(field: str, claim_id: int) -> str:
    return field_key(PREFIX, field, claim_id)


def document_picker(documents: list[dict]) -> int:
    ids = [d["id"] for d in documents]
    labels = {d["id"]: f"{d['title'] or d['name']}  ·  {d['claims']} claims" for d in documents}
    if st.session_state.setdefault("review_doc_id", ids[0]) not in ids:
        st.session_state["review_doc_id"] = ids[0]
    chosen = st.selectbox("Article", ids, index=ids.index(st.session_state["review_doc_id"]),
                          format_func=labels.get, key="review_doc")
    st.session_state["review_doc_id"] = chosen
    return chosen


def download_buttons() -> None:
    # The exports are built when clicked (a callable `data`), not on every rerun of the page.
    st.download_button("Download CSV", data=lambda: bench.exports.claims("csv"), file_name="claims.csv",
                       mime="text/csv", icon=":material/download:", on_click="ignore", width="stretch",
                       help="Every claim with its review.")
    st.download_button("Download ClaimReview", data=lambda: bench.exports.claims("claimreview"),
                       file_name="claimreview.json", mime="application/json", icon=":material/download:",
                       on_click="ignore", width="stretch",
                       help="schema.org ClaimReview JSON-LD for the claims that have a verdict.")


def claim_badges(sentence: dict) -> str:
    claim = sentence["claim"]
    _, colour = band(sentence["score"])
    badges = [f":{colour}-badge[score {sentence['score']:.3f}]", f":blue-badge[{as_text(sentence['claim_type'])}]",
              f":{STATUS_COLOURS.get(claim['status'], 'gray')}-badge[{as_text(claim['status'])}]"]
    if claim["verdict"]:
        badges.append(f":violet-badge[verdict: {as_text(claim['verdict'])}]")
    return " ".join(badges)


def history_table(claim_id: int) -> None:
    with stop_on_error():
        events = bench.browse.claim(claim_id)["history"]
    if not events:
        st.caption("Not reviewed yet.")
        return
    history_view(events)


def matches_table(claim_id: int) -> None:
    try:
        with st.spinner("Looking for similar claims and past fact-checks…"):
            matches = bench.matches.for_claim(claim_id, k=5, include_none=False)
    except (WorkbenchError, ImportError) as exc:
        st.error(str(exc))
        return
    if not matches:
        st.caption("Nothing similar in the archive or in other articles (weak candidates are on the Claim page).")
        return
    rows = [{
        "match": "✔" if m["match"] else "",
        "similarity": m["score"],
        "kind": "past fact-check" if m["kind"] == "factcheck" else "stored claim",
        "verdict": m["verdict"] or "",
        "claim": m["text"],
        "from": m.get("document") or m.get("speaker") or "",
        "link": safe_url(m["url"]),
    } for m in matches]
    st.dataframe(rows, hide_index=True, width="stretch", column_config={
        "similarity": st.column_config.NumberColumn(format="%.2f"),
        "link": st.column_config.LinkColumn("link"),
    })


def claim_box(sentence: dict) -> None:
    """One claim in a compact box: its sentence, one line of badges and sources, and everything else on demand."""
    claim = sentence["claim"]
    name, _ = band(sentence["score"])
    with st.container(border=True, key=f"review_{name}_claim_{claim['id']}", gap="small"):
        st.text(sentence["text"], width="stretch")
        if sentence["attributions"]:
            st.markdown(sources_line(sentence["attributions"]))
        with st.expander(f"Review claim {claim['id']}  {claim_badges(sentence)}", icon=":material/rate_review:"):
            if sentence["reasons"]:
                st.caption("Why: " + as_text(", ".join(sentence["reasons"])))
            review_form(PREFIX, claim["id"], claim, what="review", compact=True)
            st.markdown("**History**")
            history_table(claim["id"])
            if st.toggle("Similar claims and past fact-checks", key=widget_key("matches", claim["id"])):
                matches_table(claim["id"])
            if st.button("Open the claim page", key=widget_key("open", claim["id"]), icon=":material/open_in_new:",
                         type="tertiary"):
                open_claim(claim["id"])


def sentence_line(sentence: dict) -> None:
    if sentence["claim"] is not None:
        claim_box(sentence)
    elif sentence["kind"] == "furniture":
        st.caption(as_text(sentence["text"]))
    else:
        if sentence["kind"] == "headline":
            st.subheader(as_text(sentence["text"]), anchor=False)
        else:
            st.text(sentence["text"], width="stretch")
        if sentence["attributions"]:  # who says it, though it is no claim: one compact line
            st.caption(sources_line(sentence["attributions"]))


def missed_claim_form(doc: dict) -> None:
    """Promote a sentence the detector passed over to a claim; stored with origin 'reviewer' as feedback
    for the detector (as dismissing a claim it got wrong is)."""
    candidates = [s for s in doc["sentences"] if s["claim"] is None and s["kind"] != "furniture"]
    if not candidates:
        return
    with st.expander("Add a claim the detector missed", icon=":material/add_comment:"):
        st.caption("Dismiss a claim the detector got wrong by setting its status to dismissed; both are kept "
                   "as feedback.")
        with st.form("review_add_claim", border=False):
            labels = {s["id"]: f"{s['index']}: {s['text'][:140]}" for s in candidates}
            chosen = st.selectbox("Sentence", list(labels), format_func=labels.get, key="review_missed_sentence")
            added = st.form_submit_button("Add as a claim", icon=":material/add:")
    if added and (name := require_reviewer()):
        try:
            cid = bench.reviews.add_claim(chosen, reviewer=name)
        except (WorkbenchError, ImportError) as exc:
            st.error(str(exc))
            return
        report_saved(PREFIX, f"Added claim {cid}: the sentence is now a claim to review.")
        st.rerun()


# --- the screen ----------------------------------------------------------------------------------------

st.html(CLAIM_CSS)
st.title("Review", anchor=False)
show_saved(PREFIX)

with stop_on_error():
    documents = bench.browse.documents()
if not documents:
    st.info("No articles yet: paste one on the Ingest page, or load the samples with `make samples`.")
    st.page_link("app_pages/ingest.py", label="Ingest an article", icon=":material/upload_file:")
    st.stop()

with st.sidebar:
    st.caption("Export")
    download_buttons()

picker, only_claims = st.columns([4, 1], vertical_alignment="bottom")
with picker:
    doc_id = document_picker(documents)
with only_claims:
    claims_only = st.toggle("Claims only", key="review_claims_only")

with stop_on_error():
    doc = bench.browse.document(doc_id)

claims = [s for s in doc["sentences"] if s["claim"] is not None]
reviewed = sum(1 for s in claims if s["claim"]["verdict"] or s["claim"]["status"] != STATUSES[0])  # not new
st.caption(" · ".join([as_text(doc["origin"] or doc["name"]), f"{len(doc['sentences'])} sentences",
                       f"{len(claims)} claims", f"{reviewed} reviewed"]))

missed_claim_form(doc)

for sentence in (claims if claims_only else doc["sentences"]):
    sentence_line(sentence)
