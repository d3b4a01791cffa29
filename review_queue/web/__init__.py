"""The review workspace: FastAPI with server-rendered Jinja2 pages and a JSON API under /api/.

Authentication: a signed session cookie after logging in (pages and API), or HTTP Basic with a
user's name and password (API, for scripts). Every POST from a cookie session carries the
session's CSRF token (form field `csrf` or header `X-CSRF-Token`); HTTP Basic requests need none
because a browser never sends them on its own. Secret: settings["secret"], `HELDER_SECRET`, or a
random one persisted in `.helder_secret` next to the database's working directory.
"""
from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware.sessions import SessionMiddleware

from review_queue import decisions, queue, spreadsheets, users
from review_queue.models import AuditLog, Concept, Decision, PatientTerm, ReviewItem, Suggestion, User

HERE = Path(__file__).parent
SECRET_FILE = ".helder_secret"


def load_secret(settings: dict) -> str:
    secret = settings.get("secret") or os.environ.get("HELDER_SECRET")
    if secret:
        return secret
    path = Path(settings.get("secret_file") or SECRET_FILE)
    if path.exists():
        return path.read_text().strip()
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


@dataclass
class Reviewer:
    username: str
    role: str
    via: str  # "session" or "basic"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class NotAuthenticated(Exception):
    pass


class Forbidden(Exception):
    pass


