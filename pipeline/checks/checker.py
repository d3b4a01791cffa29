"""The checker: every proposal, from any source, through every family of checks.

`Checker(tm)` prepares the TM once (indexes for consistency, the vocabulary the word judge learns
from); `Checker.check(proposals)` runs each chunk of a batch through the families and folds what
they find into `flags`, `flagDetails` and `similar` (shapes in docs/internals.md).
"""
from __future__ import annotations

from functools import lru_cache

import polars as pl

from pipeline.checks import (consistency, formatting, grammar, names, numbers, qualifiers, repeats, safety,
                             same, words)
from pipeline.checks.flags import EMPTY
from pipeline.checks.settings import CheckSettings
from pipeline.checks.text import _norm, _sorted_key
from pipeline.dutch import words as dutch_words
from terms.messages import message

# Families in the order a reviewer reads their flags.
FAMILIES = (consistency, qualifiers, numbers, names, repeats, words, grammar, formatting, same, safety)
_ORDERED = ["tm-conflict", "tm-inconsistent", "lost-qualifier", "number-changed", "name-changed", "repeated-concept",
            "half-translation", "grammar", "jargon", "too-long", "format", "same-as-source", "not-understood",
            "duplicate-in-batch", "unsafe-output", "stale-source", "llm-failed"]
SEVERITY: dict[str, str] = {code: sev for family in FAMILIES for code, sev in family.FLAGS.items()}
assert set(_ORDERED) == set(SEVERITY), "every flag code needs a place in _ORDERED"
# code -> (severity, Dutch description): the catalogue of flags a reviewer can meet.
FLAGS: dict[str, tuple[str, str]] = {code: (SEVERITY[code], message(f"flags.{code}.description")) for code in _ORDERED}
ORDER = {code: i for i, code in enumerate(FLAGS)}


@lru_cache(maxsize=1)
def _lexicon():
    from pipeline.offline.lexicon import Lexicon
    return Lexicon.load()


def lexicon_words() -> frozenset[str]:
    """Clinical words the curated lexicon translates: a lay reader does not know them."""
    return frozenset(_lexicon().clinical_words())


def lexicon_lay_words() -> frozenset[str]:
    """The words of the curated lexicon's lay side: B1 Dutch by its own standard."""
    return frozenset(_lexicon().lay_words())


