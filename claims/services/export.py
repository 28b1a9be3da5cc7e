"""Export: claims with their reviews as CSV (formula-safe, optionally for Excel) or ClaimReview JSON-LD (with the
publisher's name and the reviews' addresses from the settings), and the review history."""
from __future__ import annotations

from pathlib import PurePath

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
            return [_public(claim_row(c)) for c in repo.list_claims(s, reviewed_only=reviewed_only, status=status,
                                                                     document_id=document_id)]

    def claims(self, fmt: str = "csv", *, excel: bool = False, **filters) -> str:
        """CSV or ClaimReview JSON-LD of the claims that `rows(**filters)` gives (`claims export`); `excel`: CSV
        with a UTF-8 byte-order mark, which Excel needs to read it as UTF-8."""
        return self._format(fmt, self.rows(**filters), excel=excel)

    def filtered_rows(self, filters: dict | None = None, *, order: str = "score",
                      limit: int | None = None) -> list[dict]:
        """Export rows for the claims that match `filters` (the inbox's filter keys)."""
        with self.session() as s:
            return [_public(claim_row(c)) for c in queries.claims_matching(s, filters, order, limit)]

    def filtered(self, fmt: str = "csv", filters: dict | None = None, *, order: str = "score",
                 excel: bool = False) -> str:
        """CSV or ClaimReview JSON-LD of the claims that match `filters` (the Export page)."""
        if fmt not in ("csv", "claimreview"):
            raise WorkbenchError(f"unknown export format {fmt!r}; use csv or claimreview")
        return self._format(fmt, self.filtered_rows(filters, order=order), excel=excel)

    def claimreview_preview(self, rows: list[dict]) -> str:
        """ClaimReview JSON-LD of rows already read, with the settings' publisher and review address."""
        return formats.to_claimreview(rows, **self._publishing())

    def claimreview_notes(self) -> list[str]:
        """One line for each publishing setting that is not set, saying what the ClaimReview file lacks and
        what to set (`claims export` prints them on stderr, the Export page above the download)."""
        notes = []
        if not self.settings.publisher_name:
            notes.append("CLAIMS_PUBLISHER_NAME is not set, so the ClaimReview items name no author: set it to your "
                         "organisation's name (and CLAIMS_PUBLISHER_URL to its site)")
        if not self.settings.review_url:
            notes.append("CLAIMS_REVIEW_URL is not set, so the ClaimReview items have no url, which Google's Fact "
                         "Check Tools require: set it to your reviews' address, like https://checks.example/claims/{id}")
        return notes

    def _publishing(self) -> dict:
        st = self.settings
        return {"publisher": {"name": st.publisher_name, "url": st.publisher_url}, "review_url": st.review_url}

    def _format(self, fmt: str, rows: list[dict], *, excel: bool = False) -> str:
        if fmt == "csv":
            return formats.to_csv(rows, excel=excel)
        if fmt == "claimreview":
            if excel:
                raise WorkbenchError("the Excel option is for CSV: drop --excel, or export --format csv")
            return formats.to_claimreview(rows, **self._publishing())
        raise WorkbenchError(f"unknown export format {fmt!r}; use csv or claimreview")

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


def public_origin(origin: str, name: str = "") -> str:
    """Where a document came from, fit to leave the server: its URL, else the file's name (never the path)."""
    if origin.lower().startswith(("http://", "https://")):
        return origin
    return PurePath(origin.replace("\\", "/")).name if origin else PurePath(name.replace("\\", "/")).name


def _public(row: dict) -> dict:
    """An export row that names no folder of the server: the document's origin and name as URL or file name."""
    row["document_origin"] = public_origin(row.get("document_origin") or "", row.get("document") or "")
    row["document"] = public_origin(row.get("document") or "")
    return row
