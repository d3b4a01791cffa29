"""The checks for broken generated output (pipeline/checks/output.py): kinds a real weak model
produced that the other checks let pass (pipeline/llm/evaluate.py), each with honest Dutch that
must stay unflagged."""
from __future__ import annotations

import json

import polars as pl
import pytest

from pipeline.checks import Checker
from pipeline.checks.output import aside_not_in, loop_in, loop_not_in

TM = pl.DataFrame({"conceptId": ["9"], "term": ["hypertensie"], "patientTerm": ["hoge bloeddruk"]})


@pytest.mark.parametrize("text, loop", [
    ("Dit is een ontsteking van de teen. Dit is een ontsteking van de teen. Dit is een", "dit is een ontsteking van"),
    ("Een ziekte van de longen van de longen van de longen.", "van de longen"),
    ("pijn pijn pijn in de buik", "pijn"),
    ("Uw bloeddruk is te hoog, uw bloeddruk is te hoog.", "uw bloeddruk is te hoog"),
])
def test_a_text_that_loops_is_found(text, loop):
    assert loop_in(text) == loop


@pytest.mark.parametrize("text", [
    "Een ontsteking van de blaas en een ontsteking van de nieren.",   # four words twice: honest
    "Uw bloeddruk is te hoog. Dat kan schade geven aan uw hart en uw nieren.",
    "heel heel erg", "van de", "",
    "aan de linkerkant en aan de rechterkant van de borst",
])
def test_honest_dutch_is_not_a_loop(text):
    assert loop_in(text) is None


def test_a_loop_the_clinical_term_itself_has_is_not_the_proposals_fault():
    term = "structuur van abdominopelviene holte en/of inhoud van abdominopelviene holte en/of voorwand van buik"
    assert loop_in(term) is not None and loop_not_in(term, term) is None


@pytest.mark.parametrize("raw, term, aside", [
    ("longontsteking (poliep van cervix uteri)", "pneumonie", "poliep van cervix uteri"),
    ("hoge bloeddruk [nierziekte]", "hypertensie", "nierziekte"),
])
def test_an_aside_the_clinical_term_does_not_say_is_found(raw, term, aside):
    assert aside_not_in(raw, term) == aside


@pytest.mark.parametrize("raw, term", [
    ("hoge bloeddruk (hypertensie)", "hypertensie"),     # the clinical term beside the lay one
    ("suikerziekte type 2", "diabetes mellitus type 2"),  # no aside
    ("breuk (van de) pols", "fractuur van pols"),         # function words only
])
def test_an_aside_that_says_what_the_term_says_is_not_flagged(raw, term):
    assert aside_not_in(raw, term) is None


def test_the_checker_flags_both_kinds_with_dutch_reasons_and_leaves_good_proposals_alone():
    proposals = pl.DataFrame({
        "conceptId": ["1", "2", "3"],
        "term": ["pneumonie", "teenontsteking", "hypertensie"],
        "suggestion": ["longontsteking (poliep van cervix uteri)", "ontstoken teen", "hoge bloeddruk"],
        "explanation": ["Een ontsteking van de longen.",
                        "Dit is een ontsteking van de teen. Dit is een ontsteking van de teen.",
                        "Uw bloeddruk is te hoog."],
    })
    out = Checker(TM).check(proposals)
    flags = [set(f.split(";")) - {""} for f in out["flags"]]
    assert "added-aside" in flags[0] and "looping-text" in flags[1]
    assert not {"added-aside", "looping-text"} & flags[2]
    loop = [d for d in json.loads(out["flagDetails"][1]) if d["code"] == "looping-text"][0]
    assert loop["severity"] == "error" and loop["reason"].startswith("De uitleg herhaalt")