class Checker:
    """The TM, indexed once; `check(proposals)` for each chunk of a batch."""

    def __init__(self, tm: pl.DataFrame, settings: CheckSettings | dict | None = None):
        """`tm`: conceptId, term, patientTerm (other columns ignored). ValueError names a missing column."""
        self.settings = CheckSettings.from_any(settings)
        missing = {"conceptId", "term", "patientTerm"} - set(tm.columns)
        if missing:
            raise ValueError(f"TM: missing column(s) {', '.join(sorted(missing))}")
        tm = (tm.select(pl.col("conceptId").cast(pl.Utf8), pl.col("term").cast(pl.Utf8),
                        pl.col("patientTerm").cast(pl.Utf8))
              .filter(pl.col("patientTerm").is_not_null() & (pl.col("patientTerm").str.strip_chars() != "")))
        self.index = consistency.TmIndex(tm, self.settings)
        self.tm = self.index.tm
        vocabulary = lambda col: set(self.tm.select(pl.col(col).str.extract_all(r"\p{L}+").explode().drop_nulls()
                                                    .unique()).to_series().to_list())
        self.judge = dutch_words.WordJudge(vocabulary("ptNorm") | lexicon_lay_words(), vocabulary("termNorm"),
                                           self.settings.jargon_zipf,
                                           self.settings.jargon_part_zipf, self.settings.jargon_rare_zipf,
                                           lexicon_words=lexicon_words())
        cap = r"\b[\p{Lu}][\p{L}\d'’-]*"
        capitalised = set(pl.concat([self.tm["patientTerm"].str.extract_all(cap).explode(),
                                     self.tm["term"].str.extract_all(cap).explode()]).drop_nulls().to_list())
        self.allowed_capitals = sorted(capitalised | dutch_words.eponyms() | dutch_words.known_abbreviations())
        self.tm_abbreviations = sorted(w for w in capitalised if any(c.isupper() for c in w[1:]))

    def check(self, proposals: pl.DataFrame) -> pl.DataFrame:
        """`proposals` (conceptId, term, suggestion; optional explanation, previousTerm, llmFlags,
        llmReason) plus `flags`, `flagDetails`, `similar`. ValueError names a missing column."""
        for col in ("conceptId", "term", "suggestion"):
            if col not in proposals.columns:
                raise ValueError(f"proposals: missing column {col!r}")
        df = proposals.drop([c for c in ("flags", "flagDetails", "similar") if c in proposals.columns])
        if df.is_empty():
            return df.with_columns(pl.lit("").alias("flags"), pl.lit("[]").alias("flagDetails"), pl.lit("[]").alias("similar"))
        rows = df.select(
            pl.col("conceptId").cast(pl.Utf8),
            pl.col("term").cast(pl.Utf8).fill_null(""),
            pl.col("suggestion").cast(pl.Utf8).fill_null("").alias("raw"),
            (pl.col("explanation").cast(pl.Utf8).fill_null("") if "explanation" in df.columns else pl.lit("")).alias("expl"),
            (pl.col("previousTerm").cast(pl.Utf8) if "previousTerm" in df.columns else pl.lit(None, pl.Utf8)).alias("previousTerm"),
        ).with_row_index("row").with_columns(
            _norm(pl.col("raw")).alias("norm"), _norm(pl.col("term")).alias("termNorm"),
        ).with_columns(_sorted_key(pl.col("norm")).alias("sorted"))
        present = rows.filter(pl.col("norm") != "")

        similar, conflicts = self.index.similar_and_conflicts(present)
        found = [
            conflicts,
            self.index.inconsistent(present),
            qualifiers.lost_qualifier(present),
            numbers.number_changed(present),
            names.name_changed(present),
            repeats.repeated_concept(present),
            words.half_translation(present, self.judge),
            grammar.grammar(present),
            words.jargon(present, self.judge, self.tm_abbreviations),
            formatting.too_long(present, self.settings),
            formatting.format_problems(present, self.allowed_capitals),
            same.same_as_source(present),
            same.not_understood(df),
            same.duplicates(present),
            safety.unsafe(rows),
            same.stale(rows),
            safety.from_llm(df),
        ]
        found = [f.select("row", "code", "reason", pl.col("related").cast(pl.List(pl.Utf8)))
                 for f in found if f is not None and not f.is_empty()]
        found = pl.concat(found, how="vertical") if found else EMPTY
        per_row = (found.with_columns(pl.col("code").replace_strict(ORDER, return_dtype=pl.Int32).alias("order"),
                                      pl.col("code").replace_strict(SEVERITY, return_dtype=pl.Utf8).alias("severity"))
                   .sort("row", "order")
                   .with_columns(pl.struct("code", "severity", "reason", "related").struct.json_encode().alias("detail"))
                   .group_by("row", maintain_order=True)
                   .agg(pl.col("code").unique(maintain_order=True).str.join(";").alias("flags"),
                        (pl.lit("[") + pl.col("detail").str.join(",") + pl.lit("]")).alias("flagDetails")))
        out = (rows.select("row").join(per_row, on="row", how="left").join(similar, on="row", how="left")
               .sort("row")
               .select(pl.col("flags").fill_null(""), pl.col("flagDetails").fill_null("[]"), pl.col("similar").fill_null("[]")))
        return pl.concat([df, out], how="horizontal")


def check(proposals: pl.DataFrame, tm: pl.DataFrame, settings: CheckSettings | dict | None = None) -> pl.DataFrame:
    """`proposals` plus `flags`, `flagDetails` and `similar` (see docs/internals.md)."""
    return Checker(tm, settings).check(proposals)
