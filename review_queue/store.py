"""Moving SNOMED releases and TM pairs into the store, and the TM back out as a frame.

Ingest works the same for a Snapshot, a Full (already collapsed by the reader) and a Delta:
rows are upserted by id, and the per-concept fields helder works with (the Dutch clinical
term, FSNs, semantic tag) are derived again for every concept the release touched. A concept
whose Dutch term changed marks its patient-friendly term and open review items `stale-source`
and goes back to the queue; an inactivated concept's open items are withdrawn. The IS-A rows of
a release's relationship files update the concepts' parents (review_queue.hierarchy); a Delta
changes only the links it names.
Everything happens in one transaction: a release either lands whole or not at all.

Refused before anything is written (IngestRefused, one line): a release older than one already
ingested (unless `allow_older`), a release with nothing for helder (no Dutch descriptions, no
Dutch or patient-friendly refset members, no concepts in a Dutch module), and patient-friendly
terms for a concept that is neither in the release nor in the store.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Sequence

import polars as pl
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from review_queue.decisions import item_snapshot
from review_queue.hierarchy import store_parents
from review_queue.models import (
    OPEN_STATES,
    PROPOSED,
    REJECTED,
    WITHDRAWN_BY,
    AuditLog,
    Concept,
    Decision,
    Description,
    Ingest,
    PatientTerm,
    ReviewItem,
    Suggestion,
    search_words,
)
from terms import config as C
from terms.messages import message
from terms.text import TermError, validate_explanation, validate_term

CHUNK = 5_000
WHOLE_TABLE = 50_000  # above this many keys, one scan of a table beats IN lists
BULK_REBUILD = 200_000  # rows: a first load this big goes in before its table's keys and indexes
STALE_FLAG = {
    "code": "stale-source",
    "severity": "warning",
    "related": [],
}


def _chunks(rows: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _now() -> datetime:
    return datetime.now(timezone.utc)


class IngestRefused(ValueError):
    """A release helder will not ingest; `str()` is one line naming the release and why."""


class OlderRelease(IngestRefused):
    """The release is older than one already ingested (DESIGN.md: releases go in date order)."""


class NothingForHelder(IngestRefused):
    """The release holds nothing helder works with (no Dutch terms for any concept)."""


QUARANTINE_LISTED = 100  # quarantined rows named in the report (all are counted)


@dataclass
class IngestReport:
    kind: str
    effective_time: str
    concepts_new: int = 0
    concepts_changed_term: int = 0
    concepts_inactivated: int = 0
    descriptions: int = 0
    descriptions_written: int = 0  # new or changed: what this release altered
    tm_added: int = 0
    tm_retired: int = 0
    requeued_stale: int = 0
    withdrawn_items: int = 0
    quarantined: int = 0  # rows kept out: their text breaks the term rules (terms.text)
    quarantine: list[dict] = field(default_factory=list)  # the first QUARANTINE_LISTED: file, line, id, message
    relationships: int = 0  # IS-A relationship rows in the release
    parents_added: int = 0  # IS-A links (concept → parent) the release added to the store
    parents_removed: int = 0  # and the ones it inactivated
    changed_concepts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d.pop("changed_concepts")
        return d

    def summary(self) -> str:
        """One line for people, in Dutch: what the release added, changed, retired and withdrew."""
        parts = [message("files.ingest.summary.new", n=self.concepts_new),
                 message("files.ingest.summary.changed", n=self.concepts_changed_term),
                 message("files.ingest.summary.inactivated", n=self.concepts_inactivated),
                 message("files.ingest.summary.tm-added", n=self.tm_added),
                 message("files.ingest.summary.tm-retired", n=self.tm_retired),
                 message("files.ingest.summary.withdrawn", n=self.withdrawn_items)]
        if self.requeued_stale:
            parts.append(message("files.ingest.summary.stale", n=self.requeued_stale))
        if self.relationships or self.parents_added or self.parents_removed:
            parts.append(message("files.ingest.summary.parents", added=self.parents_added,
                                 removed=self.parents_removed))
        line = ", ".join(parts)
        if self.quarantined:
            first = self.quarantine[0] if self.quarantine else {}
            line += "; " + message("files.ingest.summary.quarantined", n=self.quarantined, file=first.get("file"),
                                   line=first.get("line"), reason=first.get("message"))
        return line


def semantic_tag_expr(col: str) -> pl.Expr:
    """'Acute appendicitis (disorder)' → 'disorder'."""
    return pl.col(col).str.extract(r"\(([^()]+)\)\s*$", 1)


def _acceptability(descriptions, members, refsets: list[str]):
    """Descriptions (frame or lazy frame) with their acceptability id in the given language refsets (null when none)."""
    acc = (
        members.lazy().filter(pl.col("active") & pl.col("refsetId").is_in(refsets))
        .select(pl.col("referencedComponentId").alias("id"), "acceptabilityId", "refsetId")
        # Preferred wins when a description is in more than one of these refsets.
        .sort("acceptabilityId", descending=False)
        .unique("id", keep="first")
    )
    joined = descriptions.lazy().join(acc, on="id", how="left")
    return joined if isinstance(descriptions, pl.LazyFrame) else joined.collect()


def derive_concept_terms(desc: pl.DataFrame) -> pl.DataFrame:
    """Per concept: term_nl (preferred Dutch synonym), fsn_nl, fsn_en, semantic_tag.

    `desc` has conceptId, languageCode, typeId, term, active, acceptabilityId.
    """
    lf = desc.lazy().select("conceptId", "languageCode", "typeId", "term", "active", "acceptabilityId")
    active = lf.filter(pl.col("active"))
    pref = pl.col("acceptabilityId") == C.PREFERRED

    def pick(frame: pl.LazyFrame, name: str) -> pl.LazyFrame:
        # Preferred first, then any; stable by term so reruns give the same answer.
        return (
            frame.sort([pl.col("acceptabilityId") != C.PREFERRED, "term"])
            .unique("conceptId", keep="first", maintain_order=True)
            .select("conceptId", pl.col("term").alias(name))
        )

    nl = active.filter(pl.col("languageCode").str.starts_with("nl"))
    en = active.filter(pl.col("languageCode").str.starts_with("en"))
    term_nl = pick(nl.filter((pl.col("typeId") == C.SYNONYM) & pref), "term_nl")
    fsn_nl = pick(nl.filter(pl.col("typeId") == C.FSN), "fsn_nl")
    fsn_en = pick(en.filter(pl.col("typeId") == C.FSN), "fsn_en")
    ids = lf.select("conceptId").unique()
    out = ids.join(term_nl, on="conceptId", how="left").join(fsn_nl, on="conceptId", how="left")
    out = out.join(fsn_en, on="conceptId", how="left")
    return out.with_columns(
        semantic_tag=pl.coalesce(semantic_tag_expr("fsn_en"), semantic_tag_expr("fsn_nl"))
    ).collect()


def _existing(session: Session, column, ids: list[str], *cols) -> pl.DataFrame:
    frames = []
    for chunk in _chunks(ids, 20_000):
        rows = session.execute(select(*cols).where(column.in_(chunk))).all()
        if rows:
            frames.append(pl.DataFrame([tuple(r) for r in rows], schema=[c.key for c in cols], orient="row"))
    if not frames:
        return pl.DataFrame(schema={c.key: pl.Utf8 for c in cols})
    return pl.concat(frames, how="vertical_relaxed")


def _store_frame(session: Session, key, ids, cols: list, schema: dict) -> pl.DataFrame:
    """Store rows (`cols`) whose `key` is in `ids`: IN lists for a few keys, one table scan for many."""
    ids = pl.Series("k", ids, dtype=pl.Utf8).unique()
    names = [c.key for c in cols]
    empty = pl.DataFrame(schema={n: schema.get(n, pl.Utf8) for n in names})
    if ids.is_empty():
        return empty
    if ids.len() > WHOLE_TABLE:
        frame = _scan_table(session, cols, names, schema)
        if frame.is_empty():
            return empty
        frame = frame.filter(pl.col(key.key).is_in(ids.implode()))
    else:
        rows = [r for chunk in _chunks(ids.to_list(), 20_000) for r in session.execute(select(*cols).where(key.in_(chunk))).all()]
        if not rows:
            return empty
        frame = pl.DataFrame([tuple(r) for r in rows], schema=names, orient="row")
    return frame.with_columns(pl.col(n).cast(schema.get(n, pl.Utf8), strict=False) for n in names)


def _scan_table(session: Session, cols: list, names: list[str], schema: dict) -> pl.DataFrame:
    """Every row of `cols` as a frame, without a Python object per row where the driver allows.

    PostgreSQL: COPY … TO STDOUT as CSV, parsed by polars. SQLite: the raw cursor in batches.
    (3.4M descriptions through ORM rows took 11 s and a GB of tuples.)
    """
    sql = str(select(*cols).compile(dialect=session.bind.dialect))
    raw = session.connection().connection.driver_connection
    if session.bind.dialect.name == "postgresql":
        data = bytearray()
        with raw.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
            for block in copy:
                data += block
        if not data:
            return pl.DataFrame(schema=dict.fromkeys(names, pl.Utf8))
        frame = pl.read_csv(bytes(data), has_header=False, new_columns=names, infer_schema=False)
        # PostgreSQL writes booleans as t/f.
        return frame.with_columns(pl.col(n) == "t" for n in names if schema.get(n) == pl.Boolean)
    cur = raw.cursor()
    try:
        cur.execute(sql)
        frames = []
        while batch := cur.fetchmany(200_000):
            frames.append(pl.DataFrame(batch, schema=names, orient="row"))
    finally:
        cur.close()
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame(schema=dict.fromkeys(names, pl.Utf8))


def _db_timestamp(session: Session, column, value: datetime):
    """`value` as the driver stores it in `column` (SQLite keeps SQLAlchemy's text form)."""
    process = column.type.bind_processor(session.bind.dialect)
    return process(value) if process else value.isoformat()


def _bulk_insert(session: Session, table: Table, frame: pl.DataFrame) -> None:
    """Insert a frame's rows in bulk: COPY on PostgreSQL, executemany of plain tuples on SQLite."""
    if frame.is_empty():
        return
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    raw = session.connection().connection.driver_connection
    if session.bind.dialect.name == "postgresql":
        with raw.cursor() as cur:
            rebuild = _drop_constraints_for_load(cur, table.name) if frame.height >= BULK_REBUILD else []
            with cur.copy(f"COPY {table.name} ({cols}) FROM STDIN (FORMAT csv)") as copy:
                for piece in frame.iter_slices(100_000):
                    copy.write(piece.write_csv(include_header=False))
            for statement in rebuild:
                cur.execute(statement)
        return
    # Rows in key order append to the primary-key index instead of splitting pages all over it.
    frame = frame.sort(frame.columns[0])
    sql = f"INSERT INTO {table.name} ({cols}) VALUES ({', '.join('?' * frame.width)})"
    cur = raw.cursor()
    try:
        for piece in frame.iter_slices(100_000):
            cur.executemany(sql, piece.iter_rows())
    finally:
        cur.close()


def _drop_constraints_for_load(cur, table: str) -> list[str]:
    """Before a big COPY into an empty PostgreSQL table nothing else points at: drop its keys and indexes.

    A foreign key is checked row by row by a trigger (3.4M descriptions: 39 s with keys, 9 s
    loading bare and adding them back, which checks them all at once). Returns the statements that
    put everything back, to run after the COPY in the same transaction. Any other table: nothing.
    """
    cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table}), "
                f"EXISTS (SELECT 1 FROM pg_constraint WHERE confrelid = '{table}'::regclass)")
    has_rows, referenced = cur.fetchone()
    if has_rows or referenced:
        return []
    cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                f"WHERE conrelid = '{table}'::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype DESC")
    constraints = cur.fetchall()  # p, then u, then f: keys exist again before the foreign keys are added
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
                (table,))
    owned = {name for name, _ in constraints}
    indexes = [(name, ddl) for name, ddl in cur.fetchall() if name not in owned]
    for name, _ in reversed(constraints):
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    return ([f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}' for name, ddl in constraints]
            + [ddl for _, ddl in indexes])


