"""The offline suggester: patient-friendly Dutch without a model or network.

For each clinical term, in order: the TM's own answer (exact; a TM term plus qualifiers; a TM term
with another number; a near spelling), else a rendering of the term's structure from the curated
lexicon and what the TM teaches (`render`), else no proposal — origin `none`, the clinical term
echoed, and the words not understood in `unknownWords`, so the checker can say why.

    suggest_offline(work, tm) -> work + suggestion, explanation, confidence, origin, unknownWords

Modules: `lexicon` (the curated data), `tokens` (case, names, numbers), `render` (structures,
all or nothing), `morphology` (words from morphemes), `memory` (the TM). docs/lexicon.md explains
the structures and how a terminologist adds a phrase.
"""
from __future__ import annotations

import logging

import polars as pl

from pipeline.dutch.words import WordJudge
from pipeline.offline.lexicon import LEXICON_DIR, Entry, Lexicon, normalise
from pipeline.offline.memory import Memory
from pipeline.offline.morphology import Morphology
from pipeline.offline.render import NotRendered, Renderer, both_sides, relative_agreement

_log = logging.getLogger(__name__)

__all__ = ["CONF", "Entry", "Lexicon", "LEXICON_DIR", "OfflineSuggester", "normalise", "suggest_offline"]

CONF = {"tm-exact": 0.97, "tm-fuzzy": 0.85, "tm-fuzzy-number": 0.82, "none": 0.05}


