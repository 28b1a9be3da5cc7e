"""The claim queries behind the Inbox, the Export page and the Dashboard: filters, sort orders and paging in
SQL, what the filters offer, and the aggregates for the charts. Like `store.repo`, each function takes the
caller's Session first and never commits."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from core.errors import InvalidValue

from .repo import as_utc
from .models import Alert, Attribution, Claim, ClaimMatch, Document, FactCheck, ReviewEvent, Sentence


# --- the inbox: filtering, sorting and paging in SQL -----------------------------------------------------

#: What `query_claims` filters on. Empty values (None, "", []) mean "any".
CLAIM_FILTERS = ("statuses", "min_score", "max_score", "claim_types", "verdicts", "source", "document_ids",
                 "date_from", "date_to", "has_match", "has_alert", "has_verdict", "text", "assignee", "claim_ids")

#: Sort orders of the inbox, each ending in a unique column so that pages never overlap.
CLAIM_ORDERS = {
    "score": lambda: (Claim.score.desc(), Claim.id.desc()),  # ix_claims_score_id read backwards
    "newest": lambda: (Claim.id.desc(),),
    "oldest": lambda: (Claim.id,),
    "updated": lambda: (Claim.updated_at.desc(), Claim.id.desc()),
    "match": lambda: (func.coalesce(ClaimMatch.score, -1.0).desc(), Claim.id.desc()),
}


def _day_start(value) -> datetime:
    """A date (or datetime) as the first instant of that day, UTC."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)


def _main_source_of(sentence_id_col):
    """The sentence's first attribution, as displayed: the resolved name, else the source as written."""
    return (
        select(func.coalesce(func.nullif(Attribution.resolved, ""), Attribution.source))
        .where(Attribution.sentence_id == sentence_id_col, Attribution.ord == 0)
        .limit(1).scalar_subquery()
    )


