"""RF2 in and out: read a release folder or zip (Snapshot, Full or Delta), write RF2 files.

Reading is column-wise with polars: each file is parsed in one call, then checked with
expressions (header, field count, UTF-8, Verhoeff check digits, effectiveTime, active flags,
language refset members that point nowhere). The first problem stops the read with an
`RF2Error` whose text is one line, "FILE:LINE: message", so nothing half-read reaches the store.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from terms.atomic import replaced_atomically
from terms.sctid import _D, _INV, _P  # noqa: F401  (the Verhoeff tables, vectorised below)

KINDS = ("Snapshot", "Full", "Delta")

COLUMNS = {
    "Concept": ["id", "effectiveTime", "active", "moduleId", "definitionStatusId"],
    "Description": ["id", "effectiveTime", "active", "moduleId", "conceptId", "languageCode", "typeId", "term",
                    "caseSignificanceId"],
    "Language": ["id", "effectiveTime", "active", "moduleId", "refsetId", "referencedComponentId", "acceptabilityId"],
}
COLUMNS["TextDefinition"] = COLUMNS["Description"]

# Which columns hold SCTIDs (checked with Verhoeff); member ids are UUIDs.
SCTID_COLUMNS = {
    "Concept": ["id", "moduleId", "definitionStatusId"],
    "Description": ["id", "moduleId", "conceptId", "typeId", "caseSignificanceId"],
    "TextDefinition": ["id", "moduleId", "conceptId", "typeId", "caseSignificanceId"],
    "Language": ["moduleId", "refsetId", "referencedComponentId", "acceptabilityId"],
}

_FILE_PATTERNS = [
    (re.compile(r"^sct2_Concept_(Snapshot|Full|Delta)[-_]"), "Concept"),
    (re.compile(r"^sct2_Description_(Snapshot|Full|Delta)[-_]"), "Description"),
    (re.compile(r"^sct2_TextDefinition_(Snapshot|Full|Delta)[-_]"), "TextDefinition"),
    (re.compile(r"^der2_cRefset_Language(Snapshot|Full|Delta)[-_]"), "Language"),
]
_DATE_IN_NAME = re.compile(r"_(\d{8})\.txt$")
_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class RF2Error(ValueError):
    """Malformed RF2; `str()` is one line naming file and line."""

    def __init__(self, file: str | Path, line: int | None, message: str) -> None:
        self.file, self.line, self.message = str(file), line, message
        super().__init__(f"{self.file}:{line}: {message}" if line else f"{self.file}: {message}")


@dataclass
class Release:
    """One release read into polars frames with RF2 column names (all text, `active` as bool)."""

    path: Path
    kind: str
    effective_time: str | None
    concepts: pl.DataFrame
    descriptions: pl.DataFrame
    text_definitions: pl.DataFrame
    language_members: pl.DataFrame
    files: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"concepts": self.concepts.height, "descriptions": self.descriptions.height,
                "text_definitions": self.text_definitions.height, "language_members": self.language_members.height}


def _empty(component: str) -> pl.DataFrame:
    schema = {c: pl.Utf8 for c in COLUMNS[component]}
    schema["active"] = pl.Boolean
    return pl.DataFrame(schema=schema)


def classify(name: str) -> tuple[str, str] | None:
    """(component, kind) for an RF2 file name helder reads, else None."""
    base = name.rsplit("/", 1)[-1]
    for pattern, component in _FILE_PATTERNS:
        m = pattern.match(base)
        if m:
            return component, m.group(1)
    return None


class _Source:
    """The RF2 files of a folder or zip: (display name, component, kind, opener)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[tuple[str, str, str, object]] = []
        if path.is_dir():
            for f in sorted(path.rglob("*.txt")):
                hit = classify(f.name)
                if hit:
                    self.entries.append((str(f), *hit, f))
        elif path.is_file() and zipfile.is_zipfile(path):
            self.zip = zipfile.ZipFile(path)
            for info in sorted(self.zip.infolist(), key=lambda i: i.filename):
                hit = classify(info.filename)
                if hit and not info.is_dir():
                    self.entries.append((f"{path}!{info.filename}", *hit, info.filename))
        elif path.exists():
            raise RF2Error(path, None, "not an RF2 folder or zip file")
        else:
            raise RF2Error(path, None, "no such file or folder")

    def read_bytes(self, opener) -> bytes | Path:
        if isinstance(opener, Path):
            return opener
        return self.zip.read(opener)


