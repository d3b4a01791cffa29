"""Releases: an immutable, versioned snapshot of every approved patient-friendly term.

`create_release` takes what is approved right now (active patient terms of active concepts,
sources release/import/review; stale ones wait for their re-review unless `[export]
publish_stale = true`), gives each term and explanation its stable id (exports.ids), records
the release and its members in the store, and writes RF2 (Full/Snapshot/Delta), FHIR, CSV,
Parquet, release notes, one zip per format and `manifest.json` into `<root>/<version>/`.
Everything is written into a hidden temp folder first and renamed at the end, inside the
database transaction: a failed export leaves neither a folder nor a database row behind.

Versions are dates (`2026-11-24`; `2026-11-24.2` for a second release that day). A version
that exists, in the store or as a folder, is never written again. Each release has its own RF2
effectiveTime: the version's date, or the day after the previous release's effectiveTime when
that is not later (a second release on one day is dated the next day), so a published (id,
effectiveTime) row never changes and Full only grows; manifest.json records it.

What the store holds can never make a release fail: a term whose text breaks the term rules
(terms.text; legacy data, a direct database edit) is left out, an explanation that does is left
off its term, and both are listed in the manifest (`leftOut`), the notes and the CLI line.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exports import bulk, fhir, ids, manifest, rf2, tabular
from review_queue.models import Concept, Ingest, PatientTerm, Release, ReleaseMember, iso_utc
from terms import config as C
from terms.messages import message
from terms.text import (MAX_EXPLANATION_LENGTH, MAX_TERM_LENGTH, TermError, text_problem, validate_explanation,
                        validate_term)

VERSION_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:\.([1-9]\d*))?$")
SOURCES = ("release", "import", "review")
CHUNK = 5_000
LEFT_OUT_LISTED = 100  # terms left out that the manifest names (all are counted)


class ReleaseError(ValueError):
    """A release cannot be made or found; the message says why in one line."""


@dataclass(frozen=True)
class ExportSettings:
    namespace: str
    module_id: str
    refset_id: str
    edition_module: str
    canonical_base: str
    publisher: str
    publish_stale: bool


def export_settings(config: dict | None = None) -> ExportSettings:
    """`[snomed]` namespace/module_id/language_refset plus the `[export]` section (all optional)."""
    config = config or C.load_config()
    snomed, export = config.get("snomed", {}), config.get("export", {}) or {}
    publish_stale = export.get("publish_stale", False)
    if not isinstance(publish_stale, bool):
        raise ReleaseError(message("files.release.publish-stale", value=repr(publish_stale)))
    base = str(export.get("canonical_base", "https://helder.example.org/fhir")).rstrip("/")
    if not re.match(r"^https?://\S+$", base):
        raise ReleaseError(message("files.release.canonical-base", value=repr(base)))
    return ExportSettings(
        namespace=str(snomed.get("namespace", C.NL_NAMESPACE)),
        module_id=str(snomed.get("module_id", C.PATIENT_FRIENDLY_MODULE)),
        refset_id=str(snomed.get("language_refset", C.PATIENT_FRIENDLY_REFSET)),
        edition_module=str(export.get("edition_module", C.NL_MODULE)),
        canonical_base=base,
        publisher=str(export.get("publisher", "helder")),
        publish_stale=publish_stale,
    )


def effective_time(version: str) -> str:
    """The date of a version: '2026-11-24.2' → '20261124' (see release_effective_time for a release's own)."""
    m = VERSION_RE.match(version)
    if not m:
        raise ReleaseError(message("files.release.version-shape", version=version))
    try:
        date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise ReleaseError(message("files.release.version-date", version=version)) from None
    return f"{m[1]}{m[2]}{m[3]}"


def release_effective_time(release: Release) -> str:
    """The effectiveTime a release was published with (manifest.json; older releases: the version's date)."""
    return (release.manifest or {}).get("effectiveTime") or effective_time(release.version)


def next_effective_time(version: str, previous: str | None) -> str:
    """The version's date, or the day after `previous` when that is not earlier: every release its own date."""
    own = effective_time(version)
    if previous is None or own > previous:
        return own
    return (datetime.strptime(previous, "%Y%m%d").date() + timedelta(days=1)).strftime("%Y%m%d")


@contextmanager
def session_scope(factory_or_session) -> Iterator[Session]:
    """A session in a transaction: our own from a factory (committed here), or the caller's."""
    if isinstance(factory_or_session, Session):
        session = factory_or_session
        if session.in_transaction():
            yield session
            session.flush()
        else:
            with session.begin():
                yield session
        return
    with factory_or_session() as session, session.begin():
        yield session


def _taken(session: Session, root: Path, version: str) -> bool:
    in_db = session.execute(select(Release.id).where(Release.version == version)).first() is not None
    return in_db or (root / version).exists()


def release_folders(root: Path) -> dict[str, str]:
    """The releases written under `root`: version → effectiveTime (from each manifest.json)."""
    found: dict[str, str] = {}
    if not root.is_dir():
        return found
    for folder in root.iterdir():
        if not VERSION_RE.match(folder.name) or not (folder / manifest.MANIFEST).is_file():
            continue
        try:
            doc = json.loads((folder / manifest.MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            doc = {}
        found[folder.name] = str(doc.get("effectiveTime") or effective_time(folder.name))
    return found


def foreign_releases(factory_or_session, root: Path) -> list[tuple[str, str]]:
    """Releases under `root` this store did not make: (version, effectiveTime), newest first.

    A folder of releases is one release line: its RF2 Full grows release by release and every
    effectiveTime is published once. Releases another store made (an earlier database, a demo
    whose store was replaced) have their own ids and dates; a release beside them would publish
    an effectiveTime again with other ids, so `create_release` refuses to (files.release.foreign).
    """
    with session_scope(factory_or_session) as session:
        ours = set(session.execute(select(Release.version)).scalars())
    return releases_except(Path(root), ours)


def releases_except(root: Path, versions: set[str]) -> list[tuple[str, str]]:
    """The releases under `root` other than `versions`: (version, effectiveTime), newest first."""
    return sorted(((v, e) for v, e in release_folders(root).items() if v not in versions),
                  key=lambda v: (v[1], v[0]), reverse=True)


def refuse_foreign(root: Path, foreign: list[tuple[str, str]]) -> None:
    """ReleaseError naming the newest of the releases in `root` another store made, if any."""
    if foreign:
        raise ReleaseError(message("files.release.foreign", root=root, n=len(foreign), version=foreign[0][0],
                                   effective_time=foreign[0][1]))


def _choose_version(session: Session, root: Path, version: str | None, today: date) -> str:
    if version is not None:
        effective_time(version)
        if _taken(session, root, version):
            raise ReleaseError(message("files.release.exists", version=version, path=root / version))
        return version
    base = today.isoformat()
    candidate, n = base, 1
    while _taken(session, root, candidate):
        n += 1
        candidate = f"{base}.{n}"
    return candidate


# --------------------------------------------------------------------------- what is published


CURRENT_SCHEMA = {
    "ptId": pl.Int64, "conceptId": pl.Utf8, "term": pl.Utf8, "explanation": pl.Utf8, "preferred": pl.Boolean,
    "descriptionId": pl.Utf8, "definitionId": pl.Utf8, "source": pl.Utf8, "clinicalTerm": pl.Utf8,
    "fsn": pl.Utf8, "semanticTag": pl.Utf8,
}


def current_terms(session: Session, publish_stale: bool = False) -> pl.DataFrame:
    """Every publishable patient term now, one row per (concept, term), exactly one preferred per concept."""
    return select_terms(session, publish_stale)[0]


def select_terms(session: Session, publish_stale: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(current_terms, what was left out: ptId, conceptId, field, reason — see `publishable`)."""
    pt, c = PatientTerm, Concept
    query = (
        select(pt.id, pt.concept_id, pt.term, pt.explanation, pt.preferred, pt.description_id, pt.definition_id,
               pt.source, func.coalesce(c.term_nl, pt.clinical_term), c.fsn_en, c.semantic_tag,
               func.coalesce(c.effective_time, ""))
        .join(c, c.id == pt.concept_id)
        .where(pt.active, c.active, pt.source.in_(SOURCES))
    )
    if not publish_stale:
        query = query.where(~pt.stale)
    rows = session.execute(query).all()
    schema = {**CURRENT_SCHEMA, "conceptEffectiveTime": pl.Utf8}
    cols = list(zip(*rows)) if rows else [[] for _ in schema]
    frame = pl.DataFrame({name: list(col) for name, col in zip(schema, cols)}, schema=schema)
    frame = frame.with_columns(
        pl.col("preferred").fill_null(False),
        explanation=pl.when(pl.col("explanation").str.strip_chars() != "").then(pl.col("explanation")),
    )
    # A concept only a TM import named (no ingested release holds it) is no concept a vendor's
    # terminology server knows: its term waits until a release brings the concept.
    # (A term that breaks the entry rules, or whose id is no SCTID, is left out for that first.)
    frame, left_out = publishable(frame)
    unreleased = frame.filter(pl.col("conceptEffectiveTime") == "")
    frame = frame.filter(pl.col("conceptEffectiveTime") != "").drop("conceptEffectiveTime")
    if unreleased.height:
        reasons = [message("files.sctid.not-released", value=cid) for cid in unreleased["conceptId"]]
        left_out = pl.concat([left_out, unreleased.select(
            "ptId", "conceptId", pl.lit("conceptId").alias("field"), pl.Series("reason", reasons, dtype=pl.Utf8))])
    # Preferred first, then newest; the first row per concept is the preferred synonym (a
    # concept left with only acceptable terms has its newest promoted: exactly one preferred).
    frame = (
        frame.sort(["conceptId", "preferred", "ptId"], descending=[False, True, True])
        .unique(["conceptId", "term"], keep="first", maintain_order=True)
        .with_columns(preferred=pl.int_range(pl.len()).over("conceptId") == 0)
        .with_columns(explanation=pl.when(pl.col("preferred")).then(pl.col("explanation")))
    )
    return frame, left_out.sort("ptId")


LEFT_OUT_SCHEMA = {"ptId": pl.Int64, "conceptId": pl.Utf8, "field": pl.Utf8, "reason": pl.Utf8}


def publishable(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(terms that may be published, what was left out and why).

    The same rules as at every entry (terms.text): a term that breaks them is left out, an
    explanation that does is dropped from its term; so is a term of a concept whose id is no
    concept SCTID (terms.sctid; a number-mangled id from an old spreadsheet import), which no RF2
    reader would load. Left out: ptId, conceptId, field, reason (the Dutch line validate_term gives).
    """
    from terms.sctid import id_problems

    bad_id = id_problems(frame["conceptId"].fill_null(""))
    checked = frame.with_columns(
        __term=pl.when(bad_id.is_not_null()).then(pl.lit("conceptId")).otherwise(text_problem("term", MAX_TERM_LENGTH)),
        __expl=text_problem("explanation", MAX_EXPLANATION_LENGTH, optional=True),
    )
    bad = checked.filter(pl.col("__term").is_not_null() | pl.col("__expl").is_not_null())
    if bad.is_empty():
        return frame, pl.DataFrame(schema=LEFT_OUT_SCHEMA)
    left_out = []
    for row in bad.iter_rows(named=True):
        if row["__term"] == "conceptId":
            problem = id_problems(pl.Series([row["conceptId"] or ""]))[0]
            reason = message("files.sctid.stored", value=row["conceptId"],
                             reason=message(f"files.sctid.reason-{problem}", partition=(row["conceptId"] or "")[-3:-1]))
            left_out.append({"ptId": row["ptId"], "conceptId": row["conceptId"], "field": "conceptId",
                             "reason": reason})
            continue
        field, check = ("term", lambda: validate_term(row["term"], "patientTerm")) if row["__term"] else \
            ("explanation", lambda: validate_explanation(row["explanation"]))
        try:
            check()
            reason = row["__term"] or row["__expl"]
        except TermError as exc:
            reason = str(exc)
        left_out.append({"ptId": row["ptId"], "conceptId": row["conceptId"], "field": field, "reason": reason})
    good = checked.filter(pl.col("__term").is_null()).with_columns(
        explanation=pl.when(pl.col("__expl").is_null()).then(pl.col("explanation"))
    ).drop("__term", "__expl")
    return good, pl.DataFrame(left_out, schema=LEFT_OUT_SCHEMA)


def _assign_ids(session: Session, frame: pl.DataFrame, settings: ExportSettings) -> tuple[pl.DataFrame, dict]:
    desc, minted_desc = ids.assign(
        session, frame.select("ptId", "conceptId", pl.col("term").alias("text"), pl.col("descriptionId").alias("storedId")),
        ids.SYNONYM, settings.namespace,
    )
    frame = frame.drop("descriptionId").join(desc.select("ptId", pl.col("id").alias("descriptionId")), on="ptId")
    with_expl = frame.filter(pl.col("explanation").is_not_null())
    defs, minted_def = ids.assign(
        session,
        with_expl.select("ptId", "conceptId", pl.col("explanation").alias("text"), pl.col("definitionId").alias("storedId")),
        ids.DEFINITION, settings.namespace,
    )
    frame = frame.drop("definitionId").join(
        defs.select("ptId", pl.col("id").alias("definitionId")), on="ptId", how="left"
    )
    dupes = frame.filter(pl.col("descriptionId").is_duplicated())
    if dupes.height:
        row = dupes.row(0, named=True)
        raise ReleaseError(message("files.release.id-twice", id=row["descriptionId"], concept=row["conceptId"]))
    return frame.select(list(CURRENT_SCHEMA)), {"descriptions": minted_desc, "definitions": minted_def}


def _store_ids(session: Session, before: pl.DataFrame, after: pl.DataFrame) -> None:
    """Write newly assigned ids back to the patient terms, so they stay with the term."""
    changed = after.join(
        before.select("ptId", pl.col("descriptionId").alias("oldDesc"), pl.col("definitionId").alias("oldDef")),
        on="ptId",
    ).filter(
        ~pl.col("descriptionId").eq_missing(pl.col("oldDesc"))
        | (pl.col("definitionId").is_not_null() & ~pl.col("definitionId").eq_missing(pl.col("oldDef")))
    )
    if changed.is_empty():
        return
    rows = list(changed.select("descriptionId", "definitionId", "ptId").iter_rows())
    bulk.update_rows(session, PatientTerm.__table__, "id", ["description_id", "definition_id"], rows,
                     keep_when_null=["definition_id"])


MEMBER_SCHEMA = {
    "conceptId": pl.Utf8, "descriptionId": pl.Utf8, "definitionId": pl.Utf8, "term": pl.Utf8,
    "explanation": pl.Utf8, "preferred": pl.Boolean,
}


def _insert_members(session: Session, release_id: int, frame: pl.DataFrame) -> None:
    columns = ("release_id", "concept_id", "description_id", "definition_id", "term", "explanation", "active",
               "preferred")
    rows = list(
        frame.select(pl.lit(release_id).alias("releaseId"), "conceptId", "descriptionId", "definitionId", "term",
                     "explanation", pl.lit(True).alias("active"), "preferred").iter_rows()
    )
    bulk.insert_rows(session, ReleaseMember.__table__, columns, rows)


def members(session: Session, release_ids: list[int]) -> pl.DataFrame:
    """What the given releases published: release_id + MEMBER_SCHEMA columns."""
    rm = ReleaseMember
    schema = {"releaseId": pl.Int64, **MEMBER_SCHEMA}
    if not release_ids:
        return pl.DataFrame(schema=schema)
    rows = session.execute(
        select(rm.release_id, rm.concept_id, rm.description_id, rm.definition_id, rm.term, rm.explanation, rm.preferred)
        .where(rm.release_id.in_(release_ids), rm.active)
    ).all()
    cols = list(zip(*rows)) if rows else [[] for _ in schema]
    return pl.DataFrame({n: list(c) for n, c in zip(schema, cols)}, schema=schema)


def _edition_version(session: Session, settings: ExportSettings) -> str:
    """The SNOMED edition this supplement applies to: the newest ingested release's version."""
    newest = session.execute(select(func.max(Ingest.effective_time)).where(Ingest.effective_time != "")).scalar()
    uri = f"http://snomed.info/sct/{settings.edition_module}"
    return f"{uri}/version/{newest}" if newest else uri


# --------------------------------------------------------------------------- differences


def changes(before: pl.DataFrame, after: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """New, changed and withdrawn concepts between two member sets (preferred term and explanation)."""
    def pref(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col("preferred")).select("conceptId", "term", "explanation")

    a, b = pref(before), pref(after)
    new = b.join(a, on="conceptId", how="anti").sort("conceptId")
    withdrawn = a.join(b, on="conceptId", how="anti").sort("conceptId")
    both = a.join(b, on="conceptId", suffix="After")
    changed = both.filter(
        (pl.col("term") != pl.col("termAfter")) | ~pl.col("explanation").eq_missing(pl.col("explanationAfter"))
    ).sort("conceptId")
    return {"new": new, "changed": changed, "withdrawn": withdrawn}


HELD_BACK_SCHEMA = {"conceptId": pl.Utf8, "term": pl.Utf8, "reason": pl.Utf8}


def why_gone(session: Session, gone: pl.DataFrame, left_out: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split the terms the previous release had and this one has not (conceptId, term) into
    (withdrawn, held back), each with a `reason` in the release notes' language (English).

    Held back: the concept still has an approved term that waits — its Dutch clinical term changed
    (stale-source, back in the review queue) or its text breaks the term rules (left out). Withdrawn:
    the concept was inactivated, or its patient-friendly term left the term set.
    """
    empty = pl.DataFrame(schema=HELD_BACK_SCHEMA)
    if gone.is_empty():
        return empty, empty
    ids_ = gone["conceptId"].to_list()
    concepts, stale = {}, {}
    for chunk in [ids_[i:i + CHUNK] for i in range(0, len(ids_), CHUNK)]:
        for row in session.execute(select(Concept.id, Concept.active, Concept.effective_time, Concept.term_nl,
                                          Concept.term_changed).where(Concept.id.in_(chunk))):
            concepts[row[0]] = row
        for cid, clinical in session.execute(
                select(PatientTerm.concept_id, PatientTerm.clinical_term)
                .where(PatientTerm.concept_id.in_(chunk), PatientTerm.active, PatientTerm.preferred, PatientTerm.stale)):
            stale[cid] = clinical
    left = dict(zip(left_out["conceptId"].to_list(), left_out["reason"].to_list())) if left_out.height else {}
    withdrawn, held = [], []
    for cid, term in gone.select("conceptId", "term").iter_rows():
        concept = concepts.get(cid)
        if concept is not None and not concept[1]:
            when = f" in SNOMED CT {concept[2]}" if concept[2] else ""
            withdrawn.append((cid, term, f"the concept was inactivated{when}"))
        elif cid in stale:
            when = f" (SNOMED CT {concept[4]})" if concept is not None and concept[4] else ""
            now = concept[3] if concept is not None else None
            change = (f"its Dutch clinical term changed from '{stale[cid]}' to '{now}'{when}" if stale[cid] and now
                      else f"its Dutch clinical term changed{when}")
            held.append((cid, term, change + "; a terminologist reviews the term again before it is published"))
        elif cid in left:
            held.append((cid, term, f"its approved text breaks the term rules ({left[cid]}); see Left out"))
        else:
            withdrawn.append((cid, term, "its patient-friendly term was withdrawn from the term set"))
    return (pl.DataFrame(withdrawn, schema=HELD_BACK_SCHEMA, orient="row"),
            pl.DataFrame(held, schema=HELD_BACK_SCHEMA, orient="row"))


def _diff_dict(found: dict[str, pl.DataFrame], limit: int | None) -> dict:
    def head(frame: pl.DataFrame) -> pl.DataFrame:
        return frame if limit is None else frame.head(limit)

    return {
        "counts": {k: v.height for k, v in found.items()},
        "new": [{"conceptId": r["conceptId"], "patientTerm": r["term"], "explanation": r["explanation"]}
                for r in head(found["new"]).iter_rows(named=True)],
        "changed": [{"conceptId": r["conceptId"], "before": r["term"], "after": r["termAfter"],
                     "explanationBefore": r["explanation"], "explanationAfter": r["explanationAfter"]}
                    for r in head(found["changed"]).iter_rows(named=True)],
        "withdrawn": [{"conceptId": r["conceptId"], "patientTerm": r["term"], **({"reason": r["reason"]} if "reason" in r else {})}
                      for r in head(found["withdrawn"]).iter_rows(named=True)],
        **({"heldBack": [{"conceptId": r["conceptId"], "patientTerm": r["term"], "reason": r["reason"]}
                         for r in head(found["held_back"]).iter_rows(named=True)]} if "held_back" in found else {}),
    }


# --------------------------------------------------------------------------- create


def create_release(
    factory_or_session,
    root: str | Path = "releases",
    version: str | None = None,
    created_by: str | None = None,
    config: dict | None = None,
    today: date | None = None,
) -> Path:
    """Publish every approved patient-friendly term as release `<root>/<version>/`; returns its folder."""
    settings = export_settings(config)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    today = today or datetime.now(timezone.utc).date()
    final: Path | None = None
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    try:
        with session_scope(factory_or_session) as session:
            ids.lock_minting(session)
            refuse_foreign(root, foreign_releases(session, root))
            chosen = _choose_version(session, root, version, today)
            previous = session.execute(select(Release).order_by(Release.id)).scalars().all()
            if previous and effective_time(previous[-1].version) > effective_time(chosen):
                raise ReleaseError(message("files.release.older", version=chosen, latest=previous[-1].version))
            eff = next_effective_time(chosen, release_effective_time(previous[-1]) if previous else None)
            current, left_out = select_terms(session, settings.publish_stale)
            lap("select")
            assigned, minted = _assign_ids(session, current, settings)
            _store_ids(session, current, assigned)
            lap("ids")
            release = Release(
                version=chosen, created_by=created_by, path=str((root / chosen).resolve()),
                previous_version=previous[-1].version if previous else None, counts={}, manifest={},
            )
            session.add(release)
            session.flush()
            _insert_members(session, release.id, assigned)
            lap("members")

            history = members(session, [r.id for r in previous])
            idx_of = {r.id: i for i, r in enumerate(previous)}
            last_idx = len(previous)
            all_members = pl.concat([
                history.with_columns(idx=pl.col("releaseId").replace_strict(idx_of, return_dtype=pl.Int64)).drop("releaseId"),
                assigned.select(list(MEMBER_SCHEMA)).with_columns(idx=pl.lit(last_idx, dtype=pl.Int64)),
            ])
            eff_by_idx = [release_effective_time(r) for r in previous] + [eff]
            frames = rf2.rf2_frames(rf2.components(all_members, last_idx, settings.refset_id), eff_by_idx,
                                    settings.module_id, settings.refset_id)
            prev_members = history.filter(pl.col("releaseId") == previous[-1].id) if previous else history
            found = changes(prev_members, assigned)
            found["withdrawn"], found["held_back"] = why_gone(session, found["withdrawn"], left_out)
            lap("history")

            tmp = root / f".tmp-{chosen}-{uuid.uuid4().hex[:8]}"
            tmp.mkdir()
            try:
                rf2.write(frames, tmp / "rf2", last_idx, settings.namespace, eff)
                lap("write_rf2")
                edition = _edition_version(session, settings)
                meta = fhir.ReleaseInfo(version=chosen, effective_time=eff, date=today.isoformat(),
                                        canonical_base=settings.canonical_base, edition_version=edition,
                                        publisher=settings.publisher)
                fhir.write(assigned, tmp / "fhir", meta)
                lap("write_fhir")
                tabular.write(assigned, tmp, chosen)
                lap("write_tabular")
                counts = _counts(assigned, frames, last_idx, found, minted)
                counts["leftOut"] = left_out.height
                manifest.write_notes(tmp, chosen, release.previous_version, found, counts, left_out=left_out)
                downloads = manifest.build_zips(tmp, chosen)
                lap("zip")
                doc = manifest.write_manifest(
                    tmp, version=chosen, effective_time=eff, date=today.isoformat(),
                    previous_version=release.previous_version, created_by=created_by, counts=counts,
                    snomed={"namespace": settings.namespace, "moduleId": settings.module_id,
                            "languageRefsetId": settings.refset_id, "edition": edition},
                    downloads=downloads, left_out=left_out.head(LEFT_OUT_LISTED).to_dicts(),
                )
                lap("manifest")
                release.counts, release.manifest = counts, doc
                session.flush()
                final = root / chosen
                if final.exists():
                    raise ReleaseError(message("files.release.appeared", version=chosen, path=final))
                os.rename(tmp, final)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
        create_release.last_timings = timings  # for the benchmark's per-stage figures
        return final
    except BaseException:
        # The transaction rolled back (or never committed): the folder must go too.
        if final is not None and final.exists():
            shutil.rmtree(final, ignore_errors=True)
        raise


def _counts(assigned: pl.DataFrame, frames: dict[str, pl.DataFrame], last_idx: int,
            found: dict[str, pl.DataFrame], minted: dict) -> dict[str, Any]:
    delta = {k: int(v.filter(pl.col("idx") == last_idx).height) for k, v in frames.items()}
    return {
        "concepts": assigned["conceptId"].n_unique(),
        "descriptions": assigned.height,
        "preferred": int(assigned["preferred"].sum()),
        "acceptable": int((~assigned["preferred"]).sum()),
        "definitions": int(assigned["definitionId"].is_not_null().sum()),
        "new": found["new"].height,
        "changed": found["changed"].height,
        "withdrawn": found["withdrawn"].height,  # withdrawn for good: concept inactive, term retired
        "heldBack": found["held_back"].height,  # published before, waiting: clinical term changed, text left out
        "minted": minted,
        "deltaRows": delta,
    }


# --------------------------------------------------------------------------- read


def _release_dict(r: Release) -> dict:
    return {
        "version": r.version, "effective_time": (r.manifest or {}).get("effectiveTime"),
        "created_at": iso_utc(r.created_at), "created_by": r.created_by, "previous_version": r.previous_version,
        "counts": r.counts, "path": r.path,
    }


def list_releases(factory_or_session) -> list[dict]:
    """Every release, newest first: version, effective_time, created_at (ISO 8601, UTC), created_by,
    previous_version, counts, path."""
    with session_scope(factory_or_session) as session:
        return [_release_dict(r) for r in session.execute(select(Release).order_by(Release.id.desc())).scalars()]


def get_release(session: Session, version: str) -> Release:
    """The release with this version (or the newest for 'latest'); ReleaseError when there is none."""
    if version == "latest":
        found = session.execute(select(Release).order_by(Release.id.desc()).limit(1)).scalar_one_or_none()
        if found is None:
            raise ReleaseError(message("files.release.none-yet"))
        return found
    found = session.execute(select(Release).where(Release.version == version)).scalar_one_or_none()
    if found is None:
        raise ReleaseError(message("files.release.unknown", version=version))
    return found


def show_release(factory_or_session, version: str) -> dict:
    """A release's manifest ('latest' for the newest)."""
    with session_scope(factory_or_session) as session:
        return dict(get_release(session, version).manifest)


def diff_releases(factory_or_session, a: str, b: str, limit: int | None = None) -> dict:
    """What changed from release a to release b: counts and the new, changed, withdrawn and held-back
    terms. A term b no longer has is withdrawn (its concept inactivated, or its term left the term
    set) or held back (it waits for review again), split as the release notes split it
    (`why_gone`), by what the store says now; the counts then agree with the notes of b when b
    follows a."""
    with session_scope(factory_or_session) as session:
        ra, rb = get_release(session, a), get_release(session, b)
        both = members(session, [ra.id, rb.id])
        found = changes(both.filter(pl.col("releaseId") == ra.id), both.filter(pl.col("releaseId") == rb.id))
        found["withdrawn"], found["held_back"] = why_gone(session, found["withdrawn"], pl.DataFrame(schema=HELD_BACK_SCHEMA))
        counts_keys = {"held_back": "heldBack"}
        out = _diff_dict(found, limit)
        out["counts"] = {counts_keys.get(k, k): v for k, v in out["counts"].items()}
        return {"from": ra.version, "to": rb.version, **out}
