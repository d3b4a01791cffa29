"""RF2 in and out: read a release folder or zip (Snapshot, Full or Delta), write RF2 files.

Reading is column-wise with polars: each file is parsed in one call, then checked with
expressions (header, field count, UTF-8, Verhoeff check digits, effectiveTime, active flags,
language refset members that point nowhere). The first problem stops the read with an
`RF2Error` whose text is one line, "FILE:LINE: message", so nothing half-read reaches the store.

Relationship files (a full release holds millions of rows) are scanned lazily and only their
IS-A rows are kept, six columns of them: what the reviewer's view of the hierarchy needs.
"""
from __future__ import annotations

import contextlib
import io
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Iterable, Iterator

import polars as pl

from terms.atomic import replaced_atomically
from terms.messages import message
from terms.sctid import SHAPE, valid_series

KINDS = ("Snapshot", "Full", "Delta")

COLUMNS = {
    "Concept": ["id", "effectiveTime", "active", "moduleId", "definitionStatusId"],
    "Description": ["id", "effectiveTime", "active", "moduleId", "conceptId", "languageCode", "typeId", "term",
                    "caseSignificanceId"],
    "Language": ["id", "effectiveTime", "active", "moduleId", "refsetId", "referencedComponentId", "acceptabilityId"],
}
COLUMNS["TextDefinition"] = COLUMNS["Description"]
COLUMNS["Relationship"] = ["id", "effectiveTime", "active", "moduleId", "sourceId", "destinationId",
                           "relationshipGroup", "typeId", "characteristicTypeId", "modifierId"]
COLUMNS["StatedRelationship"] = COLUMNS["Relationship"]
TERM_COMPONENTS = ("Concept", "Description", "TextDefinition", "Language")
# The columns of a relationship row helder keeps (Release.relationships), and the one type it keeps.
RELATIONSHIP_COLUMNS = ["id", "effectiveTime", "active", "sourceId", "destinationId", "typeId"]
IS_A = "116680003"

# Which columns hold SCTIDs (checked with Verhoeff); member ids are UUIDs.
SCTID_COLUMNS = {
    "Concept": ["id", "moduleId", "definitionStatusId"],
    "Description": ["id", "moduleId", "conceptId", "typeId", "caseSignificanceId"],
    "TextDefinition": ["id", "moduleId", "conceptId", "typeId", "caseSignificanceId"],
    "Language": ["moduleId", "refsetId", "referencedComponentId", "acceptabilityId"],
    "Relationship": ["id", "sourceId", "destinationId", "typeId"],  # of the rows kept (IS-A)
}

# SNOMED CT Release File Specification, §3.3.2 "Release File Naming Convention":
#   [FileType]_[ContentType]_[ContentSubType]_[CountryNamespace]_[VersionDate].[FileExtension]
# FileType = status (blank | x provisional | z archival) + type (sct der doc res tls) + format
# (1 | 2 | blank); ContentSubType = optional Summary + ReleaseType (Full | Snapshot | Delta; for
# documents a DocStatus) + optional "-" LanguageCode (ISO 639-1, optionally "-" dialect).
_NAME = re.compile(
    r"^(?P<status>[xz]?)(?P<type>sct|der|doc|res|tls)(?P<format>[12]?)_"
    r"(?P<content>[A-Za-z0-9]+)_"
    r"(?P<summary>[A-Za-z0-9]*?)(?P<release>Full|Snapshot|Delta|Current|Draft|Review)"
    r"(?:-(?P<language>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*))?_"
    r"(?P<namespace>[A-Za-z0-9]{1,20})_"
    r"(?P<date>[0-9]{8})\.(?P<ext>[A-Za-z0-9]{1,4})$",
    re.IGNORECASE,
)
# A name that means to be an RF2 data file: sct2_/der2_ (any status) anywhere in the name, and a
# text-like extension or none (RF2 files are .txt; a .csv or .tsv copy is one made by hand).
_LOOKS_LIKE_RF2 = re.compile(r"(?:^|[^A-Za-z0-9])[xz]?(?:sct|der)2_[^.]*(?:\.(?:txt|csv|tsv|tab|dat|xlsx?))?$",
                             re.IGNORECASE)
