"""The structure renderer on a small lexicon of its own: each structure into its slot, all or nothing.

These tests fix the mechanics (grouping, heads with objects, articles, adjective agreement, sides,
numbers, names) independent of the shipped lexicon; test_offline_real_terms.py holds the issue's
real terms with the shipped lexicon.
"""
from __future__ import annotations

import polars as pl
import pytest

from pipeline.dutch.words import WordJudge
from pipeline.offline import OfflineSuggester, suggest_offline
from pipeline.offline.lexicon import Entry, Lexicon
from pipeline.offline.render import NotRendered, Renderer

ROWS = [
    # clinical, lay, kind, article, context
    ("cervix uteri", "baarmoederhals", "noun", "de", ""),
    ("uterus", "baarmoeder", "noun", "de", ""),
    ("femur", "dijbeen", "noun", "het", ""),
    ("clavicula", "sleutelbeen", "noun", "het", ""),
    ("partus", "bevalling", "noun", "de", ""),
    ("hypoglykemie", "te lage bloedsuiker", "noun", "de", ""),
    ("mamma", "borst", "noun", "de", ""),
    ("ventriculus", "maag", "noun", "de", ""),
    ("ventriculus", "hersenkamer", "noun", "de", r"cerebr|hersen"),
    ("cerebri", "van de hersenen", "adjective", "post", ""),
    ("neonatale", "bij een pasgeborene", "adjective", "post", ""),
    ("acute", "acute", "qualifier", "pre", ""),
    ("rechter", "rechter", "qualifier", "pre", ""),
    ("linker", "linker", "qualifier", "pre", ""),
    ("congenitale", "aangeboren", "adjective", "pre", ""),
    ("myocardinfarct", "hartinfarct", "noun", "het", ""),
    ("structuur", "{x}", "head", "de", ""),
    ("fractuur", "gebroken {x}|botbreuk van {de x}|botbreuk", "head", "de", ""),
    ("open fractuur", "open botbreuk van {de x}|open botbreuk", "head", "de", ""),
    ("maligne neoplasma", "{x}kanker|kanker van {de x}|kanker", "head", "de", ""),
    ("betreffende", "over", "prep", "", ""),
    ("durante", "tijdens", "prep", "", ""),
    ("thorax", "borstkas", "noun", "de", ""),
]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    lex = Lexicon()
    for clinical, lay, kind, article, context in ROWS:
        lex.add(Entry(clinical, lay, kind, article, "test", context))
    return lex


@pytest.fixture(scope="module")
def renderer(lexicon) -> Renderer:
    return Renderer(lexicon, WordJudge(lexicon_words=lexicon.clinical_words()))


def render(renderer, term):
    return renderer.render(term).text


@pytest.mark.parametrize("term,expected", [
    # body structures: "structuur van X" is the body part itself; a side joins it as one word
    ("structuur van rechter oor", "rechteroor"),
    ("Structuur van linker mamma", "linkerborst"),
    ("structuur van uterus", "baarmoeder"),
    # Latin phrases whole, and the sense the context selects
    ("poliep van cervix uteri", "poliep van de baarmoederhals"),
    ("structuur van ventriculus cerebri", "hersenkamer van de hersenen"),
    ("zwelling van ventriculus", "zwelling van de maag"),
    # heads that take an object: a compound, an adjective, or "noun van de X", in that order
    ("fractuur van clavicula", "gebroken sleutelbeen"),
    ("fractuur van linker femur", "gebroken linkerdijbeen"),
    ("Open fractuur van femur", "open botbreuk van het dijbeen"),
    ("maligne neoplasma van mamma", "borstkanker"),
    ("maligne neoplasma van linker mamma", "kanker van de linkerborst"),
    # an adjective that becomes a phrase goes after the noun; the noun's own modifiers stay before it
    ("neonatale hypoglykemie", "te lage bloedsuiker bij een pasgeborene"),
    # adjectives agree with the lay head's gender (ANS § 5.2.2): het-word without article → bare
    ("acute myocardinfarct", "acuut hartinfarct"),
    ("congenitale afwijking van uterus", "aangeboren afwijking van de baarmoeder"),
    # numbers and units stay with what they count
    ("eerste fase van partus met ontsluiting van meer dan 3 cm", "eerste fase van de bevalling met ontsluiting van meer dan 3 cm"),
    # prepositions: formal ones translated, articles before the things named
    ("bevinding betreffende uterus", "bevinding over de baarmoeder"),
    ("bloeding durante partus", "bloeding tijdens de bevalling"),
    # compounds of a clinical and a lay word
    ("thoraxbeweging", "borstkasbeweging"),
])
def test_structures_render_into_their_slots(renderer, term, expected):
    assert render(renderer, term) == expected


def test_names_and_quoted_phrases_are_kept_exactly(renderer):
    assert render(renderer, "positieve Barlow-test bij partus") == "positieve Barlow-test bij de bevalling"
    assert render(renderer, "'respiratory distress'-syndroom durante partus") == \
        "'respiratory distress'-syndroom tijdens de bevalling"


def test_all_or_nothing_names_every_unknown_word(renderer):
    with pytest.raises(NotRendered) as info:
        renderer.render("structuur van ventriculus lateralis cerebri")
    assert info.value.words == ["lateralis"]
    with pytest.raises(NotRendered) as info:
        renderer.render("perifeer intraveneus infuus")
    assert set(info.value.words) == {"perifeer", "intraveneus"}


def test_nothing_to_translate_is_no_proposal(renderer):
    with pytest.raises(NotRendered) as info:
        renderer.render("blauwe huid")
    assert info.value.why == "nothing" and info.value.words == []


def test_an_adjective_before_a_lay_phrase_with_its_own_modifiers_is_refused(renderer):
    # "ernstige te lage bloedsuiker" would be broken Dutch: no proposal
    with pytest.raises(NotRendered):
        renderer.render("ernstige hypoglykemie")


def test_the_suggester_reports_unknown_words_and_origin_none(lexicon):
    out = suggest_offline(pl.DataFrame({"conceptId": ["1", "2"], "term": ["structuur van calvaria", "fractuur van femur"]}),
                          pl.DataFrame({"term": ["x"], "patientTerm": ["y"]}), lexicon=lexicon)
    first, second = out.to_dicts()
    assert first["origin"] == "none" and first["suggestion"] == "structuur van calvaria" and first["unknownWords"] == "calvaria"
    assert second["origin"] == "lexicon" and second["suggestion"] == "gebroken dijbeen" and second["unknownWords"] == ""
    assert second["confidence"] >= 0.8


def test_the_checker_says_what_was_not_understood(lexicon):
    from pipeline.checks import Checker

    proposals = suggest_offline(pl.DataFrame({"conceptId": ["1"], "term": ["structuur van calvaria"]}),
                                pl.DataFrame({"term": ["x"], "patientTerm": ["y"]}), lexicon=lexicon)
    out = Checker(pl.DataFrame({"conceptId": ["9"], "term": ["x"], "patientTerm": ["y"]})).check(proposals)
    assert "not-understood" in out["flags"][0].split(";")
    assert "calvaria" in out["flagDetails"][0]


def test_what_the_tm_teaches_beats_the_lexicon(lexicon):
    tm = pl.DataFrame({"term": ["partus", "x"], "patientTerm": ["geboorte", "y"]})
    s = OfflineSuggester(tm, lexicon=lexicon)
    assert s.suggest_one("bloeding durante partus")[0] == "bloeding tijdens de geboorte"
