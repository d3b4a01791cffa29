"""Blocked TM scoring (big TMs) finds the near-duplicates that scoring every pair finds.

The blocked path scores only candidate pairs: word multisets equal up to two words changed on
either side, plus pairs sharing a proposal's rarest words. These tests compare it with the
all-pairs path on a few thousand generated Dutch terms, and state the key property directly.
"""
from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from pipeline.checks import Checker, _token_set_keys
from terms.synthetic import synthetic_concepts

WORDS = st.sampled_from(["van", "de", "het", "linker", "rechter", "knie", "heup", "ontsteking", "2", "type",
                         "acute", "gebroken", "nier", "lever", "bloeding", "in", "aan", "beide", "kanten"])


@settings(max_examples=300, deadline=None)
@given(common=st.lists(WORDS, min_size=1, max_size=8), extra_a=st.lists(WORDS, max_size=2),
       extra_b=st.lists(WORDS, max_size=2), seed=st.randoms())
def test_texts_differing_in_at_most_two_words_each_share_a_key(common, extra_a, extra_b, seed):
    a, b = common + extra_a, common + extra_b
    seed.shuffle(a)
    seed.shuffle(b)
    frame = pl.DataFrame({"id": [0, 1], "text": [" ".join(a), " ".join(b)]})
    keys = _token_set_keys(frame, "id")
    assert set(keys.filter(pl.col("id") == 0)["key"]) & set(keys.filter(pl.col("id") == 1)["key"])


def test_texts_with_nothing_in_common_share_no_key():
    frame = pl.DataFrame({"id": [0, 1], "text": ["acute ontsteking van de knie", "gebroken linker heup"]})
    keys = _token_set_keys(frame, "id")
    assert not set(keys.filter(pl.col("id") == 0)["key"]) & set(keys.filter(pl.col("id") == 1)["key"])


def _typo(s: pl.Expr, at: pl.Expr) -> pl.Expr:
    return s.str.slice(0, at) + s.str.slice(at + 1)


@pytest.fixture(scope="module")
def generated() -> tuple[pl.DataFrame, pl.DataFrame]:
    """1,500 TM pairs and 2,500 proposals from the synthetic generator, a third of them perturbed
    towards a TM patient term (copies, typos, a dropped or reordered word) or away from their own."""
    concepts = synthetic_concepts(4000, seed=11).with_columns(pl.col("idx").cast(pl.Utf8).alias("conceptId"))
    tm = concepts.head(1500).select("conceptId", "term", "patientTerm")
    rng = np.random.default_rng(11)
    work = concepts.tail(2500).with_columns(
        pl.Series("roll", rng.random(2500)), pl.Series("at", rng.integers(1, 12, 2500)),
        tm["patientTerm"].gather(rng.integers(0, 1500, 2500)).alias("other"))
    proposals = work.select("conceptId", "term", pl.when(pl.col("roll") < 0.08).then(pl.col("other"))
                            .when(pl.col("roll") < 0.16).then(_typo(pl.col("other"), pl.col("at")))
                            .when(pl.col("roll") < 0.22).then(pl.col("other").str.replace(r"^\S+ ", ""))
                            .when(pl.col("roll") < 0.28).then(pl.col("other").str.replace(r"^(\S+) (\S+)", "$2 $1"))
                            .when(pl.col("roll") < 0.34).then(_typo(pl.col("patientTerm"), pl.col("at")))
                            .otherwise(pl.col("patientTerm")).alias("suggestion"))
    return proposals, tm


@pytest.fixture(scope="module")
def both(generated):
    proposals, tm = generated
    every_pair = Checker(tm, {"blocking_min_tm": 0}).check(proposals)
    blocked = Checker(tm, {"blocking_min_tm": 1}).check(proposals)
    return every_pair, blocked


def _conflicts(out: pl.DataFrame) -> list[list[str]]:
    return [sorted(x for d in json.loads(details) if d["code"] == "tm-conflict" for x in d["related"])
            for details in out["flagDetails"]]


def test_blocked_path_raises_the_same_flags_as_scoring_every_pair(both):
    every_pair, blocked = both
    assert every_pair["flags"].str.contains("tm-conflict").sum() > 300  # the data plants many conflicts
    assert _conflicts(blocked) == _conflicts(every_pair)
    assert blocked["flags"].to_list() == every_pair["flags"].to_list()


def test_blocked_path_finds_every_near_duplicate_tm_term(generated, both):
    """Brute force, independently: every TM patient term within ratio 92 of a proposal (sorted words)."""
    proposals, tm = generated
    _, blocked = both
    key = lambda s: s.str.to_lowercase().str.extract_all(r"[\p{L}\d]+").list.sort().list.join(" ")
    scores = process.cdist(proposals.select(key(pl.col("suggestion")))["suggestion"].to_list(),
                           tm.select(key(pl.col("patientTerm")))["patientTerm"].to_list(),
                           scorer=fuzz.ratio, score_cutoff=92, workers=-1)
    rows, cols = np.nonzero(scores)
    expected = {(int(r), tm["conceptId"][int(c)]) for r, c in zip(rows, cols)}
    assert len(expected) > 300
    similar = [{d["conceptId"] for d in json.loads(s)} for s in blocked["similar"]]
    conflicts = [set(c) for c in _conflicts(blocked)]
    missed = [(r, c) for r, c in expected
              if c not in similar[r] and c not in conflicts[r] and c != proposals["conceptId"][r]]
    # a TM term this close is in the proposal's `similar` list, or named by its conflict flag
    # (a proposal can have more than five near-duplicates)
    assert not missed, missed[:5]


