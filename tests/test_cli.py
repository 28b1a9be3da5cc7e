"""The `claims` command line: its contract, and one-line errors that leave the database unchanged."""
import json

import pytest
from click.testing import CliRunner

from claims.cli import main

ARTICLE = "Crime fell 12 percent in 2024, the police chief said.\n\nWhat a week it was.\n\nLoad more\n"


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def stats(db_url):
    res = run("stats", "--db", db_url)
    assert res.exit_code == 0, res.output
    return res.output


def one_line_error(res):
    assert res.exit_code != 0
    lines = [l for l in res.output.splitlines() if l.strip()]
    assert len(lines) == 1, res.output
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.mark.parametrize("case", ["empty", "binary", "latin1", "huge", "emptydir", "url", "scheme", "missing"])
def test_bad_input_one_line_error_and_database_unchanged(env, db_url, case):
    good = env / "good.txt"
    good.write_text(ARTICLE)
    assert run("ingest", good, "--db", db_url).exit_code == 0
    before = stats(db_url)
    bad = env / "bad.txt"
    if case == "empty":
        bad.write_text("")
        target, word = bad, "empty"
    elif case == "binary":
        bad.write_bytes(bytes(range(256)) * 10)
        target, word = bad, "binary"
    elif case == "latin1":
        bad.write_bytes("Le café coûte 3 € de plus, a déclaré le maire.".encode("latin-1", errors="replace"))
        target, word = bad, "UTF-8"
    elif case == "huge":
        bad.write_text(("Prices rose 4 percent in 2024. " * 700_000))  # ~21 MB
        target, word = bad, "limit"
    elif case == "emptydir":
        (env / "nothing").mkdir()
        (env / "nothing" / "notes.pdf").write_bytes(b"%PDF")
        target, word = env / "nothing", "no articles"
    elif case == "url":
        target, word = "http://nonexistent.invalid/story.html", "cannot reach"
    elif case == "scheme":
        target, word = "file:///etc/passwd", "only http"
    else:
        target, word = env / "nope.txt", "does not exist"
    line = one_line_error(run("ingest", good, target, "--db", db_url))
    assert word in line
    assert stats(db_url) == before


def test_csv_without_claim_column(env, db_url):
    before = stats(db_url)
    bad = env / "fc.csv"
    bad.write_text("statement,verdict\nx,False\n")
    assert "claim" in one_line_error(run("import-factchecks", bad, "--db", db_url))
    assert stats(db_url) == before


@pytest.mark.parametrize("url", ["nonsense://", "not a url", "mysql://u@h/db", "postgresql+psycopg://nobody@127.0.0.1:1/x"])
def test_malformed_or_unreachable_db_url(env, url):
    good = env / "good.txt"
    good.write_text(ARTICLE)
    line = one_line_error(run("ingest", good, "--db", url))
    assert "database" in line
    assert not (env / "home" / "claims.db").exists()


def test_extract_contract_jsonl(env):
    path = env / "a.txt"
    path.write_text(ARTICLE)
    res = run("extract", path)
    assert res.exit_code == 0, res.output
    rows = [json.loads(l) for l in res.output.splitlines()]
    need = {"doc", "index", "text", "start", "end", "is_claim", "score", "claim_type", "source", "cue", "quote",
            "attributions"}
    assert rows and all(need <= set(r) for r in rows)
    assert [r["index"] for r in rows] == list(range(len(rows)))
    for r in rows:
        assert ARTICLE[r["start"]:r["end"]] == r["text"]
        assert 0 <= r["score"] <= 1
    assert next(r for r in rows if r["text"] == "Load more")["is_claim"] is False


def test_extract_lines_and_stdin(env):
    res = run("extract", "--lines", "-", input="First line here\n\nSecond line, with 3 numbers 4 5\n")
    rows = [json.loads(l) for l in res.output.splitlines()]
    assert [r["text"] for r in rows] == ["First line here", "Second line, with 3 numbers 4 5"]


def test_extract_table(env):
    path = env / "a.txt"
    path.write_text(ARTICLE)
    res = run("extract", path, "--format", "table")
    lines = res.output.splitlines()
    assert res.exit_code == 0 and "Load more" in res.output and "score" in lines[1]
    assert lines[0] == f"{path}: article (detected)"  # which genre's threshold scored it
    # a sentence with two sources: the columns show the first, a line under it the other
    two = ("Officials at the Reserve Bank expect inflation to reach 2 percent in 2026, according to minutes of "
           "the bank's October meeting.\n")
    res = run("extract", "--lines", "-", "--format", "table", input=two)
    assert res.exit_code == 0 and "Officials at the Reserve Bank" in res.output.splitlines()[2]
    assert "also: minutes of the bank's October meeting — according to (reported)" in res.output


