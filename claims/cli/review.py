"""`claims review`: save a claim's review from a terminal, under the same rules as the app."""
from __future__ import annotations

import json

import click

from ._util import _bench, db_option, handles_errors, home_option, main


@main.command()
@click.argument("claim_id", type=int)
@click.option("--status", default=None, help="new, in progress, reviewed, published or dismissed (or one CLAIMS_STATUSES adds).")
@click.option("--verdict", default=None, help="One of the verdict scale (CLAIMS_VERDICTS).")
@click.option("--rationale", default=None, help="Why the verdict; replaces the saved one.")
@click.option("--evidence", "evidence", multiple=True, metavar="URL",
              help="An http(s) link; repeat it for several. Replaces the saved links.")
@click.option("--reviewer", default=None, help="Your name (default: $CLAIMS_REVIEWER, else your login name).")
@click.option("--version", "version", type=int, default=None,
              help="The version you read: if someone saved since, nothing is saved (exit 1).")
@db_option
@home_option
@handles_errors
def review(claim_id, status, verdict, rationale, evidence, reviewer, version, db, home):
    """Save a claim's status, verdict, rationale or evidence and print the saved review as JSON.

    A verdict saved on a new or in-progress claim makes it reviewed. Every save is recorded in the claim's
    history under the reviewer's name.

    Example: claims review 12 --verdict "Mostly false" --evidence https://stats.example/cpi --version 1
    """
    bench = _bench(db, home)
    changes = {k: v for k, v in (("status", status), ("verdict", verdict), ("rationale", rationale)) if v is not None}
    if evidence:
        changes["evidence"] = list(evidence)
    if not changes:
        raise click.ClickException("nothing to save: give --status, --verdict, --rationale or --evidence")
    name = bench.reviews.named_reviewer(reviewer or "")
    saved = bench.reviews.save(claim_id, changes, reviewer=name, expected_version=version)
    saved["updated_at"] = saved["updated_at"].isoformat() if saved.get("updated_at") else None
    click.echo(json.dumps({"claim_id": claim_id, **saved}, ensure_ascii=False))
