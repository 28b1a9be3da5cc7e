"""Export: claims with their reviews as CSV (formula-safe) or ClaimReview JSON-LD, and the review history."""
from __future__ import annotations

from claims.io import export as formats
from claims.services.common import UseCase
from claims.services.views import claim_row
from core.errors import WorkbenchError
from store import queries, repo


class Exports(UseCase):
    """Claims and history as files."""

    def rows(self, *, reviewed_only: bool = False, status: str | None = None,
             document_id: int | None = None) -> list[dict]:
        """Export rows (see `views.claim_row`) for every claim, or those reviewed, of a status or a document."""
        with self.session() as s:
            return [claim_row(c) for c in repo.list_claims(s, reviewed_only=reviewed_only, status=status,
                                                            document_id=document_id)]

    def claims(self, fmt: str = "csv", **filters) -> str:
        """CSV or ClaimReview JSON-LD of the claims that `rows(**filters)` gives (`claims export`)."""
        return _format(fmt, self.rows(**filters))

    def filtered_rows(self, filters: dict | None = None, *, order: str = "score",
                      limit: int | None = None) -> list[dict]:
        """Export rows for the claims that match `filters` (the inbox's filter keys)."""
        with self.session() as s:
            return [claim_row(c) for c in queries.claims_matching(s, filters, order, limit)]

    def filtered(self, fmt: str = "csv", filters: dict | None = None, *, order: str = "score") -> str:
        """CSV or ClaimReview JSON-LD of the claims that match `filters` (the Export page)."""
        if fmt not in ("csv", "claimreview"):
            raise WorkbenchError(f"unknown export format {fmt!r}; use csv or claimreview")
        return _format(fmt, self.filtered_rows(filters, order=order))

    def history_events(self, *, claim_id: int | None = None) -> list[dict]:
        """The append-only review history, oldest first (or one claim's): who changed which field, when,
        from what to what, with the claim's text and document."""
        with self.session() as s:
            if claim_id is not None:
                repo.get_claim(s, claim_id)  # NotFound for an unknown claim
            return list(repo.review_events(s, claim_id=claim_id))

    def history_count(self) -> int:
        """How many review events are recorded."""
        with self.session() as s:
            return repo.count_review_events(s)

    def history(self, fmt: str = "csv", *, claim_id: int | None = None) -> str:
        """The review history as CSV (a row per changed field, formula-safe) or JSON lines (an event a line)."""
        if fmt not in ("csv", "jsonl"):
            raise WorkbenchError(f"unknown history format {fmt!r}; use csv or jsonl")
        events = self.history_events(claim_id=claim_id)
        return formats.history_to_csv(events) if fmt == "csv" else formats.history_to_jsonl(events)


def _format(fmt: str, rows: list[dict]) -> str:
    if fmt == "csv":
        return formats.to_csv(rows)
    if fmt == "claimreview":
        return formats.to_claimreview(rows)
    raise WorkbenchError(f"unknown export format {fmt!r}; use csv or claimreview")
