"""The translation memory (TM): clinical term → patient-friendly term pairs, and the one reader
and writer of tables (CSV, TSV, XLSX) every file command uses.

From a release: active synonyms that are preferred in the patient-friendly language refset
15551000146102, with the concept's Dutch clinical term and its patient-friendly explanation
(an active Dutch text definition in the patient-friendly module). From a file: CSV, TSV or XLSX
with `conceptId`, `term`, `patientTerm` and optional `explanation` (DESIGN.md).

Tables are read as people's tools save them (docs/files.md): UTF-8 with or without BOM, UTF-16
with BOM (Excel's "Unicode text"), else Windows-1252 (Dutch Excel's "CSV"), said in a note;
the separator found from the header (`,` `;` or tab; an Excel `sep=` first line honoured); tab
separated text read verbatim (TSV has no quoting); wholly empty rows skipped. Every conceptId
passes the SCTID rules, and a number-typed or number-looking id is refused with a hint. Problems
are one Dutch line (terms/messages/files.toml) naming file, line and column.
"""
from __future__ import annotations

import codecs
import io
from pathlib import Path

import polars as pl

from terms import config as C
from terms.atomic import replaced_atomically
from terms.messages import message
from terms.sctid import id_problems
from terms.text import (SPACE_CHARS, TermError, neutralise_cell, neutralise_frame, text_problem, unneutralise_expr,
                        validate_explanation, validate_term)

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

ID_COLUMNS = ("conceptId",)  # columns that hold SNOMED CT concept ids, checked in every table
OPTIONAL_COLUMNS = ("explanation", "fsn", "semanticTag", "suggestion", "patientTerm", "term")
# Columns that hold words: in an XLSX only a text cell (or an empty one) is accepted there.
TEXT_COLUMNS = ("term", "patientTerm", "explanation", "fsn", "semanticTag", "suggestion")
_TEXT_SUFFIXES = {".tsv": "\t", ".txt": "\t", ".tab": "\t", ".csv": ","}
_SEPARATOR_NAMES = {",": "komma's", ";": "puntkomma's", "\t": "tabs"}
_LINE = "__line"