def read_release(path: str | Path, kind: str | None = None) -> Release:
    """Read the Snapshot, Full or Delta in a folder or zip (kind autodetected; Snapshot preferred).

    Full collapses to the newest row per id. Raises RF2Error on the first problem.
    """
    path = Path(path)
    source = _Source(path)
    kinds = {k for _, _, k, _ in source.entries}
    if not kinds:
        raise RF2Error(path, None, "no RF2 concept, description, text definition or language refset files found")
    if kind is None:
        kind = next(k for k in KINDS if k in kinds)
    elif kind not in KINDS:
        raise RF2Error(path, None, f"unknown release kind {kind!r}; use Snapshot, Full or Delta")
    elif kind not in kinds:
        raise RF2Error(path, None, f"no {kind} files (found {', '.join(sorted(kinds))})")
    frames: dict[str, list[pl.DataFrame]] = {c: [] for c in COLUMNS}
    names, dates = [], []
    for name, component, k, opener in source.entries:
        if k != kind:
            continue
        frames[component].append(read_file(source.read_bytes(opener), name, component))
        names.append(name)
        m = _DATE_IN_NAME.search(name)
        if m:
            dates.append(m.group(1))
    joined = {c: (pl.concat(fs) if fs else _empty(c).with_columns(_file=pl.lit(""), _line=pl.lit(0, pl.Int64)))
              for c, fs in frames.items()}
    if kind == "Full":
        joined = {c: f.sort("effectiveTime", maintain_order=True).unique("id", keep="last", maintain_order=True)
                  for c, f in joined.items()}
    for c, f in joined.items():
        _no_duplicate_ids(f, c)
    if kind != "Delta":
        _check_references(joined)
    effective = max([d for f in joined.values() for d in ([f["effectiveTime"].max()] if f.height else [])] + dates,
                    default=None)
    drop = ["_file", "_line"]
    return Release(path=path, kind=kind, effective_time=effective,
                   concepts=joined["Concept"].drop(drop), descriptions=joined["Description"].drop(drop),
                   text_definitions=joined["TextDefinition"].drop(drop),
                   language_members=joined["Language"].drop(drop), files=names)


def read_file(data: bytes | Path, name: str, component: str) -> pl.DataFrame:
    """One RF2 file, checked; columns per COLUMNS[component] plus _file and _line."""
    expected = COLUMNS[component]
    raw = data.read_bytes() if isinstance(data, Path) else data
    first_line = raw.split(b"\n", 1)[0].rstrip(b"\r")
    if first_line.startswith(b"\xef\xbb\xbf"):
        raise RF2Error(name, 1, "starts with a byte order mark; RF2 is UTF-8 without BOM")
    header = first_line.decode("utf-8", errors="replace").split("\t")
    if header != expected:
        raise RF2Error(name, 1, f"header is {' '.join(header)!r}, expected {' '.join(expected)!r}")
    try:
        frame = pl.read_csv(io.BytesIO(raw), separator="\t", quote_char=None, infer_schema=False,
                            empty_string_is_null=False, truncate_ragged_lines=False, encoding="utf8",
                            row_index_name="_line", row_index_offset=2)
    except pl.exceptions.PolarsError:
        raise _locate(raw, name, len(expected)) from None
    if frame.height == 0:
        return frame.select(expected).with_columns(pl.col("active").cast(pl.Boolean), _file=pl.lit(name),
                                                   _line=pl.lit(0, pl.Int64))
    frame = frame.with_columns(pl.col("_line").cast(pl.Int64))
    # polars pads a short row with empty values; no RF2 field may be empty, so look closer at the first.
    short = frame.filter(pl.any_horizontal(pl.col(expected).is_null() | (pl.col(expected) == "")))
    if short.height:
        row = short.row(0, named=True)
        line = raw.split(b"\n", row["_line"])[row["_line"] - 1].rstrip(b"\r")
        found = line.count(b"\t") + 1
        if found != len(expected):
            raise RF2Error(name, row["_line"], f"expected {len(expected)} tab-separated fields, found {found}")
        empty = next(c for c in expected if not row[c])
        raise RF2Error(name, row["_line"], f"empty {empty}")
    _check_values(frame, name, component)
    return frame.select(
        *[pl.col(c) for c in expected if c != "active"], pl.col("active") == "1", _file=pl.lit(name), _line="_line"
    ).select(*expected, "_file", "_line")