def claim_conditions(filters: dict | None) -> list:
    """SQL conditions on `Claim` for a filter dict (keys in CLAIM_FILTERS); raises InvalidValue otherwise."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "", [], (), set())}
    unknown = set(filters) - set(CLAIM_FILTERS)
    if unknown:
        raise InvalidValue(f"unknown claim filters {sorted(unknown)}; use {', '.join(CLAIM_FILTERS)}")
    where = []
    if "statuses" in filters:
        where.append(Claim.status.in_(list(filters["statuses"])))
    if "min_score" in filters:
        where.append(Claim.score >= float(filters["min_score"]))
    if "max_score" in filters:
        where.append(Claim.score <= float(filters["max_score"]))
    if "claim_types" in filters:
        where.append(Claim.claim_type.in_(list(filters["claim_types"])))
    if "verdicts" in filters:
        where.append(Claim.verdict.in_(["" if v == "(none)" else v for v in filters["verdicts"]]))
    if "document_ids" in filters:
        where.append(Claim.document_id.in_([int(i) for i in filters["document_ids"]]))
    if "claim_ids" in filters:
        where.append(Claim.id.in_([int(i) for i in filters["claim_ids"]]))
    if "date_from" in filters:
        where.append(Claim.created_at >= _day_start(filters["date_from"]))
    if "date_to" in filters:
        where.append(Claim.created_at < _day_start(filters["date_to"]) + timedelta(days=1))
    if "text" in filters:
        where.append(Claim.text.icontains(str(filters["text"]).strip(), autoescape=True))
    if "assignee" in filters:
        who = str(filters["assignee"]).strip()
        where.append(Claim.assignee == ("" if who == "(nobody)" else who))
    if "source" in filters:
        needle = str(filters["source"]).strip()
        where.append(select(Attribution.id).where(
            Attribution.sentence_id == Claim.sentence_id, Attribution.ord == 0,
            or_(Attribution.source.icontains(needle, autoescape=True),
                Attribution.resolved.icontains(needle, autoescape=True)),
        ).correlate(Claim).exists())
    if "has_verdict" in filters:
        where.append(Claim.verdict != "" if filters["has_verdict"] else Claim.verdict == "")
    if "has_match" in filters:
        matched = (select(ClaimMatch.claim_id).where(ClaimMatch.claim_id == Claim.id, ClaimMatch.is_match)
                   .correlate(Claim).exists())
        where.append(matched if filters["has_match"] else ~matched)
    if "has_alert" in filters:
        alerted = select(Alert.id).where(Alert.claim_id == Claim.id).correlate(Claim).exists()
        where.append(alerted if filters["has_alert"] else ~alerted)
    return where


def query_claims(
    session: Session, filters: dict | None = None, order: str = "score", limit: int = 50, offset: int = 0
) -> tuple[list[dict], int]:
    """One page of claims as flat rows, and how many match `filters` in all. Filtering, sorting and paging
    all happen in the database, so a page costs the same with ten claims or 100,000."""
    if order not in CLAIM_ORDERS:
        raise InvalidValue(f"unknown order {order!r}; use one of {', '.join(CLAIM_ORDERS)}")
    where = claim_conditions(filters)
    total = session.scalar(select(func.count(Claim.id)).where(*where)) or 0
    # Page the narrow (id, sort key) rows first, then read the page's columns: a deep page then skips index
    # entries instead of sorting every claim's text and joins.
    page = select(Claim.id).where(*where)
    if order == "match":
        page = page.outerjoin(ClaimMatch, ClaimMatch.claim_id == Claim.id)
    ids = list(session.scalars(page.order_by(*CLAIM_ORDERS[order]())
                               .limit(max(1, int(limit))).offset(max(0, int(offset)))).all())
    if not ids:
        return [], int(total)
    q = (
        select(Claim.id, Claim.score, Claim.claim_type, Claim.status, Claim.verdict, Claim.assignee,
               Claim.reviewer, Claim.text, Claim.version, Claim.origin, Claim.created_at, Claim.updated_at,
               Claim.document_id, Claim.sentence_id, Document.name.label("document"),
               Document.title.label("document_title"), Document.published.label("document_date"),
               _main_source_of(Claim.sentence_id).label("source"),
               ClaimMatch.score.label("match_score"), ClaimMatch.is_match,
               FactCheck.verdict.label("match_verdict"), FactCheck.url.label("match_url"))
        .join(Document, Document.id == Claim.document_id)
        .outerjoin(ClaimMatch, ClaimMatch.claim_id == Claim.id)
        .outerjoin(FactCheck, FactCheck.id == ClaimMatch.factcheck_id)
        .where(Claim.id.in_(ids))
    )
    position = {cid: i for i, cid in enumerate(ids)}
    found = sorted(session.execute(q).all(), key=lambda r: position[r.id])
    rows = [{
        "claim_id": r.id, "score": round(r.score, 4), "claim_type": r.claim_type, "status": r.status,
        "verdict": r.verdict, "assignee": r.assignee, "reviewer": r.reviewer, "text": r.text,
        "version": r.version, "origin": r.origin, "created_at": as_utc(r.created_at), "updated_at": as_utc(r.updated_at),
        "document_id": r.document_id, "sentence_id": r.sentence_id, "document": r.document,
        "document_title": r.document_title, "document_date": r.document_date or "", "source": r.source or "",
        "match_score": None if r.match_score is None else round(r.match_score, 4),
        "has_match": None if r.is_match is None else bool(r.is_match),
        # the closest past fact-check's verdict and link ("" when there is none)
        "match_verdict": r.match_verdict or "", "match_url": r.match_url or "",
    } for r in found]
    return rows, int(total)


def claims_matching(session: Session, filters: dict | None = None, order: str = "score",
                    limit: int | None = None) -> list[Claim]:
    """Claims (with document and attributions loaded) that match `filters`: what a filtered export reads."""
    if order not in CLAIM_ORDERS:
        raise InvalidValue(f"unknown order {order!r}; use one of {', '.join(CLAIM_ORDERS)}")
    q = (select(Claim).options(selectinload(Claim.document),
                               selectinload(Claim.sentence).selectinload(Sentence.attributions))
         .outerjoin(ClaimMatch, ClaimMatch.claim_id == Claim.id)
         .where(*claim_conditions(filters)).order_by(*CLAIM_ORDERS[order]()))
    if limit is not None:
        q = q.limit(limit)
    return list(session.scalars(q).all())


def count_claims(session: Session, filters: dict | None = None) -> int:
    return int(session.scalar(select(func.count(Claim.id)).where(*claim_conditions(filters))) or 0)


def status_counts(session: Session, filters: dict | None = None) -> dict[str, int]:
    """How many claims (of those matching `filters`) have each stored status."""
    rows = session.execute(select(Claim.status, func.count(Claim.id)).where(*claim_conditions(filters))
                           .group_by(Claim.status)).all()
    return {status: int(n) for status, n in rows}


def claim_facets(session: Session) -> dict:
    """The values the inbox offers as filters: claim types, verdicts and assignees in use, and documents."""
    def distinct(col):
        return [v for v in session.scalars(select(col).distinct().order_by(col)).all() if v]

    docs = session.execute(select(Document.id, Document.name, Document.title).order_by(Document.id.desc())).all()
    return {
        "claim_types": distinct(Claim.claim_type),
        "verdicts": distinct(Claim.verdict),
        "assignees": distinct(Claim.assignee),
        "documents": [{"id": d.id, "name": d.name, "title": d.title} for d in docs],
    }


def _day(value) -> str:
    """A day from func.date(): SQLite hands back text, PostgreSQL a date."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")


