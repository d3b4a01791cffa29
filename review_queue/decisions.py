"""Reviewer decisions: the review state machine, with a version check and an audit trail.

proposed/deferred --approve--> approved      (the proposal joins the TM)
proposed/deferred --edit-----> edited        (the reviewer's text joins the TM)
proposed/deferred --reject---> rejected
proposed          --defer----> deferred
a decided item    --undo-----> the state before (by the reviewer who decided it, as their last act)

Every call states the item version it saw (`expected_version`); a stale page or a second
reviewer gets `StaleItem` instead of overwriting a newer decision. Error-level flags block
approval unless the reviewer gives an override reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from review_queue.models import (
    APPROVED,
    DEFERRED,
    EDITED,
    OPEN_STATES,
    PROPOSED,
    REJECTED,
    AuditLog,
    Concept,
    Decision,
    PatientTerm,
    ReviewItem,
    Suggestion,
)
from terms.text import TermError, validate_explanation, validate_term


class DecisionError(ValueError):
    """The decision is not allowed; the message says why."""


class ItemNotFound(DecisionError):
    pass


class StaleItem(DecisionError):
    """Someone else changed the item since this reviewer loaded it."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


def item_snapshot(item: ReviewItem) -> dict:
    """The fields a decision changes, for the audit log's before/after."""
    return {
        "state": item.state,
        "version": item.version,
        "final_term": item.final_term,
        "final_explanation": item.final_explanation,
        "decided_by": item.decided_by,
        "first_approver": item.first_approver,
    }


def _load(session: Session, item_id: int, expected_version: int | None) -> ReviewItem:
    # Row lock on PostgreSQL so two reviewers deciding at the same instant serialise here.
    item = session.execute(
        select(ReviewItem).where(ReviewItem.id == item_id).with_for_update()
    ).scalar_one_or_none()
    if item is None:
        raise ItemNotFound(f"review item {item_id} does not exist")
    if expected_version is not None and item.version != expected_version:
        raise StaleItem(
            f"review item {item_id} changed since you opened it (version {expected_version}, now "
            f"{item.version}, {item.state} by {item.decided_by or 'nobody'}); reload it"
        )
    return item


