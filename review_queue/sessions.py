"""Server-side sessions and login throttling for the review workspace.

Sessions (OWASP Session Management Cheat Sheet): the browser holds a random session id (256
bits) in a signed, HttpOnly, SameSite=Strict cookie; the server keeps only its SHA-256 in
`web_sessions`, with the user, a CSRF token, and two deadlines — an idle one (`idle_minutes`
since the last request) and an absolute one (`hours` after login). Logout, disabling the user
and a password change delete the row, so a copied cookie stops working at once; a login always
makes a new id (no session fixation).

Throttling (OWASP Authentication Cheat Sheet, "Protect against automated attacks"): failed
logins are counted per account and per client address in `login_failures`. From the
`ACCOUNT_LIMIT`-th failure for an account (`ADDRESS_LIMIT`-th for an address) within
`WINDOW` of the first, further attempts are refused for a delay that doubles with every failure,
from 30 seconds up to 15 minutes — also with the right password — without hashing anything, so a
guesser costs the server nothing. A success clears the account's count; an address's count only
ages out, so one valid account does not reset a guesser's address.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from review_queue.models import LoginFailure, User, WebSession

IDLE_MINUTES = 120
HOURS = 12
TOUCH_EVERY = timedelta(minutes=1)  # last_seen is written at most this often per session

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 30
WINDOW = timedelta(minutes=15)
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes (stored as UTC).
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Active:
    """A live session: who it belongs to, their role now, its CSRF token."""

    sid: str
    username: str
    role: str
    csrf: str


def start(session: Session, username: str, *, address: str | None = None, hours: float = HOURS) -> str:
    """A new session for `username`; returns the session id for the cookie (shown once).

    Expired sessions are swept away here, so the table holds only live ones."""
    now = _now()
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    sid = secrets.token_urlsafe(32)
    session.add(WebSession(id=_digest(sid), username=username, csrf=secrets.token_urlsafe(32),
                           created_at=now, last_seen=now, expires_at=now + timedelta(hours=hours),
                           address=(address or "")[:64] or None))
    session.flush()
    return sid


def lookup(session: Session, sid: str | None, *, idle_minutes: float = IDLE_MINUTES) -> Active | None:
    """The live session for a cookie's id, or None (unknown, ended, idle too long, expired, or its
    user disabled). Writes only to end a dead session or, at most once a minute, to note the time
    (commits itself then), so a page view normally costs one primary-key read."""
    if not sid or not isinstance(sid, str) or len(sid) > 128:
        return None
    digest = _digest(sid)
    row = session.execute(
        select(WebSession.username, WebSession.csrf, WebSession.last_seen, WebSession.expires_at, User.role,
               User.active).join(User, User.username == WebSession.username).where(WebSession.id == digest)
    ).first()
    if row is None:
        return None
    username, csrf, last_seen, expires, role, active = row
    now = _now()
    last_seen, expires = _aware(last_seen), _aware(expires)
    if not active or expires <= now or last_seen + timedelta(minutes=idle_minutes) <= now:
        session.execute(delete(WebSession).where(WebSession.id == digest))
        session.commit()
        return None
    if now - last_seen >= TOUCH_EVERY:
        session.execute(update(WebSession).where(WebSession.id == digest).values(last_seen=now))
        session.commit()
    return Active(sid=sid, username=username, role=role, csrf=csrf)


def end(session: Session, sid: str | None) -> None:
    """End one session (logout)."""
    if sid:
        session.execute(delete(WebSession).where(WebSession.id == _digest(str(sid))))


def end_all(session: Session, username: str, except_sid: str | None = None) -> int:
    """End every session of `username` (disabled, password changed), but `except_sid`."""
    stmt = delete(WebSession).where(WebSession.username == username)
    if except_sid:
        stmt = stmt.where(WebSession.id != _digest(except_sid))
    return session.execute(stmt).rowcount or 0


def count_for(session: Session, username: str) -> int:
    return len(session.execute(select(WebSession.id).where(WebSession.username == username)).all())


# ---- throttling --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Throttle:
    """Limits on failed logins (the `[review] login_*` settings); see the module docstring."""

    account_limit: int = ACCOUNT_LIMIT
    address_limit: int = ADDRESS_LIMIT
    window: timedelta = WINDOW
    first_delay: timedelta = FIRST_DELAY
    max_delay: timedelta = MAX_DELAY

    @classmethod
    def from_settings(cls, settings: dict) -> "Throttle":
        return cls(account_limit=max(1, int(settings.get("login_account_limit", ACCOUNT_LIMIT))),
                   address_limit=max(1, int(settings.get("login_address_limit", ADDRESS_LIMIT))),
                   first_delay=timedelta(seconds=float(settings.get("login_delay_seconds", FIRST_DELAY.total_seconds()))))

    def _keys(self, username: str, address: str | None) -> list[tuple[str, int]]:
        keys = [("user:" + (username or "").strip().lower()[:64], self.account_limit)]
        if address:
            keys.append(("addr:" + address[:64], self.address_limit))
        return keys

    def blocked_for(self, session: Session, username: str, address: str | None) -> int:
        """Seconds until this account and address may try again (0: now)."""
        now = _now()
        rows = session.execute(select(LoginFailure.blocked_until).where(
            LoginFailure.key.in_([k for k, _ in self._keys(username, address)]))).scalars().all()
        waits = [(_aware(until) - now).total_seconds() for until in rows if until is not None]
        return max([0, *[int(w) + 1 for w in waits if w > 0]])

    def failed(self, session: Session, username: str, address: str | None) -> None:
        """Count a failed login for the account and the address; block them once over the limit."""
        now = _now()
        if session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        for key, limit in self._keys(username, address):
            # Two failures at once for a new key: one inserts, both then count on the locked row.
            session.execute(insert(LoginFailure).values(key=key, failures=0, first_at=now).on_conflict_do_nothing())
            row = session.execute(select(LoginFailure).where(LoginFailure.key == key).with_for_update()).scalar_one()
            if _aware(row.first_at) + self.window <= now and (row.blocked_until is None or _aware(row.blocked_until) <= now):
                row.failures, row.first_at, row.blocked_until = 0, now, None  # an old count has aged out
            row.failures += 1
            if row.failures >= limit:
                doublings = min(row.failures - limit, 10)
                row.blocked_until = now + min(self.first_delay * 2 ** doublings, self.max_delay)
        session.flush()

    def succeeded(self, session: Session, username: str) -> None:
        session.execute(delete(LoginFailure).where(LoginFailure.key == self._keys(username, None)[0][0]))
