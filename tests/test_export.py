import csv
import io
import json

from hypothesis import given, strategies as st

from claims.io.export import FORMULA_START, claimreview, safe_cell, to_claimreview, to_csv


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
