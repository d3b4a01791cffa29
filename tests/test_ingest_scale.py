"""Ingest writes only what changed, and ends where a fresh load of the same release ends.

A newer Snapshot of the sample (three Dutch terms reworded, one concept inactivated, one concept
added) is ingested on top of the old one; the store must then hold exactly what a fresh store
holds after loading only the newer Snapshot — compared against a SQLite file loaded from
scratch, so the PostgreSQL run also checks the two backends agree. The bulk paths (COPY with
keys dropped and rebuilt on PostgreSQL, plain-tuple executemany on SQLite) are exercised on the
sample by lowering the size threshold.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

import review_queue.store as store_module
from review_queue.db import open_store
from review_queue.models import Concept, Description, PatientTerm
from review_queue.store import ingest_release
from terms import config as C
from terms import rf2
from terms.rf2 import read_release
from terms.sample import sample_path
from terms.sctid import make

NEW_DATE = "20260331"


def newer_snapshot(out: Path) -> dict:
    """The sample as a later Snapshot would have it; returns what was changed."""
    old = read_release(sample_path("snapshot"))
    concepts, descriptions, members = old.concepts, old.descriptions, old.language_members
    pf = members.filter(pl.col("refsetId") == C.PATIENT_FRIENDLY_REFSET)["referencedComponentId"]
    pf_concepts = descriptions.filter(pl.col("id").is_in(pf.implode()))["conceptId"].unique()
    preferred_nl = members.filter((pl.col("refsetId") == C.NL_LANGUAGE_REFSET) & pl.col("active")
                                  & (pl.col("acceptabilityId") == C.PREFERRED))["referencedComponentId"]
    candidates = descriptions.filter(
        pl.col("id").is_in(preferred_nl.implode()) & (pl.col("typeId") == C.SYNONYM) & pl.col("active")
        & ~pl.col("conceptId").is_in(pf_concepts.implode())
    ).sort("conceptId")
    reworded = candidates.head(3)
    inactivated = candidates["conceptId"][10]
    descriptions = descriptions.with_columns(
        term=pl.when(pl.col("id").is_in(reworded["id"].implode())).then(pl.col("term") + " (herzien)")
        .otherwise(pl.col("term")),
        effectiveTime=pl.when(pl.col("id").is_in(reworded["id"].implode())).then(pl.lit(NEW_DATE))
        .otherwise(pl.col("effectiveTime")),
    )
    concepts = concepts.with_columns(
        active=pl.when(pl.col("id") == inactivated).then(False).otherwise(pl.col("active")),
        effectiveTime=pl.when(pl.col("id") == inactivated).then(pl.lit(NEW_DATE)).otherwise(pl.col("effectiveTime")),
    )
    # A concept new in this release, with a Dutch FSN and preferred synonym.
    new_id, fsn_id, syn_id = make(4_242_424, "00", None), make(4_242_424, "01", None), make(4_242_425, "01", None)
    concepts = pl.concat([concepts, pl.DataFrame({
        "id": [new_id], "effectiveTime": [NEW_DATE], "active": [True], "moduleId": [C.NL_MODULE],
        "definitionStatusId": ["900000000000074008"]})], how="diagonal_relaxed")
    new_desc = pl.DataFrame({
        "id": [fsn_id, syn_id], "effectiveTime": [NEW_DATE] * 2, "active": [True] * 2, "moduleId": [C.NL_MODULE] * 2,
        "conceptId": [new_id] * 2, "languageCode": ["nl"] * 2, "typeId": [C.FSN, C.SYNONYM],
        "term": ["nieuwe aandoening (aandoening)", "nieuwe aandoening"], "caseSignificanceId": [C.CASE_INSENSITIVE] * 2,
    })
    descriptions = pl.concat([descriptions, new_desc], how="diagonal_relaxed")
    members = pl.concat([members, pl.DataFrame({
        "id": [str(uuid.uuid4()), str(uuid.uuid4())], "effectiveTime": [NEW_DATE] * 2, "active": [True] * 2,
        "moduleId": [C.NL_MODULE] * 2, "refsetId": [C.NL_LANGUAGE_REFSET] * 2,
        "referencedComponentId": [fsn_id, syn_id], "acceptabilityId": [C.PREFERRED] * 2})], how="diagonal_relaxed")
    term_dir, lang_dir = out / "Snapshot" / "Terminology", out / "Snapshot" / "Refset" / "Language"
    ns = C.NL_NAMESPACE
    rf2.write_concepts(concepts, term_dir / rf2.rf2_filename("Concept", "Snapshot", ns, NEW_DATE))
    rf2.write_descriptions(descriptions, term_dir / rf2.rf2_filename("Description", "Snapshot", ns, NEW_DATE))
    rf2.write_text_definitions(old.text_definitions,
                               term_dir / rf2.rf2_filename("TextDefinition", "Snapshot", ns, NEW_DATE))
    rf2.write_language_refset(members, lang_dir / rf2.rf2_filename("Language", "Snapshot", ns, NEW_DATE))
    return {"reworded": set(reworded["conceptId"]), "inactivated": inactivated, "new": new_id}


def store_state(url: str) -> dict[str, pl.DataFrame]:
    """What a store says about SNOMED after ingest (term_changed aside: it records history)."""
    engine, factory = open_store(url)
    try:
        with factory() as s:
            c, d = Concept, Description
            concepts = s.execute(select(c.id, c.active, c.effective_time, c.module_id, c.term_nl, c.fsn_nl, c.fsn_en,
                                        c.semantic_tag).order_by(c.id)).all()
            descs = s.execute(select(d.id, d.concept_id, d.language_code, d.type_id, d.term, d.active, d.effective_time,
                                     d.module_id, d.case_significance_id, d.acceptability_id).order_by(d.id)).all()
            tm = s.execute(select(PatientTerm.concept_id, PatientTerm.term).where(PatientTerm.active)
                           .order_by(PatientTerm.concept_id)).all()
    finally:
        engine.dispose()
    frame = lambda rows: pl.DataFrame([tuple(map(lambda v: v if not isinstance(v, bool) else int(v), r))  # noqa: E731
                                       for r in rows], orient="row", infer_schema_length=None)
    return {"concepts": frame(concepts), "descriptions": frame(descs), "tm": frame(tm)}


@pytest.mark.parametrize("scan", [False, True], ids=["by-ids", "table-scan"])
def test_newer_snapshot_writes_only_what_changed_and_ends_as_a_fresh_load(store, db_url, tmp_path, monkeypatch, scan):
    if scan:  # the store is read by one scan per table, as for a full edition, instead of IN lists
        monkeypatch.setattr(store_module, "WHOLE_TABLE", 0)
    _, factory = store
    newer = tmp_path / "newer"
    changed = newer_snapshot(newer)
    ingest_release(factory, read_release(sample_path("snapshot")), "old")
    report = ingest_release(factory, read_release(newer), "newer")

    # Only the changes were written: three reworded synonyms and the new concept's two descriptions.
    assert report.descriptions_written == 3 + 2
    assert report.concepts_new == 1 and report.concepts_inactivated == 1
    assert report.concepts_changed_term == 3 and set(report.changed_concepts) == changed["reworded"]
    assert report.tm_added == 0 and report.tm_retired == 0

    with factory() as s:
        stamps = dict(s.execute(select(Concept.id, Concept.term_changed)).all())
    assert {cid for cid, stamp in stamps.items() if stamp == NEW_DATE} == changed["reworded"] | {changed["new"]}

    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    engine, fresh_factory = open_store(fresh)
    ingest_release(fresh_factory, read_release(newer), "newer")
    engine.dispose()
    mine, theirs = store_state(db_url), store_state(fresh)
    for name in ("concepts", "descriptions", "tm"):
        assert mine[name].equals(theirs[name]), name
    new = mine["concepts"].filter(pl.col("column_0") == changed["new"]).row(0)
    assert new[4:] == ("nieuwe aandoening", "nieuwe aandoening (aandoening)", None, "aandoening")

    # The same release once more writes nothing at all.
    again = ingest_release(factory, read_release(newer), "newer")
    assert (again.descriptions_written, again.concepts_new, again.concepts_changed_term) == (0, 0, 0)
    assert store_state(db_url)["descriptions"].equals(mine["descriptions"])


def test_delta_that_only_swaps_acceptability_changes_the_clinical_term(store, tmp_path):
    _, factory = store
    old = read_release(sample_path("snapshot"))
    ingest_release(factory, old, "old")
    members = old.language_members.filter(pl.col("refsetId") == C.NL_LANGUAGE_REFSET)
    syn = old.descriptions.filter((pl.col("typeId") == C.SYNONYM) & (pl.col("languageCode") == "nl") & pl.col("active"))
    in_refset = syn.join(members.select(pl.col("referencedComponentId").alias("id"), "acceptabilityId"), on="id")
    with_two = in_refset.group_by("conceptId").agg(n=pl.len(), pref=(pl.col("acceptabilityId") == C.PREFERRED).sum())
    with_two = with_two.filter((pl.col("n") >= 2) & (pl.col("pref") == 1))["conceptId"].sort()
    assert with_two.len() > 0, "the sample has concepts with a preferred and an acceptable Dutch synonym"
    concept = with_two[0]
    ids = in_refset.filter(pl.col("conceptId") == concept)["id"]
    rows = members.filter(pl.col("referencedComponentId").is_in(ids.implode()))
    preferred = rows.filter(pl.col("acceptabilityId") == C.PREFERRED)["referencedComponentId"][0]
    other = rows.filter(pl.col("referencedComponentId") != preferred)["referencedComponentId"][0]
    swapped = rows.filter(pl.col("referencedComponentId").is_in([preferred, other])).with_columns(
        acceptabilityId=pl.when(pl.col("referencedComponentId") == preferred).then(pl.lit(C.ACCEPTABLE))
        .otherwise(pl.lit(C.PREFERRED)),
        effectiveTime=pl.lit(NEW_DATE),
    )
    delta = tmp_path / "delta"
    rf2.write_language_refset(swapped, delta / "Delta" / "Refset" / "Language"
                              / rf2.rf2_filename("Language", "Delta", C.NL_NAMESPACE, NEW_DATE))
    report = ingest_release(factory, read_release(delta), "delta")
    assert report.descriptions_written == 0 and report.changed_concepts == [concept]
    other_term = syn.filter(pl.col("id") == other)["term"][0]
    with factory() as s:
        assert s.get(Concept, concept).term_nl == other_term
        assert s.get(Description, preferred).acceptability_id == C.ACCEPTABLE


@pytest.mark.postgres
def test_bulk_load_on_postgres_puts_keys_and_indexes_back(pg_url, monkeypatch):
    monkeypatch.setattr(store_module, "BULK_REBUILD", 1)  # the sample takes the path a full edition takes
    engine, factory = open_store(pg_url)
    try:
        with engine.connect() as conn:
            before = conn.execute(text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'descriptions'::regclass "
                "UNION ALL SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'descriptions' ORDER BY 1")).all()
        ingest_release(factory, read_release(sample_path("snapshot")), "sample")
        with engine.connect() as conn:
            after = conn.execute(text(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'descriptions'::regclass "
                "UNION ALL SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'descriptions' ORDER BY 1")).all()
            assert after == before and len(before) >= 3
            row = conn.execute(select(Description.__table__)).mappings().first()
        # The keys are enforced again: a duplicate id and an unknown concept are both refused.
        for bad in ({**row, "term": "dubbel"}, {**row, "id": make(777_777, "01", None), "concept_id": "999999999"}):
            with engine.connect() as conn, pytest.raises(IntegrityError):
                conn.execute(insert(Description.__table__), [bad])
    finally:
        engine.dispose()
