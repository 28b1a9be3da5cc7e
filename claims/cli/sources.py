"""Watched feeds and pages: `claims sources add | list | remove | poll`."""
from __future__ import annotations

import json

import click

from ._util import _bench, db_option, handles_errors, home_option, main


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

