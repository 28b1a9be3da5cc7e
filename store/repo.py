"""Repository functions. Each takes the caller's Session first and never commits: the caller owns the
transaction. Inputs and outputs are plain values so that `store/` needs nothing from `claims/`."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Iterable, Iterator, Sequence

import numpy as np
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased, selectinload

from core.errors import InvalidValue, NotFound, ReviewConflict
from core.review import REVIEW_FIELDS, STATUSES, status_after

from .models import (Attribution, Claim, ClaimMatch, Document, FactCheck, ReviewEvent, Sentence, Vector,
                     utcnow)


def content_hash(text: str) -> str:
    """The identity of an article: its text with whitespace runs collapsed."""
    norm = " ".join(text.split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


# --- documents ---------------------------------------------------------------------------------------


def find_document(session: Session, content_hash_: str) -> Document | None:
    return session.scalar(select(Document).where(Document.content_hash == content_hash_))


def add_document(
    session: Session,
    *,
    content_hash_: str,
    name: str,
    origin: str,
    title: str,
    text: str,
    published: str,
    sentences: Sequence[dict],
    genre: str = "article",
    genre_source: str = "",
) -> Document:
    """Store a document with its sentences; each sentence dict may carry `attributions` (list of dicts).
    Claims are created for sentences with `is_claim`. Flushes so ids are known; does not commit."""
    doc = Document(
        content_hash=content_hash_, name=name[:500], origin=origin[:2000], title=title[:1000],
        text=text, published=published[:40], genre=genre, genre_source=genre_source,
    )
    session.add(doc)
    for s in sentences:
        row = Sentence(
            idx=s["index"], text=s["text"], start=s["start"], end=s["end"], kind=s.get("kind", "body"),
            score=float(s.get("score", 0.0)), is_claim=bool(s.get("is_claim", False)),
            claim_type=s.get("claim_type", "not a claim"), reasons=",".join(s.get("reasons", ())),
            restates=s.get("restates"),
        )
        for i, a in enumerate(s.get("attributions", ())):
            row.attributions.append(Attribution(
                ord=i, source=a.get("source", "")[:500], cue=a.get("cue", "")[:200],
                content=a.get("content", ""), quote=a.get("quote", "reported"),
                source_type=a.get("source_type", ""), resolved=(a.get("resolved") or "")[:500],
            ))
        doc.sentences.append(row)
    session.flush()
    for row in doc.sentences:
        if row.is_claim:
            session.add(Claim(sentence_id=row.id, document_id=doc.id, text=row.text, score=row.score,
                              claim_type=row.claim_type))
    session.flush()
    return doc


def list_documents(session: Session) -> list[dict]:
    """Every document with its number of sentences and claims, newest first."""
    n_claims = (
        select(Claim.document_id, func.count(Claim.id).label("n")).group_by(Claim.document_id).subquery()
    )
    rows = session.execute(
        select(Document.id, Document.name, Document.title, Document.created_at, n_claims.c.n)
        .outerjoin(n_claims, n_claims.c.document_id == Document.id)
        .order_by(Document.id.desc())
    ).all()
    return [
        {"id": r.id, "name": r.name, "title": r.title, "created_at": as_utc(r.created_at), "claims": r.n or 0}
        for r in rows
    ]


def get_document(session: Session, doc_id: int) -> Document:
    doc = session.scalar(
        select(Document).where(Document.id == doc_id).options(
            selectinload(Document.sentences).selectinload(Sentence.attributions),
            selectinload(Document.sentences).selectinload(Sentence.claim),
        )
    )
    if doc is None:
        raise NotFound(f"no document with id {doc_id}; list them with `claims documents`")
    return doc


def counts(session: Session) -> dict:
    return {
        "documents": session.scalar(select(func.count(Document.id))) or 0,
        "sentences": session.scalar(select(func.count(Sentence.id))) or 0,
        "claims": session.scalar(select(func.count(Claim.id))) or 0,
        "attributions": session.scalar(select(func.count(Attribution.id))) or 0,
        "factchecks": session.scalar(select(func.count(FactCheck.id))) or 0,
        "reviewed": session.scalar(select(func.count(Claim.id)).where(Claim.verdict != "")) or 0,
    }


# --- claims and reviews ------------------------------------------------------------------------------


def get_claim(session: Session, claim_id: int) -> Claim:
    claim = session.scalar(
        select(Claim).where(Claim.id == claim_id).options(
            selectinload(Claim.sentence).selectinload(Sentence.attributions),
            selectinload(Claim.document),
        )
    )
    if claim is None:
        raise NotFound(f"no claim with id {claim_id}")
    return claim


def claim_for_sentence(session: Session, sentence_id: int) -> Claim | None:
    return session.scalar(select(Claim).where(Claim.sentence_id == sentence_id))


def claims_by_ids(session: Session, ids: Iterable[int]) -> dict[int, Claim]:
    ids = list(ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(Claim).where(Claim.id.in_(ids)).options(selectinload(Claim.document))
    ).all()
    return {c.id: c for c in rows}


def restating_headlines(session: Session, claims: Iterable[Claim]) -> dict[int, str]:
    """{claim id: the text of the headline that restates its sentence} for the claims that have one."""
    claims = list(claims)
    if not claims:
        return {}
    headline = aliased(Sentence)
    rows = session.execute(
        select(Claim.id, headline.text)
        .join(Sentence, Sentence.id == Claim.sentence_id)
        .join(headline, (headline.document_id == Claim.document_id) & (headline.restates == Sentence.idx)
              & (headline.kind == "headline"))
        .where(Claim.id.in_([c.id for c in claims]))
    ).all()
    return {cid: text for cid, text in rows}


def add_claim(session: Session, sentence_id: int, reviewer: str) -> Claim:
    """Promote a sentence the detector missed to a claim (kept as feedback: origin 'reviewer')."""
    sent = session.get(Sentence, sentence_id)
    if sent is None:
        raise NotFound(f"no sentence with id {sentence_id}")
    existing = session.scalar(select(Claim).where(Claim.sentence_id == sentence_id))
    if existing is not None:
        return existing
    claim = Claim(sentence_id=sent.id, document_id=sent.document_id, text=sent.text, score=sent.score,
                  claim_type=sent.claim_type if sent.claim_type != "not a claim" else "other",
                  origin="reviewer", reviewer=reviewer)
    session.add(claim)
    session.flush()
    session.add(ReviewEvent(claim_id=claim.id, reviewer=reviewer, version=claim.version,
                            changes=json.dumps({"created": [None, "reviewer"]})))
    return claim


def update_review(
    session: Session, claim_id: int, changes: dict, *, reviewer: str, expected_version: int | None = None,
    statuses: Sequence[str] = STATUSES,
) -> Claim:
    """Apply review changes with optimistic versioning and append them to the history. A verdict saved on a new
    or in-progress claim makes it reviewed (`core.review.status_after`). `statuses`: the ones allowed.

    Raises ReviewConflict when `expected_version` is given and someone saved in between."""
    unknown = set(changes) - set(REVIEW_FIELDS)
    if unknown:
        raise InvalidValue(f"unknown review fields {sorted(unknown)}; use {', '.join(REVIEW_FIELDS)}")
    if "status" in changes and changes["status"] not in statuses:
        raise InvalidValue(f"status must be one of {', '.join(statuses)}, not {changes['status']!r}")
    claim = _locked_claim(session, Claim.id == claim_id)
    if claim is None:
        raise NotFound(f"no claim with id {claim_id}")
    _check_version(claim, expected_version)
    if (auto := status_after(claim.status, claim.verdict, changes)) is not None:
        changes = {**changes, "status": auto}
    diff = {}
    for field, new in changes.items():
        new = "" if new is None else str(new)
        old = getattr(claim, field)
        if old != new:
            diff[field] = [old, new]
            setattr(claim, field, new)
    if diff:
        _record(session, claim, diff, reviewer)
    return claim


def _locked_claim(session: Session, where) -> Claim | None:
    """The claim, read fresh and locked until the transaction ends, so that its version cannot change between
    the check and the save. PostgreSQL locks the row (FOR UPDATE). SQLite has no row locks, and pysqlite only
    opens a transaction at the first write, so a plain read may be stale by the time the save lands (two
    reviewers would both "win"): a no-op UPDATE first takes the database's write lock, and the read after it
    is the latest."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Claim).where(where).values(version=Claim.version)
                        .execution_options(synchronize_session=False))
    return session.scalar(select(Claim).where(where).with_for_update().execution_options(populate_existing=True))


