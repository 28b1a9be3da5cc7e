"""Text normalisation (NUL, control, zero-width and bidi characters never scored, stored or exported) and named
files read by their type (a fact-check archive named on `claims ingest` is refused with the command to use)."""
import csv
import io
import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import given, settings as hsettings, strategies as st

from claims.cli import main
from claims.io.queue import plan
from claims.io.readers import decode, looks_binary, read_feed
from claims.pipeline.embed import HashingEmbedder
from claims.pipeline.extract import Pipeline
from claims.pipeline.normalise import LINE_BREAKS, normalise_text
from claims.services.workbench import Workbench
from conftest import FakeDetector
from core.errors import BinaryInput, EmptyInput, InputError
from core.settings import load_settings

ZW_BIDI = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"
CONTROLS = "".join(map(chr, [*range(0, 9), *range(14, 28), 31, 127, *range(0x80, 0x85), *range(0x86, 0xA0)]))
INVISIBLE = ZW_BIDI + CONTROLS + "\u00ad"
SENTENCE = "The council spent 48 million dollars on parks in 2025, the mayor said."


def stored(bench, doc_id: int) -> dict:
    """The stored document, after checking that every sentence's text is exactly its span of the text."""
    doc = bench.browse.document(doc_id)
    for s in doc["sentences"]:
        assert doc["text"][s["start"]:s["end"]] == s["text"]
    return doc


def clean_everywhere(bench, doc: dict) -> None:
    """No removed character in the stored text, title, name, sentences or the CSV export."""
    export = bench.exports.claims("csv")
    for value in [doc["text"], doc["title"], doc["name"], export, *(s["text"] for s in doc["sentences"])]:
        assert not set(value) & set(INVISIBLE), repr(value)


# --- the rule ----------------------------------------------------------------------------------------------
def test_normalise_removes_controls_zero_width_and_bidi_and_keeps_the_rest():
    text = f"Ta{INVISIBLE}x\tro\u00adse 5%.\r\nLine\x0ctwo \u00e9\u4e2d\U0001F600\u2028end\u00a0."
    assert normalise_text(text) == "Tax\trose 5%.\r\nLine\x0ctwo \u00e9\u4e2d\U0001F600\u2028end\u00a0."


def test_line_breaking_controls_become_newlines():
    assert normalise_text("one\x0btwo\x1cthree\x1dfour\x1efive\x85six") == "one\ntwo\nthree\nfour\nfive\nsix"
    assert set(LINE_BREAKS) == set("\x0b\x1c\x1d\x1e\x85")


def test_lone_surrogates_are_removed():
    assert normalise_text(json.loads('"a\\ud800b\\udfffc"')) == "abc"


@hsettings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(), st.sampled_from(INVISIBLE + LINE_BREAKS)), max_size=200))
def test_normalise_is_idempotent_and_leaves_nothing_it_removes(text):
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert not set(once) & set(INVISIBLE + LINE_BREAKS)


@hsettings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from("ab 1. \n"), st.sampled_from(INVISIBLE)), max_size=120),
       st.booleans())
def test_pipeline_run_normalises_raw_text_and_offsets_point_into_it(text, lines):
    (doc,) = Pipeline(HashingEmbedder(), FakeDetector(), attribution=False).run([("raw", text)], lines=lines)
    assert doc.text == normalise_text(text)
    for r in doc.results:
        assert doc.text[r.sentence.start:r.sentence.end] == r.sentence.text


# --- NUL bytes ---------------------------------------------------------------------------------------------
def test_nul_past_the_first_8kib_of_a_txt_is_removed_and_the_article_stored(bench, tmp_path):
    head = (SENTENCE + "\n\n") * 200
    data = head.encode()[:9000] + b"\x00" + f"\n\nBus fares rose 8 percent in 2026.\x00\n".encode()
    assert data.index(b"\x00") == 9000
    path = tmp_path / "nul.txt"
    path.write_bytes(data)
    report = bench.ingest.run([str(path)])
    assert report.documents == 1
    doc = stored(bench, report.document_ids[0])
    assert "\x00" not in doc["text"]
    assert any(s["text"] == "Bus fares rose 8 percent in 2026." for s in doc["sentences"])
    clean_everywhere(bench, doc)


