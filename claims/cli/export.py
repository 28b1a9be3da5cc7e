"""Files out: `claims export` (claims and their reviews) and `claims history` (every saved change)."""
from __future__ import annotations

from pathlib import Path

import click

from ._util import _bench, db_option, handles_errors, home_option, main


@main.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "claimreview"]), default="csv", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
@click.option("--reviewed-only", is_flag=True, help="Only claims with a verdict or a status other than new.")
@click.option("--excel", is_flag=True, help="CSV for spreadsheets: UTF-8 with a byte-order mark, which Excel needs.")
@db_option
@home_option
@handles_errors
def export(fmt, out, reviewed_only, excel, db, home):
    """Export every claim with its document, attribution, status, verdict, reviewer and times.

    ClaimReview takes its author from CLAIMS_PUBLISHER_NAME and CLAIMS_PUBLISHER_URL and each review's url from
    CLAIMS_REVIEW_URL; a note on stderr says which of them is not set.

    \b
    Example: claims export --format claimreview --reviewed-only --out reviews.json
             claims export --excel --out claims.csv
    """
    bench = _bench(db, home)
    text = bench.exports.claims(fmt, reviewed_only=reviewed_only, excel=excel)
    if fmt == "claimreview":
        for note in bench.exports.claimreview_notes():
            click.echo(f"note: {note}", err=True)
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

