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

    def status_counts(self, filters: dict | None = None) -> list[dict]:
        """Claims per review status (of those matching `filters`, the Inbox's keys), in workflow order:
        `{"status", "label", "claims", "reviewed"}` for every status offered, none left out for having no claim,
        then any stored status no longer offered. The Dashboard and the Inbox both count with this."""
        with self.session() as s:
            counts = queries.status_counts(s, filters)
        offered = self.bench.reviews.statuses()
        known = {o["status"] for o in offered}
        rows = [{"status": o["status"], "label": o["label"], "claims": counts.get(o["status"], 0),
                 "reviewed": o["reviewed"]} for o in offered]
        return rows + [{"status": k, "label": k, "claims": n, "reviewed": False}
                       for k, n in sorted(counts.items()) if k not in known]

    def dashboard(self) -> dict:
        """Aggregates for charts, each a list of plain dicts computed with GROUP BY: claims per day (by the
        article's publication date when known, else the day it was stored) and per type, statuses (as
        `status_counts`), verdicts, top sources, review changes per day and per reviewer; plus `totals`."""
        with self.session() as s:
            out = queries.dashboard_counts(s)
            out["totals"] = repo.counts(s)
        out["statuses"] = self.status_counts()
        out["top_sources"] = [r for r in out["top_sources"] if is_named_source(r["source"])][:10]
        return out


#: Words that open a source without naming it ("the report", "a study", "this official").
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "some", "many", "several", "other", "one",
                "two", "its", "his", "her", "their", "our", "my", "your", "most", "few", "all", "both"}
#: Pronouns that were not resolved to a name ("He said ...").
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "who", "which", "one", "someone", "everyone"}


def is_named_source(source: str) -> bool:
    """Whether a source names someone ("Mayor Ana Ruiz", "the city's Board of Elections") rather than being a
    generic description ("the report", "A study", "officials") or an unresolved pronoun ("He")."""
    words = [w.strip(".,;:'\"()") for w in source.split()]
    words = [w for w in words if w]
    while words and words[0].lower() in _DETERMINERS:
        words = words[1:]
    if not words or (len(words) == 1 and words[0].lower() in _PRONOUNS):
        return False
    return any(w[0].isupper() or w[0].isdigit() for w in words)
