"""Reviewer accounts: argon2 password hashes, roles reviewer and admin."""
from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from review_queue.models import AuditLog, User

ROLES = ("reviewer", "admin")
_hasher = PasswordHasher()
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
# Verifying against a dummy hash for unknown users keeps the timing the same as for known ones.
_DUMMY_HASH = _hasher.hash("not a password")


class UserError(ValueError):
    pass


def add_user(session: Session, username: str, password: str, role: str = "reviewer", *, actor: str = "cli") -> User:
    username = (username or "").strip().lower()
    if not _USERNAME.match(username):
        raise UserError(f"username {username!r}: use 1-64 of a-z 0-9 . _ - starting with a letter or digit")
    if role not in ROLES:
        raise UserError(f"role {role!r}: must be one of {', '.join(ROLES)}")
    if len(password or "") < 8:
        raise UserError("password: at least 8 characters")
    if session.execute(select(User).where(User.username == username)).scalar_one_or_none():
        raise UserError(f"user {username!r} exists already")
    user = User(username=username, password_hash=_hasher.hash(password), role=role, active=True)
    session.add(user)
    session.flush()
    session.add(AuditLog(actor=actor, action="add", entity="user", entity_id=username,
                         before=None, after={"role": role, "active": True}))
    return user


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


def disable_user(session: Session, username: str, *, actor: str = "cli") -> User:
    user = session.execute(select(User).where(User.username == username.strip().lower())).scalar_one_or_none()
    if user is None:
        raise UserError(f"user {username!r} does not exist")
    user.active = False
    session.add(AuditLog(actor=actor, action="disable", entity="user", entity_id=user.username,
                         before={"active": True}, after={"active": False}))
    return user


def verify_user(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None (same answer for unknown, wrong or disabled)."""
    user = session.execute(
        select(User).where(User.username == (username or "").strip().lower())
    ).scalar_one_or_none()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user
