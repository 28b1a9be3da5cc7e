"""The newsroom's archive of past fact-checks: import (CSV, JSONL or ClaimReview JSON-LD; re-importing
updates), embed what is new or changed, then compare the stored claims with the archive again."""
from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Callable, Sequence

import numpy as np

from claims.matching.archive import read_archive
from claims.services.common import Compared, Progress, UseCase, batches
from core.errors import WorkbenchError
from store import repo
from store.db import atomic


@dataclass
class ImportReport(Compared):
    created: int = 0
    updated: int = 0
    #: records already stored exactly so (a second import of the same file: every one)
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)
    #: where the time went: parse, embed, store, index (seconds)
    seconds: dict = field(default_factory=lambda: {"parse": 0.0, "embed": 0.0, "store": 0.0, "index": 0.0})

    #: with CLAIMS_BROKER: records and chunks handed to the Celery workers to store
    records_sent: int = 0
    chunks_sent: int = 0

    def summary(self) -> str:
        if self.chunks_sent:
            s = (f"sent {self.records_sent} fact-check(s) to the workers in {self.chunks_sent} chunk(s); "
                 "`claims queue status` shows them as they are stored, and the stored claims are compared with "
                 "the archive once the last one is in")
            return s + (f"; {len(self.problems)} row(s) skipped" if self.problems else "")
        s = f"imported {self.created} new fact-check(s), updated {self.updated}, unchanged {self.unchanged}"
        if self.problems:
            s += f"; {len(self.problems)} row(s) skipped"
        return s


