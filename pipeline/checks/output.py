"""Broken generated output, whatever made it (in practice a weak LLM: pipeline/llm/evaluate.py runs
one): `looping-text` (the proposal or its explanation repeats a run of words, as a model does that
keeps going until its output limit: "Dit is een ontsteking van de teen. Dit is een ontsteking van
de teen. …") and `added-aside` (the proposal puts in brackets words the clinical term does not say,
as a model that wraps some other clinical term beside its answer: "longontsteking (poliep van
cervix uteri)"). A clinical word beside its own translation ("longontsteking (pneumonie)") is
`repeated-concept` (pipeline/checks/repeats.py), not an aside."""
from __future__ import annotations

import re

import polars as pl

from pipeline.checks.flags import found, judged, reason
from pipeline.checks.text import STOPWORDS
from terms.messages import message

FLAGS = {"looping-text": "error", "added-aside": "warning"}

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ASIDE = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]")
# (answer options add no content: "diabetes (ja/nee)" for a form's "(y/n)")
_FUNCTION = set(STOPWORDS) | {"te", "niet", "geen", "zich", "er", "die", "dat", "is", "zijn", "wordt", "u", "uw", "ja", "nee"}
# A run of this many words said twice is a loop; shorter runs must come three times. Measured
# against honest Dutch: "een ontsteking van de blaas en een ontsteking van de nieren" repeats four
# words, never five; a loop repeats a whole clause.
LONG_RUN, SHORT_RUN_TIMES = 5, 3


def loop_in(text: str) -> str | None:
    """The words that `text` repeats as a loop (a run of LONG_RUN words or more twice without
    overlap, or a run of 1-4 words SHORT_RUN_TIMES times back to back), or None. Case and
    punctuation do not count."""
    words = _WORD.findall((text or "").lower())
    n = len(words)
    for size in range(1, LONG_RUN):
        for start in range(0, n - size * SHORT_RUN_TIMES + 1):
            run = words[start:start + size]
            if all(words[start + k * size:start + (k + 1) * size] == run for k in range(1, SHORT_RUN_TIMES)):
                return " ".join(run)
    first: dict[tuple, int] = {}
    for i in range(n - LONG_RUN + 1):
        gram = tuple(words[i:i + LONG_RUN])
        if gram in first and i - first[gram] >= LONG_RUN:
            return " ".join(gram)
        first.setdefault(gram, i)
    return None


def loop_not_in(text: str, term: str) -> str | None:
    """`loop_in(text)` unless the clinical term says those words itself (SNOMED has terms such as
    "structuur van abdominopelviene holte en/of inhoud van abdominopelviene holte en/of …")."""
    loop = loop_in(text)
    if loop is None:
        return None
    return None if f" {loop} " in f" {' '.join(_WORD.findall((term or '').lower()))} " else loop


def looping(rows: pl.DataFrame) -> pl.DataFrame | None:
    """`rows`: row, term, raw (the proposal), expl (its explanation)."""
    frames = []
    for column in ("raw", "expl"):
        field = message(f"flags.looping-text.field.{column}")
        # a loop repeats words: only texts with a word twice are read word by word
        words = pl.col(column).str.to_lowercase().str.extract_all(r"\p{L}+")
        hits = judged(rows, [column, "term"], loop_not_in,
                      prefilter=(pl.col(column).str.len_chars() >= 8) & (words.list.n_unique() < words.list.len()))
        if not hits.is_empty():
            frames.append(hits.with_columns(pl.lit(field).alias("field")))
    if not frames:
        return None
    hits = pl.concat(frames).unique("row", keep="first", maintain_order=True)
    return found(hits, "looping-text", reason("looping-text.reason", field=pl.col("field"), words=pl.col("what")))


def aside_not_in(raw: str, term: str) -> str | None:
    """The bracketed part of `raw` when it has a content word that `term` does not have (a lay
    reader gets something the clinical term does not say), else None."""
    term_words = set(_WORD.findall(term.lower()))
    for match in _ASIDE.finditer(raw):
        aside = (match.group(1) or match.group(2) or "").strip()
        words = [w for w in _WORD.findall(aside.lower()) if w not in _FUNCTION and len(w) > 2]
        if words and any(w not in term_words for w in words):
            return aside
    return None


def added_aside(present: pl.DataFrame) -> pl.DataFrame | None:
    """`present`: row, raw, term."""
    hits = judged(present, ["raw", "term"], aside_not_in, prefilter=pl.col("raw").str.contains(r"[(\[]"))
    return found(hits, "added-aside", reason("added-aside.reason", aside=pl.col("what")))
