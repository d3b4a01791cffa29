"""Reviewer accounts: argon2 password hashes, roles reviewer and admin.

At least one active admin always remains: disabling or demoting the last one is refused, so
nobody can lock the workspace out of its own administration. Disabling a user, resetting or
changing a password ends that user's sessions (review_queue.sessions), and a disabled user's
leases are released. Errors are `UserError` with a stable `code` and a Dutch message
(review.user_error.<code>).

Password hashing is argon2id with argon2-cffi's defaults (OWASP Password Storage Cheat Sheet);
it costs tens of milliseconds of CPU on purpose, so callers on an event loop run
`verify_user`/`add_user`/`set_password` in a worker thread (see review_queue.web.auth).
"""
from __future__ import annotations

import re
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from review_queue import sessions
from review_queue.models import AuditLog, User
from terms.messages import message

ROLES = ("reviewer", "admin")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte "password" is only a way to burn CPU
_hasher = PasswordHasher()
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
# Verifying against a dummy hash for unknown users keeps the timing the same as for known ones.
_DUMMY_HASH = _hasher.hash("not a password")
# At most this many hashes at once in the process: on a small machine a burst of logins must not
# take every core from the pages (each argon2 hash uses a core for its duration).
HASHING = threading.BoundedSemaphore(2)


class UserError(ValueError):
    def __init__(self, code: str, **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(message(f"review.user_error.{code}", **params))


def _hash(password: str) -> str:
    with HASHING:
        return _hasher.hash(password)


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise UserError("password_short", min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise UserError("password_long", max=MAX_PASSWORD)


def _get(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == (username or "").strip().lower())).scalar_one_or_none()
    if user is None:
        raise UserError("unknown", name=(username or "")[:64])
    return user


def reviewer(session: Session, name: str) -> str:
    """The account a decision made outside the web app (`helder review … --user NAME`, a
    spreadsheet import) is recorded under: `name` as its account writes it.

    A store without accounts (a fresh or demo store, reviewing from the command line only) takes
    any name. Once accounts exist, a name must be an active one: "ana" for "anna" would file
    decisions under nobody, and under four eyes one person could approve twice by typing two names.
    Errors: UserError `unknown_reviewer` (listing the active accounts) or `disabled`.
    """
    accounts = session.execute(select(User.username, User.active)).all()
    if not accounts:
        return name
    wanted = (name or "").strip().lower()
    for username, active in accounts:
        if username == wanted:
            if not active:
                raise UserError("disabled", name=username)
            return username
    active_names = sorted(u for u, a in accounts if a)
    raise UserError("unknown_reviewer", name=(name or "")[:64], names=", ".join(active_names[:20]))


def add_user(session: Session, username: str, password: str, role: str = "reviewer", *, actor: str = "cli") -> User:
    username = (username or "").strip().lower()
    if not _USERNAME.match(username):
        raise UserError("bad_name", name=username[:64])
    if role not in ROLES:
        raise UserError("bad_role", role=str(role)[:20], roles=", ".join(ROLES))
    _check_password(password)
    existing = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if existing is not None:
        raise UserError("exists" if existing.active else "exists_disabled", name=username)
    user = User(username=username, password_hash=_hash(password), role=role, active=True)
    session.add(user)
    session.flush()
    session.add(AuditLog(actor=actor, action="add", entity="user", entity_id=username,
                         before=None, after={"role": role, "active": True}))
    return user


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


def _other_active_admins(session: Session, username: str) -> int:
    """How many other active admins there are, with every active admin's row locked (PostgreSQL)
    until the caller's transaction ends: two admins disabling (or demoting) each other at the
    same moment both counted the other and left none; now the second waits and counts again."""
    admins = session.execute(select(User.username).where(User.role == "admin", User.active)
                             .order_by(User.username).with_for_update()).scalars().all()
    return sum(1 for name in admins if name != username)


def disable_user(session: Session, username: str, *, actor: str = "cli") -> User:
    """Disable an account: its sessions end and its leases are released; its history stays.
    Refused for the last active admin."""
    from review_queue.queue import release_all

    user = _get(session, username)
    if user.role == "admin" and user.active and _other_active_admins(session, user.username) == 0:
        raise UserError("last_admin", name=user.username)
    was = user.active
    user.active = False
    sessions.end_all(session, user.username)
    release_all(session, user.username)
    session.add(AuditLog(actor=actor, action="disable", entity="user", entity_id=user.username,
                         before={"active": was}, after={"active": False}))
    return user


def enable_user(session: Session, username: str, *, actor: str = "cli") -> User:
    """Let a disabled account log in again (with the password it had)."""
    user = _get(session, username)
    was = user.active
    user.active = True
    session.add(AuditLog(actor=actor, action="enable", entity="user", entity_id=user.username,
                         before={"active": was}, after={"active": True}))
    return user


def set_role(session: Session, username: str, role: str, *, actor: str = "cli") -> User:
    """Make an account a reviewer or an admin; refused for demoting the last active admin."""
    if role not in ROLES:
        raise UserError("bad_role", role=str(role)[:20], roles=", ".join(ROLES))
    user = _get(session, username)
    if user.role == "admin" and role != "admin" and user.active and _other_active_admins(session, user.username) == 0:
        raise UserError("last_admin", name=user.username)
    before = user.role
    user.role = role
    session.add(AuditLog(actor=actor, action="role", entity="user", entity_id=user.username,
                         before={"role": before}, after={"role": role}))
    return user


def set_password(session: Session, username: str, password: str, *, actor: str = "cli",
                 keep_session: str | None = None) -> User:
    """A new password (an admin's reset, or the user's own change). Every session of the user
    ends, except `keep_session` (the session id of a user changing their own password)."""
    _check_password(password)
    user = _get(session, username)
    user.password_hash = _hash(password)
    sessions.end_all(session, user.username, except_sid=keep_session)
    session.add(AuditLog(actor=actor, action="password", entity="user", entity_id=user.username,
                         before=None, after={"sessions_ended": True}))
    return user


def verify_user(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None (same answer for unknown, wrong or disabled)."""
    user = session.execute(
        select(User).where(User.username == (username or "").strip().lower()[:64])
    ).scalar_one_or_none()
    password = password or ""
    too_long = len(password) > MAX_PASSWORD  # never a valid password; hashed anyway, so it takes as long
    try:
        with HASHING:
            _hasher.verify(user.password_hash if user and not too_long else _DUMMY_HASH, password[:MAX_PASSWORD])
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or too_long:
        return None
    return user


def verify_password(session: Session, username: str, password: str) -> bool:
    """Whether `password` is the user's current one (for a user changing their own)."""
    return verify_user(session, username, password) is not None
