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
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from exports import bulk
from review_queue.models import Description, MintedId, PatientTerm

DESCRIPTION_PARTITION = "11"  # extension description (DESIGN.md: 10 concept, 11 description, 12 relationship)
SYNONYM, DEFINITION = "synonym", "definition"
_LOCK_KEY = 0x68656C646572  # "helder": serialises minting between concurrent releases on PostgreSQL


def lock_minting(session: Session) -> None:
    """Hold the minting lock until the transaction ends (PostgreSQL; SQLite serialises writers itself)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})


def _frame(rows, schema: dict) -> pl.DataFrame:
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _columns(purpose: str):
    if purpose == SYNONYM:
        return PatientTerm.description_id, PatientTerm.term
    return PatientTerm.definition_id, PatientTerm.explanation


def known_ids(session: Session, purpose: str, concepts: list[str] | None = None) -> pl.DataFrame:
    """(conceptId, text) → id for every id helder handed out or ingested for this purpose.

    `concepts` limits the look-up to those concepts (a monthly release needs a few thousand,
    not every id ever minted). The newest wins when a text was given an id more than once (it
    should not happen, but an older database may hold it).
    """
    schema = {"conceptId": pl.Utf8, "text": pl.Utf8, "id": pl.Utf8, "rank": pl.Int64}
    id_col, text_col = _columns(purpose)
    minted_q = select(MintedId.concept_id, MintedId.term, MintedId.sctid, MintedId.item).where(
        MintedId.purpose == purpose, MintedId.concept_id.is_not(None), MintedId.term.is_not(None))
    # Ids stored on terms count, except one helder minted for other text (edited in place).
    stored_q = (
        select(PatientTerm.concept_id, text_col, id_col, PatientTerm.id)
        .outerjoin(MintedId, MintedId.sctid == id_col)
        .where(id_col.is_not(None), text_col.is_not(None),
               MintedId.sctid.is_(None) | ((MintedId.concept_id == PatientTerm.concept_id) & (MintedId.term == text_col)))
    )
    if concepts is None:
        minted_rows, stored_rows = session.execute(minted_q).all(), session.execute(stored_q).all()
    else:
        minted_rows, stored_rows = [], []
        for start in range(0, len(concepts), 5_000):
            chunk = concepts[start:start + 5_000]
            minted_rows += session.execute(minted_q.where(MintedId.concept_id.in_(chunk))).all()
            stored_rows += session.execute(stored_q.where(PatientTerm.concept_id.in_(chunk))).all()
    minted, stored = _frame(minted_rows, schema), _frame(stored_rows, schema)
    # Minted records describe an id exactly; stored ids on terms come next (ingested ones included).
    both = pl.concat([minted.with_columns(pl.col("rank") + (1 << 40)), stored])
    return (
        both.sort("rank", descending=True)
        .unique(["conceptId", "text"], keep="first", maintain_order=True)
        .select("conceptId", "text", "id")
    )


def mismatched(session: Session, purpose: str) -> set[int]:
    """Patient terms holding an id helder minted for another concept or text (text changed in place)."""
    id_col, text_col = _columns(purpose)
    rows = session.execute(
        select(PatientTerm.id).join(MintedId, MintedId.sctid == id_col)
        .where(PatientTerm.active, (MintedId.concept_id != PatientTerm.concept_id) | (MintedId.term != text_col))
    ).all()
    return {r[0] for r in rows}


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
    columns = ("sctid", "namespace", "partition", "item", "concept_id", "purpose", "term", "created_at")
    rows = [
        (sctid, namespace, DESCRIPTION_PARTITION, item, concept, purpose, text_, now)
        for sctid, item, concept, text_ in out.select("id", "item", "conceptId", "text").iter_rows()
    ]
    bulk.insert_rows(session, MintedId.__table__, columns, rows)
    return out.select("conceptId", "text", "id")


def assign(session: Session, rows: pl.DataFrame, purpose: str, namespace: str) -> tuple[pl.DataFrame, int]:
    """Give every row (ptId, conceptId, text, storedId) an id; returns rows + `id` and how many were minted.

    A stored id is kept unless helder minted it for a different concept or text (the text was
    changed in place); otherwise the id known for (concept, text) is reused, else a new one minted.
    """
    bad = mismatched(session, purpose)
    checked = rows.with_columns(
        storedId=pl.when(~pl.col("ptId").is_in(list(bad))).then(pl.col("storedId"))
    ) if bad else rows
    unknown = checked.filter(pl.col("storedId").is_null())
    concepts = unknown["conceptId"].unique().to_list()
    # Few terms without an id (a monthly release): look those concepts up; many: read everything once.
    known = known_ids(session, purpose, concepts if len(concepts) < 50_000 else None).rename({"id": "knownId"})
    joined = checked.join(known, on=["conceptId", "text"], how="left")
    joined = joined.with_columns(id=pl.coalesce("storedId", "knownId")).drop("knownId")
    needs = joined.filter(pl.col("id").is_null()).select("conceptId", "text").unique(maintain_order=True)
    new = mint(session, needs, purpose, namespace).rename({"id": "newId"})
    out = joined.join(new, on=["conceptId", "text"], how="left").with_columns(
        id=pl.coalesce("id", "newId")
    ).drop("newId")
    return out, needs.height
