"""A release's manifest (version, date, counts, sha256 per file), release notes and download zips."""
from __future__ import annotations

import hashlib
import json
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from terms.text import escape_markdown

# Download formats and the folder each zip holds; rf2-delta is the small one a vendor applies monthly.
FORMATS = {"rf2": "rf2", "rf2-delta": "rf2/Delta", "fhir": "fhir", "csv": "csv", "parquet": "parquet"}
DOWNLOADS = "downloads"
MANIFEST = "manifest.json"
NOTES = "RELEASE-NOTES.md"
_HASH_BLOCK = 1 << 20


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def zip_name(version: str, fmt: str) -> str:
    return f"helder-{version}-{fmt}.zip"


def _zip_one(release_dir: Path, version: str, fmt: str) -> tuple[str, dict]:
    out = release_dir / DOWNLOADS / zip_name(version, fmt)
    files = sorted(p for p in (release_dir / FORMATS[fmt]).rglob("*") if p.is_file())
    files.append(release_dir / NOTES)
    # Level 1: the files are text of mostly ids; most of the gain, a fraction of the time.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for path in files:
            zf.write(path, f"{version}/{path.relative_to(release_dir).as_posix()}")
    rel = out.relative_to(release_dir).as_posix()
    return fmt, {"path": rel, "sha256": sha256(out), "bytes": out.stat().st_size}


def build_zips(release_dir: Path, version: str) -> dict[str, dict]:
    """downloads/helder-<version>-<format>.zip per format (with the release notes), built once."""
    (release_dir / DOWNLOADS).mkdir(exist_ok=True)
    # zlib releases the GIL: the four zips compress in parallel on a multi-core machine.
    with ThreadPoolExecutor(max_workers=len(FORMATS)) as pool:
        return dict(pool.map(lambda fmt: _zip_one(release_dir, version, fmt), FORMATS))


def file_entries(release_dir: Path) -> list[dict]:
    """path (relative, POSIX), sha256 and bytes of every content file (not the manifest or zips)."""
    paths = sorted(
        p for p in release_dir.rglob("*")
        if p.is_file() and p.name != MANIFEST and p.relative_to(release_dir).parts[0] != DOWNLOADS
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        digests = list(pool.map(sha256, paths))
    return [
        {"path": p.relative_to(release_dir).as_posix(), "sha256": d, "bytes": p.stat().st_size}
        for p, d in zip(paths, digests)
    ]


def write_manifest(release_dir: Path, *, version: str, effective_time: str, date: str,
                   previous_version: str | None, created_by: str | None, counts: dict, snomed: dict,
                   downloads: dict, left_out: list[dict] | None = None) -> dict:
    """manifest.json: version, date, effectiveTime, counts, sha256 per file, downloads, and the
    terms left out of this release because their text breaks the term rules (`leftOut`)."""
    doc = {
        "version": version,
        "date": date,
        "effectiveTime": effective_time,
        "createdAt": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "createdBy": created_by,
        "previousVersion": previous_version,
        "snomed": snomed,
        "counts": counts,
        "files": file_entries(release_dir),
        "downloads": downloads,
        "leftOut": left_out or [],
    }
    (release_dir / MANIFEST).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return doc


def _md(text: str | None) -> str:
    """Text from a term in Markdown: no markup can come from it (terms.text.escape_markdown)."""
    return escape_markdown(text)


def write_notes(release_dir: Path, version: str, previous: str | None, found: dict[str, pl.DataFrame],
                counts: dict, examples: int = 10, left_out: pl.DataFrame | None = None) -> Path:
    """RELEASE-NOTES.md: what is new, changed, withdrawn and held back, with counts and every
    term (a vendor has only the download, so the notes list all of them), and the terms left out
    because their text breaks the term rules (`examples` of them; all are in manifest.json's
    `leftOut`). In English, as the vendors' documents are. Every text that came from a term or
    the store is escaped (`_md`), so the notes render as written, whatever a term holds."""
    since = f"since {previous}" if previous else "(first release)"  # versions are YYYY-MM-DD[.N]
    lines = [
        f"# Patient-friendly terms — release {version}",
        "",
        f"{counts['concepts']} concepts with a patient-friendly term; {counts['descriptions']} terms "
        f"({counts['preferred']} preferred, {counts['acceptable']} acceptable) and {counts['definitions']} explanations.",
        "",
        f"Changes {since}: **{counts['new']} new**, **{counts['changed']} changed**, **{counts['withdrawn']} withdrawn**"
        + (f", **{counts['heldBack']} held back**." if counts.get("heldBack") else "."),
        "",
    ]
    held_back = found.get("held_back")
    sections = [
        ("New", found["new"], ["conceptId", "term"], ["Concept", "Patient-friendly term"], None),
        ("Changed", found["changed"], ["conceptId", "term", "termAfter"], ["Concept", "Before", "After"], None),
        ("Withdrawn", found["withdrawn"], ["conceptId", "term", "reason"] if "reason" in found["withdrawn"].columns
         else ["conceptId", "term"], ["Concept", "Patient-friendly term", "Reason"][:3 if "reason" in
                                      found["withdrawn"].columns else 2], None),
        ("Held back", held_back if held_back is not None else pl.DataFrame(), ["conceptId", "term", "reason"],
         ["Concept", "Patient-friendly term", "Why"],
         "These terms were published before and are not in this release: they wait for a terminologist. They "
         "are not withdrawn; the first release after their review publishes them again. The RF2 Delta "
         "inactivates them in the meantime, so a PGO stops showing them."),
    ]
    for title, frame, cols, heads, intro in sections:
        if frame.is_empty():
            continue
        lines += [f"## {title} ({frame.height})", ""] + ([intro, ""] if intro else []) + [
                  "| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        # Every change, however many: the notes are what a vendor has (`helder release diff` is
        # ours), so "…and 3 more" would hide changes they cannot look up.
        for row in frame.select(cols).iter_rows():
            lines.append("| " + " | ".join(_md(v) for v in row) + " |")
        lines.append("")
    if left_out is not None and left_out.height:
        lines += [f"## Left out ({left_out.height})", "",
                  "These approved terms were not published: their text breaks the term rules. Fix them in the "
                  "review queue; the next release publishes them.", "",
                  "| Concept | Field | Reason |", "|---|---|---|"]
        for row in left_out.head(examples).select("conceptId", "field", "reason").iter_rows():
            lines.append("| " + " | ".join(_md(v) for v in row) + " |")
        if left_out.height > examples:
            lines.append(f"\n…and {left_out.height - examples} more (see `leftOut` in manifest.json).")
        lines.append("")
    lines += [
        "Files: `rf2/` (Full, Snapshot, Delta), `fhir/` (CodeSystem supplement and ValueSet), "
        "`csv/`, `parquet/`; checksums in `manifest.json`.",
        "",
    ]
    path = release_dir / NOTES
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
