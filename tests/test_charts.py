"""The docs' charts (claims.research.charts): drawn from the experiment files, one dot and interval per figure."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from claims.research import charts

NS = "{http://www.w3.org/2000/svg}"


def test_a_chart_has_a_dot_per_figure_and_escapes_its_labels():
    rows = [("test: <rules> & tagger", {m: (0.8, 0.7, 0.9) for m in charts.METRICS}),
            ("held out", {m: (0.95, 0.5, 1.2) for m in charts.METRICS})]  # an interval past the axis is clipped
    root = ET.fromstring(charts.svg("A title", rows, {"recall": 0.85}))
    assert len(root.findall(f"{NS}circle")) == 2 * len(charts.METRICS)
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert "test: <rules> & tagger" in texts and "A title" in texts
    xs = [float(c.get("cx")) for c in root.findall(f"{NS}circle")]
    assert all(0 < x < float(root.get("width")) for x in xs)
    assert any(line.get("stroke-dasharray") for line in root.iter(f"{NS}line"))  # the target


def test_figures_are_read_from_both_kinds_of_experiment_file(tmp_path):
    span = {"metrics": {"pair_lenient": {"precision": 0.9, "recall": 0.7, "f1": 0.79}},
            "pair_lenient_interval": {"precision": [0.8, 0.95], "recall": [0.6, 0.8], "f1": [0.7, 0.85]}}
    detect = {"precision": 0.86, "recall": 0.82, "f1": 0.84,
              "interval": {"precision": [0.8, 0.9], "recall": [0.78, 0.86], "f1": [0.81, 0.87]}}
    (tmp_path / "a.json").write_text(json.dumps(span))
    (tmp_path / "d.json").write_text(json.dumps(detect))
    assert charts.figures(tmp_path / "a.json")["recall"] == (0.7, 0.6, 0.8)
    assert charts.figures(tmp_path / "d.json")["f1"] == (0.84, 0.81, 0.87)
    (tmp_path / "both.json").write_text(json.dumps({"readers": span, "labels": detect}))  # agreement's file
    assert charts.figures(f"{tmp_path / 'both.json'}#labels")["f1"] == (0.84, 0.81, 0.87)
    assert charts.figures(f"{tmp_path / 'both.json'}#readers")["recall"] == (0.7, 0.6, 0.8)


def test_the_command_names_a_missing_file(tmp_path, capsys):
    assert charts.main(["--experiments", str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    assert "missing" in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_the_shipped_charts_are_what_the_experiment_files_draw(tmp_path):
    assert charts.main(["--out", str(tmp_path)]) == 0
    for name, c in charts.CHARTS.items():
        drawn = (tmp_path / name).read_text(encoding="utf-8")
        assert drawn == (charts.ROOT / "docs" / "charts" / name).read_text(encoding="utf-8"), \
            f"docs/charts/{name} is out of date: python -m claims.research.charts"
        assert len(ET.fromstring(drawn).findall(f"{NS}circle")) == len(c["rows"]) * len(charts.METRICS)
    drawn = (tmp_path / charts.MATCH_CV["name"]).read_text(encoding="utf-8")
    assert drawn == (charts.ROOT / "docs" / "charts" / charts.MATCH_CV["name"]).read_text(encoding="utf-8")
    assert len(ET.fromstring(drawn).findall(f"{NS}rect")) == 1 + len(charts.MATCH_CV["rows"])  # background + means


def test_the_cv_chart_draws_every_fold_and_the_target_above_the_baseline():
    root = ET.fromstring(charts.svg_cv("CV", [("a", [0.90, 0.91, 0.92]), ("b", [0.89, 0.93])], [0.90, 0.90]))
    assert len(root.findall(f"{NS}circle")) == 5
    titles = [t.text for t in root.iter(f"{NS}title")]
    assert any(t.startswith("target: fusion + 0.01 = 0.9100") for t in titles)
