"""`helder nightly`: ingest every waiting release, oldest first, run the batch, write a report.

Meant for cron or a systemd timer. One night at a time: a lock (a PostgreSQL advisory lock on
PostgreSQL, an flock'ed file beside the database on SQLite) makes a second start exit at once
with EXIT_LOCKED instead of working beside the first. Every stage is logged (JSON lines with
`--log-json`) and timed; the report says what the night did, in JSON and in a short summary.

Releases in the inbox newer than the newest one ingested are applied in date order (a Delta
depends on the one before it); one that is refused stops the chain there, and the ones before
it stay applied. A release with nothing for helder (no Dutch terms: an international or another
country's edition) is skipped and named in the report, and the next one is applied.

Exit codes (documented in README and `helder nightly --help`):
  0 done (or nothing to do) · 3 another nightly holds the lock · 4 a waiting release was refused
  (it and everything after it not ingested; the report names file and line) · 5 the run failed
  (rerun resumes it) · 6 stopped by an LLM budget (the next night continues)
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from review_queue.models import Ingest
from terms.messages import message

EXIT_OK, EXIT_LOCKED, EXIT_INGEST, EXIT_RUN, EXIT_BUDGET = 0, 3, 4, 5, 6
LOCK_KEY = 0x68656C64  # "held": the advisory lock id on PostgreSQL
_DATE = re.compile(r"(\d{8})(?:T\d+Z?)?(?:\.zip)?$")

log = logging.getLogger("helder.nightly")


class JsonLogFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any `extra` fields."""

    RESERVED = set(vars(logging.makeLogRecord({})))

    def format(self, record: logging.LogRecord) -> str:
        doc = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
               "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        doc.update({k: v for k, v in vars(record).items() if k not in self.RESERVED and not k.startswith("_")})
        return json.dumps(doc, ensure_ascii=False, default=str)


