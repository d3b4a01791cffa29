"""One nightly batch: select work, suggest, check, enqueue — chunk by chunk, safe to rerun.

Work is every active concept with a Dutch term that has neither an active patient-friendly
term nor a review item for its current term (open, or decided for this very term — a
rejected proposal is not proposed again until the clinical term changes).

Each chunk is claimed (a row per concept in `work_claims` with a lease; `FOR UPDATE SKIP
LOCKED` on PostgreSQL), suggested and checked outside any transaction, then enqueued and
released in one transaction. A run killed midway leaves committed chunks enqueued and its
claims behind; the claims return to the pool when their lease ends, or at once when a run on
the same host finds their process dead. Enqueueing is idempotent (one open item per concept,
enforced by a unique index), so no concept is ever queued twice.
"""
from __future__ import annotations

import json
import os
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import polars as pl
from sqlalchemy import delete, exists, or_, select, text, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from review_queue.models import (
    OPEN_STATES,
    PROPOSED,
    Concept,
    PatientTerm,
    ReviewItem,
    Run,
    Suggestion,
    WorkClaim,
    search_words_expr,
)
from review_queue.store import load_tm
from terms.messages import message

SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def default_worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def default_lease_seconds() -> int:
    """How long a claimed chunk stays with its worker: `HELDER_LEASE_SECONDS`, else 15 minutes.

    Longer than any chunk takes (an LLM chunk included), short enough that a dead worker's
    chunk comes back the same night.
    """
    value = os.environ.get("HELDER_LEASE_SECONDS", "").strip()
    if not value:
        return 900
    if not value.isdigit() or int(value) < 1:
        raise ValueError(message("run.error.lease-setting", value=value))
    return int(value)


@dataclass
class RunOptions:
    suggester: str = "offline"  # offline | llm
    model: str | None = None
    limit: int | None = None
    chunk_size: int | None = None  # None: CHUNK_SIZE[suggester]
    lease_seconds: int | None = None  # None: default_lease_seconds()
    worker: str = field(default_factory=default_worker_name)
    llm: dict = field(default_factory=dict)  # options passed to pipeline.llm.suggest_llm
    config: dict | None = None
    # Offline runs: suggest the next chunk in a child process while this one is checked and enqueued
    # (the suggester is single-threaded Python, the checks and the database mostly are not, so on two
    # cores they overlap). None: when the run has at least AHEAD_MIN_CHUNKS chunks of work.
    suggest_ahead: bool | None = None


# Concepts claimed, checked and committed per step. Offline: big chunks, because the checker's batch
# work (blocking joins, cdist) costs less per proposal in bigger batches — 10,000 against 2,000 took
# 28% less CPU over 60,000 families-shaped concepts, for ~90 MB more memory. LLM: small chunks, so a
# claim is finished well inside its lease and a stop loses little.
CHUNK_SIZE = {"offline": 10_000, "llm": 2_000}
AHEAD_MIN_CHUNKS = 4  # below this a child's start-up (~2 s: imports, the suggester's indexes) is not won back


def pending_work_query(now: datetime, after: str | None = None):
    """Concepts that still need a proposal and are not claimed by a live worker (ids after `after`, if given)."""
    c = Concept
    has_tm = exists().where(PatientTerm.concept_id == c.id, PatientTerm.active, PatientTerm.preferred)
    has_item = exists().where(
        ReviewItem.concept_id == c.id,
        or_(ReviewItem.state.in_(OPEN_STATES), ReviewItem.source_term == c.term_nl),
    )
    claimed = exists().where(WorkClaim.concept_id == c.id, WorkClaim.lease_expires > now)
    query = (
        select(c.id, c.term_nl, c.fsn_en, c.semantic_tag)
        .where(c.active, c.term_nl.is_not(None), ~has_tm, ~has_item, ~claimed)
        .order_by(c.id)
    )
    return query.where(c.id > after) if after is not None else query


def count_pending(session: Session) -> int:
    from sqlalchemy import func

    q = pending_work_query(_now()).subquery()
    return session.execute(select(func.count()).select_from(q)).scalar_one()


