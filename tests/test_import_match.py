"""Importing the archive fast (only new and changed claims embedded, the index updated once) and keeping the
inbox's recorded matches current: `claims ingest` matches the new claims, `claims import-factchecks` every
claim, both with the Claim page's decision. On SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from claims.cli import main
from claims.pipeline.embed import HashingEmbedder

ARCHIVE = ("claim,verdict,url\n"
           "The city spent $4.2 million on road repairs in 2024,Half true,https://fc.example/roads\n"
           "Unicorns live in the park,False,https://fc.example/unicorns\n"
           "Violent crime rose 22 percent under Mayor Ruiz,Mostly true,https://fc.example/crime\n")


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting the texts it was asked to embed."""

    def __init__(self):
        super().__init__()
        self.texts = 0

    def encode(self, texts, batch_size=32):
        self.texts += len(texts)
        return super().encode(texts, batch_size)


@pytest.fixture
def counting(bench):
    bench._embedder = CountingEmbedder()
    return bench


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_reports_progress_and_where_the_time_went(counting, tmp_path):
    seen, done = [], []
    report = counting.archive.import_file(write(tmp_path, "fc.csv", ARCHIVE), on_start=seen.append,
                                        progress=done.append)
    assert (report.created, report.updated) == (3, 0) and seen == [3] and sum(done) == 3
    assert set(report.seconds) == {"parse", "embed", "store", "index"}
    assert all(v >= 0 for v in report.seconds.values())
    assert counting.indexes.get("factcheck").count == 3  # indexed during the import, not on first search


def test_reimport_embeds_only_what_changed(counting, tmp_path):
    counting.archive.import_file(write(tmp_path, "fc.csv", ARCHIVE))
    embedded = counting.embedder.texts
    again = counting.archive.import_file(write(tmp_path, "fc.csv", ARCHIVE))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3) and counting.embedder.texts == embedded
    # one claim reworded: only it is embedded again, and search finds the new wording
    changed = ARCHIVE.replace("Unicorns live in the park", "Dragons nest in the old quarry")
    counting.archive.import_file(write(tmp_path, "fc2.csv", changed))
    assert counting.embedder.texts == embedded + 1
    assert counting.browse.stats()["factchecks"] == 3 and counting.indexes.get("factcheck").count == 3
    hit = counting.matches.search(["dragons nest in the quarry"], k=1, kinds=("factcheck",))[0]["results"][0]
    assert hit["url"] == "https://fc.example/unicorns" and hit["text"] == "Dragons nest in the old quarry"
    assert hit["dense"] > 0.9  # the new vector, not the old one


def test_headlines_are_embedded_at_import_not_at_search_time(counting, tmp_path):
    titled = ("claim,title,verdict,url\n"
              "The city spent $4.2 million on road repairs in 2024,Road repairs,Half true,https://fc.example/roads\n"
              "Unicorns live in the park,,False,https://fc.example/unicorns\n")
    counting.archive.import_file(write(tmp_path, "fc.csv", titled))
    assert counting.embedder.texts == 3  # two claims and one headline
    with counting.session() as s:
        from store import repo

        stored = repo.vectors_by_refs(s, "title", counting.embedder.name, [1, 2])
    assert len(stored) == 1
    before = counting.embedder.texts
    hit = counting.matches.search(["road repairs cost"], k=1, kinds=("factcheck",))[0]["results"][0]
    assert hit["title"] == "Road repairs" and counting.embedder.texts == before + 1  # the query alone
    # a new headline for the same check is embedded again, the unchanged claim is not
    counting.archive.import_file(write(tmp_path, "fc2.csv", titled.replace("Road repairs,", "Paving costs,")))
    assert counting.embedder.texts == before + 2


