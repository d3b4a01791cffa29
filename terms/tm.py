"""The translation memory (TM): clinical term → patient-friendly term pairs.

From a release: active synonyms that are preferred in the patient-friendly language refset
15551000146102, with the concept's Dutch clinical term and its patient-friendly explanation
(an active Dutch text definition in the patient-friendly module). From a file: CSV, TSV or XLSX
with `conceptId`, `term`, `patientTerm` and optional `explanation` (DESIGN.md).
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from terms import config as C
from terms.atomic import replaced_atomically

TM_COLUMNS = ["conceptId", "term", "patientTerm", "explanation"]
WORK_REQUIRED = ["conceptId", "term"]
TM_REQUIRED = ["conceptId", "term", "patientTerm"]


class TableError(ValueError):
    """A bad CSV/TSV/XLSX input file; the message is one line naming the file, line and column."""


def _preferred_in(release, refset: str) -> pl.DataFrame:
    """Description ids that are active and preferred in `refset` (one column `id`)."""
    return release.language_members.filter(
        pl.col("active") & (pl.col("refsetId") == refset) & (pl.col("acceptabilityId") == C.PREFERRED)
    ).select(pl.col("referencedComponentId").alias("id")).unique()


def dutch_terms(release) -> pl.DataFrame:
    """Per concept: the Dutch clinical term (preferred synonym in the Dutch refset), conceptId, term."""
    preferred = _preferred_in(release, C.NL_LANGUAGE_REFSET)
    return (
        release.descriptions.filter(pl.col("active") & (pl.col("typeId") == C.SYNONYM)
                                    & pl.col("languageCode").str.starts_with("nl"))
        .join(preferred, on="id", how="semi")
        .sort("conceptId", "effectiveTime", "id")
        .unique("conceptId", keep="last", maintain_order=True)
        .select("conceptId", "term")
    )


def tm_from_release(release) -> pl.DataFrame:
    """The TM a release carries: conceptId, term (null when the release has no Dutch clinical
    term for the concept, as in a patient-friendly-only release), patientTerm, explanation."""
    preferred = _preferred_in(release, C.PATIENT_FRIENDLY_REFSET)
    patient = (
        release.descriptions.filter(pl.col("active") & (pl.col("typeId") == C.SYNONYM))
        .join(preferred, on="id", how="semi")
        # One preferred term per concept; should a release carry two, the newest wins, stably.
        .sort("conceptId", "effectiveTime", "id")
        .unique("conceptId", keep="last", maintain_order=True)
        .select("conceptId", pl.col("term").alias("patientTerm"))
    )
    explanations = (
        release.text_definitions.filter(
            pl.col("active") & (pl.col("moduleId") == C.PATIENT_FRIENDLY_MODULE)
            & pl.col("languageCode").str.starts_with("nl"))
        .sort("conceptId", "effectiveTime", "id")
        .unique("conceptId", keep="last", maintain_order=True)
        .select("conceptId", pl.col("term").alias("explanation"))
    )
    return (
        patient.join(dutch_terms(release), on="conceptId", how="left")
        .join(explanations, on="conceptId", how="left")
        .select(TM_COLUMNS)
        .sort("conceptId")
    )


# ---- tables (CSV / TSV / XLSX) ---------------------------------------------------------------

def _separator(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in (".tsv", ".txt", ".tab"):
        return "\t"
    if suffix == ".csv":
        return ","
    if suffix == ".xlsx":
        return None
    raise TableError(f"{path}: unknown file type {suffix or '(none)'}; use .tsv, .csv or .xlsx")


def read_table(path: str | Path, required: list[str]) -> pl.DataFrame:
    """All columns as text, required ones stripped and non-empty; TableError names file, line, column."""
    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: no such file")
    sep = _separator(path)
    try:
        if sep is None:
            frame = _read_xlsx(path)
        else:
            frame = pl.read_csv(path, separator=sep, infer_schema=False, quote_char='"', encoding="utf8",
                                truncate_ragged_lines=False)
    except TableError:
        raise
    except UnicodeDecodeError:
        raise TableError(f"{path}: not valid UTF-8") from None
    except Exception as exc:  # polars/openpyxl errors are long; keep the first line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TableError(f"{path}: cannot read ({first})") from None
    frame = frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns})
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise TableError(f"{path}: missing column {missing[0]!r} (header has {', '.join(frame.columns) or 'nothing'})")
    frame = frame.with_columns(pl.col(c).str.strip_chars() for c in required)
    for column in required:
        empty = frame.with_row_index("i").filter(pl.col(column).is_null() | (pl.col(column) == ""))
        if not empty.is_empty():
            raise TableError(f"{path}:{int(empty['i'][0]) + 2}: empty {column}")  # header is line 1
    return frame


def _read_xlsx(path: Path) -> pl.DataFrame:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise TableError(f"{path}: not a readable XLSX workbook ({type(exc).__name__})") from None
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    if not rows:
        raise TableError(f"{path}: empty sheet")
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
    """Input to suggest/check: conceptId, term, optional fsn, semanticTag (and anything else, kept)."""
    return read_table(path, WORK_REQUIRED)


def read_tm_file(path: str | Path) -> pl.DataFrame:
    """TM pairs from a file, with an `explanation` column (null where the file has none)."""
    frame = read_table(path, TM_REQUIRED)
    if "explanation" not in frame.columns:
        frame = frame.with_columns(explanation=pl.lit(None, dtype=pl.Utf8))
    frame = frame.with_columns(
        pl.when(pl.col("explanation").str.strip_chars() == "").then(None)
        .otherwise(pl.col("explanation").str.strip_chars()).alias("explanation"))
    return frame


def write_table(frame: pl.DataFrame, path: str | Path) -> None:
    """Write by extension, atomically: a temp file in the target folder, then rename over it."""
    path = Path(path)
    sep = _separator(path)
    with replaced_atomically(path) as tmp:
        if sep is None:
            _write_xlsx(frame, tmp)
        else:
            frame.with_columns(pl.col(pl.Float64).round(3)).write_csv(tmp, separator=sep, null_value="")


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("terms")
    sheet.append(frame.columns)
    for row in frame.iter_rows():
        sheet.append(list(row))
    book.save(path)
