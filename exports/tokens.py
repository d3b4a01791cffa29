"""Download tokens for PGO vendors: shown once, stored as sha256, revocable.

Each function takes a session factory or a session (like exports.release): with a factory or a
session outside a transaction it commits itself; inside the caller's transaction it only flushes.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone

from sqlalchemy import select, update

from exports.release import session_scope
from review_queue.models import VendorToken
from terms.text import TermError, validate_term

PREFIX = "hld_"


class TokenError(ValueError):
    """A token request is wrong; the message says why in one line."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(factory_or_session, vendor: str) -> str:
    """A new token for `vendor`; the only time the token itself exists outside the vendor's hands."""
    try:
        vendor = validate_term(vendor, "vendor", max_length=128)
    except TermError as exc:
        raise TokenError(str(exc)) from None
    token = PREFIX + secrets.token_urlsafe(32)
    with session_scope(factory_or_session) as session:
        session.add(VendorToken(vendor=vendor, token_hash=hash_token(token)))
    return token


def revoke_token(factory_or_session, vendor: str | None = None, token_id: int | None = None) -> int:
    """Revoke a vendor's tokens (all of them) or one token by id; returns how many were revoked."""
    if (vendor is None) == (token_id is None):
        raise TokenError("revoke by vendor or by token id, not both and not neither")
    condition = VendorToken.vendor == vendor if vendor is not None else VendorToken.id == token_id
    with session_scope(factory_or_session) as session:
        result = session.execute(
            update(VendorToken).where(condition, VendorToken.revoked_at.is_(None))
            .values(revoked_at=datetime.now(timezone.utc)).execution_options(synchronize_session=False)
        )
        return result.rowcount or 0


def list_tokens(factory_or_session) -> list[dict]:
    """Every token's id, vendor, created_at, revoked_at and active — never the token or its hash."""
    with session_scope(factory_or_session) as session:
        rows = session.execute(
            select(VendorToken.id, VendorToken.vendor, VendorToken.created_at, VendorToken.revoked_at)
            .order_by(VendorToken.id)
        ).all()
    return [
        {"id": r.id, "vendor": r.vendor, "created_at": r.created_at, "revoked_at": r.revoked_at,
         "active": r.revoked_at is None}
        for r in rows
    ]


def vendor_for(factory_or_session, token: str | None) -> str | None:
    """The vendor a presented token belongs to, or None when it is unknown or revoked."""
    if not token:
        return None
    with session_scope(factory_or_session) as session:
        return session.execute(
            select(VendorToken.vendor).where(VendorToken.token_hash == hash_token(token), VendorToken.revoked_at.is_(None))
        ).scalar_one_or_none()
