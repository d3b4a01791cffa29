"""The app object: settings in, routers, middleware and error pages wired, `helder serve`.

Middleware, outermost first:
- `SecurityHeaders` on every response (errors and static files included): a Content-Security-
  Policy allowing only this origin's scripts, styles and forms, and `frame-ancestors 'none'`
  (no framing, so no clickjacking), `X-Content-Type-Options: nosniff`, `Referrer-Policy`,
  `X-Frame-Options: DENY` for old browsers, and `Cache-Control: no-store` on pages and API
  answers (OWASP HTTP Headers Cheat Sheet).
- `HeadAsGet`: HEAD answered as the GET route would, without its body (not for /next, /prev).
- Starlette's `SessionMiddleware`: the signed cookie `helder_session` (HttpOnly, SameSite=Strict,
  Secure with `https_only`) carrying the session id, the pre-login CSRF token and flash messages.
- `RequestGuard` on state changes (POST, PUT, PATCH, DELETE): an `Origin` (or, without one,
  `Sec-Fetch-Site` or `Referer`) from another site is refused (403); under /api/ only
  `application/json` is accepted (415).
- `BodyLimit`: a body over `max_body_kb` (an import: `max_upload_mb`) is refused with 413 —
  from Content-Length before reading, or as soon as a chunked body passes the limit.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from review_queue import decisions, queue
from review_queue.sessions import Throttle
from review_queue.web import admin, api, auth, imports, review
from review_queue.web.base import (
    HERE,
    Forbidden,
    NotAuthenticated,
    NotFound,
    WebSettings,
    Workspace,
    error_response,
    load_secret,
    make_templates,
)
from terms.messages import message

log = logging.getLogger(__name__)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class SecurityHeaders:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")

        async def send_with_headers(msg):
            if msg["type"] == "http.response.start":
                headers = [(k, v) for k, v in msg.get("headers", []) if k.lower() not in dict(SECURITY_HEADERS)]
                headers += SECURITY_HEADERS
                if not path.startswith("/static/") and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                msg = {**msg, "headers": headers}
            await send(msg)
        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """HEAD answered as GET without the body (RFC 9110 §9.3.2): FastAPI routes declared for GET
    answered HEAD with 405, so a monitor's `HEAD /healthz` or a link checker failed. Not for the
    routes that claim an item (/next, /prev), where a HEAD must not hand out work."""

    NOT = ("/next", "/prev")

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD" or scope.get("path") in self.NOT:
            return await self.app(scope, receive, send)

        async def headers_only(msg):
            if msg["type"] == "http.response.body":
                msg = {**msg, "body": b""}
            await send(msg)
        # `helder.head`: a page that would claim something on GET (an item's lease) does not.
        await self.app({**scope, "method": "GET", "helder.head": True}, receive, headers_only)


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        self.limit = limit


class BodyLimit:
    """413 for a request body over the limit: `uploads` paths get the larger one."""

    def __init__(self, app, limit: int, upload_limit: int, uploads: tuple[str, ...] = ("/import",)) -> None:
        self.app, self.limit, self.upload_limit, self.uploads = app, limit, upload_limit, uploads

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.upload_limit if scope.get("path") in self.uploads else self.limit
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = limit + 1
            if declared > limit:
                return await _too_large(scope, receive, send, limit)
        seen = 0
        started = False

        async def counted():
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return msg

        async def tracking(msg):
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)
        try:
            await self.app(scope, counted, tracking)
        except BodyTooLarge:
            if started:
                raise
            await _too_large(scope, receive, send, limit)


async def _too_large(scope, receive, send, limit: int) -> None:
    request = Request(scope, receive)
    kb = limit // 1024
    text = message("review.error.too_large", size=f"{kb // 1024} MB" if kb >= 1024 else f"{kb} kB")
    response = error_response(request, 413, "too_large", text, headers={"Connection": "close"})
    await response(scope, receive, send)


class RequestGuard:
    """State changes only from this site; JSON only on the API (see the module docstring)."""

    def __init__(self, app, allowed: tuple[str, ...] = ()) -> None:
        self.app = app
        self.allowed = {urlsplit(o).netloc.lower() or o.lower() for o in allowed}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in UNSAFE:
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        request = Request(scope, receive)
        origin = headers.get("origin")
        host = headers.get("host", "").lower()
        if origin is not None:
            netloc = urlsplit(origin).netloc.lower() if origin != "null" else ""
            if not netloc or (netloc != host and netloc not in self.allowed):
                return await error_response(request, 403, "cross_origin", message("review.error.cross_origin"))(
                    scope, receive, send)
        elif headers.get("sec-fetch-site") in ("cross-site", "same-site"):
            return await error_response(request, 403, "cross_origin", message("review.error.cross_origin"))(
                scope, receive, send)
        elif headers.get("referer"):
            # No Origin (older browsers, some privacy settings): the Referer, when sent, must be
            # this site too (OWASP CSRF cheat sheet, "verifying origin with standard headers").
            netloc = urlsplit(headers["referer"]).netloc.lower()
            if netloc and netloc != host and netloc not in self.allowed:
                return await error_response(request, 403, "cross_origin", message("review.error.cross_origin"))(
                    scope, receive, send)
        if scope.get("path", "").startswith("/api/"):
            kind = headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                return await error_response(request, 415, "json_only", message("review.error.json_only"))(
                    scope, receive, send)
        return await self.app(scope, receive, send)


def create_app(factory, settings: dict | None = None, routers: list | None = None,
               recheck: decisions.Recheck | None = None) -> FastAPI:
    """The web app over a migrated store.

    settings: the config's `[review]` table (WebSettings; plus `secret`, `secret_file`,
    `login_account_limit`, `login_address_limit`, `login_delay_seconds`). routers: more
    APIRouters to include (the CLI adds the exports download API; review_queue does not import
    exports). recheck: checks edited texts as `helder run` does (pipeline.recheck, passed in by
    cli.py; review_queue does not import pipeline) — without it an edit is checked only against
    the flags the text already had."""
    raw = dict(settings or {})
    web = WebSettings.from_dict(raw)
    policy = decisions.ReviewPolicy(four_eyes=web.four_eyes, four_eyes_below_confidence=web.four_eyes_below_confidence)
    if recheck is None:
        log.warning("helder web: no checker given; edited texts are not checked again on save")
    app = FastAPI(title="helder review", docs_url=None, redoc_url=None, openapi_url=None)
    ws = Workspace(factory=factory, settings=web, policy=policy,
                   throttle=Throttle.from_settings(raw), templates=make_templates(), recheck=recheck)
    ws.jobs = imports.ImportJobs(ws)
    app.state.workspace = ws

    # Starlette: the middleware added last runs first.
    app.add_middleware(BodyLimit, limit=web.max_body_kb * 1024, upload_limit=web.max_upload_mb * 1024 * 1024)
    app.add_middleware(RequestGuard, allowed=web.allowed_origins)
    app.add_middleware(SessionMiddleware, secret_key=load_secret(raw), session_cookie="helder_session",
                       same_site="strict", https_only=web.https_only, max_age=int(web.session_hours * 3600))
    app.add_middleware(HeadAsGet)
    app.add_middleware(SecurityHeaders)

    @app.get("/healthz")
    async def healthz():
        # async and database-free: answers even while every worker thread is busy.
        return {"status": "ok"}

    for router in (auth.router, review.router, imports.router, api.router, admin.router, *(routers or [])):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _error_pages(app)
    return app


def _error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotAuthenticated)
    async def _unauthenticated(request: Request, exc):
        # No WWW-Authenticate: Basic — a browser must never offer (and then cache) a Basic login.
        if request.url.path.startswith("/api/") or request.method != "GET":
            return error_response(request, 401, "not_authenticated", message("review.error.not_authenticated"))
        return auth.login_redirect(request)

    @app.exception_handler(auth.Throttled)
    async def _throttled(request: Request, exc):
        return error_response(request, 429, "throttled", str(exc), headers={"Retry-After": str(exc.seconds)})

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc):
        return error_response(request, 403, exc.code, str(exc))

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc):
        return error_response(request, 404, exc.code, str(exc))

    @app.exception_handler(review.PageError)
    async def _page_error(request: Request, exc):
        return error_response(request, exc.status, exc.code, exc.text)

    @app.exception_handler(queue.QueueError)
    async def _queue_error(request: Request, exc):
        return error_response(request, 422, exc.code, str(exc))

    @app.exception_handler(BodyTooLarge)
    async def _too_large_handler(request: Request, exc):
        kb = exc.limit // 1024
        return error_response(request, 413, "too_large", message(
            "review.error.too_large", size=f"{kb // 1024} MB" if kb >= 1024 else f"{kb} kB"))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        fields = []
        for e in exc.errors():
            kind = str(e.get("type", "value_error"))
            # A JSON syntax error's loc is ("body", <character position>): the body, not a field "1".
            loc = [] if kind == "json_invalid" else [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")]
            name = ".".join(loc) or "body"
            key = f"review.validation.{kind}"
            from terms.messages import has

            fields.append({"field": name, "code": kind,
                           "message": message("review.validation.field", field=name,
                                              problem=message(key) if has(key) else message("review.validation.other"))})
        text = "; ".join(f["message"] for f in fields[:5]) or message("review.validation.other")
        return error_response(request, 422, "invalid", text, fields=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        if isinstance(exc.__cause__, BodyTooLarge):  # FastAPI turns any error reading a body into a 400
            return await _too_large_handler(request, exc.__cause__)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(request, exc.status_code, code, message(f"review.error.{code}"),
                              headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        # Sent by Starlette's outermost middleware, past SecurityHeaders: the headers go on here.
        return error_response(request, 500, "internal", message("review.error.internal"),
                              headers={k.decode(): v.decode() for k, v in SECURITY_HEADERS})


def serve(host: str = "127.0.0.1", port: int = 8000, url: str | None = None,
          settings: dict | None = None, routers_for=None, recheck_for=None) -> None:
    """`helder serve`: open (and migrate) the store at `url` and run the app with uvicorn.

    routers_for: optional callable(session_factory) -> list of APIRouters to include, e.g.
    `lambda f: [exports.api.make_router(f, "releases")]`. recheck_for: optional
    callable(session_factory) -> Recheck (cli.py passes pipeline.recheck.Rechecker)."""
    import threading

    import uvicorn

    from review_queue.db import open_store

    _, factory = open_store(url)
    routers = routers_for(factory) if routers_for else None
    recheck = recheck_for(factory) if recheck_for else None
    warm = getattr(recheck, "tm_changed", None)
    if warm is not None:  # build the checker now, not on the first reviewer's first edit
        threading.Thread(target=warm, daemon=True, name="helder-recheck-warm").start()
    uvicorn.run(create_app(factory, settings, routers, recheck), host=host, port=port, log_level="info",
                proxy_headers=True)