def test_extract_gives_attributions_for_a_sentence_that_is_no_claim(env):
    """Every sentence carries its attributions, claim or not: in the JSON and in the table's source column. The
    seed's Department of Justice sentence is a claim, the senior official's quote is none; both name their source."""
    from conftest import need_seed

    seed = need_seed()
    res = run("extract", seed)
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.output.splitlines()]
    doj = next(r for r in rows if r["text"].startswith("According to a short Department of Justice release"))
    assert doj["is_claim"], "the seed's Department of Justice sentence is a claim (docs/checkworthiness-guideline.md)"
    assert [(a["cue"], a["quote"]) for a in doj["attributions"]] == [("according to", "reported")]
    assert "Department of Justice" in doj["attributions"][0]["source"]
    assert "Department of Justice" in doj["source"] and doj["cue"] == "according to"
    quote = next(r for r in rows if "We have been clear with the Chinese government" in r["text"])
    assert not quote["is_claim"], "the senior official's quote is no claim (docs/checkworthiness-guideline.md)"
    assert [(a["source"], a["cue"], a["quote"]) for a in quote["attributions"]] == [
        ("a senior administration official", "told", "direct")]
    assert all("attributions" in r for r in rows)

    table = run("extract", seed, "--format", "table")
    assert table.exit_code == 0, table.output
    line = next(l for l in table.output.splitlines() if "We have been clear" in l)
    assert " yes " not in line and "a senior administration official" in line and "told" in line
    line = next(l for l in table.output.splitlines() if "According to a short Department" in l)
    assert " yes " in line and "Department of Justice" in line and "according to" in line


def test_ingest_search_export_round_trip(env, db_url):
    path = env / "a.txt"
    path.write_text(ARTICLE)
    fc = env / "fc.csv"
    fc.write_text("claim,verdict,url\nCrime fell 12 percent in 2024,Mostly true,https://fc.example/crime\n")
    out = run("ingest", path, "--db", db_url).output
    assert "stored 1 new document" in out
    assert "already stored" in run("ingest", path, "--db", db_url).output
    assert "imported 1 new" in run("import-factchecks", fc, "--db", db_url).output
    res = run("search", "crime fell 12 percent", "--db", db_url, "--k", "2")
    line = json.loads(res.output.splitlines()[0])
    assert line["query"] == "crime fell 12 percent"
    assert line["results"][0]["kind"] in ("factcheck", "claim")
    assert any(r["verdict"] == "Mostly true" for r in line["results"])
    csv_out = run("export", "--db", db_url).output
    assert csv_out.splitlines()[0].startswith("claim_id,document")
    target = env / "out.json"
    assert run("export", "--format", "claimreview", "--out", target, "--db", db_url).exit_code == 0
    assert json.loads(target.read_text()) == []  # nothing reviewed yet
    assert "indexed" in run("reindex", "--db", db_url).output


def test_every_command_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name, cmd in main.commands.items():
        assert f"claims {name}" in readme, f"README does not mention `claims {name}`"
        for sub in getattr(cmd, "commands", {}):
            assert f"claims {name} {sub}" in readme, f"README does not mention `claims {name} {sub}`"


def test_dump_and_restore_commands(env, db_url):
    path = env / "a.txt"
    path.write_text(ARTICLE)
    run("ingest", path, "--db", db_url)
    backup = env / "backup.jsonl"
    res = run("dump", "--out", backup, "--db", db_url)
    assert res.exit_code == 0 and "1 documents" in res.output
    other = f"sqlite:///{env / 'restored.db'}"
    res = run("restore", backup, "--db", other)
    assert res.exit_code == 0 and "1 documents" in res.output
    assert stats(other) == stats(db_url)
    # a second restore into the now full database is refused, one line, nothing changed
    assert "empty database" in one_line_error(run("restore", backup, "--db", other))
    assert stats(other) == stats(db_url)


# --- claims review: the app's rules from a terminal ------------------------------------------------------------
def _claim(env, db_url) -> int:
    path = env / "a.txt"
    path.write_text(ARTICLE)
    assert run("ingest", path, "--db", db_url).exit_code == 0
    return int(run("export", "--db", db_url).stdout.splitlines()[1].split(",")[0])


def test_review_saves_and_prints_the_review_as_json(env, db_url, monkeypatch):
    monkeypatch.delenv("CLAIMS_REVIEWER", raising=False)
    cid = _claim(env, db_url)
    res = run("review", cid, "--verdict", "Mostly false", "--rationale", "Police data show 4 percent.",
              "--evidence", "https://police.example/stats", "--evidence", "https://news.example/fact",
              "--reviewer", "dana", "--version", 1, "--db", db_url)
    assert res.exit_code == 0, res.output
    saved = json.loads(res.stdout)
    assert {k: saved[k] for k in ("claim_id", "status", "verdict", "reviewer", "version")} == {
        "claim_id": cid, "status": "reviewed", "verdict": "Mostly false", "reviewer": "dana", "version": 2}
    assert saved["evidence"] == "https://police.example/stats\nhttps://news.example/fact"
    monkeypatch.setenv("CLAIMS_REVIEWER", "erin")  # the settings' name when --reviewer is not given
    saved = json.loads(run("review", cid, "--status", "published", "--db", db_url).stdout)
    assert (saved["status"], saved["reviewer"], saved["version"]) == ("published", "erin", 3)
    history = [json.loads(l) for l in run("history", "--format", "jsonl", "--claim", cid, "--db", db_url).stdout.splitlines()]
    assert [e["reviewer"] for e in history] == ["dana", "erin"]