_temp_tables = iter(range(1, 1 << 62))


def _bulk_update(session: Session, table: Table, frame: pl.DataFrame, key: str = "id") -> None:
    """Set the frame's other columns on the rows whose `key` matches (a COPY + UPDATE … FROM on PostgreSQL)."""
    if frame.is_empty():
        return
    cols = [c for c in frame.columns if c != key]
    raw = session.connection().connection.driver_connection
    if session.bind.dialect.name == "postgresql":
        tmp = f"_helder_update_{next(_temp_tables)}"
        with raw.cursor() as cur:
            cur.execute(f"CREATE TEMP TABLE {tmp} ON COMMIT DROP AS "
                        f"SELECT {key}, {', '.join(cols)} FROM {table.name} WITH NO DATA")
            with cur.copy(f"COPY {tmp} ({', '.join(frame.columns)}) FROM STDIN (FORMAT csv)") as copy:
                for piece in frame.iter_slices(100_000):
                    copy.write(piece.write_csv(include_header=False))
            cur.execute(f"UPDATE {table.name} AS t SET {', '.join(f'{c} = u.{c}' for c in cols)} "
                        f"FROM {tmp} AS u WHERE t.{key} = u.{key}")
            cur.execute(f"DROP TABLE {tmp}")
        return
    sql = f"UPDATE {table.name} SET {', '.join(f'{c} = ?' for c in cols)} WHERE {key} = ?"
    cur = raw.cursor()
    try:
        for piece in frame.select(*cols, key).iter_slices(100_000):
            cur.executemany(sql, piece.iter_rows())
    finally:
        cur.close()


