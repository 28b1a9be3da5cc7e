"""What every command shares: the click group, the Workbench, one-line errors, common options, progress bars."""
from __future__ import annotations

import sys
from functools import wraps

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

