"""The database as a whole: `claims stats`, `claims reindex`, `claims dump` and `claims restore`."""
from __future__ import annotations

import click

from ._util import _bench, db_option, handles_errors, home_option, main


@main.command()
@click.option("--prune", is_flag=True,
              help="After the rebuild, delete the vectors other encoders made (kept by default, so that going "
                   "back to one needs no new pass).")
@db_option
@home_option
@handles_errors
def reindex(prune, db, home):
    """Rebuild the FAISS indexes from the vectors stored in the database (embedding what lacks one).

    Example: claims reindex --prune
    """
    counts = _bench(db, home).indexes.rebuild(prune=prune)
    click.echo(f"indexed {counts['claim']} claims and {counts['factcheck']} fact-checks")
    for model, n in counts.get("pruned", {}).items():
        click.echo(f"deleted {n} vectors made by {model}")


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

