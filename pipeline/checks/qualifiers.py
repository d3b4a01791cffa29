"""`lost-qualifier`: the clinical term says a side, a course, congenital, a type, a stage or a
grade, and the proposal does not say it in any wording a patient would read it in."""
from __future__ import annotations

import polars as pl

from pipeline.checks.flags import found, reason
from pipeline.checks.text import QUALIFIERS, _numbers
from terms.messages import message

FLAGS = {"lost-qualifier": "error"}


def lost_qualifier(present: pl.DataFrame) -> pl.DataFrame | None:
    """`present`: row, termNorm, norm. One flag per row, every lost qualifier named."""
    t, p = pl.col("termNorm"), pl.col("norm")
    frames = []
    for label, in_term, kept in QUALIFIERS:
        hit = present.filter(t.str.contains(in_term) & ~p.str.contains(kept))
        if not hit.is_empty():
            what = message(f"flags.lost-qualifier.kind.{label.replace(' ', '-')}")
            frames.append(hit.select("row", reason("lost-qualifier.reason", word=t.str.extract(f"({in_term})"),
                                                   what=what).alias("reason")))
    nums = (present.select("row", _numbers(t).alias("a"), _numbers(p, with_words=True).alias("b"))
            .with_columns(pl.col("a").list.set_difference(pl.col("b")).alias("lost"))
            .filter(pl.col("lost").list.len() > 0))
    if not nums.is_empty():
        frames.append(nums.select("row", reason("lost-qualifier.number",
                                                numbers=pl.col("lost").list.sort().list.join(", ")).alias("reason")))
    if not frames:
        return None
    hits = pl.concat(frames).group_by("row", maintain_order=True).agg(pl.col("reason").str.join("; "))
    return found(hits, "lost-qualifier", pl.col("reason"))
