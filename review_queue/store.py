"""Moving SNOMED releases and TM pairs into the store, and the TM back out as a frame.

Ingest works the same for a Snapshot, a Full (already collapsed by the reader) and a Delta:
rows are upserted by id, and the per-concept fields helder works with (the Dutch clinical
term, FSNs, semantic tag) are derived again for every concept the release touched. A concept
whose Dutch term changed marks its patient-friendly term and open review items `stale-source`
and goes back to the queue; an inactivated concept's open items are withdrawn.
Everything happens in one transaction: a release either lands whole or not at all.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import polars as pl
from sqlalchemy import Table, and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from review_queue.models import (
    OPEN_STATES,
    PROPOSED,
    REJECTED,
    AuditLog,
    Concept,
    Description,
    Ingest,
    PatientTerm,
    ReviewItem,
    Suggestion,
)
from terms import config as C
from terms.text import TermError, validate_explanation, validate_term

CHUNK = 5_000
STALE_FLAG = {
    "code": "stale-source",
    "severity": "warning",
    "reason": "The Dutch clinical term changed after this proposal was made; check it still fits.",
    "related": [],
}


def _chunks(rows: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class IngestReport:
    kind: str
    effective_time: str
    concepts_new: int = 0
    concepts_changed_term: int = 0
    concepts_inactivated: int = 0
    descriptions: int = 0
    tm_added: int = 0
    tm_retired: int = 0
    requeued_stale: int = 0
    withdrawn_items: int = 0
    changed_concepts: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        d = dict(self.__dict__)
        d.pop("changed_concepts")
        return d


def semantic_tag_expr(col: str) -> pl.Expr:
    """'Acute appendicitis (disorder)' → 'disorder'."""
    return pl.col(col).str.extract(r"\(([^()]+)\)\s*$", 1)


def _acceptability(descriptions: pl.DataFrame, members: pl.DataFrame, refsets: list[str]) -> pl.DataFrame:
    """Descriptions with their acceptability id in the given language refsets (null when none)."""
    acc = (
        members.filter(pl.col("active") & pl.col("refsetId").is_in(refsets))
        .select(pl.col("referencedComponentId").alias("id"), "acceptabilityId", "refsetId")
        # Preferred wins when a description is in more than one of these refsets.
        .sort("acceptabilityId", descending=False)
        .unique("id", keep="first")
    )
    return descriptions.join(acc, on="id", how="left")


def derive_concept_terms(desc: pl.DataFrame) -> pl.DataFrame:
    """Per concept: term_nl (preferred Dutch synonym), fsn_nl, fsn_en, semantic_tag.

    `desc` has conceptId, languageCode, typeId, term, active, acceptabilityId.
    """
    active = desc.filter(pl.col("active"))
    pref = pl.col("acceptabilityId") == C.PREFERRED

    def pick(frame: pl.DataFrame, name: str) -> pl.DataFrame:
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
    ids = desc.select("conceptId").unique()
    out = ids.join(term_nl, on="conceptId", how="left").join(fsn_nl, on="conceptId", how="left")
    out = out.join(fsn_en, on="conceptId", how="left")
    return out.with_columns(
        semantic_tag=pl.coalesce(semantic_tag_expr("fsn_en"), semantic_tag_expr("fsn_nl"))
    )


def _existing(session: Session, column, ids: list[str], *cols) -> pl.DataFrame:
    frames = []
    for chunk in _chunks(ids, 20_000):
        rows = session.execute(select(*cols).where(column.in_(chunk))).all()
        if rows:
            frames.append(pl.DataFrame([tuple(r) for r in rows], schema=[c.key for c in cols], orient="row"))
    if not frames:
        return pl.DataFrame(schema={c.key: pl.Utf8 for c in cols})
    return pl.concat(frames, how="vertical_relaxed")


def _upsert(session: Session, table: Table, key: str, rows: list[dict], existing: set[str]) -> None:
    """Insert new rows, update existing ones by primary key, in batches."""
    new = [r for r in rows if r[key] not in existing]
    old = [r for r in rows if r[key] in existing]
    for chunk in _chunks(new):
        session.execute(insert(table), list(chunk))
    if old:
        cols = [c for c in old[0] if c != key]
        stmt = (
            update(table)
            .where(table.c[key] == bindparam("_key"))
            .values({c: bindparam(c) for c in cols})
        )
        for chunk in _chunks(old):
            session.connection().execute(stmt, [{**{c: r[c] for c in cols}, "_key": r[key]} for r in chunk])


def ingest_release(factory: sessionmaker[Session], release, source: str | Path) -> IngestReport:
    """Load a `terms.rf2.Release` into the store in one transaction."""
    report = IngestReport(kind=release.kind, effective_time=release.effective_time or "")
    pf_refset = C.PATIENT_FRIENDLY_REFSET
    members = release.language_members
    pf_desc_ids = set(members.filter(pl.col("refsetId") == pf_refset)["referencedComponentId"].to_list())
    descriptions = release.descriptions.filter(~pl.col("id").is_in(list(pf_desc_ids)))
    # Dutch and English only: helder shows the Dutch clinical term and the English FSN.
    descriptions = descriptions.filter(pl.col("languageCode").str.slice(0, 2).is_in(["nl", "en"]))
    descriptions = _acceptability(descriptions, members, [C.NL_LANGUAGE_REFSET, C.US_LANGUAGE_REFSET, C.GB_LANGUAGE_REFSET])

    with factory() as session, session.begin():
        concept_rows = release.concepts
        touched = set(concept_rows["id"].to_list()) | set(descriptions["conceptId"].to_list())
        # Language-refset rows for descriptions not in this release (a Delta changing only acceptability).
        member_only = members.filter(
            pl.col("refsetId").is_in([C.NL_LANGUAGE_REFSET, C.US_LANGUAGE_REFSET])
            & ~pl.col("referencedComponentId").is_in(descriptions["id"].implode())
        )
        old_concepts = _existing(session, Concept.id, sorted(touched), Concept.id, Concept.term_nl, Concept.active)
        known = set(old_concepts["id"].to_list())

        # 1. concepts
        rows = [
            {"id": r["id"], "active": r["active"], "effective_time": r["effectiveTime"], "module_id": r["moduleId"]}
            for r in concept_rows.select("id", "active", "effectiveTime", "moduleId").iter_rows(named=True)
        ]
        missing = touched - known - set(concept_rows["id"].to_list())
        if missing:
            raise ValueError(
                f"{source}: descriptions refer to concept {sorted(missing)[0]} which is neither in this release nor in the store"
            )
        _upsert(session, Concept.__table__, "id", rows, known)

        # 2. descriptions
        desc_rows = [
            {
                "id": r["id"], "concept_id": r["conceptId"], "language_code": r["languageCode"],
                "type_id": r["typeId"], "term": r["term"], "active": r["active"],
                "effective_time": r["effectiveTime"], "module_id": r["moduleId"],
                "case_significance_id": r["caseSignificanceId"], "acceptability_id": r["acceptabilityId"],
            }
            for r in descriptions.iter_rows(named=True)
        ]
        old_desc = _existing(session, Description.id, [r["id"] for r in desc_rows], Description.id)
        _upsert(session, Description.__table__, "id", desc_rows, set(old_desc["id"].to_list()))
        report.descriptions = len(desc_rows)
        if member_only.height:
            stmt = (
                update(Description.__table__)
                .where(Description.__table__.c.id == bindparam("_id"))
                .values(acceptability_id=bindparam("acc"))
            )
            params = [
                {"_id": r["referencedComponentId"], "acc": r["acceptabilityId"] if r["active"] else None}
                for r in member_only.iter_rows(named=True)
            ]
            for chunk in _chunks(params):
                session.connection().execute(stmt, list(chunk))
            touched |= set(
                _existing(session, Description.id, member_only["referencedComponentId"].to_list(),
                          Description.id, Description.concept_id)["concept_id"].to_list()
            )

        # 3. derived per-concept terms, from the store's now-current descriptions
        derived = _derive_from_store(session, sorted(touched))
        before = {r["id"]: r for r in old_concepts.iter_rows(named=True)}
        stamp = release.effective_time
        updates = []
        for r in derived.iter_rows(named=True):
            old = before.get(r["conceptId"])
            changed = old is not None and old["term_nl"] is not None and r["term_nl"] != old["term_nl"]
            if old is None:
                report.concepts_new += 1
            if changed:
                report.concepts_changed_term += 1
                report.changed_concepts.append(r["conceptId"])
            updates.append({
                "id": r["conceptId"], "term_nl": r["term_nl"], "fsn_nl": r["fsn_nl"], "fsn_en": r["fsn_en"],
                "semantic_tag": r["semantic_tag"],
                **({"term_changed": stamp} if (changed or old is None) else {}),
            })
        _update_by_id(session, updates)

        # 4. patient-friendly terms in the release join the TM
        _ingest_patient_terms(session, release, report)

        # 5. consequences: stale proposals and approvals go back to the queue; inactive concepts leave it
        inactivated = [
            r["id"] for r in concept_rows.filter(~pl.col("active")).iter_rows(named=True)
            if r["id"] in before and before[r["id"]]["active"]
        ]
        report.concepts_inactivated = len(inactivated)
        _withdraw_open_items(session, inactivated, report)
        _requeue_stale(session, report.changed_concepts, report)

        session.add(Ingest(path=str(source), kind=release.kind, effective_time=stamp or "", counts=report.as_dict()))
    return report


def _update_by_id(session: Session, updates: list[dict]) -> None:
    table = Concept.__table__
    groups: dict[tuple, list[dict]] = {}
    for u in updates:
        groups.setdefault(tuple(sorted(u)), []).append(u)
    for keys, rows in groups.items():
        cols = [k for k in keys if k != "id"]
        stmt = update(table).where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in cols})
        for chunk in _chunks(rows):
            session.connection().execute(stmt, [{**{c: r[c] for c in cols}, "_id": r["id"]} for r in chunk])


def _derive_from_store(session: Session, concept_ids: list[str]) -> pl.DataFrame:
    d = Description
    frame = _existing(
        session, d.concept_id, concept_ids, d.concept_id, d.language_code, d.type_id, d.term, d.active, d.acceptability_id
    )
    frame = frame.rename({
        "concept_id": "conceptId", "language_code": "languageCode", "type_id": "typeId",
        "acceptability_id": "acceptabilityId",
    })
    if frame.is_empty():
        frame = pl.DataFrame(
            schema={"conceptId": pl.Utf8, "languageCode": pl.Utf8, "typeId": pl.Utf8, "term": pl.Utf8,
                    "active": pl.Boolean, "acceptabilityId": pl.Utf8}
        )
    derived = derive_concept_terms(frame.with_columns(pl.col("active").cast(pl.Boolean)))
    # Concepts without any description still get a row, so their fields are reset consistently.
    ids = pl.DataFrame({"conceptId": concept_ids}, schema={"conceptId": pl.Utf8})
    return ids.join(derived, on="conceptId", how="left")


def _ingest_patient_terms(session: Session, release, report: IngestReport) -> None:
    from terms.tm import tm_from_release

    tm = tm_from_release(release)
    pf_members = release.language_members.filter(pl.col("refsetId") == C.PATIENT_FRIENDLY_REFSET)
    retired_ids = set(pf_members.filter(~pl.col("active"))["referencedComponentId"].to_list())
    retired_ids |= set(
        release.descriptions.filter(~pl.col("active") & pl.col("id").is_in(pf_members["referencedComponentId"].implode()))["id"].to_list()
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
            before = {"state": item.state, "version": item.version}
            item.state, item.version = REJECTED, item.version + 1
            item.decided_by, item.decided_at = "helder", _now()
            session.add(AuditLog(actor="helder", action="withdraw", entity="review_item", entity_id=str(item.id),
                                 before=before, after={"state": REJECTED, "reason": "concept inactivated"}))
            report.withdrawn_items += 1


def _requeue_stale(session: Session, concept_ids: list[str], report: IngestReport) -> None:
    """Open items get the stale-source flag; approved terms are marked stale and queued again."""
    for chunk in _chunks(concept_ids):
        concepts = {c.id: c for c in session.execute(select(Concept).where(Concept.id.in_(list(chunk)))).scalars()}
        open_items = session.execute(
            select(ReviewItem).where(ReviewItem.concept_id.in_(list(chunk)), ReviewItem.state.in_(OPEN_STATES))
        ).scalars().all()
        has_open = set()
        for item in open_items:
            has_open.add(item.concept_id)
            if "stale-source" not in item.flags.split(";"):
                item.flags = ";".join([f for f in item.flags.split(";") if f] + ["stale-source"])
                item.max_severity = item.max_severity if item.max_severity == "error" else "warning"
                item.version += 1
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
            flag = dict(STALE_FLAG, reason=(
                f"The Dutch clinical term changed from '{pt.clinical_term}' to '{concept.term_nl}' after "
                f"'{pt.term}' was approved; check it still fits."
            ), related=[pt.concept_id])
            session.add(Suggestion(item_id=item.id, concept_id=pt.concept_id, text=pt.term,
                                   explanation=pt.explanation, origin="tm-exact", confidence=0.5,
                                   flags="stale-source", flag_details=[flag], similar=[], is_primary=True))
            report.requeued_stale += 1


def load_tm(session: Session) -> pl.DataFrame:
    """The TM as a frame: every active preferred patient-friendly term with its clinical term."""
    rows = session.execute(
        select(PatientTerm.concept_id, func.coalesce(Concept.term_nl, PatientTerm.clinical_term),
               PatientTerm.term, PatientTerm.explanation)
        .join(Concept, Concept.id == PatientTerm.concept_id)
        .where(PatientTerm.active, PatientTerm.preferred)
        .order_by(PatientTerm.concept_id)
    ).all()
    schema = {"conceptId": pl.Utf8, "term": pl.Utf8, "patientTerm": pl.Utf8, "explanation": pl.Utf8}
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row").filter(pl.col("term").is_not_null())


def import_tm_pairs(factory: sessionmaker[Session], tm: pl.DataFrame, source: str, actor: str = "import") -> dict:
    """Add TM pairs (conceptId, term, patientTerm, explanation) from a file; returns counts.

    A pair for a concept not yet ingested creates a minimal concept row, so the TM can be
    loaded before the release it belongs to. An existing different term is retired, not lost.
    """
    counts = {"added": 0, "unchanged": 0, "replaced": 0, "new_concepts": 0}
    rows = []
    for i, r in enumerate(tm.iter_rows(named=True), start=2):
        try:
            rows.append((r["conceptId"], validate_term(r["term"], "term"), validate_term(r["patientTerm"], "patientTerm"),
                         validate_explanation(r.get("explanation"))))
        except TermError as exc:
            raise ValueError(f"{source}:{i}: {exc}") from None
    with factory() as session, session.begin():
        ids = [r[0] for r in rows]
        known = set(_existing(session, Concept.id, ids, Concept.id)["id"].to_list())
        current = {
            r["concept_id"]: r for r in _existing(
                session, PatientTerm.concept_id, ids, PatientTerm.concept_id, PatientTerm.id, PatientTerm.term,
                PatientTerm.active, PatientTerm.preferred,
            ).iter_rows(named=True) if r["active"] and r["preferred"]
        }
        for concept_id, term, patient_term, explanation in rows:
            if concept_id not in known:
                session.add(Concept(id=concept_id, active=True, effective_time="", module_id="", term_nl=term))
                known.add(concept_id)
                counts["new_concepts"] += 1
            old = current.get(concept_id)
            if old is not None and old["term"] == patient_term:
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
