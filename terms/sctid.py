"""SNOMED CT identifiers: Verhoeff check digit, partition, namespace, making ids.

An SCTID is item id + [namespace (7 digits), extensions only] + partition (2 digits) + check
digit, 6 to 18 digits in all. The second partition digit says what the id names (0 concept,
1 description, 2 relationship); the first says whether a namespace is present (1) or not (0).
Minting (item numbers never used before) is exports.ids, which records every id in the store.
"""
from __future__ import annotations

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
