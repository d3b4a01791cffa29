"""Rewrites made for speed give the same answers as the plain versions they replaced."""
from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.checks import QUALIFIER_WORDS, _strip_qualifiers

PIECES = st.sampled_from(["links", "linker", "linkerknie", "rechts", "acute", "acuut", "type", "2", "12", "ii", "iv",
                          "v", "a", "d", "e", "aan", "kant", "beide", "kanten", "chronische", "bacteriële", "ïa", "één",
                          "covid-19", "t.g.v.", "x", "knie", "ontsteking", "graad", "stadium", "fase", "_", "3b",
                          "bilaterale", "recidiverend", "aangeboren", "(links)", "rechter-", "é"])
SEPARATORS = st.sampled_from([" ", "  ", "-", ", ", "/", ""])


def _plain(expr: pl.Expr) -> pl.Expr:
    """The original: one regex replace for the qualifier words, then the lay phrases — after the side
    of a compound is dropped (changed deliberately in stop 20: "linkerdijbeen" keeps "dijbeen", so a
    TM's "dijbeen" is found in it)."""
    return (expr.str.replace_all(r"\b(?:linker|rechter)(\w{3,})\b", "$1")
            .str.replace_all(rf"\b({QUALIFIER_WORDS})\b", " ")
            .str.replace_all(r"\b(plotselinge?|langdurige?|terugkerende?|chronische?|acute?|aan beide kanten|"
                             r"in beide \w+|vanaf de geboorte|aangeboren|linkse?|rechtse?)\b", " ")
            .str.replace_all(r"\s+", " ").str.strip_chars())


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(PIECES, SEPARATORS), max_size=8))
def test_strip_qualifiers_by_word_runs_equals_the_regex(parts):
    text = "".join(p + s for p, s in parts)
    frame = pl.DataFrame({"t": [text]})
    assert frame.select(_strip_qualifiers(pl.col("t")))[0, 0] == frame.select(_plain(pl.col("t")))[0, 0]


def test_row_checks_found_elsewhere_give_the_same_flags():
    """The nightly run's child process runs some row checks on the proposals it made
    (`Checker.findings`) and this process the rest (`check(…, found=…)`): the checked frame is the
    same as one `check` running them all, for any split — on the planted-problem cases (every
    flag code) and on SNOMED-like families."""
    from pathlib import Path

    from pipeline.checks import Checker
    from pipeline.checks.checker import ROW_CHECKS
    from pipeline.offline import OfflineSuggester
    from terms.synthetic import synthetic_concepts

    cases = pl.read_csv(Path(__file__).parent / "data" / "check_cases.tsv", separator="\t", infer_schema=False,
                        quote_char=None).fill_null("")
    fam = synthetic_concepts(2_500, seed=21, families=True).with_columns(pl.col("idx").cast(pl.Utf8).alias("conceptId"))
    tm = fam.head(1_500).select("conceptId", "term", "patientTerm")
    work = fam.tail(1_000).select("conceptId", "term")
    proposals = pl.concat([
        OfflineSuggester(tm).suggest(work).select("conceptId", "term", "suggestion", "explanation", "confidence"),
        cases.select(pl.format("9{}", pl.int_range(pl.len())).alias("conceptId"), "term", pl.col("proposal").alias("suggestion"),
                     "explanation", pl.lit(0.9).alias("confidence")),
    ])
    checker = Checker(tm)
    whole = checker.check(proposals)
    assert whole["flags"].str.contains("number-changed").any() and whole["flags"].str.contains("grammar").any()
    for codes in (ROW_CHECKS, ("number-changed", "repeated-concept", "looping-text", "grammar"), ("jargon",), ()):
        found = checker.findings(proposals, codes)
        assert found.columns == ["row", "code", "reason", "related"]
        assert set(found["code"].unique().to_list()) <= set(codes)
        assert checker.check(proposals, (codes, found)).equals(whole), codes
    with pytest.raises(ValueError, match="tm-inconsistent"):
        checker.findings(proposals, ("tm-inconsistent",))  # needs the TM index: never run elsewhere
