"""Finding what was checked before: `claims search` and `claims alerts`."""
from __future__ import annotations

import json

import click

from ._util import _bench, db_option, handles_errors, home_option, main


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

