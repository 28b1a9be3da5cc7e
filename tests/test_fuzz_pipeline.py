"""More hostile input, generated: HTML built from tags that carry scripts and frames, arbitrary text through
extraction (the fast pipeline), and review histories exported as CSV."""
import csv
import io

from hypothesis import HealthCheck, given, settings, strategies as st

from claims.pipeline.clean import html_to_text
from claims.pipeline.embed import HashingEmbedder
from core.errors import InputError
from claims.io.export import FORMULA_START, history_to_csv
from claims.services.workbench import Workbench
from core.settings import load_settings
from conftest import FakeDetector

fast = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECRET = "SECRETJS"

# No "<" in the filler text: "<b" glued to "<script>" makes a tag named "b<script", and then browsers and
# parsers alike read what follows as plain text, not as a script.
words = st.text(alphabet="abc xyz0123456789.,;'\"&>=/", min_size=0, max_size=30)
hostile = st.sampled_from([
    f"<script>{SECRET}()</script>", f"<script type='module'>let {SECRET}=1</script>",
    f"<iframe src='https://evil.example/{SECRET}'>{SECRET}</iframe>", f"<style>.{SECRET}{{}}</style>",
    f"<noscript>{SECRET}</noscript>", f"<img src=x onerror='{SECRET}()'>", f"<svg onload='{SECRET}()'></svg>",
    f"<object data='{SECRET}.swf'></object>",
])
plain = st.builds(lambda tag, text: f"<{tag}>{text}</{tag}>", st.sampled_from(["p", "div", "h1", "span", "li", "td"]), words)
pages = st.lists(st.one_of(hostile, plain, words), max_size=12).map(
    lambda parts: "<html><body><article>" + "".join(parts) + "</article></body></html>")


@fast
@given(pages)
def test_html_to_text_drops_scripts_frames_and_handlers(page):
    text = html_to_text(page)
    assert SECRET not in text
    assert "<script" not in text.lower() and "<iframe" not in text.lower()


_BENCH = {}


def _bench(tmp_path_factory):
    if "wb" not in _BENCH:
        home = tmp_path_factory.mktemp("fuzz-extract")
        _BENCH["wb"] = Workbench(load_settings(home=str(home), db_url=f"sqlite:///{home / 'x.db'}"),
                                 embedder=HashingEmbedder(), detector=FakeDetector(), attribution=False)
    return _BENCH["wb"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400), st.booleans())
def test_extract_never_crashes_and_keeps_its_contract(tmp_path_factory, text, lines):
    wb = _bench(tmp_path_factory)
    try:
        rows = list(wb.ingest.extract(["-"], stdin=io.BytesIO(text.encode("utf-8", "surrogatepass")), lines=lines))
    except InputError:
        return
    assert [r["index"] for r in rows] == list(range(len(rows)))
    for r in rows:
        assert 0 <= r["start"] <= r["end"] and r["text"].strip()
        assert 0.0 <= r["score"] <= 1.0 and r["kind"] in ("body", "headline", "furniture")


@fast
@given(st.lists(st.tuples(st.sampled_from(["status", "verdict", "rationale", "evidence", "assignee"]),
                          st.text(max_size=20), st.text(max_size=20)), min_size=1, max_size=4), st.text(max_size=20))
def test_history_csv_cells_never_start_a_formula(changes, reviewer):
    event = {"event_id": 1, "claim_id": 2, "version": 3, "at": "2026-11-27T00:00:00+00:00", "reviewer": reviewer,
             "changes": {f: [old, new] for f, old, new in changes}, "document_id": 1, "document": reviewer,
             "claim_text": reviewer}
    rows = list(csv.reader(io.StringIO(history_to_csv([event]), newline="")))
    assert len(rows) == 1 + len({f for f, _, _ in changes})
    for row in rows[1:]:
        assert not any(cell.startswith(FORMULA_START) for cell in row)


@fast
@given(st.text(max_size=30), st.text(max_size=30))
def test_claims_csv_keeps_one_row_per_claim(text, rationale):
    """A lone carriage return in a cell must not end the row (and smuggle an unchecked formula into a new one)."""
    from claims.io.export import COLUMNS, to_csv

    out = to_csv([{"claim_id": 1, "text": text, "rationale": rationale}, {"claim_id": 2, "text": "\r=1+1"}])
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert len(rows) == 3 and all(len(r) == len(COLUMNS) for r in rows)
    assert not any(cell.startswith(FORMULA_START) for row in rows[1:] for cell in row)
