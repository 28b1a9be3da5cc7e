"""SQLAlchemy 2 models. The database is the source of truth; the FAISS index is derived from `Vector` rows."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Document(Base):
    """One ingested article. `content_hash` makes ingest idempotent: the same text is stored once."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(500))  # file name, URL or feed id
    origin: Mapped[str] = mapped_column(String(2000), default="")  # path or URL it came from
    title: Mapped[str] = mapped_column(String(1000), default="")
    text: Mapped[str] = mapped_column(Text)
    published: Mapped[str] = mapped_column(String(40), default="")
    #: "article" or "transcript": which detector threshold scored it; `genre_source` "detected" or "given"
    genre: Mapped[str] = mapped_column(String(20), default="article", server_default="article")
    genre_source: Mapped[str] = mapped_column(String(20), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    sentences: Mapped[list["Sentence"]] = relationship(
        back_populates="document", order_by="Sentence.idx", cascade="all, delete-orphan"
    )


class Sentence(Base):
    """A sentence of a document with exact offsets, its check-worthiness score and claim type."""

    __tablename__ = "sentences"
    __table_args__ = (
        UniqueConstraint("document_id", "idx"),
        Index("ix_sentences_claim_score", "is_claim", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    idx: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="body")
    score: Mapped[float] = mapped_column(Float, default=0.0)
    is_claim: Mapped[bool] = mapped_column(Boolean, default=False)
    claim_type: Mapped[str] = mapped_column(String(40), default="not a claim")
    reasons: Mapped[str] = mapped_column(String(500), default="")  # comma-separated
    #: a headline's link: the `idx` of the body sentence it restates (claims.pipeline.headlines), else NULL
    restates: Mapped[int | None] = mapped_column(Integer, nullable=True, default=None)

    document: Mapped[Document] = relationship(back_populates="sentences")
    attributions: Mapped[list["Attribution"]] = relationship(
        back_populates="sentence", order_by="Attribution.ord", cascade="all, delete-orphan"
    )
    claim: Mapped["Claim | None"] = relationship(back_populates="sentence", uselist=False)


class Claim(Base):
    """A sentence that is worth a reviewer's look: found by the detector or added by hand."""

    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_status_score", "status", "score"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sentence_id: Mapped[int] = mapped_column(ForeignKey("sentences.id", ondelete="CASCADE"), unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    claim_type: Mapped[str] = mapped_column(String(40), default="other")
    origin: Mapped[str] = mapped_column(String(20), default="detector")  # detector | reviewer
    # Review state lives on the claim (one current state); `ReviewEvent` keeps every change.
    status: Mapped[str] = mapped_column(String(20), default="new")  # core.review.STATUSES (new, in progress, ...)
    verdict: Mapped[str] = mapped_column(String(60), default="")
    rationale: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")  # one URL per line
    reviewer: Mapped[str] = mapped_column(String(200), default="")
    assignee: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    sentence: Mapped[Sentence] = relationship(back_populates="claim")
    document: Mapped[Document] = relationship()
    events: Mapped[list["ReviewEvent"]] = relationship(
        back_populates="claim", order_by="ReviewEvent.id", cascade="all, delete-orphan"
    )


class Attribution(Base):
    """Who says a sentence's content, with what cue; `edited` marks a reviewer's correction."""

    __tablename__ = "attributions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sentence_id: Mapped[int] = mapped_column(ForeignKey("sentences.id", ondelete="CASCADE"), index=True)
    ord: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(500), default="")
    cue: Mapped[str] = mapped_column(String(200), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    quote: Mapped[str] = mapped_column(String(20), default="reported")
    source_type: Mapped[str] = mapped_column(String(40), default="")
    resolved: Mapped[str] = mapped_column(String(500), default="")
    edited: Mapped[bool] = mapped_column(Boolean, default=False)

    sentence: Mapped[Sentence] = relationship(back_populates="attributions")


class Vector(Base):
    """An embedding of a claim or an archived fact-check, as float32 bytes, tagged with its model."""

    __tablename__ = "vectors"
    __table_args__ = (UniqueConstraint("kind", "ref_id", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # claim | factcheck | title (a fact-check's headline)
    ref_id: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(200))
    dim: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class FactCheck(Base):
    """A past fact-check from the newsroom's archive. `key` (URL or claim hash) makes import idempotent."""

    __tablename__ = "factchecks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(2000), unique=True)
    claim: Mapped[str] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(String(2000), default="")
    date: Mapped[str] = mapped_column(String(40), default="")
    speaker: Mapped[str] = mapped_column(String(500), default="")
    title: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewEvent(Base):
    """Append-only history: who changed which fields of a claim's review, when, from what to what."""

    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    reviewer: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer)
    changes: Mapped[str] = mapped_column(Text)  # JSON: {field: [old, new]}

    claim: Mapped[Claim] = relationship(back_populates="events")


class ClaimMatch(Base):
    """The closest archived fact-check to a claim when it was last matched: what the inbox filters on.

    Derived data, like the FAISS index: `Matches.refresh` (claims/services/search.py) recomputes it from the stored vectors."""

    __tablename__ = "claim_matches"

    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), primary_key=True)
    factcheck_id: Mapped[int | None] = mapped_column(ForeignKey("factchecks.id", ondelete="SET NULL"),
                                                     nullable=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    is_match: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    model: Mapped[str] = mapped_column(String(200), default="")
    matched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Alert(Base):
    """A stored claim found to repeat an archived fact-check (its best match entered the match band): raised
    once per claim and fact-check, kept when the match is later recomputed."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("claim_id", "factcheck_id"), Index("ix_alerts_created_id", "created_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"))
    factcheck_id: Mapped[int] = mapped_column(ForeignKey("factchecks.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Source(Base):
    """A feed (RSS or Atom) or a page watched on a schedule (`claims sources`), with how its last poll went."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    every_seconds: Mapped[int] = mapped_column(Integer, default=900)
    kind: Mapped[str] = mapped_column(String(20), default="")  # feed | page, as last seen; "" before a poll
    title: Mapped[str] = mapped_column(String(500), default="")
    etag: Mapped[str] = mapped_column(String(500), default="")
    last_modified: Mapped[str] = mapped_column(String(100), default="")
    polls: Mapped[int] = mapped_column(Integer, default=0)
    new_items: Mapped[int] = mapped_column(Integer, default=0)  # items found new, over every poll
    last_new: Mapped[int] = mapped_column(Integer, default=0)  # items found new by the last poll
    last_error: Mapped[str] = mapped_column(Text, default="")  # the last poll's error, "" when it went well
    last_polled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SourceItem(Base):
    """An item a source has shown, by its link (or id) and by its content's hash: never taken twice."""

    __tablename__ = "source_items"
    __table_args__ = (UniqueConstraint("source_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(2000))  # the item's link, else its id
    content_hash: Mapped[str] = mapped_column(String(64), default="", index=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FetchSlot(Base):
    """When a host may next be fetched from: the per-host rate limit that every worker and poll shares."""

    __tablename__ = "fetch_slots"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    next_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Job(Base):
    """One unit of queued ingest work: a file, a URL or one article of a feed, and how it ended.

    `active_key` is the job's key while it is queued or running and NULL once it is done or failed, so the
    same work is queued at most once at a time. The Celery broker carries the job's id to a worker; a task
    whose worker died is handed to another, which starts the job again (up to `max_attempts` tries in all)."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))  # sha256 of kind, target and payload
    active_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # path | file | url | article | archive
    target: Mapped[str] = mapped_column(String(2000))  # path, URL, or feed#line for an article
    payload: Mapped[str] = mapped_column(Text, default="")  # an article's JSON line
    status: Mapped[str] = mapped_column(String(20), default="queued")  # queued | running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    error: Mapped[str] = mapped_column(Text, default="")
    worker: Mapped[str] = mapped_column(String(200), default="")
    documents: Mapped[int] = mapped_column(Integer, default=0)  # new documents the job stored
    duplicates: Mapped[int] = mapped_column(Integer, default=0)  # articles that were already stored
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# Inbox paging sorts the whole claims table by score (or by last change) and filters on type, source and
# verdict; these keep any page of 100,000 claims an index walk instead of a sort.
Index("ix_claims_score_id", Claim.score, Claim.id)
Index("ix_claims_updated_at", Claim.updated_at)
Index("ix_claims_type_score", Claim.claim_type, Claim.score)
Index("ix_claims_verdict", Claim.verdict)
Index("ix_attributions_sentence_ord", Attribution.sentence_id, Attribution.ord)
Index("ix_review_events_at", ReviewEvent.at)
