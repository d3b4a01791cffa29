"""File to file, no database: `helder suggest` and `helder check` (DESIGN.md, TSV/CSV files).

Input: `conceptId`, `term`, optional `fsn`, `semanticTag` (+ `suggestion` for check); TM:
`conceptId`, `term`, `patientTerm`, optional `explanation`. `.tsv`/`.txt` are tab separated (read
verbatim: TSV has no quoting), `.csv` comma or semicolon separated (Excel), `.xlsx` the first
sheet; how each is read and what is refused is terms.tm's (docs/files.md). Output: the input
columns plus `suggestion`, `explanation`, `confidence`, `origin`, `flags`, `similar`, written by
terms.tm.write_table (cells neutralised against formula injection, empty cells empty) to a
temporary file beside the target and renamed into place, so a failure never leaves half-written
output behind.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline.checks import CheckSettings, Checker
# One reader and writer for tables, shared with `helder tm import`; FileError is its error.
from terms.tm import WORK_REQUIRED, read_table, read_tm_file, read_work_file, write_table
from terms.tm import TableError as FileError  # noqa: F401  (re-exported for callers)

OUTPUT_COLUMNS = ["suggestion", "explanation", "confidence", "origin", "flags", "flagReasons", "similar"]
_REASONS = pl.List(pl.Struct({"reason": pl.Utf8}))


def _output(frame: pl.DataFrame, input_columns: list[str]) -> pl.DataFrame:
    """The input columns, then the proposal, its flags and — for the person reading the file — each
    flag's Dutch reason (`flagReasons`, " | "-joined, in the order of `flags`)."""
    if "flagDetails" in frame.columns:
        frame = frame.with_columns(
            pl.col("flagDetails").fill_null("[]").str.json_decode(_REASONS)
            .list.eval(pl.element().struct.field("reason")).list.join(" | ").fill_null("").alias("flagReasons"))
    extra = [c for c in OUTPUT_COLUMNS if c not in input_columns and c in frame.columns]
    return frame.select(input_columns + extra)


def check_file(input_path: str | Path, tm_path: str | Path, out_path: str | Path,
               settings: CheckSettings | dict | None = None, notes: list[str] | None = None) -> pl.DataFrame:
    """Check externally proposed terms (column `suggestion`) against the TM; returns what was written.

    `notes` receives Dutch lines on how the files were read (encoding, separator, empty rows)."""
    work = read_table(input_path, WORK_REQUIRED + ["suggestion"], notes)
    tm = read_tm_file(tm_path, notes)
    input_columns = work.columns
    proposals = work.with_columns(
        *(pl.lit(None, pl.Utf8).alias(c) for c in ("explanation", "origin", "confidence") if c not in work.columns))
    checked = Checker(tm, settings).check(proposals)
    out = _output(checked, input_columns)
    write_table(out, out_path)
    return out


def suggest_file(input_path: str | Path, tm_path: str | Path, out_path: str | Path, suggester: str = "offline",
                 model: str | None = None, settings: CheckSettings | dict | None = None,
                 notes: list[str] | None = None, **llm_opts) -> pl.DataFrame:
    """Propose patient-friendly terms for a file of clinical terms, check them, write the result.

    `notes` receives Dutch lines on how the files were read (encoding, separator, empty rows)."""
    if suggester not in ("offline", "llm"):
        raise ValueError(f"suggester must be offline or llm, not {suggester!r}")
    work = read_work_file(input_path, notes)
    tm = read_tm_file(tm_path, notes)
    input_columns = [c for c in work.columns if c not in OUTPUT_COLUMNS]
    if suggester == "offline":
        from pipeline.offline import suggest_offline
        proposals = suggest_offline(work, tm)
    else:
        from pipeline.llm import FileCache, file_cache_path, suggest_llm
        from terms.config import load_config
        llm_opts.setdefault("settings", load_config().get("llm"))
        if llm_opts.get("cache") is None:  # pay once: answers kept beside the output (docs/llm.md)
            llm_opts["cache"] = FileCache(file_cache_path(out_path, llm_opts["settings"]))
        result = suggest_llm(work, tm, model=model, **llm_opts)
        proposals = getattr(result, "proposals", result)
    checked = Checker(tm, settings).check(proposals)
    out = _output(checked, input_columns)
    write_table(out, out_path)
    return out
