"""Authentication and sessions: login, logout, one's own password, and who is asking.

People log in with a form and get a server-side session (review_queue.sessions): a signed
SameSite=Strict cookie holding a random id; the server can end it. Every state-changing request
from a session carries the session's CSRF token (form field `csrf`, or header `X-CSRF-Token` on
the API) — OWASP CSRF Prevention Cheat Sheet, "synchronizer token" — and the request guard in
app.py refuses any POST whose Origin is another site.

Scripts may use HTTP Basic with a user's name and password, on /api/ only. helder never answers
with `WWW-Authenticate: Basic`, so a browser never offers its own login box, never caches Basic
credentials and never turns a page visit into a Basic session; API state changes accept only
`application/json`, which a page on another site cannot send without a CORS preflight helder
does not grant.

Passwords are checked in a worker thread, at most two at a time (argon2 takes tens of ms of CPU
on purpose), so failed logins never stall the event loop; logins are throttled per account and
per address before any hashing (sessions.Throttle).
"""
from __future__ import annotations

import base64
import secrets
from urllib.parse import urlencode

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from review_queue import queue, sessions, users
from review_queue.web.base import (
    Forbidden,
    NotAuthenticated,
    Reviewer,
    client_address,
    flash,
    pop_flash,
    render,
    workspace,
)
from terms.messages import message

router = APIRouter()
_limiter: anyio.CapacityLimiter | None = None


def hash_limiter() -> anyio.CapacityLimiter:
    """Two password checks at a time in the process; the rest wait without holding a thread."""
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(2)
    return _limiter


# ---- who is asking ----------------------------------------------------------------------------


async def current_user(request: Request) -> Reviewer:
    """The signed-in reviewer (session cookie; on /api/ also HTTP Basic), or NotAuthenticated."""
    ws = workspace(request)
    auth = request.headers.get("authorization", "")
    if request.url.path.startswith("/api/") and auth[:6].lower() == "basic ":
        who = await _basic(request, auth[6:])
    else:
        sid = request.session.get("sid")
        if not sid:
            raise NotAuthenticated()

        def look() -> sessions.Active | None:
            with ws.factory() as s:
                return sessions.lookup(s, sid, idle_minutes=ws.settings.session_idle_minutes)
        active = await run_in_threadpool(look)
        if active is None:  # logged out elsewhere, disabled, password changed, idle, expired
            request.session.clear()
            raise NotAuthenticated()
        who = Reviewer(active.username, active.role, "session", sid=active.sid, csrf=active.csrf)
    request.scope["helder.reviewer"] = who
    return who


async def _basic(request: Request, encoded: str) -> Reviewer:
    ws = workspace(request)
    try:
        name, _, password = base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        raise NotAuthenticated() from None
    user = await check_password(request, name, password)
    if user is None:
        raise NotAuthenticated()
    return Reviewer(user.username, user.role, "basic")


