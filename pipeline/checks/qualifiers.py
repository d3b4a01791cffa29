"""`lost-qualifier`: the clinical term says a side, a course, congenital, a type, a stage or a
grade, and the proposal does not say it in any wording a patient would read it in. (Numbers
lost or moved are `number-changed`, pipeline/checks/numbers.py.)"""
from __future__ import annotations

import polars as pl

from pipeline.checks.flags import found, reason
from pipeline.checks.text import QUALIFIERS
from terms.messages import message

FLAGS = {"lost-qualifier": "error"}


def lost_qualifier(present: pl.DataFrame) -> pl.DataFrame | None:
    """`present`: row, termNorm, norm. One flag per row, every lost qualifier named."""
    t, p = pl.col("termNorm"), pl.col("norm")
    frames = []
    sides = [q for q in QUALIFIERS if q[0] == "side"]
    for label, in_term, kept in QUALIFIERS:
        hit = present.filter(t.str.contains(in_term) & ~p.str.contains(kept))
        if not hit.is_empty():
            what = message(f"flags.lost-qualifier.kind.{label.replace(' ', '-')}")
            text = reason("lost-qualifier.reason", word=t.str.extract(f"({in_term})"), what=what)
            if label == "side":
                # "rechterdijbeen" for "linker femur": not lost but swapped — say which side it names
                other = next(q for q in sides if q[1] != in_term)
                text = pl.when(p.str.contains(other[1])).then(
                    reason("lost-qualifier.swapped", word=t.str.extract(f"({in_term})"), other=p.str.extract(f"({other[1]})"))
                ).otherwise(text)
            frames.append(hit.select("row", text.alias("reason")))
    if not frames:
        return None
    hits = pl.concat(frames).group_by("row", maintain_order=True).agg(pl.col("reason").str.join("; "))
    return found(hits, "lost-qualifier", pl.col("reason"))