def _check_version(claim: Claim, expected_version: int | None) -> None:
    if expected_version is not None and claim.version != expected_version:
        raise ReviewConflict(
            f"claim {claim.id} was changed by {claim.reviewer or 'someone'} (version {claim.version}) "
            f"after you opened it (version {expected_version}); reload it and apply your change again",
            current=review_state(claim),
        )


def _record(session: Session, claim: Claim, diff: dict, reviewer: str) -> None:
    """Bump the claim's version and append the change to its history."""
    claim.version += 1
    claim.reviewer = reviewer
    claim.updated_at = utcnow()
    session.add(ReviewEvent(claim_id=claim.id, reviewer=reviewer, version=claim.version,
                            changes=json.dumps(diff, ensure_ascii=False)))
    session.flush()


def review_state(claim: Claim) -> dict:
    state = {f: getattr(claim, f) for f in REVIEW_FIELDS}
    state.update(version=claim.version, reviewer=claim.reviewer, updated_at=as_utc(claim.updated_at))
    return state


def history(session: Session, claim_id: int) -> list[dict]:
    rows = session.scalars(
        select(ReviewEvent).where(ReviewEvent.claim_id == claim_id).order_by(ReviewEvent.id)
    ).all()
    return [{"at": as_utc(e.at), "reviewer": e.reviewer, "version": e.version, "changes": json.loads(e.changes)}
            for e in rows]