_READ = {"concept": "Concept", "description": "Description", "textdefinition": "TextDefinition",
         "relationship": "Relationship", "statedrelationship": "StatedRelationship"}
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
    skipped: list[str] = field(default_factory=list)  # RF2 files of other components, not needed
    # Rows kept out because their text breaks the term rules: file, line, component, id, conceptId, code, message.
    quarantined: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=QUARANTINE_SCHEMA))
    # IS-A rows (typeId 116680003) of the inferred relationship files, or of the stated ones when
    # the release has no inferred file: RELATIONSHIP_COLUMNS, `active` as bool; empty when none.
    relationships: pl.DataFrame = field(default_factory=lambda: _empty_relationships())

    def counts(self) -> dict[str, int]:
        return {"concepts": self.concepts.height, "descriptions": self.descriptions.height,
                "text_definitions": self.text_definitions.height, "language_members": self.language_members.height,
                "relationships": self.relationships.height}


def _empty(component: str) -> pl.DataFrame:
    schema = {c: pl.Utf8 for c in COLUMNS[component]}
    schema["active"] = pl.Boolean
    return pl.DataFrame(schema=schema)


def _empty_relationships() -> pl.DataFrame:
    return pl.DataFrame(schema={c: pl.Boolean if c == "active" else pl.Utf8 for c in RELATIONSHIP_COLUMNS})


@dataclass(frozen=True)
class RF2Name:
    """The elements of an RF2 file name (Release File Specification §3.3.2)."""

    status: str  # "" general, "x" provisional (alpha/beta), "z" archival or unsupported
    file_type: str  # sct, der, doc, res, tls
    format: str  # "2" RF2, "1" RF1, "" not format-specific
    content_type: str  # Concept, Description, TextDefinition, cRefset, sRefset, ...
    summary: str  # "" or e.g. "Language", "LanguageUKED", "MedicalDevices", "AttributeValue"
    release_type: str  # Full, Snapshot, Delta (documents: Current, Draft, Review)
    language: str | None  # "nl", "en-GB", None
    namespace: str  # CountryNamespace: "INT", "NL1000146", "GB"
    version_date: str  # YYYYMMDD as written (not necessarily a calendar date)
    extension: str


