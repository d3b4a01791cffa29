"""Queue queries for the review workspace: filters, counts, keyset paging, search, leases.

Paging is keyset (`WHERE (sort key, id) > (last seen) ORDER BY sort key, id LIMIT n`) so page
1,000 costs what page 1 costs at 400k items. Counts are GROUP BY on indexed columns, cached for
a few seconds because every queue page shows them.

Leases ("claims"): a reviewer holds at most one item. Opening or claiming an item releases the
others they held, and logging out releases all, so items a reviewer moved on from, skipped or
left are at once free for the next reviewer's "volgend item" (no 15-minute pile-up).

Errors are `QueueError` with a stable `code` and a Dutch message (review.queue_error.<code>).
"""
from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from review_queue.models import OPEN_STATES, PROPOSED, STATES, ReviewItem, fold
from terms.messages import message

LEASE_MINUTES = 15
MAX_ID = 2**31 - 1  # review_items.id and runs.id are 32-bit integers on PostgreSQL
NO_PROPOSAL = "none"
# Queue views beyond the plain states: every open item; open items without a proposal (needs
# wording, Weblate's "untranslated"); open items waiting for a second reviewer (four eyes).
VIEWS = ("open", "needs-wording", "second-review", *STATES, "all")
SORTS = {
    "id": (ReviewItem.id, False),
    "-id": (ReviewItem.id, True),
    "confidence": (ReviewItem.confidence, False),
    "-confidence": (ReviewItem.confidence, True),
}
SEVERITIES = ("error", "warning", "info")