def _bump(session: Session, item: ReviewItem, old_version: int, **values) -> None:
    """Write the change only if nobody else bumped the version in between (compare-and-set)."""
    result = session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item.id, ReviewItem.version == old_version)
        .values(version=old_version + 1, updated_at=_now(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleItem(f"review item {item.id} changed while you decided; reload it")
    session.refresh(item)


def _record(session: Session, item: ReviewItem, user: str, action: str, before: dict, *,
            term: str | None = None, explanation: str | None = None, reason: str | None = None) -> Decision:
    decision = Decision(
        item_id=item.id, reviewer=user, action=action, term=term, explanation=explanation,
        reason=reason, state_before=before["state"], state_after=item.state, at=_now(),
    )
    session.add(decision)
    session.add(AuditLog(
        actor=user, action=action, entity="review_item", entity_id=str(item.id),
        before=before, after=item_snapshot(item), at=_now(),
    ))
    session.flush()
    return decision


def _require_open(item: ReviewItem, action: str) -> None:
    if item.state not in OPEN_STATES:
        raise DecisionError(
            f"review item {item.id} is already {item.state} by {item.decided_by}; it cannot be {action}"
        )


def _primary_explanation(session: Session, item: ReviewItem) -> str | None:
    return session.execute(
        select(Suggestion.explanation).where(Suggestion.item_id == item.id, Suggestion.is_primary)
        .order_by(Suggestion.id.desc()).limit(1)
    ).scalar_one_or_none()


def _join_tm(session: Session, item: ReviewItem, term: str, explanation: str | None, user: str) -> None:
    """An approved term becomes the concept's active preferred patient-friendly term."""
    previous = session.execute(
        select(PatientTerm).where(
            PatientTerm.concept_id == item.concept_id, PatientTerm.active, PatientTerm.preferred
        )
    ).scalar_one_or_none()
    if previous is not None:
        previous.active = False
        session.add(AuditLog(actor=user, action="retire", entity="patient_term",
                             entity_id=str(previous.id), before={"term": previous.term, "active": True},
                             after={"active": False}, at=_now()))
        session.flush()
    pt = PatientTerm(
        concept_id=item.concept_id, term=term, explanation=explanation, clinical_term=item.source_term,
        source="review", preferred=True, active=True, review_item_id=item.id,
    )
    session.add(pt)
    session.flush()
    session.add(AuditLog(actor=user, action="add", entity="patient_term", entity_id=str(pt.id),
                         before=None, after={"concept_id": pt.concept_id, "term": term,
                                             "explanation": explanation}, at=_now()))


@dataclass(frozen=True)
class ReviewPolicy:
    """Four eyes: when set, items with error flags or low confidence need a second approver."""

    four_eyes: bool = False
    four_eyes_below_confidence: float = 0.5

    def needs_second(self, item: ReviewItem) -> bool:
        return self.four_eyes and (
            item.max_severity == "error" or item.confidence < self.four_eyes_below_confidence
        )


def approve(session: Session, item_id: int, user: str, *, expected_version: int | None = None,
            override_reason: str | None = None, policy: ReviewPolicy = ReviewPolicy()) -> ReviewItem:
    """Accept the primary proposal as it stands."""
    item = _load(session, item_id, expected_version)
    _require_open(item, "approved")
    if item.max_severity == "error" and not (override_reason and override_reason.strip()):
        raise DecisionError(
            f"review item {item.id} has error flags ({item.flags}); approving needs an override reason"
        )
    term = validate_term(item.proposal, "proposal")
    explanation = _primary_explanation(session, item)
    return _accept(session, item, user, APPROVED, term, explanation, override_reason, policy)


def edit(session: Session, item_id: int, user: str, term: str, *, explanation: str | None = None,
         expected_version: int | None = None, policy: ReviewPolicy = ReviewPolicy()) -> ReviewItem:
    """Approve with the reviewer's own wording (and optionally explanation)."""
    item = _load(session, item_id, expected_version)
    _require_open(item, "edited")
    try:
        term = validate_term(term, "term")
        explanation = validate_explanation(explanation) if explanation is not None else _primary_explanation(session, item)
    except TermError as exc:
        raise DecisionError(str(exc)) from None
    return _accept(session, item, user, EDITED, term, explanation, None, policy)


def _accept(session: Session, item: ReviewItem, user: str, state: str, term: str,
            explanation: str | None, reason: str | None, policy: ReviewPolicy) -> ReviewItem:
    before = item_snapshot(item)
    action = "approve" if state == APPROVED else "edit"
    if policy.needs_second(item) and item.first_approver in (None, user):
        if item.first_approver == user:
            raise DecisionError(f"review item {item.id} needs a second reviewer; you approved it already")
        # First of two approvals: remember it, keep the item open for a colleague.
        _bump(session, item, item.version, first_approver=user, needs_second_review=True,
              final_term=term, final_explanation=explanation, lease_owner=None, lease_expires=None)
        _record(session, item, user, "first-" + action, before, term=term, explanation=explanation, reason=reason)
        return item
    _bump(session, item, item.version, state=state, final_term=term, final_explanation=explanation,
          decided_by=user, decided_at=_now(), lease_owner=None, lease_expires=None)
    _join_tm(session, item, term, explanation, user)
    _record(session, item, user, action, before, term=term, explanation=explanation, reason=reason)
    return item


def reject(session: Session, item_id: int, user: str, reason: str, *,
           expected_version: int | None = None) -> ReviewItem:
    if not reason or not reason.strip():
        raise DecisionError("rejecting needs a reason")
    item = _load(session, item_id, expected_version)
    _require_open(item, "rejected")
    before = item_snapshot(item)
    _bump(session, item, item.version, state=REJECTED, decided_by=user, decided_at=_now(),
          lease_owner=None, lease_expires=None)
    _record(session, item, user, "reject", before, reason=reason.strip())
    return item


def defer(session: Session, item_id: int, user: str, comment: str | None = None, *,
          expected_version: int | None = None) -> ReviewItem:
    item = _load(session, item_id, expected_version)
    if item.state != PROPOSED:
        raise DecisionError(f"review item {item.id} is {item.state}; only proposed items can be deferred")
    before = item_snapshot(item)
    _bump(session, item, item.version, state=DEFERRED, lease_owner=None, lease_expires=None)
    _record(session, item, user, "defer", before, reason=(comment or "").strip() or None)
    return item


def undo(session: Session, item_id: int, user: str, *, expected_version: int | None = None) -> ReviewItem:
    """Take back `user`'s own latest decision on the item, if it is still the latest."""
    item = _load(session, item_id, expected_version)
    last = session.execute(
        select(Decision).where(Decision.item_id == item.id).order_by(Decision.id.desc()).limit(1)
    ).scalar_one_or_none()
    if last is None or last.action == "undo":
        raise DecisionError(f"review item {item.id} has no decision to undo")
    if last.reviewer != user:
        raise DecisionError(f"the last decision on item {item.id} was made by {last.reviewer}; only they can undo it")
    before = item_snapshot(item)
    if item.state in (APPROVED, EDITED):
        # Withdraw the TM entry this item created and restore what it replaced.
        created = session.execute(
            select(PatientTerm).where(PatientTerm.review_item_id == item.id, PatientTerm.active)
        ).scalar_one_or_none()
        if created is not None:
            created.active = False
            session.flush()
            replaced = session.execute(
                select(PatientTerm).where(
                    PatientTerm.concept_id == item.concept_id, PatientTerm.preferred,
                    PatientTerm.id != created.id,
                ).order_by(PatientTerm.id.desc()).limit(1)
            ).scalar_one_or_none()
            if replaced is not None and not replaced.active:
                replaced.active = True
            session.add(AuditLog(actor=user, action="undo", entity="patient_term",
                                 entity_id=str(created.id), before={"active": True},
                                 after={"active": False}, at=_now()))
    values = dict(state=last.state_before, decided_by=None, decided_at=None)
    if last.action.startswith("first-"):
        values.update(first_approver=None, needs_second_review=False)
    if last.state_before in (PROPOSED, DEFERRED):
        values.update(final_term=None, final_explanation=None)
    _bump(session, item, item.version, **values)
    _record(session, item, user, "undo", before, reason=f"undo of decision {last.id} ({last.action})")
    return item


def history(session: Session, item_id: int) -> list[Decision]:
    return list(session.execute(
        select(Decision).where(Decision.item_id == item_id).order_by(Decision.id)
    ).scalars())


def concept_of(session: Session, item: ReviewItem) -> Concept | None:
    return session.get(Concept, item.concept_id)