def parse_name(name: str) -> RF2Name | None:
    """The RF2 name elements of a file name (folders and a zip's `\\` separators ignored), or
    None when the name does not follow the naming convention."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    m = _NAME.match(base)
    if not m:
        return None
    return RF2Name(status=m["status"].lower(), file_type=m["type"].lower(), format=m["format"],
                   content_type=m["content"], summary=m["summary"], release_type=m["release"].capitalize(),
                   language=m["language"], namespace=m["namespace"], version_date=m["date"], extension=m["ext"])


def looks_like_rf2(name: str) -> bool:
    """True for a .txt whose name says it is an RF2 data file (sct2_ or der2_, any status)."""
    return bool(_LOOKS_LIKE_RF2.search(name.replace("\\", "/").rsplit("/", 1)[-1]))


def classify(name: str, header: list[str] | None = None) -> tuple[str, str] | None:
    """(component, kind) for an RF2 file helder reads, else None.

    Components: Concept, Description, TextDefinition, Relationship, StatedRelationship (sct2, any
    Summary such as `sct2_Concept_MedicalDevicesSnapshot_INT_20140731.txt`; not
    RelationshipConcreteValues) and Language: a cRefset whose
    Summary starts with "Language" (`der2_cRefset_LanguageUKEDSnapshot-en_GB_20210512.txt`,
    `der2_cRefset_Language900000000000508004Delta_INT_20210731.txt`) or, given its `header`,
    any cRefset with the language refset's columns. Archival (z) and RF1 files are not read.
    """
    parsed = parse_name(name)
    if (parsed is None or parsed.file_type not in ("sct", "der") or parsed.format != "2" or parsed.status == "z"
            or parsed.extension.lower() != "txt" or parsed.release_type not in KINDS):
        return None
    component = _READ.get(parsed.content_type.lower())
    if component is None and parsed.content_type.lower() == "crefset":
        if parsed.summary.lower().startswith("language") or header == COLUMNS["Language"]:
            component = "Language"
    return (component, parsed.release_type) if component else None


def _name_date(name: str) -> str | None:
    """The VersionDate of an RF2 file name when it is a calendar date."""
    parsed = parse_name(name)
    if parsed is None:
        return None
    try:
        datetime.strptime(parsed.version_date, "%Y%m%d")
    except ValueError:
        return None
    return parsed.version_date


class _Source:
    """The RF2 files of a folder or zip that helder reads: (display name, component, kind, opener).

    Every `.txt` whose name says it is RF2 data is either classified or named in an RF2Error;
    RF2 files helder does not need (concrete values, OWL, other refsets) are listed in `skipped`.
    Zip entry names written with `\\` (older Windows zip tools) read like `/`; macOS resource
    forks (`__MACOSX/`, `._*`) are not files of the release.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: list[tuple[str, str, str, object]] = []
        self.skipped: list[str] = []
        self.zips: list[str] = []
        if path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                self._add(str(f), f.relative_to(path).as_posix(), f)
        elif path.is_file() and zipfile.is_zipfile(path):
            try:
                self.zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise RF2Error(path, None, message("files.rf2.not-zip", reason=exc)) from None
            for info in sorted(self.zip.infolist(), key=lambda i: i.filename.replace("\\", "/")):
                if not info.is_dir() and not info.filename.endswith(("/", "\\")):
                    name = info.filename.replace("\\", "/")
                    self._add(f"{path}!{name}", name, info)
        elif path.exists():
            raise RF2Error(path, None, message("files.rf2.not-rf2"))
        else:
            raise RF2Error(path, None, message("files.rf2.no-such-path"))

    def _add(self, display: str, relative: str, opener) -> None:
        parts = relative.split("/")
        if "__MACOSX" in parts or parts[-1].startswith("._"):
            return
        if parts[-1].lower().endswith(".zip"):
            self.zips.append(relative)
            return
        hit = classify(relative)
        if hit is None and parse_name(relative) and parse_name(relative).content_type.lower() == "crefset":
            hit = classify(relative, self._header(opener))  # a language refset named otherwise
        if hit:
            self.entries.append((display, *hit, opener))
        elif looks_like_rf2(relative):
            parsed = parse_name(relative)
            if parsed is not None and parsed.file_type in ("sct", "der") and parsed.extension.lower() != "txt":
                raise RF2Error(display, None, message("files.rf2.not-txt", extension=parsed.extension))
            if parsed is None or parsed.file_type not in ("sct", "der"):
                raise RF2Error(display, None, message("files.rf2.bad-name"))
            self.skipped.append(display)

    def _header(self, opener) -> list[str]:
        if isinstance(opener, Path):
            with opener.open("rb") as fh:
                line = fh.readline(4096)
        else:
            with self._unzipping(opener):
                with self.zip.open(opener) as fh:
                    line = fh.readline(4096)
        return line.rstrip(b"\r\n").decode("utf-8", errors="replace").split("\t")

    def read_bytes(self, opener) -> bytes | Path:
        if isinstance(opener, Path):
            return opener
        with self._unzipping(opener):
            return self.zip.read(opener)

    @contextlib.contextmanager
    def as_file(self, opener) -> Iterator[Path]:
        """A path polars can scan: the file itself, or a zip entry unpacked to a temporary file
        (streamed: a relationship file of several hundred MB never sits in memory whole)."""
        if isinstance(opener, Path):
            yield opener
            return
        with tempfile.TemporaryDirectory(prefix="helder-rf2-") as tmp:
            target = Path(tmp) / "entry.txt"
            with self._unzipping(opener), self.zip.open(opener) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            yield target

    @contextlib.contextmanager
    def _unzipping(self, info):
        """A damaged entry, a password, or a method Python cannot unpack (Deflate64 from Windows'
        own zip for big files): one RF2Error naming the entry, not a traceback."""
        try:
            yield
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError) as exc:
            name = info.filename.replace("\\", "/")
            raise RF2Error(f"{self.path}!{name}", None, message("files.rf2.unpack", reason=exc)) from None


