import polars as pl
import pytest

from pipeline.evaluate import best_chrf, chrf, exact_match, metrics, norm, predictions


def test_chrf_identical_is_100_and_disjoint_is_0():
    assert chrf("longontsteking", "longontsteking") == pytest.approx(100.0)
    assert chrf("abc", "xyz") == 0.0


def test_chrf_partial_between_and_recall_weighted():
    partial = chrf("longontsteking", "blaasontsteking")
    assert 0 < partial < 100
    # beta 2: missing reference characters cost more than extra ones
    assert chrf("longontsteking extra", "longontsteking") > chrf("long", "longontsteking")


def test_chrf_hand_computed_unigram_case():
    # hyp "ab", ref "abc": n=1 P=1 R=2/3; n=2 P=1 R=1/2; n=3 P=0 R=0; n>=4 neither side has
    # n-grams, so those orders do not count (effective order, as sacrebleu)
    p = (1 + 1 + 0) / 3
    r = (2 / 3 + 1 / 2 + 0) / 3
    expected = 100 * 5 * p * r / (4 * p + r)
    assert chrf("ab", "abc") == pytest.approx(expected)


def test_best_chrf_takes_best_alternative():
    assert best_chrf("hartaanval", ["hartinfarct", "hartaanval"]) == pytest.approx(100.0)


def test_exact_match_normalises_case_space_punctuation():
    assert norm("  CT-scan ") == "ct scan"
    assert exact_match("Acute  blindedarmontsteking.", ["acute blindedarmontsteking"])
    assert exact_match("diabetes type 2", ["suikerziekte type 2", "diabetes type 2"])
    assert not exact_match("blindedarm", ["blindedarmontsteking"])


def test_leave_one_out_never_uses_own_tm_entry():
    dev = pl.DataFrame({"conceptId": ["1", "2"], "term": ["zzqitis", "qqzalgie"],
                        "patientTerm": ["onzin een", "onzin twee"], "alternatives": ["onzin een", "onzin twee"]})
    preds = predictions(dev)
    assert all(p[2] != "tm-exact" for p in preds)
    m = metrics(dev, preds)
    assert m["offline"]["exact"] == 0.0 and m["identity"]["exact"] == 0.0