def count_review_events(session: Session) -> int:
    return int(session.scalar(select(func.count(ReviewEvent.id))) or 0)


def review_events(session: Session, *, claim_id: int | None = None, batch: int = 2000) -> Iterator[dict]:
    """The whole review history (or one claim's), oldest first: every event with its claim and document."""
    last = 0
    while True:
        q = (select(ReviewEvent, Claim.text, Claim.document_id, Document.name)
             .join(Claim, Claim.id == ReviewEvent.claim_id).join(Document, Document.id == Claim.document_id)
             .where(ReviewEvent.id > last).order_by(ReviewEvent.id).limit(batch))
        if claim_id is not None:
            q = q.where(ReviewEvent.claim_id == claim_id)
        rows = session.execute(q).all()
        if not rows:
            return
        for e, text, doc_id, doc_name in rows:
            yield {"event_id": e.id, "claim_id": e.claim_id, "version": e.version, "at": as_iso(e.at),
                   "reviewer": e.reviewer, "changes": json.loads(e.changes), "document_id": doc_id,
                   "document": doc_name, "claim_text": text}
        last = rows[-1][0].id


def update_attribution(
    session: Session, sentence_id: int, values: dict, *, reviewer: str, expected_version: int | None = None
) -> Attribution:
    """Correct (or add) the main attribution of a sentence; recorded in the claim's history if it has one.

    With `expected_version`, raises ReviewConflict when the claim was saved by someone else since."""
    sent = session.get(Sentence, sentence_id)
    if sent is None:
        raise NotFound(f"no sentence with id {sentence_id}")
    claim = _locked_claim(session, Claim.sentence_id == sentence_id)
    if claim is not None:
        _check_version(claim, expected_version)
    attr = sent.attributions[0] if sent.attributions else None
    if attr is None:
        attr = Attribution(sentence_id=sentence_id, ord=0)
        session.add(attr)
    diff = {}
    for field in ("source", "cue", "content", "quote"):
        if field in values and (getattr(attr, field) or "") != (values[field] or ""):
            diff[f"attribution.{field}"] = [getattr(attr, field) or "", values[field] or ""]
            setattr(attr, field, values[field] or "")
    if diff:
        attr.edited = True
        attr.resolved = ""
        if claim is not None:
            _record(session, claim, diff, reviewer)
    session.flush()
    return attr