def read_release(path: str | Path, kind: str | None = None) -> Release:
    """Read the Snapshot, Full or Delta in a folder or zip (kind autodetected; Snapshot preferred).

    Files are recognised by the RF2 naming rule (`classify`). Full collapses to the newest row
    per id. Malformed files raise RF2Error on the first problem; rows whose text breaks the
    term rules (terms.text) are kept out and listed in `Release.quarantined` with file and line.
    Relationship files give `Release.relationships` (IS-A rows, see `read_relationships`): the
    inferred ones (`sct2_Relationship_…`), or the stated ones when the release has no inferred
    file of its kind (a stated file beside an inferred one is listed in `skipped`). They do not
    make a release on their own: the kind is that of the concept, description, text definition
    and language refset files.
    """
    path = Path(path)
    source = _Source(path)
    kinds = {k for _, c, k, _ in source.entries if c in TERM_COMPONENTS}
    if not kinds:
        hint = ""
        if source.zips:
            hint = message("files.rf2.no-files-zips", zips=", ".join(source.zips[:3]))
        elif source.skipped:
            hint = message("files.rf2.no-files-others", example=source.skipped[0].rsplit("/", 1)[-1])
        raise RF2Error(path, None, message("files.rf2.no-files", hint=hint))
    kind = kind.strip().capitalize() if kind else None
    if kind is None:
        kind = next(k for k in KINDS if k in kinds)
        # A package ships its Snapshot, Full and Delta with one date. A newer file of another kind
        # beside the chosen one is a second release put in the same place: reading only one of them
        # would drop the other without a word.
        newest = {}
        for name, component, k, _ in source.entries:
            if component in TERM_COMPONENTS and (date := _name_date(name)):
                newest[k] = max(newest.get(k, ""), date)
        later = sorted((d, k) for k, d in newest.items() if k != kind and d > newest.get(kind, d))
        if later:
            raise RF2Error(path, None, message("files.rf2.two-releases", kind=kind, date=newest[kind],
                                               other_kind=later[-1][1], other_date=later[-1][0]))
    elif kind not in KINDS:
        raise RF2Error(path, None, message("files.rf2.unknown-kind", kind=kind))
    elif kind not in kinds:
        raise RF2Error(path, None, message("files.rf2.no-kind", kind=kind, found=", ".join(sorted(kinds))))
    frames: dict[str, list[pl.DataFrame]] = {c: [] for c in (*TERM_COMPONENTS, "Relationship")}
    names, dates, skipped = [], [], list(source.skipped)
    inferred = any(c == "Relationship" and k == kind for _, c, k, _ in source.entries)
    for name, component, k, opener in source.entries:
        if k != kind:
            continue
        if component == "StatedRelationship" and inferred:
            skipped.append(name)  # the inferred relationships are the hierarchy; stated ones only stand in
            continue
        if component in ("Relationship", "StatedRelationship"):
            with source.as_file(opener) as scannable:
                frames["Relationship"].append(read_relationships(scannable, name))
        else:
            frames[component].append(read_file(source.read_bytes(opener), name, component))
        names.append(name)
        if date := _name_date(name):
            dates.append(date)
    joined = {c: (pl.concat(fs) if fs else _empty_frame(c).with_columns(_file=pl.lit(""), _line=pl.lit(0, pl.Int64)))
              for c, fs in frames.items()}
    if kind == "Full":
        joined = {c: f.sort("effectiveTime", maintain_order=True).unique("id", keep="last", maintain_order=True)
                  for c, f in joined.items()}
    for c, f in joined.items():
        _no_duplicate_ids(f, c)
    if kind != "Delta":
        _check_references(joined)
    joined, quarantined = _quarantine_text(joined)
    effective = max([d for f in joined.values() for d in ([f["effectiveTime"].max()] if f.height else [])] + dates,
                    default=None)
    drop = ["_file", "_line"]
    return Release(path=path, kind=kind, effective_time=effective,
                   concepts=joined["Concept"].drop(drop), descriptions=joined["Description"].drop(drop),
                   text_definitions=joined["TextDefinition"].drop(drop),
                   language_members=joined["Language"].drop(drop), files=names, skipped=skipped,
                   quarantined=quarantined, relationships=joined["Relationship"].drop(drop))


def _empty_frame(component: str) -> pl.DataFrame:
    return _empty_relationships() if component == "Relationship" else _empty(component)


QUARANTINE_SCHEMA = {"file": pl.Utf8, "line": pl.Int64, "component": pl.Utf8, "id": pl.Utf8, "conceptId": pl.Utf8,
                     "code": pl.Utf8, "message": pl.Utf8}