def _release_dead_claims(session: Session, worker: str) -> None:
    """Claims of runs on this host whose process is gone return to the pool at once."""
    host = worker.rsplit(":", 1)[0]
    owners = session.execute(select(WorkClaim.worker).distinct()).scalars().all()
    dead = []
    for owner in owners:
        owner_host, _, pid = owner.rpartition(":")
        if owner_host != host or not pid.isdigit() or owner == worker:
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            dead.append(owner)
        except PermissionError:
            pass
    if dead:
        session.execute(delete(WorkClaim).where(WorkClaim.worker.in_(dead)))
        session.execute(
            update(Run).where(Run.worker.in_(dead), Run.status == "running")
            .values(status="interrupted", finished_at=_now())
        )


def claim_chunk(factory: sessionmaker[Session], run_id: int, opts: RunOptions, size: int) -> pl.DataFrame:
    """Claim up to `size` pending concepts for this worker; returns the work frame."""
    return claim_next(factory, run_id, opts, size)[0]


def claim_next(factory: sessionmaker[Session], run_id: int, opts: RunOptions, size: int,
               after: str | None = None) -> tuple[pl.DataFrame, str | None]:
    """Claim up to `size` pending concepts with ids after `after`: (work frame, last id looked at or None).

    The run walks the concepts in id order instead of searching from the first id each time:
    at 380k concepts, restarting from the top meant stepping over every concept already done,
    once per chunk. The frame can be empty while the id is not (another worker won every row).
    """
    now = _now()
    with factory() as session, session.begin():
        # A worker whose lease ran out is presumed dead: its run says so, its chunk goes back to the
        # pool. (Were it only slow, its own final save still marks the run completed.)
        expired = select(WorkClaim.run_id).where(WorkClaim.lease_expires <= now).distinct()
        session.execute(
            update(Run).where(Run.id.in_(expired), Run.status == "running", Run.worker != opts.worker)
            .values(status="interrupted", error=message("run.error.lease-expired"),
                    finished_at=now)
        )
        session.execute(delete(WorkClaim).where(WorkClaim.lease_expires <= now))
        query = pending_work_query(now, after).limit(size)
        if session.bind.dialect.name == "postgresql":
            # Two workers selecting at once skip each other's rows instead of waiting or duplicating.
            query = query.with_for_update(of=Concept, skip_locked=True)
        rows = session.execute(query).all()
        if not rows:
            return _work_frame([]), None
        expires = now + timedelta(seconds=opts.lease_seconds or default_lease_seconds())
        ids = [r[0] for r in rows]
        if session.bind.dialect.name == "postgresql":
            # one array parameter: a statement with 10,000 placeholders costs the driver more to
            # parse than the server to run
            claimed = set(session.execute(text(
                "INSERT INTO work_claims (concept_id, worker, run_id, lease_expires) "
                "SELECT unnest(CAST(:ids AS varchar[])), :worker, :run_id, :expires "
                "ON CONFLICT DO NOTHING RETURNING concept_id"),
                {"ids": ids, "worker": opts.worker, "run_id": run_id, "expires": expires}).scalars())
        else:
            frame = _stored(session, WorkClaim.__table__, pl.DataFrame({"concept_id": ids}, schema={"concept_id": pl.Utf8}),
                            {"worker": opts.worker, "run_id": run_id, "lease_expires": expires})
            claimed = {r[0] for r in _sqlite_insert_returning(session, WorkClaim.__tablename__, frame, "concept_id")}
    return _work_frame([r for r in rows if r[0] in claimed]), rows[-1][0]