class QueueError(ValueError):
    """A bad filter or cursor: `code` is stable, `str()` is Dutch (review.queue_error.<code>)."""

    def __init__(self, code: str, **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(message(f"review.queue_error.{code}", **params))


def parse_id(raw: object) -> int | None:
    """A review item (or run) id from untrusted text: a whole number 1..2³¹-1, else None.

    Bounded so a 30-digit id is "not found" instead of an integer overflow in the database."""
    text = str(raw).strip() if raw is not None else ""
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def parse_limit(raw: object, default: int = 50) -> int:
    """Page size from untrusted text: 1..500 (QueueError when not a number)."""
    text = str(raw).strip() if raw not in (None, "") else ""
    if not text:
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise QueueError("not_a_number", name="limit", value=text[:20])
    return max(1, min(int(text), 500))


@dataclass
class QueueFilter:
    state: str | None = "open"  # a state, "open" (proposed+deferred) or None for all
    semantic_tag: str | None = None
    flag: str | None = None
    severity: str | None = None
    origin: str | None = None
    min_confidence: float | None = None
    max_confidence: float | None = None
    run_id: int | None = None
    q: str | None = None  # concept id (digits) or words in the clinical term / proposal

    @classmethod
    def from_params(cls, params) -> "QueueFilter":
        """From query parameters; bad values raise QueueError naming the parameter."""
        def confidence(name):
            raw = (params.get(name) or "").strip()
            if not raw:
                return None
            try:
                value = float(raw.replace(",", "."))  # 0,8 as a Dutch reviewer types it
            except ValueError:
                raise QueueError("not_a_number", name=name, value=raw[:20]) from None
            if not math.isfinite(value):
                raise QueueError("not_a_number", name=name, value=raw[:20])
            return value

        def run_id():
            raw = (params.get("run") or "").strip()
            if not raw:
                return None
            value = parse_id(raw)
            if value is None:
                raise QueueError("not_an_id", name="run", value=raw[:20])
            return value
        state = (params.get("state") or "open").strip()
        if state not in VIEWS:
            raise QueueError("unknown_state", value=state[:40])
        severity = (params.get("severity") or "").strip() or None
        if severity and severity not in SEVERITIES:
            raise QueueError("unknown_severity", value=severity[:40])
        f = cls(
            state=None if state == "all" else state,
            semantic_tag=(params.get("tag") or "").strip() or None,
            flag=(params.get("flag") or "").strip() or None,
            severity=severity,
            origin=(params.get("origin") or "").strip() or None,
            min_confidence=confidence("min"), max_confidence=confidence("max"),
            run_id=run_id(), q=(params.get("q") or "").strip()[:200] or None,
        )
        return f

    def params(self) -> dict:
        out = {"state": self.state or "all", "tag": self.semantic_tag, "flag": self.flag,
               "severity": self.severity, "origin": self.origin, "min": self.min_confidence,
               "max": self.max_confidence, "run": self.run_id, "q": self.q}
        return {k: v for k, v in out.items() if v not in (None, "")}

    def conditions(self) -> list:
        c = []
        if self.state == "open":
            c.append(ReviewItem.state.in_(OPEN_STATES))
        elif self.state == "needs-wording":
            c += [ReviewItem.state.in_(OPEN_STATES), ReviewItem.origin == NO_PROPOSAL,
                  ReviewItem.first_approver.is_(None)]
        elif self.state == "second-review":
            c += [ReviewItem.state.in_(OPEN_STATES), ReviewItem.needs_second_review.is_(True)]
        elif self.state == "proposed":
            # A proposal to judge: items without one are "needs wording", a view of their own.
            c += [ReviewItem.state == PROPOSED,
                  or_(ReviewItem.origin != NO_PROPOSAL, ReviewItem.first_approver.is_not(None))]
        elif self.state:
            c.append(ReviewItem.state == self.state)
        if self.semantic_tag:
            c.append(ReviewItem.semantic_tag == self.semantic_tag)
        if self.flag:
            # flags is ';'-joined codes; match a whole code. Written against the bare column (not
            # ';' || flags || ';') so PostgreSQL estimates from the column's statistics; on the
            # padded expression it guessed a handful of rows and chose a parallel scan (~100 ms).
            f, code = ReviewItem.flags, self.flag
            c.append(or_(f == code, f.startswith(code + ";", autoescape=True),
                         f.endswith(";" + code, autoescape=True), f.contains(";" + code + ";", autoescape=True)))
        if self.severity:
            c.append(ReviewItem.max_severity == self.severity)
        if self.origin:
            c.append(ReviewItem.origin == self.origin)
        if self.min_confidence is not None:
            c.append(ReviewItem.confidence >= self.min_confidence)
        if self.max_confidence is not None:
            c.append(ReviewItem.confidence <= self.max_confidence)
        if self.run_id is not None:
            c.append(ReviewItem.run_id == self.run_id)
        if self.q:
            if self.q.isascii() and self.q.isdigit():
                item_id = parse_id(self.q)
                c.append(or_(ReviewItem.concept_id == self.q, ReviewItem.id == item_id) if item_id
                         else ReviewItem.concept_id == self.q)
            else:
                # Words anywhere in the clinical term, the proposal or the final term, without
                # regard to case or accents: both sides folded (models.fold), so "thyreoiditis"
                # finds "thyreoïditis". PostgreSQL answers LIKE from a trigram index over
                # search_text (migration 0005); SQLite scans.
                needle = fold(self.q)
                pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                c.append(ReviewItem.search_text.like(pattern, escape="\\"))
        return c


def sql_conditions(conditions: list, dialect: str) -> list:
    """The filter's conditions for `dialect` (kept as a seam: every condition is plain SQL now)."""
    return list(conditions)


@dataclass
class Page:
    items: list[ReviewItem]
    next_cursor: str | None
    sort: str
    filters: QueueFilter = field(default_factory=QueueFilter)


def _cursor_of(item: ReviewItem, sort: str) -> str:
    if sort in ("confidence", "-confidence"):
        return f"{item.confidence!r}:{item.id}"
    return str(item.id)


def page(session: Session, filters: QueueFilter, *, sort: str = "id", after: str | None = None,
         limit: int = 50) -> Page:
    """One page of items after the cursor `after` (from the previous page's next_cursor)."""
    if sort not in SORTS:
        raise QueueError("unknown_sort", value=str(sort)[:20])
    limit = max(1, min(int(limit), 500))
    column, desc = SORTS[sort]
    stmt = select(ReviewItem).where(*sql_conditions(filters.conditions(), session.get_bind().dialect.name))
    if after:
        try:
            if column is ReviewItem.id:
                last_key, last_id = None, parse_id(after)
            else:
                raw_key, raw_id = after.split(":", 1)
                last_key, last_id = float(raw_key), parse_id(raw_id)
                if not math.isfinite(last_key):
                    raise ValueError
            if last_id is None:
                raise ValueError
        except ValueError:
            raise QueueError("bad_cursor", value=after[:40]) from None
        if last_key is None:
            stmt = stmt.where(ReviewItem.id < last_id if desc else ReviewItem.id > last_id)
        # The plain range (column >= key) first, so the index on the sort column bounds the scan.
        elif desc:
            stmt = stmt.where(column <= last_key, or_(column < last_key, ReviewItem.id < last_id))
        else:
            stmt = stmt.where(column >= last_key, or_(column > last_key, ReviewItem.id > last_id))
    if column is ReviewItem.id:
        order = [ReviewItem.id.desc() if desc else ReviewItem.id]
    else:
        order = [column.desc(), ReviewItem.id.desc()] if desc else [column, ReviewItem.id]
    rows = list(session.execute(stmt.order_by(*order).limit(limit + 1)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, _cursor_of(rows[-1], sort) if more and rows else None, sort, filters)


_count_cache: dict = {}
_count_lock = threading.Lock()
# Counts are advisory; recounting 400k rows costs the database ~0.5 s, so without a decision
# (which recounts at once) they are refreshed at most twice a minute.
COUNT_TTL = 30.0


def _compute_counts(session: Session) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    out["state"] = dict(session.execute(
        select(ReviewItem.state, func.count()).group_by(ReviewItem.state)).all())
    out["state"]["open"] = sum(out["state"].get(s, 0) for s in OPEN_STATES)
    out["state"]["all"] = sum(n for s, n in out["state"].items() if s in STATES)
    open_ = ReviewItem.state.in_(OPEN_STATES)
    wording = (ReviewItem.origin == NO_PROPOSAL) & ReviewItem.first_approver.is_(None)
    out["state"]["needs-wording"] = out["state"]["second-review"] = 0
    for state, no_proposal, second, n in session.execute(
            select(ReviewItem.state, wording, ReviewItem.needs_second_review, func.count())
            .where(open_).group_by(ReviewItem.state, wording, ReviewItem.needs_second_review)).all():
        if no_proposal:
            out["state"]["needs-wording"] += n
            if state == PROPOSED:
                out["state"][PROPOSED] -= n  # the "proposed" view leaves them out
        if second:
            out["state"]["second-review"] += n
    for name, col in (("tag", ReviewItem.semantic_tag), ("origin", ReviewItem.origin),
                      ("severity", ReviewItem.max_severity)):
        out[name] = {(k or "-"): n for k, n in session.execute(
            select(col, func.count()).where(open_).group_by(col)).all()}
    return out


def _refresh_counts(bind, key: str) -> None:
    try:
        with Session(bind) as session:
            fresh = _compute_counts(session)
        with _count_lock:
            _count_cache[key] = (time.monotonic(), fresh)
    except Exception as exc:  # advisory figures: keep the old ones, say why, try again next time
        logging.getLogger(__name__).warning("recounting the queue failed: %s", exc)
    finally:
        with _count_lock:
            _refreshing.discard(key)


_refreshing: set = set()


def counts(session: Session, *, ttl: float = COUNT_TTL) -> dict[str, dict[str, int]]:
    """Items per state, and open items per semantic tag, origin and severity.

    Cached per database: within `ttl` seconds the cached figures; older ones are still answered
    at once while a background thread recounts (a GROUP BY over 400k rows takes a few hundred
    ms), so only the first request after a start or `clear_count_cache` waits for the count.
    """
    key = str(session.get_bind().url)
    now = time.monotonic()
    with _count_lock:
        hit = _count_cache.get(key)
        if hit and now - hit[0] >= ttl and key not in _refreshing:
            _refreshing.add(key)
            threading.Thread(target=_refresh_counts, args=(session.get_bind(), key), daemon=True).start()
    if hit:
        return hit[1]
    out = _compute_counts(session)
    with _count_lock:
        _count_cache[key] = (now, out)
    return out


def invalidate_counts() -> None:
    """After a decision: the next `counts` answers the old figures and recounts in the background."""
    with _count_lock:
        for key, (_, figures) in list(_count_cache.items()):
            _count_cache[key] = (float("-inf"), figures)


def clear_count_cache() -> None:
    with _count_lock:
        _count_cache.clear()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _lease_free(user: str, now: datetime):
    return or_(ReviewItem.lease_owner.is_(None), ReviewItem.lease_owner == user,
               ReviewItem.lease_expires < now)


def lease(session: Session, item_id: int, user: str, minutes: int = LEASE_MINUTES) -> bool:
    """Lease an open item to `user` unless someone else holds a live lease; True when it is theirs.

    The reviewer's other leases are released first: opening an item means moving on from the last."""
    now = _now()
    release_all(session, user, keep=item_id)
    result = session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item_id, ReviewItem.state.in_(OPEN_STATES), _lease_free(user, now))
        .values(lease_owner=user, lease_expires=now + timedelta(minutes=minutes))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release(session: Session, item_id: int, user: str) -> None:
    session.execute(
        update(ReviewItem).where(ReviewItem.id == item_id, ReviewItem.lease_owner == user)
        .values(lease_owner=None, lease_expires=None).execution_options(synchronize_session=False)
    )


def release_all(session: Session, user: str, keep: int | None = None) -> int:
    """Release every lease `user` holds (but `keep`); how many were released.

    Looks first (an index on lease_owner), so the common case — nothing to release — writes
    nothing; a write would take SQLite's one write lock on every page view."""
    held = session.execute(
        select(ReviewItem.id).where(ReviewItem.lease_owner == user).limit(50)).scalars().all()
    held = [i for i in held if i != keep]
    if not held:
        return 0
    session.execute(
        update(ReviewItem).where(ReviewItem.id.in_(held), ReviewItem.lease_owner == user)
        .values(lease_owner=None, lease_expires=None).execution_options(synchronize_session=False)
    )
    return len(held)


def claim_next(session: Session, user: str, filters: QueueFilter | None = None, *,
               after_id: int = 0, minutes: int = LEASE_MINUTES) -> int | None:
    """Lease the next open item (id > after_id, matching filters) nobody else holds; its id or None.

    The reviewer's other leases are released (they moved on). PostgreSQL: SELECT ... FOR UPDATE
    SKIP LOCKED, so concurrent reviewers skip each other's row. SQLite (one writer at a time): pick
    candidates, then a conditional UPDATE whose rowcount says whether we won the row.
    """
    return _claim(session, user, filters, ReviewItem.id > after_id, ReviewItem.id, minutes)


def claim_previous(session: Session, user: str, filters: QueueFilter | None = None, *,
                   before_id: int, minutes: int = LEASE_MINUTES) -> int | None:
    """Like `claim_next`, backwards: the open item before `before_id` matching the filters (the
    `k` key follows the queue's filter as `j` does)."""
    return _claim(session, user, filters, ReviewItem.id < before_id, ReviewItem.id.desc(), minutes)


def _claim(session: Session, user: str, filters: QueueFilter | None, bound, order, minutes: int) -> int | None:
    filters = filters or QueueFilter()
    now = _now()
    release_all(session, user)
    base = [*sql_conditions(filters.conditions(), session.get_bind().dialect.name),
            ReviewItem.state.in_(OPEN_STATES), _lease_free(user, now), bound,
            # A first approver does not get the item back for the second look.
            or_(ReviewItem.first_approver.is_(None), ReviewItem.first_approver != user)]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        item_id = session.execute(
            select(ReviewItem.id).where(*base).order_by(order).limit(1)
            .with_for_update(skip_locked=True)
        ).scalar_one_or_none()
        if item_id is None:
            return None
        session.execute(
            update(ReviewItem).where(ReviewItem.id == item_id)
            .values(lease_owner=user, lease_expires=now + timedelta(minutes=minutes))
            .execution_options(synchronize_session=False)
        )
        return item_id
    for _ in range(5):
        candidates = list(session.execute(
            select(ReviewItem.id).where(*base).order_by(order).limit(10)).scalars())
        if not candidates:
            return None
        for item_id in candidates:
            if lease(session, item_id, user, minutes):
                return item_id
    return None