class UtcLogFormatter(logging.Formatter):
    """'2026-11-24T01:15:02.123+00:00 INFO nightly started': the time in UTC with its offset, as in
    the JSON lines, `helder status` and `helder release list`; a local time without a zone is
    ambiguous (twice a year an hour happens twice)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")


def configure_logging(json_lines: bool, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter() if json_lines else UtcLogFormatter())
    root = logging.getLogger("helder")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


class Locked(RuntimeError):
    """Another nightly is running."""


@contextlib.contextmanager
def night_lock(engine, lock_file: Path | None = None):
    """Hold the one-night-at-a-time lock for the duration of the block, or raise Locked."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar():
                raise Locked(message("run.nightly.locked-db"))
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                conn.commit()
        return
    path = lock_file or Path(str(engine.url.database or "helder.db") + ".nightly.lock")
    handle = open(path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Locked(message("run.nightly.locked-file", path=path)) from None
        handle.seek(0), handle.truncate(), handle.write(f"{os.getpid()}\n"), handle.flush()
        yield
    finally:
        handle.close()  # closing releases the flock, also when the process is killed


def release_date(path: Path) -> str | None:
    """The YYYYMMDD a release folder or zip is named for (SNOMED packages end in the date), else
    the newest VersionDate in its RF2 file names (…_NL1000146_20250930.txt)."""
    from terms.rf2 import classify, parse_name

    m = _DATE.search(path.name)
    if m:
        return m.group(1)
    if path.is_dir():
        names = [f.name for f in path.rglob("*.txt")]
    elif zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as z:
                names = [n.replace("\\", "/") for n in z.namelist()]
        except (zipfile.BadZipFile, OSError):
            return None  # undated: not picked up, as a file that is no release
    else:
        return None
    return max((parse_name(n).version_date for n in names if classify(n)), default=None)


def waiting_releases(inbox: Path, session: Session) -> list[tuple[Path, str]]:
    """Every release (folder or zip) in `inbox` dated after the newest one ingested, oldest first.

    Two packages of one date go in name order (a Snapshot before a Delta of the same date is
    the usual pair; either way the later one only rewrites what it holds).
    """
    done = session.execute(select(Ingest.effective_time)).scalars().all()
    last = max(done, default="")
    candidates = []
    for entry in inbox.iterdir():
        if entry.name.startswith(".") or not (entry.is_dir() or entry.suffix.lower() == ".zip"):
            continue
        date = release_date(entry)
        if date and date > last:
            candidates.append((date, entry.name, entry))
    return [(entry, date) for date, _, entry in sorted(candidates)]


@dataclass
class NightReport:
    started_at: str
    finished_at: str = ""
    exit_code: int = EXIT_OK
    outcome: str = ""
    ingest: dict | None = None  # the last release applied (None: none was)
    ingests: list = field(default_factory=list)  # every release applied tonight, oldest first
    skipped: list = field(default_factory=list)  # releases with nothing for helder: path, reason
    refused: dict | None = None  # the release that stopped the chain: path, reason, later (not ingested after it)
    waiting: int | None = None  # releases found waiting in the inbox (None: the inbox was not looked at)
    run: dict | None = None
    durations: dict = field(default_factory=dict)

    def summary(self) -> str:
        """The report people read (stdout and the .txt), in Dutch; the JSON keeps the codes."""
        from review_queue.labels import run_status

        lines = [message("run.nightly.head", started=self.started_at, outcome=self.outcome, code=self.exit_code)]
        for i in self.ingests:
            lines.append(message("run.nightly.ingest", path=i["path"], kind=i["kind"], effective_time=i["effective_time"],
                                 summary=i["summary"]))
        for s in self.skipped:
            lines.append(message("run.nightly.skipped", path=s["path"], reason=s["reason"]))
        if self.refused:
            lines.append(message("run.nightly.refused-release", path=self.refused["path"]))
            if self.refused["later"]:
                lines.append(message("run.nightly.refused-later", n=self.refused["later"]))
        if self.waiting == 0:  # looked and found nothing; not when locked out or without --inbox
            lines.append(message("run.nightly.no-release"))
        if self.run:
            r = self.run
            flags = ", ".join(f"{k} {v}" for k, v in sorted(r["flags"].items())) or message("run.nightly.no-flags")
            lines.append(message("run.nightly.run", id=r["id"], status=run_status(r["status"]), proposed=r["proposed"],
                                 flags=flags))
            lines.append(message("run.nightly.llm", requests=r["requests"], tokens_in=r["tokens_in"],
                                 tokens_out=r["tokens_out"], cost=f"{r['cost']:.4f}".replace(".", ",")))
        lines.append(message("run.nightly.durations", durations=", ".join(
            f"{k} {v:.1f} s" for k, v in self.durations.items())))
        return "\n".join(lines)


def nightly(engine, factory: sessionmaker[Session], inbox: Path | None, report_dir: Path, run_options,
            lock_file: Path | None = None, progress: bool = False) -> NightReport:
    """One night: every waiting release in `inbox`, oldest first → run → report files in report_dir.

    The report's `ingests` lists each release applied (its counts and summary line), `ingest`
    the last of them, `skipped` the releases with nothing for helder; see the module docstring
    for the order rules and exit codes.
    """
    from pipeline.run import run
    from review_queue.store import NothingForHelder, ingest_release
    from terms.rf2 import RF2Error, read_release

    report = NightReport(started_at=datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
    t_night = time.perf_counter()
    try:
        with night_lock(engine, lock_file):
            log.info("nightly started", extra={"inbox": str(inbox) if inbox else None})
            if inbox is not None:
                t = time.perf_counter()
                with factory() as session:
                    waiting = waiting_releases(inbox, session)
                report.waiting = len(waiting)
                for n, (path, date) in enumerate(waiting):
                    log.info("ingesting", extra={"path": str(path), "effective_time": date})
                    try:
                        ingest_report = ingest_release(factory, read_release(path), path)
                    except NothingForHelder as exc:
                        report.skipped.append({"path": str(path), "reason": " ".join(str(exc).split())})
                        log.warning("release skipped: nothing for helder", extra={"path": str(path), "error": str(exc)})
                        continue
                    except (RF2Error, ValueError) as exc:
                        report.refused = {"path": str(path), "reason": " ".join(str(exc).split()),
                                          "later": len(waiting) - n - 1}
                        report.exit_code, report.outcome = EXIT_INGEST, message("run.nightly.refused",
                                                                             reason=" ".join(str(exc).split()))
                        log.error("release refused", extra={"path": str(path), "error": str(exc)})
                        report.durations["ingest"] = time.perf_counter() - t
                        return _finish(report, report_dir, t_night)
                    report.ingest = {"path": str(path), **ingest_report.as_dict(), "summary": ingest_report.summary()}
                    report.ingests.append(report.ingest)
                    log.info("ingested", extra=ingest_report.as_dict())
                report.durations["ingest"] = time.perf_counter() - t
            t = time.perf_counter()
            try:
                record = run(factory, run_options, progress=progress)
            except Exception as exc:  # the run records its own failure; the night says where it stopped
                report.exit_code, report.outcome = EXIT_RUN, message("run.nightly.run-failed", reason=" ".join(str(exc).split()))
                log.error("run failed", extra={"error": str(exc)})
                return _finish(report, report_dir, t_night)
            report.durations["run"] = time.perf_counter() - t
            for stage, seconds in (record.durations or {}).items():
                if stage != "total":
                    report.durations[f"run.{stage}"] = float(seconds)
            counts = record.counts or {}
            report.run = {"id": record.id, "status": record.status, "proposed": counts.get("proposed", 0),
                          "selected": counts.get("selected", 0), "by_origin": counts.get("by_origin", {}),
                          "flags": counts.get("flags", {}), "requests": record.requests,
                          "tokens_in": record.tokens_in, "tokens_out": record.tokens_out, "cost": record.cost}
            log.info("run finished", extra=report.run)
            if record.status == "stopped":
                report.exit_code, report.outcome = EXIT_BUDGET, message("run.nightly.budget")
            else:
                report.outcome = message("run.nightly.done")
            if report.skipped:
                report.outcome += "; " + message("run.nightly.skipped-count", n=len(report.skipped))
    except Locked as exc:
        report.exit_code, report.outcome = EXIT_LOCKED, str(exc)
        log.warning("locked", extra={"error": str(exc)})
    return _finish(report, report_dir, t_night)


def _finish(report: NightReport, report_dir: Path, t_night: float) -> NightReport:
    report.durations["total"] = time.perf_counter() - t_night
    report.finished_at = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    report_dir.mkdir(parents=True, exist_ok=True)
    stem = report_dir / f"nightly-{report.started_at}"
    stem.with_suffix(".json").write_text(json.dumps(report.__dict__, indent=2, default=str) + "\n", encoding="utf-8")
    stem.with_suffix(".txt").write_text(report.summary() + "\n", encoding="utf-8")
    log.info("nightly finished", extra={"exit_code": report.exit_code, "report": str(stem.with_suffix(".json"))})
    return report
