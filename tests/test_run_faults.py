"""Faults an unattended batch meets, driven through the real `helder` command as subprocesses.

- a run killed with SIGKILL midway, then run again: nothing lost, nothing queued twice; the dead
  worker's claimed chunk comes back at once (same host, process gone) or when its lease ends
  (a worker on another machine);
- the database going away mid-run (PostgreSQL): the run stops with one clear line, the next
  run resumes;
- `helder nightly`: two at once (one exits 3), a malformed release (exit 4, nothing ingested),
  a normal night (report files with the documented keys).

Every test ingests the bundled sample (594 concepts, 292 with a patient-friendly term) and
checks the queue against the untranslated concepts read from the store before any run.
The runs are paused with SIGSTOP at the moment wanted (a chunk committed, the next one
claimed), so the tests do not depend on how fast the machine is.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, exists, func, select, text, update
from sqlalchemy.engine import make_url

from review_queue.db import open_store
from review_queue.models import Concept, Ingest, PatientTerm, ReviewItem, Run, Suggestion, WorkClaim
from review_queue.store import ingest_release
from terms.rf2 import read_release
from terms.sample import sample_path

HELDER = Path(sys.executable).with_name("helder")
SAMPLE_CONCEPTS, SAMPLE_TM = 594, 292


def _env(db_url: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("HELDER_CONFIG", "HELDER_LEASE_SECONDS")}
    env.update(HELDER_DB_URL=db_url, **extra)
    return env


def helder(*args: str, cwd: Path, env: dict, code: int | None = 0, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run([str(HELDER), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if code is not None:
        assert done.returncode == code, f"helder {' '.join(args)} → {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def start(*args: str, cwd: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([str(HELDER), *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


class Sample:
    """The sample ingested into a test database, and what a correct queue looks like."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine, self.factory = open_store(url)
        ingest_release(self.factory, read_release(sample_path("snapshot")), sample_path("snapshot"))
        with self.factory() as s:
            has_tm = exists().where(PatientTerm.concept_id == Concept.id, PatientTerm.active, PatientTerm.preferred)
            self.untranslated = set(s.execute(
                select(Concept.id).where(Concept.active, Concept.term_nl.is_not(None), ~has_tm)
            ).scalars())
        # The sample's own numbers: the store's answer must agree with what the files hold.
        assert len(self.untranslated) == SAMPLE_CONCEPTS - SAMPLE_TM

    def count(self, model, *where) -> int:
        with self.factory() as s:
            return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    def queued(self) -> Counter:
        """Review items per concept."""
        with self.factory() as s:
            return Counter(s.execute(select(ReviewItem.concept_id)).scalars())

    def claims(self) -> dict[str, tuple[str, datetime]]:
        with self.factory() as s:
            return {c: (w, exp) for c, w, exp in s.execute(
                select(WorkClaim.concept_id, WorkClaim.worker, WorkClaim.lease_expires))}

    def runs(self) -> list[Run]:
        with self.factory() as s:
            return s.execute(select(Run).order_by(Run.id)).scalars().all()

    def assert_everything_queued_once(self) -> None:
        queued = self.queued()
        assert set(queued) == self.untranslated, (
            f"lost: {sorted(self.untranslated - set(queued))[:5]}, extra: {sorted(set(queued) - self.untranslated)[:5]}")
        assert max(queued.values()) == 1, f"queued twice: {[c for c, n in queued.items() if n > 1][:5]}"
        with self.factory() as s:
            primaries = Counter(s.execute(select(Suggestion.item_id).where(Suggestion.is_primary)).scalars())
            items = set(s.execute(select(ReviewItem.id)).scalars())
        assert set(primaries) == items and max(primaries.values()) == 1
        assert self.count(WorkClaim) == 0

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def sample(db_url):
    s = Sample(db_url)
    yield s
    s.close()