CONCEPT_SCHEMA = {"active": pl.Boolean}
DESCRIPTION_SCHEMA = {"active": pl.Boolean}


def newest_ingested(session: Session) -> str | None:
    """The effectiveTime (YYYYMMDD) of the newest release in the store, None before the first."""
    return session.execute(select(func.max(Ingest.effective_time)).where(Ingest.effective_time != "")).scalar()


def _has_dutch(release) -> bool:
    """Dutch descriptions or text definitions, members of the Dutch or patient-friendly refset, or
    concept rows of the Dutch edition or patient-friendly modules (a Delta that only inactivates)."""
    from terms.sctid import namespace

    dutch = pl.col("languageCode").str.starts_with("nl") | pl.col("languageCode").str.starts_with("NL")
    modules = set(release.concepts["moduleId"].unique().to_list())
    return bool(release.descriptions.filter(dutch).height or release.text_definitions.filter(dutch).height
                or release.language_members.filter(
                    pl.col("refsetId").is_in([C.NL_LANGUAGE_REFSET, C.PATIENT_FRIENDLY_REFSET])).height
                or modules & {C.NL_MODULE, C.PATIENT_FRIENDLY_MODULE}
                or any(namespace(m) == C.NL_NAMESPACE for m in modules if len(m) > 10))


def _nothing_for_helder(session: Session, release, source) -> NothingForHelder | None:
    """NothingForHelder when the release holds no Dutch content (see _has_dutch): an international
    release, another country's edition. Its concepts may be ones helder knows; its rows are not
    helder's to apply (the Dutch edition brings them)."""
    if _has_dutch(release):
        return None
    languages = sorted(set(release.descriptions["languageCode"].unique().to_list()))
    counts = {"concepts": release.concepts.height, "descriptions": release.descriptions.height}
    found = (message("files.ingest.found-languages", languages=", ".join(languages[:5]), **counts) if languages
             else message("files.ingest.found", **counts))
    return NothingForHelder(message("files.ingest.nothing-dutch", source=source, kind=release.kind,
                                    effective_time=release.effective_time or "", found=found))


