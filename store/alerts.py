"""Alerts: a stored claim whose best archived fact-check entered the match band, raised once per pair."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Alert, Claim, Document, FactCheck, utcnow
from .repo import as_iso


def raise_alerts(session: Session, items: Sequence[tuple[int, int, float]]) -> int:
    """Record (claim id, fact-check id, score) pairs not alerted before; returns how many are new."""
    if not items:
        return 0
    claims = {c for c, _, _ in items}
    seen = set(session.execute(select(Alert.claim_id, Alert.factcheck_id).where(Alert.claim_id.in_(claims))).all())
    now = utcnow()
    new = {(c, f): s for c, f, s in items if (c, f) not in seen}  # a pair given twice is raised once
    session.add_all(Alert(claim_id=c, factcheck_id=f, score=float(s), created_at=now) for (c, f), s in new.items())
    session.flush()
    return len(new)


def list_alerts(session: Session, *, since: datetime | None = None, limit: int | None = None) -> list[dict]:
    """Alerts, newest first, with the claim, its article and the fact-check it repeats."""
    q = (select(Alert, Claim, FactCheck, Document)
         .join(Claim, Claim.id == Alert.claim_id).join(FactCheck, FactCheck.id == Alert.factcheck_id)
         .outerjoin(Document, Document.id == Claim.document_id)
         .order_by(Alert.created_at.desc(), Alert.id.desc()))
    if since is not None:
        q = q.where(Alert.created_at >= (since if since.tzinfo is None else since.astimezone(timezone.utc)))
    if limit:
        q = q.limit(limit)
    return [{"id": a.id, "created_at": as_iso(a.created_at), "score": round(a.score, 4),
             "claim_id": c.id, "claim": c.text, "status": c.status, "document_id": c.document_id,
             "document": d.name if d is not None else "", "published": d.published if d is not None else "",
             "factcheck_id": f.id, "factcheck": f.claim, "verdict": f.verdict, "url": f.url,
             "factcheck_date": f.date} for a, c, f, d in session.execute(q).all()]