def _quarantine_text(joined: dict[str, pl.DataFrame]) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """Keep rows whose text breaks the term rules out of the release; return them with a reason.

    Active patient-friendly terms (in module 15561000146104 or members of refset 15551000146102)
    and their explanations pass the same validation as every other entry (terms.text:
    validate_term, validate_explanation). SNOMED's own active clinical terms pass the structural
    rules only (no control characters; at most 255 characters, 4096 for a text definition):
    they may hold < > & and still be right. Inactive rows are not checked: they only retire.
    """
    from terms import config as C
    from terms.text import (MAX_DEFINITION_LENGTH, MAX_EXPLANATION_LENGTH, MAX_TERM_LENGTH, TermError,
                            structure_message, structure_problem, text_problem, validate_explanation,
                            validate_term)

    from terms.text import LINE_BREAKING

    pf_ids = joined["Language"].filter(pl.col("refsetId") == C.PATIENT_FRIENDLY_REFSET)["referencedComponentId"]
    # (component, is patient-friendly, rule for those rows, the clinical length limit)
    pf_rows = {"Description": pl.col("moduleId").eq(C.PATIENT_FRIENDLY_MODULE) | pl.col("id").is_in(pf_ids.implode()),
               "TextDefinition": pl.col("moduleId").eq(C.PATIENT_FRIENDLY_MODULE)}
    limits = {"Description": (MAX_TERM_LENGTH, MAX_TERM_LENGTH),
              "TextDefinition": (MAX_EXPLANATION_LENGTH, MAX_DEFINITION_LENGTH)}
    bad_frames = []
    for component, is_pf in pf_rows.items():
        frame = joined[component]
        if frame.is_empty():
            continue
        pf_limit, clinical_limit = limits[component]
        # One pass picks the rows worth a look — every active patient-friendly row, and clinical
        # rows with a line-breaking character or over the length limit — without copying the
        # millions of others; the full rules then run on those few.
        suspect = pl.col("term").str.contains(LINE_BREAKING) | (pl.col("term").str.len_chars() > clinical_limit)
        picked = frame.lazy().filter(pl.col("active") & (is_pf | suspect)).with_columns(_pf=is_pf).collect()
        pf_bad = picked.filter("_pf").with_columns(code=text_problem("term", pf_limit))
        clinical_bad = picked.filter(~pl.col("_pf")).with_columns(code=structure_problem("term", clinical_limit))
        bad = pl.concat([pf_bad, clinical_bad]).filter(pl.col("code").is_not_null())
        if bad.is_empty():
            continue
        joined[component] = frame.join(bad.select("id"), on="id", how="anti")
        messages = []
        for row in bad.iter_rows(named=True):
            pf = row["_pf"]
            field_name = ("patientTerm" if component == "Description" else "explanation") if pf else "term"
            try:
                if not pf:
                    messages.append(structure_message(row["code"], field_name, row["term"], clinical_limit))
                    continue
                if component == "Description":
                    validate_term(row["term"], field_name)
                else:
                    validate_explanation(row["term"], field_name)
                messages.append(f"{field_name}: {row['code']}")  # never: the rules agree (tests/test_terms_text.py)
            except TermError as exc:
                messages.append(str(exc))
        bad_frames.append(bad.select(pl.col("_file").alias("file"), pl.col("_line").alias("line"),
                                     pl.lit(component).alias("component"), "id", "conceptId", "code")
                          .with_columns(message=pl.Series(messages, dtype=pl.Utf8)))
    if not bad_frames:
        return joined, pl.DataFrame(schema=QUARANTINE_SCHEMA)
    quarantined = pl.concat(bad_frames).sort("file", "line")
    # Members of any refset that point at a quarantined description would point nowhere.
    joined["Language"] = joined["Language"].filter(~pl.col("referencedComponentId").is_in(quarantined["id"].implode()))
    return joined, quarantined


def read_file(data: bytes | Path, name: str, component: str) -> pl.DataFrame:
    """One RF2 file, checked; columns per COLUMNS[component] plus _file and _line."""
    expected = COLUMNS[component]
    raw = data.read_bytes() if isinstance(data, Path) else data
    _check_header(raw.split(b"\n", 1)[0], name, expected)
    try:
        frame = pl.read_csv(io.BytesIO(raw), separator="\t", quote_char=None, infer_schema=False,
                            empty_string_is_null=False, truncate_ragged_lines=False, encoding="utf8",
                            row_index_name="_line", row_index_offset=2)
    except pl.exceptions.PolarsError:
        raise _locate(raw.split(b"\n"), name, len(expected)) from None
    # Blank lines (a file that ends in an empty line, as editors and some exports leave, or a line
    # of only spaces or tabs) hold no row; polars reads them as empty fields.
    no_id = pl.col("id").is_null() | (pl.col("id").str.len_bytes() == 0) | pl.col("id").str.starts_with(" ")
    if frame.select(no_id.any()).item():  # only then look at every column (3.4M rows: one column is enough)
        blank = pl.all_horizontal(pl.col(expected).is_null() | (pl.col(expected).str.strip_chars() == ""))
        frame = frame.filter(~blank)
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
            raise RF2Error(name, row["_line"], message("files.rf2.field-count", expected=len(expected), found=found))
        empty = next(c for c in expected if not row[c])
        raise RF2Error(name, row["_line"], message("files.rf2.empty-field", column=empty))
    _check_values(frame, name, component)
    return frame.select(
        *[pl.col(c) for c in expected if c != "active"], pl.col("active") == "1", _file=pl.lit(name), _line="_line"
    ).select(*expected, "_file", "_line")