def test_text_followed_by_a_run_of_nuls_is_binary_and_refused(bench, tmp_path):
    path = tmp_path / "padded.txt"
    path.write_bytes((SENTENCE + "\n").encode() * 130 + b"\x00" * 4096)  # ~9.4 KB of text, then 4 KiB of NUL
    with pytest.raises(BinaryInput, match="padded.txt looks like a binary file"):
        bench.ingest.run([str(path)])
    assert bench.browse.stats()["documents"] == 0


def test_looks_binary_rule():
    text = (SENTENCE + "\n").encode() * 200
    assert looks_binary(b"\x00" + text)  # a NUL in the first 8 KiB, as before
    assert not looks_binary(text + b"\x00" * 10)  # a few stray NULs further in: kept as text, NULs removed
    assert looks_binary(text + b"\x00" * len(text))  # NULs over 10% of the whole file
    assert looks_binary(text + b"\x01\x02\x03" * len(text))  # other control bytes count too
    assert not looks_binary("\tTabs,\r\nform feeds\x0c and newlines are text.\n".encode() * 500)


def test_decode_refuses_what_is_empty_once_normalised():
    with pytest.raises(EmptyInput, match="zw.txt is empty"):
        decode("\u200b\u202e \ufeff\n".encode(), "zw.txt")
    assert decode("\ufeffHello\u200b there.".encode(), "bom.txt") == "Hello there."


def test_nul_escape_in_a_jsonl_feed_is_removed_from_text_and_title(bench, tmp_path):
    feed = tmp_path / "feed.jsonl"
    lines = [{"id": "a1", "title": "Parks\u0000 budget", "text": f"{SENTENCE}\u0000\n\nRents rose\u0000 9 percent."},
             {"id": "a2", "text": "\u0000\u200b"}]
    feed.write_text(json.dumps(lines[0]) + "\n")
    assert "\\u0000" in feed.read_text()
    report = bench.ingest.run([str(feed)])
    doc = stored(bench, report.document_ids[0])
    assert doc["title"] == "Parks budget"
    assert "\x00" not in doc["text"] and "Rents rose 9 percent." in doc["text"]
    clean_everywhere(bench, doc)
    with pytest.raises(InputError, match="line 1 has no article text"):
        read_feed(json.dumps(lines[1]), "bad.jsonl", "")


# --- zero-width and bidi characters ------------------------------------------------------------------------
def test_zero_width_and_bidi_gone_from_stored_sentences_and_the_csv_export(bench):
    text = ("Council\u200b budget\n\n"
            "The coun\u200bcil spent 48 million dollars on \u202eparks\u202c in 2025, the mayor said. "
            "Rents\u2067 rose 9 percent\u2069 last year.\u200f\n")
    report = bench.ingest.text(text, "pasted\u200b text")
    doc = stored(bench, report.document_ids[0])
    texts = [s["text"] for s in doc["sentences"]]
    assert "The council spent 48 million dollars on parks in 2025, the mayor said." in texts
    assert "Rents rose 9 percent last year." in texts
    assert doc["name"] == "pasted text"
    clean_everywhere(bench, doc)
    rows = list(csv.DictReader(io.StringIO(bench.exports.claims("csv"), newline="")))
    assert "The council spent 48 million dollars on parks in 2025, the mayor said." in [r["text"] for r in rows]


def test_uploads_and_html_entities_are_normalised(bench):
    html = (b"<html><body><article><p>The council spent 48 million&#8203; dollars on &#x202e;parks in 2025, "
            b"the mayor said.</p></article></body></html>")
    plain = "Rents rose\u200b 9 percent\x07 last year.\n".encode()
    report = bench.ingest.uploads([("page.html", html), ("note.txt", plain)])
    assert report.documents == 2
    for doc_id in report.document_ids:
        clean_everywhere(bench, stored(bench, doc_id))


def test_the_same_text_with_and_without_invisible_characters_is_stored_once(bench):
    first = bench.ingest.text(SENTENCE)
    again = bench.ingest.text(SENTENCE.replace("council", "coun\u200bcil\x07"))
    assert first.documents == 1 and again.duplicates == 1


