"""The checker: every proposal, from any source, through every family of checks.

`Checker(tm)` prepares the TM once (indexes for consistency, the vocabulary the word judge learns
from); `Checker.check(proposals)` runs each chunk of a batch through the families and folds what
they find into `flags`, `flagDetails` and `similar` (shapes in docs/internals.md).
"""
from __future__ import annotations

import time
from collections import Counter

import polars as pl

from pipeline.checks import (consistency, formatting, grammar, names, numbers, output, qualifiers, repeats,
                             safety, same, words)
from pipeline.checks.flags import EMPTY
from pipeline.checks.settings import CheckSettings
from pipeline.checks.text import _norm, _sorted_key, curated_lexicon
from pipeline.dutch import grammar as dutch_grammar
from pipeline.dutch import words as dutch_words
from terms.messages import message

# Families in the order a reviewer reads their flags.
FAMILIES = (consistency, qualifiers, numbers, names, repeats, output, words, grammar, formatting, same, safety)
_ORDERED = ["tm-conflict", "tm-inconsistent", "lost-qualifier", "number-changed", "name-changed", "repeated-concept",
            "looping-text", "added-aside", "half-translation", "grammar", "jargon", "too-long", "format", "same-as-source", "not-understood",
            "duplicate-in-batch", "unsafe-output", "stale-source", "llm-failed"]
SEVERITY: dict[str, str] = {code: sev for family in FAMILIES for code, sev in family.FLAGS.items()}
assert set(_ORDERED) == set(SEVERITY), "every flag code needs a place in _ORDERED"
# code -> (severity, Dutch description): the catalogue of flags a reviewer can meet.
FLAGS: dict[str, tuple[str, str]] = {code: (SEVERITY[code], message(f"flags.{code}.description")) for code in _ORDERED}
ORDER = {code: i for i, code in enumerate(FLAGS)}
# Broken output, whatever its source: a proposal carrying one of these is capped at BROKEN_CONFIDENCE —
# every error (a lost side or stage, a clash with another concept's term, unsafe text are as wrong as
# broken Dutch) and the warnings that only broken text earns.
BROKEN = tuple(code for code in _ORDERED if SEVERITY[code] == "error") + ("grammar", "added-aside")
BROKEN_CONFIDENCE = 0.3
# Checks that read each proposal (and its batch) without the TM index: they can run anywhere the
# proposals are, e.g. beside the suggester in another process (`Checker.findings`).
ROW_CHECKS = ("lost-qualifier", "number-changed", "name-changed", "repeated-concept", "looping-text", "added-aside",
              "half-translation", "grammar", "jargon", "too-long", "format", "same-as-source", "not-understood",
              "duplicate-in-batch", "unsafe-output", "stale-source", "llm-failed")


def _lexicon():
    return curated_lexicon()


def lexicon_words() -> frozenset[str]:
    """Clinical words the curated lexicon translates: a lay reader does not know them."""
    return frozenset(_lexicon().clinical_words())


def lexicon_lay_words() -> frozenset[str]:
    """The words of the curated lexicon's lay side: B1 Dutch by its own standard, with the bare form
    of each -e adjective ("opgehoeste slijm" before a het-word without article: "opgehoest")."""
    words = _lexicon().lay_words()
    return frozenset(words | {dutch_grammar.bare(w) for w in words if w.endswith("e")})