def test_blocked_similar_lists_mostly_agree_with_scoring_every_pair(both):
    every_pair, blocked = both
    best = lambda s: max((d["score"] for d in json.loads(s)), default=0)
    a = np.array([best(s) for s in every_pair["similar"]])
    b = np.array([best(s) for s in blocked["similar"]])
    assert (b <= a).all()  # blocking only ever leaves pairs out
    close = a >= 85
    assert close.sum() > 500
    assert (b[close] == a[close]).mean() >= 0.95


def test_checking_twice_gives_the_same_frame(generated, both):
    proposals, tm = generated
    _, blocked = both
    assert Checker(tm, {"blocking_min_tm": 1}).check(proposals).equals(blocked)


# --- families: thousands of proposals and TM entries sharing all but a word or two ----------------

@pytest.fixture(scope="module")
def families() -> tuple[pl.DataFrame, pl.DataFrame]:
    """1,500 TM pairs and 2,500 proposals from terms.synthetic's families mode (fractures by part and
    side, infections by organism, …), perturbed like `generated`."""
    concepts = synthetic_concepts(4000, seed=12, families=True).with_columns(pl.col("idx").cast(pl.Utf8).alias("conceptId"))
    tm = concepts.head(1500).select("conceptId", "term", "patientTerm")
    rng = np.random.default_rng(12)
    work = concepts.tail(2500).with_columns(
        pl.Series("roll", rng.random(2500)), pl.Series("at", rng.integers(1, 30, 2500)),
        tm["patientTerm"].gather(rng.integers(0, 1500, 2500)).alias("other"))
    proposals = work.select("conceptId", "term", pl.when(pl.col("roll") < 0.1).then(pl.col("other"))
                            .when(pl.col("roll") < 0.2).then(_typo(pl.col("other"), pl.col("at")))
                            .when(pl.col("roll") < 0.3).then(pl.col("other").str.replace(r"^(\S+) (\S+)", "$2 $1"))
                            .otherwise(pl.col("patientTerm")).alias("suggestion"))
    return proposals, tm


def test_families_blocked_path_raises_the_same_flags_and_finds_every_near_duplicate(families):
    proposals, tm = families
    every_pair = Checker(tm, {"blocking_min_tm": 0}).check(proposals)
    blocked = Checker(tm, {"blocking_min_tm": 1}).check(proposals)
    assert every_pair["flags"].str.contains("tm-conflict").sum() > 500
    assert _conflicts(blocked) == _conflicts(every_pair)
    assert blocked["flags"].to_list() == every_pair["flags"].to_list()
    key = lambda s: s.str.to_lowercase().str.extract_all(r"[\p{L}\d]+").list.sort().list.join(" ")
    scores = process.cdist(proposals.select(key(pl.col("suggestion")))["suggestion"].to_list(),
                           tm.select(key(pl.col("patientTerm")))["patientTerm"].to_list(),
                           scorer=fuzz.ratio, score_cutoff=92, workers=-1)
    rows, cols = np.nonzero(scores)
    similar = [{d["conceptId"] for d in json.loads(s)} for s in blocked["similar"]]
    conflicts = [set(c) for c in _conflicts(blocked)]
    missed = [(r, tm["conceptId"][int(c)]) for r, c in zip(rows, cols)
              if tm["conceptId"][int(c)] not in similar[r] | conflicts[r] and tm["conceptId"][int(c)] != proposals["conceptId"][r]]
    assert len(rows) > 500 and not missed, missed[:5]


def test_blocking_stays_bounded_when_one_word_is_shared_by_thousands():
    """900 TM terms 'gebroken <bone><n>' (under the postings limit, so their shared word stays a key) and
    300 proposals sharing that word: each proposal is scored against at most `blocking_candidates` TM
    entries instead of all 900, and its typo twin in the TM is still a conflict."""
    bones = [f"{b}{n}" for b in ("dijbeen", "scheenbeen", "kuitbeen", "spaakbeen", "ellepijp", "sleutelbeen")
             for n in range(150)]
    tm = pl.DataFrame({"conceptId": [str(i) for i in range(len(bones))], "term": [f"fractuur van {b}" for b in bones],
                       "patientTerm": [f"gebroken {b}" for b in bones]})
    twins = bones[::3]
    proposals = pl.DataFrame({"conceptId": [f"p{i}" for i in range(len(twins))], "term": [f"fractuur {b}" for b in twins],
                              "suggestion": [f"gebroken linker {b[:-1]}x{b[-1]}" if i % 2 else f"gebroken {b[:3]}{b[4:]}"
                                             for i, b in enumerate(twins)]})
    unbounded = Checker(tm, {"blocking_min_tm": 1, "blocking_candidates": 0})
    unbounded.check(proposals)
    assert unbounded.index.scored_pairs > 400 * proposals.height  # the shared word brings in most of the TM
    checker = Checker(tm, {"blocking_min_tm": 1, "blocking_candidates": 50})
    out = checker.check(proposals)
    assert checker.index.scored_pairs <= 50 * proposals.height
    typo_rows = out.filter(pl.Series([i % 2 == 0 for i in range(proposals.height)]))
    assert typo_rows["flags"].str.contains("tm-conflict").all()  # "gebroken dibeen0" is "gebroken dijbeen0"
