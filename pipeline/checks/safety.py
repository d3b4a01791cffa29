"""`unsafe-output` (markup, control characters, a spreadsheet formula start, links, instructions or chat text, text that is
not Dutch — in the proposal or its explanation) and the LLM path's own flags (`llmFlags`:
`unsafe-output`, `llm-failed`), which the checker merges with the rest because it owns `flags`."""
from __future__ import annotations

import polars as pl

from pipeline.checks.flags import found, reason
from pipeline.dutch import words as dutch_words
from terms.messages import message
from terms.text import CONTROL as TERM_CONTROL
from terms.text import MARKUP as TERM_MARKUP
from terms.text import NEUTRALISE

FLAGS = {"unsafe-output": "error", "llm-failed": "warning"}

CONTROL = r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u2060\ufeff]"
MARKUP = r"<\s*/?\s*[a-zA-Z!][^>]*>|<\s*/?\s*script|&[a-zA-Z#][a-zA-Z0-9]*;|\{\{|\}\}|```|\[[^\]]*\]\([^)]*\)|javascript:|\*\*|__"
URL = r"(?i)https?://|\bwww\.|\b[\w-]+\.(com|nl|org|net|io|ai|be|eu|info)\b|\bmailto:|@[\w-]+\.\w+"
INSTRUCTION = (
    r"(?i)\b(ignore|negeer|vergeet|disregard|forget)\b.{0,40}\b(previous|prior|above|earlier|all|instructions?|"
    r"vorige|eerdere|bovenstaande|alle|instructies?|opdracht)\b|system\s*prompt|systeemprompt|\bprompt\b|"
    r"\byou are (now )?(a|an|chatgpt|the)\b|\bas an ai\b|\bals (een )?(ai|taalmodel)\b|language model|taalmodel|"
    r"\b(assistant|system|user)\s*:|<\|[a-z_]+\|>|\bjailbreak\b|\bi (cannot|can't|am unable)\b|"
    r"\bik kan (je|u) (daar )?niet (mee )?helpen\b|\bsorry\b|\bhere is\b|\bhere's\b|\binstructions?\b|"
    # an answer that announces itself: "Sure! …", "Patiëntvriendelijke term: …", "Translation: …"
    r"^\s*(sure|certainly|of course|absolutely|zeker|natuurlijk|uiteraard|oké|okay)\b\s*[!,.:]|"
    r"\b(patiëntvriendelijke term|patient[- ]friendly term|lekenterm|vertaling|translation|antwoord|answer|"
    r"output|resultaat|voorstel|suggestie|suggestion)\s*(is)?\s*:"
)
ENGLISH_MARKERS = ["the", "and", "with", "you", "your", "this", "that", "please", "cannot", "here", "what",
                   "which", "is", "are", "of", "for", "to", "it", "my", "i"]


def unsafe(rows: pl.DataFrame) -> pl.DataFrame | None:
    """`rows`: row, term, raw (the proposal), expl (its explanation). Every row, also empty proposals."""
    frames = []
    for column in ("raw", "expl"):
        field = message(f"flags.unsafe-output.field.{column}")
        text = pl.col(column)
        problems = [
            # also whatever the term rules refuse at every entry (terms.text: a bare "<" or ">", a
            # soft hyphen, a bidirectional override): an agency's batch must not pass `helder check`
            # clean and then be refused on import
            (text.str.contains(CONTROL) | text.str.contains(TERM_CONTROL), "control"),
            (text.str.contains(MARKUP) | text.str.contains(TERM_MARKUP), "markup"),
            # what every entry refuses and every file neutralises: a proposal must not start so either
            (text.str.contains(NEUTRALISE), "formula"),
            (text.str.contains(URL), "link"),
            (text.str.contains(INSTRUCTION), "instructions"),
        ]
        for cond, what in problems:
            frames.append(rows.filter(cond).select(
                "row", pl.lit(message(f"flags.unsafe-output.problem.{what}", field=field)).alias("what")))
        frames.append(_not_dutch(rows, column, field))
    hits = pl.concat([f for f in frames if f is not None])
    if hits.is_empty():
        return None
    hits = hits.unique(maintain_order=True).group_by("row", maintain_order=True).agg(pl.col("what").str.join("; "))
    return found(hits, "unsafe-output", reason("unsafe-output.reason", problems=pl.col("what")))


def _not_dutch(rows: pl.DataFrame, column: str, field: str) -> pl.DataFrame | None:
    """Rows whose text in `column` is mostly English words (at least two of them)."""
    words = (rows.select("row", pl.col(column).str.to_lowercase().str.extract_all(r"\p{L}+").alias("w"))
             .filter(pl.col("w").list.len() >= 2).explode("w"))
    if words.is_empty():
        return None
    distinct = words.select("w").unique()["w"].to_list()
    english = pl.DataFrame({"w": distinct, "en": [dutch_words.is_english(x) or x in ENGLISH_MARKERS and x not in ("is",)
                                                  for x in distinct]}, schema={"w": pl.Utf8, "en": pl.Boolean})
    # a common Dutch word the clinical term says itself is not the proposal's English ("long- of
    # hartziekte"); an English term kept as it was still is ("frozen shoulder")
    said = (rows.select("row", pl.col("term").str.to_lowercase().str.extract_all(r"\p{L}+").alias("w"))
            .explode("w").drop_nulls("w").unique())
    dutch = set(w for w in said["w"].unique().to_list() if dutch_words.zipf(w) >= 3.5)
    said = said.filter(pl.col("w").is_in(sorted(dutch))).with_columns(pl.lit(True).alias("said"))
    # a term kept as it was is no output of anyone's ("frozen shoulder" with no proposal): `jargon`
    # names its English words; unsafe-output is for what a model or a person wrote
    unchanged = rows.filter(pl.col("raw").str.to_lowercase().str.strip_chars() == pl.col("term").str.to_lowercase().str.strip_chars())
    words = words.join(unchanged.select("row"), on="row", how="anti")
    counts = (words.join(english, on="w").join(said, on=["row", "w"], how="left")
              .with_columns(pl.col("en") & pl.col("said").is_null())
              .group_by("row").agg(pl.col("en").sum().alias("n_en"), pl.len().alias("n")))
    return (counts.filter((pl.col("n_en") >= 2) & (pl.col("n_en") * 2 >= pl.col("n")))
            .select("row", pl.lit(message("flags.unsafe-output.problem.english", field=field)).alias("what")))


def from_llm(df: pl.DataFrame) -> pl.DataFrame | None:
    """Flags the LLM path raised itself (`llmFlags`, reason in `llmReason`): an answer refused or
    missing and replaced by the offline proposal. A missing reason gets the code's description."""
    if "llmFlags" not in df.columns:
        return None
    codes = list(FLAGS)
    default = {c: message(f"flags.{c}.description") for c in codes}
    why = pl.col("llmReason").cast(pl.Utf8) if "llmReason" in df.columns else pl.lit(None, pl.Utf8)
    hits = (df.select(pl.col("llmFlags").cast(pl.Utf8).fill_null("").str.split(";").alias("code"), why.alias("why"))
            .with_row_index("row").explode("code").filter(pl.col("code").is_in(codes)))
    if hits.is_empty():
        return None
    return hits.select("row", "code",
                       pl.when(pl.col("why").fill_null("") == "")
                       .then(pl.col("code").replace_strict(default, return_dtype=pl.Utf8))
                       .otherwise(pl.col("why")).alias("reason"),
                       pl.lit([], pl.List(pl.Utf8)).alias("related"))