def _patient_terms_without_concept(session: Session, release, source) -> IngestRefused | None:
    """A patient-friendly term whose concept is neither in the release nor in the store."""
    members = release.language_members.filter(
        pl.col("active") & (pl.col("refsetId") == C.PATIENT_FRIENDLY_REFSET)).select(pl.col("referencedComponentId").alias("id"))
    if members.is_empty():
        return None
    pf = (release.descriptions.filter(pl.col("active")).join(members.unique(), on="id", how="semi")
          .select("conceptId", pl.col("term").alias("patientTerm")))
    missing = pf.join(release.concepts.select(pl.col("id").alias("conceptId")), on="conceptId", how="anti")
    if missing.height:
        known = _store_frame(session, Concept.id, missing["conceptId"], [Concept.id], {})
        missing = missing.join(known.select(pl.col("id").alias("conceptId")), on="conceptId", how="anti")
    if missing.is_empty():
        return None
    row = missing.sort("conceptId").row(0, named=True)
    more = message("files.ingest.more", n=missing.height - 1) if missing.height > 1 else ""
    return IngestRefused(message("files.ingest.pf-without-concept", source=source, term=row["patientTerm"],
                                 concept=row["conceptId"], more=more))


def ingest_release(factory: sessionmaker[Session], release, source: str | Path,
                   allow_older: bool = False) -> IngestReport:
    """Load a `terms.rf2.Release` into the store in one transaction, writing only what changed.

    Release rows are compared with the store by (id, effectiveTime, active, …): a newer
    Snapshot or a Delta writes only the concepts and descriptions that differ, and derives the
    clinical term again only for the concepts they belong to. New rows go in by bulk load.

    Raises OlderRelease when the release is older than the newest one ingested (it would roll
    newer content back; `allow_older=True` ingests it anyway), NothingForHelder, and
    IngestRefused for patient-friendly terms of unknown concepts; nothing is written then.
    Rows the reader quarantined (`release.quarantined`) are counted and named in the report.
    IS-A relationship rows (`release.relationships`) update the stored parents
    (`hierarchy.store_parents`); the report counts the links added and removed.
    """
    report = IngestReport(kind=release.kind, effective_time=release.effective_time or "")
    quarantined = getattr(release, "quarantined", None)
    if quarantined is not None and quarantined.height:
        report.quarantined = quarantined.height
        report.quarantine = quarantined.head(QUARANTINE_LISTED).select("file", "line", "id", "conceptId", "message") \
            .to_dicts()
    with factory() as session:
        newest = newest_ingested(session)
        if newest and release.effective_time and release.effective_time < newest and not allow_older:
            raise OlderRelease(message("files.ingest.older", source=source, effective_time=release.effective_time,
                                       newest=newest))
        refused = _nothing_for_helder(session, release, source) or _patient_terms_without_concept(session, release, source)
        if refused:
            raise refused
    stamp = release.effective_time
    members = release.language_members
    pf_desc_ids = members.filter(pl.col("refsetId") == C.PATIENT_FRIENDLY_REFSET)["referencedComponentId"]
    # Dutch and English only: helder shows the Dutch clinical term and the English FSN. Lazy, so
    # the millions of description rows are copied once, not once per step.
    descriptions = release.descriptions.lazy().filter(
        ~pl.col("id").is_in(pf_desc_ids.implode()) & pl.col("languageCode").str.slice(0, 2).is_in(["nl", "en"])
    )
    descriptions = _acceptability(descriptions, members, [C.NL_LANGUAGE_REFSET, C.US_LANGUAGE_REFSET, C.GB_LANGUAGE_REFSET])
    rel_c = release.concepts.select(
        "id", pl.col("active").cast(pl.Boolean), pl.col("effectiveTime").alias("effective_time"),
        pl.col("moduleId").alias("module_id"),
    )
    rel_d = descriptions.select(
        "id", pl.col("conceptId").alias("concept_id"), pl.col("languageCode").alias("language_code"),
        pl.col("typeId").alias("type_id"), "term", pl.col("active").cast(pl.Boolean),
        pl.col("effectiveTime").alias("effective_time"), pl.col("moduleId").alias("module_id"),
        pl.col("caseSignificanceId").alias("case_significance_id"), pl.col("acceptabilityId").alias("acceptability_id"),
    ).collect()
    # Language-refset rows for descriptions not in this release (a Delta changing only acceptability).
    member_only = members.filter(
        pl.col("refsetId").is_in([C.NL_LANGUAGE_REFSET, C.US_LANGUAGE_REFSET])
        & ~pl.col("referencedComponentId").is_in(rel_d["id"].implode())
    )
    report.descriptions = rel_d.height

    with factory() as session, session.begin():
        empty_store = session.execute(select(Concept.id).limit(1)).first() is None
        acc_changes = _acceptability_changes(session, member_only) if member_only.height and not empty_store else None
        c_cols = [Concept.id, Concept.active, Concept.effective_time, Concept.module_id, Concept.term_nl]
        referenced = [rel_c["id"], rel_d["concept_id"]] + ([acc_changes["concept_id"]] if acc_changes is not None else [])
        old_c = _store_frame(session, Concept.id, [] if empty_store else pl.concat(referenced), c_cols, CONCEPT_SCHEMA)
        missing = rel_d.select("concept_id").unique().filter(
            ~pl.col("concept_id").is_in(rel_c["id"].implode()) & ~pl.col("concept_id").is_in(old_c["id"].implode())
        )
        if missing.height:
            raise ValueError(message("files.ingest.description-without-concept", source=source,
                                     concept=missing["concept_id"].sort()[0]))

        # What differs from the store; a row is unchanged when its id, effectiveTime and status agree.
        c_key = ["id", "active", "effective_time", "module_id"]
        changed_c = rel_c.join(old_c.select(c_key), on=c_key, how="anti", nulls_equal=True)
        new_c = changed_c.join(old_c.select("id"), on="id", how="anti")
        upd_c = changed_c.join(old_c.select("id"), on="id", how="semi")
        d_cols = [Description.id, Description.active, Description.effective_time, Description.acceptability_id]
        old_d = _store_frame(session, Description.id, [] if empty_store else rel_d["id"], d_cols, DESCRIPTION_SCHEMA)
        d_key = ["id", "active", "effective_time", "acceptability_id"]
        if old_d.is_empty():  # a first load: everything is new (and not copied again to say so)
            changed_d = new_d = rel_d
            upd_d = rel_d.clear()
        else:
            changed_d = rel_d.join(old_d.select(d_key), on=d_key, how="anti", nulls_equal=True)
            new_d = changed_d.join(old_d.select("id"), on="id", how="anti")
            upd_d = changed_d.join(old_d.select("id"), on="id", how="semi")

        touched = pl.concat([changed_c["id"], changed_d["concept_id"]]
                            + ([acc_changes["concept_id"]] if acc_changes is not None else [])).unique()
        known_touched = touched.filter(touched.is_in(old_c["id"].implode()))

        # 1. concepts: new ones in bulk with their derived terms (all their descriptions are in this release)
        now = _now()
        new_desc = rel_d if old_c.is_empty() else rel_d.filter(pl.col("concept_id").is_in(new_c["id"].implode()))
        derived_new = derive_terms(new_desc, new_c["id"])
        _bulk_insert(session, Concept.__table__, new_c.join(derived_new, on="id", how="left").with_columns(
            term_changed=pl.lit(stamp, pl.Utf8), updated_at=pl.lit(_db_timestamp(session, Concept.updated_at, now)),
        ))
        report.concepts_new = new_c.height
        _bulk_update(session, Concept.__table__, upd_c)

        # 2. descriptions
        _bulk_insert(session, Description.__table__, new_d)
        _bulk_update(session, Description.__table__, upd_d)
        if acc_changes is not None:
            _bulk_update(session, Description.__table__, acc_changes.select("id", "acceptability_id"))
        report.descriptions_written = new_d.height + upd_d.height

        # 3. derived terms of known concepts the release touched, from the store's now-current descriptions
        if not known_touched.is_empty():
            d = Description
            current = _store_frame(
                session, d.concept_id, known_touched,
                [d.concept_id, d.language_code, d.type_id, d.term, d.active, d.acceptability_id], DESCRIPTION_SCHEMA,
            )
            derived = derive_terms(current, known_touched).join(
                old_c.select("id", pl.col("term_nl").alias("old_term")), on="id", how="left"
            ).with_columns(
                changed=pl.col("old_term").is_not_null() & pl.col("term_nl").ne_missing(pl.col("old_term"))
            )
            changed = derived.filter("changed")
            report.concepts_changed_term = changed.height
            report.changed_concepts = changed["id"].to_list()
            stamp_db = _db_timestamp(session, Concept.updated_at, now)
            fields = ["id", "term_nl", "fsn_nl", "fsn_en", "semantic_tag"]
            _bulk_update(session, Concept.__table__, derived.filter(~pl.col("changed")).select(fields)
                         .with_columns(updated_at=pl.lit(stamp_db)))
            _bulk_update(session, Concept.__table__, changed.select(fields)
                         .with_columns(term_changed=pl.lit(stamp, pl.Utf8), updated_at=pl.lit(stamp_db)))

        # 4. patient-friendly terms in the release join the TM
        _ingest_patient_terms(session, release, report)

        # 5. consequences: stale proposals and approvals go back to the queue; inactive concepts leave it
        inactivated = upd_c.filter(~pl.col("active")).join(old_c.filter(pl.col("active")).select("id"), on="id", how="semi")
        report.concepts_inactivated = inactivated.height
        _withdraw_open_items(session, inactivated["id"].to_list(), report)
        _requeue_stale(session, report.changed_concepts, report)

        # 6. the hierarchy: IS-A links the relationship files add or inactivate
        relationships = getattr(release, "relationships", None)
        if relationships is not None and relationships.height:
            report.relationships = relationships.height
            changed_links = store_parents(session, relationships)
            report.parents_added, report.parents_removed = changed_links["added"], changed_links["removed"]

        session.add(Ingest(path=str(source), kind=release.kind, effective_time=stamp or "", counts=report.as_dict()))
    return report


