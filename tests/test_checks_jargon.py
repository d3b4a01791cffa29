"""The jargon flag on real SNOMED terms left unchanged, and on lay words it must leave alone.

Examples from issue 11: terms the offline suggester returned unchanged with only `same-as-source`,
although a lay reader does not know them; and plain Dutch that frequency alone would underrate.
"""
from __future__ import annotations

import polars as pl
import pytest

from pipeline.checks import Checker

TM = pl.DataFrame({"conceptId": ["1", "2"], "term": ["appendicitis", "hypertensie"],
                   "patientTerm": ["blindedarmontsteking", "hoge bloeddruk"]})


@pytest.fixture(scope="module")
def checker():
    return Checker(TM, {})


def flags(checker, term, proposal=None):
    out = checker.check(pl.DataFrame({"conceptId": ["9"], "term": [term], "suggestion": [proposal or term]}))
    return set(filter(None, out["flags"][0].split(";")))


@pytest.mark.parametrize("term", ["asfyxie", "perinatale asfyxie", "multiorgaanfalen", "decompensatie", "urtica",
                                  "structuur van calvaria", "structuur van intestinum", "Perifeer intraveneus infuus",
                                  "totale parenterale voeding", "endometritis", "presbyacusis", "oligohydramnion",
                                  "lochia", "foetale nood durante partu", "velamenteuze insertie van navelstreng",
                                  "carcinoom in situ", "infectie in utero", "darmsyndroom na operatie de novo"])
def test_unchanged_clinical_terms_are_flagged_jargon(checker, term):
    assert "jargon" in flags(checker, term)


@pytest.mark.parametrize("term", ["hielprik", "blauwe huid", "spuugt mondje terug", "bloederige urine", "pijn",
                                  "Woont bij grootouders", "Samenwonend met partner", "afgevallen navelstrengstomp",
                                  "helder vruchtwater", "minder leven voelen", "nog geen ontsluiting",
                                  "probleem met woonruimte", "zwangerschapsstoornis", "Moeite met zich wassen",
                                  "Stiefzus", "gebroken sleutelbeen", "te lage bloedsuiker bij een pasgeborene",
                                  "poliep van de baarmoederhals", "prikkelbaredarmsyndroom", "bootvormig botje",
                                  "stervormige wond", "borstkanker stadium III", "lui oog",
                                  "allergie voor kippenei", "tepelkloven", "allergie voor huisstofmijt",
                                  "allergie voor koemelkeiwit", "zetpil", "Anti-slipmat", "rumoerige ademhaling",
                                  "Stabiele zijligging", "Liggend op rechterzij", "Gebruikt incontinentieluier 's nachts"])
def test_lay_dutch_is_not_jargon(checker, term):
    assert "jargon" not in flags(checker, term)



@pytest.mark.parametrize("term", ["oprispingen", "poliepen van neus", "verwardheid", "roodheid van oog",
                                  "vergiftiging door gootsteenontstopper", "tussenwervelschijf L4-L5"])
def test_plurals_heid_nouns_and_spinal_levels_are_not_jargon(checker, term):
    """Reading 7: ordinary Dutch that word frequency finds rare in this form, and the spinal level
    a patient reads in their own report, were flagged jargon."""
    assert "jargon" not in flags(checker, term)


# Reading 47: the unchanged real terms a health-literacy reader found jargon although they carried
# only `same-as-source` — English left in, and clinical words behind a Title Case or sentence-case
# capital, which the check had taken for names.
@pytest.mark.parametrize("term,word", [
    ("Postal Address", "postal address"), ("Breast fed", "breast fed"), ("Too low", "too low"),
    ("Verlenen van high care aan patiënt", "high care"), ("Good", "good"),
    ("Fluxus Postpartum", "fluxus"), ("Conditie Perineum Postpartum", "perineum"), ("Sectio Caesarea", "sectio"),
    ("Dyspnea", "dyspnea"), ("Preeclampsie", "preeclampsie"),
    # reading 51: a quoted English name is kept (name-changed guards it) but named as jargon
    ("'double-outlet' rechter hartkamer", "double outlet"),
])
def test_english_and_capitalised_clinical_words_are_jargon(checker, term, word):
    out = checker.check(pl.DataFrame({"conceptId": ["9"], "term": [term], "suggestion": [term]}))
    assert "jargon" in out["flags"][0].split(";")
    assert f"'{word}'" in out["flagDetails"][0]


@pytest.mark.parametrize("term", ["Hielprik", "Blauwe huid", "Spuugt mondje terug", "Postadres", "intensive care",
                                  "ziekte van Crohn", "syndroom van Down", "Woont alleen",
                                  "hyperlink naar document", "test 'Nederlands'"])
def test_a_capital_or_a_known_loan_is_no_jargon(checker, term):
    """Sentence case is judged like lower case, but only for what marks jargon surely (English,
    Latin, a lexicon word): word frequency underrates rare lay words ("Aanleunwoning")."""
    assert "jargon" not in flags(checker, term)


def test_a_computer_loan_is_no_half_translation(checker):
    """A fresh user: "hyperlink" was called Latin, and beside a translated word a half-translation
    (an error) — it is a loan a portal's reader knows."""
    assert flags(checker, "hyperlink", "hyperlink naar document") == set()


@pytest.mark.parametrize("term,proposal,left", [
    # reading 55: English or a word Dutch text hardly uses, kept from the term beside a translation
    ("'double-outlet' rechter ventrikel", "'double-outlet' rechter hartkamer", "double outlet"),
    ("Ortho-ergisch contacteczeem door urine en/of feces", "Ortho-ergisch contacteczeem door urine en/of ontlasting",
     "ergisch"),
])
def test_english_or_a_rare_word_left_beside_a_translation_is_a_half_translation(checker, term, proposal, left):
    out = checker.check(pl.DataFrame({"conceptId": ["9"], "term": [term], "suggestion": [proposal]}))
    assert "half-translation" in out["flags"][0].split(";")
    assert f"'{left}'" in out["flagDetails"][0]


def test_an_untranslated_term_kept_whole_is_no_half_translation(checker):
    # nothing was translated: jargon says what a patient does not know, not half-translation
    out = checker.check(pl.DataFrame({"conceptId": ["9"], "term": ["opname op high care"],
                                      "suggestion": ["opname op high care"]}))
    assert "half-translation" not in out["flags"][0].split(";")
