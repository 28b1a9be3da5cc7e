import csv
import io
import json

from hypothesis import given, strategies as st

from claims.io.export import COLUMNS, FORMULA_START, attributions_text, claimreview, safe_cell, to_claimreview, to_csv


def _row(**kw):
    base = {"claim_id": 1, "text": "Crime fell 20 percent.", "verdict": "Mostly false", "source": "the mayor",
            "source_type": "person", "rationale": "Police data show 4 percent.",
            "evidence": "https://a.example/1 https://b.example/2", "updated_at": "2026-11-20T10:00:00+00:00",
            "document_origin": "https://news.example/story"}
    base.update(kw)
    return base


@given(st.text())
def test_no_cell_starts_a_formula(value):
    assert not safe_cell(value).startswith(FORMULA_START)


def test_csv_neutralises_formulas_and_keeps_text():
    text = to_csv([_row(text="=HYPERLINK(\"http://evil\")", rationale="+1", source="@handle", cue="-x",
                        verdict="\tFalse", assignee="\rme")])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    for cell in rows[1]:
        assert not cell.startswith(FORMULA_START)
    assert "'=HYPERLINK(\"http://evil\")" in rows[1]


def test_claimreview_fields():
    item = claimreview(_row())
    assert item["@type"] == "ClaimReview" and item["@context"] == "https://schema.org"
    assert item["claimReviewed"] == "Crime fell 20 percent."
    assert item["reviewRating"] == {"@type": "Rating", "alternateName": "Mostly false", "ratingValue": 2,
                                    "bestRating": 5, "worstRating": 1}
    assert item["itemReviewed"]["author"] == {"@type": "Person", "name": "the mayor"}
    assert item["citation"] == ["https://a.example/1", "https://b.example/2"]
    assert item["datePublished"] == "2026-11-20"


def test_claimreview_skips_unreviewed():
    data = json.loads(to_claimreview([_row(), _row(verdict="")]))
    assert len(data) == 1


def test_csv_lists_every_attribution_after_the_old_columns():
    assert COLUMNS[-1] == "attributions" and COLUMNS[:-1][-3:] == ("version", "created_at", "updated_at")
    attrs = [{"source": "Ruiz", "resolved": "Mayor Ana Ruiz", "cue": "said", "quote": "direct"},
             {"source": "the council's finance office", "resolved": "", "cue": "according to", "quote": "reported"}]
    rows = list(csv.DictReader(io.StringIO(to_csv([_row(attributions=attrs), _row(attributions=[])]), newline="")))
    assert rows[0]["attributions"] == ("Mayor Ana Ruiz — said (direct); "
                                       "the council's finance office — according to (reported)")
    assert rows[1]["attributions"] == ""
    assert attributions_text(attrs[1:]) == "the council's finance office — according to (reported)"


def test_attributions_cell_is_formula_safe():
    attrs = [{"source": "=HYPERLINK(\"http://evil\")", "resolved": "", "cue": "said", "quote": "reported"},
             {"source": "@x", "resolved": "", "cue": "+1", "quote": "reported"}]
    for first in ("=", "+", "-", "@", "\t", "\r"):
        attrs[0]["resolved"] = first + "cmd"
        text = to_csv([_row(attributions=attrs)])
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert len(rows) == 2 and not any(c.startswith(FORMULA_START) for c in rows[1])
        assert rows[1][-1].startswith("'")


def test_service_export_carries_every_attribution_of_the_sentence(tmp_path):
    from claims.pipeline.embed import HashingEmbedder
    from claims.services.workbench import Workbench
    from conftest import FakeDetector
    from core.settings import load_settings

    wb = Workbench(load_settings(home=str(tmp_path / "home"), db_url="", model="test/hashing"),
                   embedder=HashingEmbedder(), detector=FakeDetector(), attribution=False)
    wb.ingest.text("Prices rose 4 percent in 2024, the mayor said.\n", "a.txt")
    cid = wb.browse.claims()[0]["claim_id"]
    wb.reviews.edit_attribution(wb.browse.claim(cid)["sentence_id"],
                                {"source": "-the mayor", "cue": "said", "quote": "reported"}, reviewer="dana")
    row = next(csv.DictReader(io.StringIO(wb.exports.claims("csv"), newline="")))
    assert row["attributions"] == "'-the mayor — said (reported)" and row["source"] == "'-the mayor"
    wb.engine.dispose()