def _acceptability_changes(session: Session, member_only: pl.DataFrame) -> pl.DataFrame:
    """Stored descriptions whose acceptability these refset rows change: id, concept_id, acceptability_id."""
    wanted = (
        member_only.sort([~pl.col("active"), "acceptabilityId"])  # an active row wins, preferred first
        .unique("referencedComponentId", keep="first", maintain_order=True)
        .select(pl.col("referencedComponentId").alias("id"),
                pl.when(pl.col("active")).then(pl.col("acceptabilityId")).alias("acceptability_id"))
    )
    d = Description
    current = _store_frame(session, d.id, wanted["id"], [d.id, d.concept_id, d.acceptability_id.label("stored")], {})
    return wanted.join(current, on="id").filter(pl.col("acceptability_id").ne_missing(pl.col("stored"))).drop("stored")


def derive_terms(desc: pl.DataFrame, concept_ids: pl.Series) -> pl.DataFrame:
    """Per concept id: term_nl, fsn_nl, fsn_en, semantic_tag from store-shaped description rows.

    Concepts without any description still get a row, so their fields are reset consistently.
    """
    frame = desc.lazy().select(
        pl.col("concept_id").alias("conceptId"), pl.col("language_code").alias("languageCode"),
        pl.col("type_id").alias("typeId"), "term", pl.col("active").cast(pl.Boolean),
        pl.col("acceptability_id").alias("acceptabilityId"),
    )
    derived = derive_concept_terms(frame).rename({"conceptId": "id"})
    ids = pl.DataFrame({"id": concept_ids}, schema={"id": pl.Utf8}).unique()
    return ids.join(derived, on="id", how="left").select("id", "term_nl", "fsn_nl", "fsn_en", "semantic_tag")


