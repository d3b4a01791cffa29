"""The JSON API under /api/queue for scripts and tools: list, show, decide.

    GET  /api/queue?state=&tag=&flag=&severity=&origin=&min=&max=&run=&q=&sort=&after=&limit=
    GET  /api/queue/{id}
    POST /api/queue/{id}/{approve|edit|keep|reject|defer|undo}   body: JSON (models below)
    GET  /api/mine                                                 the caller's recent decisions

Authentication: the session cookie plus header `X-CSRF-Token`, or HTTP Basic. Bodies are
validated with pydantic models — a wrong type or an unknown field is a 422 naming the field —
and state changes accept only `Content-Type: application/json` (415 otherwise; app.py's guard).
Codes (states, origins, flags, actions) are the stored ones; every error is
`{"error": {"code": ..., "message": <Dutch>}}`.
"""
from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from sqlalchemy.orm import Session

from review_queue import decisions, labels, queue
from review_queue.models import OPEN_STATES, ReviewItem, Suggestion, iso_utc
from review_queue.web.auth import check_csrf, current_user
from review_queue.web.base import NotFound, Reviewer, workspace
from review_queue.web.review import after_decision, apply_decision, item_id_or_404, item_view

router = APIRouter(prefix="/api")

_Version = Field(ge=1, le=queue.MAX_ID, description="the item version the caller saw")
_Reason = Field(default=None, max_length=1024)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApproveBody(_Body):
    version: StrictInt = _Version
    reason: Optional[StrictStr] = _Reason  # needed when the text has error flags


class EditBody(_Body):
    version: StrictInt = _Version
    term: StrictStr = Field(min_length=1, max_length=1000)
    explanation: Optional[StrictStr] = Field(default=None, max_length=4000)
    reason: Optional[StrictStr] = _Reason


class KeepBody(_Body):
    version: StrictInt = _Version
    reason: StrictStr = Field(min_length=1, max_length=1024)


class RejectBody(_Body):
    version: StrictInt = _Version
    reason: StrictStr = Field(min_length=1, max_length=1024)


class DeferBody(_Body):
    version: StrictInt = _Version
    reason: Optional[StrictStr] = _Reason


class UndoBody(_Body):
    version: StrictInt = _Version


async def api_user(request: Request, who: Reviewer = Depends(current_user)) -> Reviewer:
    """The caller of a state change: a session must send its CSRF token in X-CSRF-Token."""
    if who.via == "session":
        check_csrf(request, who, request.headers.get("x-csrf-token"))
    return who


def item_json(i: ReviewItem) -> dict:
    return {"id": i.id, "version": i.version, "conceptId": i.concept_id, "state": i.state,
            "needsWording": decisions.needs_wording(i), "awaitingSecondReview": decisions.awaiting_second(i),
            "term": i.source_term, "termToDecide": decisions.text_to_decide(i) if i.state in OPEN_STATES else None,
            "semanticTag": i.semantic_tag, "proposal": i.proposal,
            "origin": i.origin, "confidence": i.confidence, "flags": [f for f in i.flags.split(";") if f],
            "maxSeverity": i.max_severity, "finalTerm": i.final_term, "finalExplanation": i.final_explanation,
            "decidedBy": i.decided_by, "firstApprover": i.first_approver, "leaseOwner": i.lease_owner,
            "runId": i.run_id}


def _flag_json(f: dict) -> dict:
    return {"code": f.get("code"), "severity": f.get("severity"), "reason": labels.flag_reason(f),
            "related": f.get("related") or []}


def _suggestion_json(x: Suggestion) -> dict:
    return {"text": x.text, "explanation": x.explanation, "origin": x.origin, "model": x.model,
            "confidence": x.confidence, "primary": x.is_primary, "flags": [_flag_json(f) for f in x.flag_details or []],
            "similar": x.similar or []}