class TableError(ValueError):
    """A bad CSV/TSV/XLSX input file; `str()` is one Dutch line naming the file, line and column.

    `code` is the stable message key (`files.table.missing-column`, `files.sctid.number`, …).
    """

    def __init__(self, code: str, **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(message(code, **params))


def _kind(path: Path) -> str | None:
    """The default separator for a text table, None for XLSX; TableError for anything else."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return None
    if suffix in _TEXT_SUFFIXES:
        return _TEXT_SUFFIXES[suffix]
    raise TableError("files.table.unknown-type", file=path, suffix=suffix or "(geen)")


# The single-byte code pages a spreadsheet or text tool on a Dutch desktop writes: Windows-1252
# (Excel's "CSV (gescheiden door lijstscheidingsteken)"), DOS Latin-1 (CP850: Excel's "CSV
# (MS-DOS)", old exports) and Mac OS Roman (Excel for Mac's "CSV (Macintosh)"). Every byte decodes
# in CP850 and Mac Roman, so which one was meant is judged by what the bytes become: Dutch and
# other Western text holds accented letters and typographic quotes and dashes (`_EXPECTED`), a wrong
# code page makes box drawing, ‹ ‰ Ž and the like of the same bytes.
_CODE_PAGES = (("cp1252", "Windows-1252"), ("cp850", "DOS (CP850)"), ("mac_roman", "Mac OS Roman"))
# Scores: Dutch lower-case accented letters and typographic quotes, dashes, € and … are what such
# text holds (+2; a quote or dash between two letters is not, the apostrophe of "baby’s" is); other
# Western letters and signs may be (+1); anything else is a sign of the wrong code page (-2).
_LIKELY = set("àáâäçèéêëìíîïñòóôöùúûüýÿ‘’“”–—…€°")
_POSSIBLE = set("ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝßãåæõøµ²³×±½¼¾§©®™«»¿¡·\u00a0")
_PUNCTUATION = set("‘“”–—…")


def _plausibility(text: str) -> int:
    """How much the non-ASCII characters of `text` look like Western text (see _LIKELY)."""
    score = 0
    for i, ch in enumerate(text):
        if ch <= "\x7f":
            continue
        if ch in _PUNCTUATION and 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha():
            score -= 2
        elif ch in _LIKELY:
            score += 2
        elif ch in _POSSIBLE:
            score += 1
        else:
            score -= 2
    return score


def decode_text(raw: bytes, path: Path | str) -> tuple[str, str | None]:
    """(text, name of a non-UTF-8 encoding used or None).

    A byte order mark decides (UTF-8, UTF-16 LE/BE); NUL bytes in every other position mean
    UTF-16 without one; else UTF-8 when the bytes are UTF-8; else the single-byte code page
    (Windows-1252, CP850, Mac OS Roman; `_CODE_PAGES`) whose reading looks most like text, ties
    to Windows-1252. The caller names a non-UTF-8 encoding in a note. Bytes that no encoding
    reads as text (an XLSX or XLS workbook named .csv, binary data): TableError
    `files.table.encoding` (or `files.table.workbook`).
    """
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # a zip (XLSX, ODS) or an OLE file (XLS)
        raise TableError("files.table.workbook", file=path)
    for bom, encoding, name in ((codecs.BOM_UTF8, "utf-8-sig", None), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
                                (codecs.BOM_UTF16_BE, "utf-16", "UTF-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(encoding), name
            except UnicodeDecodeError:
                raise TableError("files.table.encoding", file=path) from None
    head = raw[:4096]
    if b"\x00" in head and len(head) >= 2:  # UTF-16 without a byte order mark: ASCII text, NUL beside each
        even, odd = head[0::2].count(0), head[1::2].count(0)
        encoding = "utf-16-le" if odd > even else "utf-16-be"
        if max(even, odd) * 2 >= len(head) // 2:
            try:
                return raw.decode(encoding), "UTF-16"
            except UnicodeDecodeError:
                pass
        raise TableError("files.table.encoding", file=path)
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    readings = []
    for encoding, name in _CODE_PAGES:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        readings.append((_plausibility(text), -len(readings), text, name))
    score, _, text, name = max(readings)
    if score < 0:  # more strange characters than letters whichever way it is read
        raise TableError("files.table.encoding", file=path)
    return text, name


def _header_names(line: str, sep: str) -> list[str]:
    return [c.strip().strip('"').strip() for c in line.split(sep)]


def _column_key(name: str) -> str:
    """How a header name is matched to a column helder knows: case, spaces, _ and - ignored."""
    return "".join(ch for ch in name.casefold() if ch not in " _-\u00a0")


def _choose_separator(header: str, default: str, required: list[str]) -> str:
    """The separator that makes the header hold the most required columns (ties: the file type's)."""
    candidates = [default] + [c for c in ("\t", ";", ",") if c != default]
    wanted = {_column_key(c) for c in required}
    return max(candidates, key=lambda sep: (len(wanted & {_column_key(c) for c in _header_names(header, sep)}),
                                            -candidates.index(sep)))


def read_table(path: str | Path, required: list[str], notes: list[str] | None = None) -> pl.DataFrame:
    """A table as text columns: required ones stripped and non-empty, ids valid SCTIDs.

    Returns every column of the file as Utf8 (header names trimmed), rows in file order without
    wholly empty rows. Raises TableError (one Dutch line naming file, line and column) for an
    unknown file type, unreadable text, a missing or duplicated column, an empty required value
    or a conceptId that is no SCTID. `notes` (when given) receives Dutch lines about how the file
    was read: a non-UTF-8 encoding, another separator than the file type's, skipped empty rows.
    """
    notes = notes if notes is not None else []
    return _read_with_lines(Path(path), required, notes).drop(_LINE)


def _read_text(path: Path, default: str, required: list[str], notes: list[str]) -> pl.DataFrame:
    text, encoding = decode_text(path.read_bytes(), path)
    if encoding:
        notes.append(message("files.table.read-as", file=path, encoding=encoding))
    text = text.lstrip("\ufeff")
    if "\r" in text and "\n" not in text:  # classic Mac line ends (Excel's "CSV (Macintosh)")
        text = text.replace("\r", "\n")
    lines = text.split("\n")
    start, sep = 0, None
    if lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:  # Excel's separator line
        sep, start = lines[0].strip()[4], 1
    header = _header_line([line.rstrip("\r") for line in lines], start, sep, default, required)
    if header is None:
        raise TableError("files.table.empty-file", file=path)
    if header > start:
        notes.append(message("files.table.header-below", file=path, line=header + 1))
    first = lines[header]
    text, offset = "\n".join(lines[header:]), header + 2  # offset: the line number of the first data row
    sep = sep or _choose_separator(first.rstrip("\r"), default, required)
    if sep != default:
        notes.append(message("files.table.separator", file=path, separator=_SEPARATOR_NAMES.get(sep, repr(sep))))
    try:
        frame = pl.read_csv(io.BytesIO(text.encode("utf-8")), separator=sep,
                            # TSV has no quoting: a " in a tab-separated value is part of the value.
                            quote_char=None if sep == "\t" else '"',
                            infer_schema=False, encoding="utf8", truncate_ragged_lines=False,
                            row_index_name=_LINE, row_index_offset=offset)
    except pl.exceptions.PolarsError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TableError("files.table.unreadable", file=path, reason=first_line[:200]) from None
    return frame.with_columns(pl.col(_LINE).cast(pl.Int64))


_LOOK_FOR_HEADER = 10  # rows above the header (titles, empty rows) looked past


def _blank_row(cells: list[object]) -> bool:
    return all(c is None or not str(c).strip(" \t\"\u00a0") for c in cells)


def _best_header(rows: list[list[str]], required: list[str]) -> int | None:
    """The index of the header among `rows` (the first ones of a sheet): the first non-empty row,
    unless it lacks a required column and a later row (a title or empty rows above it) has them all."""
    wanted = {_column_key(c) for c in required}
    filled = [i for i, row in enumerate(rows) if not _blank_row(row)]
    if not filled:
        return None
    for i in filled[:_LOOK_FOR_HEADER]:
        if wanted <= {_column_key(str(c)) for c in rows[i] if c is not None}:
            return i
    return filled[0]


def _header_line(lines: list[str], start: int, sep: str | None, default: str, required: list[str]) -> int | None:
    """`_best_header` for text lines from `start`, each split by `sep` or the separator that suits it."""
    rows = []
    for line in lines[start:start + 100]:
        rows.append(_header_names(line, sep or _choose_separator(line, default, required)))
    found = _best_header(rows, required)
    return None if found is None else start + found


def _tidy(frame: pl.DataFrame, path: Path, required: list[str], notes: list[str]) -> pl.DataFrame:
    """Trimmed header names; unnamed empty columns and wholly empty rows dropped."""
    renamed = {}
    for c in frame.columns:
        if c == _LINE:
            continue
        name = c.strip().lstrip("\ufeff").strip()
        if "_duplicated_" in name and name.split("_duplicated_")[0].strip() in required:
            raise TableError("files.table.duplicate-column", file=path, column=name.split("_duplicated_")[0].strip())
        renamed[c] = name
    # "ConceptId", "concept id", "PATIENT_TERM": the column helder knows, when it is not there as written.
    known = {_column_key(c): c for c in (*required, *OPTIONAL_COLUMNS)}
    present = set(renamed.values())
    for original, name in renamed.items():
        target = known.get(_column_key(name))
        if target and target != name and target not in present:
            renamed[original] = target
            present.add(target)
    frame = frame.rename(renamed)
    data = [c for c in frame.columns if c != _LINE]
    blank = {c: frame[c].is_null() | (frame[c].str.strip_chars() == "") for c in data}
    # Columns without a name that hold nothing (a trailing ; or , on every line) are not columns.
    unnamed = [c for c in data if (not c or c.startswith("_duplicated_") or c.startswith("column_")) and blank[c].all()]
    data = [c for c in data if c not in unnamed]
    if unnamed:
        frame = frame.drop(unnamed)
    if data and frame.height:
        empty_rows = pl.DataFrame({c: blank[c] for c in data}).select(pl.all_horizontal(pl.all())).to_series()
        if empty_rows.any():
            count = int(empty_rows.sum())
            frame = frame.filter(~empty_rows)
            notes.append(message("files.table.empty-rows", file=path, count=count))
    return frame


def _check_ids(frame: pl.DataFrame, path: Path) -> None:
    """Every value of an id column is a concept SCTID (terms.sctid), or TableError names the first."""
    for column in ID_COLUMNS:
        if column not in frame.columns:
            continue
        values = frame[column].str.strip_chars()
        problems = id_problems(values.fill_null(""))
        bad = frame.select(_LINE, pl.col(column).str.strip_chars().alias("value")).with_columns(problem=problems)
        bad = bad.filter(pl.col("problem").is_not_null() & (pl.col("value").fill_null("") != ""))
        if bad.is_empty():
            continue
        line, value, problem = bad.row(0)
        if problem == "float":
            raise TableError("files.sctid.float", file=path, line=line, column=column, value=value)
        if problem.startswith("kind-"):
            partition = value[-3:-1]
            kind = message("files.sctid.kind-description" if problem == "kind-1" else "files.sctid.kind-relationship")
            raise TableError("files.sctid.not-a-concept", file=path, line=line, column=column, value=value,
                             kind=kind, partition=partition)
        if problem == "digits":
            reason = message("files.sctid.reason-digits-found", found=_shown(next(ch for ch in value if not "0" <= ch <= "9")))
        else:
            reason = message(f"files.sctid.reason-{problem}", **({"partition": value[-3:-1]} if problem == "partition" else {}))
        raise TableError("files.sctid.invalid", file=path, line=line, column=column, value=value, reason=reason)


def _shown(ch: str) -> str:
    """A character as a person can find it in a cell: 'x', or U+200B for one they cannot see."""
    import unicodedata

    if unicodedata.category(ch)[0] in "CZ":  # control, format (zero-width), separators (spaces)
        return message("files.sctid.invisible", code=f"U+{ord(ch):04X}")
    return f"'{ch}'"


def not_text_cell(cell) -> str | None:
    """Why an XLSX cell (openpyxl, read with data_only=False) in a text column is no text, as the
    Dutch part "is een datumcel (2026-03-01)" without the column, or None for a text or empty cell.

    Excel turns what is typed into a date, time, number or TRUE/FALSE cell on its own ("1-3" is
    1 March, "12" a number, "waar" TRUE); written out as text that is "2026-03-01 00:00:00", "12",
    "True" — never the words a person meant, and never a patient-friendly term. An error cell
    (#N/A) is no text either. A formula cell is left to the term rules (it reads as "=…").
    """
    import datetime as dt

    value, kind = cell.value, getattr(cell, "data_type", None)
    if value is None or kind in ("s", "inlineStr", "str", "f") or (isinstance(value, str) and kind != "e"):
        return None
    if kind == "e":
        code, shown = "error", str(value)
    elif isinstance(value, bool):
        code, shown = "boolean", "WAAR" if value else "ONWAAR"
    elif isinstance(value, dt.datetime):
        code = "date"
        shown = value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(" ", "minutes")
    elif isinstance(value, dt.date):
        code, shown = "date", value.isoformat()
    elif isinstance(value, dt.time):
        code, shown = "time", value.isoformat("minutes" if not value.second and not value.microsecond else "seconds")
    elif isinstance(value, dt.timedelta):
        minutes = int(value.total_seconds() // 60)
        code, shown = "time", f"{minutes // 60}:{minutes % 60:02d}"
    elif isinstance(value, float) and value.is_integer():
        code, shown = "number", str(int(value))
    elif isinstance(value, (int, float)):
        code, shown = "number", str(value).replace(".", ",")  # as Dutch Excel shows it
    else:
        code, shown = "other", type(value).__name__
    return message("files.xlsx.not-text-cell", kind=message(f"files.xlsx.kind-{code}"), value=shown)


def _read_xlsx(path: Path, required: list[str] | None = None, notes: list[str] | None = None) -> pl.DataFrame:
    """The first sheet as text; an id column cell stored as a number is refused (files.sctid.number).

    Excel keeps numbers as IEEE doubles: 15 significant digits, so an 18-digit SCTID typed into a
    number cell is already wrong (450229981000132104 → 4.502299810001321e17) and a shorter one
    only right by luck of its length. Text cells are what ids must be. A formula cell is read as
    its formula (=…), not as the value Excel last computed for it: a formula is code, not a term,
    and the term rules refuse it by name. A date, time, number, TRUE/FALSE or error cell in a text
    column (TEXT_COLUMNS) is refused (files.xlsx.not-text, see `not_text_cell`).
    """
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:
        raise TableError("files.xlsx.unreadable", file=path, reason=type(exc).__name__) from None
    try:
        cells = list(book.worksheets[0].iter_rows())
    finally:
        book.close()
    rows = [tuple(c.value for c in row) for row in cells]
    top = _best_header([list(r) for r in rows[:100]], required or [])  # past empty and title rows
    if top is None:
        raise TableError("files.xlsx.empty-sheet", file=path)
    if top and notes is not None:
        notes.append(message("files.table.header-below", file=path, line=top + 1))
    header = [str(h).strip() if h is not None else "" for h in rows[top]]
    seen = set()
    for h in header:
        if h and h in seen:
            raise TableError("files.table.duplicate-column", file=path, column=h)
        seen.add(h)
    ids = [i for i, h in enumerate(header) if _column_key(h) in {_column_key(c) for c in ID_COLUMNS}]
    texts = [i for i, h in enumerate(header) if _column_key(h) in {_column_key(c) for c in TEXT_COLUMNS}]

    def text(v):
        if v is None:
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)

    columns: dict[str, list] = {h or f"column_{i + 1}": [] for i, h in enumerate(header)}
    names = list(columns)
    lines = []
    for line, row in enumerate(rows[top + 1:], start=top + 2):
        for i in ids:
            v = row[i] if i < len(row) else None
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                raise TableError("files.sctid.number", file=path, line=line, column=header[i], value=text(v))
        for i in texts:
            problem = not_text_cell(cells[line - 1][i]) if i < len(row) else None
            if problem:
                raise TableError("files.xlsx.not-text", file=path, line=line, column=header[i], problem=problem)
        for i, name in enumerate(names):
            columns[name].append(text(row[i]) if i < len(row) else None)
        lines.append(line)
    frame = pl.DataFrame(columns, schema={n: pl.Utf8 for n in names})
    return frame.with_columns(pl.Series(_LINE, lines, dtype=pl.Int64))


def read_work_file(path: str | Path, notes: list[str] | None = None) -> pl.DataFrame:
    """Input to suggest/check: conceptId, term, optional fsn, semanticTag (and anything else, kept)."""
    return read_table(path, WORK_REQUIRED, notes)


def read_tm_file(path: str | Path, notes: list[str] | None = None) -> pl.DataFrame:
    """TM pairs from a file, with an `explanation` column (null where the file has none).

    Every term and explanation passes the term rules (terms.text; the same as a review edit),
    and a concept may appear twice only with the same patient-friendly term (the copy is
    dropped); otherwise TableError names file and line(s).
    """
    path = Path(path)
    notes = notes if notes is not None else []
    frame = _read_with_lines(path, TM_REQUIRED, notes)
    if "explanation" not in frame.columns:
        frame = frame.with_columns(explanation=pl.lit(None, dtype=pl.Utf8))
    frame = frame.with_columns(
        pl.when(pl.col("explanation").str.strip_chars() == "").then(None)
        .otherwise(pl.col("explanation").str.strip_chars()).alias("explanation"))
    _check_texts(frame, path)
    frame = frame.with_columns(_normalised(c) for c in ("term", "patientTerm", "explanation"))
    frame = _one_term_per_concept(frame, path)
    return frame.drop(_LINE)


def _normalised(column: str) -> pl.Expr:
    """What validate_term stores, column-wise: NFC, trimmed, single spaces. Rows are compared in
    this form, so 'thyreoïditis' typed twice (composed, and decomposed from a Mac) is one term."""
    return (pl.col(column).str.normalize("NFC").str.strip_chars(SPACE_CHARS)
            .str.replace_all(r"\s+", " ").alias(column))


def _read_with_lines(path: Path, required: list[str], notes: list[str]) -> pl.DataFrame:
    """read_table, keeping the line column for the checks that follow."""
    if not path.is_file():
        raise TableError("files.table.no-such-file", file=path)
    default = _kind(path)
    frame = _read_xlsx(path, required, notes) if default is None else _read_text(path, default, required, notes)
    frame = _tidy(frame, path, required, notes)
    # helder's own writers put an apostrophe before a cell that would read as a formula
    # (neutralise_cell); reading such a file back takes it off again — and only that one.
    frame = frame.with_columns(unneutralise_expr(c) for c, t in frame.schema.items() if t == pl.Utf8 and c != _LINE)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        header = ", ".join(c for c in frame.columns if c != _LINE) or "niets"
        raise TableError("files.table.missing-column", file=path, column=missing[0], header=header)
    frame = frame.with_columns(pl.col(c).str.strip_chars() for c in required)
    for column in required:
        empty = frame.filter(pl.col(column).is_null() | (pl.col(column) == ""))
        if not empty.is_empty():
            raise TableError("files.table.empty-value", file=path, line=empty[_LINE][0], column=column)
    _check_ids(frame, path)
    return frame


def _check_texts(frame: pl.DataFrame, path: Path) -> None:
    """term, patientTerm (validate_term) and explanation (validate_explanation), the first bad one named."""
    from terms.text import MAX_EXPLANATION_LENGTH, MAX_TERM_LENGTH

    rules = [("term", MAX_TERM_LENGTH, False), ("patientTerm", MAX_TERM_LENGTH, False),
             ("explanation", MAX_EXPLANATION_LENGTH, True)]
    found = frame.with_columns(**{f"__{c}": text_problem(c, limit, optional) for c, limit, optional in rules})
    bad = found.filter(pl.any_horizontal(pl.col(f"__{c}").is_not_null() for c, _, _ in rules))
    if bad.is_empty():
        return
    row = bad.row(0, named=True)
    for column, _, optional in rules:
        if row[f"__{column}"] is None:
            continue
        try:
            (validate_explanation if optional else validate_term)(row[column], column)
        except TermError as exc:
            raise TableError("files.table.bad-text", file=path, line=row[_LINE], reason=str(exc)) from None


def _one_term_per_concept(frame: pl.DataFrame, path: Path) -> pl.DataFrame:
    """Repeats of a row dropped; a concept with two different patient terms, or the same term
    with two different explanations (only one would be kept), refused naming both lines."""
    frame = frame.unique(["conceptId", "patientTerm", "explanation"], keep="first", maintain_order=True)
    twice = frame.filter(pl.col("conceptId").is_duplicated())
    if twice.is_empty():
        return frame
    concept = twice["conceptId"][0]
    first, second = twice.filter(pl.col("conceptId") == concept).head(2).iter_rows(named=True)
    if first["patientTerm"] == second["patientTerm"]:
        raise TableError("files.table.duplicate-explanation", file=path, concept=concept, term=first["patientTerm"],
                         first=first[_LINE], second=second[_LINE])
    raise TableError("files.table.duplicate-concept", file=path, concept=concept, first=first[_LINE],
                     first_term=first["patientTerm"], second=second[_LINE], second_term=second["patientTerm"])


def write_table(frame: pl.DataFrame, path: str | Path) -> None:
    """Write by extension (.tsv/.txt tab, .csv comma, .xlsx), atomically: a temp file beside the
    target, renamed over it, so a failure leaves the old file untouched.

    Every text cell goes through terms.text's neutralising (OWASP CSV injection: a leading = + -
    @ tab or line break gets an apostrophe); empty and null cells are written empty (never `""`);
    floats are rounded to 3 decimals. TSV has no quoting, so a value holding a tab or line break
    cannot be written as TSV: TableError `files.table.tab-in-cell` names it (use .csv or .xlsx).
    """
    path = Path(path)
    sep = _kind(path)
    out = neutralise_frame(frame.with_columns(pl.col(pl.Float64).round(3)))
    text = [c for c, t in out.schema.items() if t == pl.Utf8]
    out = out.with_columns(pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in text)  # "" → null
    if sep == "\t":
        bad = out.with_row_index("__row").filter(pl.any_horizontal(pl.col(c).str.contains(r"[\t\r\n]") for c in text)) \
            if text else out.clear()
        if bad.height:
            row = bad.row(0, named=True)
            column = next(c for c in text if row[c] is not None and any(ch in row[c] for ch in "\t\r\n"))
            raise TableError("files.table.tab-in-cell", file=path, line=row["__row"] + 2, column=column)
    with replaced_atomically(path) as tmp:
        if sep is None:
            _write_xlsx(out, tmp)
        elif sep == "\t":
            out.write_csv(tmp, separator=sep, null_value="", quote_style="never")
        else:
            out.write_csv(tmp, separator=sep, null_value="")


def _write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("terms")
    sheet.append([neutralise_cell(c) for c in frame.columns])
    for row in frame.iter_rows():
        sheet.append([neutralise_cell(v) for v in row])  # already neutral; a cheap guard for any caller
    book.save(path)