def list_claims(
    session: Session,
    *,
    status: str | None = None,
    document_id: int | None = None,
    reviewed_only: bool = False,
    min_score: float | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Claim]:
    q = select(Claim).options(
        selectinload(Claim.document), selectinload(Claim.sentence).selectinload(Sentence.attributions)
    )
    if status:
        q = q.where(Claim.status == status)
    if document_id is not None:
        q = q.where(Claim.document_id == document_id)
    if reviewed_only:
        q = q.where(or_(Claim.verdict != "", Claim.status != "new"))
    if min_score is not None:
        q = q.where(Claim.score >= min_score)
    q = q.order_by(Claim.score.desc(), Claim.id).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    return list(session.scalars(q).all())


# --- fact-check archive ------------------------------------------------------------------------------


def factcheck_key(record: dict) -> str:
    """URL when there is one, else a hash of the normalised claim text."""
    url = (record.get("url") or "").strip()
    if url:
        return url
    return "sha256:" + hashlib.sha256(" ".join(record["claim"].lower().split()).encode()).hexdigest()


def upsert_factcheck(session: Session, record: dict) -> tuple[FactCheck, bool]:
    """Insert or update one archived fact-check. Returns (row, created)."""
    key = factcheck_key(record)
    row = session.scalar(select(FactCheck).where(FactCheck.key == key))
    created = row is None
    if created:
        row = FactCheck(key=key, claim=record["claim"])
        session.add(row)
    changed = created
    for field in ("claim", "verdict", "url", "date", "speaker", "title"):
        value = (record.get(field) or "").strip()
        if field == "claim" or value or created:
            if getattr(row, field) != value:
                setattr(row, field, value)
                changed = True
    if changed and not created:
        row.updated_at = utcnow()
    session.flush()
    return row, created


def factchecks_by_keys(session: Session, keys: Iterable[str]) -> dict[str, FactCheck]:
    """Stored fact-checks by key (see `factcheck_key`), read in one query per thousand keys."""
    keys = list(dict.fromkeys(keys))
    out = {}
    for i in range(0, len(keys), 1000):
        out.update({f.key: f for f in session.scalars(select(FactCheck).where(FactCheck.key.in_(keys[i:i + 1000])))})
    return out


def upsert_factchecks(session: Session, records: Sequence[dict],
                      existing: dict[str, FactCheck] | None = None) -> list[tuple[FactCheck, bool, bool]]:
    """`upsert_factcheck` for a batch with one read and one flush: (row, created, changed) per record, in order
    (`changed`: a stored row took a new value). `existing` is what `factchecks_by_keys` returned for these
    records, when the caller has it already."""
    keys = [factcheck_key(r) for r in records]
    rows = dict(existing) if existing is not None else factchecks_by_keys(session, keys)
    out, now = [], utcnow()
    for key, record in zip(keys, records):
        row = rows.get(key)
        created = row is None
        if created:
            row = rows[key] = FactCheck(key=key, claim=record["claim"])
            session.add(row)
        changed = created
        for field in ("claim", "verdict", "url", "date", "speaker", "title"):
            value = (record.get(field) or "").strip()
            if (field == "claim" or value or created) and getattr(row, field) != value:
                setattr(row, field, value)
                changed = True
        if changed and not created:
            row.updated_at = now
        out.append((row, created, changed and not created))  # a key twice in a batch: the second updates the first
    session.flush()
    return out


def factchecks_by_ids(session: Session, ids: Iterable[int]) -> dict[int, FactCheck]:
    ids = list(ids)
    if not ids:
        return {}
    return {f.id: f for f in session.scalars(select(FactCheck).where(FactCheck.id.in_(ids))).all()}


def factcheck_stamp(session: Session) -> tuple[int, int, str]:
    """(count, largest id, latest update) of the archive: what a derived index compares to see it is stale."""
    n, top, updated = session.execute(
        select(func.count(FactCheck.id), func.max(FactCheck.id), func.max(FactCheck.updated_at))
    ).one()
    return int(n or 0), int(top or 0), str(updated or "")


