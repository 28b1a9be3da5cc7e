"""Reading for reviewers: counts, documents with their sentences, claims one by one or a page at a time
(filtered, sorted and paged in the database), what the filters offer, and the dashboard's aggregates."""
from __future__ import annotations

from claims.services.common import UseCase
from claims.services.views import claim_row, sentence_view
from store import queries, repo


class Browse(UseCase):
    """Read-only views of what is stored."""

    def stats(self) -> dict:
        with self.session() as s:
            return repo.counts(s)

    def documents(self) -> list[dict]:
        with self.session() as s:
            return repo.list_documents(s)

    def document(self, doc_id: int) -> dict:
        """A document with every sentence, its score, attribution and claim state."""
        with self.session() as s:
            doc = repo.get_document(s, doc_id)
            return {
                "id": doc.id, "name": doc.name, "title": doc.title, "origin": doc.origin, "text": doc.text,
                "created_at": doc.created_at,
                "sentences": [sentence_view(x) for x in doc.sentences],
            }

    def claims(self, **filters) -> list[dict]:
        with self.session() as s:
            return [claim_row(c) for c in repo.list_claims(s, **filters)]

    def claim(self, claim_id: int) -> dict:
        """One claim with its review, reasons, attributions and history."""
        with self.session() as s:
            c = repo.get_claim(s, claim_id)
            row = claim_row(c)
            row["reasons"] = [r for r in c.sentence.reasons.split(",") if r]
            row["history"] = repo.history(s, claim_id)
            return row

    def context(self, claim_id: int, *, before: int = 2, after: int = 2) -> list[dict]:
        """The claim's sentence with its neighbours, in document order (`is_target` marks the claim)."""
        with self.session() as s:
            claim = repo.get_claim(s, claim_id)
            return repo.sentences_around(s, claim.sentence_id, before=before, after=after)

    def inbox(self, filters: dict | None = None, *, order: str = "score", limit: int = 50,
              offset: int = 0) -> dict:
        """One page of claims across documents, `{"rows", "total", "limit", "offset"}`. `filters` takes the keys
        of `store.queries.CLAIM_FILTERS`; filtering, sorting and paging happen in the database."""
        with self.session() as s:
            rows, total = queries.query_claims(s, filters, order, limit, offset)
        for r in rows:  # the recorded score is the reranker's probability: the same bands as the Claim page
            r["match_band"] = None if r["match_score"] is None else self.bench.reranker.band(r["match_score"])
        return {"rows": rows, "total": total, "limit": limit, "offset": offset}

    def facets(self) -> dict:
        """What the claim filters offer: claim types, verdicts and assignees in use, and the documents."""
        with self.session() as s:
            return queries.claim_facets(s)

    def count(self, filters: dict | None = None) -> int:
        with self.session() as s:
            return queries.count_claims(s, filters)

    def dashboard(self) -> dict:
        """Aggregates for charts, each a list of plain dicts computed with GROUP BY: claims per day and per
        type, statuses, verdicts, top sources, review changes per day and per reviewer; plus `totals`."""
        with self.session() as s:
            out = queries.dashboard_counts(s)
            out["totals"] = repo.counts(s)
        return out