class Checker:
    """The TM, indexed once; `check(proposals)` for each chunk of a batch."""

    def __init__(self, tm: pl.DataFrame, settings: CheckSettings | dict | None = None):
        """`tm`: conceptId, term, patientTerm (other columns ignored). ValueError names a missing column."""
        self.settings = CheckSettings.from_any(settings)
        # Wall seconds per check (code, or 'similar' for the TM neighbours and tm-conflict), summed
        # over every check() call: where a batch's time goes (bench and run durations report it).
        self.timings: Counter[str] = Counter()
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

    def _timed(self, name: str, fn, *args):
        """fn(*args), its wall seconds added to `timings[name]`."""
        started = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.timings[name] += time.perf_counter() - started

    def _rows(self, proposals: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """(df, rows, present): the proposals without earlier check columns; one row each with
        `row` and the normalised texts; the rows with a proposal. ValueError names a missing column."""
        for col in ("conceptId", "term", "suggestion"):
            if col not in proposals.columns:
                raise ValueError(f"proposals: missing column {col!r}")
        df = proposals.drop([c for c in ("flags", "flagDetails", "similar") if c in proposals.columns])
        rows = df.select(
            pl.col("conceptId").cast(pl.Utf8),
            pl.col("term").cast(pl.Utf8).fill_null(""),
            pl.col("suggestion").cast(pl.Utf8).fill_null("").alias("raw"),
            (pl.col("explanation").cast(pl.Utf8).fill_null("") if "explanation" in df.columns else pl.lit("")).alias("expl"),
            (pl.col("previousTerm").cast(pl.Utf8) if "previousTerm" in df.columns else pl.lit(None, pl.Utf8)).alias("previousTerm"),
        ).with_row_index("row").with_columns(
            _norm(pl.col("raw")).alias("norm"), _norm(pl.col("term")).alias("termNorm"),
        ).with_columns(_sorted_key(pl.col("norm")).alias("sorted"))
        return df, rows, rows.filter(pl.col("norm") != "")

    def _checks(self, df: pl.DataFrame, rows: pl.DataFrame, present: pl.DataFrame) -> list[tuple[str, str, object, tuple]]:
        """(code, timing name, function, arguments) of every check but the TM neighbours
        (`similar`, tm-conflict), in the order their findings are merged."""
        return [
            ("tm-inconsistent", "tm-inconsistent", self.index.inconsistent, (present,)),
            ("lost-qualifier", "lost-qualifier", qualifiers.lost_qualifier, (present,)),
            ("number-changed", "number-changed", numbers.number_changed, (present,)),
            ("name-changed", "name-changed", names.name_changed, (present,)),
            ("repeated-concept", "repeated-concept", repeats.repeated_concept, (present,)),
            ("looping-text", "looping-text", output.looping, (rows,)),
            ("added-aside", "added-aside", output.added_aside, (present,)),
            ("half-translation", "half-translation", words.half_translation, (present, self.judge)),
            ("grammar", "grammar", grammar.grammar, (present,)),
            ("jargon", "jargon", words.jargon, (present, self.judge, self.tm_abbreviations)),
            ("too-long", "formatting", formatting.too_long, (present, self.settings)),
            ("format", "formatting", formatting.format_problems, (present, self.allowed_capitals)),
            ("same-as-source", "same", same.same_as_source, (present,)),
            ("not-understood", "same", same.not_understood, (df,)),
            ("duplicate-in-batch", "same", same.duplicates, (present,)),
            ("unsafe-output", "safety", safety.unsafe, (rows,)),
            ("stale-source", "same", same.stale, (rows,)),
            ("llm-failed", "safety", safety.from_llm, (df,)),
        ]

    def findings(self, proposals: pl.DataFrame, codes: tuple[str, ...]) -> pl.DataFrame:
        """The flags that the checks of `codes` (any of ROW_CHECKS) find in `proposals`, as rows
        (row, code, reason, related) — for `check(proposals, found=(codes, this))`, so the text
        checks of a chunk can run in another process than the TM checks. ValueError names a
        missing column or a code that is not a row check."""
        unknown = set(codes) - set(ROW_CHECKS)
        if unknown:
            raise ValueError(f"not row checks: {', '.join(sorted(unknown))}")
        df, rows, present = self._rows(proposals)
        if df.is_empty():
            return EMPTY
        return _merged([self._timed(name, fn, *args) for code, name, fn, args in self._checks(df, rows, present)
                        if code in codes])

    def check(self, proposals: pl.DataFrame, found: tuple[tuple[str, ...], pl.DataFrame] | None = None) -> pl.DataFrame:
        """`proposals` (conceptId, term, suggestion; optional explanation, previousTerm, llmFlags,
        llmReason) plus `flags`, `flagDetails`, `similar`. ValueError names a missing column.

        `found`: (codes, `findings(proposals, codes)`) made earlier — those checks are not run again."""
        df, rows, present = self._rows(proposals)
        if df.is_empty():
            return df.with_columns(pl.lit("").alias("flags"), pl.lit("[]").alias("flagDetails"), pl.lit("[]").alias("similar"))
        done, earlier = found if found is not None else ((), EMPTY)
        timed = self._timed
        similar, conflicts = timed("similar", self.index.similar_and_conflicts, present)
        mine = [conflicts] + [timed(name, fn, *args) for code, name, fn, args in self._checks(df, rows, present)
                              if code not in done]
        merged = _merged(mine + [earlier])
        per_row = (merged.with_columns(pl.col("code").replace_strict(ORDER, return_dtype=pl.Int32).alias("order"),
                                      pl.col("code").replace_strict(SEVERITY, return_dtype=pl.Utf8).alias("severity"))
                   .sort("row", "order", maintain_order=True)  # one check's flags for a row keep their order
                   .with_columns(pl.struct("code", "severity", "reason", "related").struct.json_encode().alias("detail"))
                   .group_by("row", maintain_order=True)
                   .agg(pl.col("code").unique(maintain_order=True).str.join(";").alias("flags"),
                        (pl.lit("[") + pl.col("detail").str.join(",") + pl.lit("]")).alias("flagDetails")))
        out = (rows.select("row").join(per_row, on="row", how="left").join(similar, on="row", how="left")
               .sort("row")
               .select(pl.col("flags").fill_null(""), pl.col("flagDetails").fill_null("[]"), pl.col("similar").fill_null("[]")))
        checked = pl.concat([df, out], how="horizontal")
        if "confidence" in checked.columns:
            # Confidence that means something: whatever a suggester thought of its proposal, one
            # the checks call broken is never in the high band (every source alike)
            broken = pl.col("flags").str.contains(f"(^|;)({'|'.join(BROKEN)})(;|$)")
            conf = pl.col("confidence").cast(pl.Float64)
            checked = checked.with_columns(pl.when(broken).then(pl.min_horizontal(conf, pl.lit(BROKEN_CONFIDENCE)))
                                           .otherwise(conf).alias("confidence"))
        return checked


def _merged(found: list[pl.DataFrame | None]) -> pl.DataFrame:
    """The checks' findings as one frame (row, code, reason, related), in the order given."""
    found = [f.select("row", "code", "reason", pl.col("related").cast(pl.List(pl.Utf8)))
             for f in found if f is not None and not f.is_empty()]
    return pl.concat(found, how="vertical") if found else EMPTY


def check(proposals: pl.DataFrame, tm: pl.DataFrame, settings: CheckSettings | dict | None = None) -> pl.DataFrame:
    """`proposals` plus `flags`, `flagDetails` and `similar` (see docs/internals.md)."""
    return Checker(tm, settings).check(proposals)
