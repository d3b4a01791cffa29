"""How a check reports: each flag is a row (row, code, reason, related) with a Dutch reason built
from the message catalogue (`terms/messages/flags.toml`), so codes stay stable and people read
Dutch. Family modules call `reason(...)` and `found(...)`; the checker merges what they find."""
from __future__ import annotations

import re

import polars as pl

from terms.messages import template

_PLACEHOLDER = re.compile(r"\{(\w+)\}")

EMPTY = pl.DataFrame(schema={"row": pl.UInt32, "code": pl.Utf8, "reason": pl.Utf8, "related": pl.List(pl.Utf8)})


def reason(key: str, **values: pl.Expr | str | int) -> pl.Expr:
    """The catalogue text `flags.<key>` as a polars expression, `{name}` filled from `values`
    (expressions, or plain values taken as literals). KeyError names a missing placeholder."""
    text = template(f"flags.{key}")
    names = _PLACEHOLDER.findall(text)
    missing = [n for n in names if n not in values]
    if missing:
        raise KeyError(f"flags.{key}: no value for {', '.join(missing)}")
    if not names:
        return pl.lit(text)
    exprs = [v if isinstance(v, pl.Expr) else pl.lit(str(v)) for v in (values[n] for n in names)]
    return pl.format(_PLACEHOLDER.sub("{}", text), *exprs)


def quote(expr: pl.Expr) -> pl.Expr:
    """'text' — how reasons quote a term."""
    return pl.lit("'") + expr + pl.lit("'")


def found(frame: pl.DataFrame, code: str, why: pl.Expr, related: pl.Expr | None = None) -> pl.DataFrame | None:
    """Rows of `frame` (which has `row`) as flags of `code`, or None when there are none."""
    if frame.is_empty():
        return None
    return frame.select("row", pl.lit(code).alias("code"), why.alias("reason"),
                        (related if related is not None else pl.lit([], pl.List(pl.Utf8))).cast(pl.List(pl.Utf8))
                        .alias("related"))


def judged(frame: pl.DataFrame, columns: list[str], judge, prefilter: pl.Expr | None = None) -> pl.DataFrame:
    """(row, what) for the rows of `frame` where `judge(*values)` returns a text: the judge runs
    once per distinct combination of `columns` (a batch repeats its texts a lot), and only on rows
    passing the optional polars `prefilter`, so Python never loops over every row.

    `judge` returns None (nothing wrong) or a reason text."""
    rows = frame if prefilter is None else frame.filter(prefilter)
    if rows.is_empty():
        return pl.DataFrame(schema={"row": pl.UInt32, "what": pl.Utf8})
    distinct = rows.select(columns).unique()
    verdicts = [judge(*values) for values in distinct.iter_rows()]
    distinct = distinct.with_columns(pl.Series("what", verdicts, dtype=pl.Utf8)).drop_nulls("what")
    if distinct.is_empty():
        return pl.DataFrame(schema={"row": pl.UInt32, "what": pl.Utf8})
    return rows.select("row", *columns).join(distinct, on=columns).select("row", "what").sort("row")
