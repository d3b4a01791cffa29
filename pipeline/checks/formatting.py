"""`too-long` and `format`: a patient-friendly term is short, lower case except names and
abbreviations, without stray spaces, closing punctuation or unbalanced brackets and quotes."""
from __future__ import annotations

import polars as pl

from pipeline.checks.flags import found, reason
from pipeline.checks.settings import CheckSettings
from terms.messages import message

FLAGS = {"too-long": "warning", "format": "warning"}


def too_long(present: pl.DataFrame, settings: CheckSettings) -> pl.DataFrame | None:
    """`present`: row, raw, norm. Longer than `max_length` characters or `max_words` words."""
    n_chars = pl.col("raw").str.strip_chars().str.len_chars()
    n_words = pl.col("norm").str.extract_all(r"\S+").list.len()
    hits = present.filter((n_chars > settings.max_length) | (n_words > settings.max_words))
    return found(hits, "too-long", reason("too-long.reason", chars=n_chars, words=n_words,
                                          max_chars=settings.max_length, max_words=settings.max_words))


def format_problems(present: pl.DataFrame, allowed_capitals: list[str]) -> pl.DataFrame | None:
    """`present`: row, raw, term. Capitals the clinical term does not have are allowed only for
    names and abbreviations (`allowed_capitals`)."""
    raw = pl.col("raw")
    # a capitalised word counts by its part before a hyphen: "Doppler-hartecho" keeps the name the
    # term wrote as "Doppler-echocardiografie"
    capitals = (raw.str.extract_all(r"\b\p{Lu}[\p{Ll}][\p{L}'’]*")
                .list.set_difference(pl.col("term").str.extract_all(r"\b\p{Lu}[\p{Ll}][\p{L}'’]*"))
                # "Lyme-gewrichtsontsteking": a name as a compound's first part keeps its capital
                .list.eval(pl.element().filter(~pl.element().is_in(allowed_capitals))))
    shouting = raw.str.extract_all(r"\b\p{Lu}{6,}\b").list.eval(pl.element().filter(~pl.element().is_in(allowed_capitals)))
    text = lambda key: pl.lit(message(f"flags.format.problem.{key}"))
    problems = [
        (raw.str.contains(r"^\s|\s$"), text("edge-space")),
        (raw.str.contains(r"\S\s{2,}\S"), text("double-space")),
        (raw.str.contains(r"[.,;:!?]\s*$"), text("end-punctuation")),
        (raw.str.count_matches(r"\(") != raw.str.count_matches(r"\)"), text("brackets")),
        (raw.str.count_matches(r"\[") != raw.str.count_matches(r"\]"), text("brackets")),
        (raw.str.contains(r"[(\[]\s|\s[)\]]"), text("bracket-space")),  # "7 ( 4+ 3 )"
        (raw.str.contains(r"[,;:]\s*[,;:]"), text("double-punctuation")),  # "van de knie,, graad 2"
        (raw.str.contains(r"\(\s*\)|\[\s*\]"), text("empty-brackets")),  # "gebroken dijbeen () links"
        (raw.str.count_matches("\"") % 2 == 1, text("quotes")),
        (capitals.list.len() > 0, reason("format.problem.capital", words=capitals.list.join(", "))),
        (shouting.list.len() > 0, reason("format.problem.shouting", words=shouting.list.join(", "))),
    ]
    hits = pl.concat([present.filter(cond).select("row", what.alias("what")) for cond, what in problems])
    if hits.is_empty():
        return None
    hits = hits.unique(maintain_order=True).group_by("row", maintain_order=True).agg(pl.col("what").str.join("; "))
    return found(hits, "format", reason("format.reason", problems=pl.col("what")))
