"""Proposals judged against their own source and batch: `same-as-source` (the proposal is the
clinical term), `duplicate-in-batch` (another concept got the same proposal) and `stale-source`
(the clinical term changed after the proposal was made); `not-understood`: the offline suggester
made no proposal and says which words of the term it did not understand (`unknownWords`)."""
from __future__ import annotations

import polars as pl

from pipeline.checks.flags import found, reason
from pipeline.checks.text import _norm

FLAGS = {"same-as-source": "info", "duplicate-in-batch": "warning", "stale-source": "warning", "not-understood": "info"}


def same_as_source(present: pl.DataFrame) -> pl.DataFrame | None:
    """`present`: row, term, norm, termNorm."""
    return found(present.filter(pl.col("norm") == pl.col("termNorm")), "same-as-source",
                 reason("same-as-source.reason", term=pl.col("term")))


def duplicates(present: pl.DataFrame) -> pl.DataFrame | None:
    """`present`: row, conceptId, norm. Related: up to five other concepts with the same proposal."""
    groups = (present.group_by("norm").agg(pl.col("conceptId").unique().alias("concepts"))
              .filter(pl.col("concepts").list.len() > 1))
    if groups.is_empty():
        return None
    hits = (present.select("row", "conceptId", "norm").join(groups, on="norm")
            .with_columns(pl.col("concepts").list.set_difference(pl.concat_list(pl.col("conceptId")))
                          .list.sort().list.head(5).alias("others")))
    return found(hits, "duplicate-in-batch", reason("duplicate-in-batch.reason", concepts=pl.col("others").list.join(", ")),
                 related=pl.col("others"))


def stale(rows: pl.DataFrame) -> pl.DataFrame | None:
    """`rows`: row, term, termNorm, previousTerm (the clinical term when the proposal was made)."""
    hits = rows.filter(pl.col("previousTerm").is_not_null() & (_norm(pl.col("previousTerm")) != pl.col("termNorm")))
    return found(hits, "stale-source", reason("stale-source.reason", previous=pl.col("previousTerm"), term=pl.col("term")))


def not_understood(df: pl.DataFrame) -> pl.DataFrame | None:
    """Rows whose `unknownWords` (";"-joined, from the offline suggester) is not empty."""
    if "unknownWords" not in df.columns:
        return None
    hits = (df.select(pl.col("unknownWords").cast(pl.Utf8).fill_null("").alias("w")).with_row_index("row")
            .filter(pl.col("w") != ""))
    return found(hits, "not-understood", reason("not-understood.reason", words=pl.col("w").str.replace_all(";", "', '")))
