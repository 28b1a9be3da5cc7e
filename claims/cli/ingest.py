"""Reading articles: `claims extract` (no database), `claims ingest` and `claims import-factchecks`."""
from __future__ import annotations

import json

import click

from ._util import _bar, _bench, _LaterBar, db_option, genre_option, handles_errors, home_option, main


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--lines", is_flag=True, help="Each non-empty line is one sentence; no cleaning or splitting.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True)
@genre_option
@handles_errors
def extract(paths, lines, fmt, genre):
    """Score every sentence of articles for check-worthiness and attribution; no database.

    One JSON object per sentence, in document order. PATH is a file, a folder, a URL or - for stdin.

    Example: claims extract article.txt --format table
    """
    bench = _bench()
    rows = bench.ingest.extract(paths, lines=lines, genre=genre)
    if fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    shown = None
    for r in rows:
        if (r["doc"], r["genre"]) != shown:  # the genre decides the threshold: say which one each document got
            shown = (r["doc"], r["genre"])
            click.echo(f"{r['doc']}: {r['genre']} ({r['genre_source']})")
            click.echo(f"{'#':>3} {'score':>5} {'claim':<5} {'type':<12} {'source':<36} {'cue':<13} text")
        linked = r.get("restates") is not None and not r["is_claim"]  # a headline counted at its body sentence
        mark = "yes" if r["is_claim"] else (f"={r['restates']}" if linked else "furn" if r["kind"] == "furniture" else "")
        src = (r["source"] or "")[:36]
        click.echo(f"{r['index']:>3} {r['score']:>5.2f} {mark:<5} {r['claim_type'][:12]:<12} {src:<36} "
                   f"{(r['cue'] or '')[:13]:<13} {r['text'][:70]}")
        if (r["is_claim"] or linked) and r.get("reasons"):
            click.echo(f"{'':>28}because: {', '.join(r['reasons'])}")
        for a in r.get("attributions", [])[1:]:  # the columns show the first; each other one, claim or not
            click.echo(f"{'':>28}also: {a.get('resolved') or a['source']} — {a['cue']} ({a['quote']})")


@main.command()
@click.argument("targets", nargs=-1, required=True)
@genre_option
@db_option
@home_option
@handles_errors
def ingest(targets, genre, db, home):
    """Store articles (files, folders, JSONL feeds, URLs, - for stdin) and everything derived from them.

    Every input is read and checked first: if one is bad, nothing is stored. The same content twice is
    stored once. The new claims are then compared with the fact-check archive (the Inbox's "has a match").

    Example: claims ingest samples/articles https://example.org/story.html
    """
    bench = _bench(db, home)
    articles = bench.ingest.read(targets)
    with _bar(len(articles), "ingest") as bar, _LaterBar("match", unit="claim") as match:
        report = bench.ingest.articles(articles, progress=bar.update, genre=genre, on_match_start=match.start,
                                       match_progress=match.update)
    click.echo(report.summary())
    if report.match_summary():
        click.echo(report.match_summary(), err=bool(report.match_error))


@main.command("import-factchecks")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True,
              help="Refuse the whole file (nothing stored, exit 1) if any row is malformed or would be skipped.")
@db_option
@home_option
@handles_errors
def import_factchecks(file, strict, db, home):
    """Import an archive of past fact-checks: CSV (header with `claim`; optional verdict, url, date,
    speaker, title), JSONL, or ClaimReview JSON-LD. Re-importing updates, never duplicates; only new or
    changed claims are embedded. Every stored claim is then compared with the archive again.

    A malformed row (an unterminated quote, more or fewer cells than columns, a field over the article size
    limit, an empty claim) is skipped and named with its line on stderr; the good rows are imported. With
    --strict, any such row refuses the whole file.

    \b
    Example: claims import-factchecks samples/factchecks.csv
             claims import-factchecks archive.csv --strict
    """
    bench = _bench(db, home)
    with _bar(None, "import", unit="check") as bar, _LaterBar("match", unit="claim") as match:
        report = bench.archive.import_file(file, progress=bar.update, on_start=lambda n: bar.reset(total=n),
                                           on_match_start=match.start, match_progress=match.update,
                                           strict=strict)
    for problem in report.problems:
        click.echo(f"skipped: {problem}", err=True)
    click.echo(report.summary())
    if report.match_summary():
        click.echo(report.match_summary(), err=bool(report.match_error))