def test_a_key_twice_in_one_file_is_created_then_updated(counting, tmp_path):
    twice = ("claim,verdict,url\nA bridge fell,False,https://fc.example/b\n"
             "A bridge fell down,Mostly false,https://fc.example/b\n")
    report = counting.archive.import_file(write(tmp_path, "fc.csv", twice))
    assert (report.created, report.updated) == (1, 1)
    row = counting.matches.search(["a bridge fell down"], k=1, kinds=("factcheck",))[0]["results"][0]
    assert (row["text"], row["verdict"]) == ("A bridge fell down", "Mostly false")
    assert counting.browse.stats()["factchecks"] == 1 and counting.indexes.get("factcheck").count == 1


def test_refresh_matches_of_some_documents_only(bench, tmp_path):
    bench.archive.import_file(write(tmp_path, "fc.csv", ARCHIVE))
    first = bench.ingest.text("Riverton\n\nThe city spent $4.2 million on road repairs in 2024.", "a.txt",
                              match=False)
    bench.ingest.text("Lakeside\n\nThe new library cost 12 million dollars.", "b.txt", match=False)
    assert bench.matches.refresh(document_ids=first.document_ids) == 1
    assert bench.matches.pending() == 1  # the other article's claim is still to do
    rows = {r["document"]: r for r in bench.browse.inbox(limit=10)["rows"]}
    assert rows["a.txt"]["has_match"] and rows["a.txt"]["match_band"] == "match"
    assert rows["b.txt"]["match_score"] is None


def test_refresh_matches_without_an_archive_records_nothing(bench):
    bench.ingest.text("Riverton\n\nThe city spent $4.2 million on road repairs in 2024.", "a.txt")
    assert bench.matches.refresh() == 0 and bench.matches.refresh([1]) == 0
    assert bench.browse.inbox()["rows"][0]["match_score"] is None


def test_ingest_and_match_is_one_call(bench, tmp_path):
    bench.archive.import_file(write(tmp_path, "fc.csv", ARCHIVE))
    started = []
    report = bench.ingest.text("Riverton\n\nThe city spent $4.2 million on road repairs in 2024.", "a.txt",
                               on_match_start=started.append)
    assert started == [report.claims] and report.matched == report.claims == 1 and report.with_match == 1
    assert "1 have a match" in report.match_summary() and bench.matches.pending() == 0


def test_a_failed_comparison_keeps_the_articles(bench, tmp_path, monkeypatch):
    from core.errors import ModelMissing

    bench.archive.import_file(write(tmp_path, "fc.csv", ARCHIVE))

    def broken(*a, **k):
        raise ModelMissing("cannot load the fact-check reranker: gone")

    monkeypatch.setattr(bench.matches, "refresh", broken)
    report = bench.ingest.text("Riverton\n\nThe city spent $4.2 million on road repairs in 2024.", "a.txt")
    assert report.documents == 1 and report.matched == 0
    assert report.match_summary() == ("stored, but not compared with the fact-check archive: "
                                      "cannot load the fact-check reranker: gone")
    assert bench.browse.stats()["documents"] == 1 and bench.matches.pending() == 1


# --- the command line -----------------------------------------------------------------------------------


def run(*args):
    res = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def claims_stored(db_url) -> int:
    line = next(l for l in run("stats", "--db", db_url).splitlines() if l.startswith("claims "))
    return int(line.split()[1])


def test_cli_ingest_and_import_keep_the_matches_current(env, db_url):
    article = write(env, "a.txt", "Riverton\n\nThe city spent $4.2 million on road repairs in 2024.\n")
    out = run("ingest", article, "--db", db_url)
    assert "stored 1 new document" in out and "compared" not in out  # no archive yet: nothing to compare
    first = claims_stored(db_url)
    out = run("import-factchecks", write(env, "fc.csv", ARCHIVE), "--db", db_url).splitlines()
    assert out[0] == "imported 3 new fact-check(s), updated 0, unchanged 0"
    assert out[1].startswith(f"compared {first} claim(s) with the fact-check archive; ")
    assert int(out[1].split("; ")[1].split()[0]) >= 1  # the road repairs claim
    later = write(env, "b.txt", "Lakeside\n\nUnicorns live in the park, 3 witnesses say.\n"
                                "The new library cost 12 million dollars.\n")
    out = run("ingest", later, "--db", db_url).splitlines()
    assert out[-1].startswith(f"compared {claims_stored(db_url) - first} claim(s) with the fact-check archive; ")
    from claims.services.workbench import Workbench
    from core.settings import load_settings

    wb = Workbench(load_settings(db_url=db_url, model="test/hashing"))
    try:
        assert wb.matches.pending() == 0  # the command line left nothing for the inbox to do
    finally:
        wb.engine.dispose()


