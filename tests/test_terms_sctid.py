"""SCTIDs: Verhoeff check digit against published ids, partitions, namespaces, minting."""
from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from terms.rf2 import verhoeff_ok
from terms.sctid import SCTIDError, is_valid, make, namespace, partition, verhoeff_digit

# Ids published by SNOMED International and the Dutch release centre (not produced by helder).
PUBLISHED = ["138875005", "404684003", "64572001", "22298006", "900000000000003001", "900000000000509007",
             "31000146106", "15551000146102", "11000146104", "15561000146104", "900000000000548007"]


@pytest.mark.parametrize("sctid", PUBLISHED)
def test_published_ids_are_valid(sctid):
    assert is_valid(sctid)
    assert verhoeff_digit(sctid[:-1]) == sctid[-1]


@pytest.mark.parametrize("bad", ["138875006", "1388750050", "038875005", "12345", "1234567890123456789", "13887500a",
                                 "138875035"])
def test_malformed_ids_are_refused(bad):
    assert not is_valid(bad)


def test_partition_and_namespace():
    assert partition("15551000146102") == "10"
    assert namespace("15551000146102") == "1000146"
    assert namespace("22298006") is None
    assert make(1555, "10", "1000146") == "15551000146102"


@given(item=st.integers(min_value=1, max_value=10**7), part=st.sampled_from(["10", "11", "12"]),
       ns=st.from_regex(r"\A[0-9]{7}\Z"))
def test_made_ids_are_valid_and_parse_back(item, part, ns):
    sctid = make(item, part, ns)
    assert is_valid(sctid)
    assert (partition(sctid), namespace(sctid), int(sctid[:-10])) == (part, ns, item)


@given(item=st.integers(min_value=1, max_value=10**7), position=st.integers(min_value=0, max_value=30),
       delta=st.integers(min_value=1, max_value=9))
def test_any_single_digit_error_is_caught(item, position, delta):
    sctid = make(item, "11", "1000146")
    i = position % len(sctid)
    wrong = sctid[:i] + str((int(sctid[i]) + delta) % 10) + sctid[i + 1:]
    assert not is_valid(wrong)


@given(item=st.integers(min_value=10, max_value=10**7), position=st.integers(min_value=0, max_value=30))
def test_adjacent_transpositions_are_caught(item, position):
    sctid = make(item, "10", "1000146")
    i = position % (len(sctid) - 1)
    if sctid[i] == sctid[i + 1]:
        return
    swapped = sctid[:i] + sctid[i + 1] + sctid[i] + sctid[i + 2:]
    assert not is_valid(swapped)


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=50))
def test_vectorised_check_agrees_with_the_scalar_one(items):
    ids = [make(i, "00") for i in items] + [str(i) for i in items]
    assert verhoeff_ok(pl.Series(ids)).to_list() == [is_valid(s) for s in ids]


def test_make_refuses_nonsense():
    with pytest.raises(SCTIDError):
        make(1, "11")  # extension partition without namespace
    with pytest.raises(SCTIDError):
        make(1, "01", "1000146")
    with pytest.raises(SCTIDError):
        make(10**12, "11", "1000146")