def _ingest_patient_terms(session: Session, release, report: IngestReport) -> None:
    from terms.tm import tm_from_release

    tm = tm_from_release(release)
    pf_members = release.language_members.filter(pl.col("refsetId") == C.PATIENT_FRIENDLY_REFSET)
    retired_ids = set(pf_members.filter(~pl.col("active"))["referencedComponentId"].to_list())
    # A patient-friendly description inactivated by itself (its refset member left as it was, so the
    # release carries no member row for it) retires too: an inactive description is never a TM term.
    stored = [r[0] for r in session.execute(
        select(PatientTerm.description_id).where(PatientTerm.active, PatientTerm.description_id.is_not(None)))]
    known = pl.concat([pf_members["referencedComponentId"], pl.Series(stored, dtype=pl.Utf8)])
    retired_ids |= set(
        release.descriptions.filter(~pl.col("active") & pl.col("id").is_in(known.implode()))["id"].to_list()
    )
    if retired_ids:
        res = session.execute(
            update(PatientTerm).where(PatientTerm.description_id.in_(list(retired_ids)), PatientTerm.active)
            .values(active=False, updated_at=_now()).execution_options(synchronize_session=False)
        )
        report.tm_retired += res.rowcount or 0
    if tm.is_empty():
        return
    desc_ids = (
        release.descriptions.filter(pl.col("id").is_in(pf_members.filter(pl.col("active") & (pl.col("acceptabilityId") == C.PREFERRED))["referencedComponentId"].implode()))
        .filter(pl.col("active")).select(pl.col("conceptId"), pl.col("id").alias("descriptionId"), pl.col("term").alias("patientTerm"))
    )
    tm = tm.join(desc_ids, on=["conceptId", "patientTerm"], how="left").unique("conceptId", keep="first")
    current = _existing(
        session, PatientTerm.concept_id, tm["conceptId"].to_list(),
        PatientTerm.concept_id, PatientTerm.term, PatientTerm.id, PatientTerm.active, PatientTerm.preferred,
    ).filter(pl.col("active").cast(pl.Boolean) & pl.col("preferred").cast(pl.Boolean))
    have = {r["concept_id"]: r for r in current.iter_rows(named=True)}
    to_retire, new_rows = [], []
    for r in tm.iter_rows(named=True):
        old = have.get(r["conceptId"])
        if old is not None and old["term"] == r["patientTerm"]:
            continue
        if old is not None:
            to_retire.append(old["id"])
        new_rows.append({
            "concept_id": r["conceptId"], "term": r["patientTerm"], "explanation": r.get("explanation"),
            "clinical_term": r["term"], "source": "release", "preferred": True, "active": True,
            "description_id": r.get("descriptionId"), "stale": False,
        })
    for chunk in _chunks(to_retire):
        session.execute(update(PatientTerm).where(PatientTerm.id.in_(list(chunk))).values(active=False)
                        .execution_options(synchronize_session=False))
    for chunk in _chunks(new_rows):
        session.execute(insert(PatientTerm), list(chunk))
    report.tm_retired += len(to_retire)
    report.tm_added += len(new_rows)


def _withdraw_open_items(session: Session, concept_ids: list[str], report: IngestReport) -> None:
    for chunk in _chunks(concept_ids):
        items = session.execute(
            select(ReviewItem).where(ReviewItem.concept_id.in_(list(chunk)), ReviewItem.state.in_(OPEN_STATES))
        ).scalars().all()
        for item in items:
            before = item_snapshot(item)
            reason = message("review.history.withdrawn", effective_time=report.effective_time or "?")
            item.state, item.version = REJECTED, item.version + 1
            item.decided_by, item.decided_at = WITHDRAWN_BY, _now()
            item.lease_owner = item.lease_expires = None
            # A decision row like a reviewer's, so the item's history (review show, the web page, the
            # API) says why it was rejected and when.
            session.add(Decision(item_id=item.id, reviewer=WITHDRAWN_BY, action="withdraw", reason=reason,
                                 state_before=before["state"], state_after=REJECTED, at=item.decided_at,
                                 before=before))
            session.add(AuditLog(actor=WITHDRAWN_BY, action="withdraw", entity="review_item", entity_id=str(item.id),
                                 before=before, after={"state": REJECTED, "reason": "concept inactivated",
                                                       "effective_time": report.effective_time}))
            report.withdrawn_items += 1