def _among(column, ids: list[str], session: Session):
    """`column IN ids`; on PostgreSQL as `= ANY(array)`, one parameter instead of one per id."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy import String, any_, bindparam
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam("ids", ids, type_=ARRAY(String)))
    return column.in_(ids)


def _work_frame(rows) -> pl.DataFrame:
    return pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"conceptId": pl.Utf8, "term": pl.Utf8, "fsn": pl.Utf8, "semanticTag": pl.Utf8},
        orient="row",
    )


def _quoted(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)  # `similar` is an SQL keyword


def _pg_copy(session: Session, table: str, frame: pl.DataFrame) -> None:
    """COPY a frame's rows into a table (CSV; empty unquoted = NULL): at 2,000 suggestions a chunk,
    10× faster than a multi-VALUES insert."""
    cur = session.connection().connection.driver_connection.cursor()
    with cur, cur.copy(f"COPY {table} ({_quoted(frame.columns)}) FROM STDIN (FORMAT csv)") as copy:
        copy.write(frame.write_csv(include_header=False))


def _pg_insert_returning(session: Session, table: str, frame: pl.DataFrame, returning: str) -> list[tuple]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING for a frame's rows, through COPY into a temporary table."""
    cols = _quoted(frame.columns)
    cur = session.connection().connection.driver_connection.cursor()
    with cur:
        cur.execute(f"CREATE TEMP TABLE _helder_rows ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA")
        with cur.copy(f"COPY _helder_rows ({cols}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(frame.write_csv(include_header=False))
        cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _helder_rows ON CONFLICT DO NOTHING "
                    f"RETURNING {returning}")
        out = cur.fetchall()
        cur.execute("DROP TABLE _helder_rows")
    return out


# SQLite binds at most 32,766 values per statement (3.32+); a multi-row INSERT stays below it.
SQLITE_MAX_VALUES = 32_000


