"""Every entry of the curated lexicon, proposed on its own, passes the broken-output checks: a
terminologist's new phrase with a wrong adjective ending ("vergrote hart"), a number its term
does not have ("24-uurs hartfilmpje" for "holter") or the same concept twice ("extra infectie
bovenop een andere infectie") fails here, with the entry named, before it reaches a reviewer."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline.checks import Checker
from pipeline.offline import OfflineSuggester
from pipeline.offline.lexicon import Lexicon

DEV = Path("/work/shared/eval/dev.tsv")
BROKEN = "grammar|repeated-concept|half-translation|number-changed|name-changed"


@pytest.fixture(scope="module")
def tm() -> pl.DataFrame:
    if DEV.is_file():
        return pl.read_csv(DEV, separator="\t", infer_schema=False, quote_char=None).select("conceptId", "term", "patientTerm")
    return pl.DataFrame({"conceptId": ["1"], "term": ["appendicitis"], "patientTerm": ["blindedarmontsteking"]})


def test_every_lexicon_entry_rendered_alone_passes_the_broken_output_checks(tm):
    lex = Lexicon.load()
    keys = set(lex.words) | set(lex.heads)
    keys |= {k.split(":", 1)[1] for k in lex.contextual if k.split(":", 1)[0] in ("noun", "word", "head")}
    assert len(keys) > 3000
    work = pl.DataFrame({"conceptId": [f"9{i}" for i in range(len(keys))], "term": sorted(keys)})
    out = Checker(tm).check(OfflineSuggester(tm).suggest(work))
    broken = out.filter(pl.col("flags").str.contains(BROKEN))
    assert broken.is_empty(), "\n".join(f"{r['term']} → {r['suggestion']}: {r['flagDetails']}"
                                        for r in broken.head(20).iter_rows(named=True))


def test_the_self_check_catches_a_broken_entry(tm):
    """The check above can fail: a het-noun with an -e adjective is broken whatever its source."""
    out = Checker(tm).check(pl.DataFrame({"conceptId": ["1"], "term": ["cardiomegalie"], "suggestion": ["vergrote hart"]}))
    assert "grammar" in out["flags"][0]


def test_every_lay_preposition_of_two_words_is_known_as_one():
    """A genitive is placed before a lay phrase's own preposition; a lay preposition of two or more
    words whose first word is no preposition ("vergeleken met", "samen met") must be listed in
    render._PREP_LEADS, or a genitive lands inside it ("vergeleken van de hand met de rug")."""
    from pipeline.offline.render import _PREP_LEADS, PREPOSITIONS

    lex = Lexicon.load()
    entries = list(lex.preps.values()) + [e for k, es in lex.contextual.items() if k.startswith("prep:") for e in es]
    firsts = {e.lay.split()[0] for e in entries if " " in e.lay.strip()}
    nouns_and_articles = {"toestand", "de", "het", "een"}  # "toestand na": a noun heads its own phrase
    assert firsts - PREPOSITIONS - nouns_and_articles <= _PREP_LEADS
