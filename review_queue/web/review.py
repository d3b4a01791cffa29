"""The review pages: the queue, claiming the next or previous item, an item and the decisions on
it, a concept's TM entry, "mijn recente besluiten" and the XLSX export.

A reviewer holds at most one item (queue.py): opening an item, pressing j or k, going back to
the queue or logging out releases what they held. Decisions go through review_queue.decisions;
an edited text is checked again on save with the pipeline's checker (the workspace's `recheck`).
A refused decision shows the item again with what the reviewer typed and why (Dutch), never a
reset form.
"""
from __future__ import annotations

import threading
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from review_queue import decisions, labels, queue, spreadsheets
from review_queue.models import (
    APPROVED,
    EDITED,
    OPEN_STATES,
    AuditLog,
    Concept,
    ConceptParent,
    Decision,
    PatientTerm,
    ReviewItem,
    Suggestion,
)
from review_queue.web.auth import current_user, page_form
from review_queue.web.base import NotFound, Reviewer, Workspace, flash, pop_flash, render, workspace
from terms.messages import message

router = APIRouter()
ACTIONS = ("approve", "edit", "keep", "reject", "defer", "undo")


def filter_params(request: Request) -> dict:
    """The queue filter and sort of the current URL, to carry from page to page."""
    keep = ("state", "tag", "flag", "severity", "origin", "min", "max", "run", "q", "sort")
    return {k: v for k, v in request.query_params.items() if k in keep and v}


def _filters(request: Request) -> queue.QueueFilter:
    try:
        return queue.QueueFilter.from_params(request.query_params)
    except queue.QueueError as exc:
        raise PageError(422, exc.code, str(exc)) from None


class PageError(Exception):
    def __init__(self, status: int, code: str, text: str) -> None:
        self.status, self.code, self.text = status, code, text
        super().__init__(text)


def item_id_or_404(raw: str) -> int:
    item_id = queue.parse_id(raw)
    if item_id is None:
        raise NotFound("item_not_found", item=str(raw)[:30])
    return item_id


# ---- queue ------------------------------------------------------------------------------------


@router.get("/")
def queue_page(request: Request, who: Reviewer = Depends(current_user)):
    ws = workspace(request)
    filters = _filters(request)
    sort = request.query_params.get("sort", "id")
    try:
        limit = queue.parse_limit(request.query_params.get("limit"))
        with ws.factory() as s:
            pg = queue.page(s, filters, sort=sort, after=request.query_params.get("after"), limit=limit)
            counts = queue.counts(s)
            if queue.release_all(s, who.username):  # back at the queue: they moved on from their item
                s.commit()
    except queue.QueueError as exc:
        raise PageError(422, exc.code, str(exc)) from None
    keep = {**filters.params(), "sort": sort}
    next_url = "/?" + urlencode({**keep, "after": pg.next_cursor}) if pg.next_cursor else None
    return render(request, "queue.html", who, page=pg, counts=counts, f=filters, sort=sort, next_url=next_url,
                  flash=pop_flash(request), qs=urlencode(keep), views=queue.VIEWS)


@router.get("/next")
def next_item(request: Request, who: Reviewer = Depends(current_user)):
    """Lease the next open item for this reviewer (matching the queue's filters) and open it; j."""
    return _claim(request, who, forward=True)


@router.get("/prev")
def previous_item(request: Request, who: Reviewer = Depends(current_user)):
    """The open item before this one matching the queue's filters; k."""
    return _claim(request, who, forward=False)


def _claim(request: Request, who: Reviewer, forward: bool):
    ws = workspace(request)
    filters = _filters(request)
    keep = filter_params(request)
    if forward:
        after = queue.parse_id(request.query_params.get("after")) or 0
        with ws.factory() as s, s.begin():
            item_id = queue.claim_next(s, who.username, filters, after_id=after, minutes=ws.settings.lease_minutes)
            if item_id is None and after:
                item_id = queue.claim_next(s, who.username, filters, after_id=0, minutes=ws.settings.lease_minutes)
        if item_id is None:
            flash(request, message("review.flash.no_more"), append=True)
            return RedirectResponse("/?" + urlencode(keep), status_code=303)
    else:
        before = queue.parse_id(request.query_params.get("before")) or queue.MAX_ID
        with ws.factory() as s, s.begin():
            item_id = queue.claim_previous(s, who.username, filters, before_id=before,
                                           minutes=ws.settings.lease_minutes)
        if item_id is None:
            flash(request, message("review.flash.no_previous"), append=True)
            target = f"/item/{before}?" if before != queue.MAX_ID else "/?"
            return RedirectResponse(target + urlencode(keep), status_code=303)
    return RedirectResponse(f"/item/{item_id}?" + urlencode(keep), status_code=303)


# ---- an item ----------------------------------------------------------------------------------