class Throttled(Exception):
    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(message("review.login.throttled", minutes=max(1, (seconds + 59) // 60)))


async def check_password(request: Request, name: str, password: str):
    """The active user with this name and password, or None; Throttled while blocked.

    The throttle is asked first, so a blocked guesser costs no hashing; the hash runs in a
    worker thread under `hash_limiter`."""
    ws = workspace(request)
    address = client_address(request)

    def blocked() -> int:
        with ws.factory() as s:
            return ws.throttle.blocked_for(s, name, address)
    wait = await run_in_threadpool(blocked)
    if wait:
        raise Throttled(wait)

    def verify():
        # Asked again, and the outcome counted, inside the hash limiter: a burst of parallel
        # guesses all pass the first look before any failure is counted, so without this
        # second look every one of them would be hashed and answered (at most the limiter's
        # two can now slip past a limit).
        with ws.factory() as s:
            wait = ws.throttle.blocked_for(s, name, address)
        if wait:
            return wait, None
        with ws.factory() as s:
            user = users.verify_user(s, name, password)
        with ws.factory() as s, s.begin():
            if user is None:
                ws.throttle.failed(s, name, address)
            else:
                ws.throttle.succeeded(s, user.username)
        return 0, user
    wait, user = await anyio.to_thread.run_sync(verify, limiter=hash_limiter())
    if wait:
        raise Throttled(wait)
    return user


def check_csrf(request: Request, who: Reviewer | None, sent: object) -> None:
    expected = who.csrf if who is not None and who.csrf else request.session.get("csrf")
    if not expected or not isinstance(sent, str) or not secrets.compare_digest(sent, expected):
        raise Forbidden("csrf")


async def page_form(request: Request, who: Reviewer = Depends(current_user)) -> dict:
    """A signed-in reviewer's form POST: the fields, after the CSRF token was checked."""
    form = await request.form(max_files=1, max_fields=50)
    check_csrf(request, who, form.get("csrf") or request.headers.get("x-csrf-token"))
    return {k: v for k, v in form.multi_items()}


async def admin(who: Reviewer = Depends(current_user)) -> Reviewer:
    if not who.is_admin:
        raise Forbidden("admins_only")
    return who


# ---- pages ------------------------------------------------------------------------------------


def safe_next(nxt: str) -> str:
    """Only a local path: no open redirect to another site."""
    return nxt if nxt.startswith("/") and not nxt.startswith("//") and "\\" not in nxt else "/"


@router.get("/login")
def login_form(request: Request, next: str = "/"):
    return render(request, "login.html", None, next=safe_next(next), error=None, flash=pop_flash(request))


@router.post("/login")
async def login(request: Request):
    ws = workspace(request)
    form = await request.form(max_files=0, max_fields=10)
    check_csrf(request, None, form.get("csrf"))
    name, password = str(form.get("username", ""))[:200], str(form.get("password", ""))
    nxt = safe_next(str(form.get("next", "/")))
    try:
        user = await check_password(request, name, password)
    except Throttled as exc:
        return render(request, "login.html", None, status=429, next=nxt, error=str(exc),
                      headers={"Retry-After": str(exc.seconds)})
    if user is None:
        return render(request, "login.html", None, status=401, next=nxt, error=message("review.login.wrong"))

    def begin() -> str:
        with ws.factory() as s, s.begin():
            return sessions.start(s, user.username, address=client_address(request), hours=ws.settings.session_hours)
    sid = await run_in_threadpool(begin)
    request.session.clear()  # a new id at every login: nothing from before carries over
    request.session["sid"] = sid
    return RedirectResponse(nxt, status_code=303)


@router.post("/logout")
async def logout(request: Request):
    ws = workspace(request)
    sid = request.session.get("sid")
    form = await request.form(max_files=0, max_fields=10)
    who = None
    if sid:
        try:
            who = await current_user(request)
        except NotAuthenticated:
            who = None
    if who is None:  # the session had ended already (elsewhere, idle, disabled): nothing to protect
        request.session.clear()
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, who, form.get("csrf"))

    def end() -> None:
        with ws.factory() as s, s.begin():
            sessions.end(s, sid)
            if who is not None:
                queue.release_all(s, who.username)  # the items they held are free for others at once
    await run_in_threadpool(end)
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/account")
def account(request: Request, who: Reviewer = Depends(current_user)):
    from review_queue.web.review import moved_on

    moved_on(workspace(request), who)
    return render(request, "account.html", who, error=None, flash=pop_flash(request))


@router.post("/account/password")
async def change_password(request: Request, form: dict = Depends(page_form), who: Reviewer = Depends(current_user)):
    """A reviewer's own new password: the current one first; every other session of theirs ends."""
    ws = workspace(request)
    current, new, again = (str(form.get(k, "")) for k in ("current", "password", "again"))
    if new != again:
        return render(request, "account.html", who, status=422, error=message("review.account.mismatch"))
    try:
        ok = await check_password(request, who.username, current)
    except Throttled as exc:
        return render(request, "account.html", who, status=429, error=str(exc))
    if ok is None:
        return render(request, "account.html", who, status=422, error=message("review.account.wrong_current"))

    def change() -> None:
        with ws.factory() as s, s.begin():
            users.set_password(s, who.username, new, actor=who.username, keep_session=who.sid)
    try:
        await anyio.to_thread.run_sync(change, limiter=hash_limiter())
    except users.UserError as exc:
        return render(request, "account.html", who, status=422, error=str(exc))
    flash(request, message("review.account.changed"))
    return RedirectResponse("/account", status_code=303)


def login_redirect(request: Request) -> Response:
    target = request.url.path + (("?" + request.url.query) if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
