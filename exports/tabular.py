"""CSV and Parquet for spreadsheet and data users: one row per published term."""
from __future__ import annotations

from pathlib import Path

import polars as pl

from terms.text import neutralise_frame

COLUMNS = [
    "conceptId", "clinicalTerm", "patientTerm", "explanation", "descriptionId", "definitionId",
    "acceptability", "semanticTag", "fsn", "source",
]
BASENAME = "patient-friendly-terms"


def table(terms: pl.DataFrame) -> pl.DataFrame:
    """The release's terms in the CSV/Parquet columns, preferred first within a concept."""
    return terms.sort(["conceptId", "preferred", "term"], descending=[False, True, False]).select(
        "conceptId", "clinicalTerm", pl.col("term").alias("patientTerm"), "explanation", "descriptionId",
        "definitionId",
        pl.when(pl.col("preferred")).then(pl.lit("preferred")).otherwise(pl.lit("acceptable")).alias("acceptability"),
        "semanticTag", "fsn", "source",
    )


def write(terms: pl.DataFrame, release_dir: Path, version: str) -> list[Path]:
    """csv/patient-friendly-terms.csv (RFC 4180: comma, CRLF, UTF-8) and parquet/patient-friendly-terms.parquet.

    The CSV is for spreadsheets: every text cell goes through terms.text's neutralising (OWASP
    CSV injection: a leading = + - @ tab or line break gets an apostrophe) and empty cells are
    written empty. Parquet holds the values as they are (typed data, not opened as a sheet).
    """
    frame = table(terms)
    csv_path = release_dir / "csv" / f"{BASENAME}.csv"
    parquet_path = release_dir / "parquet" / f"{BASENAME}.parquet"
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    parquet_path.parent.mkdir(parents=True, exist_ok=True)
    safe = neutralise_frame(frame)
    safe = safe.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c)
                             for c, t in safe.schema.items() if t == pl.Utf8)
    safe.write_csv(csv_path, line_terminator="\r\n", null_value="")
    frame.write_parquet(parquet_path, compression="zstd", statistics=True)
    return [csv_path, parquet_path]
