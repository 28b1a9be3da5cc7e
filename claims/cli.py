"""`claims`: the command line. Each command parses options, calls one use case of the Workbench facade and
prints the result."""
from __future__ import annotations

import json
import os
import sys
from functools import wraps
from pathlib import Path

import click

from core.errors import WorkbenchError
from core.settings import load_settings


def _bench(db=None, home=None):
    from claims.services.workbench import Workbench

    return Workbench(load_settings(db_url=db, home=home))


def handles_errors(fn):
    """Turn domain errors into one line on stderr and exit status 1."""
    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except WorkbenchError as exc:
            raise click.ClickException(str(exc)) from None
        except ImportError as exc:
            raise click.ClickException(f"{exc}") from None
    return wrapper


db_option = click.option("--db", "db", metavar="URL", default=None,
                         help="SQLAlchemy database URL (default: $CLAIMS_DB or SQLite in $CLAIMS_HOME).")
home_option = click.option("--home", "home", metavar="DIR", default=None,
                           help="Folder for the default database and index files (default: $CLAIMS_HOME or .claims).")
genre_option = click.option(
    "--genre", type=click.Choice(["article", "transcript"]), default=None,
    help="Override the genre read from each document's words (a debate or speech transcript is scored with the "
         "detector's transcript threshold). Default: detected per document.")


def _bar(total: int | None, label: str, unit: str = "doc"):
    """A progress bar on stderr when it is a terminal (tqdm's disable=None), nothing otherwise."""
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit=unit, file=sys.stderr, disable=None, leave=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="claim-workbench")
def main():
    """Claim Workbench: find check-worthy claims in news, who made them, and whether they were checked before."""


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


class _LaterBar:
    """A progress bar drawn once its total is known (the matching that follows an ingest or an import)."""

    def __init__(self, label: str, unit: str):
        self.label, self.unit, self.bar = label, unit, None

    def start(self, total: int) -> None:
        self.bar = _bar(total, self.label, unit=self.unit)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()


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


@main.command()
@click.argument("queries", nargs=-1)
@click.option("--file", "file", type=click.File("r", encoding="utf-8"), help="One query per line.")
@click.option("--k", default=5, show_default=True, help="Results of each kind per query.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl", show_default=True)
@db_option
@home_option
@handles_errors
def search(queries, file, k, fmt, db, home):
    """Find archived fact-checks and stored claims similar to each query, best first.

    Example: claims search "Crime fell 20 percent last year" --format table
    """
    qs = list(queries) + ([line.strip() for line in file if line.strip()] if file else [])
    out = _bench(db, home).matches.search(qs, k=k)
    for item in out:
        if fmt == "jsonl":
            click.echo(json.dumps(item, ensure_ascii=False))
            continue
        click.echo(f"query: {item['query']}")
        for r in item["results"]:
            flag = "MATCH" if r["match"] else ("maybe" if r.get("band") == "possible" else "")
            click.echo(f"  {r['score']:.3f} {flag:<5} {r['kind']:<9} {(r['verdict'] or '-')[:14]:<14} {r['text'][:80]}")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "claimreview"]), default="csv", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
@click.option("--reviewed-only", is_flag=True, help="Only claims with a verdict or a status other than new.")
@db_option
@home_option
@handles_errors
def export(fmt, out, reviewed_only, db, home):
    """Export every claim with its document, attribution, status, verdict, reviewer and times.

    Example: claims export --format claimreview --reviewed-only --out reviews.json
    """
    text = _bench(db, home).exports.claims(fmt, reviewed_only=reviewed_only)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--claim", "claim_id", type=int, default=None, help="Only this claim's history.")
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
@db_option
@home_option
@handles_errors
def history(fmt, claim_id, out, db, home):
    """Export the review history: every saved change, who made it, when, and the old and new values.

    CSV has one row per changed field (cells safe to open in a spreadsheet); JSONL one event per line.

    Example: claims history --format jsonl --out history.jsonl
    """
    text = _bench(db, home).exports.history(fmt, claim_id=claim_id)
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=False)


@main.command()
@db_option
@home_option
@handles_errors
def reindex(db, home):
    """Rebuild the FAISS indexes from the vectors stored in the database (embedding what lacks one).

    Example: claims reindex
    """
    counts = _bench(db, home).indexes.rebuild()
    click.echo(f"indexed {counts['claim']} claims and {counts['factcheck']} fact-checks")


