"""Description and text-definition ids for a release: reuse what was handed out, mint the rest.

An id belongs to one (concept, text) forever: the same approved term keeps its id in every
release, a changed term gets a new one, and a term that comes back reuses its old id. New ids
are minted in the configured namespace, partition 11 (extension description), from one past
the highest item helder ever minted *or saw* in that namespace — the national edition already
uses items there, and an SCTID is never handed out twice. Every minted id is recorded in
`minted_ids` (unique per namespace/partition/item), so a concurrent release fails rather
than duplicates.
"""
from __future__ import annotations

from datetime import datetime, timezone

import polars as pl
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from review_queue.models import Description, MintedId, PatientTerm

DESCRIPTION_PARTITION = "11"  # extension description (DESIGN.md: 10 concept, 11 description, 12 relationship)
SYNONYM, DEFINITION = "synonym", "definition"
CHUNK = 5_000
_LOCK_KEY = 0x68656C646572  # "helder": serialises minting between concurrent releases on PostgreSQL


def lock_minting(session: Session) -> None:
    """Hold the minting lock until the transaction ends (PostgreSQL; SQLite serialises writers itself)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})


def _frame(rows, schema: dict) -> pl.DataFrame:
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def known_ids(session: Session, purpose: str) -> pl.DataFrame:
    """(conceptId, text) → id for every id helder handed out or ingested for this purpose.

    The newest wins when a text was given an id more than once (it should not happen, but an
    older database may hold it).
    """
    schema = {"conceptId": pl.Utf8, "text": pl.Utf8, "id": pl.Utf8, "rank": pl.Int64}
    minted = _frame(
        session.execute(
            select(MintedId.concept_id, MintedId.term, MintedId.sctid, MintedId.item)
            .where(MintedId.purpose == purpose, MintedId.concept_id.is_not(None), MintedId.term.is_not(None))
        ).all(),
        schema,
    )
    id_col = PatientTerm.description_id if purpose == SYNONYM else PatientTerm.definition_id
    text_col = PatientTerm.term if purpose == SYNONYM else PatientTerm.explanation
    stored = _frame(
        session.execute(
            select(PatientTerm.concept_id, text_col, id_col, PatientTerm.id)
            .where(id_col.is_not(None), text_col.is_not(None))
        ).all(),
        schema,
    )
    # Minted records describe an id exactly; stored ids on terms come next (ingested ones included).
    both = pl.concat([minted.with_columns(pl.col("rank") + (1 << 40)), stored])
    return (
        both.sort("rank", descending=True)
        .unique(["conceptId", "text"], keep="first", maintain_order=True)
        .select("conceptId", "text", "id")
    )


def minted_text(session: Session, purpose: str) -> pl.DataFrame:
    """id → the (concept, text) it was minted for, to catch a stored id whose text changed since."""
    return _frame(
        session.execute(
            select(MintedId.sctid, MintedId.concept_id, MintedId.term).where(MintedId.purpose == purpose)
        ).all(),
        {"id": pl.Utf8, "mintedConcept": pl.Utf8, "mintedText": pl.Utf8},
    )


def next_item(session: Session, namespace: str, partition: str = DESCRIPTION_PARTITION) -> int:
    """One past the highest item minted by helder or present in the store in this namespace/partition."""
    top = session.execute(
        select(func.max(MintedId.item)).where(MintedId.namespace == namespace, MintedId.partition == partition)
    ).scalar()
    highest = int(top or 0)
    suffix = f"%{namespace}{partition}_"
    seen: list[str] = []
    for column in (Description.id, PatientTerm.description_id, PatientTerm.definition_id):
        seen += [r[0] for r in session.execute(select(column).where(column.like(suffix))).all()]
    if seen:
        items = (
            pl.DataFrame({"id": seen}, schema={"id": pl.Utf8})
            .filter(pl.col("id").str.len_chars() > 10)
            .select(pl.col("id").str.head(pl.col("id").str.len_chars() - 10).cast(pl.Int64, strict=False))
            .drop_nulls()
        )
        if items.height:
            highest = max(highest, int(items["id"].max()))
    return highest + 1


def mint(session: Session, needs: pl.DataFrame, purpose: str, namespace: str) -> pl.DataFrame:
    """New ids for `needs` (conceptId, text; unique pairs); records them and returns conceptId, text, id."""
    from terms.sctid import make

    if needs.is_empty():
        return needs.with_columns(id=pl.lit(None, dtype=pl.Utf8))
    start = next_item(session, namespace)
    items = list(range(start, start + needs.height))
    ids = [make(item, DESCRIPTION_PARTITION, namespace) for item in items]
    out = needs.with_columns(id=pl.Series(ids, dtype=pl.Utf8), item=pl.Series(items, dtype=pl.Int64))
    now = datetime.now(timezone.utc)
    rows = [
        {"sctid": r["id"], "namespace": namespace, "partition": DESCRIPTION_PARTITION, "item": r["item"],
         "concept_id": r["conceptId"], "purpose": purpose, "term": r["text"], "created_at": now}
        for r in out.iter_rows(named=True)
    ]
    for start_at in range(0, len(rows), CHUNK):
        session.execute(insert(MintedId), rows[start_at:start_at + CHUNK])
    return out.select("conceptId", "text", "id")


def assign(session: Session, rows: pl.DataFrame, purpose: str, namespace: str) -> tuple[pl.DataFrame, int]:
    """Give every row (conceptId, text, storedId) an id; returns rows + `id` and how many were minted.

    A stored id is kept unless helder minted it for a different concept or text (the text was
    changed in place); otherwise the id known for (concept, text) is reused, else a new one minted.
    """
    minted = minted_text(session, purpose)
    checked = rows.join(minted, left_on="storedId", right_on="id", how="left").with_columns(
        storedId=pl.when(
            pl.col("mintedConcept").is_null()
            | ((pl.col("mintedConcept") == pl.col("conceptId")) & (pl.col("mintedText") == pl.col("text")))
        ).then(pl.col("storedId"))
    ).drop("mintedConcept", "mintedText")
    known = known_ids(session, purpose).rename({"id": "knownId"})
    joined = checked.join(known, on=["conceptId", "text"], how="left")
    joined = joined.with_columns(id=pl.coalesce("storedId", "knownId")).drop("knownId")
    needs = joined.filter(pl.col("id").is_null()).select("conceptId", "text").unique(maintain_order=True)
    new = mint(session, needs, purpose, namespace).rename({"id": "newId"})
    out = joined.join(new, on=["conceptId", "text"], how="left").with_columns(
        id=pl.coalesce("id", "newId")
    ).drop("newId")
    return out, needs.height