def test_a_server_does_not_wait_for_an_index_to_open(settings, tmp_path, monkeypatch):
    """With the indexes opening in the background (`warm`, what the app does when it starts), the Claim page's
    searches leave out what is not open yet instead of waiting for it, say so (`loading`), and find everything
    once it is open; the inbox's recorded matches (`refresh`) always wait, so they are never decided without
    the archive."""
    import threading

    import claims.services.indexes as indexes_module
    from claims.services.workbench import Workbench
    from conftest import FakeDetector

    def fresh():
        return Workbench(settings, embedder=HashingEmbedder(), detector=FakeDetector(), attribution=False)

    first = fresh()
    first.archive.import_file(write(tmp_path, "fc.csv", ARCHIVE))
    first.ingest.text("The city spent $4.2 million on road repairs in 2024, the mayor said.\n\n"
                      "The city spent $4.2 million on road repairs in 2024, a report found.", name="a")
    first.ingest.text("The city spent $4.2 million on road repairs in 2024.", name="b")
    claim_id = min(c["claim_id"] for c in first.browse.claims())
    assert any(r["kind"] == "factcheck" for r in first.matches.for_claim(claim_id))  # when it waits

    gate, real_open = threading.Event(), indexes_module.open_index

    def slow_open(*args, **kwargs):
        assert gate.wait(60), "the test never let the index open"
        return real_open(*args, **kwargs)

    monkeypatch.setattr(indexes_module, "open_index", slow_open)
    server = fresh()  # a server process that has just started
    server.indexes.warm()
    assert server.indexes.background and sorted(server.indexes.loading()) == ["claim", "factcheck"]
    assert server.matches.for_claim(claim_id) == []  # nothing yet, and no wait
    assert [m["claim_id"] for m in server.matches.group(claim_id)["members"]] == [claim_id]
    gate.set()
    for thread in list(server.indexes._warming.values()):
        thread.join(30)
    assert server.indexes.loading() == [] and server.indexes.failed == {}
    found = server.matches.for_claim(claim_id)
    assert any(r["kind"] == "factcheck" for r in found) and any(r["kind"] == "claim" for r in found)
    assert len(server.matches.group(claim_id)["members"]) >= 2


def test_refresh_waits_for_an_index_opening_in_the_background(settings, tmp_path, monkeypatch):
    import threading

    import claims.services.indexes as indexes_module
    from claims.services.workbench import Workbench
    from conftest import FakeDetector

    def fresh():
        return Workbench(settings, embedder=HashingEmbedder(), detector=FakeDetector(), attribution=False)

    first = fresh()
    first.archive.import_file(write(tmp_path, "fc.csv", ARCHIVE))
    gate, real_open = threading.Event(), indexes_module.open_index
    monkeypatch.setattr(indexes_module, "open_index", lambda *a, **k: (gate.wait(60), real_open(*a, **k))[1])
    server = fresh()
    server.indexes.warm()
    threading.Timer(0.5, gate.set).start()
    report = server.ingest.text("The city spent $4.2 million on road repairs in 2024, officials said.", name="c")
    assert report.claims == 1 and server.browse.count({"has_match": True}) == 1