def read_relationships(path: Path, name: str) -> pl.DataFrame:
    """The IS-A rows of one relationship file (inferred or stated), checked; RELATIONSHIP_COLUMNS
    (`active` as bool) plus _file and _line.

    The file is scanned lazily and every row parsed (that is what finds a row with a field too
    many or too few), but only IS-A rows and rows that break the format are kept: an
    international Full (millions of rows) never sits in memory whole. Every row must have its
    ten fields, none empty, an eight-character effectiveTime, active 0 or 1 and a typeId shaped
    like an SCTID (an IS-A row cannot hide behind a damaged typeId); the IS-A rows are then
    checked as any other component's (effectiveTime a date, Verhoeff check digits of id,
    sourceId, destinationId). The other rows are not used, so their ids are not checked.
    """
    expected = COLUMNS["Relationship"]
    with path.open("rb") as fh:
        _check_header(fh.readline(65536), name, expected)
    scan = pl.scan_csv(path, separator="\t", quote_char=None, infer_schema=False, empty_string_is_null=False,
                       truncate_ragged_lines=False, encoding="utf8", row_index_name="_line", row_index_offset=2)
    # A field missing or empty (polars pads a short row, with "" or null). Every column is in here, so
    # polars parses every field of every row, and refuses a row with a field too many.
    short = pl.min_horizontal(pl.col(c).str.len_bytes().fill_null(0) for c in expected) == 0
    # Blank lines (empty, or only spaces and tabs) hold no row, as in read_file.
    blank = pl.all_horizontal(pl.col(c).is_null() | (pl.col(c).str.strip_chars() == "") for c in expected)
    odd = ((pl.col("effectiveTime").str.len_bytes() != 8) | ~pl.col("active").is_in(["0", "1"])
           | ~pl.col("typeId").str.contains(SHAPE))
    try:
        frame = (scan.filter((pl.col("typeId") == IS_A) | short | odd)
                 .select(*RELATIONSHIP_COLUMNS, pl.col("_line").cast(pl.Int64), _short=short,
                         _blank=pl.when(short).then(blank).otherwise(False))
                 .filter(~pl.col("_blank"))
                 .collect())
    except pl.exceptions.PolarsError:
        with path.open("rb") as fh:
            raise _locate(fh, name, len(expected)) from None
    if frame.select(pl.col("_short").any()).item():
        raise _field_missing(path, name, frame.filter("_short")["_line"].min(), expected)
    if frame.height:
        _check_values(frame, name, "Relationship")
    return frame.select(*[pl.col(c) for c in RELATIONSHIP_COLUMNS if c != "active"], pl.col("active") == "1",
                        _file=pl.lit(name), _line="_line").select(*RELATIONSHIP_COLUMNS, "_file", "_line")


def _field_missing(path: Path, name: str, line_no: int, expected: list[str]) -> RF2Error:
    """The error for line `line_no`, which polars read with a field missing or empty."""
    with path.open("rb") as fh:
        line = next(line for i, line in enumerate(fh, start=1) if i == line_no).rstrip(b"\r\n")
    found = line.count(b"\t") + 1
    if found != len(expected):
        return RF2Error(name, line_no, message("files.rf2.field-count", expected=len(expected), found=found))
    empty = next((c for c, v in zip(expected, line.split(b"\t")) if not v), None)
    return RF2Error(name, line_no, message("files.rf2.empty-field", column=empty) if empty
                    else message("files.rf2.unreadable-fields"))


