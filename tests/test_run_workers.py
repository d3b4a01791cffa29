"""Two `helder run` workers against one database at the same time: disjoint work, all done once.

Both workers are real subprocesses started together. To make them really overlap (rather than
one finishing before the other has imported its libraries) the test holds a lock that both
block on in their first database statement, and lets go once both are waiting. On PostgreSQL
that is `LOCK TABLE work_claims` and pg_stat_activity shows when both wait; on SQLite it is
the database write lock (BEGIN IMMEDIATE), held until both processes have had time to start.
"""
from __future__ import annotations

import sqlite3
import time
from collections import Counter

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from review_queue.models import ReviewItem, WorkClaim
from test_run_faults import Sample, _env, start


@pytest.fixture
def sample(db_url):
    s = Sample(db_url)
    yield s
    s.close()


class _Gate:
    """Holds the workers at their first write (SQLite) or first touch of work_claims (PostgreSQL)."""

    def __init__(self, db_url: str) -> None:
        self.url = db_url
        self.pg = not db_url.startswith("sqlite")
        if self.pg:
            self.engine = create_engine(db_url)
            self.conn = self.engine.connect()
            self.conn.execute(text("LOCK TABLE work_claims IN ACCESS EXCLUSIVE MODE"))
        else:
            self.conn = sqlite3.connect(make_url(db_url).database, isolation_level=None, timeout=30)
            self.conn.execute("BEGIN IMMEDIATE")

    def wait_for(self, n: int, procs, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            if self.pg:
                with self.engine.connect() as c:
                    waiting = c.execute(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")).scalar_one()
                if waiting >= n:
                    return
                time.sleep(0.05)
            else:
                # SQLite cannot say who waits on its lock; both are started within ~2 s on any machine.
                time.sleep(3)
                return
        pytest.fail(f"fewer than {n} workers reached the database in {timeout}s")

    def open(self) -> None:
        if self.pg:
            self.conn.rollback()
            self.conn.close()
            self.engine.dispose()
        else:
            self.conn.execute("ROLLBACK")
            self.conn.close()


@pytest.mark.timeout(900)  # two child processes on two cores: under load it ran past the global 300 s
def test_two_workers_at_once_share_the_work_without_overlap(sample, tmp_path, db_url):
    env = _env(db_url)
    gate = _Gate(db_url)
    try:
        procs = [start("run", "--chunk-size", "10", "--worker", f"worker-{i}:{i}", cwd=tmp_path, env=env)
                 for i in range(2)]
        gate.wait_for(2, procs)
    finally:
        gate.open()
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    assert [code for code, _, _ in results] == [0, 0], results

    # Everything done once: each untranslated concept has exactly one review item.
    sample.assert_everything_queued_once()
    runs = sample.runs()
    assert sorted(r.worker for r in runs) == ["worker-0:0", "worker-1:1"]
    assert all(r.status == "completed" for r in runs)
    # Disjoint: no concept was selected by both workers (selected counts add up to the work, not more).
    selected = [r.counts["selected"] for r in runs]
    assert sum(selected) == len(sample.untranslated), selected
    assert sum(r.counts["proposed"] for r in runs) == len(sample.untranslated)
    # Both worked: each queued some of the items, and the items say which run made them.
    with sample.factory() as s:
        from sqlalchemy import select

        by_run = Counter(s.execute(select(ReviewItem.run_id)).scalars())
    assert set(by_run) == {r.id for r in runs} and all(n > 0 for n in by_run.values()), by_run
    assert {r.id: r.counts["proposed"] for r in runs} == dict(by_run)
    assert sample.count(WorkClaim) == 0