def factcheck_texts(session: Session) -> list[tuple[int, str, str, str]]:
    """(id, claim, title, date) of every archived fact-check, in id order: what lexical search indexes."""
    rows = session.execute(
        select(FactCheck.id, FactCheck.claim, FactCheck.title, FactCheck.date).order_by(FactCheck.id)
    ).all()
    return [(int(r[0]), r[1] or "", r[2] or "", r[3] or "") for r in rows]


# --- vectors -----------------------------------------------------------------------------------------


def put_vectors(session: Session, kind: str, model: str, items: Sequence[tuple[int, np.ndarray]]) -> None:
    """Store (ref_id, vector) pairs, replacing an existing vector of the same ref and model."""
    if not items:
        return
    refs = [r for r, _ in items]
    existing = {
        v.ref_id: v
        for v in session.scalars(
            select(Vector).where(Vector.kind == kind, Vector.model == model, Vector.ref_id.in_(refs))
        ).all()
    }
    replaced = False
    for ref, vec in items:
        data = np.asarray(vec, dtype=np.float32).tobytes()
        old = existing.get(ref)
        if old is not None and bytes(old.data) == data:
            continue
        if old is not None:
            # A new row rather than an update in place: the FAISS index (of any process) notices rows with
            # ids above the last it has seen, and would never notice a changed vector under an old id.
            session.delete(old)
            replaced = True
    if replaced:
        session.flush()  # the old rows go before the new ones take their (kind, ref, model)
    for ref, vec in items:
        data = np.asarray(vec, dtype=np.float32).tobytes()
        old = existing.get(ref)
        if old is None or bytes(old.data) != data:
            session.add(Vector(kind=kind, ref_id=int(ref), model=model, dim=int(vec.shape[-1]), data=data))
    session.flush()


def get_vector(session: Session, kind: str, ref_id: int, model: str) -> np.ndarray | None:
    data = session.scalar(select(Vector.data).where(Vector.kind == kind, Vector.ref_id == ref_id,
                                                    Vector.model == model))
    return None if data is None else np.frombuffer(data, dtype=np.float32)


def vector_models(session: Session, kind: str) -> dict[str, int]:
    """How many vectors of this kind each model made."""
    rows = session.execute(select(Vector.model, func.count(Vector.id)).where(Vector.kind == kind)
                           .group_by(Vector.model)).all()
    return {model: int(n) for model, n in rows}


def delete_other_models(session: Session, model: str) -> dict[str, int]:
    """Delete every stored vector not made by `model`; how many of each model went."""
    gone = dict(session.execute(select(Vector.model, func.count(Vector.id)).where(Vector.model != model)
                                .group_by(Vector.model)).all())
    session.execute(delete(Vector).where(Vector.model != model))
    return {m: int(n) for m, n in gone.items()}


def vector_stats(session: Session, kind: str, model: str) -> tuple[int, int]:
    """(count, largest row id) of the stored vectors of one kind and model."""
    n, top = session.execute(
        select(func.count(Vector.id), func.max(Vector.id)).where(Vector.kind == kind, Vector.model == model)
    ).one()
    return int(n or 0), int(top or 0)


