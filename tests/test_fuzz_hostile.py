"""Issue 14's hostile inputs, mixed by hypothesis and thrown at every way in: `ingest` (named files), the upload
path, `import-factchecks` and the queue (`queue add`, then a worker), on SQLite and PostgreSQL.

Whatever comes in: no exception but the product's own one-line errors, nothing stored when one is raised, an
input error never retried by the queue, and at the end a dump of what was stored restores into PostgreSQL (a NUL
that SQLite would store cannot be restored there)."""
from __future__ import annotations

import io

import pytest
from conftest import FakeDetector, _pg_drop, _pg_schema_url
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from claims.pipeline.embed import HashingEmbedder
from claims.services.workbench import Workbench
from core.errors import InputError, WorkbenchError
from core.settings import load_settings

NASTY = ["\x00", "\u200b", "\u202e", "\u2066", "\ufeff", "\x07", "\x1b[31m", "\r", "\u0085", "\ud7ff",
         "=HYPERLINK(\"http://evil.example/x\",\"click\")", "@SUM(1+1)*cmd|' /C calc'!A0", "+1", "-2", '"', '""',
         "\n", ",", "\t"]
WORDS = ["Bridge", "tolls", "rose", "12", "percent", "in", "2024.", "The", "mayor", "said", "crime", "fell",
         "“quoted”", "4.2", "million", "dollars", "Ms.", "Ruiz", "U.S."]
SUFFIXES = [".txt", ".md", ".html", ".jsonl", ".csv", ".json", ".tsv", ""]


@st.composite
def hostile_text(draw) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(NASTY),
                                    st.text(min_size=0, max_size=8)), min_size=1, max_size=60))
    text = " ".join(parts)
    if draw(st.booleans()):  # something past the first 8 KiB, where the binary check used not to look
        text = "Long read.\n\n" + "Tolls rose 12 percent in 2024. " * 300 + draw(st.sampled_from(NASTY)) + text
    return text


@st.composite
def hostile_file(draw) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from(SUFFIXES))
    text = draw(hostile_text())
    if suffix == ".jsonl":
        import json

        text = "\n".join(json.dumps({"text": line, "title": line[:20]}) for line in text.split("\n") if line) or text
    elif suffix == ".csv" and draw(st.booleans()):
        text = "claim,verdict\n" + text + '\n"unterminated,True\nFares fell 3 percent,False\n'
    data = text.encode("utf-8", "surrogatepass") if draw(st.booleans()) else text.encode("utf-8", "replace")
    if draw(st.integers(0, 9)) == 0:
        data = data[: draw(st.integers(0, len(data)))]  # cut anywhere, a UTF-8 sequence too
    return f"input{suffix}", data


def _bench(db_url, tmp_path) -> Workbench:
    return Workbench(load_settings(home=str(tmp_path / "home"), db_url=db_url), embedder=HashingEmbedder(),
                     detector=FakeDetector(), attribution=False)


def _state(bench) -> tuple:
    return tuple(sorted(bench.browse.stats().items())), tuple(sorted(bench.jobs.status()["counts"].items()))


def _one_line(exc: WorkbenchError) -> None:
    message = str(exc)
    assert message and "\n" not in message and "Traceback" not in message, message


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(files=st.lists(hostile_file(), min_size=1, max_size=3), way=st.sampled_from(
    ["ingest", "upload", "archive", "queue"]))
def test_hostile_input_ends_in_one_line_and_stores_nothing_half_way(db_url, tmp_path_factory, files, way):
    tmp = tmp_path_factory.mktemp("hostile")
    bench = _bench(db_url, tmp)
    paths = []
    for i, (name, data) in enumerate(files):
        if way == "archive" and not name.endswith((".csv", ".jsonl", ".json")):
            # an archive: the hostile text as claims, one a line, under a CSV header
            name, data = "input.csv", b"claim,verdict\n" + data + b"\nFares fell 3 percent in 2024,False\n"
        path = tmp / f"{i}-{name}"
        path.write_bytes(data)
        paths.append(path)
    before = _state(bench)
    try:
        if way == "ingest":
            bench.ingest.run([str(p) for p in paths])
        elif way == "upload":
            bench.ingest.uploads([(p.name, p.read_bytes()) for p in paths])
        elif way == "archive":
            for p in paths:
                bench.archive.import_file(p)
        else:
            bench.jobs.enqueue([str(p) for p in paths], local=True)
            report = bench.jobs.drain(worker="fuzz")
            assert report.retried == 0, report.errors  # an input error is final: never retried
            for line in report.errors:
                assert "\n" not in line and "Traceback" not in line, line
        event(f"{way}: accepted")
    except WorkbenchError as exc:
        event(f"{way}: refused ({type(exc).__name__})")
        _one_line(exc)
        if way != "archive" or len(paths) == 1:
            assert _state(bench) == before, f"{way} failed with {exc} but stored something"
        assert isinstance(exc, InputError) or "database" in str(exc).lower(), exc
    _restores_into_postgresql(bench, tmp)
    bench.engine.dispose()


def _restores_into_postgresql(bench, tmp) -> None:
    """What was stored can be dumped and restored into PostgreSQL (when a server is there)."""
    from conftest import PG_URL, _pg_available

    if bench.engine.dialect.name == "postgresql" or not _pg_available():
        return
    buf = io.StringIO()
    bench.backup.dump(buf)
    url, schema, plain = _pg_schema_url(PG_URL)
    try:
        target = _bench(url, tmp / "pg")
        target.backup.restore(io.StringIO(buf.getvalue()))
        target.engine.dispose()
    finally:
        _pg_drop(plain, schema)