def item_view(s: Session, item: ReviewItem, ws: Workspace) -> dict:
    """Everything the item page and the API show about an item (one query per kind of thing)."""
    suggestions = list(s.execute(select(Suggestion).where(Suggestion.item_id == item.id)
                                 .order_by(Suggestion.is_primary.desc(), Suggestion.id)).scalars())
    decided = decisions.history(s, item.id)
    decision_actions = {d.action for d in decided} | {"undo"}
    # Changes that were no reviewer's decision (an ingest withdrawing the item) are history too.
    extra_audit = list(s.execute(select(AuditLog).where(
        AuditLog.entity_id == str(item.id), AuditLog.entity == "review_item",
        AuditLog.action.not_in(decision_actions)).order_by(AuditLog.id)).scalars())
    primary = next((x for x in suggestions if x.is_primary), suggestions[0] if suggestions else None)
    concept = s.get(Concept, item.concept_id)
    parents = s.execute(select(ConceptParent.parent_id, Concept.term_nl, Concept.fsn_en)
                        .join(Concept, Concept.id == ConceptParent.parent_id, isouter=True)
                        .where(ConceptParent.concept_id == item.concept_id)
                        .order_by(ConceptParent.parent_id)).all()
    waiting = decisions.awaiting_second(item)
    first = next((d for d in reversed(decided) if d.action.startswith("first-")), None) if waiting else None
    flags = decisions.flags_for(item, first, next((x for x in suggestions if x.is_primary), None))
    return {"concept": concept, "parents": parents, "suggestions": suggestions, "primary": primary,
            "flags": flags, "similar": (primary.similar or []) if primary else [], "decisions": decided,
            "extra_audit": extra_audit, "first": first, "text_to_decide": decisions.text_to_decide(item),
            "needs_wording": decisions.needs_wording(item), "awaiting_second": waiting,
            "explanation_to_decide": item.final_explanation if waiting else (primary.explanation if primary else None),
            "has_errors": decisions.max_severity(flags) == "error",
            "browser_url": ws.settings.snomed_browser_url.replace("{id}", item.concept_id)}


def _show_item(request: Request, who: Reviewer, item_id: int, *, status: int = 200, typed: dict | None = None,
               error: str | None = None, error_code: str | None = None, error_flags: list | None = None,
               error_field: str | None = None, lease: bool = True) -> Response:
    ws = workspace(request)
    with ws.factory() as s, s.begin():
        item = s.get(ReviewItem, item_id)
        if item is None:
            raise NotFound("item_not_found", item=item_id)
        leased = queue.lease(s, item_id, who.username, ws.settings.lease_minutes) \
            if lease and item.state in OPEN_STATES else False
        if lease and item.state not in OPEN_STATES:  # looking at a decided item: moved on from theirs
            queue.release_all(s, who.username)
        if leased:  # what the UPDATE wrote, without reading the row again
            set_committed_value(item, "lease_owner", who.username)
        view = item_view(s, item, ws)
    last = view["decisions"][-1] if view["decisions"] else None
    can_undo = last is not None and last.reviewer == who.username and last.action != "undo"
    keep = filter_params(request)
    return render(request, "item.html", who, status=status, item=item, leased=leased, qs=urlencode(keep),
                  flash=pop_flash(request), typed=typed or {}, error=error, error_code=error_code,
                  error_flags=error_flags or [], error_field=error_field, can_undo=can_undo,
                  need_reason=error_code == "override_needed" or view["has_errors"], **view)


@router.get("/item/{item_id}")
def item_page(request: Request, item_id: str, who: Reviewer = Depends(current_user)):
    return _show_item(request, who, item_id_or_404(item_id), lease=not request.scope.get("helder.head"))


def apply_decision(s: Session, ws: Workspace, item_id: int, action: str, user: str, data: dict) -> ReviewItem:
    """One decision from form fields or a JSON body: version, term, explanation, reason."""
    raw_version = data.get("version")
    if raw_version in (None, ""):
        raise decisions.DecisionError("version_missing")
    version = queue.parse_id(raw_version) if not isinstance(raw_version, bool) else None
    if version is None:
        raise decisions.DecisionError("version_bad")

    def text(key):
        value = data.get(key)
        return value if isinstance(value, str) and value.strip() else None
    if action == "approve":
        return decisions.approve(s, item_id, user, expected_version=version, override_reason=text("reason"),
                                 policy=ws.policy)
    if action == "edit":
        explanation = data.get("explanation")
        return decisions.edit(s, item_id, user, text("term") or "", explanation=explanation if isinstance(explanation, str) else None,
                              override_reason=text("reason"), expected_version=version, policy=ws.policy,
                              recheck=ws.recheck)
    if action == "keep":
        return decisions.keep_source(s, item_id, user, text("reason") or "", expected_version=version, policy=ws.policy)
    if action == "reject":
        return decisions.reject(s, item_id, user, text("reason") or "", expected_version=version)
    if action == "defer":
        return decisions.defer(s, item_id, user, text("reason"), expected_version=version)
    if action == "undo":
        return decisions.undo(s, item_id, user, expected_version=version)
    raise decisions.DecisionError("unknown_action", action=action[:20])


