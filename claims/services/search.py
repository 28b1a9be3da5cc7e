"""Search and matching for reviewers: past fact-checks and stored claims like a query or a claim, the same
claim in other articles, and each claim's recorded best match (the Inbox's "has a match")."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Iterable, Sequence

import numpy as np

from claims.matching.match import DEPTH, hybrid_candidates, hybrid_pools, same_claim, query_sentences, \
    sentence_vectors
from claims.matching.rerank import parse_date
from claims.services.common import Progress, UseCase, batches
from claims.services.views import claim_result, factcheck_result, group_member
from core.errors import InputError
from store import alerts as alert_store
from store import queries, repo
from store.db import atomic


def moment(value):
    """A datetime from what `--since` takes: a datetime, an ISO date or time, or a span back ("24h")."""
    if value is None or isinstance(value, datetime):
        return value
    text = str(value).strip()
    span = re.fullmatch(r"(\d+)\s*([mhd])", text)
    if span:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[span.group(2)]
        return datetime.now(timezone.utc) - timedelta(**{unit: int(span.group(1))})
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--since {value!r}: give a date (2026-12-01), a time (2026-12-01T08:00) or a span "
                         "(15m, 24h, 7d)") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


class Matches(UseCase):
    """Hybrid retrieval over the archive, cosine over the stored claims, groups and recorded matches."""

    def search(self, queries: Sequence[str], *, k: int = 5, kinds=("factcheck", "claim")) -> list[dict]:
        """For each query: the k most similar fact-checks and k most similar stored claims, best first."""
        queries = [q for q in queries if q.strip()]
        if not queries:
            raise InputError("nothing to search for: give a query or --file with one query per line")
        vecs = self.bench.embedder.encode(queries)
        results = self.similar(vecs, k=k, kinds=kinds, texts=queries)
        return [{"query": q, "results": r} for q, r in zip(queries, results)]

    def similar(self, vecs: np.ndarray, *, k: int = 5, kinds=("factcheck", "claim"),
                exclude_claims: Sequence[int] = (), texts: Sequence[str] | None = None,
                dates: Sequence | None = None, exclude_documents: Sequence[int] = ()) -> list[list[dict]]:
        """For each query vector: the k best archived fact-checks (dense and BM25 candidates, fused and
        re-ranked) and the k stored claims closest by cosine, best first by `score`, on one scale: the
        probability that the result states the same claim, with its `band` (match, possible or none) and a
        one-line `reason`; leaving out `exclude_claims` and the claims of `exclude_documents`. `texts` are the queries' words (lexical search and the explanations need them),
        `dates` when each claim was made (None where unknown)."""
        out = [[] for _ in range(len(vecs))]
        texts = list(texts) if texts is not None else [""] * len(vecs)
        for kind in kinds:
            if kind == "factcheck":
                wait = not self.bench.indexes.background
                for row, found in zip(out, self._factchecks(vecs, texts, k, dates, wait=wait)):
                    row.extend(found)
                continue
            # the claims of an excluded article may fill the top: look deeper when there are any
            depth = k + len(exclude_claims) + (4 * k + 32 if exclude_documents else 0)
            index = self.bench.indexes.ready(kind)
            if index is None:
                continue  # still opening in the background: the page says so
            hits = index.search(vecs, depth)
            ids = {i for row in hits for i, _ in row}
            calibration, reranker = self.bench.claim_calibration, self.bench.reranker
            with self.session() as s:
                rows = repo.claims_by_ids(s, ids)
                for qi, row in enumerate(hits):
                    taken = 0
                    for ref, score in row:
                        if ref in exclude_claims or ref not in rows or taken >= k \
                                or rows[ref].document_id in exclude_documents:
                            continue
                        taken += 1
                        out[qi].append(claim_result(rows[ref], score, texts[qi], calibration, reranker))
        for row in out:
            row.sort(key=lambda r: -r["score"])
        return out

    def _factchecks(self, vecs: np.ndarray, texts: Sequence[str], k: int, dates=None, *,
                    wait: bool = True) -> list[list[dict]]:
        """Hybrid retrieval (claims.matching.match): pools of the top 50 by cosine and by BM25, re-ranked.
        Without `wait`, nothing is found while the index opens in the background."""
        reranker = self.bench.reranker
        indexes = self.bench.indexes
        index = indexes.get("factcheck", wait=wait)
        if index is None:
            return [[] for _ in vecs]  # still opening in the background: the page says so
        lexical = indexes.lexical()
        pools = hybrid_pools(index, lexical, vecs, texts, DEPTH)
        with self.session() as s:
            rows = repo.factchecks_by_ids(s, {ref for dense, _ in pools for ref in dense})
            facts = {ref: {"id": r.id, "claim": r.claim, "title": r.title, "verdict": r.verdict, "url": r.url,
                           "date": r.date, "speaker": r.speaker} for ref, r in rows.items()}
        titles = indexes.titles(facts)
        # a query of several sentences (a pasted tweet or paragraph) is also compared sentence by sentence
        svecs = sentence_vectors(self.bench.embedder, texts) if any(query_sentences(t) for t in texts) \
            else [None] * len(texts)
        out = []
        for qi, ((dense, scores), vec, text) in enumerate(zip(pools, vecs, texts)):
            candidates = hybrid_candidates(dense, scores, lexical, facts, titles, vec, svecs=svecs[qi],
                                           index=index)
            query_date = dates[qi] if dates is not None else None
            ranked = reranker.rank(text, candidates, k=k, idf=lexical.bm25.idf_of, query_date=query_date)
            out.append([factcheck_result(facts[r["ref"]], r) for r in ranked])
        return out

    def _or_headline(self, ids: list[int], found: list[list[dict]], headlines: dict[int, str], dates,
                     k: int, *, wait: bool = True) -> list[list[dict]]:
        """Each claim's fact-checks, joined by those of the headline that restates it (a claim said in the
        headline and again in the body is one claim: the headline's wording may be the one a fact-check used).
        A fact-check found both ways keeps its better score; best first, k at most."""
        linked = [n for n, i in enumerate(ids) if i in headlines]
        if not linked:
            return found
        texts = [headlines[ids[n]] for n in linked]
        extra = self._factchecks(self.bench.embedder.encode(texts), texts, k, [dates[n] for n in linked],
                                 wait=wait)
        out = list(found)
        for n, more in zip(linked, extra):
            merged: dict = {}
            for r in [*found[n], *more]:
                if r["id"] not in merged or r["score"] > merged[r["id"]]["score"]:
                    merged[r["id"]] = r
            out[n] = sorted(merged.values(), key=lambda r: -r["score"])[:k]
        return out

    def for_claim(self, claim_id: int, *, k: int = 5, include_none: bool = True) -> list[dict]:
        """Past fact-checks and stored claims of other articles similar to one claim (a claim's neighbours in
        its own article are its context, not earlier claims). `include_none=False` leaves out the results in
        the "none" band, which the app hides unless asked for."""
        with self.session() as s:
            claim = repo.get_claim(s, claim_id)
            text, published = claim.text, claim.document.published if claim.document else ""
            document_id = claim.document_id
            headlines = repo.restating_headlines(s, [claim])
            vec = repo.get_vector(s, "claim", claim_id, self.bench.embedder.name)
        if vec is None:
            vec = self.bench.embedder.encode([text])[0]
        found = self.similar(vec[None, :], k=k, exclude_claims=[claim_id], texts=[text],
                             dates=[parse_date(published)], exclude_documents=[document_id])[0]
        if headlines:  # the fact-checks of the headline that restates it count as its own
            facts = [r for r in found if r["kind"] == "factcheck"]
            facts = self._or_headline([claim_id], [facts], headlines, [parse_date(published)], k,
                                      wait=not self.bench.indexes.background)[0]
            found = sorted([*facts, *(r for r in found if r["kind"] != "factcheck")], key=lambda r: -r["score"])
        return found if include_none else [m for m in found if m.get("band") != "none"]

    def group(self, claim_id: int, *, limit: int = 500) -> dict:
        """The stored claims that say what this one says, in any article: MiniLM cosine at or above
        `settings.group_threshold` with this claim, and no figure or negation that disagrees
        (`claims.matching.match.same_claim`). Read from the claim index (the `limit` closest at most), nothing
        stored.

        Returns `{"claim_id", "members", "articles", "first_seen", "first_claim_id", "threshold"}`: `members`
        (this claim among them) oldest first, each with `claim_id`, `document_id`, `document`, `title`, `date`
        (the article's publication date, else the day it was stored; `dated_by` says which), `status`,
        `verdict`, `version`, `text` and `similarity`; `articles` counts distinct articles."""
        threshold = self.settings.group_threshold
        embedder = self.bench.embedder
        with self.session() as s:
            text = repo.get_claim(s, claim_id).text
            vec = repo.get_vector(s, "claim", claim_id, embedder.name)
        if vec is None:
            vec = embedder.encode([text])[0]
        index = self.bench.indexes.ready("claim")  # None while it opens in the background: the claim alone
        k, hits = 32, []
        while index is not None:  # widen the search while its last hit is still close enough
            hits = index.search(vec[None, :], k)[0]
            if len(hits) < k or hits[-1][1] < threshold or k >= limit:
                break
            k = min(2 * k, limit)
        close = {ref: cos for ref, cos in hits if cos >= threshold and ref != claim_id}
        with self.session() as s:
            rows = repo.claims_by_ids(s, [claim_id, *close])
            members = [group_member(c, 1.0 if cid == claim_id else close[cid]) for cid, c in rows.items()
                       if cid == claim_id or same_claim(text, c.text, close[cid], threshold)]
        members.sort(key=lambda m: (m["date"], m["claim_id"]))
        first = members[0] if members else None
        return {"claim_id": claim_id, "members": members,
                "articles": len({m["document_id"] for m in members}),
                "first_seen": first["date"] if first else "", "first_claim_id": first["claim_id"] if first else None,
                "threshold": threshold}

    def alerts(self, *, since=None, limit: int | None = None) -> list[dict]:
        """Alerts raised so far, newest first: each a stored claim that repeats an archived fact-check (its
        recorded best match entered the match band), with the claim, its article, the fact-check and its
        verdict. `since` leaves out older ones: a datetime, an ISO date or time (UTC unless it says), or a
        span back from now ("15m", "24h", "7d")."""
        with self.session() as s:
            return alert_store.list_alerts(s, since=moment(since), limit=limit)

    def tag(self) -> str:
        """What recorded matches are computed with: the embedding model and the reranker (so a match recorded
        some other way, by raw cosine say, counts as out of date). Names the model without loading it: the
        inbox must not wait for MiniLM to load."""
        return f"{self.bench.model_name}|rerank"

    def pending(self) -> int:
        """How many claims have no up-to-date best match recorded (none yet, or the archive changed since)."""
        return len(self.pending_ids())

    def pending_ids(self) -> list[int]:
        """The claims `pending` counts."""
        with self.session() as s:
            return list(repo.claims_needing_match(s, self.tag()))

    def refresh(self, claim_ids: Iterable[int] | None = None, *, document_ids: Iterable[int] | None = None,
                batch_size: int = 100, progress: Progress | None = None) -> int:
        """Record each claim's best archived fact-check, decided as the Claim page decides it (hybrid retrieval,
        re-ranked, with the article's date): `score` is the reranker's probability, `is_match` its match band
        (the possible band is `score` at or above `reranker.possible_threshold`). What the inbox's "has a match"
        filter reads. Does the claims given (`claim_ids`, or every claim of `document_ids`), else those whose
        record is missing or older than the archive. Returns how many claims were matched."""
        embedder = self.bench.embedder
        with self.session() as s:
            if not repo.factcheck_stamp(s)[0]:
                return 0  # no archive: nothing to match against
            if document_ids is not None:
                ids = [c.id for c in queries.claims_matching(s, {"document_ids": list(document_ids)}, "oldest")]
            elif claim_ids is not None:
                ids = list(dict.fromkeys(int(i) for i in claim_ids))
            else:
                ids = repo.claims_needing_match(s, self.tag())
        if not ids:
            return 0
        done = 0
        for batch in batches(ids, batch_size):
            with self.session() as s:
                rows = repo.claims_by_ids(s, batch)
                vecs = repo.vectors_by_refs(s, "claim", embedder.name, batch)
                found = [i for i in batch if i in rows]
                texts = [rows[i].text for i in found]
                dates = [parse_date(rows[i].document.published if rows[i].document else "") for i in found]
                headlines = repo.restating_headlines(s, [rows[i] for i in found])
            lacking = [i for i in found if i not in vecs]
            if lacking:
                vecs.update(zip(lacking, embedder.encode([rows[i].text for i in lacking])))
            best = self._factchecks(np.vstack([vecs[i] for i in found]), texts, 1, dates) if found else []
            best = self._or_headline(found, best, headlines, dates, 1)
            items = [(cid, top[0]["id"] if top else None, top[0]["score"] if top else 0.0,
                      bool(top) and top[0]["band"] == "match") for cid, top in zip(found, best)]
            with atomic(self.engine) as s:
                repo.put_matches(s, items, self.tag())
                alert_store.raise_alerts(s, [(cid, fid, score) for cid, fid, score, hit in items if hit and fid])
            done += len(items)
            if progress:
                progress(len(items))
        return done
