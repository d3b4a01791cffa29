"""Reviewer decisions: the review state machine, with a version check and an audit trail.

proposed/deferred --approve--> approved      (the text being decided joins the TM)
proposed/deferred --edit-----> edited        (the reviewer's text joins the TM)
proposed/deferred --keep-----> approved      (no proposal: the clinical term kept, with a reason)
proposed/deferred --reject---> rejected
proposed          --defer----> deferred
a decided item    --undo-----> exactly as it was before (by the reviewer who decided it, as the
                                item's last decision)

The text being decided is the machine's proposal, or — when four eyes are on and a first
reviewer approved or edited it — that reviewer's text: the second reviewer confirms exactly it
(approve), or changes it (edit, which is then a new first approval waiting for someone else).

"Needs wording": an item whose suggester had nothing (origin `none`; the proposal is the clinical
term echoed) is not a proposal. It cannot be approved; the reviewer writes a term (edit), or keeps
the clinical term deliberately with `keep` and a reason. An edit that merely repeats the clinical
term is refused for the same reason.

Every edited text is checked again on save with the checker `helder run` uses (a `Recheck`
callable the caller passes in; review_queue never imports pipeline), as Weblate re-checks a
string on save. Error-severity flags on the text being saved — new ones, or the proposal's own
when the text is unchanged — need an override reason, for an edit as for an approval.

Every call states the item version it saw (`expected_version`); a stale page or a second
reviewer gets `StaleItem` instead of overwriting a newer decision. Errors are `DecisionError`
with a stable `code` (API, data) and a Dutch message (`str(exc)`, from terms/messages/review.toml).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol, Sequence

from sqlalchemy import func, select, update
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
    search_words,
)
from terms.messages import has, message
from terms.text import TermError, validate_explanation, validate_term

NO_PROPOSAL = "none"  # the origin of an item whose suggester had nothing
SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}


class DecisionError(ValueError):
    """The decision is not allowed. `code` is stable (review.error.<code> in the catalogue);
    `str(exc)` is the Dutch message; `params` fill it in; `flags` are the checks that stopped an
    edit (for showing them beside the form)."""

    def __init__(self, code: str, flags: list[dict] | None = None, **params: object) -> None:
        self.code, self.params, self.flags = code, params, flags or []
        super().__init__(message(f"review.error.{code}", **params))

    def text(self, surface: str = "web") -> str:
        """The Dutch message as the reviewer on `surface` reads it: "web" (the web app, its keys:
        `str(exc)`), "cli" (`helder review …`: the commands to type) or "sheet" (an XLSX import:
        the sheet's own words). A code with nothing surface-specific reads the same everywhere."""
        if surface not in SURFACES:
            raise ValueError(f"unknown surface {surface!r}")
        key = f"review.error_{surface}.{self.code}"
        return message(key, **self.params) if surface != "web" and has(key) else str(self)


SURFACES = ("web", "cli", "sheet")


class ItemNotFound(DecisionError):
    def __init__(self, item_id: object) -> None:
        super().__init__("item_not_found", item=item_id)


class StaleItem(DecisionError):
    """Someone else changed the item since this reviewer loaded it."""


# ---- the re-check seam -----------------------------------------------------------------------


@dataclass(frozen=True)
class TextToCheck:
    """One text to check as a patient-friendly term for a concept."""

    concept_id: str
    clinical_term: str
    text: str
    explanation: str | None = None


@dataclass(frozen=True)
class CheckedText:
    """What the checker found: flags [{code, severity, reason, related}] and the nearest TM
    neighbours [{conceptId, term, patientTerm, score}] (docs/internals.md, "checked")."""

    flags: list[dict] = field(default_factory=list)
    similar: list[dict] = field(default_factory=list)


class Recheck(Protocol):
    """Checks texts as `helder run` checks proposals; one CheckedText per text, in order.

    Built by pipeline.recheck (over the store's TM) and handed in by cli.py. Optional method
    `tm_changed()` tells it the TM changed (an approval), so it can rebuild ahead of the next call.
    """

    def __call__(self, texts: Sequence[TextToCheck]) -> list[CheckedText]: ...


# ---- helpers ------------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(timezone.utc)


def needs_wording(item: ReviewItem) -> bool:
    """True for an open item without a proposal (the suggester had nothing) that no reviewer has
    worded yet."""
    return item.origin == NO_PROPOSAL and item.state in OPEN_STATES and not item.first_approver


def awaiting_second(item: ReviewItem) -> bool:
    """True while a first reviewer's approval waits for a second reviewer (four eyes)."""
    return item.state in OPEN_STATES and bool(item.first_approver)


def text_to_decide(item: ReviewItem) -> str:
    """The term a reviewer decides on now: the first reviewer's text when one is waiting for a
    second look, else the machine's proposal."""
    return item.final_term if awaiting_second(item) and item.final_term else item.proposal


def max_severity(flags: Sequence[dict]) -> str | None:
    best = max((SEVERITY_RANK.get(str(f.get("severity")), 0) for f in flags), default=0)
    return {3: "error", 2: "warning", 1: "info"}.get(best)


def flag_codes(flags: Sequence[dict]) -> str:
    return ";".join(dict.fromkeys(str(f.get("code")) for f in flags if f.get("code")))


def item_snapshot(item: ReviewItem) -> dict:
    """The fields a decision changes, for the audit log's before/after and for undo."""
    return {
        "state": item.state,
        "version": item.version,
        "final_term": item.final_term,
        "final_explanation": item.final_explanation,
        "decided_by": item.decided_by,
        "decided_at": item.decided_at.isoformat() if item.decided_at else None,
        "first_approver": item.first_approver,
        "needs_second_review": bool(item.needs_second_review),
    }


def _load(session: Session, item_id: int, expected_version: int | None) -> ReviewItem:
    # Row lock on PostgreSQL so two reviewers deciding at the same instant serialise here.
    if not isinstance(item_id, int) or not 0 < item_id <= MAX_ID:
        raise ItemNotFound(item_id)
    item = session.execute(
        select(ReviewItem).where(ReviewItem.id == item_id).with_for_update()
    ).scalar_one_or_none()
    if item is None:
        raise ItemNotFound(item_id)
    if expected_version is not None and not 1 <= expected_version <= item.version:
        # Versions start at 1 and only go up: one above the item's never existed (a typo, another
        # item's version), and nobody changed the item in between, so it is not stale.
        raise DecisionError("version_unknown", item=item_id, seen=expected_version, now=item.version)
    if expected_version is not None and item.version != expected_version:
        raise StaleItem("stale", item=item_id, seen=expected_version, now=item.version,
                        state=message(f"review.state.{item.state}"), who=item.decided_by or item.first_approver or "—")
    return item


MAX_ID = 2**31 - 1  # review_items.id is a 32-bit integer on PostgreSQL


def _bump(session: Session, item: ReviewItem, old_version: int, **values) -> None:
    """Write the change only if nobody else bumped the version in between (compare-and-set)."""
    if "final_term" in values:
        values["search_text"] = search_words(item.source_term, item.proposal, values["final_term"])
    result = session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item.id, ReviewItem.version == old_version)
        .values(version=old_version + 1, updated_at=_now(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise StaleItem("stale_race", item=item.id)
    session.refresh(item)


def _record(session: Session, item: ReviewItem, user: str, action: str, before: dict, *,
            term: str | None = None, explanation: str | None = None, reason: str | None = None,
            flags: list[dict] | None = None, undoes: int | None = None) -> Decision:
    decision = Decision(
        item_id=item.id, reviewer=user, action=action, term=term, explanation=explanation,
        reason=reason, state_before=before["state"], state_after=item.state, at=_now(),
        flags=(flag_codes(flags) or None) if flags is not None else None,
        flag_details=flags, before=before, undoes=undoes,
    )
    session.add(decision)
    session.add(AuditLog(
        actor=user, action=action, entity="review_item", entity_id=str(item.id),
        before=before, after=item_snapshot(item), at=_now(),
    ))
    session.flush()
    return decision


def _require_open(item: ReviewItem) -> None:
    if item.state not in OPEN_STATES:
        raise DecisionError("already_decided", item=item.id, state=message(f"review.state.{item.state}"),
                            who=item.decided_by or "—")


def _text(value: str | None, what: str, *, required: bool = False, long: bool = False) -> str | None:
    """Validate untrusted text with terms.text (the one validation); Dutch DecisionError on refusal."""
    try:
        if long:
            cleaned = validate_explanation(value, what)
        elif value is None or (isinstance(value, str) and not value.strip()):
            cleaned = None
        else:
            cleaned = validate_term(value, what)
    except TermError as exc:
        raise DecisionError("invalid_text", field=message(f"review.field.{what}"), problem=term_problem(exc),
                            what=what) from None
    if required and not cleaned:
        raise DecisionError(f"{what}_required")
    return cleaned


def term_problem(exc: TermError) -> str:
    """A Dutch description of why terms.text refused a text.

    terms.text speaks English for the CLI; a `code` attribute, when it has one, picks the
    catalogue text; otherwise the known refusals are recognised by their wording.
    """
    code = getattr(exc, "code", None)
    if code and _has(f"review.term_problem.{code}"):
        return message(f"review.term_problem.{code}")
    text = str(exc)
    detail = text.split(": ", 1)[1] if ": " in text else text
    if "control characters" in detail:
        return message("review.term_problem.control")
    if "markup" in detail:
        return message("review.term_problem.markup")
    if detail.startswith("empty"):
        return message("review.term_problem.empty")
    if "expected text" in detail:
        return message("review.term_problem.type")
    if "characters, at most" in detail:
        numbers = [int(n) for n in re.findall(r"\d+", detail)[:2]]
        if len(numbers) == 2:
            return message("review.term_problem.length", chars=numbers[0], max=numbers[1])
    if "formula" in detail or "spreadsheet" in detail:
        return message("review.term_problem.formula")
    return message("review.term_problem.other")


def _has(key: str) -> bool:
    return has(key)


def _primary(session: Session, item: ReviewItem) -> Suggestion | None:
    return session.execute(
        select(Suggestion).where(Suggestion.item_id == item.id, Suggestion.is_primary)
        .order_by(Suggestion.id).limit(1)
    ).scalar_one_or_none()


def last_first_approval(session: Session, item: ReviewItem) -> Decision | None:
    """The first reviewer's decision an item waits on (four eyes), or None."""
    if not awaiting_second(item):
        return None
    return session.execute(
        select(Decision).where(Decision.item_id == item.id, Decision.action.startswith("first-"))
        .order_by(Decision.id.desc()).limit(1)
    ).scalar_one_or_none()


def flags_of_text_to_decide(session: Session, item: ReviewItem) -> list[dict]:
    """The checks of the text being decided: the first reviewer's checked text when one waits for
    a second look, else the primary suggestion's flags (or, without details, the item's codes)."""
    return flags_for(item, last_first_approval(session, item), _primary(session, item))


def flags_for(item: ReviewItem, first: Decision | None, primary: Suggestion | None) -> list[dict]:
    """`flags_of_text_to_decide` from what the caller loaded already (the item page has both)."""
    if first is not None and first.flag_details is not None:
        flags = list(first.flag_details)
        # A clinical term that changed after the first approval: the second reviewer must see it too
        # (the ingest puts the flag on the item and its primary suggestion).
        if "stale-source" in (item.flags or "").split(";") and not any(f.get("code") == "stale-source" for f in flags):
            flags += [f for f in (primary.flag_details or [] if primary is not None else [])
                      if f.get("code") == "stale-source"]
        return flags
    if primary is not None and primary.flag_details:
        return list(primary.flag_details)
    codes = [c for c in (item.flags or "").split(";") if c]
    if item.max_severity and codes:
        # Only the codes survive (an item stored without details): the item's worst severity
        # stands for them all, which errs on the side of asking for a reason.
        return [{"code": c, "severity": item.max_severity, "reason": "", "related": []} for c in codes]
    return []


def _require_reason_for_errors(item: ReviewItem, flags: list[dict], reason: str | None) -> None:
    if max_severity(flags) == "error" and not reason:
        errors = [f for f in flags if f.get("severity") == "error"]
        names = ", ".join(_flag_name(str(f.get("code"))) for f in errors)
        raise DecisionError("override_needed", flags=flags, item=item.id, flags_named=names)


def _flag_name(code: str) -> str:
    key = f"flags.{code}.name"
    return message(key) if _has(key) else code


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
    """Four eyes: when set, items with error flags (the machine's, or those of the text being
    saved) or a confidence below `four_eyes_below_confidence` need a second approver."""

    four_eyes: bool = False
    four_eyes_below_confidence: float = 0.5

    def needs_second(self, item: ReviewItem, flags: Sequence[dict] = ()) -> bool:
        return self.four_eyes and (
            item.max_severity == "error" or max_severity(flags) == "error"
            or item.confidence < self.four_eyes_below_confidence
        )


# ---- the decisions -----------------------------------------------------------------------------


def approve(session: Session, item_id: int, user: str, *, expected_version: int | None = None,
            override_reason: str | None = None, policy: ReviewPolicy = ReviewPolicy()) -> ReviewItem:
    """Accept the text being decided as it stands: the proposal, or the first reviewer's text.

    Refused for an item that needs wording (no proposal), without an override reason when the
    text has error flags, and for the first approver's own second look."""
    item = _load(session, item_id, expected_version)
    _require_open(item)
    reason = _text(override_reason, "reason", long=True)
    if needs_wording(item):
        raise DecisionError("needs_wording", item=item.id)
    flags = flags_of_text_to_decide(session, item)
    _require_reason_for_errors(item, flags, reason)
    if awaiting_second(item):
        return _confirm(session, item, user, reason, flags, policy)
    primary = _primary(session, item)
    term = _text(item.proposal, "proposal", required=True)
    explanation = primary.explanation if primary else None
    return _accept(session, item, user, APPROVED, "approve", term, explanation, reason, flags, policy)


def _confirm(session: Session, item: ReviewItem, user: str, reason: str | None, flags: list[dict],
             policy: ReviewPolicy) -> ReviewItem:
    """The second look confirms exactly the first reviewer's text; the item ends in the state
    their choice means (an edit stays an edit, a kept clinical term is approved)."""
    first = last_first_approval(session, item)
    state = EDITED if first is not None and first.action == "first-edit" else APPROVED
    return _accept(session, item, user, state, "approve", item.final_term, item.final_explanation, reason,
                   flags, policy)


def edit(session: Session, item_id: int, user: str, term: str, *, explanation: str | None = None,
         override_reason: str | None = None, expected_version: int | None = None,
         policy: ReviewPolicy = ReviewPolicy(), recheck: Recheck | None = None,
         checked: CheckedText | None = None) -> ReviewItem:
    """Approve with the reviewer's own wording (and optionally explanation).

    The text is checked again (`recheck`, or an already `checked` result for this exact text);
    error flags need `override_reason`. Unchanged text keeps the flags of the text being decided
    as well, so editing nothing cannot get around an error flag. Without `explanation` the
    current one stays."""
    item = _load(session, item_id, expected_version)
    _require_open(item)
    term = _text(term, "term", required=True)
    reason = _text(override_reason, "reason", long=True)
    if explanation is not None:
        explanation = _text(explanation, "explanation", long=True)
    elif awaiting_second(item):
        explanation = item.final_explanation
    else:
        primary = _primary(session, item)
        explanation = primary.explanation if primary else None
    if item.origin == NO_PROPOSAL and not awaiting_second(item) and _same(term, item.source_term):
        raise DecisionError("edit_is_source", item=item.id)
    if awaiting_second(item) and item.first_approver == user:
        raise DecisionError("second_same_reviewer", item=item.id)
    if checked is None and recheck is not None:
        checked = recheck([TextToCheck(item.concept_id, item.source_term, term, explanation)])[0]
    flags = list(checked.flags) if checked is not None else []
    if term == _plain(text_to_decide(item)):
        seen = {f.get("code") for f in flags}
        flags += [f for f in flags_of_text_to_decide(session, item) if f.get("code") not in seen]
    _require_reason_for_errors(item, flags, reason)
    if awaiting_second(item) and term == _plain(item.final_term) and explanation == item.final_explanation:
        # The second reviewer kept exactly the first reviewer's text: a confirmation.
        return _confirm(session, item, user, reason, flags, policy)
    if awaiting_second(item):
        # A changed text is a new first approval: this reviewer's words need someone else's look.
        return _first(session, item, user, "edit", term, explanation, reason, flags)
    return _accept(session, item, user, EDITED, "edit", term, explanation, reason, flags, policy)


def keep_source(session: Session, item_id: int, user: str, reason: str, *, expected_version: int | None = None,
                policy: ReviewPolicy = ReviewPolicy()) -> ReviewItem:
    """Keep the clinical term as the patient-friendly term, deliberately and with a reason (for an
    item without a proposal, or any item whose clinical term is already plain Dutch)."""
    item = _load(session, item_id, expected_version)
    _require_open(item)
    reason = _text(reason, "reason", long=True)
    if not reason:
        raise DecisionError("keep_needs_reason", item=item.id)
    if awaiting_second(item) and item.first_approver == user:
        raise DecisionError("second_same_reviewer", item=item.id)
    term = _text(item.source_term, "term", required=True)
    if awaiting_second(item) and item.final_term == term:
        return _confirm(session, item, user, reason, [], policy)
    if awaiting_second(item):
        return _first(session, item, user, "keep", term, None, reason, [])
    return _accept(session, item, user, APPROVED, "keep", term, None, reason, [], policy)


def _plain(text: str | None) -> str:
    """A text as validate_term leaves it (NFC, single spaces, trimmed), to tell "unchanged"."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def _same(a: str, b: str) -> bool:
    from terms.text import normalise

    return normalise(a) == normalise(b)


def _first(session: Session, item: ReviewItem, user: str, action: str, term: str, explanation: str | None,
           reason: str | None, flags: list[dict]) -> ReviewItem:
    """The first of two approvals: remember it; the item stays open for a colleague."""
    before = item_snapshot(item)
    _bump(session, item, item.version, first_approver=user, needs_second_review=True,
          final_term=term, final_explanation=explanation, lease_owner=None, lease_expires=None)
    _record(session, item, user, "first-" + action, before, term=term, explanation=explanation, reason=reason,
            flags=flags)
    return item


def _accept(session: Session, item: ReviewItem, user: str, state: str, action: str, term: str,
            explanation: str | None, reason: str | None, flags: list[dict], policy: ReviewPolicy) -> ReviewItem:
    if awaiting_second(item) and item.first_approver == user:
        raise DecisionError("second_same_reviewer", item=item.id)
    if not awaiting_second(item) and policy.needs_second(item, flags):
        return _first(session, item, user, action, term, explanation, reason, flags)
    before = item_snapshot(item)
    _bump(session, item, item.version, state=state, final_term=term, final_explanation=explanation,
          decided_by=user, decided_at=_now(), needs_second_review=False, lease_owner=None, lease_expires=None)
    _join_tm(session, item, term, explanation, user)
    _record(session, item, user, action, before, term=term, explanation=explanation, reason=reason, flags=flags)
    return item


def reject(session: Session, item_id: int, user: str, reason: str, *,
           expected_version: int | None = None) -> ReviewItem:
    item = _load(session, item_id, expected_version)
    reason = _text(reason, "reason", long=True)
    if not reason:
        raise DecisionError("reject_needs_reason", item=item_id)
    _require_open(item)
    before = item_snapshot(item)
    _bump(session, item, item.version, state=REJECTED, decided_by=user, decided_at=_now(),
          lease_owner=None, lease_expires=None)
    _record(session, item, user, "reject", before, reason=reason)
    return item


def defer(session: Session, item_id: int, user: str, comment: str | None = None, *,
          expected_version: int | None = None) -> ReviewItem:
    item = _load(session, item_id, expected_version)
    comment = _text(comment, "comment", long=True)
    if item.state != PROPOSED:
        raise DecisionError("defer_only_proposed", item=item.id, state=message(f"review.state.{item.state}"))
    before = item_snapshot(item)
    _bump(session, item, item.version, state=DEFERRED, lease_owner=None, lease_expires=None)
    _record(session, item, user, "defer", before, reason=comment)
    return item


def undo(session: Session, item_id: int, user: str, *, expected_version: int | None = None) -> ReviewItem:
    """Take back `user`'s own latest decision on the item, if it is still the latest; the item
    returns to exactly what it was before it (a second look undone leaves the first approval)."""
    item = _load(session, item_id, expected_version)
    last = session.execute(
        select(Decision).where(Decision.item_id == item.id).order_by(Decision.id.desc()).limit(1)
    ).scalar_one_or_none()
    if last is None or last.action == "undo":
        raise DecisionError("nothing_to_undo", item=item.id)
    if last.action == "withdraw":  # the concept is inactive: no decision about it can stand
        raise DecisionError("withdrawn_final", item=item.id)
    if last.reviewer != user:
        raise DecisionError("undo_not_yours", item=item.id, who=last.reviewer)
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
    if last.before:
        was = last.before
        decided_at = datetime.fromisoformat(was["decided_at"]) if was.get("decided_at") else None
        values = dict(state=was["state"], final_term=was.get("final_term"),
                      final_explanation=was.get("final_explanation"), decided_by=was.get("decided_by"),
                      decided_at=decided_at, first_approver=was.get("first_approver"),
                      needs_second_review=bool(was.get("needs_second_review")))
    else:  # a decision recorded before decisions kept the item's prior state
        values = dict(state=last.state_before, decided_by=None, decided_at=None)
        if last.action.startswith("first-"):
            values.update(first_approver=None, needs_second_review=False)
        if last.state_before in (PROPOSED, DEFERRED) and not item.first_approver:
            values.update(final_term=None, final_explanation=None)
    _bump(session, item, item.version, **values)
    _record(session, item, user, "undo", before, undoes=last.id)
    return item


def history(session: Session, item_id: int) -> list[Decision]:
    return list(session.execute(
        select(Decision).where(Decision.item_id == item_id).order_by(Decision.id)
    ).scalars())


def recent_decisions(session: Session, user: str, limit: int = 20) -> list[tuple[Decision, ReviewItem, bool]]:
    """`user`'s latest decisions, newest first, with their item and whether undo still applies
    (the decision is the item's last one, and not an undo itself)."""
    rows = session.execute(
        select(Decision, ReviewItem).join(ReviewItem, ReviewItem.id == Decision.item_id)
        .where(Decision.reviewer == user).order_by(Decision.id.desc()).limit(limit)
    ).all()
    if not rows:
        return []
    ids = list({d.item_id for d, _ in rows})
    latest = dict(session.execute(
        select(Decision.item_id, func.max(Decision.id)).where(Decision.item_id.in_(ids)).group_by(Decision.item_id)
    ).all())
    return [(d, i, latest.get(d.item_id) == d.id and d.action != "undo") for d, i in rows]


def concept_of(session: Session, item: ReviewItem) -> Concept | None:
    return session.get(Concept, item.concept_id)
