"""`claims eval`: measure the pipeline on labelled data (the one front end allowed to use claims/research/)."""
from __future__ import annotations

import json
from pathlib import Path

import click

from ._util import _bench, handles_errors, main


@main.group("eval")
def eval_group():
    """Measure the pipeline on labelled data (precision, recall, F1 and friends)."""


@eval_group.command("detect")
@click.option("--data", "data", type=click.Path(exists=True), default=None,
              help="CT24-style TSV, a gold .jsonl file or a folder of them (default: samples/gold).")
@click.option("--split", "split", default=None,
              help="A TSV: only the rows of this split (e.g. dev-test). A gold folder: dev (01-12), heldout (13-20), "
                   "fresh (21-25) or all. The Wikinews gold: train, dev, test, train+dev or one draw "
                   "(draw3, draw4, draw5: labelled after the shipped detector was trained).")
@click.option("--articles", "articles", type=click.Path(exists=True, file_okay=False), default=None,
              help="With gold files: the folder of <name>.txt articles (default: articles/ next to the gold folder).")
@click.option("--genre", type=click.Choice(["article", "transcript"]), default=None,
              help="Which detector threshold applies (default: transcript for a TSV, article for gold files, "
                   "detected per article for the Wikinews gold).")
@click.option("--wikinews", type=click.Path(exists=True, dir_okay=False), default=None,
              help="With --data gold/wikinews: ../shared/data/wikinews/articles.jsonl (the gold holds offsets only).")
@click.option("--json-out", "json_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the full result (with the errors) as JSON here.")
@handles_errors
def eval_detect(data, split, articles, genre, wikinews, json_out):
    """Precision, recall, F1 and average precision of the check-worthiness detector on labelled sentences.

    Gold articles go through the whole pipeline (furniture included); TSV rows are scored one per line.

    Example: claims eval detect --data ../shared/data/ct24/ct24_english.tsv --split dev-test
    """
    from claims.research.eval_detect import evaluate_detect, format_report

    bench = _bench()
    if data and (Path(data) / "checkworthy.jsonl").is_file():  # the Wikinews gold: offsets into ../shared
        from claims.research.eval_news import evaluate_news

        result = evaluate_news(data, wikinews, split or "dev", embedder=bench.embedder, detector=bench.detector,
                               genre=genre)
    else:
        result = evaluate_detect(data, embedder=bench.embedder, detector=bench.detector, split=split,
                                 articles=articles, genre=genre)
    click.echo(format_report(result))
    if json_out:
        Path(json_out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"wrote {json_out}", err=True)


@eval_group.command("attribution")
@click.option("--gold", "gold", type=click.Path(exists=True, path_type=Path), default=None,
              help="A gold .jsonl file or a folder of them (default: samples/gold).")
@click.option("--articles", "articles", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder with the article of each gold file, same name with .txt (default: samples/articles).")
@click.option("--data", "data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="A span gold folder (articles.jsonl + attributions.jsonl, e.g. gold/wikinews) instead of --gold.")
@click.option("--wikinews", "wikinews", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --data: the Wikinews articles the offsets point into (../shared/data/wikinews/articles.jsonl).")
@click.option("--split", default="all", show_default=True,
              help="Samples: dev (01-12, used to tune), heldout (13-20), fresh (21-25) or all. With --data: train, "
                   "dev, train+dev, test (scored once per shipped model), all, or one draw (draw3, draw4, draw5: "
                   "each annotated before any rule was read from it).")
@click.option("--json-out", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every figure, and the sentences where prediction and gold differ, as JSON.")
@handles_errors
def eval_attribution(gold, articles, data, wikinews, split, json_out):
    """Precision, recall and F1 of attribution (source, cue, linked pair; exact and lenient) on gold labels.

    Example: claims eval attribution --split heldout --json-out heldout.json

    Example: claims eval attribution --data gold/wikinews --wikinews ../shared/data/wikinews/articles.jsonl --split dev
    """
    if data is not None:
        from claims.research.eval_spans import evaluate_spans, table as span_table

        result = evaluate_spans(data, wikinews, split)
        lines = span_table(result)
    else:
        from claims.research.eval_attribution import SAMPLES, SPLITS, evaluate_attribution, gold_files, table

        if split not in (*SPLITS, "all"):
            raise click.BadParameter(f"{split!r}: the samples' splits are dev, heldout, fresh and all", param_hint="--split")
        result = evaluate_attribution(gold_files(gold or SAMPLES / "gold", split), articles or SAMPLES / "articles")
        result["split"] = split
        lines = table(result, f"attribution ({split}): ")
    for line in lines:
        click.echo(line)
    if json_out:
        json_out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@eval_group.command("match")
@click.option("--queries", "queries", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Claims to look up, id<TAB>text per line.")
@click.option("--qrels", "qrels", type=click.Path(exists=True, dir_okay=False), default=None,
              help="TREC qrels: query_id 0 fact_check_id relevance.")
@click.option("--archive", "archive", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Fact-checks as JSONL (vclaim_id, vclaim, title, subtitle, date, author, page_url).")
@click.option("--cv", "cv", type=click.Path(exists=True, file_okay=False), default=None,
              help="Instead: cross-validate the matching recipes over CheckThat! 2022 2A train + dev in this "
                   "folder and print the per-fold table.")
@click.option("--no-dates", is_flag=True, help="Ignore dates, as for claims that come without one.")
@click.option("--json-out", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every figure as JSON here.")
@handles_errors
def eval_match(queries, qrels, archive, cv, no_dates, json_out):
    """MAP@5, recall@1 and MRR of finding past fact-checks: dense, BM25, fused and re-ranked, the archive in
    memory. With --cv, the per-fold MAP@5 of every recipe against plain fusion and the one the rule chooses.

    Example: claims eval match --queries devtest_queries.tsv --qrels devtest_qrels.tsv --archive vclaims.jsonl
    """
    if cv:
        from claims.research.cv_match import format_cv, run_cv

        result = run_cv(cv, embedder=_bench().embedder, progress=lambda line: click.echo(line, err=True))
        click.echo(format_cv(result))
    else:
        missing = [n for n, v in (("--queries", queries), ("--qrels", qrels), ("--archive", archive)) if not v]
        if missing:
            raise click.UsageError(f"give {', '.join(missing)} (or --cv FOLDER to cross-validate)")
        from claims.research.eval_match import evaluate_match, format_table

        result = evaluate_match(queries, qrels, archive, embedder=_bench().embedder, use_dates=not no_dates)
        click.echo(format_table(result))
    if json_out:
        json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        click.echo(f"wrote {json_out}", err=True)