def create_app(factory: sessionmaker[Session], settings: dict | None = None, routers: list | None = None) -> FastAPI:
    """The web app over a migrated store.

    settings (the config's `[review]` table): secret, secret_file, four_eyes (bool),
    four_eyes_below_confidence (0.5), lease_minutes (15), https_only (secure cookies).
    routers: more APIRouters to include (the CLI adds the exports download API; review_queue
    does not import exports)."""
    settings = dict(settings or {})
    policy = decisions.ReviewPolicy(
        four_eyes=bool(settings.get("four_eyes", False)),
        four_eyes_below_confidence=float(settings.get("four_eyes_below_confidence", 0.5)),
    )
    lease_minutes = int(settings.get("lease_minutes", queue.LEASE_MINUTES))
    app = FastAPI(title="helder review", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(SessionMiddleware, secret_key=load_secret(settings), session_cookie="helder_session",
                       same_site="strict", https_only=bool(settings.get("https_only", False)),
                       max_age=12 * 3600)
    for router in routers or []:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")  # autoescape on for .html

    # ---- authentication -------------------------------------------------------------------
    def current(request: Request) -> Reviewer:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            try:
                name, _, password = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
            except (ValueError, UnicodeDecodeError):
                raise NotAuthenticated() from None
            with factory() as s:
                user = users.verify_user(s, name, password)
            if user is None:
                raise NotAuthenticated()
            return Reviewer(user.username, user.role, "basic")
        name = request.session.get("user")
        if not name:
            raise NotAuthenticated()
        with factory() as s:
            user = s.execute(select(User).where(User.username == name)).scalar_one_or_none()
        if user is None or not user.active:  # disabled since login
            request.session.clear()
            raise NotAuthenticated()
        return Reviewer(user.username, user.role, "session")

    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = secrets.token_urlsafe(32)
            request.session["csrf"] = token
        return token

    async def check_csrf(request: Request, who: Reviewer | None) -> dict:
        form = {}
        if request.headers.get("content-type", "").startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
        if who is not None and who.via == "basic":
            return form
        sent = form.get("csrf") or request.headers.get("x-csrf-token")
        expected = request.session.get("csrf")
        if not expected or not sent or not secrets.compare_digest(str(sent), expected):
            raise Forbidden("CSRF token missing or wrong; reload the page")
        return form

    @app.exception_handler(NotAuthenticated)
    async def _unauth(request: Request, exc):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "authentication required"}, status_code=401,
                                headers={"WWW-Authenticate": 'Basic realm="helder"'})
        if request.method == "GET":
            return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)
        return HTMLResponse("Niet ingelogd", status_code=401)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc):
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc) or "forbidden"}, status_code=403)
        return HTMLResponse(f"<!doctype html><html lang=nl><title>Geweigerd</title><p>Geweigerd: {_esc(str(exc))}</p>",
                            status_code=403)

    def render(request: Request, name: str, who: Reviewer | None, status: int = 200, **ctx):
        ctx.update(request=request, user=who, csrf=csrf_token(request), four_eyes=policy.four_eyes)
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    def flash(request: Request, message: str, kind: str = "info") -> None:
        request.session["flash"] = {"message": message[:500], "kind": kind}

    def pop_flash(request: Request):
        return request.session.pop("flash", None)

    # ---- pages ------------------------------------------------------------------------------
    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/"):
        return render(request, "login.html", None, next=_safe_next(next), error=None)

    @app.post("/login")
    async def login(request: Request):
        form = await check_csrf(request, None)
        with factory() as s:
            user = users.verify_user(s, str(form.get("username", "")), str(form.get("password", "")))
        nxt = _safe_next(str(form.get("next", "/")))
        if user is None:
            return render(request, "login.html", None, status=401, next=nxt,
                          error="Onbekende gebruikersnaam of verkeerd wachtwoord.")
        request.session.clear()
        request.session["user"] = user.username
        request.session["csrf"] = secrets.token_urlsafe(32)  # fresh token after login
        return RedirectResponse(nxt, status_code=303)

    @app.post("/logout")
    async def logout(request: Request):
        await check_csrf(request, None)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/", response_class=HTMLResponse)
    def queue_page(request: Request):
        who = current(request)
        try:
            filters = queue.QueueFilter.from_params(request.query_params)
            sort = request.query_params.get("sort", "id")
            with factory() as s:
                pg = queue.page(s, filters, sort=sort, after=request.query_params.get("after"),
                                limit=_int(request.query_params.get("limit"), 50))
                counts = queue.counts(s)
        except queue.QueueError as exc:
            return render(request, "error.html", who, status=400, message=str(exc))
        next_url = "/?" + urlencode({**filters.params(), "sort": sort, "after": pg.next_cursor}) if pg.next_cursor else None
        return render(request, "queue.html", who, page=pg, counts=counts, f=filters, sort=sort,
                      next_url=next_url, flash=pop_flash(request), qs=urlencode({**filters.params(), "sort": sort}))

    @app.get("/next")
    def next_item(request: Request, after: int = 0):
        """Lease the next open item for this reviewer (matching the queue's filters) and open it."""
        who = current(request)
        try:
            filters = queue.QueueFilter.from_params(request.query_params)
        except queue.QueueError as exc:
            return render(request, "error.html", who, status=400, message=str(exc))
        with factory() as s, s.begin():
            item_id = queue.claim_next(s, who.username, filters, after_id=after, minutes=lease_minutes)
            if item_id is None and after:
                item_id = queue.claim_next(s, who.username, filters, after_id=0, minutes=lease_minutes)
        if item_id is None:
            flash(request, "Geen open items meer voor dit filter.")
            return RedirectResponse("/?" + urlencode(filters.params()), status_code=303)
        return RedirectResponse(f"/item/{item_id}?" + urlencode(filters.params()), status_code=303)

    @app.get("/item/{item_id}", response_class=HTMLResponse)
    def item_page(request: Request, item_id: int):
        who = current(request)
        with factory() as s, s.begin():
            item = s.get(ReviewItem, item_id)
            if item is None:
                return render(request, "error.html", who, status=404, message=f"Item {item_id} bestaat niet.")
            leased = queue.lease(s, item_id, who.username, lease_minutes) if item.state in ("proposed", "deferred") else False
            s.refresh(item)
            ctx = _item_context(s, item)
        prev_id, next_id = _neighbours(factory, item_id)
        return render(request, "item.html", who, item=item, leased=leased, prev_id=prev_id, next_id=next_id,
                      flash=pop_flash(request), qs=urlencode(dict(request.query_params)), **ctx)

    @app.post("/item/{item_id}/{action}")
    async def decide_form(request: Request, item_id: int, action: str):
        who = current(request)
        form = await check_csrf(request, who)
        qs = urlencode({k: v for k, v in request.query_params.items()})
        try:
            with factory() as s, s.begin():
                _decide(s, item_id, action, who.username, form, policy)
                queue.invalidate_counts()
        except decisions.StaleItem as exc:
            flash(request, "Niet opgeslagen: iemand anders heeft dit item intussen gewijzigd. " + str(exc), "error")
            return RedirectResponse(f"/item/{item_id}?{qs}", status_code=303)
        except (decisions.DecisionError, ValueError) as exc:
            flash(request, "Niet opgeslagen: " + str(exc), "error")
            return RedirectResponse(f"/item/{item_id}?{qs}", status_code=303)
        labels = {"approve": "goedgekeurd", "edit": "aangepast en goedgekeurd", "reject": "afgewezen",
                  "defer": "uitgesteld", "undo": "teruggedraaid"}
        flash(request, f"Item {item_id} {labels[action]}.")
        if action == "undo":
            return RedirectResponse(f"/item/{item_id}?{qs}", status_code=303)
        return RedirectResponse(f"/next?after={item_id}&{qs}", status_code=303)

    @app.get("/tm/{concept_id}", response_class=HTMLResponse)
    def tm_entry(request: Request, concept_id: str):
        who = current(request)
        with factory() as s:
            concept = s.get(Concept, concept_id)
            terms = list(s.execute(select(PatientTerm).where(PatientTerm.concept_id == concept_id)
                                   .order_by(PatientTerm.id.desc())).scalars())
            items = list(s.execute(select(ReviewItem).where(ReviewItem.concept_id == concept_id)
                                   .order_by(ReviewItem.id.desc()).limit(20)).scalars())
        if concept is None and not terms:
            return render(request, "error.html", who, status=404, message=f"Concept {concept_id} is onbekend.")
        return render(request, "tm.html", who, concept=concept, concept_id=concept_id, terms=terms, items=items)

    @app.get("/export.xlsx")
    def export(request: Request):
        who = current(request)
        try:
            filters = queue.QueueFilter.from_params(request.query_params)
        except queue.QueueError as exc:
            return render(request, "error.html", who, status=400, message=str(exc))
        with factory() as s:
            data = spreadsheets.export_xlsx(s, filters)
        return Response(data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": 'attachment; filename="helder-review.xlsx"'})

    @app.get("/import", response_class=HTMLResponse)
    def import_form(request: Request):
        who = current(request)
        return render(request, "import.html", who, problems=None, result=None)

    @app.post("/import", response_class=HTMLResponse)
    async def import_post(request: Request):
        who = current(request)
        form = await check_csrf(request, who)
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            return render(request, "import.html", who, status=400, problems=["Kies een XLSX-bestand."], result=None)
        data = await upload.read()
        try:
            with factory() as s, s.begin():
                result = spreadsheets.import_xlsx(s, data, who.username, policy)
        except spreadsheets.ImportRefused as exc:
            return render(request, "import.html", who, status=422, problems=exc.problems, result=None)
        queue.invalidate_counts()
        return render(request, "import.html", who, problems=None, result=result)

    @app.get("/admin/users", response_class=HTMLResponse)
    def admin_users(request: Request):
        who = current(request)
        if not who.is_admin:
            raise Forbidden("alleen voor beheerders")
        with factory() as s:
            rows = users.list_users(s)
        return render(request, "users.html", who, users=rows, error=None, flash=pop_flash(request))

    @app.post("/admin/users")
    async def admin_users_post(request: Request):
        who = current(request)
        if not who.is_admin:
            raise Forbidden("alleen voor beheerders")
        form = await check_csrf(request, who)
        try:
            with factory() as s, s.begin():
                if form.get("disable"):
                    users.disable_user(s, str(form["disable"]), actor=who.username)
                    flash(request, f"Gebruiker {form['disable']} uitgeschakeld.")
                else:
                    users.add_user(s, str(form.get("username", "")), str(form.get("password", "")),
                                   str(form.get("role", "reviewer")), actor=who.username)
                    flash(request, f"Gebruiker {form.get('username')} toegevoegd.")
        except users.UserError as exc:
            flash(request, str(exc), "error")
        return RedirectResponse("/admin/users", status_code=303)

    # ---- JSON API ---------------------------------------------------------------------------
    @app.get("/api/queue")
    def api_queue(request: Request):
        who = current(request)
        try:
            filters = queue.QueueFilter.from_params(request.query_params)
            with factory() as s:
                pg = queue.page(s, filters, sort=request.query_params.get("sort", "id"),
                                after=request.query_params.get("after"),
                                limit=_int(request.query_params.get("limit"), 50))
        except queue.QueueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return {"items": [_item_json(i) for i in pg.items], "next": pg.next_cursor, "user": who.username}

    @app.get("/api/queue/{item_id}")
    def api_item(request: Request, item_id: int):
        current(request)
        with factory() as s:
            item = s.get(ReviewItem, item_id)
            if item is None:
                return JSONResponse({"error": f"item {item_id} does not exist"}, status_code=404)
            ctx = _item_context(s, item)
        return {**_item_json(item), "fsn": ctx["concept"].fsn_en if ctx["concept"] else None,
                "suggestions": [_suggestion_json(x) for x in ctx["suggestions"]],
                "history": [{"reviewer": d.reviewer, "action": d.action, "term": d.term, "reason": d.reason,
                             "stateBefore": d.state_before, "stateAfter": d.state_after,
                             "at": d.at.isoformat()} for d in ctx["decisions"]]}

    @app.post("/api/queue/{item_id}/{action}")
    async def api_decide(request: Request, item_id: int, action: str):
        who = current(request)
        await check_csrf(request, who)
        if action not in ("approve", "edit", "reject", "defer", "undo"):
            return JSONResponse({"error": f"unknown action {action[:20]!r}"}, status_code=404)
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("body must be a JSON object")
        except ValueError as exc:
            return JSONResponse({"error": f"bad JSON body: {exc}"}, status_code=400)
        try:
            with factory() as s, s.begin():
                item = _decide(s, item_id, action, who.username, body, policy)
                out = _item_json(item)
            queue.invalidate_counts()
        except decisions.ItemNotFound as exc:
            return JSONResponse({"error": str(exc)}, status_code=404)
        except decisions.StaleItem as exc:
            return JSONResponse({"error": str(exc), "stale": True}, status_code=409)
        except (decisions.DecisionError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=422)
        return out

    return app


# ---- helpers --------------------------------------------------------------------------------
def _esc(text: str) -> str:
    import html

    return html.escape(text)


def _int(raw, default: int) -> int:
    try:
        return int(raw) if raw not in (None, "") else default
    except ValueError:
        raise queue.QueueError(f"limit: not a number: {str(raw)[:20]!r}") from None


def _safe_next(nxt: str) -> str:
    # Only local paths: no open redirect to another site.
    return nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt else "/"


def _decide(s: Session, item_id: int, action: str, user: str, data, policy) -> ReviewItem:
    """Apply one decision from form fields or JSON: version, term, explanation, reason."""
    raw_version = data.get("version")
    if raw_version in (None, ""):
        raise decisions.DecisionError("version missing: reload the item")
    try:
        version = int(raw_version)
    except (TypeError, ValueError):
        raise decisions.DecisionError("version: not a number") from None
    text = lambda k: (str(data.get(k)).strip() if data.get(k) not in (None, "") else None)  # noqa: E731
    if action == "approve":
        return decisions.approve(s, item_id, user, expected_version=version, override_reason=text("reason"), policy=policy)
    if action == "edit":
        if not text("term"):
            raise decisions.DecisionError("edit needs a term")
        return decisions.edit(s, item_id, user, text("term"), explanation=text("explanation"),
                              expected_version=version, policy=policy)
    if action == "reject":
        return decisions.reject(s, item_id, user, text("reason") or "", expected_version=version)
    if action == "defer":
        return decisions.defer(s, item_id, user, text("reason"), expected_version=version)
    if action == "undo":
        return decisions.undo(s, item_id, user, expected_version=version)
    raise decisions.DecisionError(f"unknown action {action[:20]!r}")


def _item_context(s: Session, item: ReviewItem) -> dict:
    suggestions = list(s.execute(select(Suggestion).where(Suggestion.item_id == item.id)
                                 .order_by(Suggestion.is_primary.desc(), Suggestion.id)).scalars())
    decided = list(s.execute(select(Decision).where(Decision.item_id == item.id).order_by(Decision.id)).scalars())
    audit = list(s.execute(select(AuditLog).where(AuditLog.entity == "review_item",
                                                  AuditLog.entity_id == str(item.id)).order_by(AuditLog.id)).scalars())
    primary = suggestions[0] if suggestions else None
    return {"concept": s.get(Concept, item.concept_id), "suggestions": suggestions, "primary": primary,
            "flags": (primary.flag_details or []) if primary else [],
            "similar": (primary.similar or []) if primary else [], "decisions": decided, "audit": audit}


def _neighbours(factory, item_id: int) -> tuple[int | None, int | None]:
    with factory() as s:
        prev_id = s.execute(select(ReviewItem.id).where(ReviewItem.id < item_id)
                            .order_by(ReviewItem.id.desc()).limit(1)).scalar_one_or_none()
        next_id = s.execute(select(ReviewItem.id).where(ReviewItem.id > item_id)
                            .order_by(ReviewItem.id).limit(1)).scalar_one_or_none()
    return prev_id, next_id


def _item_json(i: ReviewItem) -> dict:
    return {"id": i.id, "version": i.version, "conceptId": i.concept_id, "state": i.state,
            "term": i.source_term, "semanticTag": i.semantic_tag, "proposal": i.proposal,
            "origin": i.origin, "confidence": i.confidence, "flags": [f for f in i.flags.split(";") if f],
            "maxSeverity": i.max_severity, "finalTerm": i.final_term, "decidedBy": i.decided_by,
            "leaseOwner": i.lease_owner, "runId": i.run_id}


def _suggestion_json(x: Suggestion) -> dict:
    return {"text": x.text, "explanation": x.explanation, "origin": x.origin, "model": x.model,
            "confidence": x.confidence, "primary": x.is_primary, "flags": x.flag_details or [],
            "similar": x.similar or []}


def serve(host: str = "127.0.0.1", port: int = 8000, url: str | None = None,
          settings: dict | None = None, routers_for=None) -> None:
    """`helder serve`: open (and migrate) the store at `url` and run the app with uvicorn.

    routers_for: optional callable(session_factory) -> list of APIRouters to include, e.g.
    `lambda f: [exports.api.make_router(f, "releases")]`."""
    import uvicorn

    from review_queue.db import open_store

    _, factory = open_store(url)
    routers = routers_for(factory) if routers_for else None
    uvicorn.run(create_app(factory, settings, routers), host=host, port=port, log_level="info")