def _published_day(published: str) -> str:
    """A document's `published` as a YYYY-MM-DD day (ISO 8601 or an RSS date), or "" when it reads as none."""
    text = (published or "").strip()
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


def dashboard_counts(session: Session, *, top: int = 10, source_pool: int = 50) -> dict:
    """Plain lists for charts: claims per day and per type, verdicts, the sources claimed most often (the first
    `source_pool`, for the caller to pick names from), reviews per day and per reviewer. Claims per day count
    by the article's publication date when it reads as one, else by the day the claim was stored."""
    day = func.date(Claim.created_at)
    by_published = session.execute(
        select(Document.published, day, func.count(Claim.id)).join(Document, Document.id == Claim.document_id)
        .group_by(Document.published, day)).all()
    days: dict[str, int] = {}
    for published, stored, n in by_published:
        key = _published_day(published) or _day(stored)
        days[key] = days.get(key, 0) + int(n)
    per_day = sorted(days.items())
    per_type = session.execute(select(Claim.claim_type, func.count(Claim.id)).group_by(Claim.claim_type)
                               .order_by(func.count(Claim.id).desc())).all()
    verdicts = session.execute(select(Claim.verdict, func.count(Claim.id)).where(Claim.verdict != "")
                               .group_by(Claim.verdict).order_by(func.count(Claim.id).desc())).all()
    source = func.coalesce(func.nullif(Attribution.resolved, ""), Attribution.source)
    sources = session.execute(
        select(source, func.count(Claim.id))
        .join(Attribution, (Attribution.sentence_id == Claim.sentence_id) & (Attribution.ord == 0))
        .where(source != "").group_by(source).order_by(func.count(Claim.id).desc(), source).limit(source_pool)
    ).all()
    event_day = func.date(ReviewEvent.at)
    reviews = session.execute(
        select(event_day, func.count(ReviewEvent.id), func.count(func.distinct(ReviewEvent.claim_id)))
        .group_by(event_day).order_by(event_day)
    ).all()
    reviewers = session.execute(
        select(ReviewEvent.reviewer, func.count(ReviewEvent.id), func.count(func.distinct(ReviewEvent.claim_id)))
        .group_by(ReviewEvent.reviewer).order_by(func.count(ReviewEvent.id).desc()).limit(top)
    ).all()
    return {
        "claims_per_day": [{"day": _day(d), "claims": n} for d, n in per_day],
        "claims_per_type": [{"claim_type": t, "claims": n} for t, n in per_type],
        "verdicts": [{"verdict": v, "claims": n} for v, n in verdicts],
        "top_sources": [{"source": s, "claims": n} for s, n in sources],
        "reviews_per_day": [{"day": _day(d), "changes": n, "claims": c} for d, n, c in reviews],
        "reviewers": [{"reviewer": r or "(unknown)", "changes": n, "claims": c} for r, n, c in reviewers],
    }