@pytest.mark.parametrize("args, word", [
    (["--verdict", "Pants on fire"], "unknown verdict"),
    (["--status", "accepted"], "status must be one of new, in progress, reviewed, published, dismissed"),
    (["--evidence", "javascript:alert(1)"], "give full http(s) links"),
    (["--evidence", "www.example.org/report"], "not a web address"),
    (["--verdict", "True", "--version", "7"], "after you opened it (version 7)"),
    ([], "nothing to save"),
])
def test_review_refuses_with_one_line_and_saves_nothing(env, db_url, monkeypatch, args, word):
    monkeypatch.setenv("CLAIMS_REVIEWER", "dana")
    cid = _claim(env, db_url)
    line = one_line_error(run("review", cid, *args, "--db", db_url))
    assert word in line
    assert json.loads(run("history", "--format", "jsonl", "--db", db_url).stdout or "null") is None
    assert one_line_error(run("review", 424242, "--verdict", "True", "--db", db_url)).endswith("no claim with id 424242")


def test_review_needs_a_named_reviewer(env, db_url, monkeypatch):
    cid = _claim(env, db_url)
    for name in ("CLAIMS_REVIEWER", "USER", "LOGNAME"):
        monkeypatch.delenv(name, raising=False)
    res = run("review", cid, "--verdict", "True", "--db", db_url)
    assert res.exit_code == 1 and "no reviewer named" in one_line_error(res) and "--reviewer" in res.output
    monkeypatch.setenv("USER", "fact-checker")  # the login name will do
    assert json.loads(run("review", cid, "--verdict", "True", "--db", db_url).stdout)["reviewer"] == "fact-checker"


def test_export_for_excel_and_the_claimreview_notes(env, db_url, monkeypatch):
    for name in ("CLAIMS_PUBLISHER_NAME", "CLAIMS_PUBLISHER_URL", "CLAIMS_REVIEW_URL"):
        monkeypatch.delenv(name, raising=False)
    cid = _claim(env, db_url)
    run("review", cid, "--verdict", "False", "--reviewer", "dana", "--db", db_url)
    out = env / "claims.csv"
    assert run("export", "--excel", "--out", out, "--db", db_url).exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfclaim_id,document,document_origin,") and str(env).encode() not in data
    assert "a.txt" in data.decode("utf-8-sig")
    res = run("export", "--format", "claimreview", "--db", db_url)
    assert res.exit_code == 0 and "author" not in json.loads(res.stdout)[0]
    assert [l.split(" is not set")[0] for l in res.stderr.splitlines()] == [
        "note: CLAIMS_PUBLISHER_NAME", "note: CLAIMS_REVIEW_URL"]
    monkeypatch.setenv("CLAIMS_PUBLISHER_NAME", "Riverton Checks")
    monkeypatch.setenv("CLAIMS_REVIEW_URL", "https://checks.example/claims/{id}")
    res = run("export", "--format", "claimreview", "--db", db_url)
    item = json.loads(res.stdout)[0]
    assert res.stderr == "" and item["author"]["name"] == "Riverton Checks"
    assert item["url"] == f"https://checks.example/claims/{cid}"
    assert "for CSV" in one_line_error(run("export", "--format", "claimreview", "--excel", "--db", db_url))


def test_serve_hides_the_deploy_button(monkeypatch):
    import os

    seen = {}
    monkeypatch.setattr(os, "execve", lambda exe, cmd, env: seen.update(cmd=cmd))
    assert run("serve", "--port", 8599).exit_code == 0
    cmd = seen["cmd"]
    assert cmd[cmd.index("--client.toolbarMode") + 1] == "minimal"
    assert cmd[cmd.index("--server.port") + 1] == "8599"


def test_importing_the_same_archive_again_reports_it_unchanged(env, db_url):
    from pathlib import Path

    samples = Path(__file__).resolve().parent.parent / "samples" / "factchecks.csv"
    first = run("import-factchecks", samples, "--db", db_url)
    assert first.stdout.splitlines()[0] == "imported 25 new fact-check(s), updated 0, unchanged 0"
    again = run("import-factchecks", samples, "--db", db_url)
    assert again.exit_code == 0
    assert again.stdout.splitlines() == ["imported 0 new fact-check(s), updated 0, unchanged 25"]  # nothing to re-match
    changed = env / "factchecks.csv"
    lines = samples.read_text(encoding="utf-8").splitlines(keepends=True)
    changed.write_text("".join(lines[:2]) + lines[2].replace("since 2022.", "since 2021.", 1) + "".join(lines[3:]), encoding="utf-8")
    out = run("import-factchecks", changed, "--db", db_url).stdout.splitlines()[0]
    assert out == "imported 0 new fact-check(s), updated 1, unchanged 24"
