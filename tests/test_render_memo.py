"""The renderer remembers noun phrases it rendered (`Renderer._memo`): a term rendered after
thousands of others must come out exactly as it does on its own — the same text, confidence and
words not understood — including where a phrase's sense depends on the whole term (contextual
lexicon entries) and where a remembered phrase is the last head a following "van" restates."""
from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest

from pipeline.offline import OfflineSuggester
from pipeline.offline import render as render_module
from pipeline.offline.render import NotRendered
from terms.synthetic import synthetic_concepts

REAL = Path("/work/shared/eval/real_terms_dev.tsv")
DEV = Path("/work/shared/eval/dev.tsv")

# Contextual senses and restated heads, each beside a term that renders the same phrase otherwise.
HAND = [
    "perifere vaatziekte", "perifere aangezichtsverlamming", "perifeer oedeem", "perifere neuropathie",
    "hemisfeer van cerebrum", "linker hemisfeer van cerebrum", "structuur van rechter oor",
    "poliep van cervix uteri", "verstrijking van cervix uteri", "otitis interna", "hemorroïden interna",
    "open fractuur van femur", "gesloten fractuur van linker femur", "fractuur van schacht van rechter femur",
    "distale fractuur van radius", "fractuur van distale deel van rechter radius",
    "eerste fase van partus met ontsluiting van meer dan 3 cm", "neonatale hypoglykemie",
    "positie rechts aan de zijkant van de placenta", "Doppler-echocardiografie van hart",
    # a compound whose clinical part has a contextual sense: "cortex" of a bone is no "schors"
    "cortexletsel van tibia", "cortexletsel van nier", "cortexdefect van tibia", "cortexdefect van hersenen",
]


def _terms() -> list[str]:
    terms = list(HAND)
    terms += synthetic_concepts(3_000, seed=11, families=True)["term"].to_list()
    for path in (REAL, DEV):
        if path.is_file():
            terms += pl.read_csv(path, separator="\t", infer_schema=False, quote_char=None)["term"].to_list()
    return [t for t in terms if t]


def _render(renderer, term: str) -> tuple:
    try:
        r = renderer.render(term)
        return ("ok", r.text, r.confidence, r.translated)
    except NotRendered as nr:
        return ("none", tuple(nr.words), nr.why)


@pytest.fixture(scope="module")
def tm() -> pl.DataFrame:
    if DEV.is_file():
        return pl.read_csv(DEV, separator="\t", infer_schema=False, quote_char=None).select("conceptId", "term", "patientTerm")
    fam = synthetic_concepts(2_000, seed=12, families=True)
    return fam.select(pl.col("idx").cast(pl.Utf8).alias("conceptId"), "term", "patientTerm")


def test_a_term_renders_the_same_after_thousands_of_others(tm, monkeypatch):
    terms = _terms()
    random.Random(5).shuffle(terms)
    warm = OfflineSuggester(tm).renderer
    remembered = [_render(warm, t) for t in terms]
    assert len(warm._np_cache) > 100  # the memo was used, not bypassed

    # Each term on its own: a renderer that remembers nothing.
    cold = OfflineSuggester(tm).renderer
    monkeypatch.setattr(cold, "_memo", lambda key, render, *args: render(*args))
    alone = [_render(cold, t) for t in terms]
    differ = [(t, a, b) for t, a, b in zip(terms, alone, remembered) if a != b]
    assert not differ, differ[:5]


def test_the_memo_stays_bounded(tm, monkeypatch):
    monkeypatch.setattr(render_module, "NP_CACHE_SIZE", 50)
    renderer = OfflineSuggester(tm).renderer
    for term in synthetic_concepts(500, seed=13, families=True)["term"].to_list():
        _render(renderer, term)
    assert 0 < len(renderer._np_cache) <= 50
    assert len(renderer._template_heads) <= 50