def _locate(raw: bytes, name: str, n_fields: int) -> RF2Error:
    """The slow path after polars refused a file: find the first bad line and say what is wrong."""
    for i, line in enumerate(raw.split(b"\n"), start=1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return RF2Error(name, i, f"not valid UTF-8 (byte {exc.start + 1} of the line)")
        text = text.rstrip("\r")
        if i > 1 and text and text.count("\t") + 1 != n_fields:
            return RF2Error(name, i, f"expected {n_fields} tab-separated fields, found {text.count(chr(9)) + 1}")
    return RF2Error(name, None, "cannot be read as tab-separated UTF-8")


def _first_bad(frame: pl.DataFrame, bad: pl.Expr, name: str, message) -> None:
    hit = frame.filter(bad).head(1)
    if hit.height:
        row = hit.row(0, named=True)
        raise RF2Error(name, row["_line"], message(row) if callable(message) else message)


def verhoeff_ok(ids: pl.Series) -> pl.Series:
    """is_valid for a text Series: shape and Verhoeff check digit, column-wise."""
    s = ids.fill_null("")
    # 6–18 digits, a known partition, and room for a namespace when the partition says there is one.
    shape = s.str.contains(r"^(?:[1-9][0-9]{2,14}0[012][0-9]|[1-9][0-9]{7,14}1[012][0-9])$").to_numpy()
    padded = s.str.pad_start(18, "0").str.replace_all(r"[^0-9]", "0").to_numpy().astype("S18")
    digits = np.frombuffer(padded.tobytes(), dtype=np.uint8).reshape(-1, 18) - ord("0") if len(padded) else \
        np.zeros((0, 18), dtype=np.uint8)
    lengths = s.str.len_chars().to_numpy()
    d = np.array(_D, dtype=np.uint8)
    p = np.array(_P, dtype=np.uint8)
    c = np.zeros(len(s), dtype=np.uint8)
    for i in range(18):  # i-th digit from the right
        digit = digits[:, 17 - i]
        step = d[c, p[i % 8][digit]]
        c = np.where(i < lengths, step, c)
    return pl.Series(ids.name, shape & (c == 0))


def _check_values(frame: pl.DataFrame, name: str, component: str) -> None:
    date = pl.col("effectiveTime").str.strptime(pl.Date, "%Y%m%d", strict=False)
    _first_bad(frame, ~pl.col("effectiveTime").str.contains(r"^\d{8}$") | date.is_null(), name,
               lambda r: f"effectiveTime {r['effectiveTime']!r} is not a date YYYYMMDD")
    _first_bad(frame, ~pl.col("active").is_in(["0", "1"]), name,
               lambda r: f"active must be 0 or 1, found {r['active']!r}")
    for column in SCTID_COLUMNS[component]:
        distinct = frame.get_column(column).unique()
        bad = distinct.filter(~verhoeff_ok(distinct))
        if bad.len():
            _first_bad(frame, pl.col(column).is_in(bad.implode()), name,
                       lambda r, c=column: f"{c} {r[c]!r} is not a valid SCTID (check digit or format)")
    if component == "Language":
        _first_bad(frame, ~pl.col("id").str.contains(_UUID), name,
                   lambda r: f"member id {r['id']!r} is not a UUID")
    if component in ("Description", "TextDefinition"):
        _first_bad(frame, pl.col("term").str.strip_chars() == "", name, "empty term")
        _first_bad(frame, pl.col("languageCode") == "", name, "empty languageCode")


def _no_duplicate_ids(frame: pl.DataFrame, component: str) -> None:
    dup = frame.filter(pl.col("id").is_duplicated())
    if dup.height:
        row = dup.sort("_file", "_line").row(-1, named=True)
        raise RF2Error(row["_file"], row["_line"], f"{component} id {row['id']} appears more than once")


def _check_references(frames: dict[str, pl.DataFrame]) -> None:
    """Members must point at a description or text definition of the release; terms at a concept."""
    members = frames["Language"]
    described = pl.concat([frames["Description"].select("id"), frames["TextDefinition"].select("id")])
    if members.height:
        dangling = members.join(described, left_on="referencedComponentId", right_on="id", how="anti")
        if dangling.height:
            row = dangling.sort("_file", "_line").row(0, named=True)
            raise RF2Error(row["_file"], row["_line"],
                           f"language refset member points to description {row['referencedComponentId']}, "
                           "which is not in the release")
    concepts = frames["Concept"]
    if concepts.height:
        for component in ("Description", "TextDefinition"):
            orphans = frames[component].join(concepts.select(pl.col("id").alias("conceptId")), on="conceptId",
                                             how="anti")
            if orphans.height:
                row = orphans.sort("_file", "_line").row(0, named=True)
                raise RF2Error(row["_file"], row["_line"],
                               f"{component.lower()} points to concept {row['conceptId']}, which is not in the release")


# ---- writing ---------------------------------------------------------------------------------

def rf2_filename(component: str, kind: str, namespace: str, effective_time: str, language: str = "nl") -> str:
    """RF2 file name, e.g. sct2_Description_Snapshot-nl_NL1000146_20261124.txt (DESIGN.md)."""
    if component == "Concept":
        return f"sct2_Concept_{kind}_NL{namespace}_{effective_time}.txt"
    if component == "Language":
        return f"der2_cRefset_Language{kind}-{language}_NL{namespace}_{effective_time}.txt"
    return f"sct2_{component}_{kind}-{language}_NL{namespace}_{effective_time}.txt"


def write_rf2(frame: pl.DataFrame, path: str | Path, component: str) -> Path:
    """Write `frame` as an RF2 file: header, tab separated, CRLF, UTF-8 without BOM; atomically."""
    columns = COLUMNS[component]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: frame lacks RF2 column(s) {', '.join(missing)}")
    out = frame.select(columns)
    if out.schema["active"] == pl.Boolean:
        out = out.with_columns(pl.when(pl.col("active")).then(pl.lit("1")).otherwise(pl.lit("0")).alias("active"))
    out = out.with_columns(pl.all().cast(pl.Utf8))
    # RF2 has no quoting: a tab or line break inside a value would shift every column after it.
    bad = out.filter(pl.any_horizontal(pl.all().str.contains(r"[\t\r\n]")))
    if bad.height:
        raise ValueError(f"{path}: value with a tab or line break in row id {bad['id'][0]}")
    path = Path(path)
    with replaced_atomically(path) as tmp:
        out.write_csv(tmp, separator="\t", line_terminator="\r\n", quote_style="never", null_value="")
    return path


def write_concepts(frame: pl.DataFrame, path: str | Path) -> Path:
    return write_rf2(frame, path, "Concept")


def write_descriptions(frame: pl.DataFrame, path: str | Path) -> Path:
    return write_rf2(frame, path, "Description")


def write_text_definitions(frame: pl.DataFrame, path: str | Path) -> Path:
    return write_rf2(frame, path, "TextDefinition")


def write_language_refset(frame: pl.DataFrame, path: str | Path) -> Path:
    return write_rf2(frame, path, "Language")
