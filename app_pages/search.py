"""Search: free text against the stored claims and the archive of past fact-checks, best first, with the same
explanations as a claim's matches. A stored claim in the results opens on the Claim page."""
import streamlit as st

from app_pages.common import as_text, get_bench, initial, open_claim, results_table
from core.errors import WorkbenchError

KINDS = {"factcheck": "Past fact-checks", "claim": "Stored claims"}

bench = get_bench()

st.title("Search", anchor=False)
st.caption("Finds claims and past fact-checks that say the same thing in other words. "
           "The first search of a session takes longer: the model loads then.")

query = st.text_input("Search for", key="search_f_query", placeholder="e.g. Did violent crime rise under the mayor?")
options, depth = st.columns([3, 1])
kinds = options.pills("Look in", list(KINDS), format_func=KINDS.get, selection_mode="multi", key="search_f_kinds",
                      **initial("search_f_kinds", default=list(KINDS)))
k = depth.number_input("Results of each kind", min_value=1, max_value=50, key="search_f_k",
                         **initial("search_f_k", value=5))

if not query.strip():
    st.stop()
if not kinds:
    st.warning("Choose where to look: past fact-checks, stored claims or both.")
    st.stop()

try:
    with st.spinner("Searching…"):
        found = bench.matches.search([query], k=int(k), kinds=tuple(kinds))[0]["results"]
except (WorkbenchError, ImportError) as exc:
    st.error(str(exc))
    st.stop()

if not found:
    st.info("Nothing similar is stored. Ingest articles or import past fact-checks first.")
    st.stop()

matches = sum(1 for r in found if r.get("match"))
reranker = bench.reranker
st.caption(f"{len(found)} result(s) for “{as_text(query.strip())}”; {matches} in the match band. The score of past "
           f"fact-checks and stored claims alike is the probability that it states the same claim: match at "
           f"{reranker.match_threshold:.2f} or more, possible at {reranker.possible_threshold:.2f}. Select a stored "
           "claim's row to open it.")
event = results_table(found, key=f"search_table_{abs(hash((query, tuple(kinds), k)))}")
picked = [found[i] for i in event.selection.rows if i < len(found)]
if picked and picked[0].get("kind") == "claim":
    if st.button(f"Open claim {picked[0]['id']}", type="primary", icon=":material/open_in_new:",
                 key="search_open"):
        open_claim(picked[0]["id"])
elif picked:
    st.caption("That is a past fact-check: its link, if it has one, is in the last column.")

claims = [r for r in found if r.get("kind") == "claim"]
if claims:
    pick, go = st.columns([6, 1], vertical_alignment="bottom")
    chosen = pick.selectbox("Open a stored claim", [r["id"] for r in claims],
                            format_func=lambda i: next(f"#{i} · {r['text'][:110]}" for r in claims if r["id"] == i),
                            key="search_open_pick")
    if go.button("Open claim", icon=":material/open_in_new:", key="search_open_button", width="stretch"):
        open_claim(chosen)