@main.command()
@click.option("--since", default=None, help="Only alerts raised since then: 2026-12-01, 2026-12-01T08:00, or 15m, 24h, 7d ago.")
@click.option("--limit", default=None, type=int, help="At most this many, newest first.")
@db_option
@home_option
@handles_errors
def alerts(since, limit, db, home):
    """Stored claims that repeat an archived fact-check (their best match entered the match band), newest
    first, as JSON lines: the claim, its article, the fact-check, its verdict and link, the probability.

    Example: claims alerts --since 24h
    """
    for alert in _bench(db, home).matches.alerts(since=since, limit=limit):
        click.echo(json.dumps(alert, ensure_ascii=False))


@main.command()
@db_option
@home_option
@handles_errors
def stats(db, home):
    """Print how many documents, sentences, claims and fact-checks are stored.

    Example: claims stats
    """
    for key, value in _bench(db, home).browse.stats().items():
        click.echo(f"{key:<13} {value}")


@main.command()
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True, help="The JSONL file to write.")
@db_option
@home_option
@handles_errors
def dump(out, db, home):
    """Back up the whole database (documents, claims, attributions, vectors, reviews and their history, the
    fact-check archive) as JSON lines.

    Example: claims dump --out backup.jsonl
    """
    with open(out, "w", encoding="utf-8") as fh:
        counts = _bench(db, home).backup.dump(fh)
    click.echo(f"wrote {out}: " + ", ".join(f"{n} {name}" for name, n in counts.items()))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@db_option
@home_option
@handles_errors
def restore(file, db, home):
    """Restore a backup made by `claims dump` into an empty database.

    Example: claims restore backup.jsonl --db sqlite:///restored.db
    """
    with open(file, encoding="utf-8") as fh:
        counts = _bench(db, home).backup.restore(fh, source=file)
    click.echo(f"restored {file}: " + ", ".join(f"{n} {name}" for name, n in counts.items()))


@main.group("queue")
def queue_group():
    """Ingest many files, feeds and URLs on Celery workers (`claims worker`) through CLAIMS_BROKER."""


@main.command("worker")
@click.option("--concurrency", default=1, show_default=True, help="Worker processes, each one task at a time.")
@click.option("--name", default="", help="This worker's name (default: celery@HOST).")
@db_option
@home_option
@handles_errors
def worker(concurrency, name, db, home):
    """Run a Celery ingest worker on CLAIMS_BROKER (as `celery -A claims.engine.app worker` does).

    Example: CLAIMS_BROKER=amqp://guest:guest@127.0.0.1:5672// claims worker --concurrency 2
    """
    _bench(db, home).jobs.worker(concurrency=concurrency, name=name)


@main.group("sources")
def sources_group():
    """Feeds (RSS, Atom) and pages watched on a schedule: their new articles are ingested and matched."""


@sources_group.command("add")
@click.argument("url")
@click.option("--every", default="15m", show_default=True, help="How often to poll it: 5m, 2h, 1d ...")
@db_option
@home_option
@handles_errors
def sources_add(url, every, db, home):
    """Watch a feed or a page (http or https); `claims monitor` polls it on schedule.

    Example: claims sources add https://example.org/politics.rss --every 15m
    """
    src = _bench(db, home).sources.add(url, every)
    click.echo(f"{'added' if src['created'] else 'updated'} source {src['id']}: {src['url']} every {src['every']}")


@sources_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@db_option
@home_option
@handles_errors
def sources_list(fmt, db, home):
    """The sources with their last poll, the new articles found and the last error.

    Example: claims sources list
    """
    for src in _bench(db, home).sources.list():
        if fmt == "jsonl":
            click.echo(json.dumps(src, ensure_ascii=False))
            continue
        state = f"error: {src['last_error']}" if src["last_error"] else \
            (f"{src['last_new']} new at last poll, {src['new_items']} in all" if src["polls"] else "not polled yet")
        click.echo(f"{src['id']:>3}  {src['url']}  every {src['every']}  {src['kind'] or '-'}  "
                   f"{src['last_polled_at'] or 'never'}  {state}")


@sources_group.command("remove")
@click.argument("source")
@db_option
@home_option
@handles_errors
def sources_remove(source, db, home):
    """Stop watching a source (its id or URL); what it brought in stays.

    Example: claims sources remove 3
    """
    click.echo(f"removed {_bench(db, home).sources.remove(source)}")


