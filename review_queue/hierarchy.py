"""A concept's place in SNOMED's hierarchy: its direct IS-A parents, shown beside a review item.

`store_parents(session, relationships)` takes RF2 relationship rows (`Release.relationships`
from terms.rf2: the inferred Relationship files of a Snapshot, Full — collapsed to the newest
row per id — or Delta, or the StatedRelationship files when a release has no inferred one; as
polars with `sourceId`, `destinationId`, `typeId`, `active`) and applies them to
`concept_parents`: an IS-A (116680003) pair with an active row is a parent; a pair whose rows are
all inactive is not (any more). Pairs the rows do not mention stay as they were, so a Delta
changes only what it says. `review_queue.store.ingest_release` calls it in the ingest's own
transaction for every release that carries relationship files. Parents are kept whether or not
the parent concept is in the store (the page shows its id then); a release without relationship
files — the bundled sample — leaves them as they were, and the item page says the parents are
not known and links to a SNOMED browser.
"""
from __future__ import annotations

import polars as pl
from sqlalchemy import delete, tuple_
from sqlalchemy.orm import Session

from review_queue.models import ConceptParent

IS_A = "116680003"
CHUNK = 5_000


def store_parents(session: Session, relationships: pl.DataFrame) -> dict[str, int]:
    """Apply relationship rows to the stored parents; returns {"added": n, "removed": n}, counting
    the links that really changed (a Snapshot ingested again adds and removes nothing).

    The stored parents of the concepts the rows name are read once (one table scan when they are
    many) and compared in polars; new links go in by bulk load (COPY on PostgreSQL).
    """
    from review_queue.store import _bulk_insert, _store_frame  # store imports this module

    pairs = (
        relationships.lazy().select(
            pl.col("sourceId").cast(pl.Utf8).alias("concept_id"), pl.col("destinationId").cast(pl.Utf8).alias("parent_id"),
            pl.col("typeId").cast(pl.Utf8), pl.col("active").cast(pl.Utf8).is_in(["1", "true", "True"]).alias("active"),
        )
        .filter(pl.col("typeId") == IS_A)
        # Two rows for one pair (a relationship remodelled under a new id): active if either is.
        .group_by("concept_id", "parent_id").agg(pl.col("active").any())
        .collect()
    )
    if pairs.is_empty():
        return {"added": 0, "removed": 0}
    key = ["concept_id", "parent_id"]
    stored = _store_frame(session, ConceptParent.concept_id, pairs["concept_id"],
                          [ConceptParent.concept_id, ConceptParent.parent_id], {})
    gone = pairs.filter(~pl.col("active")).join(stored, on=key, how="semi").select(key).rows()
    new = pairs.filter(pl.col("active")).join(stored, on=key, how="anti").select(key)
    for start in range(0, len(gone), CHUNK):
        session.execute(delete(ConceptParent).where(
            tuple_(ConceptParent.concept_id, ConceptParent.parent_id).in_(gone[start:start + CHUNK])))
    _bulk_insert(session, ConceptParent.__table__, new)
    return {"added": new.height, "removed": len(gone)}