def stale_flag(previous: str, term: str, concept_id: str) -> dict:
    """The stale-source flag detail: the clinical term the proposal was made for and the current one."""
    return dict(STALE_FLAG, reason=message("flags.stale-source.reason", previous=previous, term=term),
                related=[concept_id], previous=previous)


def _with_flag(codes: str | None, code: str) -> str:
    kept = [c for c in (codes or "").split(";") if c and c != code]
    return ";".join(kept + [code])


def _mark_open_item_stale(item: ReviewItem, primary: Suggestion | None, concept: Concept | None) -> None:
    """An open item whose concept's Dutch term changed: it now decides on the current clinical
    term (`source_term`, what every view and the re-check on save read), and the stale-source flag
    — saying which term the proposal was made for — is on the item's codes (list, filters) and on
    its primary suggestion's details (show, web page, approval), so every view agrees."""
    current = concept.term_nl if concept is not None and concept.term_nl else item.source_term
    earlier = next((f for f in (primary.flag_details or []) if f.get("code") == "stale-source"), None) if primary else None
    # Changed twice: the proposal was still made for the first term.
    previous = (earlier or {}).get("previous") or item.source_term
    item.flags = _with_flag(item.flags, "stale-source")
    item.max_severity = item.max_severity if item.max_severity == "error" else "warning"
    if current != item.source_term:
        item.source_term = current
        item.search_text = search_words(current, item.proposal, item.final_term)
    item.version += 1
    if primary is not None:
        details = [f for f in (primary.flag_details or []) if f.get("code") != "stale-source"]
        primary.flag_details = details + [stale_flag(previous, current, item.concept_id)]
        primary.flags = _with_flag(primary.flags, "stale-source")


def _requeue_stale(session: Session, concept_ids: list[str], report: IngestReport) -> None:
    """Open items get the stale-source flag and the current clinical term; approved terms are
    marked stale and queued again."""
    for chunk in _chunks(concept_ids):
        concepts = {c.id: c for c in session.execute(select(Concept).where(Concept.id.in_(list(chunk)))).scalars()}
        open_items = session.execute(
            select(ReviewItem).where(ReviewItem.concept_id.in_(list(chunk)), ReviewItem.state.in_(OPEN_STATES))
        ).scalars().all()
        primaries = {s.item_id: s for s in session.execute(
            select(Suggestion).where(Suggestion.item_id.in_([i.id for i in open_items]), Suggestion.is_primary)
            .order_by(Suggestion.id)
        ).scalars()} if open_items else {}
        has_open = set()
        for item in open_items:
            has_open.add(item.concept_id)
            _mark_open_item_stale(item, primaries.get(item.id), concepts.get(item.concept_id))
        pts = session.execute(
            select(PatientTerm).where(PatientTerm.concept_id.in_(list(chunk)), PatientTerm.active, PatientTerm.preferred)
        ).scalars().all()
        for pt in pts:
            pt.stale = True
            concept = concepts.get(pt.concept_id)
            if pt.concept_id in has_open or concept is None or not concept.active or not concept.term_nl:
                continue
            item = ReviewItem(
                concept_id=pt.concept_id, state=PROPOSED, source_term=concept.term_nl,
                semantic_tag=concept.semantic_tag, proposal=pt.term, origin="tm-exact", confidence=0.5,
                flags="stale-source", max_severity="warning",
            )
            session.add(item)
            session.flush()
            flag = stale_flag(pt.clinical_term or "", concept.term_nl, pt.concept_id)
            session.add(Suggestion(item_id=item.id, concept_id=pt.concept_id, text=pt.term,
                                   explanation=pt.explanation, origin="tm-exact", confidence=0.5,
                                   flags="stale-source", flag_details=[flag], similar=[], is_primary=True))
            report.requeued_stale += 1


def load_tm(session: Session) -> pl.DataFrame:
    """The TM as a frame: every active preferred patient-friendly term with its clinical term and
    the concept's semantic tag (the LLM picks few-shot examples from the same hierarchy)."""
    rows = session.execute(
        select(PatientTerm.concept_id, func.coalesce(Concept.term_nl, PatientTerm.clinical_term),
               PatientTerm.term, PatientTerm.explanation, Concept.semantic_tag)
        .join(Concept, Concept.id == PatientTerm.concept_id)
        .where(PatientTerm.active, PatientTerm.preferred)
        .order_by(PatientTerm.concept_id)
    ).all()
    schema = {"conceptId": pl.Utf8, "term": pl.Utf8, "patientTerm": pl.Utf8, "explanation": pl.Utf8,
              "semanticTag": pl.Utf8}
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row").filter(pl.col("term").is_not_null())


def _said(text: str) -> str:
    return " ".join((text or "").casefold().split())


