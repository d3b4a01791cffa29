"""The planted-problem set: every planted flag fires, no clean proposal gets an error-level flag.

tests/data/check_cases.tsv holds clinical term, proposal, expected flags (empty = a clean proposal);
the TM is the dev set (/work/shared/eval/dev.tsv) without the case's own clinical term.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline.checks import FLAGS, Checker

DATA = Path(__file__).parent / "data"
DEV = Path("/work/shared/eval/dev.tsv")


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, separator="\t", infer_schema=False, quote_char=None).fill_null("")


@pytest.fixture(scope="module")
def dev() -> pl.DataFrame:
    if not DEV.is_file():
        pytest.skip(f"{DEV} not available")
    return _read(DEV)


CASES = _read(DATA / "check_cases.tsv").with_row_index("i").to_dicts()


# Both ways of scoring against the TM: every pair (small TMs) and blocked candidates (big TMs).
MODES = {"all-pairs": {"blocking_min_tm": 0}, "blocked": {"blocking_min_tm": 1}}


def _flags(dev: pl.DataFrame, case: dict, mode: str = "all-pairs") -> tuple[set[str], str]:
    tm = dev.filter(pl.col("term") != case["term"]).select("conceptId", "term", "patientTerm")
    row = {"conceptId": f"99{case['i']:05d}", "term": case["term"], "suggestion": case["proposal"],
           "explanation": case["explanation"] or None, "previousTerm": case["previousTerm"] or None}
    out = Checker(tm, MODES[mode]).check(pl.DataFrame([row]))
    return set(filter(None, out["flags"][0].split(";"))), out["flagDetails"][0]


def test_the_case_set_plants_every_flag_and_has_many_clean_proposals():
    planted = {f for c in CASES for f in c["expected"].split(";") if f}
    # duplicate-in-batch needs two rows (test_checks_flags.py); llm-failed comes from the LLM path
    # itself (test_llm_prompt.py), not from anything in a proposal
    # not-understood comes from the offline suggester's unknownWords (test_offline_render.py)
    assert planted == set(FLAGS) - {"duplicate-in-batch", "llm-failed", "not-understood"}
    assert sum(1 for c in CASES if not c["expected"]) >= 40


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", [c for c in CASES if c["expected"]], ids=lambda c: f"{c['term']}->{c['proposal']}"[:60])
def test_planted_problem_is_caught(dev, case, mode):
    got, details = _flags(dev, case, mode)
    expected = set(case["expected"].split(";"))
    assert expected <= got, details
    errors = {f for f in got if FLAGS[f][0] == "error"}
    assert errors <= expected, f"unexpected error flags {errors - expected}: {details}"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", [c for c in CASES if not c["expected"]], ids=lambda c: f"{c['term']}->{c['proposal']}"[:60])
def test_clean_proposal_gets_no_error(dev, case, mode):
    got, details = _flags(dev, case, mode)
    assert not {f for f in got if FLAGS[f][0] == "error"}, details


def test_dev_pairs_and_their_alternatives_get_no_error_against_the_rest_of_dev(dev):
    """Leave-one-out over the dev set: each pair and each accepted alternative is a clean proposal."""
    rows = []
    for r in dev.iter_rows(named=True):
        for alt in {r["patientTerm"], *r["alternatives"].split("|")} - {""}:
            rows.append((r["conceptId"], r["term"], alt))
    assert len(rows) > 150
    tm = dev.select("conceptId", "term", "patientTerm")
    failures = []
    for concept_id, term, alt in rows:
        out = Checker(tm.filter(pl.col("conceptId") != concept_id), {}).check(
            pl.DataFrame({"conceptId": [concept_id], "term": [term], "suggestion": [alt]}))
        errors = [f for f in out["flags"][0].split(";") if f and FLAGS[f][0] == "error"]
        if errors:
            failures.append((term, alt, out["flagDetails"][0]))
    assert not failures
