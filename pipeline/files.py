"""File to file, no database: `helder suggest` and `helder check` (DESIGN.md, TSV/CSV files).

Input: `conceptId`, `term`, optional `fsn`, `semanticTag` (+ `suggestion` for check); TM:
`conceptId`, `term`, `patientTerm`, optional `explanation`. `.tsv`/`.txt` are tab separated,
`.csv` comma separated, `.xlsx` the first sheet. Output: the input columns plus `suggestion`,
`explanation`, `confidence`, `origin`, `flags`, `similar`, written to a temporary file beside
the target and renamed into place, so a failure never leaves half-written output behind.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl

from pipeline.checks import CheckSettings, Checker

OUTPUT_COLUMNS = ["suggestion", "explanation", "confidence", "origin", "flags", "similar"]
WORK_REQUIRED = ["conceptId", "term"]
TM_REQUIRED = ["conceptId", "term", "patientTerm"]


class FileError(ValueError):
    """Bad input file; the message is one line naming the file, row and column."""


def _separator(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in (".tsv", ".txt", ".tab"):
        return "\t"
    if suffix == ".csv":
        return ","
    if suffix == ".xlsx":
        return None
    raise FileError(f"{path}: unknown file type {suffix or '(none)'}; use .tsv, .csv or .xlsx")


def read_table(path: str | Path, required: list[str]) -> pl.DataFrame:
    """All columns as text; raises FileError naming file, line and column for missing or empty values."""
    path = Path(path)
    if not path.is_file():
        raise FileError(f"{path}: no such file")
    sep = _separator(path)
    try:
        if sep is None:
            frame = _read_xlsx(path)
        else:
            frame = pl.read_csv(path, separator=sep, infer_schema=False, quote_char='"', encoding="utf8",
                                truncate_ragged_lines=False)
    except FileError:
        raise
    except Exception as exc:  # polars/openpyxl errors are long; keep the first line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FileError(f"{path}: cannot read ({first})") from None
    frame = frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns})
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise FileError(f"{path}: missing column {missing[0]!r} (header has {', '.join(frame.columns) or 'nothing'})")
    frame = frame.with_columns(pl.col(c).str.strip_chars() for c in required)
    for column in required:
        empty = frame.with_row_index("i").filter(pl.col(column).is_null() | (pl.col(column) == ""))
        if not empty.is_empty():
            line = int(empty["i"][0]) + 2  # header is line 1
            raise FileError(f"{path}:{line}: empty {column}")
    return frame


def _read_xlsx(path: Path) -> pl.DataFrame:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise FileError(f"{path}: empty sheet")
    header = [str(h).strip() if h is not None else f"column{i + 1}" for i, h in enumerate(rows[0])]

    def text(v):
        if v is None:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    return pl.DataFrame({h: [text(r[i]) if i < len(r) else None for r in rows[1:]] for i, h in enumerate(header)},
                        schema={h: pl.Utf8 for h in header})


def read_work_file(path: str | Path) -> pl.DataFrame:
    try:
        from terms.tm import read_work_file as shared
    except ImportError:
        return read_table(path, WORK_REQUIRED)
    return shared(path)


def read_tm_file(path: str | Path) -> pl.DataFrame:
    try:
        from terms.tm import read_tm_file as shared
    except ImportError:
        return read_table(path, TM_REQUIRED)
    return shared(path)


def write_table(frame: pl.DataFrame, path: str | Path) -> None:
    """Write by extension, atomically: a temp file in the target folder, then rename over the target."""
    path = Path(path)
    sep = _separator(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        if sep is None:
            _write_xlsx(frame, Path(tmp))
        else:
            frame.with_columns(pl.col(pl.Float64).round(3)).write_csv(tmp, separator=sep, null_value="")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("terms")
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    book.save(path)


def _output(frame: pl.DataFrame, input_columns: list[str]) -> pl.DataFrame:
    extra = [c for c in OUTPUT_COLUMNS if c not in input_columns]
    return frame.select(input_columns + extra)


def check_file(input_path: str | Path, tm_path: str | Path, out_path: str | Path,
               settings: CheckSettings | dict | None = None) -> pl.DataFrame:
    """Check externally proposed terms (column `suggestion`) against the TM; returns what was written."""
    work = read_table(input_path, WORK_REQUIRED + ["suggestion"])
    tm = read_tm_file(tm_path)
    input_columns = work.columns
    proposals = work.with_columns(
        *(pl.lit(None, pl.Utf8).alias(c) for c in ("explanation", "origin", "confidence") if c not in work.columns))
    checked = Checker(tm, settings).check(proposals)
    out = _output(checked, input_columns)
    write_table(out, out_path)
    return out


def suggest_file(input_path: str | Path, tm_path: str | Path, out_path: str | Path, suggester: str = "offline",
                 model: str | None = None, settings: CheckSettings | dict | None = None, **llm_opts) -> pl.DataFrame:
    """Propose patient-friendly terms for a file of clinical terms, check them, write the result."""
    if suggester not in ("offline", "llm"):
        raise ValueError(f"suggester must be offline or llm, not {suggester!r}")
    work = read_work_file(input_path)
    tm = read_tm_file(tm_path)
    input_columns = [c for c in work.columns if c not in OUTPUT_COLUMNS]
    if suggester == "offline":
        from pipeline.offline import suggest_offline
        proposals = suggest_offline(work, tm)
    else:
        from pipeline.llm import suggest_llm
        from terms.config import load_config
        llm_opts.setdefault("settings", load_config().get("llm"))
        llm_opts.setdefault("cache", None)
        result = suggest_llm(work, tm, model=model, **llm_opts)
        proposals = getattr(result, "proposals", result)
    checked = Checker(tm, settings).check(proposals)
    out = _output(checked, input_columns)
    write_table(out, out_path)
    return out
