"""What every use case shares: the progress callback type, batching, and the base class that reaches the
facade's settings, database and models."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterator, Sequence

if TYPE_CHECKING:
    from claims.services.workbench import Workbench

#: Told how many more items are done.
Progress = Callable[[int], None]


def batches(items: Sequence, n: int) -> Iterator[list]:
    items = list(items)
    for i in range(0, len(items), n):
        yield items[i:i + n]


class UseCase:
    """One use case, handed out by the `Workbench` facade; it reaches the settings, the database, the models,
    the indexes and the one lock through the facade, and the other use cases through it too."""

    def __init__(self, bench: "Workbench"):
        self.bench = bench

    @property
    def settings(self):
        return self.bench.settings

    @property
    def engine(self):
        return self.bench.engine

    def session(self):
        return self.bench.session()