class OfflineSuggester:
    """Indexes built once from a TM; `suggest(work)` per chunk, `suggest_one(term)` for one term."""

    def __init__(self, tm: pl.DataFrame | None, lexicon: Lexicon | None = None, fuzzy_cutoff: float = 90.0):
        base = lexicon or Lexicon.load()
        self.memory = Memory(tm, base, fuzzy_cutoff)
        self.lexicon = _with_learned(base, self.memory.learned_entries())
        self.morphology = Morphology(self.lexicon, self.memory.roots)
        lay_vocabulary, clinical_vocabulary = set(), set()
        for key, (patient, _) in self.memory.exact.items():
            lay_vocabulary.update(normalise(patient).split())
            clinical_vocabulary.update(key.split())
        self.judge = WordJudge(lay_vocabulary | base.lay_words(), clinical_vocabulary, lexicon_words=base.clinical_words())
        self.renderer = Renderer(self.lexicon, self.judge, self.morphology)
        self._cache: dict[str, tuple[str, str, float, str, str]] = {}

    def suggest_one(self, term: str) -> tuple[str, str, float, str]:
        """(suggestion, explanation, confidence, origin) for one clinical term."""
        return self._one(term)[:4]

    def _one(self, term: str, key: str | None = None) -> tuple[str, str, float, str, str]:
        """(suggestion, explanation, confidence, origin, unknown words); `key`: normalise(term), if known."""
        key = normalise(term) if key is None else key
        if term in self._cache:
            # (by the term as written: "fractuur van femur (links)" is not "… femur links", whose
            # key is the same)
            cached = self._cache[term]
            return (term,) + cached[1:] if cached[3] == "none" else cached
        hit = self.memory.exact.get(key)
        if hit:
            out = (hit[0], hit[1], CONF["tm-exact"], "tm-exact", "")
        elif not (" " in key and key in self.lexicon.words) and (carried := self.memory.carry(key)) is not None:
            # (a phrase the curated lexicon has whole is said as it says it: "hordeolum externum" is
            # "strontje aan de buitenkant van het ooglid", not the TM's "strontje" + "buitenste")
            out = (relative_agreement(both_sides(carried, key)), "", CONF["tm-fuzzy"], "tm-fuzzy", "")
        else:
            try:
                r = self.renderer.render(term, key)
                if normalise(r.text) == key:
                    raise NotRendered([], "nothing")  # every word kept as it was: nothing to propose
                # a morpheme explanation says what the one word means. Beside a qualifier it still
                # holds for a condition ("recidiverende gastritis": an inflammation of the stomach),
                # not for a procedure ("partiële hepatectomie" does not take the whole liver out)
                words = [w for w in key.split() if w not in self.lexicon.qualifiers]
                explanation = ""
                if len(words) == 1 and (" " not in key or words[0].endswith(("itis", "algie", "megalie"))):
                    explanation = self.morphology.explain(words[0])
                # a rendering the checks call broken is capped by the checker (BROKEN_CONFIDENCE)
                out = (r.text, explanation, r.confidence, "lexicon", "")
            except NotRendered as nr:
                out = (term, "", CONF["none"], "none", ";".join(nr.words))
            except Exception:  # noqa: BLE001 — one term's fault must not stop a 380,000-term night
                # a fault in the renderer on one odd term: logged with the term for the operator,
                # and the term gets an honest "nothing" instead of the whole batch stopping
                _log.exception("offline suggester failed on term %r; no proposal for it", term)
                out = (term, "", CONF["none"], "none", "")
        self._cache[term] = out
        return out

    def suggest(self, work: pl.DataFrame, workers: int = 1) -> pl.DataFrame:
        """`work` (conceptId, term, …) + suggestion, explanation, confidence, origin, unknownWords."""
        terms = work["term"].cast(pl.Utf8).fill_null("").to_list() if work.height else []
        keys = [normalise(t) for t in terms]
        numbers = self.memory.numbers([k if k not in self.memory.exact else "" for k in keys])
        rows = []
        for i, term in enumerate(terms):
            if i in numbers:
                rows.append((numbers[i], "", CONF["tm-fuzzy-number"], "tm-fuzzy", ""))
            else:
                rows.append(self._one(term, keys[i]))
        # spelling variants of a TM term beat no proposal or a morpheme guess
        weak = [i for i, r in enumerate(rows) if r[3] == "none" or (r[3] == "lexicon" and r[2] < 0.5)]
        for j, (patient, conf) in self.memory.near([keys[i] for i in weak], workers=workers).items():
            rows[weak[j]] = (patient, "", conf, "tm-fuzzy", "")
        cols = list(zip(*rows)) if rows else [[], [], [], [], []]
        return work.with_columns(
            pl.Series("suggestion", cols[0], dtype=pl.Utf8),
            pl.Series("explanation", cols[1], dtype=pl.Utf8),
            pl.Series("confidence", cols[2], dtype=pl.Float64),
            pl.Series("origin", cols[3], dtype=pl.Utf8),
            pl.Series("unknownWords", cols[4], dtype=pl.Utf8),
        )


def _with_learned(base: Lexicon, learned: list[Entry]) -> Lexicon:
    """The lexicon with what the TM teaches on top (the TM is the final authority)."""
    lex = Lexicon(**{name: dict(getattr(base, name)) for name in
                     ("words", "heads", "roots", "prefixes", "suffixes", "qualifiers", "adjectives", "preps")},
                  contextual=base.contextual)
    for entry in learned:
        if entry.clinical in lex.qualifiers or entry.clinical in lex.heads:
            continue
        lex.words[entry.clinical] = entry
    return lex


def suggest_offline(work: pl.DataFrame, tm: pl.DataFrame, lexicon: Lexicon | None = None, **opts) -> pl.DataFrame:
    """Proposals frame: work + suggestion, explanation, confidence, origin, unknownWords.

    `lexicon`: a Lexicon, a list of TSV paths, or None for pipeline/lexicon/*.tsv.
    opts: fuzzy_cutoff (rapidfuzz ratio for spelling variants, default 90), workers (cdist threads)."""
    workers = opts.pop("workers", 1)
    if lexicon is not None and not isinstance(lexicon, Lexicon):
        lexicon = Lexicon.load(lexicon)
    return OfflineSuggester(tm, lexicon=lexicon, **opts).suggest(work, workers=workers)
