"""The team deployment's engine: `claims queue`, `claims worker` and `claims monitor`."""
from __future__ import annotations

import click

from ._util import _bench, db_option, handles_errors, home_option, main


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

