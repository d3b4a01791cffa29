"""RF2 for a release: descriptions, text definitions and the patient-friendly language refset.

A release's RF2 is derived from what every release so far published (`release_members`), so
Full, Snapshot and Delta always agree with each other and with the history vendors loaded:
- a component gets a row when it first appears, when its content changes, when it disappears
  (inactive, last content kept) and when it comes back;
- Full = every such row, Snapshot = the newest row per id, Delta = this release's rows.
Each release has its own effectiveTime (exports.release.next_effective_time), so a published
(id, effectiveTime) row is never written again with other content. Releases made before that rule
may share one; then the later release's row stands for that day (RF2 allows one row per id and
effectiveTime).
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from terms import config as C

# Member ids are UUIDs derived from (refset, description), so the same membership keeps its id
# in every release without storing it.
MEMBER_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "helder:language-refset-member")
KINDS = ("Full", "Snapshot", "Delta")


@dataclass
class Components:
    """Every RF2 row ever published, with `idx` = the release it belongs to (0 = first)."""

    descriptions: pl.DataFrame
    text_definitions: pl.DataFrame
    language: pl.DataFrame


def member_id(refset_id: str, description_id: str) -> str:
    return str(uuid.uuid5(MEMBER_NAMESPACE, f"{refset_id}|{description_id}"))


def member_ids(refset_id: str, description_ids: list[str]) -> list[str]:
    """member_id for many descriptions: uuid5 (RFC 4122 SHA-1 name-based) without UUID objects."""
    prefix = MEMBER_NAMESPACE.bytes + f"{refset_id}|".encode()
    out = []
    for d in description_ids:
        h = bytearray(hashlib.sha1(prefix + d.encode()).digest()[:16])
        h[6] = (h[6] & 0x0F) | 0x50  # version 5
        h[8] = (h[8] & 0x3F) | 0x80  # RFC 4122 variant
        x = h.hex()
        out.append(f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}")
    return out


def history(states: pl.DataFrame, content: list[str], last_idx: int) -> pl.DataFrame:
    """Rows to publish from per-release states (idx, id, *content): appearances, changes, removals.

    Returns idx, id, active, *content.
    """
    prev = states.with_columns(pl.col("idx") + 1).rename({c: f"{c}__prev" for c in content})
    joined = states.join(prev, on=["idx", "id"], how="left")
    was_there = pl.col(f"{content[0]}__prev").is_not_null() if content else pl.lit(False)
    same = pl.lit(True)
    for c in content:
        same = same & (pl.col(c).eq_missing(pl.col(f"{c}__prev")))
    appeared = joined.filter(~(was_there & same)).select("idx", "id", *content).with_columns(active=pl.lit(True))
    following = states.with_columns(pl.col("idx") + 1).filter(pl.col("idx") <= last_idx)
    removed = following.join(states.select("idx", "id"), on=["idx", "id"], how="anti").with_columns(
        active=pl.lit(False)
    )
    return pl.concat([appeared, removed.select(appeared.columns)]).sort("idx", "id")


def components(members: pl.DataFrame, last_idx: int, refset_id: str) -> Components:
    """Publishable rows from members (idx, conceptId, descriptionId, term, preferred, definitionId, explanation)."""
    desc_states = members.select("idx", pl.col("descriptionId").alias("id"), "conceptId", "term")
    def_states = members.filter(pl.col("definitionId").is_not_null()).select(
        "idx", pl.col("definitionId").alias("id"), "conceptId", pl.col("explanation").alias("term")
    )
    lang_states = members.select(
        "idx", pl.col("descriptionId").alias("id"),
        pl.when(pl.col("preferred")).then(pl.lit(C.PREFERRED)).otherwise(pl.lit(C.ACCEPTABLE)).alias("acceptabilityId"),
    )
    descriptions = history(desc_states, ["conceptId", "term"], last_idx)
    definitions = history(def_states, ["conceptId", "term"], last_idx)
    language = history(lang_states, ["acceptabilityId"], last_idx)
    ids = language["id"].unique().to_list()
    uuids = pl.DataFrame({"id": ids, "memberId": member_ids(refset_id, ids)},
                         schema={"id": pl.Utf8, "memberId": pl.Utf8})
    language = language.join(uuids, on="id", how="left")
    return Components(descriptions, definitions, language)


def case_significance() -> pl.Expr:
    """Dutch terms are lower case unless a word is a name or abbreviation (DESIGN.md)."""
    term = pl.col("term")
    rest_has_upper = term.str.slice(1).str.contains(r"\p{Lu}")
    first_upper = term.str.slice(0, 1).str.contains(r"\p{Lu}")
    return (
        pl.when(first_upper).then(pl.lit(C.CASE_SENSITIVE))
        .when(rest_has_upper).then(pl.lit(C.INITIAL_CHAR_INSENSITIVE))
        .otherwise(pl.lit(C.CASE_INSENSITIVE))
    )


def _effective(eff_by_idx: list[str]) -> pl.Expr:
    return pl.col("idx").replace_strict(list(range(len(eff_by_idx))), eff_by_idx, return_dtype=pl.Utf8)


def _one_per_day(rows: pl.DataFrame) -> pl.DataFrame:
    # Same-day releases: keep the later release's row for (id, effectiveTime).
    return rows.sort("idx").unique(["id", "effectiveTime"], keep="last", maintain_order=True)


def rf2_frames(comp: Components, eff_by_idx: list[str], module_id: str, refset_id: str) -> dict[str, pl.DataFrame]:
    """Full rows (with idx) in RF2 columns, keyed Description / TextDefinition / Language."""
    active = pl.when(pl.col("active")).then(pl.lit("1")).otherwise(pl.lit("0"))

    def terms(rows: pl.DataFrame, type_id: str) -> pl.DataFrame:
        rows = rows.with_columns(effectiveTime=_effective(eff_by_idx))
        return _one_per_day(rows).select(
            "idx", "id", "effectiveTime", active.alias("active"), pl.lit(module_id).alias("moduleId"),
            "conceptId", pl.lit("nl").alias("languageCode"), pl.lit(type_id).alias("typeId"), "term",
            case_significance().alias("caseSignificanceId"),
        )

    lang = comp.language.with_columns(effectiveTime=_effective(eff_by_idx))
    lang = _one_per_day(lang).select(
        "idx", pl.col("memberId").alias("id"), "effectiveTime", active.alias("active"),
        pl.lit(module_id).alias("moduleId"), pl.lit(refset_id).alias("refsetId"),
        pl.col("id").alias("referencedComponentId"), "acceptabilityId",
    )
    return {
        "Description": terms(comp.descriptions, C.SYNONYM),
        "TextDefinition": terms(comp.text_definitions, C.DEFINITION),
        "Language": lang,
    }


def cut(full: pl.DataFrame, kind: str, last_idx: int) -> pl.DataFrame:
    """The Full, Snapshot or Delta view of Full rows (idx dropped, sorted for stable files)."""
    if kind == "Snapshot":
        full = full.sort("idx").unique("id", keep="last", maintain_order=True)
    elif kind == "Delta":
        full = full.filter(pl.col("idx") == last_idx)
    return full.drop("idx").sort("id", "effectiveTime")


def file_name(component: str, kind: str, namespace: str, effective_time: str) -> str:
    """RF2 file names (DESIGN.md), e.g. sct2_Description_Snapshot-nl_NL1000146_20261124.txt."""
    from terms import rf2 as terms_rf2

    namer = getattr(terms_rf2, "rf2_filename", None)
    if namer is not None:
        return namer(component, kind, namespace=namespace, effective_time=effective_time, language="nl")
    if component == "Language":
        return f"der2_cRefset_Language{kind}-nl_NL{namespace}_{effective_time}.txt"
    return f"sct2_{component}_{kind}-nl_NL{namespace}_{effective_time}.txt"


def write(frames: dict[str, pl.DataFrame], out_dir: Path, last_idx: int, namespace: str, effective_time: str) -> list[Path]:
    """Full, Snapshot and Delta files for each component under out_dir/<kind>/; returns the paths."""
    from terms import rf2 as terms_rf2

    writers = {
        "Description": terms_rf2.write_descriptions,
        "TextDefinition": terms_rf2.write_text_definitions,
        "Language": terms_rf2.write_language_refset,
    }
    paths = []
    for kind in KINDS:
        folder = out_dir / kind
        folder.mkdir(parents=True, exist_ok=True)
        for component, full in frames.items():
            path = folder / file_name(component, kind, namespace, effective_time)
            writers[component](cut(full, kind, last_idx), path)
            paths.append(path)
    return paths