class Archive(UseCase):
    """Importing past fact-checks."""

    def import_file(self, path, *, progress: Progress | None = None, batch_size: int = 2000,
                    on_start: Callable[[int], None] | None = None, match: bool = True,
                    match_progress: Progress | None = None,
                    on_match_start: Callable[[int], None] | None = None, strict: bool = False,
                    local: bool = False) -> ImportReport:
        """Import (or update) past fact-checks; bad rows are reported and skipped, one transaction per batch.

        `on_start` is told how many good records were read, `progress` how many are done as it goes. Only new
        claims and changed ones are embedded, shortest first (a batch of similar lengths pads least); each
        batch is stored with one read of the rows it may update; the FAISS index takes the new vectors once, at
        the end (rebuilt when a stored claim's text changed). `report.seconds` splits the time: parse, embed,
        store, index. With `match`, a changed archive is then compared with every stored claim
        (`on_match_start` is told how many, `match_progress` as they are done). A field may be as large as an
        article (`settings.max_bytes`). With `strict`, a malformed or skipped row refuses the whole file
        (BadArchive naming the first problem) and nothing is stored.

        With CLAIMS_BROKER (and not `local`), the file is read and checked here, and its records go to the
        Celery workers in chunks (`Jobs.send_archive`); the last chunk to finish sends the comparison."""
        clock = time.perf_counter()
        read = read_archive(path, max_field=self.settings.max_bytes, strict=strict)
        report = ImportReport(problems=list(read.problems))
        report.seconds["parse"] = time.perf_counter() - clock
        if self.settings.broker and not local:
            if read.records:
                report.chunks_sent = self.bench.jobs.send_archive(read.records, PurePath(str(path)).name)
                report.records_sent = len(read.records)
            return report
        if on_start:
            on_start(len(read.records))
        self.store_records(read.records, report, progress=progress, batch_size=batch_size)
        if match and (report.created or report.updated):
            self._match(report, on_match_start, match_progress)
        return report

    def store_records(self, records: list[dict], report: ImportReport | None = None, *,
                      progress: Progress | None = None, batch_size: int = 2000) -> ImportReport:
        """Store checked archive records (what `read_archive` returns) into `report` (a new one if none): embed
        what is new or changed, upsert in batches, then bring the FAISS index up to date. Running it twice on the same records
        changes nothing the second time (what a Celery chunk delivered twice does)."""
        report = report if report is not None else ImportReport()
        replaced = 0  # stored claims whose text changed: their old vectors leave the index
        name = self.bench.embedder.name
        for batch in batches(records, batch_size):
            clock = time.perf_counter()
            with self.session() as s:
                before = {k: (f.claim, f.title or "") for k, f in
                          repo.factchecks_by_keys(s, (repo.factcheck_key(r) for r in batch)).items()}
            todo, titled, seen = [], [], {}
            for i, rec in enumerate(batch):
                key = repo.factcheck_key(rec)
                old = seen.get(key, before.get(key))
                if old is None or old[0] != rec["claim"]:
                    todo.append(i)
                    replaced += key in before
                if rec.get("title") and (old is None or old[1] != rec["title"]):
                    titled.append(i)
                seen[key] = (rec["claim"], rec.get("title") or "")
            report.seconds["store"] += time.perf_counter() - clock
            clock = time.perf_counter()
            vecs = self._encode_sorted([batch[i]["claim"] for i in todo], progress)
            # headlines too: the reranker compares the query with them, and embedding them at query time
            # cost more than the rest of a search
            title_vecs = self._encode_sorted([batch[i]["title"] for i in titled])
            report.seconds["embed"] += time.perf_counter() - clock
            clock = time.perf_counter()
            with atomic(self.engine) as s:
                rows = repo.upsert_factchecks(s, batch)
                report.created += sum(created for _, created, _ in rows)
                report.updated += sum(changed for _, _, changed in rows)
                report.unchanged += sum(not created and not changed for _, created, changed in rows)
                latest = {rows[i][0].id: v for i, v in zip(todo, vecs)}  # a key twice: its last claim
                repo.put_vectors(s, "factcheck", name, list(latest.items()))
                repo.put_vectors(s, "title", name, list({rows[i][0].id: v for i, v in zip(titled, title_vecs)}.items()))
            report.seconds["store"] += time.perf_counter() - clock
            if progress and len(batch) > len(todo):
                progress(len(batch) - len(todo))  # nothing to embed for these
        clock = time.perf_counter()
        indexes = self.bench.indexes
        if records:
            index = indexes.get("factcheck")  # adds the new vectors (opens the saved index if need be)
            if replaced:
                with self.bench.lock, self.session() as s:
                    index.rebuild(s)
        report.seconds["index"] = time.perf_counter() - clock
        return report

    def _match(self, report: ImportReport, on_start, progress) -> None:
        """Compare every stored claim with the changed archive; the import stands if this fails. With
        CLAIMS_BROKER, the claims go to the Celery workers in batches (`Jobs.send_rematch`) instead."""
        if self.settings.broker:
            try:
                report.match_sent = self.bench.jobs.send_rematch(self.bench.matches.pending_ids())
            except WorkbenchError as exc:
                report.match_error = str(exc)
            return

        def run() -> tuple[int, int]:
            matches = self.bench.matches
            pending = matches.pending()
            if not pending:
                return 0, 0
            if on_start:
                on_start(pending)
            n = matches.refresh(progress=progress)
            return n, self.bench.browse.count({"has_match": True}) if n else 0

        report.compare(run)

    def import_upload(self, name: str, data: bytes, **options) -> ImportReport:
        """`import_file` for an uploaded archive (file name, bytes; options as `import_file`'s, `strict`
        included); messages name the upload."""
        with tempfile.TemporaryDirectory(prefix="claims-archive-") as tmp:
            path = Path(tmp) / (PurePath(name).name or "archive")
            path.write_bytes(data)
            try:
                report = self.import_file(path, **options)
            except WorkbenchError as exc:
                raise type(exc)(str(exc).replace(str(path), name)) from None
        report.problems = [p.replace(str(path), name) for p in report.problems]
        return report

    def _encode_sorted(self, texts: Sequence[str], progress: Progress | None = None,
                       chunk: int = 256) -> np.ndarray:
        """`embedder.encode(texts)`, shortest first in chunks (reporting each to `progress`), in the given order."""
        embedder = self.bench.embedder
        out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for part in batches(order, chunk):
            out[part] = embedder.encode([texts[i] for i in part], batch_size=64)
            if progress:
                progress(len(part))
        return out