def _check_header(first_line: bytes, name: str, expected: list[str]) -> None:
    first_line = first_line.rstrip(b"\r\n")
    if first_line.startswith(b"\xef\xbb\xbf"):
        raise RF2Error(name, 1, message("files.rf2.bom"))
    header = first_line.decode("utf-8", errors="replace").split("\t")
    if header != expected:
        raise RF2Error(name, 1, message("files.rf2.header", found=" ".join(header), expected=" ".join(expected)))


def _locate(lines: Iterable[bytes], name: str, n_fields: int) -> RF2Error:
    """The slow path after polars refused a file: find the first bad line and say what is wrong.

    `lines`: the file's lines (`raw.split(b"\\n")`, or an open file, which is not read whole)."""
    for i, line in enumerate(lines, start=1):
        line = line.rstrip(b"\n")
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            return RF2Error(name, i, message("files.rf2.not-utf8", byte=exc.start + 1))
        text = text.rstrip("\r")
        if i > 1 and text and text.count("\t") + 1 != n_fields:
            return RF2Error(name, i, message("files.rf2.field-count", expected=n_fields, found=text.count("\t") + 1))
    return RF2Error(name, None, message("files.rf2.unreadable"))


def _first_bad(frame: pl.DataFrame, bad: pl.Expr, name: str, text) -> None:
    hit = frame.filter(bad).head(1)
    if hit.height:
        row = hit.row(0, named=True)
        raise RF2Error(name, row["_line"], text(row) if callable(text) else text)


def verhoeff_ok(ids: pl.Series) -> pl.Series:
    """is_valid for a text Series: shape and Verhoeff check digit, column-wise (terms.sctid)."""
    return valid_series(ids)


def _check_values(frame: pl.DataFrame, name: str, component: str) -> None:
    date = pl.col("effectiveTime").str.strptime(pl.Date, "%Y%m%d", strict=False)
    _first_bad(frame, ~pl.col("effectiveTime").str.contains(r"^\d{8}$") | date.is_null(), name,
               lambda r: message("files.rf2.effective-time", value=r["effectiveTime"]))
    _first_bad(frame, ~pl.col("active").is_in(["0", "1"]), name,
               lambda r: message("files.rf2.active", value=r["active"]))
    for column in SCTID_COLUMNS[component]:
        distinct = frame.get_column(column).unique()
        bad = distinct.filter(~verhoeff_ok(distinct))
        if bad.len():
            _first_bad(frame, pl.col(column).is_in(bad.implode()), name,
                       lambda r, c=column: message("files.rf2.sctid", column=c, value=r[c]))
    if component == "Language":
        _first_bad(frame, ~pl.col("id").str.contains(_UUID), name,
                   lambda r: message("files.rf2.member-id", value=r["id"]))
    if component in ("Description", "TextDefinition"):
        _first_bad(frame, pl.col("term").str.strip_chars() == "", name, message("files.rf2.empty-field", column="term"))
        _first_bad(frame, pl.col("languageCode") == "", name, message("files.rf2.empty-field", column="languageCode"))


def _no_duplicate_ids(frame: pl.DataFrame, component: str) -> None:
    dup = frame.filter(pl.col("id").is_duplicated())
    if dup.height:
        row = dup.sort("_file", "_line").row(-1, named=True)
        raise RF2Error(row["_file"], row["_line"], message("files.rf2.duplicate-id", id=row["id"],
                                                           component=message(f"files.rf2.component.{component}")))


def _check_references(frames: dict[str, pl.DataFrame]) -> None:
    """Members must point at a description or text definition of the release; terms at a concept."""
    members = frames["Language"]
    described = pl.concat([frames["Description"].select("id"), frames["TextDefinition"].select("id")])
    if members.height:
        dangling = members.join(described, left_on="referencedComponentId", right_on="id", how="anti")
        if dangling.height:
            row = dangling.sort("_file", "_line").row(0, named=True)
            raise RF2Error(row["_file"], row["_line"],
                           message("files.rf2.dangling-member", id=row["referencedComponentId"]))
    concepts = frames["Concept"]
    if concepts.height:
        for component in ("Description", "TextDefinition"):
            orphans = frames[component].join(concepts.select(pl.col("id").alias("conceptId")), on="conceptId",
                                             how="anti")
            if orphans.height:
                row = orphans.sort("_file", "_line").row(0, named=True)
                raise RF2Error(row["_file"], row["_line"],
                               message("files.rf2.orphan", component=message(f"files.rf2.component.{component}"),
                                       concept=row["conceptId"]))


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
