"""`claims`: the command line. Each command parses options, calls one use case of the Workbench facade and
prints the result. One group of commands per module (as spaCy's cli/ does); `_util` holds the click group,
the shared options and the error handling."""
from __future__ import annotations

from . import database, eval, export, ingest, queue, review, search, serve, sources  # noqa: F401  (they register commands)
from ._util import main

__all__ = ["main"]
