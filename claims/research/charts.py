"""Charts of the figures people compare, drawn from the experiment files in docs/experiments (no plotting library:
plain SVG, so the docs render them anywhere and the script runs in the product's environment).

    python -m claims.research.charts [--experiments docs/experiments] [--out docs/charts]

Each chart has one row a reading: precision, recall and F1 as dots with their 95% bootstrap interval, and the
issue's target as a dashed line. Held-out readings and test readings are told apart in the row's label.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]
METRICS = ("precision", "recall", "f1")
LO, HI = 0.6, 1.0  # the axis every panel shares

CHARTS = {
    "attribution_readings.svg": {
        "title": "Attribution on real news (Wikinews gold): source + cue, lenient; 95% bootstrap over articles",
        "targets": {"precision": 0.92, "recall": 0.85},
        "rows": [
            ("test: second-round rules (2026-12-05)", "attribution_wikinews_test_2026-12-05_rules2.json"),
            ("test: third-round rules", "attribution_wikinews_test_2026-12-06_rules4.json"),
            ("test: fourth-round rules", "attribution_wikinews_test_2026-12-06_round4.json"),
            ("test: fifth-round rules + cue tagger", "attribution_wikinews_test_2026-12-06_round5.json"),
            ("test: sixth-round rules (no tagger)", "attribution_wikinews_test_2026-12-06_round6.json"),
            ("test: seventh-round rules", "attribution_wikinews_test_2026-12-06_round7.json"),
            ("test: eighth-round rules", "attribution_wikinews_test_2026-12-06_round8.json"),
            ("test: ninth-round rules", "attribution_wikinews_test_2026-12-06_round9.json"),
            ("test: ninth round + learned step", "attribution_wikinews_test_2026-12-06_round9_learned.json"),
            ("test: learned step refitted on draws 1-10",
             "attribution_wikinews_test_2026-12-06_learned_draws1-10.json"),
            ("test: tenth-round rules, step fitted on draws 1-10", "attribution_wikinews_test_2026-12-06_round10.json"),
            ("test: step refitted on draws 1-11 (shipped)", "attribution_wikinews_test_2026-12-06_round10_learned.json"),
            ("held out, draw 3: third-round rules", "attribution_wikinews_draw3_2026-12-06.json"),
            ("held out, draw 4: third-round rules", "attribution_wikinews_draw4_2026-12-06_before_round4.json"),
            ("held out, draw 4: fourth-round rules", "attribution_wikinews_draw4_2026-12-06.json"),
            ("held out, draw 5: fourth-round rules", "attribution_wikinews_draw5_2026-12-06.json"),
            ("draw 5 (it chose the tagger): fifth round + tagger", "attribution_wikinews_draw5_2026-12-06_round5.json"),
            ("held out, draw 6: fifth round + cue tagger", "attribution_wikinews_draw6_2026-12-06.json"),
            ("held out, draw 7: fifth round + cue tagger", "attribution_wikinews_draw7_2026-12-06_round5.json"),
            ("held out, draw 7: sixth-round rules", "attribution_wikinews_draw7_2026-12-06.json"),
            ("held out, draw 8: sixth-round rules", "attribution_wikinews_draw8_2026-12-06_round6.json"),
            ("held out, draw 8: seventh-round rules", "attribution_wikinews_draw8_2026-12-06.json"),
            ("held out, draw 9: seventh-round rules", "attribution_wikinews_draw9_2026-12-06_round7.json"),
            ("held out, draw 9: eighth-round rules", "attribution_wikinews_draw9_2026-12-06.json"),
            ("held out, draw 10: eighth-round rules", "attribution_wikinews_draw10_2026-12-06_round8.json"),
            ("held out, draw 10: ninth-round rules", "attribution_wikinews_draw10_2026-12-06_round9.json"),
            ("held out, draw 10: ninth round + learned step", "attribution_wikinews_draw10_2026-12-06.json"),
            ("held out, draw 11: learned step fitted on draws 1-9",
             "attribution_wikinews_draw11_2026-12-06_learned_draws1-9.json"),
            ("held out, draw 11: refitted on draws 1-10", "attribution_wikinews_draw11_2026-12-06.json"),
            ("held out, draw 12: before round 10", "attribution_wikinews_draw12_2026-12-06_before_round10.json"),
            ("held out, draw 12: round 10, step refitted on 1-11", "attribution_wikinews_draw12_2026-12-06.json"),
            ("test: round 11", "attribution_wikinews_test_2026-12-06_round11b.json"),
            ("held out, draw 13: round 10", "attribution_wikinews_draw13_2026-12-06.json"),
            ("held out, draw 14: before round 11", "attribution_wikinews_draw14_2026-12-06_before_round11.json"),
            ("held out, draw 14: round 11", "attribution_wikinews_draw14_2026-12-06.json"),
            ("held out, draw 15: round 11", "attribution_wikinews_draw15_2026-12-06_before_round12.json"),
            ("held out, draw 15: round 12", "attribution_wikinews_draw15_2026-12-06.json"),
            ("draw 15: step refitted on draws 1-14 (not shipped)",
             "attribution_wikinews_draw15_2026-12-06_refit_draws1-14.json"),
            ("test: round 12", "attribution_wikinews_test_2026-12-06_round12.json"),
            ("held out, draw 16: round 12", "attribution_wikinews_draw16_2026-12-06_before_round13.json"),
            ("held out, draw 16: round 13 (shipped)", "attribution_wikinews_draw16_2026-12-06.json"),
            ("test: round 13 (shipped)", "attribution_wikinews_test_2026-12-06_round13.json"),
            ("agreement, 24 train/dev articles: second reader", "agreement_2026-12-06.json#second annotator"),
            ("the same 24 articles: eighth-round rules (training)", "agreement_2026-12-06.json#extractor (training figure)"),
        ],
    },
    "checkworthiness_readings.svg": {
        "title": "Check-worthiness on real news (Wikinews gold), article threshold; 95% bootstrap over articles",
        "targets": {"precision": 0.90, "f1": 0.92},
        "rows": [
            ("test: fine-tuned detector (2026-12-05)", "checkworthiness_wikinews_test_2026-12-05.json"),
            ("test: distilled student", "checkworthiness_wikinews_test_2026-12-06_student.json"),
            ("held out, draw 3: student", "checkworthiness_wikinews_draw3_2026-12-06.json"),
            ("held out, draw 4: student", "checkworthiness_wikinews_draw4_2026-12-06.json"),
            ("held out, draw 5: student", "checkworthiness_wikinews_draw5_2026-12-06.json"),
            ("held out, draw 6: student", "checkworthiness_wikinews_draw6_2026-12-06.json"),
            ("held out, draw 7: student", "checkworthiness_wikinews_draw7_2026-12-06.json"),
            ("held out, draw 8: student", "checkworthiness_wikinews_draw8_2026-12-06.json"),
            ("held out, draw 9: student", "checkworthiness_wikinews_draw9_2026-12-06.json"),
            ("held out, draw 10: student", "checkworthiness_wikinews_draw10_2026-12-06.json"),
            ("held out, draw 11: student", "checkworthiness_wikinews_draw11_2026-12-06.json"),
            ("held out, draw 12: student", "checkworthiness_wikinews_draw12_2026-12-06.json"),
            ("held out, draw 13: student", "checkworthiness_wikinews_draw13_2026-12-06.json"),
            ("held out, draw 14: student", "checkworthiness_wikinews_draw14_2026-12-06.json"),
            ("held out, draw 15: student", "checkworthiness_wikinews_draw15_2026-12-06.json"),
            ("held out, draw 16: student", "checkworthiness_wikinews_draw16_2026-12-06.json"),
            ("agreement, 24 train/dev articles: second reader", "agreement_2026-12-06.json#labels: second annotator"),
            ("the same 24 articles: student (training)", "agreement_2026-12-06.json#labels: detector (training figure)"),
        ],
    },
}


#: Matching, cross-validated over CheckThat! 2A train + dev (folds by query): (label, file, variant), each drawn
#: as its mean MAP@5 with its five folds; the plain fusion is the baseline every variant must beat.
MATCH_CV = {
    "name": "matching_cv.svg",
    "title": "Matching past fact-checks: CV MAP@5 over CheckThat! 2A train + dev (dots: the 5 folds; bar: the mean)",
    "baseline": ("match_cv_2026-12-06_round5.json", "fusion 0.75"),
    "rows": [
        ("round 3: logistic + sentence cosines", "match_cv_2026-12-06_round5.json",
         "logistic + sentence cosines, dated rows too"),
        ("round 4: + small archives in training", "match_cv_2026-12-06_round5.json",
         "round 3 + small archives in training"),
        ("round 5: listwise", "match_cv_2026-12-06_round5.json", "round 5: listwise, round-4 rows"),
        ("round 5: mean of both (shipped)", "match_cv_2026-12-06_round5.json",
         "round 5: mean of logistic and listwise"),
        ("round 6: + fine-tuned layer-6 cosine", "match_cv_2026-12-06_round6.json",
         "round 6: round 5 + fine-tuned layer-6 cosine"),
        ("round 7: + the fact-check's summary", "match_cv_2026-12-06_round7.json", "round 7: round 5 + the subtitle"),
    ],
}


def svg_cv(title: str, rows: list[tuple[str, list[float]]], baseline: list[float], lo: float = 0.88,
           hi: float = 0.94) -> str:
    """One panel: each variant's folds as small dots and its mean as a bar; the baseline's mean and the target
    (baseline + 0.01) as lines."""
    label_w, panel_w, row_h, top = 300, 520, 24, 40
    width, height = label_w + panel_w + 20, top + row_h * len(rows) + 34
    x = lambda v: label_w + (min(max(v, lo), hi) - lo) / (hi - lo) * panel_w  # noqa: E731
    base = sum(baseline) / len(baseline)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="8" y="18" font-size="13" font-weight="bold">{escape(title)}</text>']
    bottom = top + row_h * len(rows)
    for k in range(int(round((hi - lo) / 0.01)) + 1):
        tick = lo + 0.01 * k
        out.append(f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{bottom}" stroke="#ddd"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{bottom + 14}" text-anchor="middle" font-size="10">{tick:.2f}</text>')
    for value, colour, what in ((base, "#888", f"plain fusion {base:.4f}"),
                                (base + 0.01, "#c33", f"target: fusion + 0.01 = {base + 0.01:.4f}")):
        out.append(f'<line x1="{x(value):.1f}" y1="{top - 6}" x2="{x(value):.1f}" y2="{bottom}" stroke="{colour}" '
                   f'stroke-dasharray="4,3"><title>{what}</title></line>')
    for r, (label, folds) in enumerate(rows):
        y = top + row_h * r + row_h / 2
        mean = sum(folds) / len(folds)
        out.append(f'<text x="8" y="{y + 4:.1f}">{escape(label)}</text>')
        for v in folds:
            out.append(f'<circle cx="{x(v):.1f}" cy="{y:.1f}" r="3" fill="#9bb9dd"><title>fold {v:.4f}</title>'
                       '</circle>')
        out.append(f'<rect x="{x(mean) - 1.5:.1f}" y="{y - 8:.1f}" width="3" height="16" fill="#1f5fa8">'
                   f'<title>{escape(label)}: mean {mean:.4f}</title></rect>')
    out.append(f'<text x="8" y="{height - 6}" font-size="10">grey dashed: plain fusion (BM25 0.25 + cosine 0.75); '
               'red dashed: the issue\'s target</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def figures(path: Path) -> dict[str, tuple[float, float, float]]:
    """(value, low, high) per metric from an experiment file: `claims eval attribution --json-out` (pair lenient)
    or `claims eval detect --json-out`; `FILE#KEY` reads the part KEY of a file that holds several readings
    (`python -m claims.research.agreement --json-out`)."""
    path, _, key = str(path).partition("#")
    d = json.loads(Path(path).read_text(encoding="utf-8"))
    if key:
        d = d[key]
    if "metrics" in d:  # attribution on the span gold
        m, ci = d["metrics"]["pair_lenient"], d["pair_lenient_interval"]
    else:  # check-worthiness
        m, ci = d, d["interval"]
    return {k: (float(m[k]), float(ci[k][0]), float(ci[k][1])) for k in METRICS}


def svg(title: str, rows: list[tuple[str, dict]], targets: dict[str, float]) -> str:
    """One chart: a row per reading, a panel per metric."""
    label_w, panel_w, gap, row_h, top = 300, 190, 36, 24, 56
    width = label_w + len(METRICS) * (panel_w + gap)
    height = top + row_h * len(rows) + 34
    x = lambda k, v: label_w + k * (panel_w + gap) + (min(max(v, LO), HI) - LO) / (HI - LO) * panel_w  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="8" y="18" font-size="13" font-weight="bold">{escape(title)}</text>']
    for k, metric in enumerate(METRICS):
        x0 = x(k, LO)
        out.append(f'<text x="{x0 + panel_w / 2:.1f}" y="{top - 14}" text-anchor="middle">{metric}</text>')
        for tick in (0.6, 0.7, 0.8, 0.9, 1.0):
            out.append(f'<line x1="{x(k, tick):.1f}" y1="{top - 6}" x2="{x(k, tick):.1f}" '
                       f'y2="{top + row_h * len(rows)}" stroke="#ddd"/>')
            out.append(f'<text x="{x(k, tick):.1f}" y="{top + row_h * len(rows) + 14}" text-anchor="middle" '
                       f'font-size="10">{tick:.1f}</text>')
        if metric in targets:
            tx = x(k, targets[metric])
            out.append(f'<line x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" y2="{top + row_h * len(rows)}" '
                       f'stroke="#c33" stroke-dasharray="4,3"><title>target {targets[metric]}</title></line>')
    for r, (label, figs) in enumerate(rows):
        y = top + row_h * r + row_h / 2
        colour = "#1f5fa8" if label.startswith("test") else "#5a8f29" if label.startswith("held") else "#777"
        out.append(f'<text x="8" y="{y + 4:.1f}">{escape(label)}</text>')
        for k, metric in enumerate(METRICS):
            v, lo, hi = figs[metric]
            out.append(f'<line x1="{x(k, lo):.1f}" y1="{y:.1f}" x2="{x(k, hi):.1f}" y2="{y:.1f}" '
                       f'stroke="{colour}" stroke-width="2"/>')
            out.append(f'<circle cx="{x(k, v):.1f}" cy="{y:.1f}" r="4" fill="{colour}">'
                       f'<title>{escape(label)}: {metric} {v:.3f} ({lo:.3f}-{hi:.3f})</title></circle>')
    out.append(f'<text x="8" y="{height - 6}" font-size="10">blue: test split, read once per shipped model; '
               'green: held-out draws; grey: agreement and other readings; dashed red: target</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m claims.research.charts", description=__doc__.split("\n")[0])
    ap.add_argument("--experiments", default=str(ROOT / "docs" / "experiments"))
    ap.add_argument("--out", default=str(ROOT / "docs" / "charts"))
    args = ap.parse_args(argv)
    exp, out = Path(args.experiments), Path(args.out)
    missing = [f for c in CHARTS.values() for _, f in c["rows"] if not (exp / f.partition("#")[0]).is_file()]
    missing += [f for _, f, _ in MATCH_CV["rows"] if not (exp / f).is_file()]
    if missing:
        print(f"Error: {len(missing)} experiment file(s) missing in {exp}, e.g. {missing[0]}: rerun the "
              "`claims eval` command its doc names, or give --experiments", file=sys.stderr)
        return 1
    out.mkdir(parents=True, exist_ok=True)
    for name, c in CHARTS.items():
        rows = [(label, figures(exp / f)) for label, f in c["rows"]]
        (out / name).write_text(svg(c["title"], rows, c["targets"]), encoding="utf-8")
        print(f"wrote {out / name} ({len(rows)} readings)")
    folds = lambda f, variant: json.loads((exp / f).read_text(encoding="utf-8"))["map@5"][variant]  # noqa: E731
    rows_cv = [(label, folds(f, variant)) for label, f, variant in MATCH_CV["rows"]]
    (out / MATCH_CV["name"]).write_text(svg_cv(MATCH_CV["title"], rows_cv, folds(*MATCH_CV["baseline"])),
                                        encoding="utf-8")
    print(f"wrote {out / MATCH_CV['name']} ({len(rows_cv)} variants)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
