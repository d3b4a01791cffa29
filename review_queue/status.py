"""`helder status`: what the store holds and what the batch is doing, for an operator at a glance."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from review_queue.models import (
    OPEN_STATES,
    REJECTED,
    WITHDRAWN_BY,
    Concept,
    Ingest,
    PatientTerm,
    Release,
    ReviewItem,
    Run,
    WorkClaim,
    iso_utc,
)


def _iso(value: datetime | None) -> str | None:
    return iso_utc(value)


def status_report(session: Session) -> dict:
    """Counts per review state (plus the open items that need wording or wait for a second
    reviewer, and the rejected items an ingest withdrew rather than a reviewer), TM size, last ingest/runs/release and live worker claims."""
    now = datetime.now(timezone.utc)
    states = dict(session.execute(select(ReviewItem.state, func.count()).group_by(ReviewItem.state)).all())
    open_ = ReviewItem.state.in_(OPEN_STATES)
    waiting = {
        "needs_wording": session.execute(select(func.count()).select_from(ReviewItem).where(
            open_, ReviewItem.origin == "none", ReviewItem.first_approver.is_(None))).scalar_one(),
        "second_review": session.execute(select(func.count()).select_from(ReviewItem).where(
            open_, ReviewItem.needs_second_review.is_(True))).scalar_one(),
    }
    # Rejected by no reviewer: open items an ingest withdrew because their concept became inactive.
    withdrawn = session.execute(select(func.count()).select_from(ReviewItem).where(
        ReviewItem.state == REJECTED, ReviewItem.decided_by == WITHDRAWN_BY)).scalar_one()
    concepts = session.execute(select(func.count()).select_from(Concept).where(Concept.active)).scalar_one()
    tm = session.execute(select(func.count()).select_from(PatientTerm)
                         .where(PatientTerm.active, PatientTerm.preferred)).scalar_one()
    ingest = session.execute(select(Ingest).order_by(Ingest.id.desc()).limit(1)).scalar_one_or_none()
    runs = session.execute(select(Run).order_by(Run.id.desc()).limit(5)).scalars().all()
    release = session.execute(select(Release).order_by(Release.id.desc()).limit(1)).scalar_one_or_none()
    claims = session.execute(
        select(WorkClaim.worker, func.count(), func.max(WorkClaim.lease_expires))
        .where(WorkClaim.lease_expires > now).group_by(WorkClaim.worker)
    ).all()
    return {
        "concepts_active": concepts,
        "tm_terms": tm,
        "review_items": states,
        "review_waiting": waiting,
        "review_withdrawn": withdrawn,
        "last_ingest": ingest and {"path": ingest.path, "kind": ingest.kind, "effective_time": ingest.effective_time,
                                   "at": _iso(ingest.at)},
        "runs": [{"id": r.id, "status": r.status, "worker": r.worker, "suggester": r.suggester,
                  "started_at": _iso(r.started_at), "finished_at": _iso(r.finished_at),
                  "proposed": (r.counts or {}).get("proposed", 0), "error": r.error} for r in runs],
        "last_release": release and {"version": release.version, "path": release.path,
                                     "created_at": _iso(release.created_at)},
        "workers": [{"worker": w, "claimed": n, "lease_expires": _iso(exp)} for w, n, exp in claims],
    }