def _refuse_other_concepts_terms(session: Session, rows: list[tuple], first_row: dict, source: str) -> None:
    """ValueError naming the first row whose clinical term is none of its concept's Dutch
    descriptions (active or not: a pair made for an earlier release's wording is fine), for concepts
    an ingested release holds. A row shifted in a spreadsheet ("1019999999106, diabetes mellitus,
    suikerziekte" for chalazion) would publish one concept's patient term on another."""
    ids = [r[0] for r in rows]
    known = _existing(session, Description.concept_id, ids, Description.concept_id, Description.term,
                      Description.language_code)
    if known.is_empty():
        return
    terms: dict[str, set[str]] = {}
    for r in known.filter(pl.col("language_code").str.starts_with("nl")).iter_rows(named=True):
        terms.setdefault(r["concept_id"], set()).add(_said(r["term"]))
    preferred = dict(session.execute(select(Concept.id, Concept.term_nl).where(Concept.id.in_(list(terms)))).all()) \
        if terms else {}
    for concept_id, term, _, _ in rows:
        said = terms.get(concept_id)
        if said and _said(term) not in said:
            line = first_row[concept_id][0]
            raise ValueError(message("files.tm.other-term", file=source, line=line, concept=concept_id, term=term,
                                     current=preferred.get(concept_id) or sorted(said)[0]))


def import_tm_pairs(factory: sessionmaker[Session], tm: pl.DataFrame, source: str, actor: str = "import") -> dict:
    """Add TM pairs (conceptId, term, patientTerm, explanation) from a file; returns counts.

    A pair for a concept not yet ingested creates a minimal concept row, so the TM can be
    loaded before the release it belongs to. An existing different term is retired, not lost.
    Every conceptId must be a concept SCTID and every text pass the term rules (terms.text);
    a concept twice with different patient terms is refused naming both rows (row 2 is the
    first data row, as in a file with a header), an exact repeat is added once; a clinical term that
    is none of its ingested concept's Dutch descriptions is refused (a shifted row). ValueError, one
    line, before anything is written.
    """
    from terms.sctid import id_problems

    counts = {"added": 0, "unchanged": 0, "replaced": 0, "new_concepts": 0, "explanations_updated": 0,
              "unreleased": 0, "inactive": 0}
    rows, first_row = [], {}
    problems = id_problems(tm["conceptId"].cast(pl.Utf8).fill_null("")).to_list() if tm.height else []
    for i, (r, problem) in enumerate(zip(tm.iter_rows(named=True), problems), start=2):
        if problem:
            reason = message(f"files.sctid.reason-{problem}", partition=str(r["conceptId"])[-3:-1])
            raise ValueError(message("files.tm.not-a-concept", file=source, line=i, value=r["conceptId"], reason=reason))
        try:
            row = (str(r["conceptId"]), validate_term(r["term"], "term"), validate_term(r["patientTerm"], "patientTerm"),
                   validate_explanation(r.get("explanation")))
        except TermError as exc:
            raise ValueError(message("files.tm.bad-text", file=source, line=i, reason=exc)) from None
        if row[0] in first_row:
            j, earlier = first_row[row[0]]
            if earlier[2] != row[2]:
                raise ValueError(message("files.tm.duplicate-concept", file=source, concept=row[0], first=j,
                                         first_term=earlier[2], second=i, second_term=row[2]))
            continue
        first_row[row[0]] = (i, row)
        rows.append(row)
    with factory() as session, session.begin():
        ids = [r[0] for r in rows]
        _refuse_other_concepts_terms(session, rows, first_row, source)
        stored = _existing(session, Concept.id, ids, Concept.id, Concept.effective_time, Concept.active)
        known = set(stored["id"].to_list())
        # concepts no ingested release holds (named only by a TM import): exports leave their terms out
        unreleased = set(stored.filter(pl.col("effective_time").fill_null("") == "")["id"].to_list())
        # concepts the release has inactivated: their pairs teach the suggester but are never published
        inactive = set(stored.filter(~pl.col("active").cast(pl.Boolean).fill_null(True))["id"].to_list())
        current = {
            r["concept_id"]: r for r in _existing(
                session, PatientTerm.concept_id, ids, PatientTerm.concept_id, PatientTerm.id, PatientTerm.term,
                PatientTerm.active, PatientTerm.preferred, PatientTerm.explanation,
            ).iter_rows(named=True) if r["active"] and r["preferred"]
        }
        for concept_id, term, patient_term, explanation in rows:
            if concept_id not in known:
                session.add(Concept(id=concept_id, active=True, effective_time="", module_id="", term_nl=term))
                known.add(concept_id)
                unreleased.add(concept_id)
                counts["new_concepts"] += 1
            counts["unreleased"] += concept_id in unreleased
            counts["inactive"] += concept_id in inactive
            old = current.get(concept_id)
            if old is not None and old["term"] == patient_term:
                # The same term with a new explanation updates the explanation (a blank cell keeps
                # the stored one: the file says nothing about it).
                if explanation and explanation != old.get("explanation") and old["id"] is not None:
                    session.execute(update(PatientTerm).where(PatientTerm.id == old["id"])
                                    .values(explanation=explanation, updated_at=_now()))
                    counts["explanations_updated"] += 1
                else:
                    counts["unchanged"] += 1
                continue
            if old is not None:
                session.execute(update(PatientTerm).where(PatientTerm.id == old["id"]).values(active=False))
                counts["replaced"] += 1
            session.flush()
            session.add(PatientTerm(concept_id=concept_id, term=patient_term, explanation=explanation,
                                    clinical_term=term, source="import", preferred=True, active=True))
            current[concept_id] = {"id": None, "term": patient_term}
            counts["added"] += 1
        session.add(AuditLog(actor=actor, action="tm-import", entity="patient_terms", entity_id=str(source)[:64],
                             before=None, after=counts))
    return counts