def vector_sample(session: Session, kind: str, model: str, *, upto_id: int, n: int = 16) -> list[tuple[int, bytes]]:
    """(ref id, float32 bytes) of the first and the last n/2 stored vectors (by row id) up to row `upto_id`."""
    where = (Vector.kind == kind, Vector.model == model, Vector.id <= upto_id)
    half = max(1, n // 2)
    first = session.execute(select(Vector.ref_id, Vector.data).where(*where).order_by(Vector.id).limit(half)).all()
    last = session.execute(select(Vector.ref_id, Vector.data).where(*where).order_by(Vector.id.desc()).limit(half)).all()
    return [(int(r), bytes(d)) for r, d in dict(first + last).items()]


def iter_vectors(
    session: Session, kind: str, model: str, *, after_id: int = 0, batch: int = 5000
) -> Iterator[tuple[int, int, bytes, int]]:
    """(row id, ref id, float32 bytes, dim) in row-id order, fetched in batches."""
    last = after_id
    while True:
        rows = session.execute(
            select(Vector.id, Vector.ref_id, Vector.data, Vector.dim)
            .where(Vector.kind == kind, Vector.model == model, Vector.id > last)
            .order_by(Vector.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def missing_vector_refs(session: Session, model: str) -> tuple[list[int], list[int]]:
    """Claim ids and fact-check ids that have no vector for `model` (after a model change, say)."""
    have_claims = select(Vector.ref_id).where(Vector.kind == "claim", Vector.model == model)
    have_fc = select(Vector.ref_id).where(Vector.kind == "factcheck", Vector.model == model)
    claims = session.scalars(select(Claim.id).where(Claim.id.not_in(have_claims))).all()
    fcs = session.scalars(select(FactCheck.id).where(FactCheck.id.not_in(have_fc))).all()
    return list(claims), list(fcs)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime: SQLite hands back naive times (stored as UTC), PostgreSQL aware ones."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def as_iso(value: datetime | None) -> str:
    """A stored time as ISO 8601 in UTC with its offset, the same on every database: 2026-12-05T11:07:30+00:00."""
    return as_utc(value).isoformat(timespec="seconds") if value else ""


def sentences_around(session: Session, sentence_id: int, *, before: int = 2, after: int = 2) -> list[dict]:
    """The sentence and its neighbours in the document, in order (for reading a claim in context)."""
    sent = session.get(Sentence, sentence_id)
    if sent is None:
        raise NotFound(f"no sentence with id {sentence_id}")
    rows = session.scalars(
        select(Sentence).where(Sentence.document_id == sent.document_id,
                               Sentence.idx >= sent.idx - before, Sentence.idx <= sent.idx + after)
        .order_by(Sentence.idx)
    ).all()
    return [{"id": r.id, "index": r.idx, "text": r.text, "kind": r.kind, "score": r.score,
             "is_target": r.id == sentence_id,
             "attributions": [{"source": a.source, "resolved": a.resolved, "cue": a.cue, "quote": a.quote,
                               "edited": a.edited} for a in r.attributions]} for r in rows]


# --- matches recorded for the inbox --------------------------------------------------------------------


def claims_needing_match(session: Session, model: str, *, limit: int | None = None) -> list[int]:
    """Claim ids whose recorded best match is missing, from another model, or older than the archive."""
    latest = session.scalar(select(func.max(func.coalesce(FactCheck.updated_at, FactCheck.created_at))))
    if latest is None:
        return []  # nothing to match against
    stale = or_(ClaimMatch.claim_id.is_(None), ClaimMatch.model != model, ClaimMatch.matched_at < latest)
    q = (select(Claim.id).outerjoin(ClaimMatch, ClaimMatch.claim_id == Claim.id).where(stale)
         .order_by(Claim.id))
    if limit is not None:
        q = q.limit(limit)
    return list(session.scalars(q).all())


def put_matches(session: Session, items: Sequence[tuple[int, int | None, float, bool]], model: str) -> None:
    """Record (claim id, fact-check id or None, score, is_match) as each claim's best match."""
    if not items:
        return
    existing = {m.claim_id: m for m in session.scalars(
        select(ClaimMatch).where(ClaimMatch.claim_id.in_([c for c, *_ in items]))).all()}
    now = utcnow()
    for claim_id, factcheck_id, score, is_match in items:
        row = existing.get(claim_id)
        if row is None:
            row = ClaimMatch(claim_id=claim_id)
            session.add(row)
        row.factcheck_id, row.score, row.is_match = factcheck_id, float(score), bool(is_match)
        row.model, row.matched_at = model, now
    session.flush()


def vectors_by_refs(session: Session, kind: str, model: str, ids: Iterable[int]) -> dict[int, np.ndarray]:
    ids = list(ids)
    if not ids:
        return {}
    rows = session.execute(select(Vector.ref_id, Vector.data).where(
        Vector.kind == kind, Vector.model == model, Vector.ref_id.in_(ids))).all()
    return {r.ref_id: np.frombuffer(r.data, dtype=np.float32) for r in rows}


# --- the dashboard: aggregates computed by the database ------------------------------------------------