# --- named files read by their type ------------------------------------------------------------------------
@pytest.mark.parametrize("name, content", [
    ("formula.csv", "claim,verdict\n=1+1,False\n"),
    ("archive.json", '{"@type": "ClaimReview", "claimReviewed": "Crime fell 12 percent"}'),
])
def test_a_named_fact_check_archive_is_refused_with_the_command_to_import_it(bench, tmp_path, name, content):
    good, path = tmp_path / "good.txt", tmp_path / name
    good.write_text(SENTENCE)
    path.write_text(content)
    with pytest.raises(InputError) as err:
        bench.ingest.run([str(good), str(path)])
    assert str(err.value) == (f"{path} looks like a fact-check archive, not an article: import it with "
                              f"`claims import-factchecks {path}`")
    assert bench.browse.stats()["documents"] == 0
    with pytest.raises(InputError, match="fact-check archive"):
        plan([str(path)], bench.settings)  # `claims queue add` too


def test_other_named_non_articles_are_refused_naming_what_is_read(bench, tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("city: spent 48 million dollars\n")
    with pytest.raises(InputError, match=r"config.yaml is a \.yaml file, not an article: give a \.txt, \.md, "
                                         r"\.html or \.jsonl file"):
        bench.ingest.run([str(path)])


def test_a_file_without_a_suffix_is_still_read_as_text_and_folders_skip_archives(bench, tmp_path):
    (tmp_path / "article").write_text(SENTENCE)
    assert bench.ingest.run([str(tmp_path / "article")]).documents == 1
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "story.txt").write_text("Rents rose 9 percent last year.")
    (folder / "fc.csv").write_text("claim,verdict\nx,False\n")
    report = bench.ingest.run([str(folder)])
    assert report.documents == 1
    assert bench.browse.document(report.document_ids[0])["name"].endswith("story.txt")


# --- the command line --------------------------------------------------------------------------------------
@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMS_MODEL", "test/hashing")
    monkeypatch.setenv("CLAIMS_HOME", str(tmp_path / "env-home"))
    monkeypatch.delenv("CLAIMS_DB", raising=False)

    def run(*args, input=None):
        return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return run


def test_cli_refuses_a_named_csv_with_one_line_and_stores_nothing(cli, tmp_path, db_url):
    path = tmp_path / "formula.csv"
    path.write_text("claim,verdict\n=1+1,False\n")
    home = tmp_path / "home"
    res = cli("ingest", path, "--db", db_url, "--home", home)
    assert res.exit_code == 1
    assert [l for l in res.output.splitlines() if l.strip()] == [
        f"Error: {path} looks like a fact-check archive, not an article: import it with "
        f"`claims import-factchecks {path}`"]
    stats = cli("stats", "--db", db_url, "--home", home)
    assert stats.exit_code == 0 and re.search(r"^documents\s+0$", stats.output, re.M), stats.output


def test_cli_ingest_of_a_file_with_nul_and_bidi_stores_clean_text(cli, tmp_path, db_url):
    path = tmp_path / "a.txt"
    path.write_bytes(("Budget\n\n" + "x" * 9000 + "\n\n" + SENTENCE.replace("parks", "\u202eparks\u202c")
                      + "\x00\n").encode())
    home = tmp_path / "home"
    res = cli("ingest", path, "--db", db_url, "--home", home)
    assert res.exit_code == 0 and "stored 1 new document" in res.output, res.output
    out = cli("export", "--db", db_url, "--home", home).output
    assert not set(out) & set(INVISIBLE)
    wb = Workbench(load_settings(db_url=db_url, home=str(home)), embedder=HashingEmbedder(),
                   detector=FakeDetector(), attribution=False)
    try:
        (listed,) = wb.browse.documents()
        doc = stored(wb, listed["id"])
    finally:
        wb.engine.dispose()
    assert SENTENCE in [s["text"] for s in doc["sentences"]]
    assert not set(doc["text"]) & set(INVISIBLE)


def test_cli_extract_strips_control_characters(cli, tmp_path):
    raw = f"Crime fell\x07 12 percent\u200b in 2024,\x1b the police chief said.\x7f\n\nWhat a week \u202eit was.\n"
    for target, stdin in (("-", raw), (tmp_path / "a.txt", None)):
        if stdin is None:
            target.write_text(raw)
        res = cli("extract", target, input=stdin)
        assert res.exit_code == 0, res.output
        rows = [json.loads(line) for line in res.output.splitlines()]
        assert [r["text"] for r in rows] == ["Crime fell 12 percent in 2024, the police chief said.",
                                             "What a week it was."]
        assert not set(res.output) & set(INVISIBLE)