@router.get("/queue")
def api_queue(request: Request, who: Reviewer = Depends(current_user)):
    ws = workspace(request)
    try:
        filters = queue.QueueFilter.from_params(request.query_params)
        limit = queue.parse_limit(request.query_params.get("limit"))
        with ws.factory() as s:
            pg = queue.page(s, filters, sort=request.query_params.get("sort", "id"),
                            after=request.query_params.get("after"), limit=limit)
    except queue.QueueError as exc:
        return JSONResponse({"error": {"code": exc.code, "message": str(exc)}}, status_code=422)
    return {"items": [item_json(i) for i in pg.items], "next": pg.next_cursor, "user": who.username}


def _detail(s: Session, item: ReviewItem, ws) -> dict:
    view = item_view(s, item, ws)
    concept = view["concept"]
    return {**item_json(item), "fsn": concept.fsn_en if concept else None,
            "parents": [{"conceptId": p[0], "term": p[1]} for p in view["parents"]],
            "flagsToDecide": [_flag_json(f) for f in view["flags"]],
            "suggestions": [_suggestion_json(x) for x in view["suggestions"]],
            "history": [{"reviewer": d.reviewer, "action": d.action, "term": d.term, "reason": d.reason,
                         "flags": [_flag_json(f) for f in d.flag_details or []], "undoes": d.undoes,
                         "stateBefore": d.state_before, "stateAfter": d.state_after,
                         "at": iso_utc(d.at)} for d in view["decisions"]]}


@router.get("/queue/{item_id}")
def api_item(request: Request, item_id: str, who: Reviewer = Depends(current_user)):
    ws = workspace(request)
    item_no = item_id_or_404(item_id)
    with ws.factory() as s:
        item = s.get(ReviewItem, item_no)
        if item is None:
            raise NotFound("item_not_found", item=item_no)
        return _detail(s, item, ws)


def _decide(request: Request, item_id: str, action: str, who: Reviewer, body: _Body):
    ws = workspace(request)
    item_no = item_id_or_404(item_id)
    try:
        with ws.factory() as s, s.begin():
            item = apply_decision(s, ws, item_no, action, who.username, body.model_dump())
            out = item_json(item)
    except decisions.ItemNotFound as exc:
        return JSONResponse({"error": {"code": exc.code, "message": str(exc)}}, status_code=404)
    except decisions.StaleItem as exc:
        return JSONResponse({"error": {"code": exc.code, "message": str(exc)}, "stale": True}, status_code=409)
    except decisions.DecisionError as exc:
        return JSONResponse({"error": {"code": exc.code, "message": str(exc),
                                       "flags": [_flag_json(f) for f in exc.flags]}}, status_code=422)
    after_decision(ws, item, action)
    return out


@router.post("/queue/{item_id}/approve")
def api_approve(request: Request, item_id: str, body: ApproveBody, who: Reviewer = Depends(api_user)):
    return _decide(request, item_id, "approve", who, body)


@router.post("/queue/{item_id}/edit")
def api_edit(request: Request, item_id: str, body: EditBody, who: Reviewer = Depends(api_user)):
    return _decide(request, item_id, "edit", who, body)


@router.post("/queue/{item_id}/keep")
def api_keep(request: Request, item_id: str, body: KeepBody, who: Reviewer = Depends(api_user)):
    return _decide(request, item_id, "keep", who, body)


@router.post("/queue/{item_id}/reject")
def api_reject(request: Request, item_id: str, body: RejectBody, who: Reviewer = Depends(api_user)):
    return _decide(request, item_id, "reject", who, body)


@router.post("/queue/{item_id}/defer")
def api_defer(request: Request, item_id: str, body: DeferBody, who: Reviewer = Depends(api_user)):
    return _decide(request, item_id, "defer", who, body)


@router.post("/queue/{item_id}/undo")
def api_undo(request: Request, item_id: str, body: UndoBody, who: Reviewer = Depends(api_user)):
    return _decide(request, item_id, "undo", who, body)


@router.get("/mine")
def api_mine(request: Request, who: Reviewer = Depends(current_user)):
    ws = workspace(request)
    with ws.factory() as s:
        rows = decisions.recent_decisions(s, who.username, limit=30)
    return {"decisions": [{"id": d.id, "itemId": i.id, "action": d.action, "term": d.term, "at": iso_utc(d.at),
                           "itemVersion": i.version, "undoable": undoable} for d, i, undoable in rows]}
