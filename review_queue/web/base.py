"""What every page and API route of the review workspace shares: settings, the workspace object
(store, policy, checker, templates), who is asking, errors, rendering and flash messages.

Errors reach people as a Dutch page and scripts as JSON, `{"error": {"code", "message"}}`, with
a stable code and the Dutch text from terms/messages/review.toml; see `error_response`.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from review_queue import decisions, labels, queue
from review_queue.sessions import Throttle
from terms.messages import message

HERE = Path(__file__).parent
SECRET_FILE = ".helder_secret"
DEFAULT_BROWSER = ("https://browser.ihtsdotools.org/?perspective=full&conceptId1={id}"
                   "&edition=MAIN/SNOMEDCT-NL&release=&languages=nl,en")


def load_secret(settings: dict) -> str:
    """settings["secret"], `HELDER_SECRET`, or a random one kept in `.helder_secret` (mode 600)."""
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


@dataclass(frozen=True)
class WebSettings:
    """The `[review]` table of helder.toml, typed; README "The web app" lists every key."""

    four_eyes: bool = False
    four_eyes_below_confidence: float = 0.5
    lease_minutes: int = queue.LEASE_MINUTES
    https_only: bool = False  # the Secure flag on the session cookie: set it behind HTTPS
    session_hours: float = 12.0
    session_idle_minutes: float = 120.0
    max_body_kb: int = 64  # every request body but an import's
    max_upload_mb: int = 25  # an XLSX import
    snomed_browser_url: str = DEFAULT_BROWSER
    allowed_origins: tuple[str, ...] = ()  # more origins allowed to POST (e.g. the proxy's public name)

    @classmethod
    def from_dict(cls, raw: dict | None) -> "WebSettings":
        raw = dict(raw or {})
        out = {}
        for name, f in cls.__dataclass_fields__.items():
            if name not in raw:
                continue
            value = raw[name]
            kind = type(f.default)
            try:
                if kind is bool:
                    if not isinstance(value, bool):
                        raise TypeError
                elif kind is tuple:
                    value = tuple(str(v) for v in (value if isinstance(value, (list, tuple)) else [value]))
                elif kind is str:
                    value = str(value)
                else:
                    value = kind(value)
            except (TypeError, ValueError):
                raise ValueError(f"[review] {name}: expected {kind.__name__}, got {value!r}") from None
            out[name] = value
        return cls(**out)


@dataclass
class Workspace:
    """The app's shared parts, on `app.state.workspace`."""

    factory: sessionmaker[Session]
    settings: WebSettings
    policy: decisions.ReviewPolicy
    throttle: Throttle
    templates: Jinja2Templates
    recheck: decisions.Recheck | None = None
    jobs: Any = None  # review_queue.web.imports.ImportJobs


def workspace(request: Request) -> Workspace:
    return request.app.state.workspace


@dataclass
class Reviewer:
    username: str
    role: str
    via: str  # "session" or "basic"
    sid: str | None = None
    csrf: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class NotAuthenticated(Exception):
    pass


class Forbidden(Exception):
    """403 with a catalogue code (review.error.<code>)."""

    def __init__(self, code: str = "forbidden", **params) -> None:
        self.code, self.params = code, params
        super().__init__(message(f"review.error.{code}", **params))


class NotFound(Exception):
    def __init__(self, code: str = "not_found", **params) -> None:
        self.code, self.params = code, params
        super().__init__(message(f"review.error.{code}", **params))


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, code: str, text: str, *, headers: dict | None = None,
                   fields: list | None = None) -> Response:
    """A JSON error for /api/…, a Dutch page for people."""
    if is_api(request):
        body: dict = {"error": {"code": code, "message": text}}
        if fields is not None:
            body["error"]["fields"] = fields
        return JSONResponse(body, status_code=status, headers=headers)
    try:
        return render(request, "error.html", request.scope.get("helder.reviewer"), status=status,
                      message=text, code=code, headers=headers)
    except Exception:  # no session or template at hand: still Dutch, still escaped
        import html

        title = html.escape(message("review.page.error_title"))
        return HTMLResponse(f"<!doctype html><html lang=nl><meta charset=utf-8><title>{title}</title>"
                            f"<p>{html.escape(text)}</p></html>", status_code=status, headers=headers)


def csrf_token(request: Request, who: Reviewer | None) -> str:
    """The token a form must send back: the session's, or (before login) one in the signed cookie."""
    if who is not None and who.csrf:
        return who.csrf
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def render(request: Request, name: str, who: Reviewer | None, status: int = 200, headers: dict | None = None,
           **ctx) -> Response:
    ws = workspace(request)
    ctx.update(request=request, user=who, csrf=csrf_token(request, who), four_eyes=ws.policy.four_eyes)
    ctx.setdefault("flash", None)
    return ws.templates.TemplateResponse(request, name, ctx, status_code=status, headers=headers)


def flash(request: Request, text: str, kind: str = "info", *, append: bool = False) -> None:
    """A message for the next page. `append`: after one not shown yet (a decision's, then "no more
    items"), so the reviewer reads both."""
    before = request.session.get("flash") if append else None
    if before:
        text, kind = before["message"] + " " + text, before["kind"] if before["kind"] == "error" else kind
    request.session["flash"] = {"message": text[:600], "kind": kind}


def pop_flash(request: Request):
    return request.session.pop("flash", None)


def tag_label(code: str | None, with_code: bool = False) -> str:
    """A SNOMED semantic tag in Dutch ('disorder' → 'aandoening'); an unknown one as it is.
    `with_code`: followed by the code the data, the filter and SNOMED browsers use
    ('aandoening · disorder'), so a reviewer can match the two."""
    from terms.messages import has

    key = f"review.semantic_tag.{code}"
    if not code or not has(key):
        return code or "—"
    dutch = message(key)
    return f"{dutch} · {code}" if with_code and dutch != code else dutch


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=HERE / "templates")  # autoescape on for .html
    env = templates.env
    env.globals.update(t=message, state_label=labels.state, item_state=labels.item_state,
                       action_label=labels.action, severity_label=labels.severity, origin_label=labels.origin,
                       flag_name=labels.flag_name, flag_reason=labels.flag_reason, flags_line=labels.flags_line,
                       history_reason=labels.history_reason, when=labels.when, tag_label=tag_label,
                       decimal=labels.decimal)
    return templates


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None