def moved_on(ws: Workspace, who: Reviewer) -> None:
    """The reviewer left their item for another page of their own (their decisions, an import,
    their account, the users): what they held is free for others at once, not after the lease."""
    with ws.factory() as s, s.begin():
        queue.release_all(s, who.username)


def after_decision(ws: Workspace, item: ReviewItem, action: str) -> None:
    """Counts recounted; the checker told the TM changed (an approval, or an undo of one)."""
    queue.invalidate_counts()
    changed = action == "undo" or item.state in (APPROVED, EDITED)
    tm_changed = getattr(ws.recheck, "tm_changed", None)
    if changed and tm_changed is not None:
        threading.Thread(target=tm_changed, daemon=True, name="helder-recheck-rebuild").start()


def decision_message(item: ReviewItem, action: str, s: Session) -> str:
    """What the reviewer reads after a decision: never "goedgekeurd" while a second look is due."""
    if action == "undo":
        return message("review.flash.undone", item=item.id)
    if decisions.awaiting_second(item):
        return message("review.flash.first_approval", item=item.id, term=item.final_term)
    last = s.execute(select(Decision).where(Decision.item_id == item.id).order_by(Decision.id.desc()).limit(1)).scalar_one()
    flagged = [f for f in (last.flag_details or []) if f.get("severity") in ("error", "warning")]
    extra = message("review.flash.with_flags", flags=labels.flags_line(decisions.flag_codes(flagged))) if flagged and action == "edit" else ""
    key = {"approve": "approved", "edit": "edited", "keep": "kept", "reject": "rejected", "defer": "deferred"}[action]
    if action == "approve" and item.state == EDITED:
        key = "approved"
    return message(f"review.flash.{key}", item=item.id, term=item.final_term or "") + extra


@router.post("/item/{item_id}/{action}")
def decide(request: Request, item_id: str, action: str, form: dict = Depends(page_form),
           who: Reviewer = Depends(current_user)):
    ws = workspace(request)
    item_no = item_id_or_404(item_id)
    if action not in ACTIONS:
        raise NotFound("unknown_action", action=action[:20])
    keep = filter_params(request)
    typed = {k: str(form.get(k, "")) for k in ("term", "explanation", "reason") if form.get(k) is not None}
    typed["action"] = action
    try:
        with ws.factory() as s, s.begin():
            item = apply_decision(s, ws, item_no, action, who.username, form)
            text = decision_message(item, action, s)
    except decisions.ItemNotFound:
        raise NotFound("item_not_found", item=item_no) from None
    except decisions.DecisionError as exc:
        status = 409 if isinstance(exc, decisions.StaleItem) else 422
        return _show_item(request, who, item_no, status=status, typed=typed, error=str(exc), error_code=exc.code,
                          error_flags=exc.flags, error_field=exc.params.get("what"))
    after_decision(ws, item, action)
    flash(request, text)
    qs = urlencode(keep)
    if action == "undo":
        return RedirectResponse(f"/item/{item_no}?{qs}", status_code=303)
    return RedirectResponse(f"/next?after={item_no}&{qs}", status_code=303)


# ---- context: a concept's TM entry, my recent decisions, export --------------------------------


@router.get("/tm/{concept_id}")
def tm_entry(request: Request, concept_id: str, who: Reviewer = Depends(current_user)):
    ws = workspace(request)
    concept_id = concept_id[:18]
    with ws.factory() as s:
        concept = s.get(Concept, concept_id)
        terms = list(s.execute(select(PatientTerm).where(PatientTerm.concept_id == concept_id)
                               .order_by(PatientTerm.id.desc())).scalars())
        items = list(s.execute(select(ReviewItem).where(ReviewItem.concept_id == concept_id)
                               .order_by(ReviewItem.id.desc()).limit(20)).scalars())
        parents = s.execute(select(ConceptParent.parent_id, Concept.term_nl)
                            .join(Concept, Concept.id == ConceptParent.parent_id, isouter=True)
                            .where(ConceptParent.concept_id == concept_id)).all()
    if concept is None and not terms:
        raise NotFound("concept_not_found", concept=concept_id)
    return render(request, "tm.html", who, concept=concept, concept_id=concept_id, terms=terms, items=items,
                  parents=parents, browser_url=ws.settings.snomed_browser_url.replace("{id}", concept_id))


@router.get("/mine")
def my_decisions(request: Request, who: Reviewer = Depends(current_user)):
    """Mijn recente besluiten: the last 30, each with undo while it is still the item's last."""
    ws = workspace(request)
    with ws.factory() as s:
        rows = decisions.recent_decisions(s, who.username, limit=30)
    moved_on(ws, who)
    return render(request, "mine.html", who, rows=rows, flash=pop_flash(request))


@router.get("/export.xlsx")
def export(request: Request, who: Reviewer = Depends(current_user)):
    ws = workspace(request)
    filters = _filters(request)
    with ws.factory() as s:
        data = spreadsheets.export_xlsx(s, filters)
    return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="helder-review.xlsx"'})
