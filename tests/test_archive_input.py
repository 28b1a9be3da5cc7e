"""Archive files that are not what they should be: very long cells, malformed CSV rows (an unterminated quote,
the wrong number of cells), NUL bytes, binary files; `--strict` refuses them whole. On SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from claims.cli import main
from claims.matching.archive import csv_rows, read_archive
from core.errors import BadArchive
from store.models import FactCheck

HEADER = "claim,verdict,url\n"


def rows(*claims: str) -> str:
    return "".join(f"{c},False,https://fc.example/{c.replace(' ', '-')}\n" for c in claims)


#: six rows; the third (line 4) opens a quote it never closes
UNTERMINATED = (HEADER + rows("Row one says 1", "Row two says 2")
                + '"Row three says 3,False,https://fc.example/3\n'
                + rows("Row four says 4", "Row five says 5", "Row six says 6"))


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def stored(bench) -> list[str]:
    with bench.session() as s:
        return sorted(s.scalars(select(FactCheck.claim)))


# --- long fields ----------------------------------------------------------------------------------------


def test_a_claim_of_200000_characters_imports(bench, tmp_path):
    long = "The council spent 4 million dollars " + "x" * (200_000 - 36)
    report = bench.archive.import_file(write(tmp_path, "fc.csv", HEADER + f'"{long}",True,https://fc.example/l\n'))
    assert (report.created, report.problems) == (1, [])
    assert [len(c) for c in stored(bench)] == [200_000]
    assert csv.field_size_limit() == 131_072  # the process-wide limit is left alone


def test_a_field_over_the_article_limit_is_reported_and_skipped(bench, tmp_path):
    huge = "y" * (20 * 1024 * 1024)
    path = write(tmp_path, "fc.csv", HEADER + f"{huge},False,https://fc.example/h\n" + rows("A short claim of 3"))
    report = bench.archive.import_file(path)
    assert report.created == 1 and stored(bench) == ["A short claim of 3"]
    assert len(report.problems) == 1
    assert report.problems[0].startswith(f"{path} line 2: has a field of 20,971,520 characters, over the 10 MB limit")
    assert "CLAIMS_MAX_BYTES" in report.problems[0]


def test_the_field_limit_is_the_callers_and_counts_utf8_bytes(tmp_path):
    path = write(tmp_path, "fc.csv", HEADER + "é" * 600 + ",x,\n" + "a" * 600 + ",x,\n")
    read = read_archive(path, max_field=1000)
    assert [r["claim"] for r in read.records] == ["a" * 600]  # 600 é are 1,200 bytes
    assert read.problems[0].startswith(f"{path} line 2: has a field of 600 characters, over the 1,000-byte limit")


# --- malformed rows -------------------------------------------------------------------------------------


def test_an_unterminated_quote_skips_its_line_only(bench, tmp_path):
    path = write(tmp_path, "fc.csv", UNTERMINATED)
    report = bench.archive.import_file(path)
    assert stored(bench) == sorted(f"Row {n} says {i}" for n, i in
                                   [("one", 1), ("two", 2), ("four", 4), ("five", 5), ("six", 6)])
    assert report.problems == [f"{path} line 4: unterminated quote: the quote opened on line 4 never closes; "
                               'close it, and write a quote inside a cell as ""']
    assert report.summary() == "imported 5 new fact-check(s), updated 0, unchanged 0; 1 row(s) skipped"


def test_a_quote_closed_by_a_later_rows_opening_quote_is_unterminated(tmp_path):
    text = (HEADER + rows("Row one") + '"Row two,False,u\n' + rows("Row three", "Row four")
            + '"Row five, quoted",True,u\n' + rows("Row six"))
    read = read_archive(write(tmp_path, "fc.csv", text))
    assert [r["claim"] for r in read.records] == ["Row one", "Row three", "Row four", "Row five, quoted",
                                                  "Row six"]
    assert len(read.problems) == 1
    assert read.problems[0].endswith("line 3: unterminated quote: the quote opened on line 3 closes only on "
                                     "line 6, with text after it, taking lines 3 to 6 as one cell; close it on "
                                     'line 3, and write a quote inside a cell as ""')


def test_quoted_cells_may_span_lines(bench, tmp_path):
    cell = 'The mayor said:\r\n"We spent 4 million, on roads,\r\nand more on bridges."'
    text = (HEADER + rows("Before it") + '"' + cell.replace('"', '""') + '",Half true,https://fc.example/m\n'
            + rows("After it") + "Bad row,True\n")
    path = write(tmp_path, "fc.csv", text)
    report = bench.archive.import_file(path)
    assert report.created == 3
    assert stored(bench) == sorted(["Before it", "After it", cell.replace("\r\n", "\n")])
    # physical lines: the quoted cell takes lines 3 to 5, so the short row is on line 7
    assert report.problems == [f"{path} line 7: 2 cell(s) but 3 columns; give every row all the columns "
                               "(empty ones may stay empty)"]


def test_rows_with_the_wrong_number_of_cells_are_reported(tmp_path):
    text = HEADER + rows("Good one") + "Too,many,cells,here\n" + "Too few\n" + rows("Good two") + "\n\n"
    read = read_archive(write(tmp_path, "fc.csv", text))
    assert [r["claim"] for r in read.records] == ["Good one", "Good two"]  # blank lines are not rows
    assert [p.split(": ", 1)[1] for p in read.problems] == [
        "4 cells but 3 columns; quote cells that contain commas",
        "1 cell(s) but 3 columns; give every row all the columns (empty ones may stay empty)"]
    assert [p.split(": ")[0].rsplit(" ", 1)[1] for p in read.problems] == ["3", "4"]


def test_the_reader_agrees_with_csv_on_well_formed_files():
    table = [["claim", "verdict"], ['He said "no", twice', ""], ["two\nlines", "x,y"], ["", '"'], ["plain", "z"]]
    out = io.StringIO()
    csv.writer(out).writerows(table)
    got = list(csv_rows(out.getvalue()))
    assert [list(r.cells) for r in got] == table and not any(r.problem for r in got)
    assert [r.line for r in got] == [1, 2, 3, 5, 6]


def test_a_header_with_an_unterminated_quote_is_refused(tmp_path):
    with pytest.raises(BadArchive, match=r"line 1, the header: unterminated quote"):
        read_archive(write(tmp_path, "fc.csv", '"claim,verdict\nx,y\n'))


# --- NUL bytes and binary files -------------------------------------------------------------------------


def test_a_stray_nul_byte_after_the_start_is_never_stored(bench, tmp_path):
    filler = rows(*(f"Claim number {i} of the archive" for i in range(400)))  # past the first 8 KiB
    path = tmp_path / "fc.csv"
    path.write_bytes((HEADER + filler + "Bad\x00claim,False,u\n" + rows("Last one")).encode())
    report = bench.archive.import_file(path)
    assert "Last one" in stored(bench) and not any("\x00" in c for c in stored(bench))
    # dropped from the text as the article reader does, or (were it kept) the row reported with its line
    assert report.created == 402 or report.problems == [f"{path} line 402: holds a NUL byte, which text never "
                                                        "does; remove it (was the file saved as text?)"]


def test_an_escaped_nul_in_json_lines_is_reported(tmp_path):
    path = write(tmp_path, "fc.jsonl", json.dumps({"claim": "Bad\u0000one"}) + "\n" + json.dumps({"claim": "Ok"}))
    read = read_archive(path)
    assert [r["claim"] for r in read.records] == ["Ok"] and read.problems[0].startswith(f"{path} line 1: holds a NUL")


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
                                  b"claim,verdict\nA\x00,B\n"])
def test_a_binary_file_is_refused_saying_what_an_archive_is(tmp_path, data):
    path = tmp_path / "photo.png"
    path.write_bytes(data)
    with pytest.raises(BadArchive) as err:
        read_archive(path)
    assert str(err.value) == (f"{path} looks like a binary file, not a fact-check archive: give a CSV with a "
                              "'claim' column, JSON lines (.jsonl), or ClaimReview JSON-LD")


def test_an_empty_file_is_refused_saying_what_an_archive_is(tmp_path):
    with pytest.raises(BadArchive, match="is empty: give a CSV with a 'claim' column"):
        read_archive(write(tmp_path, "fc.csv", "\n \n"))


# --- strict ---------------------------------------------------------------------------------------------


def test_strict_refuses_the_whole_file_and_stores_nothing(bench, tmp_path):
    path = write(tmp_path, "fc.csv", UNTERMINATED + ",False,u\n")
    with pytest.raises(BadArchive) as err:
        bench.archive.import_file(path, strict=True)
    assert str(err.value) == (f"{path} line 4: unterminated quote: the quote opened on line 4 never closes; close "
                              'it, and write a quote inside a cell as "" (and 1 more problem(s)); nothing was '
                              "imported (strict): fix the file, or drop --strict to import the good rows and skip "
                              "the bad ones")
    assert bench.browse.stats()["factchecks"] == 0
    good = write(tmp_path, "good.csv", HEADER + rows("Fine 1", "Fine 2"))
    assert bench.archive.import_file(good, strict=True).created == 2


def test_strict_upload_names_the_upload(bench):
    with pytest.raises(BadArchive, match=r"^archive.csv line 2: empty claim \(and"):
        bench.archive.import_upload("archive.csv", b"claim,verdict\n,True\n,False\n", strict=True)
    assert bench.browse.stats()["factchecks"] == 0


# --- the command line -----------------------------------------------------------------------------------


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def factchecks(db_url) -> int:
    res = cli("stats", "--db", db_url)
    return int(next(l for l in res.stdout.splitlines() if l.startswith("factchecks ")).split()[1])


def test_cli_skips_malformed_rows_and_says_so(env, db_url):
    path = write(env, "fc.csv", UNTERMINATED)
    res = cli("import-factchecks", path, "--db", db_url)
    assert res.exit_code == 0, res.output
    assert res.stderr.splitlines()[0] == (f"skipped: {path} line 4: unterminated quote: the quote opened on line 4 "
                                          'never closes; close it, and write a quote inside a cell as ""')
    assert res.stdout.splitlines()[0] == "imported 5 new fact-check(s), updated 0, unchanged 0; 1 row(s) skipped"
    assert factchecks(db_url) == 5


def test_cli_strict_refuses_in_one_line_and_stores_nothing(env, db_url):
    path = write(env, "fc.csv", UNTERMINATED)
    res = cli("import-factchecks", path, "--strict", "--db", db_url)
    assert res.exit_code == 1 and res.stdout == ""
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path} line 4: unterminated quote")
    assert lines[0].endswith("fix the file, or drop --strict to import the good rows and skip the bad ones")
    assert factchecks(db_url) == 0
    assert "--strict" in cli("import-factchecks", "--help").stdout


def test_cli_binary_archive_message(env, db_url):
    path = env / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    res = cli("import-factchecks", path, "--db", db_url)
    assert res.exit_code == 1
    assert res.stderr.strip() == (f"Error: {path} looks like a binary file, not a fact-check archive: give a CSV "
                                  "with a 'claim' column, JSON lines (.jsonl), or ClaimReview JSON-LD")