def test_an_index_refuses_vectors_another_encoder_made_until_reindex(settings, tmp_path):
    """CLAIMS_MODEL changed (float32 MiniLM to bfloat16, say): the stored vectors are another encoder's, and
    searching them with this one would silently miss them. Refused with what to do, until `claims reindex`."""
    from claims.services.workbench import Workbench
    from conftest import FakeDetector
    from core.errors import IndexMismatch

    class Other(HashingEmbedder):
        name = "test/other-encoder"

    first = Workbench(settings, embedder=HashingEmbedder(), detector=FakeDetector(), attribution=False)
    first.archive.import_file(write(tmp_path, "fc.csv", ARCHIVE))
    first.ingest.text("The city spent $4.2 million on road repairs in 2024, the mayor said.", name="a")
    claim_id = min(c["claim_id"] for c in first.browse.claims())
    switched = Workbench(settings, embedder=Other(), detector=FakeDetector(), attribution=False)
    with pytest.raises(IndexMismatch, match=r"made by test/hashing, not by test/other-encoder.*claims reindex"):
        switched.matches.for_claim(claim_id)
    switched.indexes.warm()  # a server: the same error, from the background opening
    for thread in list(switched.indexes._warming.values()):
        thread.join(30)
    with pytest.raises(IndexMismatch, match="claims reindex"):
        switched.matches.for_claim(claim_id)
    switched.indexes.background = False
    counts = switched.indexes.rebuild()
    assert counts == {"claim": 1, "factcheck": 3}
    assert any(r["kind"] == "factcheck" for r in switched.matches.for_claim(claim_id))

    from store import repo

    with switched.indexes.session() as s:  # the old encoder's vectors are kept: going back needs no new pass
        assert set(repo.vector_models(s, "claim")) == {"test/hashing", "test/other-encoder"}
    pruned = switched.indexes.rebuild(prune=True)  # `claims reindex --prune`
    assert set(pruned["pruned"]) == {"test/hashing"} and pruned["pruned"]["test/hashing"] >= 4
    with switched.indexes.session() as s:
        assert {k: set(repo.vector_models(s, k)) for k in ("claim", "factcheck")} == {
            "claim": {"test/other-encoder"}, "factcheck": {"test/other-encoder"}}
    assert any(r["kind"] == "factcheck" for r in switched.matches.for_claim(claim_id))


def test_an_unset_model_keeps_the_databases_encoder_and_a_new_database_gets_the_machines(settings, tmp_path,
                                                                                       monkeypatch):
    """CLAIMS_MODEL unset ("auto"): a database whose vectors one encoder made keeps that encoder (no refusal
    after an upgrade); an empty one gets MiniLM in bfloat16 where the CPU computes it natively, else float32."""
    from dataclasses import replace

    from claims.pipeline import minilm
    from claims.services.workbench import Workbench
    from conftest import FakeDetector
    from core.settings import AUTO_MODEL, DEFAULT_MODEL

    auto = replace(settings, model=AUTO_MODEL)
    for native, want in ((True, DEFAULT_MODEL + "@bf16"), (False, DEFAULT_MODEL)):
        monkeypatch.setattr(minilm, "cpu_has_bf16", lambda native=native: native)
        assert Workbench(auto).model_name == want

    first = Workbench(settings, embedder=HashingEmbedder(), detector=FakeDetector(), attribution=False)
    first.archive.import_file(write(tmp_path, "fc.csv", ARCHIVE))
    monkeypatch.setattr(minilm, "cpu_has_bf16", lambda: True)
    later = Workbench(auto, detector=FakeDetector(), attribution=False)
    assert later.model_name == HashingEmbedder.name
    assert later.embedder.name == HashingEmbedder.name
    assert Workbench(replace(settings, model=DEFAULT_MODEL)).model_name == DEFAULT_MODEL  # named: as named
    from core.settings import load_settings

    monkeypatch.delenv("CLAIMS_MODEL", raising=False)
    assert load_settings().model == AUTO_MODEL