def _sqlite_insert_returning(session: Session, table: str, frame: pl.DataFrame, returning: str) -> list[tuple]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING for a frame's rows as multi-row VALUES statements
    through the driver: what SQLAlchemy's executemany does, without its per-value processing (a
    third of enqueue's time at 10,000 rows a chunk). The frame holds values as SQLite stores them."""
    per = max(1, SQLITE_MAX_VALUES // frame.width)
    out: list[tuple] = []
    connection = session.connection()
    for start in range(0, frame.height, per):
        part = frame.slice(start, per)
        row = "(" + ", ".join("?" * part.width) + ")"
        values = [v for r in part.iter_rows() for v in r]
        out += connection.exec_driver_sql(
            f"INSERT INTO {table} ({_quoted(part.columns)}) VALUES {', '.join([row] * part.height)} "
            f"ON CONFLICT DO NOTHING RETURNING {returning}", tuple(values)).all()
    return out


def _sqlite_insert(session: Session, table: str, frame: pl.DataFrame) -> None:
    """A frame's rows inserted by the driver's executemany (values as SQLite stores them)."""
    session.connection().exec_driver_sql(
        f"INSERT INTO {table} ({_quoted(frame.columns)}) VALUES ({', '.join('?' * frame.width)})", frame.rows())


def _stored(session: Session, table, frame: pl.DataFrame, constants: dict) -> pl.DataFrame:
    """`frame` plus the `constants` columns, each value as the database stores it: SQLite takes the
    column type's own bind processing (its DATETIME text, booleans as 0/1), PostgreSQL's COPY the
    CSV text (ISO times)."""
    dialect = session.bind.dialect
    values = {}
    for name, value in constants.items():
        if dialect.name == "postgresql":
            values[name] = value.isoformat() if isinstance(value, datetime) else value
        else:
            process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            values[name] = process(value) if process is not None and value is not None else value
    return frame.with_columns(**{name: pl.lit(v) for name, v in values.items()})


def _max_severity(details: list[dict]) -> str | None:
    best = max((SEVERITY_RANK.get(d.get("severity"), 0) for d in details), default=0)
    return {3: "error", 2: "warning", 1: "info"}.get(best)


def _with_severity(checked: pl.DataFrame) -> pl.DataFrame:
    """`checked` + maxSeverity (the worst severity in flagDetails, as `_max_severity`), flagDetails
    and similar as JSON text ('[]' when missing): read by polars for the whole chunk, so enqueue
    never parses JSON row by row (at 2,000 rows a chunk that was a quarter of enqueue's time)."""
    rank = (pl.col("flagDetails").fill_null("[]").replace("", "[]")
            .str.json_decode(pl.List(pl.Struct({"severity": pl.Utf8})))
            .list.eval(pl.element().struct.field("severity").replace_strict(SEVERITY_RANK, default=0,
                                                                            return_dtype=pl.Int8))
            .list.max().fill_null(0))
    return checked.with_columns(
        rank.replace_strict({3: "error", 2: "warning", 1: "info"}, default=None, return_dtype=pl.Utf8).alias("maxSeverity"),
        pl.col("flagDetails").fill_null("[]").replace("", "[]"),
        (pl.col("similar") if "similar" in checked.columns else pl.lit(None, pl.Utf8)).fill_null("[]").replace("", "[]")
        .alias("similar"))


def enqueue(factory: sessionmaker[Session], checked: pl.DataFrame, run_id: int, worker: str) -> int:
    """Store checked proposals as review items + suggestions and release the claims; returns items added.

    Built column-wise in polars and written in bulk (COPY on PostgreSQL, the driver's multi-row
    INSERT on SQLite): at 365,000 proposals a run, a dict and a bound value per cell was a quarter
    of the main process's time."""
    if checked.is_empty():
        return 0
    records = _with_severity(checked).with_columns(
        pl.col("conceptId").cast(pl.Utf8), search_words_expr(pl.col("term"), pl.col("suggestion")).alias("searchText"))
    text = lambda name: pl.col(name).cast(pl.Utf8) if name in records.columns else pl.lit(None, pl.Utf8)
    confidence = pl.col("confidence").cast(pl.Float64).fill_null(0.0)
    now = _now()  # one time for the chunk: its rows are written in one transaction
    with factory() as session, session.begin():
        postgres = session.bind.dialect.name == "postgresql"
        items = _stored(session, ReviewItem.__table__, records.select(
            pl.col("conceptId").alias("concept_id"), text("term").alias("source_term"),
            text("semanticTag").alias("semantic_tag"), text("suggestion").alias("proposal"), text("origin").alias("origin"),
            confidence.alias("confidence"), text("flags").fill_null("").alias("flags"),
            pl.col("maxSeverity").alias("max_severity"), pl.col("searchText").alias("search_text"),
        ), {"state": PROPOSED, "version": 1, "run_id": run_id, "created_at": now, "updated_at": now,
            "needs_second_review": False})
        insert_returning = _pg_insert_returning if postgres else _sqlite_insert_returning
        added = dict(insert_returning(session, ReviewItem.__tablename__, items, "concept_id, id"))
        if added:  # (another worker or an earlier run may have queued some already)
            ids = pl.DataFrame({"conceptId": list(added), "item_id": list(added.values())},
                               schema={"conceptId": pl.Utf8, "item_id": pl.Int64})
            mine = records.join(ids, on="conceptId")
            primary = mine.select(
                "item_id", pl.col("conceptId").alias("concept_id"), pl.lit(True).alias("is_primary"),
                text("suggestion").alias("text"), text("explanation").replace("", None).alias("explanation"),
                text("origin").alias("origin"), text("model").alias("model"), text("promptVersion").alias("prompt_version"),
                confidence.alias("confidence"), text("flags").fill_null("").alias("flags"),
                pl.col("flagDetails").alias("flag_details"), pl.col("similar").alias("similar"),
                *[(pl.col(c).cast(pl.Int64).fill_null(0) if c in mine.columns else pl.lit(0, pl.Int64)).alias(name)
                  for c, name in (("tokensIn", "tokens_in"), ("tokensOut", "tokens_out"))])
            suggestions = pl.concat([primary, _alternatives(mine, primary.schema)], how="vertical_relaxed")
            if not postgres:
                suggestions = suggestions.with_columns(pl.col("is_primary").cast(pl.Int8))  # SQLite's booleans
            suggestions = _stored(session, Suggestion.__table__, suggestions, {"run_id": run_id, "created_at": now})
            if postgres:
                _pg_copy(session, Suggestion.__tablename__, suggestions)
            else:
                _sqlite_insert(session, Suggestion.__tablename__, suggestions)
        session.execute(delete(WorkClaim).where(
            WorkClaim.worker == worker, _among(WorkClaim.concept_id, records["conceptId"].to_list(), session)
        ))
    return len(added)


def _alternatives(mine: pl.DataFrame, schema) -> pl.DataFrame:
    """The other suggester's answers, where it differed, as non-primary suggestion rows (`schema`
    as the primary rows): kept beside the primary one for the reviewer."""
    rows = []
    if "alternatives" in mine.columns:
        having = mine.filter(pl.col("alternatives").is_not_null() & ~pl.col("alternatives").is_in(["", "[]"]))
        for item_id, concept_id, alternatives in having.select("item_id", "conceptId", "alternatives").iter_rows():
            for alt in json.loads(alternatives):
                rows.append({
                    "item_id": item_id, "concept_id": concept_id, "is_primary": False,
                    "text": alt.get("suggestion") or alt.get("text") or "", "explanation": alt.get("explanation"),
                    "origin": alt.get("origin", "none"), "model": alt.get("model"), "prompt_version": None,
                    "confidence": float(alt.get("confidence") or 0.0), "flags": "", "flag_details": "[]",
                    "similar": "[]", "tokens_in": 0, "tokens_out": 0,
                })
    return pl.DataFrame(rows, schema=schema)


class _Progress:
    """A rich progress bar on a terminal; silent otherwise (cron logs stay clean)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar = None
        if enabled:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("[bold]helder run"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[note]}"), TimeRemainingColumn(), transient=False)
            self.bar.start()
            self.task = self.bar.add_task("run", total=total, note="")

    def advance(self, n: int, note: str = "") -> None:
        if self.bar:
            self.bar.update(self.task, advance=n, note=note)

    def close(self) -> None:
        if self.bar:
            self.bar.stop()


def _make_suggest(opts: RunOptions, tm: pl.DataFrame, factory, run: Run):
    from pipeline.offline import OfflineSuggester

    offline = OfflineSuggester(tm)
    if opts.suggester == "offline":
        return lambda work: (offline.suggest(work), False), None
    if opts.suggester != "llm":
        raise ValueError(f"--suggester must be offline or llm, not {opts.suggester!r}")
    from pipeline.llm import StoreCache, suggest_llm

    cache = StoreCache(factory)
    totals = Counter()

    def suggest(work: pl.DataFrame) -> tuple[pl.DataFrame, bool]:
        result = suggest_llm(work, tm, model=opts.model, settings=(opts.config or {}).get("llm"),
                             cache=cache, offline=offline, **opts.llm)
        for key, value in result.totals.items():
            if isinstance(value, (int, float)):
                totals[key] += value
        return result.proposals, bool(result.stopped_by_budget)

    return suggest, totals


_AHEAD: object = None  # the child's OfflineSuggester
_AHEAD_CHECKER: object = None  # the child's Checker, for AHEAD_CHECKS
# Row checks the suggest-ahead child runs on the proposals it made, so this process only runs the
# TM checks and the rest: the one that costs most per proposal (per distinct text, in Python),
# chosen so the two processes take about as long at full SNOMED scale, on the default release and
# on the families one. number-changed moved back here at stop 24: with the faster suggester the
# child was still the longer of the two on the families release (bench/results.md, issue 11).
AHEAD_CHECKS = ("repeated-concept",)


def _ahead_init(tm: pl.DataFrame, check_settings: dict | None = None) -> None:
    global _AHEAD, _AHEAD_CHECKER
    import threading

    from pipeline.offline import OfflineSuggester

    parent = os.getppid()

    def orphaned() -> None:
        # A parent killed outright (SIGKILL, OOM) never shuts the pool down, and the child holds both
        # ends of its own queue, so no EOF would tell it: it leaves when it is handed to another parent.
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=orphaned, daemon=True).start()
    from pipeline.checks import Checker

    _AHEAD = OfflineSuggester(tm)
    _AHEAD_CHECKER = Checker(tm, check_settings)


def _ahead_suggest(work: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, float, dict[str, float]]:
    """(proposals, findings of AHEAD_CHECKS in them, seconds suggesting, seconds per check so far)."""
    started = time.perf_counter()
    proposals = _AHEAD.suggest(work)
    seconds = time.perf_counter() - started
    found = _AHEAD_CHECKER.findings(proposals, AHEAD_CHECKS)
    return proposals, found, seconds, dict(_AHEAD_CHECKER.timings)


class _AheadSuggester:
    """The offline suggester and the row checks of AHEAD_CHECKS in one child process:
    `submit(work)` returns a future of `_ahead_suggest`'s answer. Spawned, not forked: the parent's
    polars thread pool must not be copied mid-flight. The child builds its own suggester and
    checker from the TM, as the parent would."""

    def __init__(self, tm: pl.DataFrame, check_settings: dict | None = None) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_ahead_init, initargs=(tm, check_settings))

    def submit(self, work: pl.DataFrame):
        return self.pool.submit(_ahead_suggest, work)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


class _Writer:
    """Enqueues chunks in one background thread, one at a time and in order, while the run checks
    the next chunk: the database's work — and the driver's, which leaves the GIL to other threads
    while it waits — overlaps the checks. `put(fn, *args)` first waits for the chunk before it
    (raising its error here), so at most one chunk is in hand; `drain()` waits for the last."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(1, thread_name_prefix="helder-enqueue")
        self.pending = None

    def put(self, fn, *args) -> None:
        self.drain()
        self.pending = self.pool.submit(fn, *args)

    def drain(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def run(factory: sessionmaker[Session], opts: RunOptions | None = None, progress: bool = False) -> Run:
    """Run one batch to the end (or to `opts.limit` concepts); returns the finished Run record."""
    from pipeline.checks import Checker

    opts = opts or RunOptions()
    if opts.chunk_size is None:
        opts.chunk_size = CHUNK_SIZE.get(opts.suggester, 2_000)
    if opts.lease_seconds is None:
        opts.lease_seconds = default_lease_seconds()
    t0 = time.perf_counter()
    with factory() as session, session.begin():
        _release_dead_claims(session, opts.worker)
        run_row = Run(suggester=opts.suggester, model=opts.model, worker=opts.worker, status="running",
                      counts={}, durations={})
        session.add(run_row)
        session.flush()
        run_id = run_row.id
        tm = load_tm(session)
        total = count_pending(session)
    if opts.limit is not None:
        total = min(total, opts.limit)
    durations = Counter({"load": time.perf_counter() - t0})
    counts: Counter = Counter({"pending": total, "tm_entries": tm.height})
    flags: Counter = Counter()
    origins: Counter = Counter()
    bar = _Progress(total, progress)
    status, error = "completed", None
    pool = None
    writer = _Writer()
    try:
        t = time.perf_counter()
        ahead = opts.suggest_ahead
        if ahead is None:
            ahead = total >= AHEAD_MIN_CHUNKS * opts.chunk_size
        if ahead and opts.suggester == "offline":
            pool = _AheadSuggester(tm, (opts.config or {}).get("checks"))  # started first: the child builds its suggester while we build the checker
            llm_totals = None
        else:
            suggest, llm_totals = _make_suggest(opts, tm, factory, run_row)
        checker = Checker(tm, (opts.config or {}).get("checks"))
        durations["prepare"] += time.perf_counter() - t

        def chunks():
            """Claimed work frames, in id order, until none is left (or `opts.limit` concepts)."""
            done, after = 0, None
            while opts.limit is None or done < opts.limit:
                size = opts.chunk_size if opts.limit is None else min(opts.chunk_size, opts.limit - done)
                t = time.perf_counter()
                work, last_seen = claim_next(factory, run_id, opts, size, after)
                durations["select"] += time.perf_counter() - t
                if last_seen is None:
                    if after is None:
                        return  # a walk from the first id found nothing: done
                    after = None  # once more from the top: chunks freed by dead workers, rows skipped while locked
                    continue
                after = last_seen
                if work.is_empty():
                    continue
                done += work.height
                yield work

        ahead_timings: dict[str, float] = {}  # the child's seconds per check, so far

        def finish(work: pl.DataFrame, proposals: pl.DataFrame, found=None) -> None:
            """Check a chunk's proposals (`found`: what the child's checks found in them already)
            and hand them to the writer."""
            t = time.perf_counter()
            checked = checker.check(proposals, found)
            durations["check"] += time.perf_counter() - t
            for name in set(checker.timings) | set(ahead_timings):  # per check, so a slow one shows
                durations[f"check.{name}"] = checker.timings.get(name, 0.0) + ahead_timings.get(name, 0.0)
            t = time.perf_counter()
            writer.put(store, work, checked)
            durations["enqueue.wait"] += time.perf_counter() - t

        def store(work: pl.DataFrame, checked: pl.DataFrame) -> None:
            """(The writer's thread) enqueue a chunk, release its claims, save the counts."""
            t = time.perf_counter()
            added = enqueue(factory, checked, run_id, opts.worker)
            durations["enqueue"] += time.perf_counter() - t
            counts["selected"] += work.height
            counts["proposed"] += added
            origins.update(checked["origin"].to_list())
            for f in checked["flags"].to_list():
                flags.update(x for x in (f or "").split(";") if x)
            bar.advance(work.height, f"{counts['proposed']} queued")
            # a copy: the other thread may add a key meanwhile (copying a dict is one step under the GIL)
            _save_progress(factory, run_id, counts, origins, flags, dict(durations), llm_totals)

        if pool is not None:
            # One chunk ahead: chunk k+1 is claimed and handed to the child before chunk k is checked,
            # so the child suggests (and runs AHEAD_CHECKS) while this process checks and enqueues.
            # "suggest" is the child's own suggesting time, "check.ahead" its checking time;
            # "suggest.wait" the time this process waited for it (what overlap did not hide).
            queue: list = []

            def collect() -> None:
                work, future = queue.pop(0)
                t = time.perf_counter()
                proposals, found, seconds, timings = future.result()
                durations["suggest.wait"] += time.perf_counter() - t
                durations["suggest"] += seconds
                durations["check.ahead"] = sum(timings.values())
                ahead_timings.update(timings)
                finish(work, proposals, (AHEAD_CHECKS, found))

            for work in chunks():
                queue.append((work, pool.submit(work)))
                if len(queue) > 1:
                    collect()
            while queue:
                collect()
        else:
            for work in chunks():
                t = time.perf_counter()
                proposals, stopped = suggest(work)
                durations["suggest"] += time.perf_counter() - t
                finish(work, proposals)
                if stopped:  # a budget ran out: what is done is kept, the rest waits for the next run
                    status = "stopped"
                    break
        writer.drain()
    except KeyboardInterrupt:
        status, error = "interrupted", message("run.error.operator")
        raise
    except DBAPIError as exc:
        # A restart or a network cut: say so in one line instead of a driver's traceback text.
        status, error = "failed", _database_error(exc, factory.kw["bind"].dialect.name)
        raise DatabaseError(error) from exc
    except Exception as exc:
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        writer.close()  # the chunk in hand is written (or fails) before the claims are let go
        if pool is not None:
            pool.close()
        bar.close()
        durations["total"] = time.perf_counter() - t0
        try:
            _release_claims(factory, opts.worker)
            _save_progress(factory, run_id, counts, origins, flags, durations, llm_totals, status=status, error=error)
        except Exception:
            if status == "completed":
                raise
    with factory() as session:
        return session.get(Run, run_id)


class DatabaseError(RuntimeError):
    """The database failed under a run (went away, refused a statement); committed chunks are kept."""


def _database_error(exc: DBAPIError, dialect: str) -> str:
    lines = [line.strip() for line in str(exc.orig if exc.orig is not None else exc).splitlines() if line.strip()]
    reason = lines[0] if lines else type(exc).__name__
    if exc.connection_invalidated or (dialect != "sqlite" and isinstance(exc, (OperationalError, InterfaceError))):
        return message("run.error.connection-lost", reason=reason)
    return message("run.error.database", reason=reason)


def _release_claims(factory, worker: str) -> None:
    with factory() as session, session.begin():
        session.execute(delete(WorkClaim).where(WorkClaim.worker == worker))


def _save_progress(factory, run_id, counts, origins, flags, durations, llm_totals, status=None, error=None) -> None:
    values = {
        "counts": {**dict(counts), "by_origin": dict(origins), "flags": dict(flags)},
        "durations": {k: round(v, 3) for k, v in durations.items()},
    }
    if llm_totals:
        values.update(
            tokens_in=int(llm_totals.get("tokens_in", 0)), tokens_out=int(llm_totals.get("tokens_out", 0)),
            requests=int(llm_totals.get("requests", 0)), cost=float(llm_totals.get("cost", 0.0)),
        )
    if status:
        values.update(status=status, error=error, finished_at=_now())
    with factory() as session, session.begin():
        session.execute(update(Run).where(Run.id == run_id).values(**values))
