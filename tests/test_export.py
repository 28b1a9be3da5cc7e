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
    item = claimreview(_row(), publisher={"name": "Riverton Checks", "url": "https://checks.example"},
                       review_url="https://checks.example/claims/{id}")
    assert item["@type"] == "ClaimReview" and item["@context"] == "https://schema.org"
    assert item["claimReviewed"] == "Crime fell 20 percent."
    assert item["reviewRating"] == {"@type": "Rating", "alternateName": "Mostly false", "ratingValue": 2,
                                    "bestRating": 5, "worstRating": 1}
    assert item["itemReviewed"]["author"] == {"@type": "Person", "name": "the mayor"}
    assert item["citation"] == ["https://a.example/1", "https://b.example/2"]
    assert item["datePublished"] == "2026-11-20"
    assert item["author"] == {"@type": "Organization", "name": "Riverton Checks", "url": "https://checks.example"}
    assert item["url"] == "https://checks.example/claims/1"


def test_claimreview_invents_no_publisher_and_cites_only_web_links():
    item = claimreview(_row(evidence="https://a.example/1 javascript:alert(1) see-notes http:/x ftp://f.example/y"))
    assert "author" not in item and "url" not in item
    assert "Claim Workbench" not in json.dumps(item)
    assert item["citation"] == ["https://a.example/1"]


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


# --- Google's Fact Check Tools: the ClaimReview fields they read -------------------------------------------------
SHAPE = {  # schema.org ClaimReview, as https://developers.google.com/search/docs/appearance/structured-data/factcheck
    "claimReviewed": str, "url": str, "datePublished": str,
    "author": {"@type": "Organization", "name": str, "url": str},
    "reviewRating": {"@type": "Rating", "ratingValue": int, "bestRating": int, "worstRating": int,
                     "alternateName": str},
    "itemReviewed": {"@type": "Claim", "author": {"@type": str, "name": str}, "datePublished": str},
}


def shape_problems(item, shape=SHAPE, where="ClaimReview") -> list[str]:
    """Every field of `shape` missing from `item`, of the wrong type, or with another constant."""
    out = []
    if where == "ClaimReview" and (item.get("@context"), item.get("@type")) != ("https://schema.org", "ClaimReview"):
        out.append("not a schema.org ClaimReview")
    for key, want in shape.items():
        if key not in item:
            out.append(f"{where}.{key} missing")
        elif isinstance(want, dict):
            out += shape_problems(item[key], want, f"{where}.{key}")
        elif isinstance(want, type):
            if not isinstance(item[key], want) or item[key] in ("", None):
                out.append(f"{where}.{key} is {item[key]!r}")
        elif item[key] != want:
            out.append(f"{where}.{key} is {item[key]!r}, not {want!r}")
    return out


def _exported(tmp_path, monkeypatch, **env):
    from claims.pipeline.embed import HashingEmbedder
    from claims.io.readers import Article
    from claims.services.workbench import Workbench
    from conftest import FakeDetector
    from core.settings import load_settings

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    wb = Workbench(load_settings(home=str(tmp_path / "home"), db_url="", model="test/hashing"),
                   embedder=HashingEmbedder(), detector=FakeDetector(), attribution=False)
    wb.ingest.articles([Article(name="/srv/news/riverton.txt", text="Prices rose 4 percent in 2024, the mayor said.\n",
                                origin="/srv/news/riverton.txt", published="2026-03-02T08:00:00Z")])
    cid = wb.browse.claims()[0]["claim_id"]
    wb.reviews.edit_attribution(wb.browse.claim(cid)["sentence_id"], {"source": "Mayor Ana Ruiz", "cue": "said"},
                                reviewer="dana")
    wb.reviews.save(cid, {"verdict": "Mostly false", "evidence": "https://stats.example/cpi"}, reviewer="dana")
    return wb, cid


def test_exported_claimreview_has_what_google_fact_check_tools_require(tmp_path, monkeypatch):
    wb, cid = _exported(tmp_path, monkeypatch, CLAIMS_PUBLISHER_NAME="Riverton Checks",
                        CLAIMS_PUBLISHER_URL="https://checks.example",
                        CLAIMS_REVIEW_URL="https://checks.example/claims/{id}")
    (item,) = json.loads(wb.exports.claims("claimreview"))
    assert shape_problems(item) == []
    assert item["url"] == f"https://checks.example/claims/{cid}"
    assert item["itemReviewed"]["author"]["name"] == "Mayor Ana Ruiz"
    assert item["itemReviewed"]["datePublished"] == "2026-03-02"  # the article's day, not the review's
    assert item["citation"] == ["https://stats.example/cpi"]
    assert wb.exports.claimreview_notes() == []
    wb.engine.dispose()


def test_without_publishing_settings_the_fields_are_left_out_and_a_note_says_so(tmp_path, monkeypatch):
    for name in ("CLAIMS_PUBLISHER_NAME", "CLAIMS_PUBLISHER_URL", "CLAIMS_REVIEW_URL"):
        monkeypatch.delenv(name, raising=False)
    wb, _ = _exported(tmp_path, monkeypatch)
    (item,) = json.loads(wb.exports.claims("claimreview"))
    assert sorted(p.split(" ")[0] for p in shape_problems(item)) == ["ClaimReview.author", "ClaimReview.url"]
    notes = wb.exports.claimreview_notes()
    assert len(notes) == 2 and all("\n" not in n for n in notes)
    assert "CLAIMS_PUBLISHER_NAME is not set" in notes[0] and "CLAIMS_REVIEW_URL is not set" in notes[1]
    wb.engine.dispose()


def test_csv_for_excel_starts_with_a_byte_order_mark_and_names_no_server_path(tmp_path, monkeypatch):
    wb, _ = _exported(tmp_path, monkeypatch)
    plain, excel = wb.exports.claims("csv"), wb.exports.claims("csv", excel=True)
    assert not plain.startswith("\ufeff") and excel == "\ufeff" + plain
    assert excel.encode("utf-8").startswith(b"\xef\xbb\xbf")
    row = next(csv.DictReader(io.StringIO(plain, newline="")))
    assert row["document_origin"] == "riverton.txt" and "/srv" not in row["document_origin"]
    assert wb.exports.filtered("csv", {}, excel=True).startswith("\ufeff")
    wb.engine.dispose()


def test_a_bad_publishing_setting_is_one_line(monkeypatch):
    import pytest

    from core.errors import SettingsError
    from core.settings import load_settings

    monkeypatch.setenv("CLAIMS_REVIEW_URL", "https://checks.example/claims/")
    with pytest.raises(SettingsError, match="with \\{id\\} where the claim's id goes"):
        load_settings()
    monkeypatch.setenv("CLAIMS_REVIEW_URL", "https://checks.example/claims/{id}")
    monkeypatch.setenv("CLAIMS_PUBLISHER_URL", "checks.example")
    with pytest.raises(SettingsError, match="not an http\\(s\\) address"):
        load_settings()


def test_claimreview_without_a_speaker_names_the_site_that_published_the_claim():
    web = claimreview(_row(source="", document_origin="https://news.example/2025/roads"))
    assert web["itemReviewed"]["author"] == {"@type": "Organization", "name": "news.example",
                                             "url": "https://news.example/2025/roads"}
    assert "author" not in claimreview(_row(source="", document_origin="roads.txt"))["itemReviewed"]  # none invented
