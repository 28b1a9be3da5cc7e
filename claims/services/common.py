"""What every use case shares: the progress callback type, batching, and the base class that reaches the
facade's settings, database and models."""
from __future__ import annotations

import time

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from core.errors import WorkbenchError

if TYPE_CHECKING:
    from claims.services.workbench import Workbench

#: Told how many more items are done.
Progress = Callable[[int], None]


def batches(items: Sequence, n: int) -> Iterator[list]:
    items = list(items)
    for i in range(0, len(items), n):
        yield items[i:i + n]


def growing_batches(items: Sequence, size=len, first: int = 16, most: int = 256,
                    most_size: int = 2_000_000) -> Iterator[list]:
    """Batches of `first` items, then twice as many each time up to `most`, each also closed once the items'
    `size` (characters, for articles) reaches `most_size`. The first results come soon; a long run then goes
    in large batches, where the models run faster (for 200 Wikinews articles, 14 s in one batch against
    17-20 s in batches of 16: less padding, fewer round trips to the parse helper)."""
    items = list(items)
    want, i = first, 0
    while i < len(items):
        batch, total = [], 0
        while i < len(items) and len(batch) < want and (not batch or total + size(items[i]) <= most_size):
            batch.append(items[i])
            total += size(items[i])
            i += 1
        yield batch
        want = min(most, want * 2)


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

    def wait_for_host(self, url: str) -> float:
        """Keep the per-host fetch rate (`settings.fetch_per_host` seconds between two fetches from one host,
        across every worker): take the host's next slot and sleep until it comes. Returns the seconds slept."""
        from urllib.parse import urlsplit

        from store import ratelimit
        from store.db import atomic

        host = urlsplit(url).hostname or ""
        if not host or self.settings.fetch_per_host <= 0:
            return 0.0
        with atomic(self.engine) as s:
            wait = ratelimit.reserve(s, host, self.settings.fetch_per_host)
        if wait > 0:
            time.sleep(wait)
        return wait


@dataclass
class Compared:
    """How stored claims compared with the fact-check archive after an ingest or an import."""

    #: claims compared, and how many of them have a match in the archive
    matched: int = 0
    with_match: int = 0
    #: why the comparison failed, if it did (what was stored stays stored; the Inbox offers to compare again)
    match_error: str = ""
    #: claims handed to the Celery workers to compare (with CLAIMS_BROKER), instead of compared here
    match_sent: int = 0

    def compare(self, run: Callable[[], tuple[int, int]]) -> None:
        """Run the comparison (`run` returns matched, with_match); a failure is recorded, not raised."""
        try:
            self.matched, self.with_match = run()
        except (WorkbenchError, ImportError, OSError) as exc:
            self.match_error = str(exc)

    def match_summary(self) -> str:
        """One line on the comparison ("" when nothing was compared)."""
        if self.match_error:
            return f"stored, but not compared with the fact-check archive: {self.match_error}"
        if self.match_sent:
            return (f"sent {self.match_sent} claim(s) to the workers to compare with the fact-check archive "
                    "(`claims alerts` lists the repeats they find)")
        if not self.matched:
            return ""
        return f"compared {self.matched} claim(s) with the fact-check archive; {self.with_match} have a match in it"
