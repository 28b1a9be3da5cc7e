"""Hostile input to the readers and importers: they either work or raise an error meant for the user."""
import json

from hypothesis import HealthCheck, given, settings, strategies as st

from claims.matching.archive import read_archive
from core.errors import InputError, WorkbenchError
from claims.io.readers import read_bytes, read_feed
from core.settings import load_settings

SETTINGS = load_settings(home="/tmp/unused")
fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@fast
@given(st.binary(max_size=2000), st.sampled_from(["", ".txt", ".html", ".jsonl", ".md"]))
def test_read_bytes_never_crashes(data, suffix):
    try:
        articles = read_bytes(data, "x" + suffix, suffix=suffix, settings=SETTINGS)
    except InputError:
        return
    assert articles and all(a.text.strip() for a in articles)


@fast
@given(st.lists(st.one_of(st.text(max_size=80), st.dictionaries(st.sampled_from(["text", "title", "url", "id", "html", "x"]),
                                                                  st.one_of(st.text(max_size=40), st.integers(), st.none())).map(json.dumps)),
                max_size=8))
def test_feed_never_crashes(lines):
    try:
        read_feed("\n".join(lines), "feed.jsonl", "")
    except InputError:
        pass


@fast
@given(st.text(max_size=600), st.sampled_from([".csv", ".json", ".jsonl"]))
def test_archive_never_crashes(tmp_path_factory, text, suffix):
    path = tmp_path_factory.mktemp("fuzz") / ("archive" + suffix)
    path.write_text(text, encoding="utf-8")
    try:
        read = read_archive(path)
    except WorkbenchError:
        return
    for rec in read.records:
        assert rec["claim"].strip()


@fast
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20)),
                    lambda children: st.one_of(st.lists(children, max_size=4),
                                               st.dictionaries(st.sampled_from(
                                                   ["@type", "@graph", "claimReviewed", "reviewRating", "itemReviewed",
                                                    "author", "name", "alternateName", "ratingValue", "url"]),
                                                   children, max_size=5)),
                    max_leaves=20))
def test_claimreview_shapes_never_crash(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "archive.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        read_archive(path)
    except WorkbenchError:
        pass
