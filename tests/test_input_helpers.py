"""Shared input helpers: the JSON Lines loop (line numbers as an editor shows them, blank lines skipped, bad lines
reported) and the folder walk that finds article files."""
from claims.io.jsonl import json_lines


def test_values_and_reasons_come_with_their_line_numbers():
    lines = ['{"a": 1}', "", "   ", "[1, 2]", "{oops", '"text"']
    out = list(json_lines(lines))
    assert [(n, v) for n, v, bad in out if not bad] == [(1, {"a": 1}), (4, [1, 2]), (6, "text")]
    (n, v, bad), = [row for row in out if row[2]]
    assert n == 5 and v is None and bad  # the decoder's reason, for the one-line error the caller writes


def test_a_file_handle_works_like_a_list_of_lines(tmp_path):
    p = tmp_path / "feed.jsonl"
    p.write_text('{"text": "one"}\n\n{"text": "two"}\n', encoding="utf-8")
    with open(p, encoding="utf-8") as fh:
        assert [(n, v["text"]) for n, v, _ in json_lines(fh)] == [(1, "one"), (3, "two")]


def test_article_files_walks_a_folder_once_for_reading_and_queueing(tmp_path):
    import pytest

    from core.errors import InputError, NoArticles
    from claims.io.readers import article_files

    (tmp_path / "b.txt").write_text("B", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("A", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.txt").write_text("C", encoding="utf-8")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    assert [p.relative_to(tmp_path).as_posix() for p in article_files(tmp_path)] == ["b.txt", "sub/a.md"]
    assert article_files(tmp_path / "b.txt") == [tmp_path / "b.txt"]
    with pytest.raises(InputError, match="does not exist"):
        article_files(tmp_path / "missing.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoArticles, match="holds no articles"):
        article_files(tmp_path / "empty")