def pause_midway(proc: subprocess.Popen, sample: Sample, timeout: float = 120) -> tuple[int, int]:
    """SIGSTOP the run once a chunk is committed and the next one is claimed; (items, claims) then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the run ended (exit {proc.returncode}) before it could be caught midway:\n{out}\n{err}")
        if sample.count(ReviewItem) and sample.count(WorkClaim):
            proc.send_signal(signal.SIGSTOP)
            items, claims = sample.count(ReviewItem), sample.count(WorkClaim)
            if items and claims and items < len(sample.untranslated):
                return items, claims
            proc.send_signal(signal.SIGCONT)  # caught between two chunks: let it go on a little
        time.sleep(0.005)
    proc.kill()
    pytest.fail("the run never had a committed chunk and a claimed one at the same time")


def kill_midway(proc: subprocess.Popen, sample: Sample) -> tuple[int, dict]:
    items, _ = pause_midway(proc, sample)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    claims = sample.claims()
    assert claims, "the killed worker held a claimed chunk"
    return items, claims


def test_run_killed_midway_then_rerun_loses_nothing_and_queues_nothing_twice(sample, tmp_path, db_url):
    env = _env(db_url)
    proc = start("run", "--chunk-size", "20", cwd=tmp_path, env=env)
    items, claims = kill_midway(proc, sample)
    assert 0 < items < len(sample.untranslated)
    assert {w for w, _ in claims.values()} == {f"{os.uname().nodename}:{proc.pid}"}
    assert [r.status for r in sample.runs()] == ["running"]  # it had no chance to say otherwise

    # Same host, process gone: the rerun takes the dead worker's chunk back at once (no lease wait).
    out = helder("run", "--chunk-size", "20", cwd=tmp_path, env=env).stdout
    assert f"{len(sample.untranslated) - items} voorstellen in de wachtrij" in out
    sample.assert_everything_queued_once()
    killed, rerun = sample.runs()
    assert (killed.status, rerun.status) == ("interrupted", "completed")
    # A third run finds nothing left to do.
    assert "0 voorstellen in de wachtrij" in helder("run", cwd=tmp_path, env=env).stdout
    sample.assert_everything_queued_once()


def test_killed_workers_chunk_on_another_machine_returns_when_its_lease_expires(sample, tmp_path, db_url):
    lease = 120  # long enough that the rerun below always ends inside it, however loaded the machine
    env = _env(db_url, HELDER_LEASE_SECONDS=str(lease))
    started = datetime.now(timezone.utc)
    proc = start("run", "--chunk-size", "20", "--worker", "machine-a:4242", cwd=tmp_path, env=env)
    items, claims = kill_midway(proc, sample)
    held = set(claims)
    assert {w for w, _ in claims.values()} == {"machine-a:4242"}
    expires = {exp if exp.tzinfo else exp.replace(tzinfo=timezone.utc) for _, exp in claims.values()}
    # The lease is the configured one, counted from the claim.
    assert all(started + timedelta(seconds=lease) <= e <= datetime.now(timezone.utc) + timedelta(seconds=lease)
               for e in expires)

    # Before the lease ends, a run on this host cannot know machine-a's worker is dead: it leaves
    # that chunk alone and does everything else.
    helder("run", "--chunk-size", "50", cwd=tmp_path, env=env)
    assert datetime.now(timezone.utc) < min(expires)
    queued = sample.queued()
    assert set(queued) == sample.untranslated - held and max(queued.values()) == 1
    assert set(sample.claims()) == held

    # The lease runs out (the clock is moved on rather than waited for): the chunk is back in the
    # pool and the next run finishes the work.
    with sample.factory() as s, s.begin():
        s.execute(update(WorkClaim).values(lease_expires=datetime.now(timezone.utc) - timedelta(seconds=1)))
    out = helder("run", cwd=tmp_path, env=env).stdout
    assert f"{len(held)} voorstellen in de wachtrij" in out
    sample.assert_everything_queued_once()
    killed, rerun, last = sample.runs()
    assert (killed.status, rerun.status, last.status) == ("interrupted", "completed", "completed")
    assert killed.error == "de claims van het werkproces zijn verlopen; het werkproces is vermoedelijk gestopt"
    status = helder("status", cwd=tmp_path, env=env).stdout
    assert "Wachtrij: voorgesteld " in status and "proposed" not in status and "Werkproces machine-a:4242" not in status  # no claims left


def test_bad_lease_setting_is_one_line(sample, tmp_path, db_url):
    done = helder("run", cwd=tmp_path, env=_env(db_url, HELDER_LEASE_SECONDS="soon"), code=None)
    assert done.returncode != 0
    assert "HELDER_LEASE_SECONDS" in done.stderr and "Traceback" not in done.stderr
    assert "HELDER_LEASE_SECONDS moet een geheel aantal seconden ≥ 1 zijn, niet 'soon'" in done.stderr
    assert sample.count(ReviewItem) == 0


# ---------------------------------------------------------------- the database going away


@pytest.fixture
def pg_admin(pg_server_url):
    engine = create_engine(pg_server_url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_database_lost_mid_run_fails_with_one_line_and_the_next_run_resumes(pg_url, pg_admin, tmp_path):
    sample = Sample(pg_url)
    try:
        env = _env(pg_url)
        name = make_url(pg_url).database
        proc = start("run", "--chunk-size", "20", cwd=tmp_path, env=env)
        items, _ = pause_midway(proc, sample)
        sample.engine.dispose()
        # The database goes away under the paused run: every connection to it is cut and new ones
        # are refused, as during a restart (only this test's database, the server stays up).
        with pg_admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
        try:
            proc.send_signal(signal.SIGCONT)
            out, err = proc.communicate(timeout=120)
        finally:
            with pg_admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        assert proc.returncode == 1, (out, err)
        message = err.strip()
        assert message.count("\n") == 0, message
        assert message.startswith("helder: run mislukt: verbinding met de database verbroken (")
        assert message.endswith("(start `helder run` opnieuw om verder te gaan)")
        assert "Traceback" not in message and "sqlalche.me" not in message

        # The database is back: the next run resumes and nothing is lost or queued twice.
        out = helder("run", "--chunk-size", "20", cwd=tmp_path, env=env).stdout
        assert f"{len(sample.untranslated) - items} voorstellen in de wachtrij" in out
        sample.assert_everything_queued_once()
        statuses = [r.status for r in sample.runs()]
        assert statuses[-1] == "completed" and statuses[0] in ("failed", "interrupted")
    finally:
        sample.close()


# ---------------------------------------------------------------- nightly


def _inbox_with(tmp_path: Path, name: str = "SnomedCT_NL_20250930") -> Path:
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    shutil.copytree(sample_path("snapshot"), inbox / name)
    return inbox


@pytest.fixture
def empty_store(db_url):
    engine, factory = open_store(db_url)
    yield factory
    engine.dispose()


def _count(factory, model, *where) -> int:
    with factory() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _reports(folder: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("nightly-*.json"))]


def test_nightly_normal_night_writes_report_with_documented_keys(empty_store, tmp_path, db_url):
    inbox, env = _inbox_with(tmp_path), _env(db_url)
    done = helder("nightly", "--inbox", str(inbox), "--reports", "reports", cwd=tmp_path, env=env)
    assert ": klaar (exitcode 0)" in done.stdout
    (report,) = _reports(tmp_path / "reports")
    assert {"started_at", "finished_at", "exit_code", "outcome", "ingest", "run", "durations"} <= set(report)
    assert report["exit_code"] == 0
    ingest, run = report["ingest"], report["run"]
    assert ingest["concepts_new"] == SAMPLE_CONCEPTS and ingest["concepts_changed_term"] == 0
    assert ingest["tm_added"] == SAMPLE_TM and ingest["effective_time"] == "20250930"
    assert run["status"] == "completed" and run["proposed"] == SAMPLE_CONCEPTS - SAMPLE_TM
    assert sum(run["by_origin"].values()) == run["proposed"]
    assert {"flags", "requests", "tokens_in", "tokens_out", "cost"} <= set(run)
    assert all(isinstance(v, int) and v > 0 for v in run["flags"].values())
    assert {"ingest", "run", "total"} <= set(report["durations"])
    assert (tmp_path / "reports" / f"nightly-{report['started_at']}.txt").read_text().startswith("helder nightly")
    assert _count(empty_store, ReviewItem) == SAMPLE_CONCEPTS - SAMPLE_TM

    # The next night finds nothing newer in the inbox and nothing left to propose.
    time.sleep(1.1)  # report files are named by the second they started
    helder("nightly", "--inbox", str(inbox), "--reports", "reports", cwd=tmp_path, env=env)
    second = _reports(tmp_path / "reports")[-1]
    assert second["ingest"] is None and second["run"]["proposed"] == 0 and second["exit_code"] == 0
    assert _count(empty_store, Ingest) == 1


def test_nightly_refuses_a_malformed_release_and_ingests_nothing(empty_store, tmp_path, db_url):
    inbox = _inbox_with(tmp_path)
    path = next(inbox.rglob("sct2_Description_*"))
    lines = path.read_bytes().split(b"\r\n")
    lines[10] = lines[10].replace(b"\t", b" ", 2)  # two columns run together
    path.write_bytes(b"\r\n".join(lines))
    done = helder("nightly", "--inbox", str(inbox), "--reports", "reports", cwd=tmp_path, env=_env(db_url), code=4)
    (report,) = _reports(tmp_path / "reports")
    assert report["exit_code"] == 4 and f"{path.name}:11" in report["outcome"] and report["run"] is None
    assert "release geweigerd: " in done.stdout
    for model in (Concept, Ingest, PatientTerm, ReviewItem, Run):
        assert _count(empty_store, model) == 0, model.__name__


def test_two_nightlies_at_once_one_exits_locked(empty_store, tmp_path, db_url):
    inbox, env = _inbox_with(tmp_path), _env(db_url)
    procs = [start("nightly", "--inbox", str(inbox), "--reports", f"reports{i}", cwd=tmp_path, env=env)
             for i in range(2)]
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 3], results
    locked_out = next(out for code, out, _ in results if code == 3)
    assert "een andere helder nightly houdt" in locked_out
    # Only one night worked: one ingest, one run, every concept queued once.
    assert _count(empty_store, Ingest) == 1 and _count(empty_store, Run) == 1
    assert _count(empty_store, ReviewItem) == SAMPLE_CONCEPTS - SAMPLE_TM
    reports = _reports(tmp_path / "reports0") + _reports(tmp_path / "reports1")
    assert sorted(r["exit_code"] for r in reports) == [0, 3]


def test_nightly_exits_locked_at_once_while_the_lock_is_held(empty_store, tmp_path, db_url):
    """The lock itself, held by hand: the nightly exits 3 at once and touches nothing."""
    inbox, env = _inbox_with(tmp_path), _env(db_url)
    from pipeline.nightly import night_lock

    engine = empty_store.kw["bind"]
    lock_file = Path(make_url(db_url).database + ".nightly.lock") if db_url.startswith("sqlite") else None
    with night_lock(engine, lock_file):
        done = helder("nightly", "--inbox", str(inbox), "--reports", "reports", cwd=tmp_path, env=env, code=3)
    assert "een andere helder nightly houdt" in done.stdout and "(exitcode 3)" in done.stdout
    assert _count(empty_store, Ingest) == 0 and _count(empty_store, Run) == 0
    # Released: the next night runs.
    helder("nightly", "--inbox", str(inbox), "--reports", "reports", cwd=tmp_path, env=env)
    assert _count(empty_store, ReviewItem) == SAMPLE_CONCEPTS - SAMPLE_TM