@sources_group.command("poll")
@click.option("--all", "every_source", is_flag=True, help="Poll every source, due or not.")
@db_option
@home_option
@handles_errors
def sources_poll(every_source, db, home):
    """Poll the sources that are due, in this process (what `claims monitor` has the workers do).

    Example: claims sources poll --all
    """
    for r in _bench(db, home).sources.poll_due(every_source=every_source):
        click.echo(f"{r['id']:>3}  {r['url']}  " + (f"error: {r['error']}" if r["error"] else f"{r['new']} new"))


@main.command()
@click.option("--check-every", default=60, show_default=True, help="Seconds between looks for due sources.")
@db_option
@home_option
@handles_errors
def monitor(check_every, db, home):
    """Run the schedule (Celery beat, once per deployment): the workers poll the sources that are due.

    Example: claims monitor
    """
    _bench(db, home).jobs.beat(check_every=check_every)


@queue_group.command("add")
@click.argument("targets", nargs=-1, required=True)
@click.option("--max-attempts", default=3, show_default=True, help="Tries before a job is marked failed.")
@db_option
@home_option
@handles_errors
def queue_add(targets, max_attempts, db, home):
    """Queue ingest jobs: one per file (folders are walked), URL, or line of a JSONL feed (an article with
    "text", or a URL with "url"). Work already queued is not queued twice; if a target is bad, nothing is queued.
    With CLAIMS_BROKER set, the jobs go to the Celery workers (`claims worker`) through that broker.

    Example: claims queue add samples/articles feed.jsonl https://example.org/story.html
    """
    out = _bench(db, home).jobs.enqueue(targets, max_attempts=max_attempts)
    click.echo(f"queued {out['added']} job(s); {out['already_queued']} already queued")


@queue_group.command("status")
@click.option("--limit", default=10, show_default=True, help="How many failed and running jobs to list.")
@db_option
@home_option
@handles_errors
def queue_status(limit, db, home):
    """Jobs queued, running, done and failed, with the latest failures and who is running what.

    Example: claims queue status
    """
    out = _bench(db, home).jobs.status(limit=limit)
    for name, n in out["counts"].items():
        click.echo(f"{name:<8} {n}")
    for job in out["running"]:
        click.echo(f"running: {job['target']} on {job['worker']} (attempt {job['attempts']})")
    for job in out["waiting"]:
        click.echo(f"to retry: {job['target']} after {job['attempts']} attempt(s): {job['error']}")
    for job in out["failed"]:
        click.echo(f"failed: {job['target']} after {job['attempts']} attempt(s): {job['error']}")


@main.group("eval")
def eval_group():
    """Measure the pipeline on labelled data (precision, recall, F1 and friends)."""


@eval_group.command("detect")
@click.option("--data", "data", type=click.Path(exists=True), default=None,
              help="CT24-style TSV, a gold .jsonl file or a folder of them (default: samples/gold).")
@click.option("--split", "split", default=None,
              help="A TSV: only the rows of this split (e.g. dev-test). A gold folder: dev (01-12), heldout (13-20), "
                   "fresh (21-25) or all. The Wikinews gold: train, dev, test or train+dev.")
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
                   "dev, train+dev, test (scored once per shipped model) or all.")
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


@main.command()
@click.option("--port", default=8501, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@db_option
@home_option
def serve(port, host, db, home):
    """Start the review app (Streamlit) at http://HOST:PORT.

    Example: claims serve --port 8501
    """
    app = Path(__file__).resolve().parent.parent / "app.py"
    if not app.exists():
        raise click.ClickException(f"app.py not found next to the package ({app}); run from a source checkout")
    env = dict(os.environ)
    if db:
        env["CLAIMS_DB"] = db
    if home:
        env["CLAIMS_HOME"] = home
    cmd = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
           "--server.address", host, "--server.headless", "true", "--browser.gatherUsageStats", "false",
           # tables offer no CSV download of their own (not formula-safe): files come from the exporter
           "--client.disableDataExport", "true"]
    # Replace this process, so that stopping `claims serve` stops the server too.
    os.execve(sys.executable, cmd, env)


if __name__ == "__main__":  # pragma: no cover
    main()
