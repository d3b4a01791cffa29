"""A concept's place in SNOMED's hierarchy: its direct IS-A parents, shown beside a review item.

`store_parents(session, relationships)` takes RF2 relationship rows (a Relationship or
StatedRelationship file of a Snapshot, Full — collapsed to the newest row per id — or Delta, as
polars: `sourceId`, `destinationId`, `typeId`, `active`) and applies them to `concept_parents`: an
IS-A (116680003) pair with an active row is a parent; a pair whose rows are all inactive is not
(any more). Pairs the rows do not mention stay as they were, so a Delta changes only what it
says. Ingest calls it when a release carries relationship files; the bundled sample carries
none, so there the item page says the parents are not known and links to a SNOMED browser.
"""
from __future__ import annotations

import polars as pl
from sqlalchemy import delete, insert, select, tuple_
from sqlalchemy.orm import Session

from review_queue.models import ConceptParent

IS_A = "116680003"
CHUNK = 5_000


def store_parents(session: Session, relationships: pl.DataFrame) -> dict[str, int]:
    """Apply relationship rows to the stored parents; returns {"added": n, "removed": n}."""
    pairs = (
        relationships.select(
            pl.col("sourceId").cast(pl.Utf8).alias("concept_id"), pl.col("destinationId").cast(pl.Utf8).alias("parent_id"),
            pl.col("typeId").cast(pl.Utf8), pl.col("active").cast(pl.Utf8).is_in(["1", "true", "True"]).alias("active"),
        )
        .filter(pl.col("typeId") == IS_A)
        # Two rows for one pair (a relationship remodelled under a new id): active if either is.
        .group_by("concept_id", "parent_id").agg(pl.col("active").any())
    )
    gone = pairs.filter(~pl.col("active")).select("concept_id", "parent_id").rows()
    wanted = pairs.filter(pl.col("active")).select("concept_id", "parent_id").rows()
    for start in range(0, len(gone), CHUNK):
        session.execute(delete(ConceptParent).where(
            tuple_(ConceptParent.concept_id, ConceptParent.parent_id).in_(gone[start:start + CHUNK])))
    have = set()
    for start in range(0, len(wanted), CHUNK):
        have |= {(c, p) for c, p in session.execute(select(ConceptParent.concept_id, ConceptParent.parent_id).where(
            tuple_(ConceptParent.concept_id, ConceptParent.parent_id).in_(wanted[start:start + CHUNK])))}
    new = [{"concept_id": c, "parent_id": p} for c, p in wanted if (c, p) not in have]
    for start in range(0, len(new), CHUNK):
        session.execute(insert(ConceptParent), new[start:start + CHUNK])
    return {"added": len(new), "removed": len(gone)}
