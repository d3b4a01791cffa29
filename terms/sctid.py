"""SNOMED CT identifiers: Verhoeff check digit, partition, namespace, making ids.

An SCTID is item id + [namespace (7 digits), extensions only] + partition (2 digits) + check
digit, 6 to 18 digits in all. The second partition digit says what the id names (0 concept,
1 description, 2 relationship); the first says whether a namespace is present (1) or not (0).
Minting (item numbers never used before) is exports.ids, which records every id in the store.
Source of the rules: SNOMED CT Technical Implementation Guide, "SCTID" (Verhoeff check digit,
partition identifier, namespace identifier). Column-wise forms (`valid_series`, `id_problems`)
serve readers of whole files.
"""
from __future__ import annotations

import numpy as np
import polars as pl

CONCEPT, DESCRIPTION, RELATIONSHIP = "0", "1", "2"

# The Verhoeff tables (dihedral group D5): multiplication, permutation, inverse.
_D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
]
_P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
]
_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]


class SCTIDError(ValueError):
    """An identifier is not a well-formed SCTID."""


def verhoeff_digit(digits: str) -> str:
    """The check digit to append to `digits`."""
    c = 0
    for i, ch in enumerate(reversed(digits)):
        c = _D[c][_P[(i + 1) % 8][int(ch)]]
    return str(_INV[c])


def is_valid(sctid: str | int) -> bool:
    """True for a well-formed SCTID: 6–18 digits, no leading zero, known partition, check digit."""
    s = str(sctid)
    if not (6 <= len(s) <= 18) or not s.isdigit() or s[0] == "0":
        return False
    if s[-3] not in "01" or s[-2] not in "012":
        return False
    if s[-3] == "1" and len(s) < 11:  # item (≥1 digit) + namespace (7) + partition + check
        return False
    c = 0
    for i, ch in enumerate(reversed(s)):
        c = _D[c][_P[i % 8][int(ch)]]
    return c == 0


def partition(sctid: str | int) -> str:
    """The two partition digits, e.g. '10' for a concept in an extension namespace."""
    return str(sctid)[-3:-1]


def namespace(sctid: str | int) -> str | None:
    """The 7-digit namespace of an extension id, None for a core (international) id."""
    s = str(sctid)
    return s[-10:-3] if s[-3] == "1" else None


def make(item: int, partition: str, namespace: str | None = None) -> str:
    """The SCTID for `item` in `partition` ('10', '11'... with a namespace; '00', '01'... without)."""
    if item < 0:
        raise SCTIDError(f"item id must be ≥ 0, got {item}")
    if len(partition) != 2 or partition[0] not in "01" or partition[1] not in "012":
        raise SCTIDError(f"unknown partition {partition!r}")
    if (partition[0] == "1") != (namespace is not None):
        raise SCTIDError(f"partition {partition} {'needs' if partition[0] == '1' else 'takes no'} namespace")
    if namespace is not None and not (len(namespace) == 7 and namespace.isdigit()):
        raise SCTIDError(f"namespace must be 7 digits, got {namespace!r}")
    body = f"{item}{namespace or ''}{partition}"
    if namespace is None and item == 0:
        raise SCTIDError("item id 0 makes no core SCTID")
    sctid = body + verhoeff_digit(body)
    if len(sctid) > 18:
        raise SCTIDError(f"item {item} is too large for an 18-digit SCTID")
    return sctid


# ---- column-wise, for whole files -----------------------------------------------------------

# 6–18 digits, no leading zero, a known partition, and room for the 7-digit namespace when the
# partition's first digit says there is one (item ≥ 1 digit + namespace 7 + partition 2 + check 1).
SHAPE = r"^(?:[1-9][0-9]{2,14}0[012][0-9]|[1-9][0-9]{7,14}1[012][0-9])$"
# What a spreadsheet makes of a number: a decimal point or comma, an exponent, digit grouping.
NUMBER_LIKE = r"^[+\-]?[0-9][0-9 .,\u00a0\u202f]*(?:[eE][+\-]?[0-9]+)?$"


def valid_series(ids: pl.Series) -> pl.Series:
    """`is_valid` for a text Series, column-wise (numpy over the 18 digit positions); null → False."""
    s = ids.cast(pl.Utf8).fill_null("")
    shape = s.str.contains(SHAPE).to_numpy()
    padded = s.str.pad_start(18, "0").str.replace_all(r"[^0-9]", "0").str.slice(-18).to_numpy().astype("S18")
    digits = (np.frombuffer(padded.tobytes(), dtype=np.uint8).reshape(-1, 18) - ord("0") if len(padded)
              else np.zeros((0, 18), dtype=np.uint8))
    lengths = s.str.len_chars().to_numpy()
    d = np.array(_D, dtype=np.uint8)
    p = np.array(_P, dtype=np.uint8)
    c = np.zeros(len(s), dtype=np.uint8)
    for i in range(18):  # i-th digit from the right
        digit = digits[:, 17 - i]
        step = d[c, p[i % 8][digit]]
        c = np.where(i < lengths, step, c)
    return pl.Series(ids.name, shape & (c == 0))


def id_problems(ids: pl.Series, want: str | None = CONCEPT) -> pl.Series:
    """Per id (text, already trimmed) the first SCTID rule it breaks, null when it is a valid id.

    Codes, in order: `float` (looks like a spreadsheet number: 1.23457E+14, 1049999999107.0,
    4,50229981000132E+17), `digits` (anything else that is not only digits), `length` (not 6–18
    digits), `leading-zero`, `partition` (unknown partition or no room for a namespace),
    `check-digit` (Verhoeff), and when `want` is a partition kind ("0" concept, "1" description,
    "2" relationship) `kind-<k>` for a valid id of another kind.
    """
    frame = pl.DataFrame({"id": ids.cast(pl.Utf8)})
    col = pl.col("id")
    digits = col.str.contains(r"^[0-9]+$")
    out = frame.with_columns(ok=valid_series(frame["id"])).select(
        pl.when(col.is_null() | col.str.contains(NUMBER_LIKE) & ~digits).then(pl.lit("float"))
        .when(~digits).then(pl.lit("digits"))
        .when((col.str.len_chars() < 6) | (col.str.len_chars() > 18)).then(pl.lit("length"))
        .when(col.str.starts_with("0")).then(pl.lit("leading-zero"))
        .when(~col.str.contains(SHAPE)).then(pl.lit("partition"))
        .when(~pl.col("ok")).then(pl.lit("check-digit"))
        .when(pl.lit(want is not None) & (col.str.slice(-2, 1) != pl.lit(want or ""))).then(
            pl.lit("kind-") + col.str.slice(-2, 1))
        .otherwise(pl.lit(None, pl.Utf8)).alias(ids.name or "problem")
    )
    return out.to_series()
